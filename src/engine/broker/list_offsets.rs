//! ListOffsets (API key 2), leader side: the earliest offset (the log
//! start), the latest (the high watermark for `read_uncommitted`, the last
//! stable offset for `read_committed`), or the first offset whose record
//! timestamp is at or after a given time (`offsetsForTimes`). A new leader
//! whose high watermark has not yet reached its epoch's start offset
//! answers `OFFSET_NOT_AVAILABLE` for the latest offset, as Kafka does,
//! rather than an offset that may go back.

use super::fetch::check_leader_epoch;
use super::replica_manager::ReplicaManager;
use crate::engine::config::IsolationLevel;
use crate::engine::error::KafkaError;
use crate::engine::ids::NodeId;
use crate::engine::log::PartitionLog;
use crate::engine::node::Ctx;
use crate::engine::protocol::{
    CorrelationId, ListOffsetsPartition, ListOffsetsPartitionResponse, ListOffsetsRequest, ListOffsetsResponse,
    Response, EARLIEST_TIMESTAMP, LATEST_TIMESTAMP,
};
use crate::engine::record::Offset;

pub(super) fn handle(
    rm: &mut ReplicaManager,
    ctx: &mut Ctx,
    from: NodeId,
    correlation_id: CorrelationId,
    request: ListOffsetsRequest,
) {
    let partitions = request.partitions.iter().map(|lp| list_one(rm, request.isolation_level, lp)).collect();
    ctx.respond(from, correlation_id, Response::ListOffsets(ListOffsetsResponse { partitions }));
}

fn list_one(rm: &ReplicaManager, isolation: IsolationLevel, lp: &ListOffsetsPartition) -> ListOffsetsPartitionResponse {
    let answer = |error: Option<KafkaError>, timestamp, offset, leader_epoch| ListOffsetsPartitionResponse {
        tp: lp.tp.clone(),
        error,
        timestamp,
        offset,
        leader_epoch,
    };
    let p = match rm.partitions.get(&lp.tp) {
        None => return answer(Some(KafkaError::UnknownTopicOrPartition), -1, -1, -1),
        Some(p) if !p.is_leader() => return answer(Some(KafkaError::NotLeaderOrFollower), -1, -1, -1),
        Some(p) => p,
    };
    if let Err(error) = check_leader_epoch(lp.current_leader_epoch, p.leader_epoch) {
        return answer(Some(error), -1, -1, -1);
    }
    let fetchable = match isolation {
        IsolationLevel::ReadUncommitted => p.high_watermark(),
        IsolationLevel::ReadCommitted => p.last_stable_offset(),
    };
    let lagging = p.leader_state().is_some_and(|s| s.epoch_start_offset > p.high_watermark());
    match lp.timestamp {
        LATEST_TIMESTAMP if lagging => answer(Some(KafkaError::OffsetNotAvailable), -1, -1, -1),
        LATEST_TIMESTAMP => answer(None, -1, fetchable, p.leader_epoch),
        EARLIEST_TIMESTAMP => {
            let start = p.log.log_start_offset();
            answer(None, -1, start, epoch_at(&p.log, start))
        }
        timestamp => match p.log.offset_for_timestamp(timestamp) {
            Some((offset, found)) if offset < fetchable => answer(None, found, offset, epoch_at(&p.log, offset)),
            Some(_) if lagging => answer(Some(KafkaError::OffsetNotAvailable), -1, -1, -1),
            _ => answer(None, -1, -1, -1),
        },
    }
}

/// The leader epoch that wrote `offset` (-1 if the cache does not say).
fn epoch_at(log: &PartitionLog, offset: Offset) -> i32 {
    log.epoch_entries().iter().rev().find(|e| e.start_offset <= offset).map_or(-1, |e| e.epoch)
}
