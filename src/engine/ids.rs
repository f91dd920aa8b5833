//! Names of the things in a cluster.

use std::fmt;

use serde::{Deserialize, Serialize};

/// `broker.id` / `node.id`.
pub type BrokerId = i32;
/// A partition index within a topic.
pub type PartitionId = i32;
/// Identifies a producer or consumer client in the simulation.
pub type ClientId = u32;

/// A topic name and partition index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TopicPartition {
    pub topic: String,
    pub partition: PartitionId,
}

impl TopicPartition {
    pub fn new(topic: impl Into<String>, partition: PartitionId) -> Self {
        TopicPartition { topic: topic.into(), partition }
    }
}

impl fmt::Display for TopicPartition {
    /// Kafka's own spelling: `orders-0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.topic, self.partition)
    }
}

/// Every participant that sends or receives messages on the simulated network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeId {
    /// The KRaft controller (one, and it does not fail in this model).
    Controller,
    Broker(BrokerId),
    Client(ClientId),
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeId::Controller => write!(f, "controller"),
            NodeId::Broker(id) => write!(f, "broker-{id}"),
            NodeId::Client(id) => write!(f, "client-{id}"),
        }
    }
}
