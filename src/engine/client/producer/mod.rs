//! The producer client: accumulator, partitioner, sender, retries,
//! idempotence and transactions.
//!
//! STUB: the producer engineer replaces this; the public signatures are the
//! contract with `sim.rs`.

use serde::{Deserialize, Serialize};

use crate::engine::client::{ProducerRecord, Workload};
use crate::engine::config::ProducerConfig;
use crate::engine::error::KafkaError;
use crate::engine::ids::{BrokerId, ClientId, NodeId};
use crate::engine::node::Ctx;
use crate::engine::protocol::Message;

#[derive(Debug, Clone, PartialEq)]
pub enum ProducerTimer {
    /// The workload's next tick.
    Workload { token: u64 },
}

pub struct Producer {
    pub id: ClientId,
    pub name: String,
    pub config: ProducerConfig,
    pub workload: Option<Workload>,
    pub paused: bool,
    bootstrap: Vec<BrokerId>,
}

impl Producer {
    pub fn new(
        id: ClientId,
        name: String,
        config: ProducerConfig,
        bootstrap: Vec<BrokerId>,
        workload: Option<Workload>,
    ) -> Self {
        Producer { id, name, config, workload, paused: false, bootstrap }
    }
    pub fn start(&mut self, ctx: &mut Ctx) {
        let _ = (ctx, &self.bootstrap);
    }
    /// `producer.send(record)`: queued in the accumulator. Errors only for
    /// what Kafka raises synchronously (e.g. a record larger than max.request.size).
    pub fn send(&mut self, ctx: &mut Ctx, record: ProducerRecord) -> Result<(), KafkaError> {
        let _ = (ctx, record);
        Ok(())
    }
    pub fn set_workload(&mut self, ctx: &mut Ctx, workload: Option<Workload>) {
        let _ = ctx;
        self.workload = workload;
    }
    pub fn set_paused(&mut self, ctx: &mut Ctx, paused: bool) {
        let _ = ctx;
        self.paused = paused;
    }
    pub fn begin_transaction(&mut self, ctx: &mut Ctx) -> Result<(), String> {
        let _ = ctx;
        Err("transactions are not implemented yet".into())
    }
    pub fn commit_transaction(&mut self, ctx: &mut Ctx) -> Result<(), String> {
        let _ = ctx;
        Err("transactions are not implemented yet".into())
    }
    pub fn abort_transaction(&mut self, ctx: &mut Ctx) -> Result<(), String> {
        let _ = ctx;
        Err("transactions are not implemented yet".into())
    }
    /// `producer.close()`: flush, then stop.
    pub fn close(&mut self, ctx: &mut Ctx) {
        let _ = ctx;
    }
    pub fn on_message(&mut self, ctx: &mut Ctx, from: NodeId, message: Message) {
        let _ = (ctx, from, message);
    }
    pub fn on_timer(&mut self, ctx: &mut Ctx, timer: ProducerTimer) {
        let _ = (ctx, timer);
    }
    pub fn snapshot(&self) -> ProducerSnapshot {
        ProducerSnapshot { id: self.id, name: self.name.clone(), config: self.config.clone() }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProducerSnapshot {
    pub id: ClientId,
    pub name: String,
    pub config: ProducerConfig,
}
