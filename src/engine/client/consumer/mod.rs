//! The consumer client: fetcher, positions, group membership, commits, and
//! the simulated application's processing loop.
//!
//! STUB: the consumer engineer replaces this; the public signatures are the
//! contract with `sim.rs`.

use serde::{Deserialize, Serialize};

use crate::engine::client::ConsumerApp;
use crate::engine::config::ConsumerConfig;
use crate::engine::ids::{BrokerId, ClientId, NodeId, TopicPartition};
use crate::engine::node::Ctx;
use crate::engine::protocol::Message;
use crate::engine::record::Offset;

#[derive(Debug, Clone, PartialEq)]
pub enum ConsumerTimer {
    /// The next poll of the application loop.
    Poll { token: u64 },
}

pub struct Consumer {
    pub id: ClientId,
    pub name: String,
    pub config: ConsumerConfig,
    pub app: ConsumerApp,
    bootstrap: Vec<BrokerId>,
}

impl Consumer {
    pub fn new(id: ClientId, name: String, config: ConsumerConfig, app: ConsumerApp, bootstrap: Vec<BrokerId>) -> Self {
        Consumer { id, name, config, app, bootstrap }
    }
    pub fn start(&mut self, ctx: &mut Ctx) {
        let _ = (ctx, &self.bootstrap);
    }
    /// `consumer.close()`: commit (if auto-commit), LeaveGroup, stop.
    pub fn close(&mut self, ctx: &mut Ctx) {
        let _ = ctx;
    }
    /// `consumer.seek(tp, offset)`.
    pub fn seek(&mut self, ctx: &mut Ctx, tp: TopicPartition, offset: Offset) -> Result<(), String> {
        let _ = (ctx, tp, offset);
        Ok(())
    }
    pub fn on_message(&mut self, ctx: &mut Ctx, from: NodeId, message: Message) {
        let _ = (ctx, from, message);
    }
    pub fn on_timer(&mut self, ctx: &mut Ctx, timer: ConsumerTimer) {
        let _ = (ctx, timer);
    }
    pub fn snapshot(&self) -> ConsumerSnapshot {
        ConsumerSnapshot { id: self.id, name: self.name.clone(), group: self.config.group_id.clone() }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsumerSnapshot {
    pub id: ClientId,
    pub name: String,
    pub group: Option<String>,
}
