//! Leaders, followers, ISR and high watermarks.

use serde::{Deserialize, Serialize};

use crate::engine::error::KafkaError;
use crate::engine::ids::{BrokerId, TopicPartition};
use crate::engine::record::Offset;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ReplicationEvent {
    /// The controller chose a leader. `unclean` when it came from outside the ISR.
    LeaderElected {
        tp: TopicPartition,
        leader: BrokerId,
        epoch: i32,
        isr: Vec<BrokerId>,
        unclean: bool,
    },
    /// No live replica can lead (OfflinePartitionsCount goes up).
    PartitionOffline {
        tp: TopicPartition,
        epoch: i32,
    },
    BecameLeader {
        tp: TopicPartition,
        broker: BrokerId,
        epoch: i32,
    },
    BecameFollower {
        tp: TopicPartition,
        broker: BrokerId,
        leader: Option<BrokerId>,
        epoch: i32,
    },
    IsrShrunk {
        tp: TopicPartition,
        leader: BrokerId,
        removed: Vec<BrokerId>,
        isr: Vec<BrokerId>,
    },
    IsrExpanded {
        tp: TopicPartition,
        leader: BrokerId,
        added: Vec<BrokerId>,
        isr: Vec<BrokerId>,
    },
    /// The controller took a fenced, shutting-down or unregistered broker out
    /// of the ISR while the leader stayed (a leader change is reported by
    /// `LeaderElected`, a partition left without a leader by `PartitionOffline`).
    /// Not counted as an ISR shrink: Kafka's `IsrShrinksPerSec` counts the leader's own.
    RemovedFromIsr {
        tp: TopicPartition,
        broker: BrokerId,
        leader: Option<BrokerId>,
        isr: Vec<BrokerId>,
    },
    HwAdvanced {
        tp: TopicPartition,
        broker: BrokerId,
        high_watermark: Offset,
    },
    LsoAdvanced {
        tp: TopicPartition,
        broker: BrokerId,
        last_stable_offset: Offset,
    },
    /// The leader asked the controller to change the ISR (AlterPartition).
    /// The change is in effect only when `IsrShrunk` / `IsrExpanded` follows.
    IsrChangeRequested {
        tp: TopicPartition,
        leader: BrokerId,
        isr: Vec<BrokerId>,
        proposed: Vec<BrokerId>,
        /// Why: e.g. "broker 3 not caught up for 30000 ms (replica.lag.time.max.ms)".
        reason: String,
    },
    /// The controller refused the leader's AlterPartition (or it timed out): the ISR stays.
    IsrChangeFailed {
        tp: TopicPartition,
        leader: BrokerId,
        error: Option<KafkaError>,
    },
    /// This broker no longer hosts a replica of the partition (topic deleted
    /// or replica moved); its log is gone.
    ReplicaDeleted {
        tp: TopicPartition,
        broker: BrokerId,
    },
    /// A follower's fetch session to its leader failed (connection refused,
    /// disconnect, timeout): it retries after `replica.fetch.backoff.ms`.
    FetcherBackedOff {
        broker: BrokerId,
        leader: BrokerId,
        reason: String,
    },
}
