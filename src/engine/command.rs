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
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "to", rename_all = "snake_case")]
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

/// Read by hand (`engine::read`: the derived internally tagged form cost the
/// browser bundle 51 KB gzipped); the JSON format is the derive's, kept by tests.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Command {
    /// Add a broker (id chosen as max+1 when not given).
    AddBroker {
        id: Option<BrokerId>,
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
        replication_factor: Option<i32>,
        /// Manual placement (`--replica-assignment`): one broker list per
        /// partition, preferred leader first. Overrides `replication_factor`.
        replica_assignment: Option<Vec<Vec<BrokerId>>>,
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
        config: ProducerConfig,
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
    /// The serde tag (`"type"`) of the command, written out rather than
    /// read back from `serde_json::to_value(self)`, which put a JSON
    /// serializer for every command field into the browser bundle.
    pub fn label(&self) -> String {
        self.kind().to_string()
    }

    /// The command's `"type"` in JSON (`rename_all = "snake_case"`; a test checks they agree).
    pub fn kind(&self) -> &'static str {
        match self {
            Command::AddBroker { .. } => "add_broker",
            Command::RemoveBroker { .. } => "remove_broker",
            Command::KillBroker { .. } => "kill_broker",
            Command::StopBroker { .. } => "stop_broker",
            Command::RestartBroker { .. } => "restart_broker",
            Command::IsolateBroker { .. } => "isolate_broker",
            Command::HealBroker { .. } => "heal_broker",
            Command::SlowBroker { .. } => "slow_broker",
            Command::AddFault { .. } => "add_fault",
            Command::HealFault { .. } => "heal_fault",
            Command::CreateTopic { .. } => "create_topic",
            Command::AddPartitions { .. } => "add_partitions",
            Command::DeleteTopic { .. } => "delete_topic",
            Command::AlterTopicConfig { .. } => "alter_topic_config",
            Command::DeleteRecords { .. } => "delete_records",
            Command::AddProducer { .. } => "add_producer",
            Command::SetWorkload { .. } => "set_workload",
            Command::PauseProducer { .. } => "pause_producer",
            Command::ResumeProducer { .. } => "resume_producer",
            Command::Produce { .. } => "produce",
            Command::BeginTransaction { .. } => "begin_transaction",
            Command::CommitTransaction { .. } => "commit_transaction",
            Command::AbortTransaction { .. } => "abort_transaction",
            Command::CloseProducer { .. } => "close_producer",
            Command::CrashProducer { .. } => "crash_producer",
            Command::AddConsumer { .. } => "add_consumer",
            Command::CrashConsumer { .. } => "crash_consumer",
            Command::CloseConsumer { .. } => "close_consumer",
            Command::Seek { .. } => "seek",
            Command::ResetGroupOffsets { .. } => "reset_group_offsets",
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::read::parse;

    /// One JSON sample of every command (checked against serde's own list of variants below).
    const SAMPLES: &[&str] = &[
        r#"{"type": "add_broker"}"#,
        r#"{"type": "remove_broker", "broker": 1}"#,
        r#"{"type": "kill_broker", "broker": 1}"#,
        r#"{"type": "stop_broker", "broker": 1}"#,
        r#"{"type": "restart_broker", "broker": 1}"#,
        r#"{"type": "isolate_broker", "broker": 1}"#,
        r#"{"type": "heal_broker", "broker": 1}"#,
        r#"{"type": "slow_broker", "broker": 1, "extra_ms": 5}"#,
        r#"{"type": "add_fault", "fault": {"type": "isolate", "node": {"broker": 1}}}"#,
        r#"{"type": "heal_fault", "id": 1}"#,
        r#"{"type": "create_topic", "name": "t", "partitions": 1}"#,
        r#"{"type": "add_partitions", "topic": "t", "total": 2}"#,
        r#"{"type": "delete_topic", "topic": "t"}"#,
        r#"{"type": "alter_topic_config", "topic": "t", "config": {}}"#,
        r#"{"type": "delete_records", "tp": {"topic": "t", "partition": 0}, "before_offset": 1}"#,
        r#"{"type": "add_producer", "name": "p"}"#,
        r#"{"type": "set_workload", "producer": "p", "workload": null}"#,
        r#"{"type": "pause_producer", "producer": "p"}"#,
        r#"{"type": "resume_producer", "producer": "p"}"#,
        r#"{"type": "produce", "producer": "p", "record": {"topic": "t"}}"#,
        r#"{"type": "begin_transaction", "producer": "p"}"#,
        r#"{"type": "commit_transaction", "producer": "p"}"#,
        r#"{"type": "abort_transaction", "producer": "p"}"#,
        r#"{"type": "close_producer", "producer": "p"}"#,
        r#"{"type": "crash_producer", "producer": "p"}"#,
        r#"{"type": "add_consumer", "name": "c", "app": {"subscription": {"subscribe": ["t"]}}}"#,
        r#"{"type": "crash_consumer", "consumer": "c"}"#,
        r#"{"type": "close_consumer", "consumer": "c"}"#,
        r#"{"type": "seek", "consumer": "c", "tp": {"topic": "t", "partition": 0}, "offset": 0}"#,
        r#"{"type": "reset_group_offsets", "group": "g", "topic": "t", "spec": {"to": "earliest"}}"#,
    ];

    #[test]
    fn every_command_kind_is_its_json_type_tag() {
        for sample in SAMPLES {
            let command: Command = parse(sample).unwrap_or_else(|e| panic!("{sample}: {e}"));
            let json = serde_json::to_value(&command).unwrap();
            assert_eq!(json["type"].as_str(), Some(command.kind()), "{sample}");
            assert_eq!(command.label(), command.kind());
        }
        // The reader lists every variant when it meets an unknown one: the samples cover them all.
        let err = parse::<Command>(r#"{"type": "no_such_command"}"#).unwrap_err().to_string();
        let listed = err.split("expected one of ").nth(1).expect("the reader lists the variants");
        assert_eq!(listed.matches('`').count() / 2, SAMPLES.len(), "{err}");
    }

    #[test]
    fn a_field_of_another_command_is_refused_as_unknown() {
        let err = parse::<Command>(r#"{"type": "kill_broker", "broker": 1, "rack": "a"}"#).unwrap_err();
        assert!(err.to_string().contains("unknown field `rack`, expected `broker`"), "{err}");
        let err = parse::<Command>(r#"{"type": "kill_broker", "brokr": 1}"#).unwrap_err();
        assert!(err.to_string().contains("unknown field `brokr`"), "{err}");
    }

    #[test]
    fn a_missing_field_and_a_bad_config_are_named() {
        let err = parse::<Command>(r#"{"type": "slow_broker", "broker": 1}"#).unwrap_err();
        assert!(err.to_string().contains("missing field `extra_ms`"), "{err}");
        let err = parse::<Command>(r#"{"type": "alter_topic_config", "topic": "t"}"#).unwrap_err();
        assert!(err.to_string().contains("missing field `config`"), "{err}");
        let text = r#"{"type": "create_topic", "name": "t", "partitions": 1, "config": {"retention.mss": 5}}"#;
        let err = parse::<Command>(text).unwrap_err();
        assert!(err.to_string().contains("unknown field `retention.mss`"), "{err}");
        let err = parse::<Command>(r#"{"broker": 1}"#).unwrap_err();
        assert!(err.to_string().contains("missing field `type`"), "{err}");
    }

    #[test]
    fn every_sample_survives_a_round_trip_through_json() {
        for sample in SAMPLES {
            let command: Command = parse(sample).unwrap();
            let again: Command = parse(&serde_json::to_string(&command).unwrap()).unwrap();
            assert_eq!(again, command, "{sample}");
        }
    }
}
