//! ListOffsets (key 2) and DeleteRecords (key 21).

use serde::{Deserialize, Serialize};

use crate::engine::config::IsolationLevel;
use crate::engine::error::KafkaError;
use crate::engine::ids::TopicPartition;
use crate::engine::record::Offset;
use crate::engine::time::Millis;

/// `ListOffsets` timestamp sentinel: the log end offset (or LSO / HW as isolation allows).
pub const LATEST_TIMESTAMP: Millis = -1;
/// `ListOffsets` timestamp sentinel: the log start offset.
pub const EARLIEST_TIMESTAMP: Millis = -2;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListOffsetsRequest {
    pub isolation_level: IsolationLevel,
    pub partitions: Vec<ListOffsetsPartition>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListOffsetsPartition {
    pub tp: TopicPartition,
    pub current_leader_epoch: i32,
    /// A timestamp, or `LATEST_TIMESTAMP` / `EARLIEST_TIMESTAMP`.
    pub timestamp: Millis,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListOffsetsResponse {
    pub partitions: Vec<ListOffsetsPartitionResponse>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListOffsetsPartitionResponse {
    pub tp: TopicPartition,
    pub error: Option<KafkaError>,
    /// -1 with `offset` -1 when no record has a timestamp at or after the one asked.
    pub timestamp: Millis,
    pub offset: Offset,
    pub leader_epoch: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeleteRecordsRequest {
    /// Delete everything before `offset` (-1 = up to the high watermark).
    pub partitions: Vec<(TopicPartition, Offset)>,
    pub timeout_ms: Millis,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeleteRecordsResponse {
    pub partitions: Vec<DeleteRecordsPartitionResponse>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeleteRecordsPartitionResponse {
    pub tp: TopicPartition,
    pub error: Option<KafkaError>,
    /// The new log start offset.
    pub low_watermark: Offset,
}
