//! Brokers coming and going, the controller's decisions, topics, faults.

use serde::{Deserialize, Serialize};

use crate::engine::ids::{BrokerId, NodeId, PartitionId};
use crate::engine::net::Fault;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ClusterEvent {
    BrokerStarted {
        broker: BrokerId,
        rack: Option<String>,
    },
    /// The process died (kill -9): no controlled shutdown.
    BrokerCrashed {
        broker: BrokerId,
    },
    /// Controlled shutdown began: leadership moves away first.
    BrokerShuttingDown {
        broker: BrokerId,
    },
    BrokerStopped {
        broker: BrokerId,
    },
    BrokerRemoved {
        broker: BrokerId,
    },
    /// The controller fenced the broker: no heartbeat for `broker.session.timeout.ms`.
    BrokerFenced {
        broker: BrokerId,
        reason: String,
    },
    BrokerUnfenced {
        broker: BrokerId,
    },
    TopicCreated {
        topic: String,
        partitions: PartitionId,
        replication_factor: i32,
    },
    PartitionsAdded {
        topic: String,
        from: PartitionId,
        to: PartitionId,
    },
    TopicDeleted {
        topic: String,
    },
    TopicConfigChanged {
        topic: String,
    },
    FaultAdded {
        id: u32,
        fault: Fault,
    },
    FaultHealed {
        id: u32,
    },
    /// A message was lost on the wire (network fault).
    MessageDropped {
        from: NodeId,
        to: NodeId,
        kind: String,
    },
    /// A scheduled or user command was refused; the cluster is unchanged.
    CommandRejected {
        command: String,
        error: String,
    },
}
