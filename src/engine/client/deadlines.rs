//! One `request.timeout.ms` timer per connection, shared by the producer and
//! the consumer. Java's `NetworkClient.handleTimedOutRequests` checks
//! deadlines per connection; here that is one timer per broker, armed for the
//! earliest deadline of the requests in flight to it and re-armed by its owner
//! for the next one when it fires. (A timer per request left one stale timer
//! in the simulation's queue for `request.timeout.ms` after almost every
//! request.)

use crate::collections::VecMap;
use crate::engine::ids::BrokerId;
use crate::engine::node::{Ctx, Timer};
use crate::engine::time::Millis;

#[derive(Debug, Default)]
pub(crate) struct DeadlineTimers {
    /// Per broker, when its timer is armed to fire (the latest armed one).
    armed: VecMap<BrokerId, Millis>,
}

impl DeadlineTimers {
    /// Makes sure `broker`'s timer fires by `deadline`: arms one unless one
    /// is already armed at or before it. `timer` is the owner's timer value
    /// for `(broker, at)`, handed back to [`DeadlineTimers::fired`].
    pub fn arm_by(&mut self, ctx: &mut Ctx, broker: BrokerId, deadline: Millis, timer: fn(BrokerId, Millis) -> Timer) {
        if self.armed.get(&broker).is_some_and(|at| *at <= deadline) {
            return;
        }
        self.armed.insert(broker, deadline);
        ctx.set_timer(deadline - ctx.now, timer(broker, deadline));
    }

    /// `broker`'s timer armed for `at` fired. True if it is the current one
    /// (the owner then checks its deadlines and arms the next); false for a
    /// timer an earlier one replaced.
    pub fn fired(&mut self, broker: BrokerId, at: Millis) -> bool {
        if self.armed.get(&broker) != Some(&at) {
            return false;
        }
        self.armed.remove(&broker);
        true
    }

    pub fn clear(&mut self) {
        self.armed.clear();
    }
}
