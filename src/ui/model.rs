//! Read-only questions about a `ClusterSnapshot` that several views ask:
//! which replica leads a partition, a group's authoritative state, lag as
//! `kafka-consumer-groups --describe` prints it, and the sentences that say
//! in words what a picture shows (for screen readers and for everyone).
//!
//! Pure functions of the snapshot: no state, no engine calls.

use crate::engine::broker::partition::RoleName;
use crate::engine::broker::ReplicaSnapshot;
use crate::engine::group::coordinator::GroupSnapshot;
use crate::engine::ids::{BrokerId, NodeId, TopicPartition};
use crate::engine::protocol::PartitionImage;
use crate::engine::record::Offset;
use crate::engine::sim::NodeStatus;
use crate::engine::snapshot::{BrokerView, ClusterSnapshot};

/// `__consumer_offsets`, `__transaction_state`: shown apart from user topics.
pub fn is_internal_topic(name: &str) -> bool {
    name.starts_with("__")
}

/// A broker's state as the cluster view names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BrokerState {
    Running,
    /// In controlled shutdown.
    ShuttingDown,
    /// Process killed.
    Crashed,
    /// Stopped cleanly.
    Stopped,
    /// Running but fenced by the controller (missed heartbeats, isolated, or not registered yet).
    Fenced,
}

impl BrokerState {
    pub fn of(broker: &BrokerView) -> BrokerState {
        match broker.status {
            NodeStatus::Crashed => BrokerState::Crashed,
            NodeStatus::Stopped => BrokerState::Stopped,
            NodeStatus::ShuttingDown => BrokerState::ShuttingDown,
            NodeStatus::Running if broker.broker.shutting_down => BrokerState::ShuttingDown,
            NodeStatus::Running if broker.broker.fenced => BrokerState::Fenced,
            NodeStatus::Running => BrokerState::Running,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            BrokerState::Running => "running",
            BrokerState::ShuttingDown => "shutting down",
            BrokerState::Crashed => "crashed",
            BrokerState::Stopped => "stopped",
            BrokerState::Fenced => "fenced",
        }
    }

    /// The process is up (it may still be fenced or isolated).
    pub fn is_up(self) -> bool {
        matches!(self, BrokerState::Running | BrokerState::ShuttingDown | BrokerState::Fenced)
    }
}

/// The controller's view of a partition.
pub fn partition_image<'a>(snap: &'a ClusterSnapshot, tp: &TopicPartition) -> Option<&'a PartitionImage> {
    snap.metadata.partition(&tp.topic, tp.partition)
}

pub fn broker(snap: &ClusterSnapshot, id: BrokerId) -> Option<&BrokerView> {
    snap.brokers.iter().find(|b| b.id == id)
}

/// A broker's replica of a partition.
pub fn replica<'a>(snap: &'a ClusterSnapshot, broker: BrokerId, tp: &TopicPartition) -> Option<&'a ReplicaSnapshot> {
    self::broker(snap, broker)?.broker.replicas.iter().find(|r| &r.tp == tp)
}

/// The leader's replica: on the broker the controller names, if that broker
/// thinks it leads; else any live replica that thinks it leads.
pub fn leader_replica<'a>(snap: &'a ClusterSnapshot, tp: &TopicPartition) -> Option<&'a ReplicaSnapshot> {
    let named = partition_image(snap, tp).and_then(|p| p.leader);
    if let Some(r) = named.and_then(|b| replica(snap, b, tp)).filter(|r| r.role == RoleName::Leader) {
        return Some(r);
    }
    snap.brokers
        .iter()
        .filter(|b| b.status.is_up())
        .flat_map(|b| b.broker.replicas.iter())
        .find(|r| &r.tp == tp && r.role == RoleName::Leader)
}

/// The replica to show a partition's log from: the leader's, or (offline)
/// the most advanced replica left.
pub fn display_replica<'a>(snap: &'a ClusterSnapshot, tp: &TopicPartition) -> Option<(BrokerId, &'a ReplicaSnapshot)> {
    if let Some(r) = leader_replica(snap, tp) {
        let id = snap.brokers.iter().find(|b| b.broker.replicas.iter().any(|x| std::ptr::eq(x, r))).map(|b| b.id)?;
        return Some((id, r));
    }
    snap.brokers
        .iter()
        .filter_map(|b| b.broker.replicas.iter().find(|r| &r.tp == tp).map(|r| (b.id, r)))
        .max_by_key(|(_, r)| r.log.log_end_offset)
}

/// Every group once, from the broker that coordinates it now (the leader of
/// its `__consumer_offsets` partition); groups only an old coordinator still
/// holds are left out.
pub fn groups(snap: &ClusterSnapshot) -> Vec<&GroupSnapshot> {
    let mut out: Vec<&GroupSnapshot> = Vec::new();
    for b in snap.brokers.iter().filter(|b| b.status.is_up()) {
        for g in &b.broker.groups {
            let offsets_tp = TopicPartition::new("__consumer_offsets", g.offsets_partition);
            let leads = partition_image(snap, &offsets_tp).and_then(|p| p.leader) == Some(b.id);
            if leads && !out.iter().any(|o| o.group_id == g.group_id) {
                out.push(g);
            }
        }
    }
    crate::sort::sort_by(&mut out, |a, b| a.group_id.cmp(&b.group_id));
    out
}

/// A group's lag on one partition, as `kafka-consumer-groups --describe` prints it.
#[derive(Debug, Clone, PartialEq)]
pub struct PartitionLag {
    pub tp: TopicPartition,
    /// CURRENT-OFFSET.
    pub committed: Offset,
    /// LOG-END-OFFSET (the leader's high watermark).
    pub log_end_offset: Offset,
    /// LAG.
    pub lag: i64,
}

/// Lag of every partition a group has committed offsets for.
pub fn group_lag(snap: &ClusterSnapshot, group: &GroupSnapshot) -> Vec<PartitionLag> {
    group
        .offsets
        .iter()
        .filter_map(|c| {
            let hw = leader_replica(snap, &c.tp)?.high_watermark;
            Some(PartitionLag {
                tp: c.tp.clone(),
                committed: c.offset,
                log_end_offset: hw,
                lag: (hw - c.offset).max(0),
            })
        })
        .collect()
}

/// Where a group's consumers are on one partition (for the log view's markers).
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    pub offset: Offset,
    /// `committed` (a group's committed offset) or `position` (a consumer's next offset).
    pub kind: MarkerKind,
    /// The group id (committed) or the consumer's name (position).
    pub label: String,
    /// The group it belongs to (`None` for a consumer using `assign` without a group).
    pub group: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkerKind {
    Committed,
    Position,
}

/// Committed offsets of every group and positions of every live consumer on `tp`.
pub fn markers(snap: &ClusterSnapshot, tp: &TopicPartition) -> Vec<Marker> {
    let mut out = Vec::new();
    for g in groups(snap) {
        if let Some(c) = g.offsets.iter().find(|c| &c.tp == tp) {
            out.push(Marker {
                offset: c.offset,
                kind: MarkerKind::Committed,
                label: g.group_id.clone(),
                group: Some(g.group_id.clone()),
            });
        }
    }
    for c in snap.consumers.iter().filter(|c| c.status.is_up()) {
        if let Some(p) = c.consumer.partitions.iter().find(|p| &p.tp == tp) {
            if let Some(position) = p.position {
                out.push(Marker {
                    offset: position,
                    kind: MarkerKind::Position,
                    label: c.consumer.name.clone(),
                    group: c.consumer.group.clone(),
                });
            }
        }
    }
    out
}

fn list(ids: &[BrokerId]) -> String {
    ids.iter().map(|b| b.to_string()).collect::<Vec<_>>().join(",")
}

/// One sentence saying what the picture of a partition shows:
/// "orders-0: leader broker 2, ISR 2,3 (broker 1 out of sync)".
pub fn partition_sentence(snap: &ClusterSnapshot, tp: &TopicPartition) -> String {
    let Some(p) = partition_image(snap, tp) else {
        return format!("{tp}: unknown partition");
    };
    let mut s = match p.leader {
        Some(l) => format!("{tp}: leader broker {l}, ISR {}", list(&p.isr)),
        None => format!("{tp}: OFFLINE (no leader), last ISR {}", list(&p.isr)),
    };
    let out: Vec<BrokerId> = p.replicas.iter().copied().filter(|r| !p.isr.contains(r)).collect();
    if !out.is_empty() {
        let who = if out.len() == 1 { format!("broker {}", out[0]) } else { format!("brokers {}", list(&out)) };
        s.push_str(&format!(" ({who} out of sync)"));
    }
    if let Some(r) = leader_replica(snap, tp) {
        s.push_str(&format!(
            "; log start {}, high watermark {}, log end {}",
            r.log.log_start_offset, r.high_watermark, r.log.log_end_offset
        ));
    }
    s
}

/// A replica's role in words.
pub fn replica_sentence(broker: BrokerId, r: &ReplicaSnapshot, offline: bool) -> String {
    let role = if offline {
        "offline"
    } else {
        match r.role {
            RoleName::Leader => "leader",
            RoleName::Follower => "follower",
            RoleName::Offline => "offline",
        }
    };
    let isr = if r.isr.contains(&broker) { "in sync" } else { "out of sync" };
    format!("{}: {role} on broker {broker}, {isr}, log end offset {}", r.tp, r.log.log_end_offset)
}

/// A node's name as the views print it.
pub fn node_name(snap: &ClusterSnapshot, node: NodeId) -> String {
    match node {
        NodeId::Controller => "controller".to_string(),
        NodeId::Broker(id) => format!("broker {id}"),
        NodeId::Client(id) => client_name(snap, id).unwrap_or_else(|| format!("client {id}")),
    }
}

/// A client's name by id.
pub fn client_name(snap: &ClusterSnapshot, id: u32) -> Option<String> {
    snap.producers
        .iter()
        .find(|p| p.producer.id == id)
        .map(|p| p.producer.name.clone())
        .or_else(|| snap.consumers.iter().find(|c| c.consumer.id == id).map(|c| c.consumer.name.clone()))
}

/// Okabe & Ito's colour-blind-safe palette (black left out: it is the text
/// colour), for record keys. A key's colour is never the only thing that
/// tells it apart: its text is shown on hover and on selection.
pub const KEY_PALETTE: [&str; 7] = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"];

/// The palette slot of a key (FNV-1a of its bytes), stable across runs.
pub fn key_colour_index(key: &[u8]) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for b in key {
        hash ^= *b as u32;
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash % KEY_PALETTE.len() as u32
}

/// Simulated time as the clock shows it: `12.345 s`, `3 min 05.200 s`.
pub fn format_time(ms: i64) -> String {
    let ms = ms.max(0);
    let (min, rest) = (ms / 60_000, ms % 60_000);
    if min > 0 {
        format!("{min} min {:02}.{:03} s", rest / 1000, rest % 1000)
    } else {
        format!("{}.{:03} s", rest / 1000, rest % 1000)
    }
}

/// The network faults that touch a node, in words the cluster view uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct NodeFaults {
    /// Cut off from every node (an `Isolate` fault).
    pub isolated: bool,
    /// On one side of a network partition.
    pub partitioned: bool,
    /// Extra latency on its links (`Delay` faults: a slow broker).
    pub extra_ms: i64,
    /// Messages to or from it may be dropped.
    pub dropping: bool,
}

impl NodeFaults {
    pub fn any(&self) -> bool {
        self.isolated || self.partitioned || self.extra_ms > 0 || self.dropping
    }
}

pub fn node_faults(snap: &ClusterSnapshot, node: NodeId) -> NodeFaults {
    use crate::engine::net::{Fault, LinkMatch};
    let touches = |l: &LinkMatch| l.from == Some(node) || l.to == Some(node) || (l.from.is_none() && l.to.is_none());
    let mut out = NodeFaults::default();
    for f in &snap.faults {
        match &f.fault {
            Fault::Isolate { node: n, .. } if *n == node => out.isolated = true,
            Fault::Partition { side_a, side_b } if side_a.contains(&node) || side_b.contains(&node) => {
                out.partitioned = true
            }
            Fault::Delay { link, extra_ms } if touches(link) => out.extra_ms += extra_ms,
            Fault::Drop { link, .. } if touches(link) => out.dropping = true,
            _ => {}
        }
    }
    out
}

/// Where `seekToBeginning` / `seekToEnd` / `offsetsForTimes` / `seek(offset)`
/// put a consumer on `tp`, read from the leader's replica: the log start
/// offset, the end (the high watermark; the last stable offset for a
/// `read_committed` consumer, as Kafka's ListOffsets answers it), or the
/// first record at or after a timestamp (the end when none is). `Err` says
/// why it cannot be told from this snapshot.
pub fn seek_offset(
    snap: &ClusterSnapshot,
    tp: &TopicPartition,
    to: &crate::engine::command::OffsetResetSpec,
    read_committed: bool,
) -> Result<Offset, String> {
    use crate::engine::command::OffsetResetSpec as To;
    if let To::Offset { offset } = to {
        return Ok(*offset);
    }
    let r = leader_replica(snap, tp).ok_or_else(|| format!("{tp} has no leader now"))?;
    let end = if read_committed { r.last_stable_offset } else { r.high_watermark };
    match to {
        To::Earliest => Ok(r.log.log_start_offset),
        To::Latest | To::Offset { .. } => Ok(end),
        To::Timestamp { timestamp } => {
            let records = &r.log.records;
            let held_from = records.first().map_or(r.log.log_end_offset, |x| x.offset);
            let found = records.iter().find(|x| x.control.is_none() && x.timestamp >= *timestamp && x.offset < end);
            match found {
                Some(x) if x.offset == held_from && held_from > r.log.log_start_offset => Err(format!(
                    "records of {tp} before offset {held_from} are not in view: seek to earliest or to an offset"
                )),
                Some(x) => Ok(x.offset),
                None => Ok(end),
            }
        }
    }
}
