//! Preferred leader election (`auto.leader.rebalance.enable`, default true).
//!
//! After a broker dies and comes back, its partitions are led by others:
//! leadership is unbalanced. The KRaft controller notices partitions whose
//! leader is not their preferred (first) replica, waits
//! `leader.imbalance.check.interval.seconds` (default 300), then moves
//! leadership back wherever the preferred replica is live and in sync.
//! Kafka's `leader.imbalance.per.broker.percentage` is a ZooKeeper-controller
//! setting the KRaft controller does not use, so it is not modelled.

use super::election::Election;
use super::{Cause, Controller, ControllerTimer};
use crate::engine::node::{Ctx, Timer};

impl Controller {
    /// Whether some partition is not led by its preferred replica.
    fn leaders_imbalanced(&self) -> bool {
        self.image.topics.values().flat_map(|t| &t.partitions).any(|p| p.leader != p.replicas.first().copied())
    }

    pub(super) fn schedule_rebalance(&mut self, ctx: &mut Ctx) {
        if !self.defaults.auto_leader_rebalance_enable || self.rebalance_due.is_some() || !self.leaders_imbalanced() {
            return;
        }
        let after_ms = self.defaults.leader_imbalance_check_interval_seconds.max(1) * 1_000;
        let due = ctx.now + after_ms;
        self.rebalance_due = Some(due);
        ctx.set_timer(after_ms, Timer::Controller(ControllerTimer::LeaderRebalance { due }));
    }

    /// Elects the preferred replica wherever it is live, in sync and not leading.
    pub(super) fn balance_leaders(&mut self, ctx: &mut Ctx) {
        if !self.defaults.auto_leader_rebalance_enable {
            return;
        }
        self.change_partitions(ctx, Cause::Election, |_, _, p| {
            (p.leader != p.replicas.first().copied()).then(|| (p.isr.clone(), Election::Preferred))
        });
    }
}
