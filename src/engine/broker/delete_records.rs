//! DeleteRecords (API key 21), leader side: moves the log start offset
//! forward (`-1` = to the high watermark) and deletes the segments wholly
//! below it. Followers follow the leader's log start offset from their
//! fetch responses.
//!
//! Approximation: Kafka answers once every replica's log start offset has
//! moved (`DelayedDeleteRecords`, the low watermark); here the answer is
//! immediate and carries the leader's new log start offset.

use super::replica_manager::ReplicaManager;
use crate::engine::error::KafkaError;
use crate::engine::ids::{NodeId, TopicPartition};
use crate::engine::node::Ctx;
use crate::engine::protocol::{
    CorrelationId, DeleteRecordsPartitionResponse, DeleteRecordsRequest, DeleteRecordsResponse, Response,
};
use crate::engine::record::Offset;

pub(super) fn handle(
    rm: &mut ReplicaManager,
    ctx: &mut Ctx,
    from: NodeId,
    correlation_id: CorrelationId,
    request: DeleteRecordsRequest,
) {
    let partitions = request.partitions.iter().map(|(tp, offset)| delete_one(rm, ctx, tp, *offset)).collect();
    ctx.respond(from, correlation_id, Response::DeleteRecords(DeleteRecordsResponse { partitions }));
}

/// Deletes the records of `tp` before `offset` on this leader.
pub fn delete_one(
    rm: &mut ReplicaManager,
    ctx: &mut Ctx,
    tp: &TopicPartition,
    offset: Offset,
) -> DeleteRecordsPartitionResponse {
    let result = match rm.partitions.get_mut(tp) {
        None => Err(KafkaError::UnknownTopicOrPartition),
        Some(p) if !p.is_leader() => Err(KafkaError::NotLeaderOrFollower),
        Some(p) => p.delete_records(ctx, offset),
    };
    match result {
        Ok(low_watermark) => {
            rm.outbox.touch(tp);
            DeleteRecordsPartitionResponse { tp: tp.clone(), error: None, low_watermark }
        }
        Err(error) => DeleteRecordsPartitionResponse { tp: tp.clone(), error: Some(error), low_watermark: -1 },
    }
}
