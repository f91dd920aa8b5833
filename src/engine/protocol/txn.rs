//! Idempotent and transactional producers: InitProducerId (22),
//! AddPartitionsToTxn (24), AddOffsetsToTxn (25), EndTxn (26),
//! WriteTxnMarkers (27), TxnOffsetCommit (28).

use serde::{Deserialize, Serialize};

use crate::engine::error::KafkaError;
use crate::engine::ids::TopicPartition;
use crate::engine::record::{ControlType, Offset, ProducerEpoch, ProducerId};
use crate::engine::time::Millis;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InitProducerIdRequest {
    pub transactional_id: Option<String>,
    pub transaction_timeout_ms: Millis,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InitProducerIdResponse {
    pub error: Option<KafkaError>,
    pub producer_id: ProducerId,
    pub producer_epoch: ProducerEpoch,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddPartitionsToTxnRequest {
    pub transactional_id: String,
    pub producer_id: ProducerId,
    pub producer_epoch: ProducerEpoch,
    pub partitions: Vec<TopicPartition>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddPartitionsToTxnResponse {
    pub partitions: Vec<(TopicPartition, Option<KafkaError>)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddOffsetsToTxnRequest {
    pub transactional_id: String,
    pub producer_id: ProducerId,
    pub producer_epoch: ProducerEpoch,
    pub group_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddOffsetsToTxnResponse {
    pub error: Option<KafkaError>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TxnOffsetCommitRequest {
    pub transactional_id: String,
    pub group_id: String,
    pub producer_id: ProducerId,
    pub producer_epoch: ProducerEpoch,
    pub generation_id: i32,
    pub member_id: String,
    pub offsets: Vec<(TopicPartition, Offset)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TxnOffsetCommitResponse {
    pub partitions: Vec<(TopicPartition, Option<KafkaError>)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndTxnRequest {
    pub transactional_id: String,
    pub producer_id: ProducerId,
    pub producer_epoch: ProducerEpoch,
    /// true = commit, false = abort.
    pub committed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndTxnResponse {
    pub error: Option<KafkaError>,
}

/// Transaction coordinator -> partition leaders: write COMMIT/ABORT markers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WriteTxnMarkersRequest {
    pub producer_id: ProducerId,
    pub producer_epoch: ProducerEpoch,
    pub marker: ControlType,
    pub coordinator_epoch: i32,
    pub partitions: Vec<TopicPartition>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WriteTxnMarkersResponse {
    pub producer_id: ProducerId,
    pub partitions: Vec<(TopicPartition, Option<KafkaError>)>,
}
