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

/// Deserialized by hand through `flat::FlatCommand` (see there: the derived
/// internally tagged form cost the browser bundle 51 KB gzipped); the JSON
/// format is the derive's, kept by tests.
#[derive(Debug, Clone, PartialEq, Serialize)]
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

impl<'de> Deserialize<'de> for Command {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        flat::FlatCommand::deserialize(deserializer)?.into_command()
    }
}

/// One struct with every command's fields, so serde generates one visitor
/// instead of one per variant plus the buffering (`Content`) an internally
/// tagged enum needs: in the wasm bundle the derived `Deserialize for
/// Command` was 51 KB gzipped (BENCHMARKS.md, "Bundle size"). `config`, the
/// one field whose type depends on the command, is read as a JSON value and
/// converted once the type is known. What the derive checked is checked
/// here: the `type` names a command, its required fields are present, and
/// fields of other commands are refused as unknown.
mod flat {
    use serde::de::Error;
    use serde::Deserialize;

    use super::{Command, OffsetResetSpec};
    use crate::engine::client::{ConsumerApp, ProducerRecord, Workload};
    use crate::engine::ids::{NodeId, TopicPartition};
    use crate::engine::net::Fault;

    #[derive(Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        AddBroker,
        RemoveBroker,
        KillBroker,
        StopBroker,
        RestartBroker,
        IsolateBroker,
        HealBroker,
        SlowBroker,
        AddFault,
        HealFault,
        CreateTopic,
        AddPartitions,
        DeleteTopic,
        AlterTopicConfig,
        DeleteRecords,
        AddProducer,
        SetWorkload,
        PauseProducer,
        ResumeProducer,
        Produce,
        BeginTransaction,
        CommitTransaction,
        AbortTransaction,
        CloseProducer,
        CrashProducer,
        AddConsumer,
        CrashConsumer,
        CloseConsumer,
        Seek,
        ResetGroupOffsets,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct FlatCommand {
        #[serde(rename = "type")]
        kind: Kind,
        id: Option<i64>,
        rack: Option<String>,
        broker: Option<i32>,
        from: Option<Vec<NodeId>>,
        extra_ms: Option<i64>,
        fault: Option<Fault>,
        name: Option<String>,
        partitions: Option<i32>,
        replication_factor: Option<i32>,
        replica_assignment: Option<Vec<Vec<i32>>>,
        config: Option<serde_json::Value>,
        topic: Option<String>,
        total: Option<i32>,
        tp: Option<TopicPartition>,
        before_offset: Option<i64>,
        producer: Option<String>,
        workload: Option<Workload>,
        record: Option<ProducerRecord>,
        consumer: Option<String>,
        app: Option<ConsumerApp>,
        offset: Option<i64>,
        group: Option<String>,
        spec: Option<OffsetResetSpec>,
    }

    fn need<T, E: Error>(value: Option<T>, field: &'static str) -> Result<T, E> {
        value.ok_or_else(|| E::missing_field(field))
    }

    fn config<T: serde::de::DeserializeOwned + Default, E: Error>(value: Option<serde_json::Value>) -> Result<T, E> {
        match value {
            None => Ok(T::default()),
            Some(v) => serde_json::from_value(v).map_err(E::custom),
        }
    }

    fn int<T: TryFrom<i64>, E: Error>(value: i64) -> Result<T, E> {
        T::try_from(value).map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(value), &"an id in range"))
    }

    impl FlatCommand {
        /// The fields given, by name, for refusing those the command does not have.
        fn given(&self) -> [(&'static str, bool); 23] {
            [
                ("id", self.id.is_some()),
                ("rack", self.rack.is_some()),
                ("broker", self.broker.is_some()),
                ("from", self.from.is_some()),
                ("extra_ms", self.extra_ms.is_some()),
                ("fault", self.fault.is_some()),
                ("name", self.name.is_some()),
                ("partitions", self.partitions.is_some()),
                ("replication_factor", self.replication_factor.is_some()),
                ("replica_assignment", self.replica_assignment.is_some()),
                ("config", self.config.is_some()),
                ("topic", self.topic.is_some()),
                ("total", self.total.is_some()),
                ("tp", self.tp.is_some()),
                ("before_offset", self.before_offset.is_some()),
                ("producer", self.producer.is_some()),
                ("workload", self.workload.is_some()),
                ("record", self.record.is_some()),
                ("consumer", self.consumer.is_some()),
                ("app", self.app.is_some()),
                ("offset", self.offset.is_some()),
                ("group", self.group.is_some()),
                ("spec", self.spec.is_some()),
            ]
        }

        pub(super) fn into_command<E: Error>(self) -> Result<Command, E> {
            use Kind as K;
            let fields: &'static [&'static str] = match self.kind {
                K::AddBroker => &["id", "rack"],
                K::RemoveBroker | K::KillBroker | K::StopBroker | K::RestartBroker | K::HealBroker => &["broker"],
                K::IsolateBroker => &["broker", "from"],
                K::SlowBroker => &["broker", "extra_ms"],
                K::AddFault => &["fault"],
                K::HealFault => &["id"],
                K::CreateTopic => &["name", "partitions", "replication_factor", "replica_assignment", "config"],
                K::AddPartitions => &["topic", "total"],
                K::DeleteTopic => &["topic"],
                K::AlterTopicConfig => &["topic", "config"],
                K::DeleteRecords => &["tp", "before_offset"],
                K::AddProducer => &["name", "config", "workload"],
                K::SetWorkload => &["producer", "workload"],
                K::Produce => &["producer", "record"],
                K::PauseProducer
                | K::ResumeProducer
                | K::BeginTransaction
                | K::CommitTransaction
                | K::AbortTransaction
                | K::CloseProducer
                | K::CrashProducer => &["producer"],
                K::AddConsumer => &["name", "config", "app"],
                K::CrashConsumer | K::CloseConsumer => &["consumer"],
                K::Seek => &["consumer", "tp", "offset"],
                K::ResetGroupOffsets => &["group", "topic", "spec"],
            };
            if let Some((field, _)) = self.given().into_iter().find(|(f, given)| *given && !fields.contains(f)) {
                return Err(E::unknown_field(field, fields));
            }
            let f = self;
            Ok(match f.kind {
                K::AddBroker => Command::AddBroker { id: f.id.map(int).transpose()?, rack: f.rack },
                K::RemoveBroker => Command::RemoveBroker { broker: need(f.broker, "broker")? },
                K::KillBroker => Command::KillBroker { broker: need(f.broker, "broker")? },
                K::StopBroker => Command::StopBroker { broker: need(f.broker, "broker")? },
                K::RestartBroker => Command::RestartBroker { broker: need(f.broker, "broker")? },
                K::IsolateBroker => Command::IsolateBroker { broker: need(f.broker, "broker")?, from: f.from },
                K::HealBroker => Command::HealBroker { broker: need(f.broker, "broker")? },
                K::SlowBroker => {
                    Command::SlowBroker { broker: need(f.broker, "broker")?, extra_ms: need(f.extra_ms, "extra_ms")? }
                }
                K::AddFault => Command::AddFault { fault: need(f.fault, "fault")? },
                K::HealFault => Command::HealFault { id: int(need(f.id, "id")?)? },
                K::CreateTopic => Command::CreateTopic {
                    name: need(f.name, "name")?,
                    partitions: need(f.partitions, "partitions")?,
                    replication_factor: f.replication_factor,
                    replica_assignment: f.replica_assignment,
                    config: config(f.config)?,
                },
                K::AddPartitions => {
                    Command::AddPartitions { topic: need(f.topic, "topic")?, total: need(f.total, "total")? }
                }
                K::DeleteTopic => Command::DeleteTopic { topic: need(f.topic, "topic")? },
                K::AlterTopicConfig => Command::AlterTopicConfig {
                    topic: need(f.topic, "topic")?,
                    config: config(Some(need(f.config, "config")?))?,
                },
                K::DeleteRecords => Command::DeleteRecords {
                    tp: need(f.tp, "tp")?,
                    before_offset: need(f.before_offset, "before_offset")?,
                },
                K::AddProducer => Command::AddProducer {
                    name: need(f.name, "name")?,
                    config: config(f.config)?,
                    workload: f.workload,
                },
                K::SetWorkload => {
                    Command::SetWorkload { producer: need(f.producer, "producer")?, workload: f.workload }
                }
                K::PauseProducer => Command::PauseProducer { producer: need(f.producer, "producer")? },
                K::ResumeProducer => Command::ResumeProducer { producer: need(f.producer, "producer")? },
                K::Produce => {
                    Command::Produce { producer: need(f.producer, "producer")?, record: need(f.record, "record")? }
                }
                K::BeginTransaction => Command::BeginTransaction { producer: need(f.producer, "producer")? },
                K::CommitTransaction => Command::CommitTransaction { producer: need(f.producer, "producer")? },
                K::AbortTransaction => Command::AbortTransaction { producer: need(f.producer, "producer")? },
                K::CloseProducer => Command::CloseProducer { producer: need(f.producer, "producer")? },
                K::CrashProducer => Command::CrashProducer { producer: need(f.producer, "producer")? },
                K::AddConsumer => Command::AddConsumer {
                    name: need(f.name, "name")?,
                    config: config(f.config)?,
                    app: need(f.app, "app")?,
                },
                K::CrashConsumer => Command::CrashConsumer { consumer: need(f.consumer, "consumer")? },
                K::CloseConsumer => Command::CloseConsumer { consumer: need(f.consumer, "consumer")? },
                K::Seek => Command::Seek {
                    consumer: need(f.consumer, "consumer")?,
                    tp: need(f.tp, "tp")?,
                    offset: need(f.offset, "offset")?,
                },
                K::ResetGroupOffsets => Command::ResetGroupOffsets {
                    group: need(f.group, "group")?,
                    topic: need(f.topic, "topic")?,
                    spec: need(f.spec, "spec")?,
                },
            })
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
            let command: Command = serde_json::from_str(sample).unwrap_or_else(|e| panic!("{sample}: {e}"));
            let json = serde_json::to_value(&command).unwrap();
            assert_eq!(json["type"].as_str(), Some(command.kind()), "{sample}");
            assert_eq!(command.label(), command.kind());
        }
        // serde lists every variant when it meets an unknown one: the samples cover them all.
        let err = serde_json::from_str::<Command>(r#"{"type": "no_such_command"}"#).unwrap_err().to_string();
        let listed = err.split("expected one of ").nth(1).expect("serde lists the variants");
        assert_eq!(listed.matches('`').count() / 2, SAMPLES.len(), "{err}");
    }

    #[test]
    fn a_field_of_another_command_is_refused_as_unknown() {
        let err = serde_json::from_str::<Command>(r#"{"type": "kill_broker", "broker": 1, "rack": "a"}"#).unwrap_err();
        assert!(err.to_string().contains("unknown field `rack`, expected `broker`"), "{err}");
        let err = serde_json::from_str::<Command>(r#"{"type": "kill_broker", "brokr": 1}"#).unwrap_err();
        assert!(err.to_string().contains("unknown field `brokr`"), "{err}");
    }

    #[test]
    fn a_missing_field_and_a_bad_config_are_named() {
        let err = serde_json::from_str::<Command>(r#"{"type": "slow_broker", "broker": 1}"#).unwrap_err();
        assert!(err.to_string().contains("missing field `extra_ms`"), "{err}");
        let err = serde_json::from_str::<Command>(r#"{"type": "alter_topic_config", "topic": "t"}"#).unwrap_err();
        assert!(err.to_string().contains("missing field `config`"), "{err}");
        let text = r#"{"type": "create_topic", "name": "t", "partitions": 1, "config": {"retention.mss": 5}}"#;
        let err = serde_json::from_str::<Command>(text).unwrap_err();
        assert!(err.to_string().contains("unknown field `retention.mss`"), "{err}");
        let err = serde_json::from_str::<Command>(r#"{"broker": 1}"#).unwrap_err();
        assert!(err.to_string().contains("missing field `type`"), "{err}");
    }

    #[test]
    fn every_sample_survives_a_round_trip_through_json() {
        for sample in SAMPLES {
            let command: Command = serde_json::from_str(sample).unwrap();
            let again: Command = serde_json::from_str(&serde_json::to_string(&command).unwrap()).unwrap();
            assert_eq!(again, command, "{sample}");
        }
    }
}
