//! The scenarios the app offers: a fresh cluster to build on, the example
//! files in `scenarios/` (compiled in, so the static site makes no
//! requests), and the frame-time benchmark's cluster.

use crate::engine::scenario::Scenario;

/// The scenario the app opens with.
pub const DEFAULT_ID: &str = "new-cluster";

/// A scenario the picker lists.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BuiltIn {
    /// Stable id (used in URLs: `?scenario=quickstart`).
    pub id: &'static str,
    /// Short name for the picker.
    pub title: &'static str,
    pub json: &'static str,
}

impl BuiltIn {
    /// Parses the scenario. Built-ins are checked by a test, so this only
    /// fails if a file in `scenarios/` was broken.
    pub fn scenario(&self) -> Result<Scenario, String> {
        Scenario::from_json(self.json).map_err(|e| format!("built-in scenario {}: {e}", self.id))
    }
}

/// Three brokers in three racks, one replicated topic and a producer:
/// a cluster to add consumers to and break.
const NEW_CLUSTER: &str = r#"{
  "name": "New cluster: three brokers, one topic, one producer",
  "description": "Three brokers in racks a, b and c, the topic orders (3 partitions, replication factor 3, min.insync.replicas 2) and a producer sending 5 keyed records a second with acks=all. Add consumers, kill brokers, and watch.",
  "seed": 42,
  "until": 600000,
  "cluster": {
    "brokers": [{"id": 1, "rack": "a"}, {"id": 2, "rack": "b"}, {"id": 3, "rack": "c"}],
    "broker_config": {"offsets.topic.num.partitions": 3, "transaction.state.log.num.partitions": 1}
  },
  "topics": [
    {"name": "orders", "partitions": 3, "replication_factor": 3, "config": {"min.insync.replicas": 2}}
  ],
  "producers": [
    {"name": "checkout", "config": {"acks": "all"},
     "workload": {"topic": "orders", "rate_per_sec": 5, "key": {"type": "random", "prefix": "customer-", "cardinality": 8}}}
  ]
}"#;

pub const BUILT_IN: &[BuiltIn] = &[
    BuiltIn { id: "new-cluster", title: "New cluster", json: NEW_CLUSTER },
    BuiltIn { id: "quickstart", title: "Quickstart", json: include_str!("../../scenarios/quickstart.json") },
    BuiltIn {
        id: "acks1-leader-crash",
        title: "acks=1 loses data",
        json: include_str!("../../scenarios/acks1-leader-crash.json"),
    },
    BuiltIn {
        id: "min-isr-not-enough-replicas",
        title: "min.insync.replicas",
        json: include_str!("../../scenarios/min-isr-not-enough-replicas.json"),
    },
    BuiltIn { id: "compaction", title: "Log compaction", json: include_str!("../../scenarios/compaction.json") },
    BuiltIn {
        id: "retention-out-of-range",
        title: "Retention and OFFSET_OUT_OF_RANGE",
        json: include_str!("../../scenarios/retention-out-of-range.json"),
    },
];

pub fn find(id: &str) -> Option<&'static BuiltIn> {
    BUILT_IN.iter().find(|b| b.id == id)
}

/// The frame-time benchmark's cluster (BENCHMARKS.md): `brokers` brokers,
/// one topic of `partitions` partitions with replication factor 3 (or fewer
/// brokers), `groups` groups of `consumers` consumers each, and two
/// producers sending `records_per_sec` records a second between them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BenchSpec {
    pub brokers: i32,
    pub partitions: i32,
    pub groups: u32,
    pub consumers: u32,
    pub records_per_sec: f64,
}

impl Default for BenchSpec {
    /// 6 brokers × 24 partitions × RF 3, 4 groups × 4 consumers, 1,000 records/s.
    fn default() -> Self {
        BenchSpec { brokers: 6, partitions: 24, groups: 4, consumers: 4, records_per_sec: 1000.0 }
    }
}

impl BenchSpec {
    pub fn scenario(&self) -> Result<Scenario, String> {
        let brokers: Vec<String> =
            (1..=self.brokers.max(1)).map(|id| format!(r#"{{"id": {id}, "rack": "r{}"}}"#, id % 3)).collect();
        let rf = self.brokers.clamp(1, 3);
        let mut consumers = Vec::new();
        for g in 1..=self.groups {
            for c in 1..=self.consumers {
                consumers.push(format!(
                    r#"{{"name": "g{g}-c{c}", "config": {{"group.id": "group-{g}", "auto.offset.reset": "earliest"}},
                       "app": {{"subscription": {{"subscribe": ["events"]}}, "processing_ms_per_record": 0, "commit_mode": "auto"}}}}"#
                ));
            }
        }
        let rate = self.records_per_sec / 2.0;
        let json = format!(
            r#"{{
  "name": "Benchmark: {b} brokers, {p} partitions, {g} groups of {c}",
  "description": "The frame-time benchmark's cluster.",
  "seed": 1,
  "until": 600000,
  "cluster": {{"brokers": [{brokers}], "broker_config": {{"offsets.topic.num.partitions": 8, "transaction.state.log.num.partitions": 1}}}},
  "topics": [{{"name": "events", "partitions": {p}, "replication_factor": {rf}}}],
  "producers": [
    {{"name": "p1", "config": {{"acks": "all"}}, "workload": {{"topic": "events", "rate_per_sec": {rate}, "key": {{"type": "random", "prefix": "k", "cardinality": 1000}}}}}},
    {{"name": "p2", "config": {{"acks": 1, "enable.idempotence": false}}, "workload": {{"topic": "events", "rate_per_sec": {rate}, "key": {{"type": "random", "prefix": "u", "cardinality": 1000}}}}}}
  ],
  "consumers": [{consumers}]
}}"#,
            b = self.brokers,
            p = self.partitions,
            g = self.groups,
            c = self.consumers,
            brokers = brokers.join(", "),
            consumers = consumers.join(",\n"),
        );
        Scenario::from_json(&json).map_err(|e| format!("bench scenario: {e}"))
    }
}
