//! The scenarios the app offers: a fresh cluster to build on, the example
//! files in `scenarios/` (compiled in as Rust values, so the static site
//! makes no requests and carries no JSON parser for them), and the
//! frame-time benchmark's cluster.

use crate::engine::scenario::{built_in, Scenario, ScenarioError};

/// Parses a scenario file's text (import, share links) in the browser:
/// serde_json into a `serde_json::Value`, then into the engine's types, then
/// the same checks as `Scenario::from_json`.
///
/// Measured (BENCHMARKS.md, "Bundle size"): the scenario tree's
/// deserializers cost ~83 KB gzipped whichever deserializer drives them
/// (serde_json from text 713.7 KB total, via `Value` 712.8 KB, the page's
/// `JSON.parse` + serde-wasm-bindgen 716.4 KB); `serde_path_to_error`
/// (`Scenario::from_json`) adds 15.8 KB more. So the browser goes without
/// the path: errors name the problem (`unknown field \`retention.mss\``,
/// `invalid type: string "one", expected i32`) but not where it is in the
/// file. The native loader keeps the path.
pub fn parse(text: &str) -> Result<Scenario, ScenarioError> {
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| ScenarioError { path: String::new(), message: format!("not valid JSON: {e}") })?;
    let scenario: Scenario =
        serde_json::from_value(value).map_err(|e| ScenarioError { path: String::new(), message: e.to_string() })?;
    scenario.checked()
}

/// The scenario the app opens with.
pub const DEFAULT_ID: &str = "new-cluster";

/// A scenario the picker lists (equal when their ids are).
#[derive(Debug, Clone, Copy)]
pub struct BuiltIn {
    /// Stable id (used in URLs: `?scenario=quickstart`).
    pub id: &'static str,
    /// Short name for the picker.
    pub title: &'static str,
    /// The scenario as a Rust value (`engine::scenario::built_in`; a native
    /// test checks it equals its file in `scenarios/`).
    pub build: fn() -> Scenario,
}

impl PartialEq for BuiltIn {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl BuiltIn {
    pub fn scenario(&self) -> Result<Scenario, String> {
        (self.build)().checked().map_err(|e| format!("built-in scenario {}: {e}", self.id))
    }
}

pub const BUILT_IN: &[BuiltIn] = &[
    BuiltIn { id: "new-cluster", title: "New cluster", build: built_in::new_cluster },
    BuiltIn { id: "quickstart", title: "Quickstart", build: built_in::quickstart },
    BuiltIn { id: "acks1-leader-crash", title: "acks=1 loses data", build: built_in::acks1_leader_crash },
    BuiltIn {
        id: "min-isr-not-enough-replicas",
        title: "min.insync.replicas",
        build: built_in::min_isr_not_enough_replicas,
    },
    BuiltIn { id: "compaction", title: "Log compaction", build: built_in::compaction },
    BuiltIn {
        id: "retention-out-of-range",
        title: "Retention and OFFSET_OUT_OF_RANGE",
        build: built_in::retention_out_of_range,
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
        built_in::bench(self.brokers, self.partitions, self.groups, self.consumers, self.records_per_sec)
            .checked()
            .map_err(|e| format!("bench scenario: {e}"))
    }
}
