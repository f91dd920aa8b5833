//! Metadata API (key 3) and the cluster metadata image it is answered from.

use serde::{Deserialize, Serialize};

use crate::collections::VecMap;
use crate::engine::config::TopicConfig;
use crate::engine::error::KafkaError;
use crate::engine::ids::{BrokerId, PartitionId};

/// `topics: None` asks for all topics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetadataRequest {
    pub topics: Option<Vec<String>>,
    pub allow_auto_topic_creation: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetadataResponse {
    pub brokers: Vec<BrokerMetadata>,
    pub controller_id: BrokerId,
    pub topics: Vec<TopicMetadata>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BrokerMetadata {
    pub node_id: BrokerId,
    pub rack: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicMetadata {
    pub name: String,
    pub error: Option<KafkaError>,
    pub is_internal: bool,
    pub partitions: Vec<PartitionMetadata>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartitionMetadata {
    pub partition: PartitionId,
    /// `LEADER_NOT_AVAILABLE` while no replica leads.
    pub error: Option<KafkaError>,
    pub leader: Option<BrokerId>,
    pub leader_epoch: i32,
    pub replicas: Vec<BrokerId>,
    pub isr: Vec<BrokerId>,
    pub offline_replicas: Vec<BrokerId>,
}

/// The controller's authoritative view of the cluster, versioned. Brokers
/// hold the latest image they received; clients see it through Metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct MetadataImage {
    /// Increases with every change (the KRaft metadata offset).
    pub version: i64,
    pub brokers: VecMap<BrokerId, BrokerRegistrationInfo>,
    pub topics: VecMap<String, TopicImage>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BrokerRegistrationInfo {
    pub id: BrokerId,
    pub rack: Option<String>,
    /// Fenced brokers lead nothing and are out of every ISR.
    pub fenced: bool,
    /// In controlled shutdown: leadership is being moved away.
    pub in_controlled_shutdown: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicImage {
    pub name: String,
    /// Internal topics: `__consumer_offsets`, `__transaction_state`.
    pub is_internal: bool,
    pub config: TopicConfig,
    pub partitions: Vec<PartitionImage>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionImage {
    pub partition: PartitionId,
    pub replicas: Vec<BrokerId>,
    pub isr: Vec<BrokerId>,
    pub leader: Option<BrokerId>,
    pub leader_epoch: i32,
    /// Bumped on every change to this partition (ISR or leader), KIP-497.
    pub partition_epoch: i32,
}

impl MetadataImage {
    pub fn partition(&self, topic: &str, partition: PartitionId) -> Option<&PartitionImage> {
        self.topics.get(topic)?.partitions.get(usize::try_from(partition).ok()?)
    }

    /// The partition of an internal topic (`__consumer_offsets`,
    /// `__transaction_state`) that coordinates `key`: Kafka's
    /// `Utils.abs(key.hashCode) % partitions`, counting the partitions the
    /// image shows, or `configured` before the topic exists.
    pub fn coordinator_partition(&self, topic: &str, key: &str, configured: i32) -> PartitionId {
        let count = self.topics.get(topic).map(|t| t.partitions.len() as i32).filter(|&n| n > 0).unwrap_or(configured);
        crate::engine::hash::coordinator_partition_for(key, count.max(1))
    }

    pub fn live_brokers(&self) -> impl Iterator<Item = &BrokerRegistrationInfo> {
        self.brokers.values().filter(|b| !b.fenced)
    }
}
