//! Produce (API key 0), leader side.
//!
//! Per partition: `NOT_LEADER_OR_FOLLOWER` unless this broker leads it;
//! with `acks=all` (-1), `NOT_ENOUGH_REPLICAS` when the ISR is smaller than
//! `min.insync.replicas` (checked before appending, as Kafka does); then the
//! log's own checks (idempotent dedup — a retried batch is answered with
//! the original offsets —, `OUT_OF_ORDER_SEQUENCE_NUMBER`,
//! `INVALID_PRODUCER_EPOCH`, sizes). `acks=1` answers after the leader's
//! append, `acks=all` once the high watermark passes the batch (or
//! `timeout_ms` → `REQUEST_TIMED_OUT`), `acks=0` never.

use super::purgatory::{AppendReply, DelayedAppend};
use super::replica_manager::{appended_status, failed_status, respond_append, ReplicaManager};
use crate::engine::event::LogEvent;
use crate::engine::ids::NodeId;
use crate::engine::node::Ctx;
use crate::engine::protocol::{CorrelationId, ProduceRequest};

pub(super) fn handle(
    rm: &mut ReplicaManager,
    ctx: &mut Ctx,
    from: NodeId,
    correlation_id: CorrelationId,
    request: ProduceRequest,
) {
    let mut partitions = Vec::with_capacity(request.partitions.len());
    for data in request.partitions {
        let (records, producer_id) = (data.batch.record_count(), data.batch.producer_id);
        let status = match rm.append_to_leader(ctx, &data.tp, data.batch, request.acks) {
            Ok(info) => appended_status(data.tp, &info, request.acks == -1, producer_id),
            Err(error) => failed_status(data.tp, error, records, producer_id),
        };
        partitions.push(status);
    }
    let op = DelayedAppend { to: from, correlation_id, reply: AppendReply::Produce, partitions };
    if request.acks == 0 {
        // Nobody hears back; the broker still counts the failures.
        for s in op.partitions.iter() {
            if let Some(error) = s.error {
                ctx.emit(LogEvent::ProduceRejected {
                    tp: s.tp.clone(),
                    broker: rm.broker_id,
                    error,
                    records: s.records,
                    producer_id: s.producer_id,
                });
            }
        }
        return;
    }
    if request.acks == 1 {
        respond_append(ctx, rm.broker_id, op);
        return;
    }
    rm.complete_or_park_append(ctx, op, request.timeout_ms);
}
