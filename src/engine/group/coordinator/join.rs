//! JoinGroup (11): members join, rejoin, and get their member ids.
//!
//! A dynamic member's first JoinGroup is answered MEMBER_ID_REQUIRED with
//! an id (`<client.id>-<uuid>`, KIP-394) and it joins again with it; a
//! static member (`group.instance.id`, KIP-345) joins at once, and one that
//! restarts within its session takes its old place back. Joining members are
//! parked until the join phase of the rebalance ends (`rebalance.rs`).

use rand::RngCore;

use super::group::{Group, GroupState, Member};
use super::group_record;
use super::rebalance::{group_metadata_value, map_group_store_error};
use super::sync::sync_error;
use super::{GroupCoordinator, GroupTimer, PendingWrite, Responder, StaticRejoin, NEW_MEMBER_JOIN_TIMEOUT_MS};
use crate::collections::VecMap;
use crate::engine::broker::host::CoordinatorHost;
use crate::engine::error::KafkaError;
use crate::engine::event::GroupEvent;
use crate::engine::ids::{NodeId, TopicPartition};
use crate::engine::node::Ctx;
use crate::engine::protocol::group::{JoinGroupProtocol, JoinGroupRequest, JoinGroupResponse};
use crate::engine::protocol::Response;

/// `JoinGroupRequest.UNKNOWN_GENERATION_ID`.
const UNKNOWN_GENERATION: i32 = -1;

pub(super) fn join_error(ctx: &mut Ctx, responder: Responder, member_id: &str, error: KafkaError) {
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

/// A version-4 UUID from the engine's RNG, as Java's `UUID.randomUUID().toString()` prints one.
pub(super) fn random_uuid(ctx: &mut Ctx) -> String {
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

impl GroupCoordinator {
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
    pub(super) fn join_new_member(
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
    pub(super) fn join_current_member(
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

    pub(super) fn respond_current_generation(ctx: &mut Ctx, group: &Group, member_id: &str, responder: Responder) {
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
    pub(super) fn add_member_and_rebalance(
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
    pub(super) fn update_member_and_rebalance(
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
    pub(super) fn update_static_member(
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
                    let assignment: VecMap<String, Vec<TopicPartition>> =
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

    pub(super) fn revert_static_rejoin(
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
}

/// The member's `client.id`, as the request carries it (Kafka takes it from
/// the request header). A client without one is named as the Java consumer
/// names itself by default, `consumer-<group.id>-<n>`, with the simulated
/// client's number.
pub(super) fn client_id_of(request: &JoinGroupRequest, responder: Responder) -> String {
    if !request.client_id.is_empty() {
        return request.client_id.clone();
    }
    match responder.to {
        NodeId::Client(n) => format!("consumer-{}-{n}", request.group_id),
        other => other.to_string(),
    }
}

pub(super) fn client_reason(reason: &Option<String>) -> String {
    reason.as_deref().map_or(String::new(), |r| format!("; client reason: {r}"))
}
