//! Fetch API (key 1), used by consumers and by follower replicas.

use serde::{Deserialize, Serialize};

use crate::engine::config::IsolationLevel;
use crate::engine::error::KafkaError;
use crate::engine::ids::{BrokerId, TopicPartition};
use crate::engine::record::{Offset, ProducerId, RecordBatch};
use crate::engine::time::Millis;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FetchRequest {
    /// `Some(broker)` for a follower's replication fetch, `None` for a consumer.
    pub replica_id: Option<BrokerId>,
    pub max_wait_ms: Millis,
    pub min_bytes: i32,
    pub max_bytes: i32,
    pub isolation_level: IsolationLevel,
    pub partitions: Vec<FetchPartition>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FetchPartition {
    pub tp: TopicPartition,
    /// The leader epoch the fetcher believes current (fencing, KIP-320).
    pub current_leader_epoch: i32,
    pub fetch_offset: Offset,
    /// Epoch of the last batch the follower has (KIP-595 divergence check); -1 for consumers.
    pub last_fetched_epoch: i32,
    /// The follower's log start offset.
    pub log_start_offset: Offset,
    pub partition_max_bytes: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FetchResponse {
    pub partitions: Vec<FetchPartitionResponse>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FetchPartitionResponse {
    pub tp: TopicPartition,
    pub error: Option<KafkaError>,
    pub high_watermark: Offset,
    pub last_stable_offset: Offset,
    pub log_start_offset: Offset,
    /// Set when the follower's log diverges from the leader's: truncate to
    /// `end_offset` of `epoch` and fetch again (KIP-595).
    pub diverging_epoch: Option<EpochEndOffset>,
    /// Aborted transactions overlapping the returned range (read_committed only).
    pub aborted_transactions: Vec<AbortedTransaction>,
    pub batches: Vec<RecordBatch>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpochEndOffset {
    pub epoch: i32,
    pub end_offset: Offset,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AbortedTransaction {
    pub producer_id: ProducerId,
    pub first_offset: Offset,
}
