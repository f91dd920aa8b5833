//! The consumer side of the classic group protocol (Java's
//! `AbstractCoordinator` / `ConsumerCoordinator`).
//!
//! - FindCoordinator: which broker coordinates the group (also needed in
//!   assign mode with a `group.id`, for offsets).
//! - JoinGroup: a first join carries no member id; the coordinator answers
//!   `MEMBER_ID_REQUIRED` with one and the member joins again with it
//!   (KIP-394). Static members (`group.instance.id`, KIP-345) get theirs at once.
//! - The coordinator's JoinGroup response names a *leader*: that consumer
//!   runs the assignor over every member's subscription (the assignment is
//!   computed client side, as in Kafka) and sends the result in SyncGroup;
//!   every member learns its own partitions from the SyncGroup response.
//! - Heartbeat every `heartbeat.interval.ms`, in the background.
//!   `REBALANCE_IN_PROGRESS` asks the member to rejoin; it does at its next
//!   `poll()`, so a slow batch delays the rebalance for the whole group.
//! - Rebalance protocol: *eager* unless every configured assignor is
//!   cooperative (Java's rule: the default `[range, cooperative-sticky]` is
//!   eager). Eager revokes everything before rejoining (committing first
//!   when auto-commit is on). Cooperative keeps its partitions, gives up only
//!   those the new assignment takes away, and then rejoins once more so the
//!   leader can hand them to their new owner (KIP-429).
//! - `max.poll.interval.ms` exceeded: the member leaves the group
//!   (LeaveGroup; static members do not send it) and rejoins at its next poll.
//! - `close()`: LeaveGroup, unless static.

use crate::collections::{VecMap, VecSet};
use crate::engine::config::AssignorName;
use crate::engine::error::KafkaError;
use crate::engine::event::consumer::CommitTrigger;
use crate::engine::event::{ConsumerEvent, GroupEvent};
use crate::engine::group::assignor::{self, MemberSubscription, DEFAULT_GENERATION};
use crate::engine::ids::{BrokerId, TopicPartition};
use crate::engine::node::{Ctx, Timer};
use crate::engine::protocol::{
    CoordinatorType, FindCoordinatorRequest, FindCoordinatorResponse, HeartbeatRequest, HeartbeatResponse,
    JoinGroupProtocol, JoinGroupRequest, JoinGroupResponse, LeaveGroupRequest, Request, Subscription,
    SyncGroupAssignment, SyncGroupRequest, SyncGroupResponse,
};
use crate::engine::time::Millis;

use super::commits::CommitId;
use super::fetcher::Phase;
use super::requests::Purpose;
use super::{Consumer, ConsumerTimer};

/// Java's `JOIN_GROUP_TIMEOUT_LAPSE`: a JoinGroup may wait for the whole
/// rebalance, so its timeout is the rebalance timeout plus this.
const JOIN_GROUP_TIMEOUT_LAPSE_MS: Millis = 5_000;

/// How partitions move in a rebalance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RebalanceProtocol {
    /// Revoke everything, rejoin, get a new assignment.
    Eager,
    /// Keep what stays; give up only what moves (KIP-429).
    Cooperative,
}

impl RebalanceProtocol {
    /// Java's `ConsumerCoordinator`: the protocol every configured assignor supports.
    pub fn for_assignors(assignors: &[AssignorName]) -> Self {
        if !assignors.is_empty() && assignors.iter().all(|a| a.is_cooperative()) {
            RebalanceProtocol::Cooperative
        } else {
            RebalanceProtocol::Eager
        }
    }
}

/// Where the member is in the protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum MemberState {
    /// Not in the current generation (or the coordinator asked to rejoin and
    /// the rejoin has not begun): joins at the next poll.
    Unjoined,
    /// Eager rejoin: committing before revoking everything.
    PreparingJoin { commit: CommitId },
    /// JoinGroup sent.
    Joining,
    /// SyncGroup sent.
    Syncing,
    /// Has its generation's assignment.
    Stable,
}

/// The consumer's group: coordinator, and (subscribe mode) membership.
#[derive(Debug, Clone)]
pub(super) struct GroupClient {
    pub group_id: String,
    pub coordinator: Option<BrokerId>,
    pub find_in_flight: bool,
    pub coordinator_retry_at: Millis,
    /// Subscribe mode: the topics. `None` in assign mode (the group holds offsets only).
    pub subscription: Option<Vec<String>>,
    pub group_instance_id: Option<String>,
    pub protocol: RebalanceProtocol,
    pub member_id: String,
    pub generation: i32,
    pub state: MemberState,
    /// The assignor the coordinator chose.
    pub assignor: Option<AssignorName>,
    pub leader_id: Option<String>,
    /// Partitions owned now.
    pub owned: Vec<TopicPartition>,
    /// The last assignment and its generation, sent in JoinGroup for the
    /// sticky assignors (eager members own nothing when they rejoin).
    pub last_assignment: Vec<TopicPartition>,
    pub last_assignment_generation: i32,
    /// Why the member must rejoin, when it must.
    pub rejoin_reason: Option<String>,
    pub join_retry_at: Millis,
    pub heartbeat_in_flight: bool,
    pub heartbeat_token: u64,
    /// Leader only: partition counts of the group's topics when it assigned.
    pub assigned_with: Option<VecMap<String, i32>>,
    pub rebalances: u64,
}

impl GroupClient {
    pub fn new(
        group_id: String,
        subscription: Option<Vec<String>>,
        group_instance_id: Option<String>,
        assignors: &[AssignorName],
    ) -> Self {
        GroupClient {
            group_id,
            coordinator: None,
            find_in_flight: false,
            coordinator_retry_at: 0,
            subscription,
            group_instance_id,
            protocol: RebalanceProtocol::for_assignors(assignors),
            member_id: String::new(),
            generation: DEFAULT_GENERATION,
            state: MemberState::Unjoined,
            assignor: None,
            leader_id: None,
            owned: Vec::new(),
            last_assignment: Vec::new(),
            last_assignment_generation: DEFAULT_GENERATION,
            rejoin_reason: Some("joining the group for the first time".into()),
            join_retry_at: 0,
            heartbeat_in_flight: false,
            heartbeat_token: 0,
            assigned_with: None,
            rebalances: 0,
        }
    }

    /// Whether the group manages the assignment (subscribe mode).
    pub fn is_managed(&self) -> bool {
        self.subscription.is_some()
    }

    pub fn instance_id(&self) -> Option<&str> {
        self.group_instance_id.as_deref()
    }

    pub fn is_leader(&self) -> bool {
        !self.member_id.is_empty() && self.leader_id.as_deref() == Some(self.member_id.as_str())
    }

    /// Java's `resetGenerationOnResponseError`: out of the generation; the
    /// member id goes too unless only the generation was stale.
    fn reset_generation(&mut self, keep_member_id: bool) {
        self.generation = DEFAULT_GENERATION;
        if !keep_member_id {
            self.member_id.clear();
        }
        self.state = MemberState::Unjoined;
        self.leader_id = None;
        self.assigned_with = None;
    }
}

impl Consumer {
    fn group_mut(&mut self) -> &mut GroupClient {
        self.group.as_mut().expect("only a consumer with a group.id has a group")
    }

    /// Sends FindCoordinator if the group's coordinator is unknown.
    pub(super) fn find_coordinator_if_needed(&mut self, ctx: &mut Ctx) {
        let Some(group) = &self.group else { return };
        if group.coordinator.is_some() || group.find_in_flight || ctx.now < group.coordinator_retry_at {
            return;
        }
        let Some(broker) = self.metadata.pick_broker() else { return };
        let request = FindCoordinatorRequest { key: group.group_id.clone(), key_type: CoordinatorType::Group };
        let timeout = self.config.request_timeout_ms;
        self.requests.send(ctx, broker, Request::FindCoordinator(request), Purpose::FindCoordinator, timeout);
        self.group_mut().find_in_flight = true;
    }

    pub(super) fn on_find_coordinator_response(&mut self, ctx: &mut Ctx, response: FindCoordinatorResponse) {
        let backoff = self.config.retry_backoff_ms;
        let client = self.id;
        let group = self.group_mut();
        group.find_in_flight = false;
        if response.error.is_some() || response.node_id < 0 {
            group.coordinator_retry_at = ctx.now + backoff;
            return;
        }
        group.coordinator = Some(response.node_id);
        let group_id = group.group_id.clone();
        ctx.emit(ConsumerEvent::CoordinatorDiscovered { client, group: group_id, coordinator: response.node_id });
    }

    pub(super) fn on_find_coordinator_failed(&mut self, ctx: &mut Ctx, broker: BrokerId) {
        let backoff = self.config.retry_backoff_ms;
        self.metadata.broker_failed(broker);
        let group = self.group_mut();
        group.find_in_flight = false;
        group.coordinator_retry_at = ctx.now + backoff;
    }

    /// Java's `markCoordinatorUnknown`: look it up again before the next group request.
    pub(super) fn coordinator_unknown(&mut self, ctx: &mut Ctx) {
        let backoff = self.config.retry_backoff_ms;
        if let Some(group) = &mut self.group {
            if group.coordinator.take().is_some() {
                group.coordinator_retry_at = ctx.now + backoff;
            }
        }
    }

    /// Called at every poll in subscribe mode: begins a (re)join when one is due.
    pub(super) fn ensure_active_group(&mut self, ctx: &mut Ctx) {
        let Some(group) = &self.group else { return };
        if !group.is_managed() || group.coordinator.is_none() || ctx.now < group.join_retry_at {
            return;
        }
        let due = match group.state {
            MemberState::Unjoined => true,
            MemberState::Stable => group.rejoin_reason.is_some(),
            _ => false,
        };
        if due {
            self.start_join(ctx);
        }
    }

    fn start_join(&mut self, ctx: &mut Ctx) {
        let group = self.group.as_ref().expect("checked by the caller");
        if group.protocol == RebalanceProtocol::Eager && !group.owned.is_empty() {
            // onJoinPrepare: commit (auto-commit) while still in the generation, then revoke everything.
            if group.state == MemberState::Stable && self.auto_commit_enabled() {
                let offsets = self.stored_offsets_to_commit();
                if let Some(commit) = self.commit(ctx, CommitTrigger::Revoke, offsets) {
                    self.group_mut().state = MemberState::PreparingJoin { commit };
                    return;
                }
            }
            self.revoke(ctx, None);
        }
        self.send_join_group(ctx);
    }

    /// The revoke commit of an eager rejoin finished (either way): revoke and join.
    pub(super) fn on_prepare_commit_done(&mut self, ctx: &mut Ctx) {
        self.revoke(ctx, None);
        self.send_join_group(ctx);
    }

    fn send_join_group(&mut self, ctx: &mut Ctx) {
        let session_timeout_ms = self.config.session_timeout_ms;
        let rebalance_timeout_ms = self.config.max_poll_interval_ms;
        let timeout = self.config.request_timeout_ms.max(rebalance_timeout_ms + JOIN_GROUP_TIMEOUT_LAPSE_MS);
        let assignors = self.config.partition_assignment_strategy.clone();
        let client = self.id;
        let client_id =
            if self.config.client_id.is_empty() { self.name.clone() } else { self.config.client_id.clone() };
        let group = self.group_mut();
        let Some(coordinator) = group.coordinator else {
            group.state = MemberState::Unjoined;
            return;
        };
        let reason = group.rejoin_reason.take().unwrap_or_else(|| "rejoining the group".into());
        let (owned, owned_generation) = match group.protocol {
            RebalanceProtocol::Cooperative => (group.owned.clone(), group.last_assignment_generation),
            RebalanceProtocol::Eager => (group.last_assignment.clone(), group.last_assignment_generation),
        };
        let metadata = Subscription {
            topics: group.subscription.clone().expect("subscribe mode"),
            owned_partitions: owned,
            generation_id: owned_generation,
        };
        let request = JoinGroupRequest {
            group_id: group.group_id.clone(),
            client_id,
            session_timeout_ms,
            rebalance_timeout_ms,
            member_id: group.member_id.clone(),
            group_instance_id: group.group_instance_id.clone(),
            protocol_type: "consumer".into(),
            protocols: assignors
                .iter()
                .map(|a| JoinGroupProtocol { name: a.protocol_name().into(), metadata: metadata.clone() })
                .collect(),
            reason: Some(reason.clone()),
        };
        group.state = MemberState::Joining;
        let event = ConsumerEvent::JoiningGroup {
            client,
            group: group.group_id.clone(),
            member_id: group.member_id.clone(),
            reason,
        };
        ctx.emit(event);
        self.requests.send(ctx, coordinator, Request::JoinGroup(request), Purpose::JoinGroup, timeout);
    }

    pub(super) fn on_join_group_response(&mut self, ctx: &mut Ctx, response: JoinGroupResponse) {
        if self.group.as_ref().is_none_or(|g| g.state != MemberState::Joining) {
            return;
        }
        let backoff = self.config.retry_backoff_ms;
        if let Some(error) = response.error {
            let group = self.group_mut();
            group.state = MemberState::Unjoined;
            match error {
                KafkaError::MemberIdRequired => {
                    group.member_id = response.member_id;
                    group.rejoin_reason = Some("need to re-join with the given member-id".into());
                    self.send_join_group(ctx);
                }
                KafkaError::UnknownMemberId | KafkaError::IllegalGeneration => {
                    group.reset_generation(error == KafkaError::IllegalGeneration);
                    group.rejoin_reason = Some(format!("rejoining after {error}"));
                    self.send_join_group(ctx);
                }
                KafkaError::NotCoordinator | KafkaError::CoordinatorNotAvailable => {
                    group.rejoin_reason = Some(format!("rejoining after {error}"));
                    self.coordinator_unknown(ctx);
                }
                KafkaError::RebalanceInProgress | KafkaError::CoordinatorLoadInProgress => {
                    group.rejoin_reason = Some(format!("rejoining after {error}"));
                    group.join_retry_at = ctx.now + backoff;
                }
                fatal => self.fail(ctx, fatal, "JoinGroup failed"),
            }
            return;
        }
        let group = self.group_mut();
        group.member_id = response.member_id.clone();
        group.generation = response.generation_id;
        group.leader_id = Some(response.leader.clone());
        group.assignor = response.protocol_name.as_deref().and_then(assignor_by_name);
        group.state = MemberState::Syncing;
        let assignments = if group.is_leader() { self.run_assignor(ctx, &response) } else { Vec::new() };
        let group = self.group.as_ref().expect("subscribe mode");
        let request = SyncGroupRequest {
            group_id: group.group_id.clone(),
            generation_id: group.generation,
            member_id: group.member_id.clone(),
            group_instance_id: group.group_instance_id.clone(),
            assignments,
        };
        match group.coordinator {
            Some(coordinator) => {
                let timeout = self.config.request_timeout_ms;
                self.requests.send(ctx, coordinator, Request::SyncGroup(request), Purpose::SyncGroup, timeout);
                self.schedule_heartbeat(ctx);
            }
            None => self.group_mut().state = MemberState::Unjoined,
        }
    }

    /// The leader's job: run the chosen assignor over the JoinGroup members.
    fn run_assignor(&mut self, ctx: &mut Ctx, response: &JoinGroupResponse) -> Vec<SyncGroupAssignment> {
        let group = self.group.as_ref().expect("subscribe mode");
        let name = group.assignor.unwrap_or(self.config.partition_assignment_strategy[0]);
        let members: Vec<MemberSubscription> =
            response.members.iter().map(MemberSubscription::from_join_member).collect();
        let topics: VecSet<&String> = members.iter().flat_map(|m| m.topics.iter()).collect();
        let counts: VecMap<String, i32> =
            topics.into_iter().filter_map(|t| self.metadata.partition_counts.get(t).map(|c| (t.clone(), *c))).collect();
        let assignment = if group.protocol == RebalanceProtocol::Cooperative && name.is_cooperative() {
            assignor::assign_cooperative(&members, &counts).assignment
        } else {
            assignor::assign(name, &members, &counts)
        };
        let event = GroupEvent::AssignmentComputed {
            group: group.group_id.clone(),
            client: self.id,
            generation: response.generation_id,
            protocol: name.protocol_name().into(),
            assignments: assignment.iter().map(|(m, p)| (m.clone(), p.clone())).collect(),
        };
        ctx.emit(event);
        self.group_mut().assigned_with = Some(counts);
        assignment.into_iter().map(|(member_id, partitions)| SyncGroupAssignment { member_id, partitions }).collect()
    }

    pub(super) fn on_sync_group_response(&mut self, ctx: &mut Ctx, response: SyncGroupResponse) {
        if self.group.as_ref().is_none_or(|g| g.state != MemberState::Syncing) {
            return;
        }
        if let Some(error) = response.error {
            let group = self.group_mut();
            group.state = MemberState::Unjoined;
            group.rejoin_reason = Some(format!("rejoining after SyncGroup {error}"));
            match error {
                KafkaError::RebalanceInProgress => {}
                KafkaError::UnknownMemberId | KafkaError::IllegalGeneration => {
                    group.reset_generation(error == KafkaError::IllegalGeneration);
                }
                KafkaError::NotCoordinator | KafkaError::CoordinatorNotAvailable => self.coordinator_unknown(ctx),
                KafkaError::FencedInstanceId => self.fail(ctx, error, "SyncGroup failed"),
                _ => {
                    let backoff = self.config.retry_backoff_ms;
                    self.group_mut().join_retry_at = ctx.now + backoff;
                }
            }
            return;
        }
        self.apply_assignment(ctx, response.assignment);
    }

    /// The generation's assignment arrived: revoke what went away
    /// (cooperative), take on what is new, fetch committed offsets for it.
    fn apply_assignment(&mut self, ctx: &mut Ctx, mut assignment: Vec<TopicPartition>) {
        crate::sort::sort(&mut assignment);
        assignment.dedup();
        let group = self.group.as_ref().expect("subscribe mode");
        let owned: VecSet<TopicPartition> = group.owned.iter().cloned().collect();
        let new: VecSet<TopicPartition> = assignment.iter().cloned().collect();
        let revoked: Vec<TopicPartition> = owned.difference(&new).cloned().collect();
        let added: Vec<TopicPartition> = new.difference(&owned).cloned().collect();
        let cooperative = group.protocol == RebalanceProtocol::Cooperative;
        if !revoked.is_empty() {
            // Eager members own nothing here; cooperative ones give up what moves, then rejoin.
            if self.auto_commit_enabled() {
                let offsets: Vec<_> =
                    self.stored_offsets_to_commit().into_iter().filter(|(tp, _)| revoked.contains(tp)).collect();
                // The new generation is stable once this returns; commit on its behalf.
                self.group_mut().state = MemberState::Stable;
                self.commit(ctx, CommitTrigger::Revoke, offsets);
            }
            self.revoke(ctx, Some(&revoked));
            if cooperative {
                self.group_mut().rejoin_reason = Some("revoked partitions must move to their new owner".into());
            }
        }
        let client = self.id;
        let group = self.group_mut();
        group.state = MemberState::Stable;
        group.owned = assignment.clone();
        group.last_assignment = assignment.clone();
        group.last_assignment_generation = group.generation;
        group.rebalances += 1;
        let event = GroupEvent::AssignmentReceived {
            group: group.group_id.clone(),
            client,
            generation: group.generation,
            partitions: assignment,
        };
        ctx.emit(event);
        for tp in added {
            self.fetcher.assign(tp, Phase::AwaitingCommitted);
        }
        self.counters.rebalances += 1;
    }

    /// Gives up `partitions` (all owned when `None`): onPartitionsRevoked.
    pub(super) fn revoke(&mut self, ctx: &mut Ctx, partitions: Option<&[TopicPartition]>) {
        let client = self.id;
        let group = self.group_mut();
        let revoked: Vec<TopicPartition> = match partitions {
            None => std::mem::take(&mut group.owned),
            Some(list) => {
                group.owned.retain(|tp| !list.contains(tp));
                list.to_vec()
            }
        };
        if revoked.is_empty() {
            return;
        }
        let event =
            GroupEvent::PartitionsRevoked { group: group.group_id.clone(), client, partitions: revoked.clone() };
        ctx.emit(event);
        for tp in &revoked {
            self.fetcher.remove(tp);
        }
    }

    /// onPartitionsLost: the partitions are someone else's already; no commit.
    fn lose_partitions(&mut self, ctx: &mut Ctx) {
        let client = self.id;
        let group = self.group_mut();
        let lost = std::mem::take(&mut group.owned);
        if lost.is_empty() {
            return;
        }
        let event = GroupEvent::PartitionsLost { group: group.group_id.clone(), client, partitions: lost.clone() };
        ctx.emit(event);
        for tp in &lost {
            self.fetcher.remove(tp);
        }
    }

    /// The coordinator says this member's generation (or member id) is
    /// gone: its partitions are lost, and it rejoins at its next poll.
    pub(super) fn generation_fenced(&mut self, ctx: &mut Ctx, error: KafkaError) {
        let Some(group) = &mut self.group else { return };
        if !group.is_managed() {
            return;
        }
        group.reset_generation(error == KafkaError::IllegalGeneration);
        group.rejoin_reason = Some(format!("rejoining after {error}"));
        self.lose_partitions(ctx);
    }

    /// Arms the next heartbeat; any earlier heartbeat timer becomes stale.
    fn schedule_heartbeat(&mut self, ctx: &mut Ctx) {
        let interval = self.config.heartbeat_interval_ms;
        let group = self.group_mut();
        group.heartbeat_token += 1;
        let token = group.heartbeat_token;
        ctx.set_timer(interval, Timer::Consumer(ConsumerTimer::Heartbeat { token }));
    }

    pub(super) fn on_heartbeat_timer(&mut self, ctx: &mut Ctx, token: u64) {
        let Some(group) = &self.group else { return };
        if token != group.heartbeat_token || !self.lifecycle.is_member() {
            return;
        }
        // Java's heartbeat thread beats while the member has joined (not while a JoinGroup is out).
        let beating =
            matches!(group.state, MemberState::Syncing | MemberState::Stable | MemberState::PreparingJoin { .. });
        if !beating {
            return;
        }
        if let (Some(coordinator), false) = (group.coordinator, group.heartbeat_in_flight) {
            let request = HeartbeatRequest {
                group_id: group.group_id.clone(),
                generation_id: group.generation,
                member_id: group.member_id.clone(),
                group_instance_id: group.group_instance_id.clone(),
            };
            let generation = group.generation;
            let timeout = self.config.request_timeout_ms;
            self.requests.send(
                ctx,
                coordinator,
                Request::Heartbeat(request),
                Purpose::Heartbeat { generation },
                timeout,
            );
            self.group_mut().heartbeat_in_flight = true;
        }
        self.schedule_heartbeat(ctx);
    }

    pub(super) fn on_heartbeat_response(&mut self, ctx: &mut Ctx, generation: i32, response: HeartbeatResponse) {
        let Some(group) = &mut self.group else { return };
        group.heartbeat_in_flight = false;
        if generation != group.generation {
            return; // about a generation the member has moved on from
        }
        match response.error {
            None => {}
            Some(KafkaError::RebalanceInProgress)
                if group.state == MemberState::Stable && group.rejoin_reason.is_none() =>
            {
                group.rejoin_reason = Some("the group is rebalancing (REBALANCE_IN_PROGRESS)".into());
            }
            Some(error @ (KafkaError::IllegalGeneration | KafkaError::UnknownMemberId)) => {
                self.generation_fenced(ctx, error);
            }
            Some(KafkaError::FencedInstanceId) => {
                self.fail(ctx, KafkaError::FencedInstanceId, "another consumer with the same group.instance.id joined")
            }
            Some(KafkaError::NotCoordinator | KafkaError::CoordinatorNotAvailable) => self.coordinator_unknown(ctx),
            Some(_) => {}
        }
    }

    pub(super) fn on_heartbeat_failed(&mut self, ctx: &mut Ctx) {
        if let Some(group) = &mut self.group {
            group.heartbeat_in_flight = false;
        }
        self.coordinator_unknown(ctx);
    }

    /// A JoinGroup or SyncGroup got no answer: find the coordinator and rejoin.
    pub(super) fn on_join_or_sync_failed(&mut self, ctx: &mut Ctx) {
        if let Some(group) = &mut self.group {
            if matches!(group.state, MemberState::Joining | MemberState::Syncing) {
                group.state = MemberState::Unjoined;
                group.rejoin_reason = Some("rejoining after the coordinator did not answer".into());
            }
        }
        self.coordinator_unknown(ctx);
    }

    /// The application took longer than `max.poll.interval.ms` between polls.
    pub(super) fn on_poll_timeout(&mut self, ctx: &mut Ctx) {
        let reason = format!(
            "consumer poll timeout has expired: the time between subsequent calls to poll() was longer than \
             the configured max.poll.interval.ms ({} ms)",
            self.config.max_poll_interval_ms
        );
        let Some(group) = &self.group else { return };
        if !group.is_managed() || matches!(group.state, MemberState::Unjoined) {
            return;
        }
        self.leave_group(ctx, &reason);
        self.lose_partitions(ctx);
        let group = self.group_mut();
        group.reset_generation(false);
        group.rejoin_reason = Some("rejoining after max.poll.interval.ms was exceeded".into());
    }

    /// Sends LeaveGroup (dynamic members only, as the Java client) and says so.
    pub(super) fn leave_group(&mut self, ctx: &mut Ctx, reason: &str) {
        let client = self.id;
        let Some(group) = &self.group else { return };
        if !group.is_managed() || group.member_id.is_empty() {
            return;
        }
        let dynamic = group.group_instance_id.is_none();
        let send_to = group.coordinator.filter(|_| dynamic);
        let event = ConsumerEvent::LeftGroup {
            client,
            group: group.group_id.clone(),
            member_id: group.member_id.clone(),
            reason: reason.to_string(),
            sent_leave_group: send_to.is_some(),
        };
        if let Some(coordinator) = send_to {
            let request = LeaveGroupRequest {
                group_id: group.group_id.clone(),
                member_id: group.member_id.clone(),
                group_instance_id: None,
                reason: Some(reason.to_string()),
            };
            self.requests.send_and_forget(ctx, coordinator, Request::LeaveGroup(request));
        }
        ctx.emit(event);
    }

    /// Leader only: a metadata refresh changed the partition count of a group topic: rebalance.
    pub(super) fn check_metadata_for_rejoin(&mut self) {
        let counts = &self.metadata.partition_counts;
        let Some(group) = &mut self.group else { return };
        if !group.is_leader() || group.state != MemberState::Stable || group.rejoin_reason.is_some() {
            return;
        }
        let Some(assigned_with) = &group.assigned_with else { return };
        let subscribed = group.subscription.as_deref().unwrap_or_default();
        let changed = assigned_with.iter().any(|(t, c)| counts.get(t) != Some(c))
            || subscribed.iter().any(|t| !assigned_with.contains_key(t) && counts.contains_key(t));
        if changed {
            group.rejoin_reason = Some("cached metadata has changed: a group topic's partitions changed".into());
        }
    }
}

/// The assignor for a protocol name from the coordinator.
fn assignor_by_name(name: &str) -> Option<AssignorName> {
    [AssignorName::Range, AssignorName::RoundRobin, AssignorName::Sticky, AssignorName::CooperativeSticky]
        .into_iter()
        .find(|a| a.protocol_name() == name)
}
