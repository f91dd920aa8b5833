//! Clients: producers and consumers, each a node on the simulated network,
//! each with a small simulated *application* on top (a producer's workload,
//! a consumer's processing loop) so that what a learner configures is what
//! the client does.

pub mod consumer;
mod deadlines;
pub mod delivery;
pub mod producer;

use serde::Serialize;

use super::blob::Blob;
use super::ids::{PartitionId, TopicPartition};
use super::record::Header;
use super::time::Millis;

/// How a producer's application picks keys. Read by hand (`engine::read`) from the same JSON
/// as a derived internally tagged enum would accept.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum KeyPattern {
    /// Null keys: the sticky partitioner spreads them.
    #[default]
    None,
    /// `prefix0`, `prefix1`, ... cycling through `cardinality` keys.
    Sequential { prefix: String, cardinality: u32 },
    /// A key drawn uniformly from `cardinality` keys (seeded RNG).
    Random { prefix: String, cardinality: u32 },
    /// Always the same key.
    Fixed { key: String },
}

/// What a producer's application sends on its own.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Workload {
    pub topic: String,
    /// Records per simulated second.
    pub rate_per_sec: f64,
    pub key: KeyPattern,
    /// Size of each generated value in bytes (the value text is padded to it).
    pub value_bytes: u32,
    /// Stop after this many records (`None`: run until paused or removed).
    pub max_records: Option<u64>,
    /// With a `transactional.id`: records per transaction, and abort every n-th transaction (0 = never).
    pub records_per_transaction: Option<u32>,
    pub abort_every: u32,
}

pub(crate) fn default_value_bytes() -> u32 {
    16
}

impl Workload {
    /// `rate_per_sec` records a second to `topic` with keys from `key`; the
    /// rest as a scenario file leaves it by default (16-byte values, no end,
    /// no transactions).
    pub fn new(topic: impl Into<String>, rate_per_sec: f64, key: KeyPattern) -> Workload {
        Workload {
            topic: topic.into(),
            rate_per_sec,
            key,
            value_bytes: default_value_bytes(),
            max_records: None,
            records_per_transaction: None,
            abort_every: 0,
        }
    }
}

/// One record the user asks a producer to send (`ProducerRecord`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProducerRecord {
    pub topic: String,
    pub partition: Option<PartitionId>,
    pub key: Option<Blob>,
    pub value: Option<Blob>,
    pub headers: Vec<Header>,
    /// CreateTime; `None` = the producer's clock at send.
    pub timestamp: Option<Millis>,
}

/// `subscribe` (group management) or `assign` (manual partitions).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Subscription {
    Subscribe(Vec<String>),
    Assign(Vec<TopicPartition>),
}

/// When the application commits offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CommitMode {
    /// `enable.auto.commit=true`: offsets committed on the
    /// `auto.commit.interval.ms` timer, whatever the application is doing.
    #[default]
    Auto,
    /// Process, then commitSync: at-least-once (a crash re-reads).
    SyncAfterProcessing,
    /// Process, then commitAsync.
    AsyncAfterProcessing,
    /// commitSync before processing: at-most-once (a crash skips).
    SyncBeforeProcessing,
}

/// What a consumer's application does, beyond its Kafka config.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConsumerApp {
    pub subscription: Subscription,
    /// Simulated processing time per record.
    pub processing_ms_per_record: Millis,
    pub commit_mode: CommitMode,
}
