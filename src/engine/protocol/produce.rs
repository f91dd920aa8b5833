//! Produce API (key 0).

use serde::{Deserialize, Serialize};

use crate::engine::error::KafkaError;
use crate::engine::ids::TopicPartition;
use crate::engine::record::{Offset, RecordBatch};
use crate::engine::time::Millis;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProduceRequest {
    pub transactional_id: Option<String>,
    /// 0, 1 or -1 (all), as on the wire.
    pub acks: i16,
    /// How long the leader waits for the ISR when acks=all.
    pub timeout_ms: Millis,
    pub partitions: Vec<ProducePartitionData>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProducePartitionData {
    pub tp: TopicPartition,
    /// One batch per partition per request, as the Java producer sends.
    pub batch: RecordBatch,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProduceResponse {
    pub partitions: Vec<ProducePartitionResponse>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProducePartitionResponse {
    pub tp: TopicPartition,
    pub error: Option<KafkaError>,
    /// Offset of the batch's first record (-1 on error).
    pub base_offset: Offset,
    /// Broker time when appended, when the topic uses LogAppendTime, else -1.
    pub log_append_time_ms: Millis,
    pub log_start_offset: Offset,
}
