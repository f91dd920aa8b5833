//! The KRaft controller plane: broker registration and heartbeats,
//! AlterPartition (ISR changes), controlled shutdown, metadata propagation.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::metadata::MetadataImage;
use crate::engine::error::KafkaError;
use crate::engine::ids::{BrokerId, TopicPartition};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BrokerRegistrationRequest {
    pub broker_id: BrokerId,
    pub rack: Option<String>,
    /// Increases on every restart, so the controller can tell a new life from an old message.
    pub incarnation: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BrokerRegistrationResponse {
    pub error: Option<KafkaError>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BrokerHeartbeatRequest {
    pub broker_id: BrokerId,
    pub incarnation: u32,
    /// The metadata version the broker has applied.
    pub metadata_version: i64,
    pub want_shutdown: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BrokerHeartbeatResponse {
    pub error: Option<KafkaError>,
    pub is_fenced: bool,
    /// The controller agrees the broker may stop now (controlled shutdown done).
    pub should_shut_down: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlterPartitionRequest {
    pub broker_id: BrokerId,
    pub tp: TopicPartition,
    pub leader_epoch: i32,
    pub partition_epoch: i32,
    pub new_isr: Vec<BrokerId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlterPartitionResponse {
    pub tp: TopicPartition,
    /// `FENCED_LEADER_EPOCH` / `INVALID_UPDATE_VERSION`-like refusals.
    pub error: Option<KafkaError>,
    pub isr: Vec<BrokerId>,
    pub leader_epoch: i32,
    pub partition_epoch: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ControlledShutdownRequest {
    pub broker_id: BrokerId,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ControlledShutdownResponse {
    pub error: Option<KafkaError>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpdateMetadataRequest {
    pub image: Arc<MetadataImage>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpdateMetadataResponse {
    pub metadata_version: i64,
}
