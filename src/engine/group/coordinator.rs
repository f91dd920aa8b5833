//! The group coordinator hosted by a broker: the classic consumer group
//! protocol and committed offsets in `__consumer_offsets`.
//!
//! STUB: the group engineer replaces this; the signatures are the contract
//! with the broker.

use serde::{Deserialize, Serialize};

use crate::engine::broker::host::CoordinatorHost;
use crate::engine::config::BrokerConfig;
use crate::engine::ids::{BrokerId, NodeId, PartitionId};
use crate::engine::node::Ctx;
use crate::engine::protocol::{CorrelationId, Request};
use crate::engine::record::Offset;

/// Timers of the group coordinator (carried in `BrokerTimer::Group`).
#[derive(Debug, Clone, PartialEq)]
pub enum GroupTimer {
    /// A member's session may have expired.
    SessionExpiry { group: String, member_id: String, token: u64 },
}

pub struct GroupCoordinator {
    pub broker_id: BrokerId,
    pub config: BrokerConfig,
}

impl GroupCoordinator {
    pub fn new(broker_id: BrokerId, config: BrokerConfig) -> Self {
        GroupCoordinator { broker_id, config }
    }
    /// FindCoordinator(group), JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch.
    pub fn handle_request(
        &mut self,
        ctx: &mut Ctx,
        host: &mut dyn CoordinatorHost,
        from: NodeId,
        correlation_id: CorrelationId,
        request: Request,
    ) {
        let _ = (ctx, host, from, correlation_id, request);
    }
    pub fn on_timer(&mut self, ctx: &mut Ctx, host: &mut dyn CoordinatorHost, timer: GroupTimer) {
        let _ = (ctx, host, timer);
    }
    /// This broker became leader of `__consumer_offsets-<partition>`: load its groups.
    pub fn on_became_leader(&mut self, ctx: &mut Ctx, host: &mut dyn CoordinatorHost, partition: PartitionId) {
        let _ = (ctx, host, partition);
    }
    /// This broker stopped leading `__consumer_offsets-<partition>`: forget its groups.
    pub fn on_resigned(&mut self, ctx: &mut Ctx, partition: PartitionId) {
        let _ = (ctx, partition);
    }
    /// The high watermark of `__consumer_offsets-<partition>` advanced: complete pending commits.
    pub fn on_high_watermark(
        &mut self,
        ctx: &mut Ctx,
        host: &mut dyn CoordinatorHost,
        partition: PartitionId,
        hw: Offset,
    ) {
        let _ = (ctx, host, partition, hw);
    }
    /// The process died: everything in memory is gone.
    pub fn crash(&mut self) {}
    pub fn snapshot(&self) -> Vec<GroupSnapshot> {
        Vec::new()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupSnapshot {
    pub group_id: String,
    pub coordinator: BrokerId,
}
