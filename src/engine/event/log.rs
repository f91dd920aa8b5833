//! Changes to one replica's log.

use serde::{Deserialize, Serialize};

use crate::engine::blob::Blob;
use crate::engine::ids::{BrokerId, TopicPartition};
use crate::engine::record::{Offset, ProducerId};

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
    SegmentRolled { tp: TopicPartition, broker: BrokerId, base_offset: Offset },
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
    LogStartOffsetAdvanced { tp: TopicPartition, broker: BrokerId, log_start_offset: Offset },
    /// The cleaner compacted closed segments.
    LogCompacted { tp: TopicPartition, broker: BrokerId, removed_records: u32, removed_tombstones: u32 },
    /// A replica cut its divergent suffix (after a leader change): these records are gone from it.
    LogTruncated { tp: TopicPartition, broker: BrokerId, truncated_to: Offset, lost: Vec<LostRecord> },
}
