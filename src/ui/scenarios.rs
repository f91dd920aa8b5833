//! The scenarios the app offers: a fresh cluster to build on, the example
//! files in `scenarios/` (each a lesson), and the frame-time benchmark's
//! cluster.
//!
//! The sandbox is compiled in as a Rust value, so the page opens on it with
//! no request. The lessons are data: the static site serves
//! `scenarios/*.json` next to the app (Trunk copies the folder) and the app
//! fetches one from its own origin when it is picked or named by
//! `?scenario=`, so a lesson costs the bundle nothing until someone opens it
//! (compiling five of them in cost 7.1 KB gzipped, BENCHMARKS.md).

use crate::engine::scenario::{built_in, Scenario, ScenarioError};

/// Parses a scenario file's text (import, share links, autosave, fetched
/// lessons) in the browser: `Scenario::from_json`, the native loader, so the
/// browser's errors name the field too (`actions[2].do.broker: invalid type:
/// string "one", expected i32`).
///
/// The file format is read by hand from a `serde_json::Value`
/// (`engine::read`): serde's derived deserializers for the scenario tree cost
/// ~83 KB gzipped and serde_path_to_error 15.8 KB more (BENCHMARKS.md,
/// "Bundle size"), which is why the browser went without the path before.
pub fn parse(text: &str) -> Result<Scenario, ScenarioError> {
    Scenario::from_json(text)
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
    /// The scenario as a Rust value (`engine::scenario::built_in`: the
    /// sandbox), or `None`: a lesson, fetched from `file()` when picked.
    pub build: Option<fn() -> Scenario>,
}

impl PartialEq for BuiltIn {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl BuiltIn {
    /// The compiled-in scenario (`Err` for one that is fetched).
    pub fn scenario(&self) -> Result<Scenario, String> {
        let build = self.build.ok_or_else(|| format!("scenario {} is loaded from {}", self.id, self.file()))?;
        build().checked().map_err(|e| format!("built-in scenario {}: {e}", self.id))
    }

    /// Where the static site serves it, relative to the page (works under a sub-path).
    pub fn file(&self) -> String {
        format!("scenarios/{}.json", self.id)
    }
}

/// A picker entry whose scenario is fetched from the site (see the module doc).
pub fn fetched(id: &str) -> Option<&'static BuiltIn> {
    find(id).filter(|b| b.build.is_none())
}

pub const BUILT_IN: &[BuiltIn] = &[
    BuiltIn { id: "new-cluster", title: "New cluster", build: Some(built_in::new_cluster) },
    BuiltIn { id: "quickstart", title: "Quickstart", build: None },
    BuiltIn { id: "acks1-leader-crash", title: "acks=1 loses data", build: None },
    BuiltIn { id: "min-isr-not-enough-replicas", title: "min.insync.replicas", build: None },
    BuiltIn { id: "unclean-election", title: "Unclean leader election", build: None },
    BuiltIn { id: "idempotence", title: "Idempotent producer", build: None },
    BuiltIn { id: "read-committed", title: "Transactions and read_committed", build: None },
    BuiltIn { id: "delivery-semantics", title: "At-least-once vs at-most-once", build: None },
    BuiltIn { id: "auto-commit-loss", title: "Auto-commit loses a record", build: None },
    BuiltIn { id: "idle-consumer", title: "More consumers than partitions", build: None },
    BuiltIn { id: "cooperative-sticky", title: "Cooperative-sticky rebalance", build: None },
    BuiltIn { id: "crash-vs-close", title: "Consumer crash vs close", build: None },
    BuiltIn { id: "offset-reset-replay", title: "Replay: reset offsets", build: None },
    BuiltIn { id: "two-groups", title: "Two groups, one topic", build: None },
    BuiltIn { id: "keys-and-ordering", title: "Keys and ordering", build: None },
    BuiltIn { id: "add-partitions-moves-keys", title: "Adding partitions moves keys", build: None },
    BuiltIn { id: "compaction", title: "Log compaction", build: None },
    BuiltIn { id: "retention-out-of-range", title: "Retention and OFFSET_OUT_OF_RANGE", build: None },
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
