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
//! closing consumer sends LeaveGroup and the rebalance starts at once.//!
//! This file holds the rebalance itself (starting it, the initial delay,
//! completing the join phase, the pending-sync deadline) and what the group
//! writes to `__consumer_offsets`; the APIs are in `join.rs`, `sync.rs` and
//! `session.rs`.

use super::group::{Group, GroupState, JoinDelay, JoinDelayKind};
use super::group_record::{self, GroupMetadataValue, MemberMetadataValue};
use super::join::join_error;
use super::sync::sync_error;
use super::{GroupCoordinator, GroupTimer, PendingWrite};
use crate::collections::VecMap;
use crate::engine::broker::host::CoordinatorHost;
use crate::engine::error::KafkaError;
use crate::engine::event::GroupEvent;
use crate::engine::ids::TopicPartition;
use crate::engine::node::Ctx;
use crate::engine::protocol::group::{JoinGroupResponse, Subscription};
use crate::engine::protocol::Response;

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
    assignment: &VecMap<String, Vec<TopicPartition>>,
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
    /// `maybePrepareRebalance`: start one unless one is already under way.
    pub(super) fn maybe_prepare_rebalance(
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
    pub(super) fn prepare_rebalance(
        &mut self,
        ctx: &mut Ctx,
        host: &mut dyn CoordinatorHost,
        group: &mut Group,
        reason: String,
    ) {
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
    pub(super) fn try_complete_join(&mut self, ctx: &mut Ctx, host: &mut dyn CoordinatorHost, group: &mut Group) {
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
    pub(super) fn on_complete_join(&mut self, ctx: &mut Ctx, host: &mut dyn CoordinatorHost, group: &mut Group) {
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
            let record = group_record::group_metadata_record(&group.id, &group_metadata_value(group, &VecMap::new()));
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
