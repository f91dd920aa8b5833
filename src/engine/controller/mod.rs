//! The KRaft controller: broker registrations and liveness, replica
//! placement, leader election, ISR changes, topic administration, and the
//! metadata image it pushes to every broker.
//!
//! The controller is the single source of truth. Every change to the image
//! bumps `image.version` once per handled message, timer or admin call, and
//! the whole image (an `Arc`, cloned only when it changes) goes to every
//! registered broker in an `UpdateMetadata` request: that stands in for
//! KRaft brokers replaying the metadata log.
//!
//! Modules, one job each:
//! - `sessions`: registrations, heartbeats, fencing, controlled shutdown.
//! - `election`: who leads a partition after a change (pure rules).
//! - `alter_partition`: ISR changes asked for by partition leaders.
//! - `placement`: rack-aware replica assignment (pure).
//! - `admin`: topics — create, add partitions, delete, alter config.
//! - `rebalance`: preferred leader elections (`auto.leader.rebalance.enable`).
//! - `snapshot`: what the UI and tests see.
//!
//! Decisions worth knowing (each documented where it is made):
//! - the controller emits `IsrShrunk` / `IsrExpanded` when it applies an
//!   `AlterPartition`; brokers do not emit them;
//! - a broker is unfenced by its first heartbeat reporting a metadata
//!   version at least the one that carried its registration (KRaft's
//!   "caught up" rule), so heartbeats must carry the applied image version;
//! - a controlled shutdown moves leadership away and fences the broker at
//!   once (KRaft's `SHUTDOWN_NOW`), so a restart can register right away;
//! - a crashed broker restarted before its session expired is refused with
//!   `DUPLICATE_BROKER_REGISTRATION` until the controller fences the old one.

mod admin;
mod alter_partition;
mod election;
mod placement;
mod rebalance;
mod sessions;
mod snapshot;

#[cfg(all(test, not(target_arch = "wasm32")))]
mod proptests;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use crate::collections::{VecMap, VecSet};

use serde::{Deserialize, Serialize};

use super::config::BrokerConfig;
use super::error::KafkaError;
use super::event::ReplicationEvent;
use super::ids::{BrokerId, NodeId, TopicPartition};
use super::node::Ctx;
use super::protocol::{
    CorrelationId, Message, MetadataImage, PartitionImage, Request, Response, TopicImage, UpdateMetadataRequest,
};
use super::time::Millis;

use election::{Election, LeaderOutcome, PartitionChange};
use sessions::Session;

pub use snapshot::{BrokerSessionSnapshot, ControllerSnapshot};

/// Timers the controller sets. Each carries the time it was set for, so a
/// timer superseded by an earlier one is recognised and ignored.
#[derive(Debug, Clone, PartialEq)]
pub enum ControllerTimer {
    /// Fence brokers whose session expired (set for the earliest expiry).
    SessionCheck { due: Millis },
    /// Run preferred leader elections (`leader.imbalance.check.interval.seconds`).
    LeaderRebalance { due: Millis },
}

/// Why an admin operation was refused: a Kafka error and a sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminError {
    pub error: KafkaError,
    pub message: String,
}

impl AdminError {
    pub fn new(error: KafkaError, message: impl Into<String>) -> Self {
        AdminError { error, message: message.into() }
    }
}

impl std::fmt::Display for AdminError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error, self.message)
    }
}

/// Why partitions are being changed: decides which events describe it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cause {
    /// A broker is leaving the ISRs (fenced, shutting down, unregistered).
    Removed(BrokerId),
    /// The partition leader asked for a new ISR.
    AlterPartition(BrokerId),
    /// Elections only: a broker came back, a config changed, a rebalance.
    Election,
}

pub struct Controller {
    /// Cluster-wide defaults (`default.replication.factor`, `min.insync.replicas`, ...).
    pub defaults: BrokerConfig,
    image: Arc<MetadataImage>,
    sessions: VecMap<BrokerId, Session>,
    /// The image changed since it was last published.
    dirty: bool,
    next_correlation_id: CorrelationId,
    /// When the pending `SessionCheck` fires, if one is pending.
    session_check_due: Option<Millis>,
    /// When the pending `LeaderRebalance` fires, if one is pending.
    rebalance_due: Option<Millis>,
    leader_elections: u64,
    unclean_leader_elections: u64,
}

impl Controller {
    pub fn new(defaults: BrokerConfig) -> Self {
        Controller {
            defaults,
            image: Arc::new(MetadataImage::default()),
            sessions: VecMap::new(),
            dirty: false,
            next_correlation_id: 0,
            session_check_due: None,
            rebalance_due: None,
            leader_elections: 0,
            unclean_leader_elections: 0,
        }
    }

    pub fn start(&mut self, ctx: &mut Ctx) {
        self.finish(ctx);
    }

    pub fn on_message(&mut self, ctx: &mut Ctx, from: NodeId, message: Message) {
        let mut behind: Option<BrokerId> = None;
        match message {
            Message::Request { correlation_id, body } => {
                let response = match body {
                    Request::BrokerRegistration(r) if from == NodeId::Broker(r.broker_id) => {
                        Response::BrokerRegistration(self.on_broker_registration(ctx, r))
                    }
                    Request::BrokerHeartbeat(r) if from == NodeId::Broker(r.broker_id) => {
                        let id = r.broker_id;
                        let (response, up_to_date) = self.on_broker_heartbeat(ctx, r);
                        if !up_to_date {
                            behind = Some(id);
                        }
                        Response::BrokerHeartbeat(response)
                    }
                    Request::AlterPartition(r) if from == NodeId::Broker(r.broker_id) => {
                        Response::AlterPartition(self.on_alter_partition(ctx, r))
                    }
                    Request::ControlledShutdown(r) if from == NodeId::Broker(r.broker_id) => {
                        Response::ControlledShutdown(self.on_controlled_shutdown(ctx, r))
                    }
                    // Not a controller API, or a broker speaking for another: ignored.
                    _ => return,
                };
                ctx.respond(from, correlation_id, response);
            }
            Message::Response { body: Response::UpdateMetadata(r), .. } => {
                if let NodeId::Broker(id) = from {
                    self.note_metadata_version(id, r.metadata_version);
                }
            }
            // Push failures need no action: a broker that comes back registers
            // again and a live one reports its version in every heartbeat.
            _ => {}
        }
        let published = self.finish(ctx);
        if let Some(id) = behind.filter(|_| !published) {
            // A broker that missed an image (dropped on the wire) catches up,
            // as a KRaft broker does by fetching the metadata log.
            self.push_image(ctx, id);
        }
    }

    pub fn on_timer(&mut self, ctx: &mut Ctx, timer: ControllerTimer) {
        match timer {
            ControllerTimer::SessionCheck { due } if self.session_check_due == Some(due) => {
                self.session_check_due = None;
                self.expire_sessions(ctx);
            }
            ControllerTimer::LeaderRebalance { due } if self.rebalance_due == Some(due) => {
                self.rebalance_due = None;
                self.balance_leaders(ctx);
            }
            _ => {} // superseded
        }
        self.finish(ctx);
    }

    /// The current metadata image.
    pub fn image(&self) -> &Arc<MetadataImage> {
        &self.image
    }

    // ---- machinery shared by the modules ----

    /// The image, for a change: it will be published when the handler ends.
    fn image_mut(&mut self) -> &mut MetadataImage {
        self.dirty = true;
        Arc::make_mut(&mut self.image)
    }

    /// Ends every handler: publish changes, keep the timers set.
    fn finish(&mut self, ctx: &mut Ctx) -> bool {
        assert!(self.sessions.keys().eq(self.image.brokers.keys()), "a session for every registration");
        let published = self.publish(ctx);
        self.schedule_session_check(ctx);
        self.schedule_rebalance(ctx);
        published
    }

    /// Bumps the version and sends the image to every registered broker.
    fn publish(&mut self, ctx: &mut Ctx) -> bool {
        if !self.dirty {
            return false;
        }
        self.dirty = false;
        let before = self.image.version;
        Arc::make_mut(&mut self.image).version += 1;
        assert_eq!(self.image.version, before + 1, "one version per published change");
        let brokers: Vec<BrokerId> = self.image.brokers.keys().copied().collect();
        for id in brokers {
            self.push_image(ctx, id);
        }
        true
    }

    fn push_image(&mut self, ctx: &mut Ctx, broker: BrokerId) {
        let correlation_id = self.next_correlation_id;
        self.next_correlation_id = self.next_correlation_id.wrapping_add(1);
        let body = Request::UpdateMetadata(UpdateMetadataRequest { image: Arc::clone(&self.image) });
        ctx.request(NodeId::Broker(broker), correlation_id, body);
    }

    /// Brokers that may lead or join an ISR: registered, unfenced, not shutting down.
    fn live_brokers(&self) -> VecSet<BrokerId> {
        self.image.brokers.values().filter(|b| !b.fenced && !b.in_controlled_shutdown).map(|b| b.id).collect()
    }

    /// The election a topic's partitions get when their leader must change.
    fn election_for(&self, topic: &TopicImage) -> Election {
        Election::for_topic(topic.config.unclean_leader_election_enable || self.defaults.unclean_leader_election_enable)
    }

    /// Runs `plan` over every partition (topics by name, partitions by
    /// index); where it returns a target ISR and an election, applies the
    /// resulting change and emits the events that describe it.
    fn change_partitions(
        &mut self,
        ctx: &mut Ctx,
        cause: Cause,
        mut plan: impl FnMut(&TopicImage, Election, &PartitionImage) -> Option<(Vec<BrokerId>, Election)>,
    ) {
        let live = self.live_brokers();
        let mut changes: Vec<(String, PartitionChange)> = Vec::new();
        for topic in self.image.topics.values() {
            let election = self.election_for(topic);
            for p in &topic.partitions {
                let Some((target_isr, election)) = plan(topic, election, p) else { continue };
                if let Some(change) = election::change(p, &target_isr, election, |b| live.contains(&b)) {
                    changes.push((topic.name.clone(), change));
                }
            }
        }
        for (topic, change) in changes {
            self.apply(ctx, cause, &topic, change);
        }
    }

    /// Writes one partition change into the image and reports it.
    fn apply(&mut self, ctx: &mut Ctx, cause: Cause, topic: &str, change: PartitionChange) {
        let index = usize::try_from(change.partition.partition).expect("partition ids are non-negative");
        let slot = &mut self.image_mut().topics.get_mut(topic).expect("changed topics exist").partitions[index];
        assert!(change.partition.leader_epoch >= slot.leader_epoch, "leader epochs never go back");
        assert!(change.partition.partition_epoch > slot.partition_epoch, "every change bumps the partition epoch");
        *slot = change.partition.clone();
        let p = change.partition;
        let tp = TopicPartition::new(topic, p.partition);
        match change.leader {
            LeaderOutcome::Elected { leader, unclean } => {
                self.leader_elections += 1;
                self.unclean_leader_elections += u64::from(unclean);
                ctx.emit(ReplicationEvent::LeaderElected { tp, leader, epoch: p.leader_epoch, isr: p.isr, unclean });
            }
            LeaderOutcome::Offline => ctx.emit(ReplicationEvent::PartitionOffline { tp, epoch: p.leader_epoch }),
            LeaderOutcome::Unchanged => match cause {
                Cause::Removed(broker) => {
                    ctx.emit(ReplicationEvent::RemovedFromIsr { tp, broker, leader: p.leader, isr: p.isr })
                }
                Cause::AlterPartition(leader) => {
                    if !change.removed.is_empty() {
                        let (tp, isr) = (tp.clone(), p.isr.clone());
                        ctx.emit(ReplicationEvent::IsrShrunk { tp, leader, removed: change.removed, isr });
                    }
                    if !change.added.is_empty() {
                        ctx.emit(ReplicationEvent::IsrExpanded { tp, leader, added: change.added, isr: p.isr });
                    }
                }
                Cause::Election => {}
            },
        }
    }

    /// Takes `broker` out of every ISR it is in, electing new leaders where
    /// it led (KRaft's `generateLeaderAndIsrUpdates` with a broker to remove).
    fn remove_from_isrs(&mut self, ctx: &mut Ctx, broker: BrokerId) {
        self.change_partitions(ctx, Cause::Removed(broker), |_, election, p| {
            p.isr.contains(&broker).then(|| (p.isr.iter().copied().filter(|&b| b != broker).collect(), election))
        });
    }

    /// Elects leaders for partitions that have none, now that a broker came
    /// back or the rules changed (KRaft's `handleBrokerUnfenced`).
    fn elect_leaderless(&mut self, ctx: &mut Ctx) {
        self.change_partitions(ctx, Cause::Election, |_, election, p| {
            p.leader.is_none().then(|| (p.isr.clone(), election))
        });
    }
}
