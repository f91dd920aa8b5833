//! Commands: everything a person (or a scenario's timed action) can do to a
//! running cluster. Commands are data, so a command log can be saved,
//! shared in a URL and replayed into the same trace.

use serde::{Deserialize, Serialize};

use super::client::{ConsumerApp, ProducerRecord, Workload};
use super::config::{ConsumerConfig, ProducerConfig, TopicConfig};
use super::ids::{BrokerId, NodeId, PartitionId, TopicPartition};
use super::net::Fault;
use super::record::Offset;
use super::time::Millis;

/// Where to move a group's committed offsets (`kafka-consumer-groups --reset-offsets`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case", deny_unknown_fields)]
pub enum OffsetResetSpec {
    Earliest,
    Latest,
    /// The earliest offset whose timestamp is at or after `timestamp`.
    Timestamp {
        timestamp: Millis,
    },
    /// The same offset on every partition.
    Offset {
        offset: Offset,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    /// Add a broker (id chosen as max+1 when not given).
    AddBroker {
        #[serde(default)]
        id: Option<BrokerId>,
        #[serde(default)]
        rack: Option<String>,
    },
    /// Decommission a stopped or crashed broker for good.
    RemoveBroker {
        broker: BrokerId,
    },
    /// kill -9: no controlled shutdown; the controller notices after `broker.session.timeout.ms`.
    KillBroker {
        broker: BrokerId,
    },
    /// Controlled shutdown: leadership moves away first, then the process stops.
    StopBroker {
        broker: BrokerId,
    },
    RestartBroker {
        broker: BrokerId,
    },
    /// Cut a broker off the network (from everyone, or from the listed nodes only).
    IsolateBroker {
        broker: BrokerId,
        #[serde(default)]
        from: Option<Vec<NodeId>>,
    },
    /// Remove every network fault that involves this broker.
    HealBroker {
        broker: BrokerId,
    },
    /// Make a broker slow to receive and send (a slow follower): adds latency to all its links.
    SlowBroker {
        broker: BrokerId,
        extra_ms: Millis,
    },
    AddFault {
        fault: Fault,
    },
    HealFault {
        id: u32,
    },

    CreateTopic {
        name: String,
        partitions: PartitionId,
        #[serde(default)]
        replication_factor: Option<i32>,
        /// Manual placement (`--replica-assignment`): one broker list per
        /// partition, preferred leader first. Overrides `replication_factor`.
        #[serde(default)]
        replica_assignment: Option<Vec<Vec<BrokerId>>>,
        #[serde(default)]
        config: TopicConfig,
    },
    AddPartitions {
        topic: String,
        total: PartitionId,
    },
    DeleteTopic {
        topic: String,
    },
    AlterTopicConfig {
        topic: String,
        config: TopicConfig,
    },
    /// `DeleteRecords`: move the log start offset of a partition.
    DeleteRecords {
        tp: TopicPartition,
        before_offset: Offset,
    },

    AddProducer {
        name: String,
        #[serde(default)]
        config: ProducerConfig,
        #[serde(default)]
        workload: Option<Workload>,
    },
    SetWorkload {
        producer: String,
        workload: Option<Workload>,
    },
    PauseProducer {
        producer: String,
    },
    ResumeProducer {
        producer: String,
    },
    /// `producer.send()` of one hand-written record.
    Produce {
        producer: String,
        record: ProducerRecord,
    },
    BeginTransaction {
        producer: String,
    },
    CommitTransaction {
        producer: String,
    },
    AbortTransaction {
        producer: String,
    },
    /// `producer.close()`.
    CloseProducer {
        producer: String,
    },
    /// The producer's process dies.
    CrashProducer {
        producer: String,
    },

    AddConsumer {
        name: String,
        #[serde(default)]
        config: ConsumerConfig,
        app: ConsumerApp,
    },
    /// The consumer's process dies: no LeaveGroup; its partitions wait for `session.timeout.ms`.
    CrashConsumer {
        consumer: String,
    },
    /// `consumer.close()`: LeaveGroup, so the group rebalances at once.
    CloseConsumer {
        consumer: String,
    },
    Seek {
        consumer: String,
        tp: TopicPartition,
        offset: Offset,
    },
    /// Reset a group's committed offsets for a topic (the group must have no active members, as in Kafka).
    ResetGroupOffsets {
        group: String,
        topic: String,
        spec: OffsetResetSpec,
    },
}

impl Command {
    /// A short human label (for the event log and the command history).
    pub fn label(&self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_string))
            .unwrap_or_default()
    }
}

/// Why a command was refused. The cluster is unchanged when this is returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandError {
    /// The field at fault (`"partitions"`, `"config.retention.ms"`, `"broker"`), when one is.
    pub field: Option<String>,
    pub message: String,
}

impl CommandError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        CommandError { field: Some(field.into()), message: message.into() }
    }
    pub fn general(message: impl Into<String>) -> Self {
        CommandError { field: None, message: message.into() }
    }
}

impl std::fmt::Display for CommandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{field}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for CommandError {}
