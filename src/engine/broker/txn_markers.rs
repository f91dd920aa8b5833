//! WriteTxnMarkers (API key 27): the transaction coordinator asks this
//! leader to close a producer's transaction with a COMMIT or ABORT marker.
//! The marker is appended with acks=all semantics, so the answer waits for
//! the high watermark to pass it (Kafka's `appendRecords(requiredAcks = -1)`
//! with the broker's `request.timeout.ms`).

use super::purgatory::{AppendReply, DelayedAppend};
use super::replica_manager::{appended_status, failed_status, write_marker, ReplicaManager};
use crate::engine::ids::NodeId;
use crate::engine::node::Ctx;
use crate::engine::protocol::{CorrelationId, WriteTxnMarkersRequest};
use crate::engine::time::Millis;

/// The broker's `request.timeout.ms`, Kafka's default 30000.
pub const MARKER_WRITE_TIMEOUT_MS: Millis = 30_000;

pub(super) fn handle(
    rm: &mut ReplicaManager,
    ctx: &mut Ctx,
    from: NodeId,
    correlation_id: CorrelationId,
    request: WriteTxnMarkersRequest,
) {
    let producer_id = request.producer_id;
    let mut partitions = Vec::with_capacity(request.partitions.len());
    for tp in request.partitions {
        let written =
            write_marker(rm, ctx, &tp, producer_id, request.producer_epoch, request.marker, request.coordinator_epoch);
        partitions.push(match written {
            Ok(info) => appended_status(tp, &info, true, producer_id),
            Err(error) => failed_status(tp, error, 1, producer_id),
        });
    }
    let op = DelayedAppend { to: from, correlation_id, reply: AppendReply::TxnMarkers { producer_id }, partitions };
    rm.complete_or_park_append(ctx, op, MARKER_WRITE_TIMEOUT_MS);
}
