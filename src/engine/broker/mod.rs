//! A broker: partition replicas (leader or follower), the replica fetcher,
//! the request handlers, and the group and transaction coordinators it hosts.
//!
//! STUB: the broker engineer replaces this with the real thing; the public
//! signatures are the contract with `sim.rs`.

pub mod host;

use serde::{Deserialize, Serialize};

use super::config::BrokerConfig;
use super::ids::{BrokerId, NodeId};
use super::node::Ctx;
use super::protocol::Message;
use super::time::Millis;

/// Timers a broker sets.
#[derive(Debug, Clone, PartialEq)]
pub enum BrokerTimer {
    /// Send the next BrokerHeartbeat to the controller.
    Heartbeat { incarnation: u32 },
    /// A timer of the hosted group coordinator.
    Group(crate::engine::group::coordinator::GroupTimer),
    /// A timer of the hosted transaction coordinator.
    Txn(crate::engine::txn::coordinator::TxnTimer),
}

pub struct Broker {
    pub id: BrokerId,
    pub config: BrokerConfig,
    incarnation: u32,
}

impl Broker {
    pub fn new(id: BrokerId, config: BrokerConfig) -> Self {
        Broker { id, config, incarnation: 0 }
    }

    /// The process starts (first boot or restart): register with the
    /// controller, start heartbeating. Logs survive restarts.
    pub fn start(&mut self, ctx: &mut Ctx, incarnation: u32) {
        self.incarnation = incarnation;
        let _ = ctx;
    }

    /// The process died: drop everything held in memory but the logs.
    pub fn crash(&mut self) {}

    /// Begin a controlled shutdown; call `ctx.shutdown_complete()` when done.
    pub fn begin_controlled_shutdown(&mut self, ctx: &mut Ctx) {
        ctx.shutdown_complete();
    }

    pub fn on_message(&mut self, ctx: &mut Ctx, from: NodeId, message: Message) {
        let _ = (ctx, from, message);
    }

    pub fn on_timer(&mut self, ctx: &mut Ctx, timer: BrokerTimer) {
        let _ = (ctx, timer);
    }

    pub fn snapshot(&self, now: Millis) -> BrokerSnapshot {
        let _ = now;
        BrokerSnapshot { id: self.id, rack: self.config.broker_rack.clone() }
    }
}

/// What the UI and tests see of a broker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BrokerSnapshot {
    pub id: BrokerId,
    pub rack: Option<String>,
}
