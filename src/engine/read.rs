//! The scenario file format, read by hand from a `serde_json::Value`: the one
//! reader of the format, used by the native loader (`Scenario::from_json`) and
//! the browser (imports, share links, autosave, fetched lessons) alike.
//!
//! serde's derived `Deserialize` impls for the scenario tree cost ~140 KB of
//! raw wasm (a visitor per struct, `Content` buffering per internally tagged
//! enum, an `Option<T>` deserializer per field type, and serde_path_to_error
//! on top for the path); this reader replaced them for 30 KB less gzipped
//! (543.7 → 513.4 KB, BENCHMARKS.md). The text is parsed into a `Value` anyway; taking the fields
//! out of it in small functions accepts the same JSON with serde's messages
//! (`missing field `name``, `unknown field `x`, expected one of …`,
//! `invalid type: string "a", expected u32`, `unknown variant …`), and every
//! error carries its path (`actions[2].do.broker`, `topics[0].config.retention.ms`).
//!
//! Differences from the derived impls, all on input that is wrong anyway:
//! with two problems in one object, the one reported is an unknown field
//! first, then the others in the order the fields are read (serde: input
//! order); a repeated key is taken last-wins (serde refused it as a
//! duplicate when reading text); a JSON array is not read as a struct's
//! fields in order, nor `[]` as an internally tagged enum without its tag.

use serde::de::Error as _;
use serde_json::{Map, Number, Value};

use super::blob::Blob;
use super::client::{CommitMode, ConsumerApp, KeyPattern, ProducerRecord, Subscription, Workload};
use super::command::{Command, OffsetResetSpec};
use super::config::{
    Acks, AssignorName, AutoOffsetReset, BrokerConfig, CleanupPolicy, ConsumerConfig, IsolationLevel, Partitioner,
    ProducerConfig, TopicConfig,
};
use super::ids::{NodeId, TopicPartition};
use super::net::{Fault, LinkMatch, NetworkConfig};
use super::record::{Header, TimestampType};
use super::scenario::{
    ConsumerSpec, Lesson, LessonStep, ProducerSpec, Question, Scenario, ScenarioError, TimedCommand, TopicSpec,
};
use super::sim::{BrokerSpec, ClusterSpec};
use super::txn::state::{TxnMetadata, TxnState};

pub type Result<T> = std::result::Result<T, ScenarioError>;

/// A type of the file format, read from its JSON value. Errors carry the path
/// below `value` (the caller adds where `value` is).
pub trait FromJson: Sized {
    fn from_json(value: &Value) -> Result<Self>;
}

/// Parses JSON text and reads it as `T` (no checks beyond the format's: see
/// `Scenario::from_json` for a whole file).
pub fn parse<T: FromJson>(text: &str) -> Result<T> {
    let value = super::json::parse(text).map_err(|e| error(format!("not valid JSON: {e}")))?;
    T::from_json(&value)
}

#[cold]
#[inline(never)]
fn error(message: String) -> ScenarioError {
    ScenarioError { path: String::new(), message }
}

impl ScenarioError {
    /// The error as seen from the object holding it under `key`.
    #[cold]
    #[inline(never)]
    fn in_field(mut self, key: &str) -> Self {
        self.path = match self.path.as_bytes().first() {
            None => key.to_string(),
            Some(b'[') => format!("{key}{}", self.path),
            Some(_) => format!("{key}.{}", self.path),
        };
        self
    }

    /// The error as seen from the array holding it at `index`.
    #[cold]
    #[inline(never)]
    fn in_item(mut self, index: usize) -> Self {
        self.path = match self.path.as_bytes().first() {
            None => format!("[{index}]"),
            Some(b'[') => format!("[{index}]{}", self.path),
            Some(_) => format!("[{index}].{}", self.path),
        };
        self
    }
}

// The error path is `#[cold]` and out of line: each field read is then a call and a branch,
// not a `format!` inlined per field and per type read.

// serde's messages, written here: serde's `Unexpected` would bring its `Display`, and with it
// core's `f64` formatting (~10 KB raw), into the wasm for the one float arm.

/// How serde_json names a value of the wrong type (serde's `Unexpected` as serde_json prints
/// it: `null`, `boolean `true``, `integer `-1``, `floating point `1.5``, `string "a"`).
fn unexpected(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => format!("boolean `{b}`"),
        Value::Number(n) => number_unexpected(n),
        Value::String(s) => format!("string {s:?}"),
        Value::Array(_) => "sequence".to_string(),
        Value::Object(_) => "map".to_string(),
    }
}

fn number_unexpected(n: &Number) -> String {
    match (n.as_u64(), n.as_i64()) {
        (Some(u), _) => format!("integer `{u}`"),
        (None, Some(i)) => format!("integer `{i}`"),
        // serde_json writes the float as its serializer does (`1.5`, `1e+20`).
        _ => format!("floating point `{}`", serde_json::to_string(n).unwrap_or_default()),
    }
}

#[cold]
#[inline(never)]
fn invalid_type(value: &Value, expected: &str) -> ScenarioError {
    error(format!("invalid type: {}, expected {expected}", unexpected(value)))
}

#[cold]
#[inline(never)]
fn invalid_value(unexpected: &str, expected: &str) -> ScenarioError {
    error(format!("invalid value: {unexpected}, expected {expected}"))
}

#[cold]
#[inline(never)]
fn missing(field: &'static str) -> ScenarioError {
    error(format!("missing field `{field}`"))
}

/// serde's list of the names expected: `` `a` ``, `` `a` or `b` ``, `` one of `a`, `b`, `c` ``.
fn one_of(names: &[&str]) -> String {
    match names {
        [one] => format!("`{one}`"),
        [a, b] => format!("`{a}` or `{b}`"),
        _ => format!("one of {}", names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")),
    }
}

#[cold]
#[inline(never)]
fn unknown_variant(name: &str, expected: &'static [&'static str]) -> ScenarioError {
    error(match expected {
        [] => format!("unknown variant `{name}`, there are no variants"),
        _ => format!("unknown variant `{name}`, expected {}", one_of(expected)),
    })
}

#[cold]
#[inline(never)]
fn unknown_field(key: &str, expected: &'static [&'static str]) -> ScenarioError {
    error(match expected {
        [] => format!("unknown field `{key}`, there are no fields"),
        _ => format!("unknown field `{key}`, expected {}", one_of(expected)),
    })
}

// Primitives.

/// An integer in `min..=max` (serde's messages for the type named `expected`).
fn integer(value: &Value, expected: &'static str, min: i64, max: i64) -> Result<i64> {
    match value {
        Value::Number(n) if n.is_i64() || n.is_u64() => match n.as_i64() {
            Some(i) if (min..=max).contains(&i) => Ok(i),
            _ => Err(invalid_value(&number_unexpected(n), expected)),
        },
        _ => Err(invalid_type(value, expected)),
    }
}

// The primitives' readers out of line (`#[inline(never)]`): one copy each rather than one per
// field read (-139 B gzipped wasm).

impl FromJson for i16 {
    #[inline(never)]
    fn from_json(value: &Value) -> Result<Self> {
        integer(value, "i16", i16::MIN.into(), i16::MAX.into()).map(|i| i as i16)
    }
}

impl FromJson for i32 {
    #[inline(never)]
    fn from_json(value: &Value) -> Result<Self> {
        integer(value, "i32", i32::MIN.into(), i32::MAX.into()).map(|i| i as i32)
    }
}

impl FromJson for u32 {
    #[inline(never)]
    fn from_json(value: &Value) -> Result<Self> {
        integer(value, "u32", 0, u32::MAX.into()).map(|i| i as u32)
    }
}

impl FromJson for i64 {
    #[inline(never)]
    fn from_json(value: &Value) -> Result<Self> {
        integer(value, "i64", i64::MIN, i64::MAX)
    }
}

impl FromJson for u64 {
    #[inline(never)]
    fn from_json(value: &Value) -> Result<Self> {
        match value {
            Value::Number(n) if n.is_u64() => Ok(n.as_u64().unwrap_or_default()),
            Value::Number(n) if n.is_i64() => Err(invalid_value(&number_unexpected(n), "u64")),
            _ => Err(invalid_type(value, "u64")),
        }
    }
}

impl FromJson for f64 {
    #[inline(never)]
    fn from_json(value: &Value) -> Result<Self> {
        value.as_f64().ok_or_else(|| invalid_type(value, "f64"))
    }
}

impl FromJson for bool {
    #[inline(never)]
    fn from_json(value: &Value) -> Result<Self> {
        value.as_bool().ok_or_else(|| invalid_type(value, "a boolean"))
    }
}

fn str(value: &Value) -> Result<&str> {
    value.as_str().ok_or_else(|| invalid_type(value, "a string"))
}

impl FromJson for String {
    fn from_json(value: &Value) -> Result<Self> {
        str(value).map(str::to_string)
    }
}

/// `null` is `None`.
impl<T: FromJson> FromJson for Option<T> {
    fn from_json(value: &Value) -> Result<Self> {
        match value {
            Value::Null => Ok(None),
            _ => T::from_json(value).map(Some),
        }
    }
}

fn items(value: &Value) -> Result<&[Value]> {
    match value {
        Value::Array(items) => Ok(items),
        _ => Err(invalid_type(value, "a sequence")),
    }
}

/// A plain loop: `collect::<Result<Vec<_>>>()` builds a `GenericShunt` iterator per `T`
/// (1.7 KB more gzipped wasm); out of line, one copy per `T` (-210 B).
impl<T: FromJson> FromJson for Vec<T> {
    #[inline(never)]
    fn from_json(value: &Value) -> Result<Self> {
        let items = items(value)?;
        let mut read = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            read.push(T::from_json(item).map_err(|e| e.in_item(i))?);
        }
        Ok(read)
    }
}

// Objects.

/// An object's fields, read by name.
struct Fields<'a>(&'a Map<String, Value>);

/// `value` as an object whose every field is one of `names` (`deny_unknown_fields`), except
/// the tag `skip` of an internally tagged enum. `listed`: the message lists `names`, as serde's
/// does except for variants with a flattened struct.
fn fields_of<'a>(
    map: &'a Map<String, Value>,
    names: &'static [&'static str],
    skip: &str,
    listed: bool,
) -> Result<Fields<'a>> {
    match map.keys().find(|k| *k != skip && !names.contains(&k.as_str())) {
        None => Ok(Fields(map)),
        Some(key) => {
            let e = if listed { unknown_field(key, names) } else { error(format!("unknown field `{key}`")) };
            Err(e.in_field(key))
        }
    }
}

fn map<'a>(value: &'a Value, expected: &str) -> Result<&'a Map<String, Value>> {
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(invalid_type(value, expected)),
    }
}

/// `value` as a struct `expected` with `deny_unknown_fields`.
fn object<'a>(value: &'a Value, names: &'static [&'static str], expected: &str) -> Result<Fields<'a>> {
    fields_of(map(value, expected)?, names, "", true)
}

impl<'a> Fields<'a> {
    /// The field's value, if given: out of line, so the map's search is not inlined into
    /// every field read.
    #[inline(never)]
    fn get(&self, name: &str) -> Option<&'a Value> {
        self.0.get(name)
    }

    /// The field as `T`, its path added to an error.
    fn read<T: FromJson>(value: &Value, name: &str) -> Result<T> {
        T::from_json(value).map_err(|e| e.in_field(name))
    }

    /// A field that must be given.
    fn req<T: FromJson>(&self, name: &'static str) -> Result<T> {
        match self.get(name) {
            Some(value) => Self::read(value, name),
            None => Err(missing(name)),
        }
    }

    /// A field that may be left out, `default` then (`#[serde(default)]`).
    fn or<T: FromJson>(&self, name: &str, default: T) -> Result<T> {
        match self.get(name) {
            Some(value) => Self::read(value, name),
            None => Ok(default),
        }
    }

    /// A field that may be left out, `T::default()` then.
    fn opt<T: FromJson + Default>(&self, name: &str) -> Result<T> {
        match self.get(name) {
            Some(value) => Self::read(value, name),
            None => Ok(T::default()),
        }
    }
}

/// An internally tagged enum (`{"type": "drop", ...}`): its tag and its object.
fn tagged<'a>(value: &'a Value, tag: &'static str, expected: &str) -> Result<(&'a str, &'a Map<String, Value>)> {
    let map = map(value, expected)?;
    match map.get(tag) {
        None => Err(missing(tag)),
        Some(Value::String(name)) => Ok((name, map)),
        Some(other) => Err(invalid_type(other, "variant identifier").in_field(tag)),
    }
}

/// An externally tagged enum (`"controller"`, `{"broker": 1}`): the variant's name and its
/// content, if any (a unit variant's content may only be `null`).
fn external(value: &Value) -> Result<(&str, Option<&Value>)> {
    match value {
        Value::String(name) => Ok((name, None)),
        Value::Object(map) if map.len() == 1 => {
            let (name, content) = map.iter().next().expect("one entry");
            Ok((name, Some(content)))
        }
        Value::Object(_) => Err(invalid_value("map", "map with a single key")),
        _ => Err(invalid_type(value, "string or map")),
    }
}

/// A unit variant of an externally tagged enum.
fn unit(content: Option<&Value>) -> Result<()> {
    match content {
        None | Some(Value::Null) => Ok(()),
        Some(other) => Err(invalid_type(other, "unit")),
    }
}

/// A newtype variant's content, its path the variant's name.
fn newtype<T: FromJson>(name: &str, content: Option<&Value>) -> Result<T> {
    match content {
        Some(value) => Fields::read(value, name),
        None => Err(error("invalid type: unit variant, expected newtype variant".to_string())),
    }
}

/// A fieldless enum written as its name (`"earliest"`): the index of `name` in `names`
/// (aliases included, listed in the message as serde lists them).
fn unit_variant(value: &Value, names: &'static [&'static str]) -> Result<usize> {
    let (name, content) = external(value)?;
    let index = names.iter().position(|n| *n == name).ok_or_else(|| unknown_variant(name, names))?;
    unit(content).map_err(|e| e.in_field(name))?;
    Ok(index)
}

/// An internally tagged enum's tag names no variant.
#[cold]
#[inline(never)]
fn unknown_tag(tag: &str, name: &str, expected: &'static [&'static str]) -> ScenarioError {
    unknown_variant(name, expected).in_field(tag)
}

/// `Deserialize` for the types of the format that snapshots (derived `Deserialize`) also hold:
/// through a `Value` and the reader, so there is one reader of each.
macro_rules! deserialize_by_reading {
    ($($ty:ty),*) => {$(
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
                let value = Value::deserialize(deserializer)?;
                <$ty>::from_json(&value).map_err(D::Error::custom)
            }
        }
    )*};
}

deserialize_by_reading!(
    TopicConfig,
    ProducerConfig,
    ConsumerConfig,
    IsolationLevel,
    Workload,
    Subscription,
    CommitMode,
    Fault
);

// The scenario tree.

impl FromJson for Scenario {
    fn from_json(value: &Value) -> Result<Self> {
        const NAMES: &[&str] = &[
            "name",
            "description",
            "seed",
            "until",
            "cluster",
            "topics",
            "producers",
            "consumers",
            "actions",
            "lesson",
        ];
        let f = object(value, NAMES, "struct Scenario")?;
        Ok(Scenario {
            name: f.req("name")?,
            description: f.opt("description")?,
            seed: f.opt("seed")?,
            until: f.or("until", super::scenario::default_until())?,
            cluster: f.req("cluster")?,
            topics: f.opt("topics")?,
            producers: f.opt("producers")?,
            consumers: f.opt("consumers")?,
            actions: f.opt("actions")?,
            lesson: f.opt("lesson")?,
        })
    }
}

impl FromJson for Lesson {
    fn from_json(value: &Value) -> Result<Self> {
        let f = object(value, &["steps", "question"], "struct Lesson")?;
        Ok(Lesson { steps: f.opt("steps")?, question: f.opt("question")? })
    }
}

impl FromJson for LessonStep {
    fn from_json(value: &Value) -> Result<Self> {
        let f = object(value, &["at", "text"], "struct LessonStep")?;
        Ok(LessonStep { at: f.req("at")?, text: f.req("text")? })
    }
}

impl FromJson for Question {
    fn from_json(value: &Value) -> Result<Self> {
        const NAMES: &[&str] = &["at", "prompt", "choices", "answer", "check_at", "explanation"];
        let f = object(value, NAMES, "struct Question")?;
        Ok(Question {
            at: f.req("at")?,
            prompt: f.req("prompt")?,
            choices: f.req("choices")?,
            answer: f.req("answer")?,
            check_at: f.req("check_at")?,
            explanation: f.req("explanation")?,
        })
    }
}

impl FromJson for TopicSpec {
    fn from_json(value: &Value) -> Result<Self> {
        const NAMES: &[&str] = &["name", "partitions", "replication_factor", "replica_assignment", "config"];
        let f = object(value, NAMES, "struct TopicSpec")?;
        Ok(TopicSpec {
            name: f.req("name")?,
            partitions: f.req("partitions")?,
            replication_factor: f.opt("replication_factor")?,
            replica_assignment: f.opt("replica_assignment")?,
            config: f.opt("config")?,
        })
    }
}

impl FromJson for ProducerSpec {
    fn from_json(value: &Value) -> Result<Self> {
        let f = object(value, &["name", "config", "workload"], "struct ProducerSpec")?;
        Ok(ProducerSpec { name: f.req("name")?, config: f.opt("config")?, workload: f.opt("workload")? })
    }
}

impl FromJson for ConsumerSpec {
    fn from_json(value: &Value) -> Result<Self> {
        let f = object(value, &["name", "config", "app"], "struct ConsumerSpec")?;
        Ok(ConsumerSpec { name: f.req("name")?, config: f.opt("config")?, app: f.req("app")? })
    }
}

impl FromJson for TimedCommand {
    fn from_json(value: &Value) -> Result<Self> {
        let f = object(value, &["at", "do"], "struct TimedCommand")?;
        Ok(TimedCommand { at: f.req("at")?, command: f.req("do")? })
    }
}

impl FromJson for ClusterSpec {
    fn from_json(value: &Value) -> Result<Self> {
        let f = object(value, &["brokers", "broker_config", "network"], "struct ClusterSpec")?;
        Ok(ClusterSpec {
            brokers: f.req("brokers")?,
            broker_config: f.opt("broker_config")?,
            network: f.opt("network")?,
        })
    }
}

impl FromJson for BrokerSpec {
    fn from_json(value: &Value) -> Result<Self> {
        let f = object(value, &["id", "rack"], "struct BrokerSpec")?;
        Ok(BrokerSpec { id: f.req("id")?, rack: f.opt("rack")? })
    }
}

/// A struct whose every field has its default from the struct's `Default` (`#[serde(default,
/// deny_unknown_fields)]`: the configs), each field listed once as `"json.name" => rust_name`,
/// in declaration order, for reading and writing (`engine::write`). The JSON names are the
/// `#[serde(rename)]`s `Serialize` writes (tests check both directions).
macro_rules! config_fields {
    ($ty:ident { $($json:literal => $field:ident,)* }) => {
        impl $ty {
            /// The field names in the file format.
            pub const FIELDS: &'static [&'static str] = &[$($json),*];
        }

        impl FromJson for $ty {
            fn from_json(value: &Value) -> Result<Self> {
                let f = object(value, $ty::FIELDS, concat!("struct ", stringify!($ty)))?;
                // Read into the default rather than build a struct literal: an error then drops
                // one whole value, not the fields read so far (a drop path per field).
                let mut d = $ty::default();
                $(if let Some(value) = f.get($json) {
                    d.$field = Fields::read(value, $json)?;
                })*
                Ok(d)
            }
        }

        impl super::write::ToJson for $ty {
            fn write_json(&self, out: &mut String) {
                let mut o = super::write::Object::new(out);
                $(o.field($json, &self.$field);)*
                o.end();
            }
        }
    };
}

config_fields!(NetworkConfig {
    "latency_ms" => latency_ms,
    "jitter_ms" => jitter_ms,
});

config_fields!(TopicConfig {
    "cleanup.policy" => cleanup_policy,
    "retention.ms" => retention_ms,
    "retention.bytes" => retention_bytes,
    "segment.bytes" => segment_bytes,
    "segment.ms" => segment_ms,
    "delete.retention.ms" => delete_retention_ms,
    "min.compaction.lag.ms" => min_compaction_lag_ms,
    "min.cleanable.dirty.ratio" => min_cleanable_dirty_ratio,
    "min.insync.replicas" => min_insync_replicas,
    "unclean.leader.election.enable" => unclean_leader_election_enable,
    "message.timestamp.type" => message_timestamp_type,
    "max.message.bytes" => max_message_bytes,
});

config_fields!(BrokerConfig {
    "broker.rack" => broker_rack,
    "replica.lag.time.max.ms" => replica_lag_time_max_ms,
    "replica.fetch.wait.max.ms" => replica_fetch_wait_max_ms,
    "replica.fetch.min.bytes" => replica_fetch_min_bytes,
    "replica.fetch.backoff.ms" => replica_fetch_backoff_ms,
    "log.retention.check.interval.ms" => log_retention_check_interval_ms,
    "log.cleaner.backoff.ms" => log_cleaner_backoff_ms,
    "broker.heartbeat.interval.ms" => broker_heartbeat_interval_ms,
    "broker.session.timeout.ms" => broker_session_timeout_ms,
    "default.replication.factor" => default_replication_factor,
    "num.partitions" => num_partitions,
    "auto.create.topics.enable" => auto_create_topics_enable,
    "offsets.topic.num.partitions" => offsets_topic_num_partitions,
    "offsets.topic.replication.factor" => offsets_topic_replication_factor,
    "offsets.topic.segment.bytes" => offsets_topic_segment_bytes,
    "group.initial.rebalance.delay.ms" => group_initial_rebalance_delay_ms,
    "group.min.session.timeout.ms" => group_min_session_timeout_ms,
    "group.max.session.timeout.ms" => group_max_session_timeout_ms,
    "transaction.state.log.num.partitions" => transaction_state_log_num_partitions,
    "transaction.max.timeout.ms" => transaction_max_timeout_ms,
    "transaction.state.log.replication.factor" => transaction_state_log_replication_factor,
    "transaction.state.log.min.isr" => transaction_state_log_min_isr,
    "transaction.state.log.segment.bytes" => transaction_state_log_segment_bytes,
    "auto.leader.rebalance.enable" => auto_leader_rebalance_enable,
    "leader.imbalance.check.interval.seconds" => leader_imbalance_check_interval_seconds,
    "unclean.leader.election.enable" => unclean_leader_election_enable,
    "min.insync.replicas" => min_insync_replicas,
});

config_fields!(ProducerConfig {
    "client.id" => client_id,
    "acks" => acks,
    "batch.size" => batch_size,
    "linger.ms" => linger_ms,
    "retries" => retries,
    "retry.backoff.ms" => retry_backoff_ms,
    "request.timeout.ms" => request_timeout_ms,
    "delivery.timeout.ms" => delivery_timeout_ms,
    "max.in.flight.requests.per.connection" => max_in_flight_requests_per_connection,
    "enable.idempotence" => enable_idempotence,
    "transactional.id" => transactional_id,
    "transaction.timeout.ms" => transaction_timeout_ms,
    "partitioner.class" => partitioner_class,
    "partitioner.ignore.keys" => partitioner_ignore_keys,
    "max.request.size" => max_request_size,
    "metadata.max.age.ms" => metadata_max_age_ms,
});

config_fields!(ConsumerConfig {
    "client.id" => client_id,
    "group.id" => group_id,
    "group.instance.id" => group_instance_id,
    "auto.offset.reset" => auto_offset_reset,
    "enable.auto.commit" => enable_auto_commit,
    "auto.commit.interval.ms" => auto_commit_interval_ms,
    "fetch.min.bytes" => fetch_min_bytes,
    "fetch.max.bytes" => fetch_max_bytes,
    "fetch.max.wait.ms" => fetch_max_wait_ms,
    "max.partition.fetch.bytes" => max_partition_fetch_bytes,
    "max.poll.records" => max_poll_records,
    "max.poll.interval.ms" => max_poll_interval_ms,
    "session.timeout.ms" => session_timeout_ms,
    "heartbeat.interval.ms" => heartbeat_interval_ms,
    "partition.assignment.strategy" => partition_assignment_strategy,
    "isolation.level" => isolation_level,
    "request.timeout.ms" => request_timeout_ms,
    "retry.backoff.ms" => retry_backoff_ms,
    "metadata.max.age.ms" => metadata_max_age_ms,
    "default.api.timeout.ms" => default_api_timeout_ms,
});

impl FromJson for CleanupPolicy {
    fn from_json(value: &Value) -> Result<Self> {
        let text = str(value)?;
        CleanupPolicy::parse(text).ok_or_else(|| {
            error(format!("invalid cleanup.policy {text:?}: expected \"delete\", \"compact\" or \"compact,delete\""))
        })
    }
}

/// `"1"` or `1` alike: Kafka configs are strings, JSON people write numbers.
impl FromJson for Acks {
    fn from_json(value: &Value) -> Result<Self> {
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Number(n) if n.is_i64() || n.is_u64() => n.to_string(),
            _ => return Err(invalid_type(value, "a string or an integer")),
        };
        Acks::parse(&text).ok_or_else(|| error(format!("invalid acks {text:?}: expected 0, 1, all or -1")))
    }
}

impl FromJson for TimestampType {
    fn from_json(value: &Value) -> Result<Self> {
        let i = unit_variant(value, &["CreateTime", "LogAppendTime"])?;
        Ok([TimestampType::CreateTime, TimestampType::LogAppendTime][i])
    }
}

impl FromJson for Partitioner {
    fn from_json(value: &Value) -> Result<Self> {
        let names = &["default", "org.apache.kafka.clients.producer.RoundRobinPartitioner", "round_robin"];
        let i = unit_variant(value, names)?;
        Ok([Partitioner::Default, Partitioner::RoundRobin, Partitioner::RoundRobin][i])
    }
}

impl FromJson for AutoOffsetReset {
    fn from_json(value: &Value) -> Result<Self> {
        let i = unit_variant(value, &["earliest", "latest", "none"])?;
        Ok([AutoOffsetReset::Earliest, AutoOffsetReset::Latest, AutoOffsetReset::None][i])
    }
}

impl FromJson for IsolationLevel {
    fn from_json(value: &Value) -> Result<Self> {
        let i = unit_variant(value, &["read_uncommitted", "read_committed"])?;
        Ok([IsolationLevel::ReadUncommitted, IsolationLevel::ReadCommitted][i])
    }
}

impl FromJson for AssignorName {
    fn from_json(value: &Value) -> Result<Self> {
        use AssignorName::{CooperativeSticky, Range, RoundRobin, Sticky};
        let names = &[
            "org.apache.kafka.clients.consumer.RangeAssignor",
            "range",
            "org.apache.kafka.clients.consumer.RoundRobinAssignor",
            "roundrobin",
            "org.apache.kafka.clients.consumer.StickyAssignor",
            "sticky",
            "cooperative-sticky",
            "org.apache.kafka.clients.consumer.CooperativeStickyAssignor",
        ];
        let i = unit_variant(value, names)?;
        Ok([Range, Range, RoundRobin, RoundRobin, Sticky, Sticky, CooperativeSticky, CooperativeSticky][i])
    }
}

impl FromJson for CommitMode {
    fn from_json(value: &Value) -> Result<Self> {
        let names = &["auto", "sync_after_processing", "async_after_processing", "sync_before_processing"];
        let i = unit_variant(value, names)?;
        Ok([
            CommitMode::Auto,
            CommitMode::SyncAfterProcessing,
            CommitMode::AsyncAfterProcessing,
            CommitMode::SyncBeforeProcessing,
        ][i])
    }
}

impl FromJson for NodeId {
    fn from_json(value: &Value) -> Result<Self> {
        const NAMES: &[&str] = &["controller", "broker", "client"];
        let (name, content) = external(value)?;
        match name {
            "controller" => unit(content).map_err(|e| e.in_field(name)).map(|()| NodeId::Controller),
            "broker" => newtype(name, content).map(NodeId::Broker),
            "client" => newtype(name, content).map(NodeId::Client),
            _ => Err(unknown_variant(name, NAMES)),
        }
    }
}

impl FromJson for Subscription {
    fn from_json(value: &Value) -> Result<Self> {
        let (name, content) = external(value)?;
        match name {
            "subscribe" => newtype(name, content).map(Subscription::Subscribe),
            "assign" => newtype(name, content).map(Subscription::Assign),
            _ => Err(unknown_variant(name, &["subscribe", "assign"])),
        }
    }
}

/// A `__transaction_state` record's value, as `TxnMetadata::encode` writes it (serde's field
/// and variant names). Read here rather than by its derived `Deserialize`, which would bring
/// serde_json's deserializer into the wasm for this one type. Not `deny_unknown_fields`.
impl FromJson for TxnMetadata {
    fn from_json(value: &Value) -> Result<Self> {
        use TxnState::{CompleteAbort, CompleteCommit, Empty, Ongoing, PrepareAbort, PrepareCommit};
        const STATES: &[&str] =
            &["Empty", "Ongoing", "PrepareCommit", "PrepareAbort", "CompleteCommit", "CompleteAbort"];
        let f = Fields(map(value, "struct TxnMetadata")?);
        let state = match f.0.get("state") {
            Some(state) => unit_variant(state, STATES).map_err(|e| e.in_field("state"))?,
            None => return Err(missing("state")),
        };
        Ok(TxnMetadata {
            producer_id: f.req("producer_id")?,
            producer_epoch: f.req("producer_epoch")?,
            timeout_ms: f.req("timeout_ms")?,
            state: [Empty, Ongoing, PrepareCommit, PrepareAbort, CompleteCommit, CompleteAbort][state],
            partitions: f.req::<Vec<TopicPartition>>("partitions")?.into_iter().collect(),
            txn_start_ms: f.req("txn_start_ms")?,
            last_update_ms: f.req("last_update_ms")?,
        })
    }
}

/// Not `deny_unknown_fields`: other fields are ignored.
impl FromJson for TopicPartition {
    fn from_json(value: &Value) -> Result<Self> {
        let f = Fields(map(value, "struct TopicPartition")?);
        Ok(TopicPartition { topic: f.req("topic")?, partition: f.req("partition")? })
    }
}

/// Not `deny_unknown_fields`: other fields are ignored.
impl FromJson for Header {
    fn from_json(value: &Value) -> Result<Self> {
        let f = Fields(map(value, "struct Header")?);
        Ok(Header { key: f.req("key")?, value: f.opt("value")? })
    }
}

/// A string, or `{"base64": "..."}` for bytes that are not UTF-8.
impl FromJson for Blob {
    fn from_json(value: &Value) -> Result<Self> {
        match value {
            Value::String(s) => Ok(Blob::from(s.as_str())),
            Value::Object(map) => match map.iter().next() {
                Some((key, text)) if key == "base64" => {
                    super::blob::base64_decode(str(text).map_err(|e| e.in_field(key))?)
                        .map(Blob::from)
                        .ok_or_else(|| error("invalid base64 in blob".into()))
                }
                _ => Err(error("expected the key \"base64\"".into())),
            },
            _ => Err(invalid_type(value, "a string, or an object {\"base64\": \"...\"}")),
        }
    }
}

impl FromJson for Workload {
    fn from_json(value: &Value) -> Result<Self> {
        const NAMES: &[&str] =
            &["topic", "rate_per_sec", "key", "value_bytes", "max_records", "records_per_transaction", "abort_every"];
        let f = object(value, NAMES, "struct Workload")?;
        Ok(Workload {
            topic: f.req("topic")?,
            rate_per_sec: f.req("rate_per_sec")?,
            key: f.opt("key")?,
            value_bytes: f.or("value_bytes", super::client::default_value_bytes())?,
            max_records: f.opt("max_records")?,
            records_per_transaction: f.opt("records_per_transaction")?,
            abort_every: f.opt("abort_every")?,
        })
    }
}

impl FromJson for ProducerRecord {
    fn from_json(value: &Value) -> Result<Self> {
        const NAMES: &[&str] = &["topic", "partition", "key", "value", "headers", "timestamp"];
        let f = object(value, NAMES, "struct ProducerRecord")?;
        Ok(ProducerRecord {
            topic: f.req("topic")?,
            partition: f.opt("partition")?,
            key: f.opt("key")?,
            value: f.opt("value")?,
            headers: f.opt("headers")?,
            timestamp: f.opt("timestamp")?,
        })
    }
}

impl FromJson for ConsumerApp {
    fn from_json(value: &Value) -> Result<Self> {
        let f = object(value, &["subscription", "processing_ms_per_record", "commit_mode"], "struct ConsumerApp")?;
        Ok(ConsumerApp {
            subscription: f.req("subscription")?,
            processing_ms_per_record: f.opt("processing_ms_per_record")?,
            commit_mode: f.opt("commit_mode")?,
        })
    }
}

impl FromJson for KeyPattern {
    fn from_json(value: &Value) -> Result<Self> {
        let (kind, map) = tagged(value, "type", "internally tagged enum KeyPattern")?;
        let prefixed = || fields_of(map, &["prefix", "cardinality"], "type", true);
        Ok(match kind {
            // serde reads a unit variant's other fields without looking at them.
            "none" => KeyPattern::None,
            "sequential" => {
                let f = prefixed()?;
                KeyPattern::Sequential { prefix: f.req("prefix")?, cardinality: f.req("cardinality")? }
            }
            "random" => {
                let f = prefixed()?;
                KeyPattern::Random { prefix: f.req("prefix")?, cardinality: f.req("cardinality")? }
            }
            "fixed" => KeyPattern::Fixed { key: fields_of(map, &["key"], "type", true)?.req("key")? },
            _ => return Err(unknown_tag("type", kind, &["none", "sequential", "random", "fixed"])),
        })
    }
}

impl FromJson for LinkMatch {
    fn from_json(value: &Value) -> Result<Self> {
        let f = object(value, &["from", "to", "both_ways", "kind"], "struct LinkMatch")?;
        Ok(LinkMatch { from: f.opt("from")?, to: f.opt("to")?, both_ways: f.opt("both_ways")?, kind: f.opt("kind")? })
    }
}

impl FromJson for Fault {
    fn from_json(value: &Value) -> Result<Self> {
        let (kind, map) = tagged(value, "type", "internally tagged enum Fault")?;
        // `Drop` and `Delay` flatten a `LinkMatch` in: serde names no expected fields then.
        let link = |f: &Fields| -> Result<LinkMatch> {
            Ok(LinkMatch {
                from: f.opt("from")?,
                to: f.opt("to")?,
                both_ways: f.opt("both_ways")?,
                kind: f.opt("kind")?,
            })
        };
        Ok(match kind {
            "drop" => {
                let f = fields_of(map, &["from", "to", "both_ways", "kind", "count", "probability"], "type", false)?;
                Fault::Drop { link: link(&f)?, count: f.opt("count")?, probability: f.or("probability", 1.0)? }
            }
            "delay" => {
                let f = fields_of(map, &["from", "to", "both_ways", "kind", "extra_ms"], "type", false)?;
                Fault::Delay { link: link(&f)?, extra_ms: f.req("extra_ms")? }
            }
            "partition" => {
                let f = fields_of(map, &["side_a", "side_b"], "type", true)?;
                Fault::Partition { side_a: f.req("side_a")?, side_b: f.req("side_b")? }
            }
            "isolate" => {
                let f = fields_of(map, &["node", "except"], "type", true)?;
                Fault::Isolate { node: f.req("node")?, except: f.opt("except")? }
            }
            _ => return Err(unknown_tag("type", kind, &["drop", "delay", "partition", "isolate"])),
        })
    }
}

impl FromJson for OffsetResetSpec {
    fn from_json(value: &Value) -> Result<Self> {
        let (kind, map) = tagged(value, "to", "internally tagged enum OffsetResetSpec")?;
        let f = |names| fields_of(map, names, "to", true);
        Ok(match kind {
            // serde reads a unit variant's other fields without looking at them.
            "earliest" => OffsetResetSpec::Earliest,
            "latest" => OffsetResetSpec::Latest,
            "timestamp" => OffsetResetSpec::Timestamp { timestamp: f(&["timestamp"])?.req("timestamp")? },
            "offset" => OffsetResetSpec::Offset { offset: f(&["offset"])?.req("offset")? },
            _ => return Err(unknown_tag("to", kind, &["earliest", "latest", "timestamp", "offset"])),
        })
    }
}

/// Every command's `"type"`, in declaration order (serde's `unknown variant` lists them).
pub const COMMAND_TYPES: &[&str] = &[
    "add_broker",
    "remove_broker",
    "kill_broker",
    "stop_broker",
    "restart_broker",
    "isolate_broker",
    "heal_broker",
    "slow_broker",
    "add_fault",
    "heal_fault",
    "create_topic",
    "add_partitions",
    "delete_topic",
    "alter_topic_config",
    "delete_records",
    "add_producer",
    "set_workload",
    "pause_producer",
    "resume_producer",
    "produce",
    "begin_transaction",
    "commit_transaction",
    "abort_transaction",
    "close_producer",
    "crash_producer",
    "add_consumer",
    "crash_consumer",
    "close_consumer",
    "seek",
    "reset_group_offsets",
];

impl FromJson for Command {
    fn from_json(value: &Value) -> Result<Self> {
        use Command as C;
        let (kind, map) = tagged(value, "type", "internally tagged enum Command")?;
        let f = |names| fields_of(map, names, "type", true);
        // The variants with one field of the same name read it in one place, not once per variant.
        Ok(match kind {
            "remove_broker" | "kill_broker" | "stop_broker" | "restart_broker" | "heal_broker" => {
                let broker = f(&["broker"])?.req("broker")?;
                match kind {
                    "remove_broker" => C::RemoveBroker { broker },
                    "kill_broker" => C::KillBroker { broker },
                    "stop_broker" => C::StopBroker { broker },
                    "restart_broker" => C::RestartBroker { broker },
                    _ => C::HealBroker { broker },
                }
            }
            "pause_producer" | "resume_producer" | "begin_transaction" | "commit_transaction" | "abort_transaction"
            | "close_producer" | "crash_producer" => {
                let producer = f(&["producer"])?.req("producer")?;
                match kind {
                    "pause_producer" => C::PauseProducer { producer },
                    "resume_producer" => C::ResumeProducer { producer },
                    "begin_transaction" => C::BeginTransaction { producer },
                    "commit_transaction" => C::CommitTransaction { producer },
                    "abort_transaction" => C::AbortTransaction { producer },
                    "close_producer" => C::CloseProducer { producer },
                    _ => C::CrashProducer { producer },
                }
            }
            "crash_consumer" | "close_consumer" => {
                let consumer = f(&["consumer"])?.req("consumer")?;
                match kind {
                    "crash_consumer" => C::CrashConsumer { consumer },
                    _ => C::CloseConsumer { consumer },
                }
            }
            "add_broker" => {
                let f = f(&["id", "rack"])?;
                C::AddBroker { id: f.opt("id")?, rack: f.opt("rack")? }
            }
            "isolate_broker" => {
                let f = f(&["broker", "from"])?;
                C::IsolateBroker { broker: f.req("broker")?, from: f.opt("from")? }
            }
            "slow_broker" => {
                let f = f(&["broker", "extra_ms"])?;
                C::SlowBroker { broker: f.req("broker")?, extra_ms: f.req("extra_ms")? }
            }
            "add_fault" => C::AddFault { fault: f(&["fault"])?.req("fault")? },
            "heal_fault" => C::HealFault { id: f(&["id"])?.req("id")? },
            "create_topic" => {
                let f = f(&["name", "partitions", "replication_factor", "replica_assignment", "config"])?;
                C::CreateTopic {
                    name: f.req("name")?,
                    partitions: f.req("partitions")?,
                    replication_factor: f.opt("replication_factor")?,
                    replica_assignment: f.opt("replica_assignment")?,
                    config: f.opt("config")?,
                }
            }
            "add_partitions" => {
                let f = f(&["topic", "total"])?;
                C::AddPartitions { topic: f.req("topic")?, total: f.req("total")? }
            }
            "delete_topic" => C::DeleteTopic { topic: f(&["topic"])?.req("topic")? },
            "alter_topic_config" => {
                let f = f(&["topic", "config"])?;
                C::AlterTopicConfig { topic: f.req("topic")?, config: f.req("config")? }
            }
            "delete_records" => {
                let f = f(&["tp", "before_offset"])?;
                C::DeleteRecords { tp: f.req("tp")?, before_offset: f.req("before_offset")? }
            }
            "add_producer" => {
                let f = f(&["name", "config", "workload"])?;
                C::AddProducer { name: f.req("name")?, config: f.opt("config")?, workload: f.opt("workload")? }
            }
            "set_workload" => {
                let f = f(&["producer", "workload"])?;
                C::SetWorkload { producer: f.req("producer")?, workload: f.opt("workload")? }
            }
            "produce" => {
                let f = f(&["producer", "record"])?;
                C::Produce { producer: f.req("producer")?, record: f.req("record")? }
            }
            "add_consumer" => {
                let f = f(&["name", "config", "app"])?;
                C::AddConsumer { name: f.req("name")?, config: f.opt("config")?, app: f.req("app")? }
            }
            "seek" => {
                let f = f(&["consumer", "tp", "offset"])?;
                C::Seek { consumer: f.req("consumer")?, tp: f.req("tp")?, offset: f.req("offset")? }
            }
            "reset_group_offsets" => {
                let f = f(&["group", "topic", "spec"])?;
                C::ResetGroupOffsets { group: f.req("group")?, topic: f.req("topic")?, spec: f.req("spec")? }
            }
            _ => return Err(unknown_tag("type", kind, COMMAND_TYPES)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::scenario::built_in;

    fn files() -> Vec<(String, String)> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios");
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                files.push((path.display().to_string(), std::fs::read_to_string(&path).unwrap()));
            }
        }
        assert!(files.len() >= 10, "the example scenarios");
        files
    }

    /// Reading what `Serialize` wrote gives the same scenario back, for every example file and
    /// the built-in ones (checked against the derived `Deserialize` when it was replaced: every
    /// file read to the same value).
    #[test]
    fn every_scenario_reads_back_what_it_writes() {
        let mut scenarios: Vec<Scenario> = files().iter().map(|(_, text)| parse(text).unwrap()).collect();
        scenarios.push(built_in::new_cluster());
        scenarios.push(built_in::bench(6, 24, 4, 4, 1000.0));
        for scenario in scenarios {
            assert_eq!(parse::<Scenario>(&scenario.to_json()).as_ref(), Ok(&scenario), "{}", scenario.name);
            assert_eq!(parse::<Scenario>(&scenario.to_json_pretty()), Ok(scenario));
        }
    }

    /// Every field of a config given another value than its default (numbers changed, booleans
    /// flipped, enums and lists set to values of their own): what is read is what was written,
    /// so the reader's names are the ones `Serialize` writes, each to its own field.
    fn every_field_changed<T: FromJson + super::super::write::ToJson + serde::Serialize + Default>(
        enums: &[(&str, Value)],
    ) {
        let Value::Object(mut map) = serde_json::to_value(T::default()).unwrap() else { panic!("an object") };
        for (i, (name, value)) in map.iter_mut().enumerate() {
            let i = i as i64 + 3;
            *value = match (enums.iter().find(|(n, _)| n == name), &*value) {
                (Some((_, v)), _) => v.clone(),
                (None, Value::Bool(b)) => Value::Bool(!b),
                (None, Value::Number(n)) if n.is_f64() => serde_json::json!(0.25),
                (None, Value::Number(n)) => serde_json::json!(n.as_i64().unwrap() / 2 + i),
                (None, Value::String(_) | Value::Null) => Value::String(format!("text-{i}")),
                (None, other) => panic!("{name}: {other} needs a value in `enums`"),
            };
        }
        let changed = Value::Object(map);
        let read = T::from_json(&changed).unwrap_or_else(|e| panic!("{changed}: {e}"));
        assert_eq!(serde_json::to_value(&read).unwrap(), changed);
        assert_eq!(super::super::write::to_json(&read), serde_json::to_string(&read).unwrap(), "and written back");
    }

    #[test]
    fn config_fields_read_under_the_names_they_are_written_with() {
        use serde_json::json;
        every_field_changed::<TopicConfig>(&[
            ("cleanup.policy", json!("compact,delete")),
            ("message.timestamp.type", json!("LogAppendTime")),
        ]);
        every_field_changed::<BrokerConfig>(&[]);
        every_field_changed::<ProducerConfig>(&[
            ("acks", json!("1")),
            ("partitioner.class", json!("org.apache.kafka.clients.producer.RoundRobinPartitioner")),
        ]);
        every_field_changed::<ConsumerConfig>(&[
            ("auto.offset.reset", json!("none")),
            ("isolation.level", json!("read_committed")),
            ("partition.assignment.strategy", json!(["sticky", "roundrobin"])),
        ]);
        every_field_changed::<NetworkConfig>(&[]);
        assert_eq!(TopicConfig::FIELDS.len(), 12);
    }

    #[test]
    fn aliases_and_numbers_for_strings_are_accepted() {
        let c: ProducerConfig = parse(r#"{"acks": -1, "partitioner.class": "round_robin"}"#).unwrap();
        assert_eq!((c.acks, c.partitioner_class), (Acks::All, Partitioner::RoundRobin));
        let c: ConsumerConfig = parse(
            r#"{"partition.assignment.strategy": ["org.apache.kafka.clients.consumer.CooperativeStickyAssignor"]}"#,
        )
        .unwrap();
        assert_eq!(c.partition_assignment_strategy, vec![AssignorName::CooperativeSticky]);
        let r: ProducerRecord =
            parse(r#"{"topic": "t", "key": {"base64": "/wAQgA=="}, "headers": [{"key": "h"}]}"#).unwrap();
        assert_eq!(r.key, Some(Blob::from(vec![0xff, 0x00, 0x10, 0x80])));
        assert_eq!(r.headers, vec![Header { key: "h".into(), value: None }]);
    }

    /// Each refusal's path and serde's message for it.
    #[test]
    fn refusals_name_the_path_and_the_problem() {
        let base = r#"{"name": "t", "cluster": {"brokers": [{"id": 1}]}, XX}"#;
        let cases = [
            (
                r#""topics": [{"name": "o", "partitions": 3, "config": {"retention.mss": 5}}]"#,
                "topics[0].config.retention.mss",
                "unknown field `retention.mss`, expected one of `cleanup.policy`, `retention.ms`,",
            ),
            (
                r#""topics": [{"name": "o", "partitions": 3, "config": {"retention.ms": "soon"}}]"#,
                "topics[0].config.retention.ms",
                "invalid type: string \"soon\", expected i64",
            ),
            (r#""topics": [{"name": "o", "partitions": -3.5}]"#, "topics[0].partitions", "invalid type: floating point `-3.5`, expected i32"),
            (r#""topics": [{"name": "o"}]"#, "topics[0]", "missing field `partitions`"),
            (
                r#""topics": [{"name": "o", "partitions": 3, "config": {"cleanup.policy": "x"}}]"#,
                "topics[0].config.cleanup.policy",
                "invalid cleanup.policy \"x\": expected \"delete\", \"compact\" or \"compact,delete\"",
            ),
            (
                r#""topics": [{"name": "o", "partitions": 3, "config": {"message.timestamp.type": "x"}}]"#,
                "topics[0].config.message.timestamp.type",
                "unknown variant `x`, expected `CreateTime` or `LogAppendTime`",
            ),
            (
                r#""topics": [{"name": "o", "partitions": 3, "config": {"message.timestamp.type": {"CreateTime": 2}}}]"#,
                "topics[0].config.message.timestamp.type.CreateTime",
                "invalid type: integer `2`, expected unit",
            ),
            (
                r#""topics": [{"name": "o", "partitions": 3, "replica_assignment": [[1], ["x"]]}]"#,
                "topics[0].replica_assignment[1][0]",
                "invalid type: string \"x\", expected i32",
            ),
            (r#""topics": 5"#, "topics", "invalid type: integer `5`, expected a sequence"),
            (r#""seed": -1"#, "seed", "invalid value: integer `-1`, expected u64"),
            (r#""until": 99999999999999999999"#, "until", "invalid type: floating point `1e+20`, expected i64"),
            (r#""lesson": {"question": {"at": 1}}"#, "lesson.question", "missing field `prompt`"),
            (
                r#""producers": [{"name": "p", "config": {"acks": "2"}}]"#,
                "producers[0].config.acks",
                "invalid acks \"2\": expected 0, 1, all or -1",
            ),
            (
                r#""producers": [{"name": "p", "config": {"partitioner.class": "rr"}}]"#,
                "producers[0].config.partitioner.class",
                "unknown variant `rr`, expected one of `default`, `org.apache.kafka.clients.producer.RoundRobinPartitioner`, `round_robin`",
            ),
            (r#""producers": [{"name": "p", "workload": {"topic": "t"}}]"#, "producers[0].workload", "missing field `rate_per_sec`"),
            (
                r#""producers": [{"name": "p", "workload": {"topic": "t", "rate_per_sec": 1, "key": {"type": "fixed", "key": 5}}}]"#,
                "producers[0].workload.key.key",
                "invalid type: integer `5`, expected a string",
            ),
            (r#""consumers": [{"name": "c"}]"#, "consumers[0]", "missing field `app`"),
            (
                r#""consumers": [{"name": "c", "app": {"subscription": {"subscribe": "t"}}}]"#,
                "consumers[0].app.subscription.subscribe",
                "invalid type: string \"t\", expected a sequence",
            ),
            (
                r#""consumers": [{"name": "c", "app": {"subscription": {"follow": []}}}]"#,
                "consumers[0].app.subscription",
                "unknown variant `follow`, expected `subscribe` or `assign`",
            ),
            (
                r#""consumers": [{"name": "c", "app": {"subscription": {"assign": [{"topic": "t"}]}}}]"#,
                "consumers[0].app.subscription.assign[0]",
                "missing field `partition`",
            ),
            (
                r#""consumers": [{"name": "c", "config": {"isolation.level": "x"}, "app": {"subscription": {"assign": []}}}]"#,
                "consumers[0].config.isolation.level",
                "unknown variant `x`, expected `read_uncommitted` or `read_committed`",
            ),
            (
                r#""actions": [{"at": 1, "do": {"type": "kill_broker", "broker": "one"}}]"#,
                "actions[0].do.broker",
                "invalid type: string \"one\", expected i32",
            ),
            (r#""actions": [{"at": 1, "do": {"type": "kill_broker"}}]"#, "actions[0].do", "missing field `broker`"),
            (
                r#""actions": [{"at": 1, "do": {"type": "kill_broker", "broker": 1, "rack": "a"}}]"#,
                "actions[0].do.rack",
                "unknown field `rack`, expected `broker`",
            ),
            (r#""actions": [{"at": 1, "do": {"type": "nope"}}]"#, "actions[0].do.type", "unknown variant `nope`, expected one of `add_broker`,"),
            (r#""actions": [{"at": 1, "do": {"broker": 1}}]"#, "actions[0].do", "missing field `type`"),
            (r#""actions": [{"at": 1, "do": {"type": 1}}]"#, "actions[0].do.type", "invalid type: integer `1`, expected variant identifier"),
            (
                r#""actions": [{"at": 1, "do": "kill_broker"}]"#,
                "actions[0].do",
                "invalid type: string \"kill_broker\", expected internally tagged enum Command",
            ),
            (
                r#""actions": [{"at": 1, "do": {"type": "add_fault", "fault": {"type": "drop", "from": {"broker": "x"}}}}]"#,
                "actions[0].do.fault.from.broker",
                "invalid type: string \"x\", expected i32",
            ),
            (
                r#""actions": [{"at": 1, "do": {"type": "add_fault", "fault": {"type": "drop", "from": "broker"}}}]"#,
                "actions[0].do.fault.from",
                "invalid type: unit variant, expected newtype variant",
            ),
            (
                r#""actions": [{"at": 1, "do": {"type": "add_fault", "fault": {"type": "isolate", "node": {"nobody": 1}}}}]"#,
                "actions[0].do.fault.node",
                "unknown variant `nobody`, expected one of `controller`, `broker`, `client`",
            ),
            (
                r#""actions": [{"at": 1, "do": {"type": "add_broker", "id": 99999999999}}]"#,
                "actions[0].do.id",
                "invalid value: integer `99999999999`, expected i32",
            ),
            (r#""actions": [{"at": 1, "do": {"type": "heal_fault", "id": -1}}]"#, "actions[0].do.id", "invalid value: integer `-1`, expected u32"),
            (
                r#""actions": [{"at": 1, "do": {"type": "seek", "consumer": "c", "tp": {"topic": "t", "partition": "x"}, "offset": 1}}]"#,
                "actions[0].do.tp.partition",
                "invalid type: string \"x\", expected i32",
            ),
            (
                r#""actions": [{"at": 1, "do": {"type": "reset_group_offsets", "group": "g", "topic": "t", "spec": {"to": "offset"}}}]"#,
                "actions[0].do.spec",
                "missing field `offset`",
            ),
            (
                r#""actions": [{"at": 1, "do": {"type": "produce", "producer": "p", "record": {"topic": "t", "key": 5}}}]"#,
                "actions[0].do.record.key",
                "invalid type: integer `5`, expected a string, or an object {\"base64\": \"...\"}",
            ),
            (
                r#""actions": [{"at": 1, "do": {"type": "produce", "producer": "p", "record": {"topic": "t", "key": {"hex": "AA"}}}}]"#,
                "actions[0].do.record.key",
                "expected the key \"base64\"",
            ),
            (
                r#""actions": [{"at": 1, "do": {"type": "create_topic", "name": "t", "partitions": 1, "config": {"min.insync.replicas": null}}}]"#,
                "actions[0].do.config.min.insync.replicas",
                "invalid type: null, expected i32",
            ),
            (r#""colour": 1"#, "colour", "unknown field `colour`, expected one of `name`, `description`,"),
        ];
        for (case, path, message) in cases {
            let err = parse::<Scenario>(&base.replace("XX", case)).unwrap_err();
            assert_eq!(err.path, path, "{case}: {err}");
            assert!(err.message.starts_with(message), "{case}: {err}");
        }
        let err = parse::<Scenario>(r#"{"cluster": {"brokers": []}}"#).unwrap_err();
        assert_eq!((err.path.as_str(), err.message.as_str()), ("", "missing field `name`"));
        let err = parse::<Scenario>(r#"[{"name": "t"}]"#).unwrap_err();
        assert_eq!(err.message, "invalid type: sequence, expected struct Scenario");
        assert!(parse::<Scenario>("{").unwrap_err().message.starts_with("not valid JSON: EOF while parsing"));
    }

    /// Unit variants of internally tagged enums ignore other fields, as serde's derive did.
    #[test]
    fn unit_variants_ignore_other_fields_as_the_derive_did() {
        let spec: OffsetResetSpec = parse(r#"{"to": "earliest", "offset": 1}"#).unwrap();
        assert_eq!(spec, OffsetResetSpec::Earliest);
        assert_eq!(parse::<KeyPattern>(r#"{"type":"none","prefix":5}"#), Ok(KeyPattern::None));
    }

    fn fault(json: &str) -> std::result::Result<Fault, String> {
        parse(json).map_err(|e| e.message)
    }

    fn keys(json: &str) -> std::result::Result<KeyPattern, String> {
        parse(json).map_err(|e| e.message)
    }

    /// The messages are those the derived internally tagged `Deserialize` gave (a `[]` is now
    /// refused as the wrong type: serde read an empty array as an object without `type`).
    #[test]
    fn faults_read_and_refused_as_the_derived_enum_did() {
        let all = r#"{"type":"drop","from":{"broker":1},"to":"controller","both_ways":true,"kind":"Fetch","count":3,"probability":0.5}"#;
        let link = LinkMatch {
            from: Some(NodeId::Broker(1)),
            to: Some(NodeId::Controller),
            both_ways: true,
            kind: Some("Fetch".into()),
        };
        assert_eq!(fault(all), Ok(Fault::Drop { link, count: Some(3), probability: 0.5 }));
        let drop_all = Fault::Drop { link: LinkMatch::default(), count: None, probability: 1.0 };
        assert_eq!(fault(r#"{"count":null,"type":"drop","from":null}"#), Ok(drop_all));
        assert_eq!(
            fault(r#"{"type":"isolate","node":{"broker":1}}"#),
            Ok(Fault::Isolate { node: NodeId::Broker(1), except: vec![] })
        );
        let refused = [
            (r#"{"type":"drop","probability":null}"#, "invalid type: null, expected f64"),
            (r#"{"type":"drop","both_ways":null}"#, "invalid type: null, expected a boolean"),
            (r#"{"type":"drop","extra_ms":5}"#, "unknown field `extra_ms`"),
            (r#"{"type":"drop","count":-1}"#, "invalid value: integer `-1`, expected u32"),
            (
                r#"{"type":"drop","from":"bogus"}"#,
                "unknown variant `bogus`, expected one of `controller`, `broker`, `client`",
            ),
            (r#"{"type":"delay"}"#, "missing field `extra_ms`"),
            (r#"{"type":"delay","extra_ms":null}"#, "invalid type: null, expected i64"),
            (r#"{"type":"delay","extra_ms":5,"count":1}"#, "unknown field `count`"),
            (r#"{"type":"partition","side_a":[]}"#, "missing field `side_b`"),
            (
                r#"{"type":"partition","side_a":[],"side_b":[],"from":null}"#,
                "unknown field `from`, expected `side_a` or `side_b`",
            ),
            (r#"{"type":"isolate","node":{"broker":1},"except":null}"#, "invalid type: null, expected a sequence"),
            (r#"{"type":"isolate"}"#, "missing field `node`"),
            (
                r#"{"type":"explode"}"#,
                "unknown variant `explode`, expected one of `drop`, `delay`, `partition`, `isolate`",
            ),
            (r#"{"type":5}"#, "invalid type: integer `5`, expected variant identifier"),
            (r#"{"node":{"broker":1}}"#, "missing field `type`"),
            (r#"[]"#, "invalid type: sequence, expected internally tagged enum Fault"),
            (r#""drop""#, "invalid type: string \"drop\", expected internally tagged enum Fault"),
            (r#"null"#, "invalid type: null, expected internally tagged enum Fault"),
        ];
        for (json, message) in refused {
            assert_eq!(fault(json), Err(message.to_string()), "{json}");
        }
    }

    #[test]
    fn key_patterns_read_and_refused_as_the_derived_enum_did() {
        assert_eq!(keys(r#"{"type":"none","prefix":5}"#), Ok(KeyPattern::None));
        assert_eq!(
            keys(r#"{"cardinality":3,"type":"random","prefix":"k"}"#),
            Ok(KeyPattern::Random { prefix: "k".into(), cardinality: 3 })
        );
        assert_eq!(keys(r#"{"type":"fixed","key":"a"}"#), Ok(KeyPattern::Fixed { key: "a".into() }));
        let refused = [
            (r#"{"type":"sequential","prefix":"k"}"#, "missing field `cardinality`"),
            (r#"{"type":"sequential","cardinality":3}"#, "missing field `prefix`"),
            (r#"{"type":"sequential","prefix":null,"cardinality":3}"#, "invalid type: null, expected a string"),
            (
                r#"{"type":"sequential","prefix":"k","cardinality":3,"key":"x"}"#,
                "unknown field `key`, expected `prefix` or `cardinality`",
            ),
            (r#"{"type":"fixed","key":"a","extra":1}"#, "unknown field `extra`, expected `key`"),
            (
                r#"{"type":"hashed"}"#,
                "unknown variant `hashed`, expected one of `none`, `sequential`, `random`, `fixed`",
            ),
            (r#"{"key":"a"}"#, "missing field `type`"),
            (r#""none""#, "invalid type: string \"none\", expected internally tagged enum KeyPattern"),
        ];
        for (json, message) in refused {
            assert_eq!(keys(json), Err(message.to_string()), "{json}");
        }
    }
}
