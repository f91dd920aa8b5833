//! Typed events: every state change in the cluster emits one. The UI
//! animates from events and renders from snapshots; tests assert on both;
//! the trace (the ordered list of events) is what determinism is checked on.
//!
//! Events are grouped by area, one enum a file. In JSON an event is flat:
//! `{"time": 1200, "node": {"broker": 1}, "area": "replication",
//! "type": "IsrShrunk", "tp": {...}, ...}`. Field naming convention, so
//! the UI can filter any event: `broker` (BrokerId), `tp` (TopicPartition),
//! `topic`, `client` (ClientId), `group` (group id).

pub mod cluster;
pub mod consumer;
pub mod group;
pub mod log;
pub mod producer;
pub mod replication;
pub mod txn;

use serde::{Deserialize, Serialize};

pub use cluster::ClusterEvent;
pub use consumer::ConsumerEvent;
pub use group::GroupEvent;
pub use log::LogEvent;
pub use producer::ProducerEvent;
pub use replication::ReplicationEvent;
pub use txn::TxnEvent;

use super::ids::NodeId;
use super::time::Millis;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "area", rename_all = "snake_case")]
pub enum Event {
    Cluster(ClusterEvent),
    Log(LogEvent),
    Replication(ReplicationEvent),
    Producer(ProducerEvent),
    Consumer(ConsumerEvent),
    Group(GroupEvent),
    Txn(TxnEvent),
}

/// An event with when it happened and on which node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimedEvent {
    pub time: Millis,
    /// Position in the trace: strictly increasing.
    pub seq: u64,
    pub node: NodeId,
    #[serde(flatten)]
    pub event: Event,
}

macro_rules! into_event {
    ($($area:ident($ty:ty)),*) => {
        $(impl From<$ty> for Event {
            fn from(e: $ty) -> Event { Event::$area(e) }
        })*
    };
}
into_event!(
    Cluster(ClusterEvent),
    Log(LogEvent),
    Replication(ReplicationEvent),
    Producer(ProducerEvent),
    Consumer(ConsumerEvent),
    Group(GroupEvent),
    Txn(TxnEvent)
);

/// FNV-1a over the JSON of each event: the trace hash compared between
/// native and wasm32 and pinned in golden tests.
pub fn trace_hash<'a>(events: impl IntoIterator<Item = &'a TimedEvent>) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for event in events {
        // Not `expect`: it would keep serde_json::Error's `Debug` in the wasm (~1 KB).
        let json = serde_json::to_vec(event).unwrap_or_else(|_| panic!("events serialize"));
        for byte in json.iter().chain(b"\n") {
            hash ^= *byte as u64;
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}
