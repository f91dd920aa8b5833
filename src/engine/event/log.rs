//! Changes to one replica's log.

use serde::{Deserialize, Serialize};

use crate::engine::blob::Blob;
use crate::engine::error::KafkaError;
use crate::engine::ids::{BrokerId, TopicPartition};
use crate::engine::record::{Offset, ProducerEpoch, ProducerId};

/// A record removed by truncation, so the loss can be shown and counted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LostRecord {
    pub offset: Offset,
    pub key: Option<Blob>,
    pub value: Option<Blob>,
    pub producer_id: ProducerId,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum LogEvent {
    /// A batch was appended (on a leader, or copied by a follower).
    RecordsAppended {
        tp: TopicPartition,
        broker: BrokerId,
        base_offset: Offset,
        last_offset: Offset,
        count: u32,
        bytes: u32,
        producer_id: ProducerId,
        leader_epoch: i32,
        is_leader: bool,
    },
    SegmentRolled {
        tp: TopicPartition,
        broker: BrokerId,
        base_offset: Offset,
    },
    /// Retention or DeleteRecords removed a closed segment.
    SegmentDeleted {
        tp: TopicPartition,
        broker: BrokerId,
        base_offset: Offset,
        next_offset: Offset,
        records: u32,
        /// `retention.ms`, `retention.bytes` or `DeleteRecords`.
        reason: String,
    },
    LogStartOffsetAdvanced {
        tp: TopicPartition,
        broker: BrokerId,
        log_start_offset: Offset,
    },
    /// The cleaner compacted closed segments.
    LogCompacted {
        tp: TopicPartition,
        broker: BrokerId,
        removed_records: u32,
        removed_tombstones: u32,
    },
    /// A replica cut its divergent suffix (after a leader change): these records are gone from it.
    LogTruncated {
        tp: TopicPartition,
        broker: BrokerId,
        truncated_to: Offset,
        lost: Vec<LostRecord>,
    },
    /// An idempotent producer's retry of a batch the leader already has:
    /// nothing is appended and the producer is told the original offsets
    /// (this is what `enable.idempotence` buys).
    DuplicateBatch {
        tp: TopicPartition,
        broker: BrokerId,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        base_sequence: i32,
        base_offset: Offset,
        last_offset: Offset,
    },
    /// The leader answered a produce for this partition with an error
    /// (`NOT_ENOUGH_REPLICAS`, `REQUEST_TIMED_OUT`, `OUT_OF_ORDER_SEQUENCE_NUMBER`,
    /// ...): Kafka's `FailedProduceRequestsPerSec` as the broker counts it.
    /// Also emitted for acks=0 requests, which get no response.
    ProduceRejected {
        tp: TopicPartition,
        broker: BrokerId,
        error: KafkaError,
        records: u32,
        producer_id: ProducerId,
    },
    /// A follower whose fetch position fell below the leader's log start
    /// offset emptied its log and restarted it there (the records it held
    /// were deleted on the leader by retention or DeleteRecords; nothing
    /// acknowledged is lost by this).
    LogReset {
        tp: TopicPartition,
        broker: BrokerId,
        log_start_offset: Offset,
        removed_records: u32,
    },
}
