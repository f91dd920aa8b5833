//! The KRaft controller: broker registrations and liveness, replica
//! placement, leader election, ISR changes, topic administration, and the
//! metadata image it pushes to every broker.
//!
//! STUB: the controller engineer replaces this; the public signatures are
//! the contract with `sim.rs`.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::config::{BrokerConfig, TopicConfig};
use super::ids::{BrokerId, NodeId, PartitionId};
use super::node::Ctx;
use super::protocol::{Message, MetadataImage};

/// Timers the controller sets.
#[derive(Debug, Clone, PartialEq)]
pub enum ControllerTimer {
    /// Check broker sessions for expiry.
    SessionCheck,
}

/// Why an admin operation was refused: a Kafka error and a sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminError {
    pub error: super::error::KafkaError,
    pub message: String,
}

pub struct Controller {
    /// Cluster-wide defaults (`default.replication.factor`, `min.insync.replicas`, ...).
    pub defaults: BrokerConfig,
    image: Arc<MetadataImage>,
}

impl Controller {
    pub fn new(defaults: BrokerConfig) -> Self {
        Controller { defaults, image: Arc::new(MetadataImage::default()) }
    }

    pub fn start(&mut self, ctx: &mut Ctx) {
        let _ = ctx;
    }

    /// Registers a broker as if it had been running since time 0 (used to
    /// build a scenario's initial cluster without waiting for messages).
    pub fn bootstrap_broker(&mut self, id: BrokerId, rack: Option<String>) {
        let _ = (id, rack);
    }

    /// Creates `__consumer_offsets` and `__transaction_state` (internal,
    /// compacted), called once after the bootstrap brokers registered.
    pub fn create_internal_topics(&mut self, ctx: &mut Ctx) {
        let _ = ctx;
    }

    pub fn create_topic(
        &mut self,
        ctx: &mut Ctx,
        name: &str,
        partitions: PartitionId,
        replication_factor: i32,
        config: TopicConfig,
    ) -> Result<(), AdminError> {
        let _ = (ctx, name, partitions, replication_factor, config);
        Ok(())
    }

    pub fn create_partitions(&mut self, ctx: &mut Ctx, topic: &str, total: PartitionId) -> Result<(), AdminError> {
        let _ = (ctx, topic, total);
        Ok(())
    }

    pub fn delete_topic(&mut self, ctx: &mut Ctx, topic: &str) -> Result<(), AdminError> {
        let _ = (ctx, topic);
        Ok(())
    }

    pub fn alter_topic_config(&mut self, ctx: &mut Ctx, topic: &str, config: TopicConfig) -> Result<(), AdminError> {
        let _ = (ctx, topic, config);
        Ok(())
    }

    /// A broker was removed from the cluster for good (decommissioned).
    pub fn unregister_broker(&mut self, ctx: &mut Ctx, id: BrokerId) {
        let _ = (ctx, id);
    }

    pub fn on_message(&mut self, ctx: &mut Ctx, from: NodeId, message: Message) {
        let _ = (ctx, from, message);
    }

    pub fn on_timer(&mut self, ctx: &mut Ctx, timer: ControllerTimer) {
        let _ = (ctx, timer);
    }

    /// The current metadata image.
    pub fn image(&self) -> &Arc<MetadataImage> {
        &self.image
    }
}
