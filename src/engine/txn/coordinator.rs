//! The transaction coordinator hosted by a broker (`__transaction_state`),
//! and producer id allocation for idempotent producers.
//!
//! STUB: the producer engineer replaces this; the signatures are the
//! contract with the broker.

use crate::engine::broker::host::CoordinatorHost;
use crate::engine::config::BrokerConfig;
use crate::engine::ids::{BrokerId, NodeId, PartitionId};
use crate::engine::node::Ctx;
use crate::engine::protocol::{CorrelationId, Message, Request};
use crate::engine::record::Offset;

/// Timers of the transaction coordinator (carried in `BrokerTimer::Txn`).
#[derive(Debug, Clone, PartialEq)]
pub enum TxnTimer {
    /// A transaction may have exceeded `transaction.timeout.ms`.
    Timeout { transactional_id: String, token: u64 },
}

pub struct TxnCoordinator {
    pub broker_id: BrokerId,
    pub config: BrokerConfig,
}

impl TxnCoordinator {
    pub fn new(broker_id: BrokerId, config: BrokerConfig) -> Self {
        TxnCoordinator { broker_id, config }
    }
    /// FindCoordinator(transaction), InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, EndTxn.
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
    /// Responses to requests the coordinator sent (WriteTxnMarkers to partition leaders).
    pub fn handle_response(&mut self, ctx: &mut Ctx, host: &mut dyn CoordinatorHost, from: NodeId, message: Message) {
        let _ = (ctx, host, from, message);
    }
    pub fn on_timer(&mut self, ctx: &mut Ctx, host: &mut dyn CoordinatorHost, timer: TxnTimer) {
        let _ = (ctx, host, timer);
    }
    pub fn on_became_leader(&mut self, ctx: &mut Ctx, host: &mut dyn CoordinatorHost, partition: PartitionId) {
        let _ = (ctx, host, partition);
    }
    pub fn on_resigned(&mut self, ctx: &mut Ctx, partition: PartitionId) {
        let _ = (ctx, partition);
    }
    pub fn on_high_watermark(
        &mut self,
        ctx: &mut Ctx,
        host: &mut dyn CoordinatorHost,
        partition: PartitionId,
        hw: Offset,
    ) {
        let _ = (ctx, host, partition, hw);
    }
    pub fn crash(&mut self) {}
}
