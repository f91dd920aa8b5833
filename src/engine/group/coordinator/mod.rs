//! The group coordinator hosted by a broker: the classic consumer group
//! protocol and committed offsets in `__consumer_offsets` (Kafka's
//! `GroupCoordinator` with its `GroupMetadataManager`).
//!
//! A group lives on the broker that leads partition
//! `abs(hashCode(group.id)) % offsets.topic.num.partitions` of
//! `__consumer_offsets`. Every state the group must not lose (committed
//! offsets, each completed generation) is appended to that partition and
//! acknowledged only when the high watermark passes it (acks=all). When
//! another broker takes the partition over, it replays the partition and
//! the group carries on there: that is coordinator failover.
//!
//! Map of the modules:
//! - `mod.rs` (here): which groups this broker coordinates, request routing,
//!   FindCoordinator, writes waiting for the high watermark, timers.
//! - `group`: one group's state machine and membership bookkeeping.
//! - `join`, `sync`, `session`: JoinGroup; SyncGroup; Heartbeat, LeaveGroup
//!   and session expiry.
//! - `rebalance`: the rebalance they drive (join phase, initial delay,
//!   generations) and the group records it writes.
//! - `commit`: OffsetCommit, OffsetFetch, admin offset resets.
//! - `offsets`, `group_record`, `codec`: the records of `__consumer_offsets`
//!   in Kafka's binary schema, and a readable rendering for the UI.
//! - `loader`: rebuilding groups from the partition when this broker becomes
//!   its leader.
//! - `snapshot`: what the UI and tests see.

mod codec;
mod commit;
pub mod group;
pub mod group_record;
mod join;
mod loader;
pub mod offsets;
mod rebalance;
mod session;
pub mod snapshot;
mod sync;

#[cfg(all(test, not(target_arch = "wasm32")))]
mod proptests;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

pub use group::GroupState;
pub use offsets::{decode_offsets_record, CommittedOffset};
pub use snapshot::{CommittedOffsetSnapshot, GroupSnapshot, MemberSnapshot};

use self::group::Group;
use crate::collections::VecMap;
use crate::engine::broker::host::CoordinatorHost;
use crate::engine::broker::BrokerTimer;
use crate::engine::config::BrokerConfig;
use crate::engine::error::KafkaError;
use crate::engine::hash::coordinator_partition_for;
use crate::engine::ids::{BrokerId, ClientId, NodeId, PartitionId, TopicPartition};
use crate::engine::node::{Ctx, Timer};
use crate::engine::protocol::{
    CoordinatorType, CorrelationId, FindCoordinatorRequest, FindCoordinatorResponse, MetadataImage, Request, Response,
};
use crate::engine::record::Offset;
use crate::engine::time::Millis;

/// The internal topic of committed offsets and group metadata.
pub const CONSUMER_OFFSETS: &str = "__consumer_offsets";
/// The internal topic of transaction state (FindCoordinator of type transaction).
pub const TRANSACTION_STATE: &str = "__transaction_state";
/// Kafka's `GroupCoordinator.NewMemberJoinTimeoutMs` (5 minutes): a new
/// member whose JoinGroup is parked that long is dropped (its client has
/// long given up on the request and will retry).
pub const NEW_MEMBER_JOIN_TIMEOUT_MS: Millis = 300_000;
/// `offsets.commit.timeout.ms`, default 5000: how long a write to
/// `__consumer_offsets` may wait for the high watermark before the request
/// fails (Kafka's delayed produce timeout for the coordinator's appends).
pub const OFFSETS_COMMIT_TIMEOUT_MS: Millis = 5_000;

/// Timers of the group coordinator (carried in `BrokerTimer::Group`).
/// Timers cannot be cancelled: each carries a token, and a timer whose
/// token is no longer the live one is ignored.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupTimer {
    /// A member's session may have expired (`session.timeout.ms` without a
    /// heartbeat; for a member still in its first join, the new-member join timeout).
    SessionExpiry { group: String, member_id: String, token: u64 },
    /// A member id handed out with MEMBER_ID_REQUIRED was not claimed within the session timeout.
    PendingMemberExpiry { group: String, member_id: String, token: u64 },
    /// The join phase of a rebalance ends: the initial delay or the rebalance timeout.
    JoinDeadline { group: String, token: u64 },
    /// Members of a new generation that did not send SyncGroup within the rebalance timeout are removed.
    SyncDeadline { group: String, generation: i32, token: u64 },
    /// A write to `__consumer_offsets-<partition>` ending at `offset` was not
    /// replicated within `offsets.commit.timeout.ms`.
    WriteTimeout { partition: PartitionId, offset: Offset },
}

/// Where to send the response of a parked request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Responder {
    pub to: NodeId,
    pub correlation_id: CorrelationId,
}

impl Responder {
    pub fn respond(self, ctx: &mut Ctx, body: Response) {
        ctx.respond(self.to, self.correlation_id, body);
    }

    /// The simulated client behind the request, if it is a client.
    pub fn client(self) -> Option<ClientId> {
        match self.to {
            NodeId::Client(id) => Some(id),
            _ => None,
        }
    }
}

/// A `__consumer_offsets` partition this broker leads and has loaded.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OwnedPartition {
    /// Records below this offset have been replayed into memory.
    pub loaded_to: Offset,
    /// First offset this coordinator appended itself. Records between
    /// `loaded_to` and here were written by the previous leader and were
    /// not yet committed when the load ran: they are replayed as the high
    /// watermark passes them.
    pub own_from: Option<Offset>,
}

/// An append to `__consumer_offsets` waiting for the high watermark.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PendingWrite {
    /// An OffsetCommit (or an admin reset, without a responder).
    Offsets {
        group: String,
        responder: Option<Responder>,
        client: Option<ClientId>,
        offsets: Vec<(TopicPartition, CommittedOffset)>,
        /// Partitions refused before the append, answered with the rest.
        refused: Vec<(TopicPartition, KafkaError)>,
    },
    /// The leader's assignment for a generation (SyncGroup).
    Assignment { group: String, generation: i32, assignment: VecMap<String, Vec<TopicPartition>> },
    /// A static member rejoined a Stable group under a new member id (KIP-345).
    StaticRejoin { group: String, rejoin: StaticRejoin },
    /// A generation that ended Empty; nobody waits for it.
    EmptyGeneration,
}

/// What is undone if persisting a static member's new id fails.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StaticRejoin {
    pub old_member_id: String,
    pub new_member_id: String,
    pub old_protocols: Vec<crate::engine::protocol::JoinGroupProtocol>,
    /// The leader before the rejoin, returned to the rejoining member.
    pub leader_before: Option<String>,
}

/// The group coordinator of one broker.
pub struct GroupCoordinator {
    pub broker_id: BrokerId,
    pub config: BrokerConfig,
    owned: VecMap<PartitionId, OwnedPartition>,
    groups: VecMap<String, Group>,
    /// By (partition, last offset of the append).
    pending: BTreeMap<(PartitionId, Offset), PendingWrite>,
    next_token: u64,
}

impl GroupCoordinator {
    pub fn new(broker_id: BrokerId, config: BrokerConfig) -> Self {
        GroupCoordinator {
            broker_id,
            config,
            owned: VecMap::new(),
            groups: VecMap::new(),
            pending: BTreeMap::new(),
            next_token: 0,
        }
    }

    /// FindCoordinator, JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch.
    ///
    /// # Panics
    /// If the broker routes any other API here.
    pub fn handle_request(
        &mut self,
        ctx: &mut Ctx,
        host: &mut dyn CoordinatorHost,
        from: NodeId,
        correlation_id: CorrelationId,
        request: Request,
    ) {
        let responder = Responder { to: from, correlation_id };
        match request {
            Request::FindCoordinator(r) => {
                let response = find_coordinator(host.metadata(), &self.config, &r);
                responder.respond(ctx, Response::FindCoordinator(response));
            }
            Request::JoinGroup(r) => self.handle_join_group(ctx, host, responder, r),
            Request::SyncGroup(r) => self.handle_sync_group(ctx, host, responder, r),
            Request::Heartbeat(r) => self.handle_heartbeat(ctx, host, responder, r),
            Request::LeaveGroup(r) => self.handle_leave_group(ctx, host, responder, r),
            Request::OffsetCommit(r) => self.handle_offset_commit(ctx, host, responder, r),
            Request::OffsetFetch(r) => self.handle_offset_fetch(ctx, host, responder, r),
            other => panic!("the broker routed {} to the group coordinator", other.api_name()),
        }
    }

    pub fn on_timer(&mut self, ctx: &mut Ctx, host: &mut dyn CoordinatorHost, timer: GroupTimer) {
        match timer {
            GroupTimer::SessionExpiry { group, member_id, token } => {
                self.on_session_expiry(ctx, host, &group, &member_id, token)
            }
            GroupTimer::PendingMemberExpiry { group, member_id, token } => {
                self.on_pending_member_expiry(ctx, host, &group, &member_id, token)
            }
            GroupTimer::JoinDeadline { group, token } => self.on_join_deadline(ctx, host, &group, token),
            GroupTimer::SyncDeadline { group, generation, token } => {
                self.on_sync_deadline(ctx, host, &group, generation, token)
            }
            GroupTimer::WriteTimeout { partition, offset } => {
                if let Some(write) = self.pending.remove(&(partition, offset)) {
                    self.complete_write(ctx, host, write, Err(KafkaError::RequestTimedOut));
                }
            }
        }
    }

    /// This broker became leader of `__consumer_offsets-<partition>`: load its groups.
    pub fn on_became_leader(&mut self, ctx: &mut Ctx, host: &mut dyn CoordinatorHost, partition: PartitionId) {
        if self.owned.contains_key(&partition) {
            return; // Still the leader (a new leader epoch on the same broker): nothing was lost.
        }
        self.load_partition(ctx, host, partition);
    }

    /// This broker stopped leading `__consumer_offsets-<partition>`: forget its groups.
    pub fn on_resigned(&mut self, ctx: &mut Ctx, partition: PartitionId) {
        if self.owned.remove(&partition).is_none() {
            return;
        }
        let ids: Vec<String> =
            self.groups.values().filter(|g| g.partition == partition).map(|g| g.id.clone()).collect();
        for id in ids {
            let mut group = self.groups.remove(&id).expect("listed above");
            self.unload_group(ctx, &mut group);
        }
        let keys: Vec<(PartitionId, Offset)> =
            self.pending.range((partition, Offset::MIN)..=(partition, Offset::MAX)).map(|(k, _)| *k).collect();
        for key in keys {
            // The appends may still become committed under the new leader,
            // but this broker can no longer tell: Kafka fails them with
            // NOT_LEADER_OR_FOLLOWER, which the client sees as NOT_COORDINATOR.
            if let PendingWrite::Offsets { responder: Some(responder), offsets, refused, .. } =
                self.pending.remove(&key).expect("listed above")
            {
                commit::respond_commit_error(ctx, responder, offsets, refused, KafkaError::NotCoordinator);
            }
        }
    }

    /// The high watermark of `__consumer_offsets-<partition>` advanced: complete pending commits.
    pub fn on_high_watermark(
        &mut self,
        ctx: &mut Ctx,
        host: &mut dyn CoordinatorHost,
        partition: PartitionId,
        hw: Offset,
    ) {
        if !self.owned.contains_key(&partition) {
            return;
        }
        self.catch_up_inherited(ctx, host, partition, hw);
        let done: Vec<(PartitionId, Offset)> =
            self.pending.range((partition, Offset::MIN)..(partition, hw)).map(|(k, _)| *k).collect();
        for key in done {
            let write = self.pending.remove(&key).expect("listed above");
            self.complete_write(ctx, host, write, Ok(()));
        }
    }

    /// The process died: everything in memory is gone (the log is not).
    pub fn crash(&mut self) {
        self.owned.clear();
        self.groups.clear();
        self.pending.clear();
        // `next_token` keeps counting: a token is never reused within a run.
    }

    /// Every group this broker coordinates, by group id.
    pub fn snapshot(&self) -> Vec<GroupSnapshot> {
        self.groups.values().map(|g| snapshot::group_snapshot(self.broker_id, g)).collect()
    }

    /// The state of a group this broker coordinates (for admin messages).
    pub fn group_state(&self, group: &str) -> Option<GroupState> {
        self.groups.get(group).map(|g| g.state)
    }

    /// `__consumer_offsets` partitions this broker leads and has loaded.
    pub fn owned_partitions(&self) -> Vec<PartitionId> {
        self.owned.keys().copied().collect()
    }

    // ---- shared helpers for the submodules ----

    fn token(&mut self) -> u64 {
        self.next_token += 1;
        self.next_token
    }

    fn set_timer(ctx: &mut Ctx, after_ms: Millis, timer: GroupTimer) {
        ctx.set_timer(after_ms.max(0), Timer::Broker(BrokerTimer::Group(timer)));
    }

    /// The group's partition of `__consumer_offsets`, by the partition count
    /// the metadata shows (or `offsets.topic.num.partitions` before the topic exists).
    fn partition_for(&self, image: &MetadataImage, group: &str) -> PartitionId {
        image.coordinator_partition(CONSUMER_OFFSETS, group, self.config.offsets_topic_num_partitions)
    }

    /// Kafka's `validateGroupStatus`: whether this broker may answer for the
    /// group now. `Ok(partition)` when it coordinates it.
    fn group_status(
        &self,
        host: &dyn CoordinatorHost,
        group: &str,
        empty_id_allowed: bool,
    ) -> Result<PartitionId, KafkaError> {
        if group.is_empty() && !empty_id_allowed {
            return Err(KafkaError::InvalidGroupId);
        }
        let partition = self.partition_for(host.metadata(), group);
        let leads = host.is_leader(&offsets_tp(partition));
        match (leads, self.owned.contains_key(&partition)) {
            (true, true) => Ok(partition),
            (true, false) => Err(KafkaError::CoordinatorLoadInProgress),
            (false, _) => Err(KafkaError::NotCoordinator),
        }
    }

    /// Runs `f` on a group taken out of the map (so `f` may also use `self`),
    /// and puts it back unless it became Dead.
    fn with_group<R>(&mut self, id: &str, f: impl FnOnce(&mut Self, &mut Group) -> R) -> Option<R> {
        let mut group = self.groups.remove(id)?;
        let result = f(self, &mut group);
        if group.state != GroupState::Dead {
            #[cfg(test)]
            group.check_invariants();
            self.groups.insert(id.to_string(), group);
        }
        Some(result)
    }

    /// Appends records to `__consumer_offsets-<partition>`; `write` completes
    /// when the high watermark passes them, or fails after `offsets.commit.timeout.ms`.
    fn append(
        &mut self,
        ctx: &mut Ctx,
        host: &mut dyn CoordinatorHost,
        partition: PartitionId,
        records: Vec<(Option<crate::engine::blob::Blob>, Option<crate::engine::blob::Blob>)>,
        write: PendingWrite,
    ) -> Result<(), KafkaError> {
        assert!(!records.is_empty(), "an append carries records");
        let count = records.len() as Offset;
        let last = host.append_internal(ctx, &offsets_tp(partition), records)?;
        let owned = self.owned.get_mut(&partition).expect("appends go to partitions this coordinator owns");
        owned.own_from.get_or_insert(last - count + 1);
        let previous = self.pending.insert((partition, last), write);
        assert!(previous.is_none(), "offset {last} of {CONSUMER_OFFSETS}-{partition} was appended twice");
        Self::set_timer(ctx, OFFSETS_COMMIT_TIMEOUT_MS, GroupTimer::WriteTimeout { partition, offset: last });
        Ok(())
    }

    fn complete_write(
        &mut self,
        ctx: &mut Ctx,
        host: &mut dyn CoordinatorHost,
        write: PendingWrite,
        result: Result<(), KafkaError>,
    ) {
        match write {
            PendingWrite::Offsets { group, responder, client, offsets, refused } => {
                self.complete_offset_commit(ctx, &group, responder, client, offsets, refused, result)
            }
            PendingWrite::Assignment { group, generation, assignment } => {
                self.complete_assignment_write(ctx, host, &group, generation, assignment, result)
            }
            PendingWrite::StaticRejoin { group, rejoin } => self.complete_static_rejoin(ctx, &group, rejoin, result),
            PendingWrite::EmptyGeneration => {}
        }
    }
}

/// `__consumer_offsets-<partition>`.
pub fn offsets_tp(partition: PartitionId) -> TopicPartition {
    TopicPartition::new(CONSUMER_OFFSETS, partition)
}

/// FindCoordinator, answered by any broker from its metadata image: the
/// leader of the key's partition of the internal topic, or
/// COORDINATOR_NOT_AVAILABLE while that partition has no leader (or the topic
/// does not exist yet).
pub fn find_coordinator(
    image: &MetadataImage,
    config: &BrokerConfig,
    request: &FindCoordinatorRequest,
) -> FindCoordinatorResponse {
    let (topic, configured) = match request.key_type {
        CoordinatorType::Group => (CONSUMER_OFFSETS, config.offsets_topic_num_partitions),
        CoordinatorType::Transaction => (TRANSACTION_STATE, config.transaction_state_log_num_partitions),
    };
    let not_available = FindCoordinatorResponse { error: Some(KafkaError::CoordinatorNotAvailable), node_id: -1 };
    let Some(topic) = image.topics.get(topic) else {
        return not_available;
    };
    let count = if topic.partitions.is_empty() { configured } else { topic.partitions.len() as i32 };
    let partition = coordinator_partition_for(&request.key, count);
    let leader = topic
        .partitions
        .get(partition as usize)
        .and_then(|p| p.leader)
        .filter(|leader| image.brokers.get(leader).is_some_and(|b| !b.fenced));
    match leader {
        Some(node_id) => FindCoordinatorResponse { error: None, node_id },
        None => not_available,
    }
}
