//! Heartbeat (12) and LeaveGroup (13): sessions and their end.
//!
//! A member's session is renewed by every heartbeat (and by its joins,
//! syncs and commits); when `session.timeout.ms` passes without one the
//! member is removed and the group rebalances — that is how a crashed
//! consumer leaves. A closing consumer sends LeaveGroup and is removed at
//! once. During a rebalance heartbeats answer REBALANCE_IN_PROGRESS, which is
//! how members learn that they must rejoin.

use super::group::{Group, GroupState};
use super::join::{client_reason, join_error};
use super::{GroupCoordinator, GroupTimer, Responder};
use crate::engine::broker::host::CoordinatorHost;
use crate::engine::error::KafkaError;
use crate::engine::event::GroupEvent;
use crate::engine::node::Ctx;
use crate::engine::protocol::group::{HeartbeatRequest, HeartbeatResponse, LeaveGroupRequest, LeaveGroupResponse};
use crate::engine::protocol::Response;

pub(super) fn heartbeat_response(ctx: &mut Ctx, responder: Responder, error: Option<KafkaError>) {
    responder.respond(ctx, Response::Heartbeat(HeartbeatResponse { error }));
}

impl GroupCoordinator {
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

    pub(super) fn schedule_session_expiry(
        &mut self,
        ctx: &mut Ctx,
        group: &mut Group,
        member_id: &str,
        timeout_ms: i64,
    ) {
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
    pub(super) fn remove_member_and_update_group(
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
}
