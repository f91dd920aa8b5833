//! Follower replication (Kafka's `ReplicaFetcherThread`): one fetch session
//! per leader broker carrying every partition this broker follows from it.
//! A session has at most one Fetch in flight; the leader holds it up to
//! `replica.fetch.wait.max.ms` when there is nothing new, and the next one
//! goes out as soon as the answer is applied. A failed request (connection
//! refused, the leader's process died, no answer within
//! `replica.socket.timeout.ms`) backs the whole session off for
//! `replica.fetch.backoff.ms`; a partition-level error backs off that
//! partition only, until the metadata moves it.

use super::replica_manager::ReplicaManager;
use super::BrokerTimer;
use crate::collections::VecMap;
use crate::engine::config::IsolationLevel;
use crate::engine::error::KafkaError;
use crate::engine::event::ReplicationEvent;
use crate::engine::ids::{BrokerId, NodeId, TopicPartition};
use crate::engine::log::PartitionLog;
use crate::engine::node::{Ctx, Timer};
use crate::engine::protocol::{CorrelationId, FetchPartition, FetchRequest, FetchResponse, Request};
use crate::engine::record::Offset;
use crate::engine::time::Millis;

/// `replica.fetch.max.bytes`, Kafka's default 1048576: bytes per partition
/// in one follower fetch (at least one batch is always returned).
pub const REPLICA_FETCH_MAX_BYTES: i32 = 1_048_576;
/// `replica.fetch.response.max.bytes`, Kafka's default 10485760.
pub const REPLICA_FETCH_RESPONSE_MAX_BYTES: i32 = 10_485_760;
/// `replica.socket.timeout.ms`, Kafka's default 30000: a follower's fetch
/// unanswered for this long has failed.
pub const REPLICA_SOCKET_TIMEOUT_MS: Millis = 30_000;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct PartitionFetchState {
    /// Not fetched before this time (after a partition error).
    delayed_until: Millis,
    /// The (fetch offset, leader epoch) of the request in flight: an answer
    /// is applied only if the replica is still there.
    in_flight: Option<(Offset, i32)>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchSession {
    partitions: VecMap<TopicPartition, PartitionFetchState>,
    in_flight: Option<CorrelationId>,
    backoff_until: Millis,
    /// A `FetchWake` timer is set for this time.
    wake_at: Option<Millis>,
}

/// Every fetch session of this broker, by leader.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplicaFetchers {
    sessions: VecMap<BrokerId, FetchSession>,
}

impl ReplicaFetchers {
    /// Follow `tp` from `leader` (`None`: fetch it from nobody).
    pub fn assign(&mut self, tp: &TopicPartition, leader: Option<BrokerId>) {
        self.remove(tp);
        if let Some(leader) = leader {
            self.sessions.entry(leader).or_default().partitions.insert(tp.clone(), PartitionFetchState::default());
        }
    }

    pub fn remove(&mut self, tp: &TopicPartition) {
        let mut emptied = None;
        for (leader, session) in self.sessions.iter_mut() {
            if session.partitions.remove(tp).is_some() {
                if session.partitions.is_empty() && session.in_flight.is_none() {
                    emptied = Some(*leader);
                }
                break;
            }
        }
        if let Some(leader) = emptied {
            self.sessions.remove(&leader);
        }
    }

    pub fn clear(&mut self) {
        self.sessions.clear();
    }

    /// The leader `tp` is fetched from, if any.
    pub fn leader_of(&self, tp: &TopicPartition) -> Option<BrokerId> {
        self.sessions.iter().find(|(_, s)| s.partitions.contains_key(tp)).map(|(l, _)| *l)
    }

    /// Whether a fetch with this id is in flight to `leader`.
    pub fn owns(&self, leader: BrokerId, correlation_id: CorrelationId) -> bool {
        self.sessions.get(&leader).is_some_and(|s| s.in_flight == Some(correlation_id))
    }

    pub fn session_count(&self) -> u32 {
        self.sessions.len() as u32
    }
}

/// The epoch of the last batch in the log (KIP-595's `lastFetchedEpoch`).
/// An epoch entry with no batches (a leader that was elected and appended
/// nothing) does not count: it would make the leader report a divergence
/// that truncating cannot resolve.
pub fn last_fetched_epoch(log: &PartitionLog) -> i32 {
    let leo = log.log_end_offset();
    log.epoch_entries().iter().rev().find(|e| e.start_offset < leo).map_or(-1, |e| e.epoch)
}

/// Sends a Fetch on every session that is ready: nothing in flight, not
/// backing off, and with at least one partition not delayed.
pub(super) fn send_fetches(rm: &mut ReplicaManager, ctx: &mut Ctx) {
    let now = ctx.now;
    let me = rm.broker_id;
    let ReplicaManager { fetchers, partitions, correlation, config, .. } = rm;
    fetchers.sessions.retain(|_, s| !s.partitions.is_empty() || s.in_flight.is_some());
    for (&leader, session) in fetchers.sessions.iter_mut() {
        if session.in_flight.is_some() {
            continue;
        }
        if session.backoff_until > now {
            wake_at(ctx, session, leader, session.backoff_until);
            continue;
        }
        let mut requested = Vec::new();
        let mut next_due: Option<Millis> = None;
        for (tp, state) in session.partitions.iter_mut() {
            let Some(p) = partitions.get(tp).filter(|p| p.is_follower() && p.leader == Some(leader)) else {
                continue;
            };
            if state.delayed_until > now {
                next_due = Some(next_due.map_or(state.delayed_until, |d| d.min(state.delayed_until)));
                continue;
            }
            state.in_flight = Some((p.log_end_offset(), p.leader_epoch));
            requested.push(FetchPartition {
                tp: tp.clone(),
                current_leader_epoch: p.leader_epoch,
                fetch_offset: p.log_end_offset(),
                last_fetched_epoch: last_fetched_epoch(&p.log),
                log_start_offset: p.log.log_start_offset(),
                partition_max_bytes: REPLICA_FETCH_MAX_BYTES,
            });
        }
        if requested.is_empty() {
            if let Some(due) = next_due {
                wake_at(ctx, session, leader, due);
            }
            continue;
        }
        let correlation_id = correlation.allocate();
        session.in_flight = Some(correlation_id);
        ctx.request(
            NodeId::Broker(leader),
            correlation_id,
            Request::Fetch(FetchRequest {
                replica_id: Some(me),
                max_wait_ms: config.replica_fetch_wait_max_ms,
                min_bytes: config.replica_fetch_min_bytes,
                max_bytes: REPLICA_FETCH_RESPONSE_MAX_BYTES,
                isolation_level: IsolationLevel::ReadUncommitted,
                partitions: requested,
            }),
        );
        ctx.set_timer(REPLICA_SOCKET_TIMEOUT_MS, Timer::Broker(BrokerTimer::FetchTimeout { leader, correlation_id }));
    }
}

fn wake_at(ctx: &mut Ctx, session: &mut FetchSession, leader: BrokerId, at: Millis) {
    if session.wake_at.is_some_and(|w| w <= at) {
        return;
    }
    session.wake_at = Some(at);
    ctx.set_timer(at - ctx.now, Timer::Broker(BrokerTimer::FetchWake { leader }));
}

/// A `FetchWake` timer fired: the session may send again (the broker
/// settles, which sends).
pub(super) fn on_wake(rm: &mut ReplicaManager, ctx: &mut Ctx, leader: BrokerId) {
    if let Some(session) = rm.fetchers.sessions.get_mut(&leader) {
        if session.wake_at.is_some_and(|w| w <= ctx.now) {
            session.wake_at = None;
        }
    }
}

/// The leader answered a follower fetch: apply each partition (append,
/// truncate on a diverging epoch, reset when out of range, back off on an
/// error).
pub(super) fn on_fetch_response(
    rm: &mut ReplicaManager,
    ctx: &mut Ctx,
    leader: BrokerId,
    correlation_id: CorrelationId,
    response: FetchResponse,
) {
    let backoff = rm.config.replica_fetch_backoff_ms;
    let ReplicaManager { fetchers, partitions, .. } = rm;
    let Some(session) = fetchers.sessions.get_mut(&leader) else {
        return;
    };
    if session.in_flight != Some(correlation_id) {
        return;
    }
    session.in_flight = None;
    for pr in response.partitions {
        let Some(state) = session.partitions.get_mut(&pr.tp) else {
            continue;
        };
        let Some((sent_offset, sent_epoch)) = state.in_flight.take() else {
            continue;
        };
        let Some(p) = partitions.get_mut(&pr.tp) else {
            continue;
        };
        if !p.is_follower()
            || p.leader != Some(leader)
            || p.leader_epoch != sent_epoch
            || p.log_end_offset() != sent_offset
        {
            continue; // the replica moved on while the fetch was out
        }
        match pr.error {
            None => match pr.diverging_epoch {
                Some(diverging) => {
                    let offset = p.truncation_offset(diverging);
                    if offset >= p.log_end_offset() {
                        // Nothing to cut: wait rather than ask again at once.
                        state.delayed_until = ctx.now + backoff;
                    }
                    p.truncate_to(ctx, offset);
                }
                None => p.append_fetched(ctx, &pr.batches, pr.high_watermark, pr.log_start_offset),
            },
            Some(KafkaError::OffsetOutOfRange) => {
                p.reset_out_of_range(ctx, pr.log_start_offset, pr.high_watermark);
            }
            Some(_) => state.delayed_until = ctx.now + backoff,
        }
    }
    for state in session.partitions.values_mut() {
        state.in_flight = None;
    }
}

/// The session's request failed as a whole: back off.
pub(super) fn on_fetch_failed(
    rm: &mut ReplicaManager,
    ctx: &mut Ctx,
    leader: BrokerId,
    correlation_id: Option<CorrelationId>,
    reason: &str,
) {
    let backoff = rm.config.replica_fetch_backoff_ms;
    let Some(session) = rm.fetchers.sessions.get_mut(&leader) else {
        return;
    };
    let Some(in_flight) = session.in_flight else {
        return;
    };
    if correlation_id.is_some_and(|c| c != in_flight) {
        return;
    }
    session.in_flight = None;
    for state in session.partitions.values_mut() {
        state.in_flight = None;
    }
    session.backoff_until = ctx.now + backoff;
    ctx.emit(ReplicationEvent::FetcherBackedOff { broker: rm.broker_id, leader, reason: reason.to_string() });
}
