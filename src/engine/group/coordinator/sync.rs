//! SyncGroup (14): the leader's assignment is stored and handed out.

use super::group::{Group, GroupState};
use super::group_record;
use super::rebalance::{group_metadata_value, map_group_store_error};
use super::{GroupCoordinator, PendingWrite, Responder};
use crate::collections::VecMap;
use crate::engine::broker::host::CoordinatorHost;
use crate::engine::error::KafkaError;
use crate::engine::ids::TopicPartition;
use crate::engine::node::Ctx;
use crate::engine::protocol::group::{SyncGroupRequest, SyncGroupResponse};
use crate::engine::protocol::Response;

pub(super) fn sync_error(ctx: &mut Ctx, responder: Responder, error: KafkaError) {
    responder.respond(
        ctx,
        Response::SyncGroup(SyncGroupResponse { error: Some(error), protocol_name: None, assignment: Vec::new() }),
    );
}

impl GroupCoordinator {
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
    pub(super) fn sync_group(
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
                let mut assignment: VecMap<String, Vec<TopicPartition>> =
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
        assignment: VecMap<String, Vec<TopicPartition>>,
        result: Result<(), KafkaError>,
    ) {
        self.with_group(group_id, |me, group| me.assignment_written(ctx, host, group, generation, assignment, result));
    }

    pub(super) fn assignment_written(
        &mut self,
        ctx: &mut Ctx,
        host: &mut dyn CoordinatorHost,
        group: &mut Group,
        generation: i32,
        assignment: VecMap<String, Vec<TopicPartition>>,
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
    pub(super) fn propagate_assignment(&mut self, ctx: &mut Ctx, group: &mut Group, error: Option<KafkaError>) {
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
    pub(super) fn reset_and_propagate_assignment_error(ctx: &mut Ctx, group: &mut Group, error: KafkaError) {
        assert!(group.is(GroupState::CompletingRebalance), "only a completing rebalance has parked SyncGroups");
        for member in &mut group.members {
            member.assignment.clear();
            if let Some(responder) = member.awaiting_sync.take() {
                sync_error(ctx, responder, error);
            }
        }
    }
}
