//! JoinGroup (11), SyncGroup (14), Heartbeat (12), LeaveGroup (13), and the
//! rebalance they drive, as Kafka's classic `GroupCoordinator` does it:
//!
//! 1. A member joins (or rejoins, or leaves, or its session expires): the
//!    group goes to `PreparingRebalance`. Members learn of it from their
//!    heartbeat (REBALANCE_IN_PROGRESS) and send JoinGroup, which is parked.
//! 2. When every known member has rejoined, or the rebalance timeout (the
//!    largest `max.poll.interval.ms`) expires, members that did not rejoin
//!    are removed, the generation is bumped, an assignor every member
//!    supports is chosen, and the parked JoinGroups are answered: the leader
//!    gets every member's subscription. The group is `CompletingRebalance`.
//! 3. The leader computes the assignment and sends it in SyncGroup; the
//!    coordinator writes it to `__consumer_offsets` and, once replicated,
//!    answers every parked SyncGroup with the member's share: `Stable`.
//!
//! A crashed consumer sends nothing: it stays a member (holding its
//! partitions) until `session.timeout.ms` passes without a heartbeat. A
//! closing consumer sends LeaveGroup and the rebalance starts at once.

use std::collections::BTreeMap;

use rand::RngCore;

use super::group::{Group, GroupState, JoinDelay, JoinDelayKind, Member};
use super::group_record::{self, GroupMetadataValue, MemberMetadataValue};
use super::{GroupCoordinator, GroupTimer, PendingWrite, Responder, StaticRejoin, NEW_MEMBER_JOIN_TIMEOUT_MS};
use crate::engine::broker::host::CoordinatorHost;
use crate::engine::error::KafkaError;
use crate::engine::event::GroupEvent;
use crate::engine::ids::{NodeId, TopicPartition};
use crate::engine::node::Ctx;
use crate::engine::protocol::group::{
    HeartbeatRequest, HeartbeatResponse, JoinGroupProtocol, JoinGroupRequest, JoinGroupResponse, LeaveGroupRequest,
    LeaveGroupResponse, Subscription, SyncGroupRequest, SyncGroupResponse,
};
use crate::engine::protocol::Response;

/// `JoinGroupRequest.UNKNOWN_GENERATION_ID`.
const UNKNOWN_GENERATION: i32 = -1;

fn join_error(ctx: &mut Ctx, responder: Responder, member_id: &str, error: KafkaError) {
    responder.respond(
        ctx,
        Response::JoinGroup(JoinGroupResponse {
            error: Some(error),
            generation_id: UNKNOWN_GENERATION,
            protocol_name: None,
            leader: String::new(),
            member_id: member_id.to_string(),
            members: Vec::new(),
        }),
    );
}

fn sync_error(ctx: &mut Ctx, responder: Responder, error: KafkaError) {
    responder.respond(
        ctx,
        Response::SyncGroup(SyncGroupResponse { error: Some(error), protocol_name: None, assignment: Vec::new() }),
    );
}

fn heartbeat_response(ctx: &mut Ctx, responder: Responder, error: Option<KafkaError>) {
    responder.respond(ctx, Response::Heartbeat(HeartbeatResponse { error }));
}

/// A version-4 UUID from the engine's RNG, as Java's `UUID.randomUUID().toString()` prints one.
fn random_uuid(ctx: &mut Ctx) -> String {
    let hi = (ctx.rng.next_u64() & !0xf000) | 0x4000;
    let lo = (ctx.rng.next_u64() & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xffff,
        lo >> 48,
        lo & 0xffff_ffff_ffff
    )
}

/// How a failed write of group metadata reaches the client (`storeGroup`'s error mapping).
pub(super) fn map_group_store_error(error: KafkaError) -> KafkaError {
    match error {
        KafkaError::UnknownTopicOrPartition
        | KafkaError::NotEnoughReplicas
        | KafkaError::NotEnoughReplicasAfterAppend
        | KafkaError::RequestTimedOut => KafkaError::CoordinatorNotAvailable,
        KafkaError::NotLeaderOrFollower => KafkaError::NotCoordinator,
        KafkaError::MessageTooLarge | KafkaError::RecordListTooLarge => KafkaError::UnknownServerError,
        other => other,
    }
}

/// The group as Kafka persists it, with `assignment` as each member's share.
pub(super) fn group_metadata_value(
    group: &Group,
    assignment: &BTreeMap<String, Vec<TopicPartition>>,
) -> GroupMetadataValue {
    let protocol = group.protocol.as_deref();
    GroupMetadataValue {
        protocol_type: group.protocol_type.clone().unwrap_or_default(),
        generation: group.generation,
        protocol: group.protocol.clone(),
        leader: group.leader.clone(),
        current_state_timestamp: group.state_since_ms,
        members: group
            .members
            .iter()
            .map(|m| MemberMetadataValue {
                member_id: m.member_id.clone(),
                group_instance_id: m.group_instance_id.clone(),
                client_id: m.client_id.clone(),
                client_host: m.client_host.clone(),
                rebalance_timeout_ms: m.rebalance_timeout_ms as i32,
                session_timeout_ms: m.session_timeout_ms as i32,
                subscription: protocol.and_then(|p| m.metadata(p)).cloned().unwrap_or(Subscription {
                    topics: Vec::new(),
                    owned_partitions: Vec::new(),
                    generation_id: -1,
                }),
                assignment: assignment.get(&m.member_id).cloned().unwrap_or_default(),
            })
            .collect(),
    }
}

impl GroupCoordinator {
    // ---------------------------------------------------------------- JoinGroup

    pub(super) fn handle_join_group(
        &mut self,
        ctx: &mut Ctx,
        host: &mut dyn CoordinatorHost,
        responder: Responder,
        request: JoinGroupRequest,
    ) {
        let partition = match self.group_status(host, &request.group_id, false) {
            Ok(partition) => partition,
            Err(error) => return join_error(ctx, responder, &request.member_id, error),
        };
        let timeout = request.session_timeout_ms;
        if timeout < self.config.group_min_session_timeout_ms || timeout > self.config.group_max_session_timeout_ms {
            return join_error(ctx, responder, &request.member_id, KafkaError::InvalidSessionTimeout);
        }
        let unknown_member = request.member_id.is_empty();
        if !self.groups.contains_key(&request.group_id) {
            if !unknown_member {
                // A member id for a group this coordinator does not have: it
                // expired, or the coordinator moved and lost it.
                return join_error(ctx, responder, &request.member_id, KafkaError::UnknownMemberId);
            }
            self.groups.insert(request.group_id.clone(), Group::new(&request.group_id, partition, ctx.now));
        }
        let group_id = request.group_id.clone();
        self.with_group(&group_id, |me, group| {
            if unknown_member {
                me.join_new_member(ctx, host, group, responder, request);
            } else {
                me.join_current_member(ctx, host, group, responder, request);
            }
            if group.is(GroupState::PreparingRebalance) {
                me.try_complete_join(ctx, host, group);
            }
        });
    }

    /// `doNewMemberJoinGroup`: a JoinGroup without a member id.
    fn join_new_member(
        &mut self,
        ctx: &mut Ctx,
        host: &mut dyn CoordinatorHost,
        group: &mut Group,
        responder: Responder,
        request: JoinGroupRequest,
    ) {
        if !group.supports_protocols(&request.protocol_type, &request.protocols) {
            return join_error(ctx, responder, "", KafkaError::InconsistentGroupProtocol);
        }
        let member_id = format!("{}-{}", client_id_of(&request, responder), random_uuid(ctx));
        match request.group_instance_id.clone() {
            Some(instance_id) => match group.static_member(&instance_id).map(str::to_string) {
                // A static member restarted: it takes over its old membership.
                Some(old_member_id) => {
                    self.update_static_member(ctx, host, group, &old_member_id, member_id, responder, request)
                }
                None => self.add_member_and_rebalance(ctx, host, group, member_id, responder, request),
            },
            None => {
                // KIP-394: a dynamic member must come back with the id, so a
                // client that retries a timed-out JoinGroup cannot leave
                // phantom members behind.
                let token = self.token();
                group.pending_members.insert(member_id.clone(), token);
                Self::set_timer(
                    ctx,
                    request.session_timeout_ms,
                    GroupTimer::PendingMemberExpiry { group: group.id.clone(), member_id: member_id.clone(), token },
                );
                join_error(ctx, responder, &member_id, KafkaError::MemberIdRequired);
            }
        }
    }

    /// `doCurrentMemberJoinGroup`: a JoinGroup with a member id.
    fn join_current_member(
        &mut self,
        ctx: &mut Ctx,
        host: &mut dyn CoordinatorHost,
        group: &mut Group,
        responder: Responder,
        request: JoinGroupRequest,
    ) {
        let member_id = request.member_id.clone();
        if !group.supports_protocols(&request.protocol_type, &request.protocols) {
            return join_error(ctx, responder, &member_id, KafkaError::InconsistentGroupProtocol);
        }
        if group.pending_members.remove(&member_id).is_some() {
            return self.add_member_and_rebalance(ctx, host, group, member_id, responder, request);
        }
        if group.is_static_member_fenced(request.group_instance_id.as_deref(), &member_id) {
            return join_error(ctx, responder, &member_id, KafkaError::FencedInstanceId);
        }
        let Some(member) = group.member_mut(&member_id) else {
            return join_error(ctx, responder, &member_id, KafkaError::UnknownMemberId);
        };
        member.client = responder.client().or(member.client);
        let unchanged = member.matches(&request.protocols);
        match group.state {
            GroupState::PreparingRebalance => self.update_member_and_rebalance(ctx, host, group, responder, request),
            GroupState::CompletingRebalance if unchanged => {
                // A retried JoinGroup whose response was lost: answer it again.
                Self::respond_current_generation(ctx, group, &member_id, responder);
            }
            GroupState::Stable if unchanged && !group.is_leader(&member_id) => {
                Self::respond_current_generation(ctx, group, &member_id, responder);
            }
            // The leader rejoining, or a member whose subscription changed, starts a rebalance.
            GroupState::CompletingRebalance | GroupState::Stable => {
                self.update_member_and_rebalance(ctx, host, group, responder, request)
            }
            GroupState::Empty | GroupState::Dead => join_error(ctx, responder, &member_id, KafkaError::UnknownMemberId),
        }
    }

    fn respond_current_generation(ctx: &mut Ctx, group: &Group, member_id: &str, responder: Responder) {
        let members = if group.is_leader(member_id) { group.current_member_metadata() } else { Vec::new() };
        responder.respond(
            ctx,
            Response::JoinGroup(JoinGroupResponse {
                error: None,
                generation_id: group.generation,
                protocol_name: group.protocol.clone(),
                leader: group.leader.clone().unwrap_or_default(),
                member_id: member_id.to_string(),
                members,
            }),
        );
    }

    /// `addMemberAndRebalance`.
    fn add_member_and_rebalance(
        &mut self,
        ctx: &mut Ctx,
        host: &mut dyn CoordinatorHost,
        group: &mut Group,
        member_id: String,
        responder: Responder,
        request: JoinGroupRequest,
    ) {
        let client = responder.client();
        let member = Member {
            member_id: member_id.clone(),
            group_instance_id: request.group_instance_id.clone(),
            client_id: client_id_of(&request, responder),
            client,
            client_host: format!("/{}", responder.to),
            session_timeout_ms: request.session_timeout_ms,
            rebalance_timeout_ms: request.rebalance_timeout_ms,
            protocol_type: request.protocol_type,
            protocols: request.protocols,
            assignment: Vec::new(),
            awaiting_join: Some(responder),
            awaiting_sync: None,
            is_new: true,
            heartbeat_token: 0,
            last_heartbeat_ms: ctx.now,
            session_deadline_ms: ctx.now,
        };
        // Members joining during the initial delay of a brand-new group extend it.
        if group.is(GroupState::PreparingRebalance) && group.generation == 0 {
            group.new_member_added = true;
        }
        group.add(member);
        ctx.emit(GroupEvent::MemberJoined { group: group.id.clone(), member_id: member_id.clone(), client });
        // The session does not apply while the JoinGroup is parked (the
        // client cannot heartbeat without a generation); a new member gets
        // the longer join timeout instead.
        self.schedule_session_expiry(ctx, group, &member_id, NEW_MEMBER_JOIN_TIMEOUT_MS);
        let instance = request.group_instance_id.map_or(String::new(), |i| format!(" (group.instance.id {i})"));
        let reason = format!("adding new member {member_id}{instance}{}", client_reason(&request.reason));
        self.maybe_prepare_rebalance(ctx, host, group, reason);
    }

    /// `updateMemberAndRebalance`: a known member (re)joins, maybe with a new subscription.
    fn update_member_and_rebalance(
        &mut self,
        ctx: &mut Ctx,
        host: &mut dyn CoordinatorHost,
        group: &mut Group,
        responder: Responder,
        request: JoinGroupRequest,
    ) {
        let member = group.member_mut(&request.member_id).expect("checked by the caller");
        member.protocols = request.protocols;
        member.rebalance_timeout_ms = request.rebalance_timeout_ms;
        member.session_timeout_ms = request.session_timeout_ms;
        // A JoinGroup parked before is superseded (its client gave up on it).
        member.awaiting_join = Some(responder);
        let reason = format!("member {} rejoins{}", request.member_id, client_reason(&request.reason));
        self.maybe_prepare_rebalance(ctx, host, group, reason);
    }

    /// `updateStaticMemberAndRebalance`: a static member came back with a
    /// new member id before its session expired. In a Stable group whose
    /// protocol stays the same it keeps its assignment: no rebalance, only the
    /// new member id is persisted.
    #[allow(clippy::too_many_arguments)]
    fn update_static_member(
        &mut self,
        ctx: &mut Ctx,
        host: &mut dyn CoordinatorHost,
        group: &mut Group,
        old_member_id: &str,
        new_member_id: String,
        responder: Responder,
        request: JoinGroupRequest,
    ) {
        let leader_before = group.leader.clone();
        let (parked_join, parked_sync) = group.replace_static_member(old_member_id, &new_member_id);
        if let Some(old) = parked_join {
            join_error(ctx, old, old_member_id, KafkaError::FencedInstanceId);
        }
        if let Some(old) = parked_sync {
            sync_error(ctx, old, KafkaError::FencedInstanceId);
        }
        let group_id = group.id.clone();
        ctx.emit(GroupEvent::MemberLeft {
            group: group_id.clone(),
            member_id: old_member_id.to_string(),
            reason: "replaced by a new instance with the same group.instance.id".to_string(),
        });
        ctx.emit(GroupEvent::MemberJoined {
            group: group_id.clone(),
            member_id: new_member_id.clone(),
            client: responder.client(),
        });
        self.complete_and_schedule_next_heartbeat(ctx, group, &new_member_id);
        let member = group.member_mut(&new_member_id).expect("just replaced");
        let old_protocols = std::mem::replace(&mut member.protocols, request.protocols);
        member.rebalance_timeout_ms = request.rebalance_timeout_ms;
        member.session_timeout_ms = request.session_timeout_ms;
        member.client = responder.client().or(member.client);
        member.client_host = format!("/{}", responder.to);
        member.awaiting_join = Some(responder);
        match group.state {
            GroupState::Stable => {
                if group.protocol.as_deref() == Some(group.select_protocol().as_str()) {
                    let assignment: BTreeMap<String, Vec<TopicPartition>> =
                        group.members.iter().map(|m| (m.member_id.clone(), m.assignment.clone())).collect();
                    let record =
                        group_record::group_metadata_record(&group_id, &group_metadata_value(group, &assignment));
                    let write = PendingWrite::StaticRejoin {
                        group: group_id.clone(),
                        rejoin: StaticRejoin {
                            old_member_id: old_member_id.to_string(),
                            new_member_id: new_member_id.clone(),
                            old_protocols: old_protocols.clone(),
                            leader_before,
                        },
                    };
                    if let Err(error) = self.append(ctx, host, group.partition, vec![record], write) {
                        Self::revert_static_rejoin(ctx, group, old_member_id, &new_member_id, old_protocols, error);
                    }
                } else {
                    let reason = format!("static member {new_member_id} rejoined with a change of protocol");
                    self.maybe_prepare_rebalance(ctx, host, group, reason);
                }
            }
            // The leader may already hold the old member id in its
            // assignment: start over so the new id gets a share.
            GroupState::CompletingRebalance => {
                let reason = format!("updating metadata for static member {new_member_id}");
                self.prepare_rebalance(ctx, host, group, reason);
            }
            GroupState::PreparingRebalance => {}
            GroupState::Empty | GroupState::Dead => {
                unreachable!("a group with a static member is not {:?}", group.state)
            }
        }
    }

    /// The write that persisted a static member's new id completed.
    pub(super) fn complete_static_rejoin(
        &mut self,
        ctx: &mut Ctx,
        group_id: &str,
        write: StaticRejoin,
        result: Result<(), KafkaError>,
    ) {
        let StaticRejoin { old_member_id, new_member_id, old_protocols, leader_before } = write;
        self.with_group(group_id, |_, group| {
            if !group.has(&new_member_id) {
                return;
            }
            match result {
                Ok(()) => {
                    let member = group.member_mut(&new_member_id).expect("checked above");
                    if let Some(responder) = member.awaiting_join.take() {
                        // The old leader id is returned so that a restarted
                        // leader does not compute an assignment a Stable group
                        // would never send out.
                        responder.respond(
                            ctx,
                            Response::JoinGroup(JoinGroupResponse {
                                error: None,
                                generation_id: group.generation,
                                protocol_name: group.protocol.clone(),
                                leader: leader_before.unwrap_or_default(),
                                member_id: new_member_id.clone(),
                                members: Vec::new(),
                            }),
                        );
                    }
                }
                Err(error) => {
                    Self::revert_static_rejoin(ctx, group, &old_member_id, &new_member_id, old_protocols, error)
                }
            }
        });
    }

    fn revert_static_rejoin(
        ctx: &mut Ctx,
        group: &mut Group,
        old_member_id: &str,
        new_member_id: &str,
        old_protocols: Vec<JoinGroupProtocol>,
        error: KafkaError,
    ) {
        group.member_mut(new_member_id).expect("the static member is still there").protocols = old_protocols;
        let (parked_join, _) = group.replace_static_member(new_member_id, old_member_id);
        if let Some(responder) = parked_join {
            join_error(ctx, responder, "", map_group_store_error(error));
        }
    }

    // ---------------------------------------------------------------- rebalance

    /// `maybePrepareRebalance`: start one unless one is already under way.
    fn maybe_prepare_rebalance(
        &mut self,
        ctx: &mut Ctx,
        host: &mut dyn CoordinatorHost,
        group: &mut Group,
        reason: String,
    ) {
        if group.can_rebalance() {
            self.prepare_rebalance(ctx, host, group, reason);
        }
    }

    /// `prepareRebalance`.
    fn prepare_rebalance(&mut self, ctx: &mut Ctx, host: &mut dyn CoordinatorHost, group: &mut Group, reason: String) {
        // Members waiting in SyncGroup must rejoin instead.
        if group.is(GroupState::CompletingRebalance) {
            Self::reset_and_propagate_assignment_error(ctx, group, KafkaError::RebalanceInProgress);
        }
        group.pending_sync.clear();
        group.sync_token = None;
        let was_empty = group.is(GroupState::Empty);
        group.transition_to(ctx, self.broker_id, GroupState::PreparingRebalance);
        ctx.emit(GroupEvent::RebalanceTriggered { group: group.id.clone(), generation: group.generation, reason });
        let token = self.token();
        if was_empty {
            let configured_ms = self.config.group_initial_rebalance_delay_ms;
            let remaining_ms = (group.rebalance_timeout_ms() - configured_ms).max(0);
            group.join_delay = Some(JoinDelay {
                token,
                kind: JoinDelayKind::Initial { configured_ms, delay_ms: configured_ms, remaining_ms },
            });
            Self::set_timer(ctx, configured_ms, GroupTimer::JoinDeadline { group: group.id.clone(), token });
        } else {
            group.join_delay = Some(JoinDelay { token, kind: JoinDelayKind::Rebalance });
            let timeout = group.rebalance_timeout_ms();
            Self::set_timer(ctx, timeout, GroupTimer::JoinDeadline { group: group.id.clone(), token });
            self.try_complete_join(ctx, host, group);
        }
    }

    /// `DelayedJoin.tryComplete`: the join phase ends early once every
    /// known member rejoined (never during the initial delay).
    fn try_complete_join(&mut self, ctx: &mut Ctx, host: &mut dyn CoordinatorHost, group: &mut Group) {
        let ready = matches!(group.join_delay, Some(JoinDelay { kind: JoinDelayKind::Rebalance, .. }))
            && group.has_all_members_joined();
        if ready {
            group.join_delay = None;
            self.on_complete_join(ctx, host, group);
        }
    }

    pub(super) fn on_join_deadline(
        &mut self,
        ctx: &mut Ctx,
        host: &mut dyn CoordinatorHost,
        group_id: &str,
        token: u64,
    ) {
        self.with_group(group_id, |me, group| {
            let Some(delay) = group.join_delay.clone().filter(|d| d.token == token) else {
                return;
            };
            if let JoinDelayKind::Initial { configured_ms, delay_ms, remaining_ms } = delay.kind {
                if group.new_member_added && remaining_ms != 0 {
                    // `InitialDelayedJoin.onComplete`: members keep arriving, wait a little more.
                    group.new_member_added = false;
                    let delay_ms_next = configured_ms.min(remaining_ms);
                    let remaining_next = (remaining_ms - delay_ms).max(0);
                    let token = me.token();
                    group.join_delay = Some(JoinDelay {
                        token,
                        kind: JoinDelayKind::Initial {
                            configured_ms,
                            delay_ms: delay_ms_next,
                            remaining_ms: remaining_next,
                        },
                    });
                    Self::set_timer(ctx, delay_ms_next, GroupTimer::JoinDeadline { group: group.id.clone(), token });
                    return;
                }
            }
            group.join_delay = None;
            me.on_complete_join(ctx, host, group);
        });
    }

    /// `onCompleteJoin`: the join phase is over.
    fn on_complete_join(&mut self, ctx: &mut Ctx, host: &mut dyn CoordinatorHost, group: &mut Group) {
        assert!(group.is(GroupState::PreparingRebalance), "a join phase ends in PreparingRebalance");
        assert!(group.join_delay.is_none(), "the join delay is consumed before the join completes");
        // Dynamic members that did not rejoin in time are gone (static ones
        // keep their place until their session expires).
        let stragglers: Vec<String> = group
            .not_yet_rejoined()
            .into_iter()
            .filter(|m| m.group_instance_id.is_none())
            .map(|m| m.member_id.clone())
            .collect();
        for member_id in stragglers {
            group.remove(&member_id);
            ctx.emit(GroupEvent::MemberLeft {
                group: group.id.clone(),
                member_id,
                reason: "did not rejoin before the rebalance timeout (max.poll.interval.ms)".to_string(),
            });
        }
        if !group.maybe_elect_new_joined_leader() && !group.members.is_empty() {
            // Only static members that have not rejoined remain: wait for
            // them (or for their sessions to expire).
            let token = self.token();
            group.join_delay = Some(JoinDelay { token, kind: JoinDelayKind::Rebalance });
            let timeout = group.rebalance_timeout_ms();
            Self::set_timer(ctx, timeout, GroupTimer::JoinDeadline { group: group.id.clone(), token });
            return;
        }
        group.init_next_generation(ctx, self.broker_id);
        if group.is(GroupState::Empty) {
            // Persist the empty generation; nobody waits for it (if the write
            // is lost, the previous generation comes back and expires).
            let record = group_record::group_metadata_record(&group.id, &group_metadata_value(group, &BTreeMap::new()));
            let _ = self.append(ctx, host, group.partition, vec![record], PendingWrite::EmptyGeneration);
            return;
        }
        let protocol = group.protocol.clone().expect("a generation with members has a protocol");
        let leader = group.leader.clone().expect("a generation with members has a leader");
        ctx.emit(GroupEvent::Rebalance {
            group: group.id.clone(),
            generation: group.generation,
            protocol: protocol.clone(),
            leader: leader.clone(),
            members: group.members.len() as u32,
        });
        let leader_view = group.current_member_metadata();
        let ids: Vec<String> = group.members.iter().map(|m| m.member_id.clone()).collect();
        for member_id in &ids {
            let member = group.member_mut(member_id).expect("listed above");
            if let Some(responder) = member.awaiting_join.take() {
                responder.respond(
                    ctx,
                    Response::JoinGroup(JoinGroupResponse {
                        error: None,
                        generation_id: group.generation,
                        protocol_name: Some(protocol.clone()),
                        leader: leader.clone(),
                        member_id: member_id.clone(),
                        members: if *member_id == leader { leader_view.clone() } else { Vec::new() },
                    }),
                );
            }
            self.complete_and_schedule_next_heartbeat(ctx, group, member_id);
            group.member_mut(member_id).expect("listed above").is_new = false;
        }
        // `schedulePendingSync`: members must follow up with SyncGroup within the rebalance timeout.
        group.pending_sync = ids.into_iter().collect();
        let token = self.token();
        group.sync_token = Some(token);
        let timeout = group.rebalance_timeout_ms();
        Self::set_timer(
            ctx,
            timeout,
            GroupTimer::SyncDeadline { group: group.id.clone(), generation: group.generation, token },
        );
    }

    pub(super) fn on_sync_deadline(
        &mut self,
        ctx: &mut Ctx,
        host: &mut dyn CoordinatorHost,
        group_id: &str,
        generation: i32,
        token: u64,
    ) {
        self.with_group(group_id, |me, group| {
            if group.sync_token != Some(token) || group.generation != generation {
                return;
            }
            if !matches!(group.state, GroupState::CompletingRebalance | GroupState::Stable)
                || group.pending_sync.is_empty()
            {
                return;
            }
            let missing: Vec<String> = group.pending_sync.iter().cloned().collect();
            for member_id in &missing {
                group.remove(member_id);
                ctx.emit(GroupEvent::MemberLeft {
                    group: group.id.clone(),
                    member_id: member_id.clone(),
                    reason: "did not send SyncGroup before the rebalance timeout".to_string(),
                });
            }
            let reason = format!("removing {} on pending sync request expiration", missing.join(", "));
            me.prepare_rebalance(ctx, host, group, reason);
        });
    }

    // ---------------------------------------------------------------- SyncGroup

    pub(super) fn handle_sync_group(
        &mut self,
        ctx: &mut Ctx,
        host: &mut dyn CoordinatorHost,
        responder: Responder,
        request: SyncGroupRequest,
    ) {
        match self.group_status(host, &request.group_id, false) {
            Ok(_) => {}
            // The state of the rebalance is lost while loading: rejoin.
            Err(KafkaError::CoordinatorLoadInProgress) => {
                return sync_error(ctx, responder, KafkaError::RebalanceInProgress)
            }
            Err(error) => return sync_error(ctx, responder, error),
        }
        let group_id = request.group_id.clone();
        let handled = self.with_group(&group_id, |me, group| me.sync_group(ctx, host, group, responder, request));
        if handled.is_none() {
            sync_error(ctx, responder, KafkaError::UnknownMemberId);
        }
    }

    /// `doSyncGroup`.
    fn sync_group(
        &mut self,
        ctx: &mut Ctx,
        host: &mut dyn CoordinatorHost,
        group: &mut Group,
        responder: Responder,
        request: SyncGroupRequest,
    ) {
        let member_id = request.member_id.as_str();
        if group.is_static_member_fenced(request.group_instance_id.as_deref(), member_id) {
            return sync_error(ctx, responder, KafkaError::FencedInstanceId);
        }
        if !group.has(member_id) {
            return sync_error(ctx, responder, KafkaError::UnknownMemberId);
        }
        if request.generation_id != group.generation {
            return sync_error(ctx, responder, KafkaError::IllegalGeneration);
        }
        match group.state {
            GroupState::Empty | GroupState::Dead => sync_error(ctx, responder, KafkaError::UnknownMemberId),
            GroupState::PreparingRebalance => sync_error(ctx, responder, KafkaError::RebalanceInProgress),
            GroupState::CompletingRebalance => {
                let member = group.member_mut(member_id).expect("checked above");
                member.awaiting_sync = Some(responder);
                member.client = responder.client().or(member.client);
                group.pending_sync.remove(member_id);
                if !group.is_leader(member_id) {
                    return;
                }
                // Members the leader left out get an empty assignment;
                // assignments for ids that are not members are dropped.
                let mut assignment: BTreeMap<String, Vec<TopicPartition>> =
                    group.members.iter().map(|m| (m.member_id.clone(), Vec::new())).collect();
                for a in request.assignments {
                    if let Some(slot) = assignment.get_mut(&a.member_id) {
                        *slot = a.partitions;
                    }
                }
                let record = group_record::group_metadata_record(&group.id, &group_metadata_value(group, &assignment));
                let write = PendingWrite::Assignment {
                    group: group.id.clone(),
                    generation: group.generation,
                    assignment: assignment.clone(),
                };
                if let Err(error) = self.append(ctx, host, group.partition, vec![record], write) {
                    self.assignment_written(ctx, host, group, group.generation, assignment, Err(error));
                }
            }
            GroupState::Stable => {
                // The assignment is already out: send this member its share again.
                group.pending_sync.remove(member_id);
                let member = group.member_mut(member_id).expect("checked above");
                member.client = responder.client().or(member.client);
                let assignment = member.assignment.clone();
                responder.respond(
                    ctx,
                    Response::SyncGroup(SyncGroupResponse {
                        error: None,
                        protocol_name: group.protocol.clone(),
                        assignment,
                    }),
                );
                self.complete_and_schedule_next_heartbeat(ctx, group, member_id);
            }
        }
    }

    /// The leader's assignment write completed (or failed).
    pub(super) fn complete_assignment_write(
        &mut self,
        ctx: &mut Ctx,
        host: &mut dyn CoordinatorHost,
        group_id: &str,
        generation: i32,
        assignment: BTreeMap<String, Vec<TopicPartition>>,
        result: Result<(), KafkaError>,
    ) {
        self.with_group(group_id, |me, group| me.assignment_written(ctx, host, group, generation, assignment, result));
    }

    fn assignment_written(
        &mut self,
        ctx: &mut Ctx,
        host: &mut dyn CoordinatorHost,
        group: &mut Group,
        generation: i32,
        assignment: BTreeMap<String, Vec<TopicPartition>>,
        result: Result<(), KafkaError>,
    ) {
        // Someone may have joined meanwhile: only the same generation, still
        // completing, takes this assignment.
        if !group.is(GroupState::CompletingRebalance) || group.generation != generation {
            return;
        }
        match result {
            Ok(()) => {
                for member in &mut group.members {
                    member.assignment = assignment.get(&member.member_id).cloned().unwrap_or_default();
                }
                self.propagate_assignment(ctx, group, None);
                group.transition_to(ctx, self.broker_id, GroupState::Stable);
            }
            Err(error) => {
                Self::reset_and_propagate_assignment_error(ctx, group, map_group_store_error(error));
                let reason = format!("error storing the assignment of generation {generation}: {error}");
                self.maybe_prepare_rebalance(ctx, host, group, reason);
            }
        }
    }

    /// `propagateAssignment`: answer every parked SyncGroup.
    fn propagate_assignment(&mut self, ctx: &mut Ctx, group: &mut Group, error: Option<KafkaError>) {
        let ids: Vec<String> = group.members.iter().map(|m| m.member_id.clone()).collect();
        for member_id in ids {
            let protocol = group.protocol.clone();
            let member = group.member_mut(&member_id).expect("listed above");
            let Some(responder) = member.awaiting_sync.take() else {
                continue;
            };
            let response = match error {
                None => {
                    SyncGroupResponse { error: None, protocol_name: protocol, assignment: member.assignment.clone() }
                }
                Some(error) => SyncGroupResponse { error: Some(error), protocol_name: None, assignment: Vec::new() },
            };
            responder.respond(ctx, Response::SyncGroup(response));
            // A session that "expired" while the member waited was ignored:
            // it starts again from here.
            self.complete_and_schedule_next_heartbeat(ctx, group, &member_id);
        }
    }

    /// `resetAndPropagateAssignmentError`.
    fn reset_and_propagate_assignment_error(ctx: &mut Ctx, group: &mut Group, error: KafkaError) {
        assert!(group.is(GroupState::CompletingRebalance), "only a completing rebalance has parked SyncGroups");
        for member in &mut group.members {
            member.assignment.clear();
            if let Some(responder) = member.awaiting_sync.take() {
                sync_error(ctx, responder, error);
            }
        }
    }

    // ---------------------------------------------------------------- Heartbeat

    pub(super) fn handle_heartbeat(
        &mut self,
        ctx: &mut Ctx,
        host: &mut dyn CoordinatorHost,
        responder: Responder,
        request: HeartbeatRequest,
    ) {
        match self.group_status(host, &request.group_id, false) {
            Ok(_) => {}
            // Kafka answers blindly while the group is loading.
            Err(KafkaError::CoordinatorLoadInProgress) => return heartbeat_response(ctx, responder, None),
            Err(error) => return heartbeat_response(ctx, responder, Some(error)),
        }
        let error = self.with_group(&request.group_id, |me, group| {
            let member_id = request.member_id.as_str();
            if group.is_static_member_fenced(request.group_instance_id.as_deref(), member_id) {
                return Some(KafkaError::FencedInstanceId);
            }
            let Some(member) = group.member_mut(member_id) else {
                return Some(KafkaError::UnknownMemberId);
            };
            member.client = responder.client().or(member.client);
            if request.generation_id != group.generation {
                return Some(KafkaError::IllegalGeneration);
            }
            match group.state {
                GroupState::Empty | GroupState::Dead => Some(KafkaError::UnknownMemberId),
                GroupState::CompletingRebalance | GroupState::Stable => {
                    me.complete_and_schedule_next_heartbeat(ctx, group, member_id);
                    None
                }
                GroupState::PreparingRebalance => {
                    me.complete_and_schedule_next_heartbeat(ctx, group, member_id);
                    Some(KafkaError::RebalanceInProgress)
                }
            }
        });
        heartbeat_response(ctx, responder, error.unwrap_or(Some(KafkaError::UnknownMemberId)));
    }

    /// `completeAndScheduleNextHeartbeatExpiration`: the session starts over.
    pub(super) fn complete_and_schedule_next_heartbeat(&mut self, ctx: &mut Ctx, group: &mut Group, member_id: &str) {
        let timeout = group.member(member_id).expect("a member's session").session_timeout_ms;
        self.schedule_session_expiry(ctx, group, member_id, timeout);
    }

    fn schedule_session_expiry(&mut self, ctx: &mut Ctx, group: &mut Group, member_id: &str, timeout_ms: i64) {
        let token = self.token();
        let member = group.member_mut(member_id).expect("a member's session");
        member.heartbeat_token = token;
        member.last_heartbeat_ms = ctx.now;
        member.session_deadline_ms = ctx.now + timeout_ms;
        Self::set_timer(
            ctx,
            timeout_ms,
            GroupTimer::SessionExpiry { group: group.id.clone(), member_id: member_id.to_string(), token },
        );
    }

    pub(super) fn on_session_expiry(
        &mut self,
        ctx: &mut Ctx,
        host: &mut dyn CoordinatorHost,
        group_id: &str,
        member_id: &str,
        token: u64,
    ) {
        self.with_group(group_id, |me, group| {
            let Some(member) = group.member(member_id).filter(|m| m.heartbeat_token == token) else {
                return;
            };
            if member.is_exempt_from_session_expiry() {
                return;
            }
            let reason = if member.is_new { "new member join timeout expired" } else { "session timeout expired" };
            me.remove_member_and_update_group(ctx, host, group, member_id, reason.to_string());
        });
    }

    pub(super) fn on_pending_member_expiry(
        &mut self,
        ctx: &mut Ctx,
        host: &mut dyn CoordinatorHost,
        group_id: &str,
        member_id: &str,
        token: u64,
    ) {
        self.with_group(group_id, |me, group| {
            if group.pending_members.get(member_id) != Some(&token) {
                return;
            }
            group.pending_members.remove(member_id);
            if group.is(GroupState::PreparingRebalance) {
                me.try_complete_join(ctx, host, group);
            }
        });
    }

    /// `removeMemberAndUpdateGroup`.
    fn remove_member_and_update_group(
        &mut self,
        ctx: &mut Ctx,
        host: &mut dyn CoordinatorHost,
        group: &mut Group,
        member_id: &str,
        reason: String,
    ) {
        let member = group.remove(member_id).expect("the member being removed exists");
        // A member removed with its JoinGroup parked is told so; if its client
        // is still alive it joins again.
        if let Some(responder) = member.awaiting_join {
            join_error(ctx, responder, "", KafkaError::UnknownMemberId);
        }
        ctx.emit(GroupEvent::MemberLeft {
            group: group.id.clone(),
            member_id: member_id.to_string(),
            reason: reason.clone(),
        });
        match group.state {
            GroupState::Dead | GroupState::Empty => {}
            GroupState::Stable | GroupState::CompletingRebalance => {
                self.maybe_prepare_rebalance(ctx, host, group, format!("removing member {member_id}: {reason}"))
            }
            GroupState::PreparingRebalance => self.try_complete_join(ctx, host, group),
        }
    }

    // ---------------------------------------------------------------- LeaveGroup

    pub(super) fn handle_leave_group(
        &mut self,
        ctx: &mut Ctx,
        host: &mut dyn CoordinatorHost,
        responder: Responder,
        request: LeaveGroupRequest,
    ) {
        if let Err(error) = self.group_status(host, &request.group_id, false) {
            return responder.respond(ctx, Response::LeaveGroup(LeaveGroupResponse { error: Some(error) }));
        }
        let reason = format!("left the group (LeaveGroup){}", client_reason(&request.reason));
        let error = self.with_group(&request.group_id, |me, group| {
            let member_id = request.member_id.as_str();
            if member_id.is_empty() {
                // An admin removing a static member by its instance id.
                let current = request.group_instance_id.as_deref().and_then(|id| group.static_member(id));
                return match current.map(str::to_string) {
                    Some(current) => {
                        me.remove_member_and_update_group(ctx, host, group, &current, reason);
                        None
                    }
                    None => Some(KafkaError::UnknownMemberId),
                };
            }
            if group.pending_members.remove(member_id).is_some() {
                if group.is(GroupState::PreparingRebalance) {
                    me.try_complete_join(ctx, host, group);
                }
                return None;
            }
            if group.is_static_member_fenced(request.group_instance_id.as_deref(), member_id) {
                return Some(KafkaError::FencedInstanceId);
            }
            if !group.has(member_id) {
                return Some(KafkaError::UnknownMemberId);
            }
            me.remove_member_and_update_group(ctx, host, group, member_id, reason);
            None
        });
        let error = error.unwrap_or(Some(KafkaError::UnknownMemberId));
        responder.respond(ctx, Response::LeaveGroup(LeaveGroupResponse { error }));
    }

    // ---------------------------------------------------------------- unload

    /// `onGroupUnloaded`: this broker no longer coordinates the group.
    pub(super) fn unload_group(&mut self, ctx: &mut Ctx, group: &mut Group) {
        group.transition_to(ctx, self.broker_id, GroupState::Dead);
        group.join_delay = None;
        for member in &mut group.members {
            if let Some(responder) = member.awaiting_join.take() {
                join_error(ctx, responder, &member.member_id, KafkaError::NotCoordinator);
            }
            if let Some(responder) = member.awaiting_sync.take() {
                sync_error(ctx, responder, KafkaError::NotCoordinator);
            }
        }
    }
}

/// The member's `client.id`, as the request carries it (Kafka takes it from
/// the request header). A client without one is named as the Java consumer
/// names itself by default, `consumer-<group.id>-<n>`, with the simulated
/// client's number.
fn client_id_of(request: &JoinGroupRequest, responder: Responder) -> String {
    if !request.client_id.is_empty() {
        return request.client_id.clone();
    }
    match responder.to {
        NodeId::Client(n) => format!("consumer-{}-{n}", request.group_id),
        other => other.to_string(),
    }
}

fn client_reason(reason: &Option<String>) -> String {
    reason.as_deref().map_or(String::new(), |r| format!("; client reason: {r}"))
}
