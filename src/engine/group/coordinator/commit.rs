//! OffsetCommit (8), OffsetFetch (9), and the admin offset reset.
//!
//! A commit is accepted from a member of the current generation, or — for
//! a group without members (assign-mode consumers, admin tools) — from
//! outside with generation -1 and an empty member id. It becomes one record
//! per partition in the group's `__consumer_offsets` partition and is
//! answered, and visible to OffsetFetch, only when the high watermark passes
//! those records: committed durably, as with acks=all.

use super::group::{Group, GroupState};
use super::offsets::{offset_commit_record, CommittedOffset};
use super::{GroupCoordinator, PendingWrite, Responder};
use crate::engine::broker::host::CoordinatorHost;
use crate::engine::error::KafkaError;
use crate::engine::event::GroupEvent;
use crate::engine::ids::{ClientId, TopicPartition};
use crate::engine::node::Ctx;
use crate::engine::protocol::{
    MetadataImage, OffsetCommitRequest, OffsetCommitResponse, OffsetFetchRequest, OffsetFetchResponse, Response,
};
use crate::engine::record::Offset;

/// How a failed append of offsets reaches the client (`storeOffsets`' error mapping).
fn map_commit_error(error: KafkaError) -> KafkaError {
    match error {
        KafkaError::UnknownTopicOrPartition
        | KafkaError::NotEnoughReplicas
        | KafkaError::NotEnoughReplicasAfterAppend => KafkaError::CoordinatorNotAvailable,
        KafkaError::NotLeaderOrFollower => KafkaError::NotCoordinator,
        KafkaError::MessageTooLarge | KafkaError::RecordListTooLarge => KafkaError::InvalidCommitOffsetSize,
        other => other,
    }
}

/// Answers a commit whose partitions all failed with `error` (plus those refused earlier).
pub(super) fn respond_commit_error(
    ctx: &mut Ctx,
    responder: Responder,
    offsets: Vec<(TopicPartition, CommittedOffset)>,
    refused: Vec<(TopicPartition, KafkaError)>,
    error: KafkaError,
) {
    let partitions = offsets
        .into_iter()
        .map(|(tp, _)| (tp, Some(error)))
        .chain(refused.into_iter().map(|(tp, e)| (tp, Some(e))))
        .collect();
    responder.respond(ctx, Response::OffsetCommit(OffsetCommitResponse { partitions }));
}

fn respond_all(ctx: &mut Ctx, responder: Responder, offsets: &[(TopicPartition, Offset)], error: KafkaError) {
    let partitions = offsets.iter().map(|(tp, _)| (tp.clone(), Some(error))).collect();
    responder.respond(ctx, Response::OffsetCommit(OffsetCommitResponse { partitions }));
}

/// `validateOffsetCommit`.
fn validate_offset_commit(
    group: &Group,
    generation_id: i32,
    member_id: &str,
    group_instance_id: Option<&str>,
) -> Option<KafkaError> {
    if generation_id >= 0 || !member_id.is_empty() || group_instance_id.is_some() {
        if group.is_static_member_fenced(group_instance_id, member_id) {
            Some(KafkaError::FencedInstanceId)
        } else if !group.has(member_id) {
            Some(KafkaError::UnknownMemberId)
        } else if generation_id != group.generation {
            Some(KafkaError::IllegalGeneration)
        } else {
            None
        }
    } else if !group.is(GroupState::Empty) {
        // Only members may commit for a group that has members.
        Some(KafkaError::UnknownMemberId)
    } else {
        None
    }
}

/// Commits of partitions that exist, each with what will be stored.
type KnownCommits = Vec<(TopicPartition, CommittedOffset)>;
/// Partitions refused before the append, with why.
type RefusedCommits = Vec<(TopicPartition, KafkaError)>;

/// Splits commits into those for partitions that exist and those that do not.
fn split_known(
    image: &MetadataImage,
    offsets: Vec<(TopicPartition, Offset)>,
    now: i64,
) -> (KnownCommits, RefusedCommits) {
    let mut known = Vec::new();
    let mut refused = Vec::new();
    for (tp, offset) in offsets {
        if image.partition(&tp.topic, tp.partition).is_some() {
            known.push((tp, CommittedOffset::new(offset, now)));
        } else {
            refused.push((tp, KafkaError::UnknownTopicOrPartition));
        }
    }
    (known, refused)
}

impl GroupCoordinator {
    pub(super) fn handle_offset_commit(
        &mut self,
        ctx: &mut Ctx,
        host: &mut dyn CoordinatorHost,
        responder: Responder,
        request: OffsetCommitRequest,
    ) {
        let partition = match self.group_status(host, &request.group_id, true) {
            Ok(partition) => partition,
            Err(error) => return respond_all(ctx, responder, &request.offsets, error),
        };
        if !self.groups.contains_key(&request.group_id) {
            if request.generation_id >= 0 {
                // A generation of a group this coordinator does not know: stale.
                return respond_all(ctx, responder, &request.offsets, KafkaError::IllegalGeneration);
            }
            // A group not using group management (assign mode): it exists to hold offsets.
            self.groups.insert(request.group_id.clone(), Group::new(&request.group_id, partition, ctx.now));
        }
        let group_id = request.group_id.clone();
        self.with_group(&group_id, |me, group| {
            let member_id = request.member_id.as_str();
            if let Some(error) =
                validate_offset_commit(group, request.generation_id, member_id, request.group_instance_id.as_deref())
            {
                return respond_all(ctx, responder, &request.offsets, error);
            }
            match group.state {
                // The member has a valid generation but not its assignment yet.
                GroupState::CompletingRebalance => {
                    respond_all(ctx, responder, &request.offsets, KafkaError::RebalanceInProgress)
                }
                // Kafka still takes commits while preparing a rebalance: the
                // member learns of the rebalance from its next heartbeat, and
                // committing what it processed before revoking is the point.
                GroupState::Stable | GroupState::PreparingRebalance | GroupState::Empty => {
                    if group.has(member_id) {
                        me.complete_and_schedule_next_heartbeat(ctx, group, member_id);
                    }
                    let (known, refused) = split_known(host.metadata(), request.offsets, ctx.now);
                    // A failed append is answered inside.
                    let _ = me.store_offsets(ctx, host, group, Some(responder), responder.client(), known, refused);
                }
                GroupState::Dead => unreachable!("dead groups are not kept"),
            }
        });
    }

    /// `storeOffsets`: append one record per partition; answer when replicated.
    #[allow(clippy::too_many_arguments)]
    fn store_offsets(
        &mut self,
        ctx: &mut Ctx,
        host: &mut dyn CoordinatorHost,
        group: &Group,
        responder: Option<Responder>,
        client: Option<ClientId>,
        offsets: Vec<(TopicPartition, CommittedOffset)>,
        refused: Vec<(TopicPartition, KafkaError)>,
    ) -> Result<(), KafkaError> {
        if offsets.is_empty() {
            if let Some(responder) = responder {
                respond_commit_error(ctx, responder, Vec::new(), refused, KafkaError::UnknownServerError);
            }
            return Ok(());
        }
        let records = offsets.iter().map(|(tp, c)| offset_commit_record(&group.id, tp, c)).collect();
        let write = PendingWrite::Offsets {
            group: group.id.clone(),
            responder,
            client,
            offsets: offsets.clone(),
            refused: refused.clone(),
        };
        self.append(ctx, host, group.partition, records, write).map_err(|error| {
            let error = map_commit_error(error);
            if let Some(responder) = responder {
                respond_commit_error(ctx, responder, offsets, refused, error);
            }
            error
        })
    }

    /// The append of a commit completed (or failed): remember the offsets and answer.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn complete_offset_commit(
        &mut self,
        ctx: &mut Ctx,
        group_id: &str,
        responder: Option<Responder>,
        client: Option<ClientId>,
        offsets: Vec<(TopicPartition, CommittedOffset)>,
        refused: Vec<(TopicPartition, KafkaError)>,
        result: Result<(), KafkaError>,
    ) {
        if let Err(error) = result {
            if let Some(responder) = responder {
                respond_commit_error(ctx, responder, offsets, refused, map_commit_error(error));
            }
            return;
        }
        if let Some(group) = self.groups.get_mut(group_id) {
            for (tp, committed) in &offsets {
                group.offsets.insert(tp.clone(), committed.clone());
                ctx.emit(GroupEvent::OffsetCommitted {
                    group: group_id.to_string(),
                    tp: tp.clone(),
                    offset: committed.offset,
                    client,
                });
            }
        }
        if let Some(responder) = responder {
            let partitions = offsets
                .into_iter()
                .map(|(tp, _)| (tp, None))
                .chain(refused.into_iter().map(|(tp, e)| (tp, Some(e))))
                .collect();
            responder.respond(ctx, Response::OffsetCommit(OffsetCommitResponse { partitions }));
        }
    }

    /// OffsetFetch: the committed offsets in memory (-1 where there is none).
    pub(super) fn handle_offset_fetch(
        &mut self,
        ctx: &mut Ctx,
        host: &mut dyn CoordinatorHost,
        responder: Responder,
        request: OffsetFetchRequest,
    ) {
        if let Err(error) = self.group_status(host, &request.group_id, true) {
            let response = OffsetFetchResponse { error: Some(error), partitions: Vec::new() };
            return responder.respond(ctx, Response::OffsetFetch(response));
        }
        let group = self.groups.get(&request.group_id);
        let committed = |tp: &TopicPartition| group.and_then(|g| g.offsets.get(tp)).map_or(-1, |c| c.offset);
        let partitions = match request.partitions {
            Some(list) => list.into_iter().map(|tp| (tp.clone(), committed(&tp), None)).collect(),
            None => {
                group.map_or_else(Vec::new, |g| g.offsets.iter().map(|(tp, c)| (tp.clone(), c.offset, None)).collect())
            }
        };
        responder.respond(ctx, Response::OffsetFetch(OffsetFetchResponse { error: None, partitions }));
    }

    /// Admin offset reset (`kafka-consumer-groups --reset-offsets --execute`,
    /// `AdminClient.alterConsumerGroupOffsets`): commits `offsets` for the
    /// group from outside. Refused with UNKNOWN_MEMBER_ID, as Kafka does, while
    /// the group has members ("Assignments can only be reset if the group is
    /// inactive"); UNKNOWN_TOPIC_OR_PARTITION if a partition does not exist.
    /// The offsets take effect (OffsetCommitted) when the write is replicated.
    pub fn reset_offsets(
        &mut self,
        ctx: &mut Ctx,
        host: &mut dyn CoordinatorHost,
        group: &str,
        offsets: Vec<(TopicPartition, Offset)>,
    ) -> Result<(), KafkaError> {
        let partition = self.group_status(host, group, true)?;
        if offsets.is_empty() {
            return Ok(());
        }
        let (known, refused) = split_known(host.metadata(), offsets, ctx.now);
        if let Some((_, error)) = refused.first() {
            return Err(*error);
        }
        if let Some(existing) = self.groups.get(group) {
            if !existing.is(GroupState::Empty) {
                return Err(KafkaError::UnknownMemberId);
            }
        } else {
            self.groups.insert(group.to_string(), Group::new(group, partition, ctx.now));
        }
        self.with_group(group, |me, g| me.store_offsets(ctx, host, g, None, None, known, Vec::new()))
            .expect("the group exists")
    }
}
