//! What the UI and tests see of a broker: its session with the controller,
//! and every replica it hosts with its role, epochs, high watermark, last
//! stable offset, log, and — on a leader — what it knows of each follower.

use serde::{Deserialize, Serialize};

use super::partition::{Partition, RoleName};
use super::Broker;
use crate::engine::group::coordinator::GroupSnapshot;
use crate::engine::ids::{BrokerId, TopicPartition};
use crate::engine::log::LogSnapshot;
use crate::engine::record::Offset;
use crate::engine::time::Millis;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BrokerSnapshot {
    pub id: BrokerId,
    pub rack: Option<String>,
    /// Process life (increases on every start).
    pub incarnation: u32,
    /// The controller accepted this life's registration.
    pub registered: bool,
    /// Fenced by the controller (or not registered yet): leads nothing, in no ISR.
    pub fenced: bool,
    pub shutting_down: bool,
    /// The version of the last metadata image applied.
    pub metadata_version: i64,
    pub replicas: Vec<ReplicaSnapshot>,
    /// Requests held: acks=all produces and markers waiting for the ISR.
    pub delayed_appends: u32,
    /// Requests held: fetches waiting for `min_bytes`.
    pub delayed_fetches: u32,
    pub groups: Vec<GroupSnapshot>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplicaSnapshot {
    pub tp: TopicPartition,
    pub role: RoleName,
    pub leader: Option<BrokerId>,
    pub leader_epoch: i32,
    pub partition_epoch: i32,
    pub replicas: Vec<BrokerId>,
    /// The committed ISR as this broker knows it.
    pub isr: Vec<BrokerId>,
    /// An ISR change this leader proposed and the controller has not answered.
    pub pending_isr: Option<Vec<BrokerId>>,
    pub high_watermark: Offset,
    pub last_stable_offset: Offset,
    /// A follower's fetch session (the leader it fetches from).
    pub fetching_from: Option<BrokerId>,
    /// On a leader: every follower.
    pub followers: Vec<FollowerSnapshot>,
    pub log: LogSnapshot,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowerSnapshot {
    pub broker: BrokerId,
    /// -1 until it fetched from this leader.
    pub log_end_offset: Offset,
    pub last_caught_up_ms: Millis,
    pub last_fetch_ms: Millis,
    pub in_isr: bool,
    /// Records behind the leader's log end (-1 when unknown).
    pub lag: Offset,
}

impl Broker {
    /// A serde view; each log carries its last `max_records` records.
    pub fn snapshot(&self, now: Millis, max_records: u32) -> BrokerSnapshot {
        let rm = &self.replicas;
        let (delayed_appends, delayed_fetches) = rm.purgatory.len();
        BrokerSnapshot {
            id: self.id,
            rack: self.config.broker_rack.clone(),
            incarnation: self.incarnation,
            registered: self.session.registered,
            fenced: !self.session.registered
                || self.session.fenced
                || rm.image.brokers.get(&self.id).is_none_or(|b| b.fenced),
            shutting_down: self.session.shutdown.is_some(),
            metadata_version: rm.image.version,
            replicas: rm
                .partitions
                .values()
                .map(|p| replica_snapshot(p, rm.fetchers.leader_of(&p.tp), now, max_records))
                .collect(),
            delayed_appends,
            delayed_fetches,
            groups: self.group_coordinator.snapshot(),
        }
    }
}

fn replica_snapshot(p: &Partition, fetching_from: Option<BrokerId>, now: Millis, max_records: u32) -> ReplicaSnapshot {
    let leo = p.log_end_offset();
    let state = p.leader_state();
    ReplicaSnapshot {
        tp: p.tp.clone(),
        role: p.role_name(),
        leader: p.leader,
        leader_epoch: p.leader_epoch,
        partition_epoch: p.partition_epoch,
        replicas: p.replicas.clone(),
        isr: p.isr.clone(),
        pending_isr: state.and_then(|s| s.pending.as_ref().map(|x| x.proposed.clone())),
        high_watermark: p.high_watermark(),
        last_stable_offset: p.last_stable_offset(),
        fetching_from,
        followers: state
            .map(|s| {
                s.followers
                    .iter()
                    .map(|(broker, f)| FollowerSnapshot {
                        broker: *broker,
                        log_end_offset: f.log_end_offset,
                        last_caught_up_ms: f.last_caught_up_ms,
                        last_fetch_ms: f.last_fetch_ms,
                        in_isr: p.isr.contains(broker),
                        lag: if f.log_end_offset < 0 { -1 } else { leo - f.log_end_offset },
                    })
                    .collect()
            })
            .unwrap_or_default(),
        log: p.log.snapshot(now, p.high_watermark(), p.last_stable_offset(), max_records),
    }
}
