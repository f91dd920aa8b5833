//! The scenario file format written by hand: the same text as serde_json's
//! `to_string` of the derived `Serialize` (fields in declaration order,
//! `None` as `null`, floats by ryu), so share links and saved sessions are
//! unchanged, without a serializer per type in the wasm bundle (the derived
//! `Serialize` of the scenario tree through serde_json cost ~6 KB gzipped).
//! Tests compare the two byte for byte; `Serialize` stays derived for them and
//! for the snapshots that hold these types.

use super::blob::Blob;
use super::client::{CommitMode, ConsumerApp, KeyPattern, ProducerRecord, Subscription, Workload};
use super::command::{Command, OffsetResetSpec};
use super::config::{Acks, AssignorName, AutoOffsetReset, CleanupPolicy, IsolationLevel, Partitioner};
use super::ids::{NodeId, TopicPartition};
use super::net::{Fault, LinkMatch};
use super::record::{Header, TimestampType};
use super::scenario::{ConsumerSpec, Lesson, LessonStep, ProducerSpec, Question, Scenario, TimedCommand, TopicSpec};
use super::sim::{BrokerSpec, ClusterSpec};

/// A type of the file format, written as compact JSON.
pub trait ToJson {
    fn write_json(&self, out: &mut String);
}

/// `value` as compact JSON text.
pub fn to_json(value: &dyn ToJson) -> String {
    let mut out = String::new();
    value.write_json(&mut out);
    out
}

/// A JSON string, escaped as serde_json escapes it.
fn string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 15] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// An object being written, field by field.
pub struct Object<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> Object<'a> {
    pub fn new(out: &'a mut String) -> Self {
        out.push('{');
        Object { out, first: true }
    }

    fn key(&mut self, name: &str) {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        string(self.out, name);
        self.out.push(':');
    }

    pub fn field(&mut self, name: &str, value: &dyn ToJson) {
        self.key(name);
        value.write_json(self.out);
    }

    /// A string field (an enum's tag).
    pub fn str(&mut self, name: &str, value: &str) {
        self.key(name);
        string(self.out, value);
    }

    pub fn end(self) {
        self.out.push('}');
    }
}

/// A fieldless enum, written as its name.
fn name(out: &mut String, name: &str) {
    string(out, name);
}

/// An externally tagged newtype variant: `{"broker": 1}`.
fn newtype(out: &mut String, variant: &str, value: &dyn ToJson) {
    let mut o = Object::new(out);
    o.field(variant, value);
    o.end();
}

// Primitives: integers by core's formatting (no floats there), floats by serde_json (ryu,
// `null` when not finite), as serde_json writes them.

macro_rules! integers {
    ($($ty:ty),*) => {$(
        impl ToJson for $ty {
            fn write_json(&self, out: &mut String) {
                out.push_str(&self.to_string());
            }
        }
    )*};
}

integers!(i32, i64, u32, u64);

impl ToJson for f64 {
    fn write_json(&self, out: &mut String) {
        out.push_str(&serde_json::to_string(self).unwrap_or_else(|_| "null".into()));
    }
}

impl ToJson for bool {
    fn write_json(&self, out: &mut String) {
        out.push_str(if *self { "true" } else { "false" });
    }
}

impl ToJson for String {
    fn write_json(&self, out: &mut String) {
        string(out, self);
    }
}

impl<T: ToJson> ToJson for Option<T> {
    fn write_json(&self, out: &mut String) {
        match self {
            Some(value) => value.write_json(out),
            None => out.push_str("null"),
        }
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn write_json(&self, out: &mut String) {
        out.push('[');
        for (i, item) in self.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            item.write_json(out);
        }
        out.push(']');
    }
}

// The scenario tree (the configs are written by `read::config_fields!`, which lists their
// fields once for both directions).

impl ToJson for Scenario {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::new(out);
        o.field("name", &self.name);
        o.field("description", &self.description);
        o.field("seed", &self.seed);
        o.field("until", &self.until);
        o.field("cluster", &self.cluster);
        o.field("topics", &self.topics);
        o.field("producers", &self.producers);
        o.field("consumers", &self.consumers);
        o.field("actions", &self.actions);
        if let Some(lesson) = &self.lesson {
            o.field("lesson", lesson);
        }
        o.end();
    }
}

impl ToJson for Lesson {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::new(out);
        o.field("steps", &self.steps);
        o.field("question", &self.question);
        o.end();
    }
}

impl ToJson for LessonStep {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::new(out);
        o.field("at", &self.at);
        o.field("text", &self.text);
        o.end();
    }
}

impl ToJson for Question {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::new(out);
        o.field("at", &self.at);
        o.field("prompt", &self.prompt);
        o.field("choices", &self.choices);
        o.field("answer", &self.answer);
        o.field("check_at", &self.check_at);
        o.field("explanation", &self.explanation);
        o.end();
    }
}

impl ToJson for TopicSpec {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::new(out);
        o.field("name", &self.name);
        o.field("partitions", &self.partitions);
        o.field("replication_factor", &self.replication_factor);
        o.field("replica_assignment", &self.replica_assignment);
        o.field("config", &self.config);
        o.end();
    }
}

impl ToJson for ProducerSpec {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::new(out);
        o.field("name", &self.name);
        o.field("config", &self.config);
        o.field("workload", &self.workload);
        o.end();
    }
}

impl ToJson for ConsumerSpec {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::new(out);
        o.field("name", &self.name);
        o.field("config", &self.config);
        o.field("app", &self.app);
        o.end();
    }
}

impl ToJson for TimedCommand {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::new(out);
        o.field("at", &self.at);
        o.field("do", &self.command);
        o.end();
    }
}

impl ToJson for ClusterSpec {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::new(out);
        o.field("brokers", &self.brokers);
        o.field("broker_config", &self.broker_config);
        o.field("network", &self.network);
        o.end();
    }
}

impl ToJson for BrokerSpec {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::new(out);
        o.field("id", &self.id);
        o.field("rack", &self.rack);
        o.end();
    }
}

impl ToJson for CleanupPolicy {
    fn write_json(&self, out: &mut String) {
        name(out, self.as_str());
    }
}

impl ToJson for Acks {
    fn write_json(&self, out: &mut String) {
        name(out, self.as_str());
    }
}

impl ToJson for TimestampType {
    fn write_json(&self, out: &mut String) {
        name(out, if *self == TimestampType::CreateTime { "CreateTime" } else { "LogAppendTime" });
    }
}

impl ToJson for Partitioner {
    fn write_json(&self, out: &mut String) {
        name(
            out,
            match self {
                Partitioner::Default => "default",
                Partitioner::RoundRobin => "org.apache.kafka.clients.producer.RoundRobinPartitioner",
            },
        );
    }
}

impl ToJson for AutoOffsetReset {
    fn write_json(&self, out: &mut String) {
        name(
            out,
            match self {
                AutoOffsetReset::Earliest => "earliest",
                AutoOffsetReset::Latest => "latest",
                AutoOffsetReset::None => "none",
            },
        );
    }
}

impl ToJson for IsolationLevel {
    fn write_json(&self, out: &mut String) {
        name(out, if *self == IsolationLevel::ReadCommitted { "read_committed" } else { "read_uncommitted" });
    }
}

impl ToJson for AssignorName {
    fn write_json(&self, out: &mut String) {
        name(out, self.protocol_name());
    }
}

impl ToJson for CommitMode {
    fn write_json(&self, out: &mut String) {
        name(
            out,
            match self {
                CommitMode::Auto => "auto",
                CommitMode::SyncAfterProcessing => "sync_after_processing",
                CommitMode::AsyncAfterProcessing => "async_after_processing",
                CommitMode::SyncBeforeProcessing => "sync_before_processing",
            },
        );
    }
}

impl ToJson for NodeId {
    fn write_json(&self, out: &mut String) {
        match self {
            NodeId::Controller => name(out, "controller"),
            NodeId::Broker(id) => newtype(out, "broker", id),
            NodeId::Client(id) => newtype(out, "client", id),
        }
    }
}

impl ToJson for Subscription {
    fn write_json(&self, out: &mut String) {
        match self {
            Subscription::Subscribe(topics) => newtype(out, "subscribe", topics),
            Subscription::Assign(partitions) => newtype(out, "assign", partitions),
        }
    }
}

impl ToJson for TopicPartition {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::new(out);
        o.field("topic", &self.topic);
        o.field("partition", &self.partition);
        o.end();
    }
}

impl ToJson for Header {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::new(out);
        o.field("key", &self.key);
        o.field("value", &self.value);
        o.end();
    }
}

/// A string when UTF-8, `{"base64": "..."}` otherwise.
impl ToJson for Blob {
    fn write_json(&self, out: &mut String) {
        match std::str::from_utf8(self.as_bytes()) {
            Ok(s) => string(out, s),
            Err(_) => {
                let mut o = Object::new(out);
                o.str("base64", &super::blob::base64_encode(self.as_bytes()));
                o.end();
            }
        }
    }
}

impl ToJson for Workload {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::new(out);
        o.field("topic", &self.topic);
        o.field("rate_per_sec", &self.rate_per_sec);
        o.field("key", &self.key);
        o.field("value_bytes", &self.value_bytes);
        o.field("max_records", &self.max_records);
        o.field("records_per_transaction", &self.records_per_transaction);
        o.field("abort_every", &self.abort_every);
        o.end();
    }
}

impl ToJson for KeyPattern {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::new(out);
        match self {
            KeyPattern::None => o.str("type", "none"),
            KeyPattern::Sequential { prefix, cardinality } | KeyPattern::Random { prefix, cardinality } => {
                o.str("type", if matches!(self, KeyPattern::Random { .. }) { "random" } else { "sequential" });
                o.field("prefix", prefix);
                o.field("cardinality", cardinality);
            }
            KeyPattern::Fixed { key } => {
                o.str("type", "fixed");
                o.field("key", key);
            }
        }
        o.end();
    }
}

impl ToJson for ProducerRecord {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::new(out);
        o.field("topic", &self.topic);
        o.field("partition", &self.partition);
        o.field("key", &self.key);
        o.field("value", &self.value);
        o.field("headers", &self.headers);
        o.field("timestamp", &self.timestamp);
        o.end();
    }
}

impl ToJson for ConsumerApp {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::new(out);
        o.field("subscription", &self.subscription);
        o.field("processing_ms_per_record", &self.processing_ms_per_record);
        o.field("commit_mode", &self.commit_mode);
        o.end();
    }
}

fn link(o: &mut Object, link: &LinkMatch) {
    o.field("from", &link.from);
    o.field("to", &link.to);
    o.field("both_ways", &link.both_ways);
    o.field("kind", &link.kind);
}

impl ToJson for Fault {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::new(out);
        match self {
            Fault::Drop { link: l, count, probability } => {
                o.str("type", "drop");
                link(&mut o, l);
                o.field("count", count);
                o.field("probability", probability);
            }
            Fault::Delay { link: l, extra_ms } => {
                o.str("type", "delay");
                link(&mut o, l);
                o.field("extra_ms", extra_ms);
            }
            Fault::Partition { side_a, side_b } => {
                o.str("type", "partition");
                o.field("side_a", side_a);
                o.field("side_b", side_b);
            }
            Fault::Isolate { node, except } => {
                o.str("type", "isolate");
                o.field("node", node);
                o.field("except", except);
            }
        }
        o.end();
    }
}

impl ToJson for OffsetResetSpec {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::new(out);
        match self {
            OffsetResetSpec::Earliest => o.str("to", "earliest"),
            OffsetResetSpec::Latest => o.str("to", "latest"),
            OffsetResetSpec::Timestamp { timestamp } => {
                o.str("to", "timestamp");
                o.field("timestamp", timestamp);
            }
            OffsetResetSpec::Offset { offset } => {
                o.str("to", "offset");
                o.field("offset", offset);
            }
        }
        o.end();
    }
}

impl ToJson for Command {
    fn write_json(&self, out: &mut String) {
        use Command as C;
        let mut o = Object::new(out);
        o.str("type", self.kind());
        // Each variant's fields in declaration order, as serde writes them.
        let fields: &[(&str, &dyn ToJson)] = match self {
            C::AddBroker { id, rack } => &[("id", id), ("rack", rack)],
            C::RemoveBroker { broker }
            | C::KillBroker { broker }
            | C::StopBroker { broker }
            | C::RestartBroker { broker }
            | C::HealBroker { broker } => &[("broker", broker)],
            C::IsolateBroker { broker, from } => &[("broker", broker), ("from", from)],
            C::SlowBroker { broker, extra_ms } => &[("broker", broker), ("extra_ms", extra_ms)],
            C::AddFault { fault } => &[("fault", fault)],
            C::HealFault { id } => &[("id", id)],
            C::CreateTopic { name, partitions, replication_factor, replica_assignment, config } => &[
                ("name", name),
                ("partitions", partitions),
                ("replication_factor", replication_factor),
                ("replica_assignment", replica_assignment),
                ("config", config),
            ],
            C::AddPartitions { topic, total } => &[("topic", topic), ("total", total)],
            C::DeleteTopic { topic } => &[("topic", topic)],
            C::AlterTopicConfig { topic, config } => &[("topic", topic), ("config", config)],
            C::DeleteRecords { tp, before_offset } => &[("tp", tp), ("before_offset", before_offset)],
            C::AddProducer { name, config, workload } => &[("name", name), ("config", config), ("workload", workload)],
            C::SetWorkload { producer, workload } => &[("producer", producer), ("workload", workload)],
            C::Produce { producer, record } => &[("producer", producer), ("record", record)],
            C::PauseProducer { producer }
            | C::ResumeProducer { producer }
            | C::BeginTransaction { producer }
            | C::CommitTransaction { producer }
            | C::AbortTransaction { producer }
            | C::CloseProducer { producer }
            | C::CrashProducer { producer } => &[("producer", producer)],
            C::AddConsumer { name, config, app } => &[("name", name), ("config", config), ("app", app)],
            C::CrashConsumer { consumer } | C::CloseConsumer { consumer } => &[("consumer", consumer)],
            C::Seek { consumer, tp, offset } => &[("consumer", consumer), ("tp", tp), ("offset", offset)],
            C::ResetGroupOffsets { group, topic, spec } => &[("group", group), ("topic", topic), ("spec", spec)],
        };
        for (name, value) in fields {
            o.field(name, *value);
        }
        o.end();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::config::{BrokerConfig, ConsumerConfig, ProducerConfig, TopicConfig};
    use crate::engine::read::parse;
    use crate::engine::scenario::built_in;

    /// The writer's text is serde_json's `to_string` of the derived `Serialize`, byte for byte.
    fn same_as_serde<T: ToJson + serde::Serialize>(value: &T) {
        assert_eq!(to_json(value), serde_json::to_string(value).unwrap());
    }

    /// Every command, fault, key pattern and enum value, non-default configs, a lesson, text
    /// that needs escaping and a binary blob.
    const EVERYTHING: &str = r#"{"name": "all \"of\" it\n\t\u0001\u001f é 😀", "description": "d\\e", "seed": 18446744073709551615,
      "until": 90000,
      "cluster": {"brokers": [{"id": 1, "rack": "a"}, {"id": 2}],
        "broker_config": {"broker.rack": "r", "min.insync.replicas": 2, "auto.create.topics.enable": false},
        "network": {"latency_ms": 3, "jitter_ms": 2}},
      "topics": [{"name": "t", "partitions": 2, "replication_factor": 2, "replica_assignment": [[1, 2], [2, 1]],
        "config": {"cleanup.policy": "compact,delete", "message.timestamp.type": "LogAppendTime", "min.cleanable.dirty.ratio": 0.3}}],
      "producers": [{"name": "p", "config": {"acks": 1, "enable.idempotence": false, "transactional.id": null,
          "partitioner.class": "round_robin", "client.id": "c"},
        "workload": {"topic": "t", "rate_per_sec": 0.1, "key": {"type": "sequential", "prefix": "k", "cardinality": 3},
          "max_records": 7, "records_per_transaction": 2, "abort_every": 3}},
        {"name": "q", "workload": {"topic": "t", "rate_per_sec": 1e21, "key": {"type": "fixed", "key": "x"}}},
        {"name": "r", "workload": {"topic": "t", "rate_per_sec": 1.5e-7}}],
      "consumers": [{"name": "c", "config": {"group.id": "g", "auto.offset.reset": "none", "isolation.level": "read_committed",
          "partition.assignment.strategy": ["org.apache.kafka.clients.consumer.StickyAssignor", "cooperative-sticky", "roundrobin"]},
        "app": {"subscription": {"assign": [{"topic": "t", "partition": 1}]}, "processing_ms_per_record": 5, "commit_mode": "async_after_processing"}},
        {"name": "d", "app": {"subscription": {"subscribe": ["t"]}, "commit_mode": "sync_before_processing"}}],
      "actions": [
        {"at": 1, "do": {"type": "add_broker", "id": 3, "rack": "c"}},
        {"at": 1, "do": {"type": "add_broker"}},
        {"at": 1, "do": {"type": "remove_broker", "broker": 1}},
        {"at": 1, "do": {"type": "kill_broker", "broker": 1}},
        {"at": 1, "do": {"type": "stop_broker", "broker": 1}},
        {"at": 1, "do": {"type": "restart_broker", "broker": 1}},
        {"at": 1, "do": {"type": "isolate_broker", "broker": 1, "from": ["controller", {"client": 4}]}},
        {"at": 1, "do": {"type": "heal_broker", "broker": 1}},
        {"at": 1, "do": {"type": "slow_broker", "broker": 1, "extra_ms": 5}},
        {"at": 1, "do": {"type": "add_fault", "fault": {"type": "drop", "from": {"broker": 1}, "to": "controller", "both_ways": true, "kind": "Fetch", "count": 3, "probability": 0.5}}},
        {"at": 1, "do": {"type": "add_fault", "fault": {"type": "delay", "extra_ms": 9}}},
        {"at": 1, "do": {"type": "add_fault", "fault": {"type": "partition", "side_a": [{"broker": 1}], "side_b": [{"broker": 2}]}}},
        {"at": 1, "do": {"type": "add_fault", "fault": {"type": "isolate", "node": {"broker": 2}, "except": ["controller"]}}},
        {"at": 1, "do": {"type": "heal_fault", "id": 1}},
        {"at": 1, "do": {"type": "create_topic", "name": "u", "partitions": 1}},
        {"at": 1, "do": {"type": "add_partitions", "topic": "t", "total": 4}},
        {"at": 1, "do": {"type": "delete_topic", "topic": "t"}},
        {"at": 1, "do": {"type": "alter_topic_config", "topic": "t", "config": {"retention.ms": -1}}},
        {"at": 1, "do": {"type": "delete_records", "tp": {"topic": "t", "partition": 0}, "before_offset": 4}},
        {"at": 1, "do": {"type": "add_producer", "name": "p2", "workload": {"topic": "t", "rate_per_sec": 2, "key": {"type": "none"}}}},
        {"at": 1, "do": {"type": "set_workload", "producer": "p", "workload": null}},
        {"at": 1, "do": {"type": "pause_producer", "producer": "p"}},
        {"at": 1, "do": {"type": "resume_producer", "producer": "p"}},
        {"at": 1, "do": {"type": "produce", "producer": "p", "record": {"topic": "t", "partition": 1, "key": {"base64": "/wAQgA=="},
          "value": "v", "headers": [{"key": "h", "value": "x"}, {"key": "i", "value": null}], "timestamp": 12}}},
        {"at": 1, "do": {"type": "begin_transaction", "producer": "p"}},
        {"at": 1, "do": {"type": "commit_transaction", "producer": "p"}},
        {"at": 1, "do": {"type": "abort_transaction", "producer": "p"}},
        {"at": 1, "do": {"type": "close_producer", "producer": "p"}},
        {"at": 1, "do": {"type": "crash_producer", "producer": "p"}},
        {"at": 1, "do": {"type": "add_consumer", "name": "e", "app": {"subscription": {"subscribe": []}}}},
        {"at": 1, "do": {"type": "crash_consumer", "consumer": "c"}},
        {"at": 1, "do": {"type": "close_consumer", "consumer": "c"}},
        {"at": 1, "do": {"type": "seek", "consumer": "c", "tp": {"topic": "t", "partition": 0}, "offset": 0}},
        {"at": 1, "do": {"type": "reset_group_offsets", "group": "g", "topic": "t", "spec": {"to": "earliest"}}},
        {"at": 1, "do": {"type": "reset_group_offsets", "group": "g", "topic": "t", "spec": {"to": "latest"}}},
        {"at": 1, "do": {"type": "reset_group_offsets", "group": "g", "topic": "t", "spec": {"to": "timestamp", "timestamp": 5}}},
        {"at": 1, "do": {"type": "reset_group_offsets", "group": "g", "topic": "t", "spec": {"to": "offset", "offset": 6}}}],
      "lesson": {"steps": [{"at": 0, "text": "one"}], "question": {"at": 1, "prompt": "p", "choices": ["a", "b"], "answer": 1, "check_at": 2, "explanation": "e"}}}"#;

    #[test]
    fn the_writer_writes_what_serde_wrote() {
        let everything: Scenario = parse(EVERYTHING).unwrap();
        assert_eq!(everything.actions.len(), 37);
        same_as_serde(&everything);
        assert_eq!(parse::<Scenario>(&everything.to_json()), Ok(everything));
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                let scenario: Scenario = parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
                same_as_serde(&scenario);
            }
        }
        same_as_serde(&built_in::new_cluster());
        same_as_serde(&built_in::bench(6, 24, 4, 4, 1000.0));
        same_as_serde(&TopicConfig::default());
        same_as_serde(&BrokerConfig::default());
        same_as_serde(&ProducerConfig::default());
        same_as_serde(&ConsumerConfig::default());
        for x in [0.0, -0.0, 1.0, 0.1, 1e21, 1.5e-7, 123456789.125, f64::NAN, f64::INFINITY] {
            same_as_serde(&x);
        }
        let mut text = String::new();
        for c in (0u32..0x80).filter_map(char::from_u32) {
            text.push(c);
        }
        same_as_serde(&text);
    }
}
