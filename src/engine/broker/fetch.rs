//! Fetch (API key 1), leader side, for consumers and follower replicas.
//!
//! - Consumers read below the high watermark (`read_uncommitted`) or the
//!   last stable offset (`read_committed`, with the aborted transactions of
//!   the returned range); followers read up to the log end offset.
//! - `current_leader_epoch` is checked (KIP-320): older is
//!   `FENCED_LEADER_EPOCH`, newer `UNKNOWN_LEADER_EPOCH`, -1 skips the check.
//! - A follower's `last_fetched_epoch` is checked against the leader's epoch
//!   cache (KIP-595): on divergence the answer is `diverging_epoch` and no
//!   records; otherwise the follower's fetch offset is its log end offset,
//!   which moves the high watermark and may expand the ISR.
//! - Long poll: with fewer than `min_bytes` available and no error, the
//!   request waits in the purgatory up to `max_wait_ms`, and is read again
//!   when it completes.

use super::purgatory::DelayedFetch;
use super::replica_manager::ReplicaManager;
use super::BrokerTimer;
use crate::engine::config::IsolationLevel;
use crate::engine::error::KafkaError;
use crate::engine::ids::NodeId;
use crate::engine::node::{Ctx, Timer};
use crate::engine::protocol::{
    AbortedTransaction, CorrelationId, FetchPartition, FetchPartitionResponse, FetchRequest, FetchResponse, Response,
};

pub(super) fn handle(
    rm: &mut ReplicaManager,
    ctx: &mut Ctx,
    from: NodeId,
    correlation_id: CorrelationId,
    request: FetchRequest,
) {
    if let Some(replica) = request.replica_id {
        if from != NodeId::Broker(replica) {
            // Only a broker fetches as a replica, and only as itself.
            let response = error_response(&request, KafkaError::NotLeaderOrFollower);
            ctx.respond(from, correlation_id, Response::Fetch(response));
            return;
        }
    }
    let (response, bytes, errors) = read(rm, ctx, &request, true);
    let wait = request.max_wait_ms > 0 && !errors && bytes < request.min_bytes.max(0) as u64;
    if !wait || request.partitions.is_empty() {
        ctx.respond(from, correlation_id, Response::Fetch(response));
        return;
    }
    let max_wait_ms = request.max_wait_ms;
    let id = rm.purgatory.add_fetch(DelayedFetch { from, correlation_id, request });
    ctx.set_timer(max_wait_ms, Timer::Broker(BrokerTimer::DelayedFetchExpired { id }));
}

/// Reads every partition of `request`. With `first_read`, a follower's
/// fetch also updates what the leader knows of it. Returns the response,
/// the bytes it carries, and whether any partition has an error or a
/// diverging epoch (which answers at once).
pub(super) fn read(
    rm: &mut ReplicaManager,
    ctx: &mut Ctx,
    request: &FetchRequest,
    first_read: bool,
) -> (FetchResponse, u64, bool) {
    let mut partitions = Vec::with_capacity(request.partitions.len());
    let mut total: u64 = 0;
    let mut errors = false;
    let max_bytes = request.max_bytes.max(0) as u64;
    for fp in &request.partitions {
        let remaining = max_bytes.saturating_sub(total);
        let budget =
            if total > 0 && remaining == 0 { 0 } else { (fp.partition_max_bytes.max(0) as u64).min(remaining.max(1)) };
        let (response, bytes) = match read_partition(rm, ctx, request, fp, budget, first_read) {
            Ok(read) => read,
            Err(error) => (error_partition(fp, error), 0),
        };
        errors |= response.error.is_some() || response.diverging_epoch.is_some();
        total += bytes;
        partitions.push(response);
    }
    (FetchResponse { partitions }, total, errors)
}

fn read_partition(
    rm: &mut ReplicaManager,
    ctx: &mut Ctx,
    request: &FetchRequest,
    fp: &FetchPartition,
    budget: u64,
    first_read: bool,
) -> Result<(FetchPartitionResponse, u64), KafkaError> {
    let partition = rm.partitions.get(&fp.tp).ok_or(KafkaError::UnknownTopicOrPartition)?;
    if !partition.is_leader() {
        return Err(KafkaError::NotLeaderOrFollower);
    }
    check_leader_epoch(fp.current_leader_epoch, partition.leader_epoch)?;
    let mut response = FetchPartitionResponse {
        tp: fp.tp.clone(),
        error: None,
        high_watermark: partition.high_watermark(),
        last_stable_offset: partition.last_stable_offset(),
        log_start_offset: partition.log.log_start_offset(),
        diverging_epoch: None,
        aborted_transactions: Vec::new(),
        batches: Vec::new(),
    };
    let limit = match (request.replica_id, request.isolation_level) {
        (Some(_), _) => partition.log_end_offset(),
        (None, IsolationLevel::ReadUncommitted) => partition.high_watermark(),
        (None, IsolationLevel::ReadCommitted) => partition.last_stable_offset(),
    };
    if let Some(follower) = request.replica_id {
        if let Some(diverging) = partition.diverging_epoch(fp.last_fetched_epoch, fp.fetch_offset)? {
            response.diverging_epoch = Some(diverging);
            return Ok((response, 0));
        }
        let read = partition.log.read(fp.fetch_offset, budget_bytes(budget), limit)?;
        if first_read {
            let ReplicaManager { partitions, image, outbox, .. } = &mut *rm;
            let partition = partitions.get_mut(&fp.tp).expect("looked up above");
            let expansion =
                partition.record_follower_fetch(ctx, image, follower, fp.fetch_offset, fp.log_start_offset, outbox)?;
            // The answer carries the high watermark this fetch just moved.
            response.high_watermark = partition.high_watermark();
            response.last_stable_offset = partition.last_stable_offset();
            if let Some(proposed) = expansion {
                let reason = format!("broker {follower} caught up to the high watermark");
                rm.propose_isr(ctx, &fp.tp, proposed, reason);
            }
        }
        response.batches = read.batches;
        return Ok((response, read.size_bytes));
    }
    let read = partition.log.read(fp.fetch_offset, budget_bytes(budget), limit)?;
    if request.isolation_level == IsolationLevel::ReadCommitted {
        if let Some(last) = read.batches.last() {
            response.aborted_transactions = partition
                .log
                .aborted_transactions(fp.fetch_offset, last.next_offset())
                .into_iter()
                .map(|t| AbortedTransaction { producer_id: t.producer_id, first_offset: t.first_offset })
                .collect();
        }
    }
    response.batches = read.batches;
    Ok((response, read.size_bytes))
}

fn budget_bytes(budget: u64) -> u32 {
    budget.min(u32::MAX as u64) as u32
}

/// KIP-320 fencing: -1 skips the check.
pub(super) fn check_leader_epoch(requested: i32, current: i32) -> Result<(), KafkaError> {
    if requested < 0 || requested == current {
        Ok(())
    } else if requested < current {
        Err(KafkaError::FencedLeaderEpoch)
    } else {
        Err(KafkaError::UnknownLeaderEpoch)
    }
}

fn error_partition(fp: &FetchPartition, error: KafkaError) -> FetchPartitionResponse {
    FetchPartitionResponse {
        tp: fp.tp.clone(),
        error: Some(error),
        high_watermark: -1,
        last_stable_offset: -1,
        log_start_offset: -1,
        diverging_epoch: None,
        aborted_transactions: Vec::new(),
        batches: Vec::new(),
    }
}

fn error_response(request: &FetchRequest, error: KafkaError) -> FetchResponse {
    FetchResponse { partitions: request.partitions.iter().map(|fp| error_partition(fp, error)).collect() }
}

/// Whether a held fetch can be answered now (Kafka's `DelayedFetch.tryComplete`):
/// a partition is gone, lost its leadership or changed epoch, the fetch
/// offset left the log, or `min_bytes` are available.
pub(super) fn is_ready(rm: &ReplicaManager, request: &FetchRequest) -> bool {
    let min_bytes = request.min_bytes.max(1) as u64;
    let mut available: u64 = 0;
    for fp in &request.partitions {
        let Some(p) = rm.partitions.get(&fp.tp) else {
            return true;
        };
        if !p.is_leader() || (fp.current_leader_epoch >= 0 && fp.current_leader_epoch != p.leader_epoch) {
            return true;
        }
        if fp.fetch_offset < p.log.log_start_offset() || fp.fetch_offset > p.log_end_offset() {
            return true;
        }
        let limit = match (request.replica_id, request.isolation_level) {
            (Some(_), _) => p.log_end_offset(),
            (None, IsolationLevel::ReadUncommitted) => p.high_watermark(),
            (None, IsolationLevel::ReadCommitted) => p.last_stable_offset(),
        };
        if fp.fetch_offset < limit {
            if min_bytes <= 1 {
                return true;
            }
            let want = (min_bytes - available).min(fp.partition_max_bytes.max(1) as u64);
            available += p.log.read(fp.fetch_offset, budget_bytes(want), limit).map_or(0, |r| r.size_bytes);
            if available >= min_bytes {
                return true;
            }
        }
    }
    false
}
