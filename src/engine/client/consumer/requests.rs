//! The consumer's requests in flight (Kafka's `NetworkClient` for one
//! client): correlation ids, what each request was for, and its timeout.
//!
//! A request ends in exactly one way: its response, a `ConnectionRefused`,
//! a `Disconnected` from its broker, or its `request.timeout.ms` deadline. The
//! first one removes it from the table; whatever comes later for the same
//! correlation id finds nothing and is ignored.
//!
//! Deadlines are checked per connection (`client::deadlines`): when a
//! broker's timer fires, the requests past their deadline time out and the
//! timer is armed again for the next one.

use crate::collections::VecMap;
use crate::engine::client::deadlines::DeadlineTimers;
use crate::engine::ids::{BrokerId, NodeId, TopicPartition};
use crate::engine::node::{Ctx, Timer};
use crate::engine::protocol::{CorrelationId, Request};
use crate::engine::record::Offset;
use crate::engine::time::Millis;

use super::commits::CommitId;
use super::ConsumerTimer;

/// What a request was sent for: how to handle its answer or its failure.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Purpose {
    Metadata,
    FindCoordinator,
    /// A fetch to one leader: each partition with the offset it was fetched
    /// from (a response for a partition whose position has moved since is
    /// stale and dropped).
    Fetch {
        partitions: Vec<(TopicPartition, Offset)>,
    },
    /// Positions by `auto.offset.reset`, seek to beginning/end, or offsets for times.
    ListOffsets {
        partitions: Vec<TopicPartition>,
    },
    /// Committed offsets for newly assigned partitions.
    OffsetFetch {
        partitions: Vec<TopicPartition>,
    },
    OffsetCommit {
        commit: CommitId,
    },
    JoinGroup,
    SyncGroup,
    /// A heartbeat for this generation.
    Heartbeat {
        generation: i32,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct InFlight {
    pub to: BrokerId,
    pub purpose: Purpose,
    pub sent_at: Millis,
    /// `sent_at` + the request's timeout.
    pub deadline: Millis,
}

#[derive(Debug, Default)]
pub(super) struct Requests {
    next_correlation_id: CorrelationId,
    in_flight: VecMap<CorrelationId, InFlight>,
    timers: DeadlineTimers,
}

impl Requests {
    /// Sends `body` to `to` and arms its timeout.
    pub fn send(
        &mut self,
        ctx: &mut Ctx,
        to: BrokerId,
        body: Request,
        purpose: Purpose,
        timeout_ms: Millis,
    ) -> CorrelationId {
        self.next_correlation_id += 1;
        let correlation_id = self.next_correlation_id;
        ctx.request(NodeId::Broker(to), correlation_id, body);
        let deadline = ctx.now + timeout_ms.max(0);
        let previous = self.in_flight.insert(correlation_id, InFlight { to, purpose, sent_at: ctx.now, deadline });
        assert!(previous.is_none(), "correlation ids are never reused");
        self.arm(ctx, to, deadline);
        correlation_id
    }

    fn arm(&mut self, ctx: &mut Ctx, broker: BrokerId, deadline: Millis) {
        self.timers
            .arm_by(ctx, broker, deadline, |broker, at| Timer::Consumer(ConsumerTimer::RequestTimeout { broker, at }));
    }

    /// The deadline timer of `broker` armed for `at` fired: the requests past
    /// their deadline, oldest first (the caller fails them), and the timer is
    /// armed again for the next deadline. A timer replaced by an earlier one
    /// returns nothing.
    pub fn timed_out(&mut self, ctx: &mut Ctx, broker: BrokerId, at: Millis) -> Vec<InFlight> {
        if !self.timers.fired(broker, at) {
            return Vec::new();
        }
        let expired: Vec<CorrelationId> =
            self.in_flight.iter().filter(|(_, r)| r.to == broker && r.deadline <= ctx.now).map(|(id, _)| *id).collect();
        let expired: Vec<InFlight> = expired.into_iter().filter_map(|id| self.in_flight.remove(&id)).collect();
        let next = self.in_flight.values().filter(|r| r.to == broker).map(|r| r.deadline).min();
        if let Some(next) = next {
            self.arm(ctx, broker, next);
        }
        expired
    }

    /// Sends a request nobody waits for (LeaveGroup on close): no timeout,
    /// and its answer, if any, is ignored.
    pub fn send_and_forget(&mut self, ctx: &mut Ctx, to: BrokerId, body: Request) {
        self.next_correlation_id += 1;
        ctx.request(NodeId::Broker(to), self.next_correlation_id, body);
    }

    /// The request this answers, if it is still waited for.
    pub fn complete(&mut self, correlation_id: CorrelationId) -> Option<InFlight> {
        self.in_flight.remove(&correlation_id)
    }

    /// Every request waiting on `broker`, in correlation order (its process died).
    pub fn fail_all_to(&mut self, broker: BrokerId) -> Vec<InFlight> {
        let ids: Vec<CorrelationId> =
            self.in_flight.iter().filter(|(_, r)| r.to == broker).map(|(id, _)| *id).collect();
        ids.into_iter().filter_map(|id| self.in_flight.remove(&id)).collect()
    }

    pub fn len(&self) -> u32 {
        self.in_flight.len() as u32
    }

    /// Forgets everything (the consumer closed or failed).
    pub fn clear(&mut self) {
        self.in_flight.clear();
        self.timers.clear();
    }
}
