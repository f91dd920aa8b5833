//! The producer client, modelled on the Java `KafkaProducer`: partitioner,
//! record accumulator, sender, retries, idempotence and transactions.
//!
//! - `send()` picks a partition ([`crate::engine::partitioner`]) and appends
//!   to the partition's batch in the accumulator (`accumulator`, `batch`).
//! - The sender (`sender`) sends a batch when it is full or `linger.ms`
//!   passed: ready batches are grouped by leader, one ProduceRequest per
//!   broker with at most one batch per partition, at most
//!   `max.in.flight.requests.per.connection` requests in flight per broker.
//! - Retriable errors put the batch back at the front of its queue after
//!   `retry.backoff.ms`, until `retries` or `delivery.timeout.ms` run out.
//! - With `enable.idempotence` (the default) every batch carries the
//!   producer id, epoch and a per-partition sequence number kept across
//!   retries, so the broker drops a retried batch it already has (`txn`).
//!   Without it, a retry after a lost acknowledgement writes a duplicate.
//! - With `transactional.id`: initTransactions at start, then
//!   begin / send / commit or abort (`txn`, and `txn::coordinator` on the broker).
//! - `workload`: the simulated application that calls `send()`.
//!
//! What is simplified, against the Java client: `retry.backoff.ms` is a
//! fixed backoff (Kafka 3.7+ grows it up to `retry.backoff.max.ms`, KIP-580);
//! `max.block.ms` is not modelled (records for an unknown topic wait up to
//! `delivery.timeout.ms`); a batch refused with MESSAGE_TOO_LARGE is not
//! split; `max.in.flight.requests.per.connection` counts ProduceRequests
//! only; delivery timeouts are checked on queued batches and when a failed
//! batch would be retried (an in-flight batch is bounded by
//! `request.timeout.ms`, after which, as in Java, the connection is closed
//! and every request on it fails).
//!
//! Differences a .NET (Confluent.Kafka / librdkafka) developer should know:
//! librdkafka names `delivery.timeout.ms` `message.timeout.ms` (default
//! 300000) and reports it as `Local_MsgTimedOut` (`_MSG_TIMED_OUT`, which is
//! what this model reports); it sends keyed records with CRC32, not murmur2
//! (see the partitioner); `linger.ms` defaults to 5 there as in Kafka 4.0.

mod accumulator;
mod batch;
mod metadata;
mod sender;
mod stats;
mod txn;
mod workload;

#[cfg(test)]
mod tests;

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use self::accumulator::Accumulator;
use self::metadata::ClientMetadata;
use self::sender::InFlightRequest;
use self::txn::TxnManager;
use self::workload::WorkloadState;
use crate::collections::{VecMap, VecSet};
use crate::engine::blob::Blob;
use crate::engine::client::deadlines::DeadlineTimers;
use crate::engine::client::{ProducerRecord, Workload};
use crate::engine::config::{Partitioner, ProducerConfig};
use crate::engine::error::KafkaError;
use crate::engine::event::{ProducerEvent, TxnEvent};
use crate::engine::ids::{BrokerId, ClientId, NodeId, PartitionId, TopicPartition};
use crate::engine::node::Ctx;
use crate::engine::partitioner::{partition_for_key, RoundRobinPartitioner, StickyPartitioner};
use crate::engine::protocol::{CorrelationId, Message};
use crate::engine::record::{Header, Offset, ProducerEpoch, ProducerId, RECORD_BATCH_OVERHEAD};
use crate::engine::time::Millis;

pub use self::stats::{AckedRange, DeliveryReport, ProducerStats};
pub use self::txn::TransactionState;

#[derive(Debug, Clone, PartialEq)]
pub enum ProducerTimer {
    /// The workload's next tick.
    Workload { token: u64 },
    /// Wake the sender at `at`: a linger or retry backoff ends, a batch
    /// reaches its delivery timeout, metadata is due.
    Wake { at: Millis },
    /// Check `request.timeout.ms` on the connection to `broker`: armed for
    /// the oldest request in flight to it, at `at` (one timer per connection,
    /// as Java's `NetworkClient.handleTimedOutRequests` checks, instead of one
    /// per request left in the simulation's queue for 30 s).
    RequestTimeout { broker: BrokerId, at: Millis },
}

/// A record waiting for its topic to appear in the metadata.
#[derive(Debug, Clone)]
struct PendingRecord {
    record: ProducerRecord,
    timestamp: Millis,
    enqueued_at: Millis,
}

pub struct Producer {
    pub id: ClientId,
    pub name: String,
    pub config: ProducerConfig,
    pub workload: Option<Workload>,
    pub paused: bool,
    bootstrap: Vec<BrokerId>,
    metadata: ClientMetadata,
    accumulator: Accumulator,
    /// Records whose topic is not in the metadata yet, by topic.
    pending: VecMap<String, VecDeque<PendingRecord>>,
    sticky: VecMap<String, StickyPartitioner>,
    round_robin: RoundRobinPartitioner,
    tm: TxnManager,
    in_flight: VecMap<CorrelationId, InFlightRequest>,
    /// One request-timeout timer per broker connection.
    timeout_timers: DeadlineTimers,
    /// ProduceRequests in flight per broker.
    produce_in_flight: VecMap<BrokerId, u32>,
    /// Partitions with a batch in flight, when `max.in.flight.requests.per.connection`
    /// is 1 (Java's `guaranteeMessageOrder`: the partition is muted).
    muted: VecSet<TopicPartition>,
    /// No new connection attempt to a broker before this time (after a refusal or disconnect).
    node_backoff: VecMap<BrokerId, Millis>,
    /// Rotates the broker picked for Metadata / InitProducerId / FindCoordinator.
    node_cursor: u32,
    /// Rotates the first partition drained per broker (Java's `drainIndex`), for fairness.
    drain_cursor: u32,
    next_correlation_id: CorrelationId,
    /// Times at which a `Wake` timer is pending.
    wakes: VecSet<Millis>,
    workload_state: WorkloadState,
    ledger: stats::Ledger,
    closing: bool,
    closed: bool,
}

impl Producer {
    pub fn new(
        id: ClientId,
        name: String,
        config: ProducerConfig,
        bootstrap: Vec<BrokerId>,
        workload: Option<Workload>,
    ) -> Self {
        let tm = TxnManager::new(config.enable_idempotence, config.transactional_id.clone());
        Producer {
            id,
            name,
            accumulator: Accumulator::new(config.batch_size),
            config,
            workload,
            paused: false,
            bootstrap,
            metadata: ClientMetadata::default(),
            pending: VecMap::new(),
            sticky: VecMap::new(),
            round_robin: RoundRobinPartitioner::new(),
            tm,
            in_flight: VecMap::new(),
            timeout_timers: DeadlineTimers::default(),
            produce_in_flight: VecMap::new(),
            muted: VecSet::new(),
            node_backoff: VecMap::new(),
            node_cursor: 0,
            drain_cursor: 0,
            next_correlation_id: 1,
            wakes: VecSet::new(),
            workload_state: WorkloadState::default(),
            ledger: stats::Ledger::default(),
            closing: false,
            closed: false,
        }
    }

    /// The process starts: a transactional producer's application calls
    /// `initTransactions()` first; an idempotent one gets its producer id
    /// before the first send; the workload starts ticking.
    pub fn start(&mut self, ctx: &mut Ctx) {
        ctx.emit(ProducerEvent::ProducerStarted { client: self.id, name: self.name.clone() });
        if let Some(workload) = &self.workload {
            self.metadata.add_topic(&workload.topic);
        }
        if let Some(txn) = &mut self.tm.txn {
            txn.state = TransactionState::Initializing;
        }
        self.arm_workload(ctx);
        self.poll(ctx);
    }

    /// `producer.send(record)`: queued in the accumulator (or, while its
    /// topic is unknown, until the metadata names it). Errors only for what
    /// Kafka raises synchronously: a record larger than `max.request.size`
    /// (`MESSAGE_TOO_LARGE`), a partition the topic does not have, a send
    /// outside a transaction on a transactional producer (`INVALID_TXN_STATE`;
    /// Java throws IllegalStateException, librdkafka returns `_STATE`), or
    /// the producer's fatal error.
    pub fn send(&mut self, ctx: &mut Ctx, record: ProducerRecord) -> Result<(), KafkaError> {
        let result = self.send_record(ctx, record);
        self.poll(ctx);
        result
    }

    pub(super) fn send_record(&mut self, ctx: &mut Ctx, record: ProducerRecord) -> Result<(), KafkaError> {
        let ProducerRecord { topic, partition, key, value, headers, timestamp } = record;
        self.send_parts(ctx, &topic, partition, key, value, headers, timestamp)
    }

    /// `send()` taking the record's parts (the workload avoids building a
    /// `ProducerRecord`, and its topic string, per record).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn send_parts(
        &mut self,
        ctx: &mut Ctx,
        topic: &str,
        partition: Option<PartitionId>,
        key: Option<Blob>,
        value: Option<Blob>,
        headers: Vec<Header>,
        timestamp: Option<Millis>,
    ) -> Result<(), KafkaError> {
        if let Some(error) = self.tm.fatal {
            return Err(error);
        }
        if self.closing {
            return Err(KafkaError::InvalidTxnState);
        }
        if let Some(txn) = &self.tm.txn {
            let open = txn.state == TransactionState::InTransaction || txn.begin_after_init;
            if !open {
                return Err(KafkaError::InvalidTxnState);
            }
        }
        let estimate = RECORD_BATCH_OVERHEAD + batch::record_size(0, 0, key.as_ref(), value.as_ref(), &headers);
        if estimate as i64 > self.config.max_request_size as i64 {
            return Err(KafkaError::MessageTooLarge);
        }
        let known = self.metadata.topics.get(topic);
        if let Some(p) = partition {
            if p < 0 || known.is_some_and(|t| p >= t.partition_count()) {
                return Err(KafkaError::UnknownTopicOrPartition);
            }
        }
        self.ledger.stats.records_sent += 1;
        let timestamp = timestamp.unwrap_or(ctx.now);
        if known.is_some() {
            self.append(ctx, topic, partition, key, value, headers, timestamp);
        } else {
            self.metadata.add_topic(topic);
            let record = ProducerRecord { topic: topic.to_string(), partition, key, value, headers, timestamp: None };
            self.pending.entry(topic.to_string()).or_default().push_back(PendingRecord {
                record,
                timestamp,
                enqueued_at: ctx.now,
            });
        }
        Ok(())
    }

    /// Partitions and appends a record whose topic is known. Per-record
    /// work: no allocation beyond what the record itself holds.
    #[allow(clippy::too_many_arguments)]
    fn append(
        &mut self,
        ctx: &mut Ctx,
        name: &str,
        partition: Option<PartitionId>,
        key: Option<Blob>,
        value: Option<Blob>,
        headers: Vec<Header>,
        timestamp: Millis,
    ) {
        let topic = self.metadata.topics.get(name).expect("caller checked the topic is known");
        let count = topic.partition_count();
        let mut sticky_used = false;
        let partition: PartitionId = if let Some(p) = partition {
            p
        } else if self.config.partitioner_class == Partitioner::RoundRobin {
            self.round_robin.partition(name, &topic.available, count)
        } else if let (Some(key), false) = (&key, self.config.partitioner_ignore_keys) {
            partition_for_key(key.as_bytes(), count)
        } else {
            sticky_used = true;
            if !self.sticky.contains_key(name) {
                self.sticky.insert(name.to_string(), StickyPartitioner::new(self.config.batch_size.max(1)));
            }
            self.sticky.get_mut(name).expect("inserted above").partition(&topic.available, count, ctx.rng)
        };
        if let Some(txn) = &mut self.tm.txn {
            let tp = TopicPartition::new(name, partition);
            if !txn.partitions.contains(&tp) && !txn.adding.contains(&tp) {
                txn.pending_partitions.insert(tp);
            }
        }
        let transactional = self.tm.txn.is_some();
        let appended = self.accumulator.append(name, partition, key, value, headers, timestamp, ctx.now, transactional);
        if sticky_used {
            let topic = &self.metadata.topics[name];
            let sticky = self.sticky.get_mut(name).expect("chosen above");
            sticky.on_append(
                appended.bytes as i32,
                appended.last_batch_full,
                &topic.available,
                topic.partition_count(),
                ctx.rng,
            );
        }
    }

    /// Records waiting for metadata whose topic is now known go to the accumulator.
    fn release_pending(&mut self, ctx: &mut Ctx) {
        let known: Vec<String> =
            self.pending.keys().filter(|t| self.metadata.topics.contains_key(*t)).cloned().collect();
        for topic in known {
            for pending in self.pending.remove(&topic).unwrap_or_default() {
                let partitions = self.metadata.topics[&topic].partition_count();
                if let Some(p) = pending.record.partition.filter(|p| *p >= partitions) {
                    // Java: "Invalid partition given with record".
                    let tp = TopicPartition::new(topic.clone(), p);
                    self.ledger.failed(ctx.now, &tp, KafkaError::UnknownTopicOrPartition, 1);
                    let error = KafkaError::UnknownTopicOrPartition;
                    ctx.emit(ProducerEvent::ProduceFailed {
                        client: self.id,
                        tp,
                        error,
                        records: 1,
                        will_retry: false,
                    });
                    continue;
                }
                let ProducerRecord { topic: _, partition, key, value, headers, .. } = pending.record;
                self.append(ctx, &topic, partition, key, value, headers, pending.timestamp);
            }
        }
    }

    pub fn set_workload(&mut self, ctx: &mut Ctx, workload: Option<Workload>) {
        if let Some(w) = &workload {
            self.metadata.add_topic(&w.topic);
        }
        self.workload = workload;
        self.arm_workload(ctx);
        self.poll(ctx);
    }

    /// Pausing stops the workload generating records (its timer keeps
    /// ticking without owing records, so resuming does not burst); what is
    /// queued or in flight still completes.
    pub fn set_paused(&mut self, ctx: &mut Ctx, paused: bool) {
        let _ = ctx;
        self.paused = paused;
    }

    /// `beginTransaction()`: local state only, as in Kafka (the coordinator
    /// hears of the transaction with the first AddPartitionsToTxn).
    pub fn begin_transaction(&mut self, ctx: &mut Ctx) -> Result<(), String> {
        self.check_usable()?;
        let id = self.id;
        let txn = self.tm.txn.as_mut().ok_or_else(not_transactional)?;
        match txn.state {
            TransactionState::Ready => {
                txn.state = TransactionState::InTransaction;
                let transactional_id = txn.transactional_id.clone();
                ctx.emit(TxnEvent::TransactionBegun { client: id, transactional_id });
                Ok(())
            }
            TransactionState::Initializing if !txn.begin_after_init => {
                // initTransactions() is still running; in Java it blocks, so
                // the application begins once it returns.
                txn.begin_after_init = true;
                Ok(())
            }
            state => Err(invalid_state("begin a transaction", state)),
        }
    }

    /// `commitTransaction()`: flush, then EndTxn(commit). Returns at once;
    /// the outcome comes as `TransactionEnded` or `TransactionError` events.
    pub fn commit_transaction(&mut self, ctx: &mut Ctx) -> Result<(), String> {
        self.check_usable()?;
        let id = self.id;
        let txn = self.tm.txn.as_mut().ok_or_else(not_transactional)?;
        match txn.state {
            TransactionState::InTransaction => {
                txn.state = TransactionState::CommittingTransaction;
                ctx.emit(TxnEvent::TransactionEndRequested {
                    client: id,
                    transactional_id: txn.transactional_id.clone(),
                    commit: true,
                });
                self.poll(ctx);
                Ok(())
            }
            TransactionState::AbortableError => Err(format!(
                "{}: the transaction cannot commit after an error; abort it",
                txn.last_error.map_or("INVALID_TXN_STATE", KafkaError::name)
            )),
            state => Err(invalid_state("commit", state)),
        }
    }

    /// `abortTransaction()`: records not yet sent fail with `_PURGE_QUEUE`,
    /// in-flight ones are awaited, then EndTxn(abort).
    pub fn abort_transaction(&mut self, ctx: &mut Ctx) -> Result<(), String> {
        self.check_usable()?;
        let id = self.id;
        let txn = self.tm.txn.as_mut().ok_or_else(not_transactional)?;
        match txn.state {
            TransactionState::InTransaction | TransactionState::AbortableError => {
                txn.state = TransactionState::AbortingTransaction;
                ctx.emit(TxnEvent::TransactionEndRequested {
                    client: id,
                    transactional_id: txn.transactional_id.clone(),
                    commit: false,
                });
                self.poll(ctx);
                Ok(())
            }
            TransactionState::Initializing if txn.begin_after_init => {
                txn.begin_after_init = false;
                self.fail_undrained(ctx, KafkaError::PurgeQueue);
                Ok(())
            }
            state => Err(invalid_state("abort", state)),
        }
    }

    fn check_usable(&self) -> Result<(), String> {
        if let Some(error) = self.tm.fatal {
            return Err(format!("{}: the producer hit a fatal error; close it", error.name()));
        }
        if self.closing {
            return Err("the producer is closing".to_string());
        }
        Ok(())
    }

    /// `producer.close()`: stop the workload, abort an open transaction (as
    /// the Java producer does on close), flush everything queued (linger no
    /// longer waited for), then stop.
    pub fn close(&mut self, ctx: &mut Ctx) {
        if self.closing {
            return;
        }
        self.closing = true;
        self.workload_state.token += 1;
        ctx.emit(ProducerEvent::ProducerClosing { client: self.id });
        if let Some(txn) = &mut self.tm.txn {
            if matches!(txn.state, TransactionState::InTransaction | TransactionState::AbortableError) {
                txn.state = TransactionState::AbortingTransaction;
            }
            txn.begin_after_init = false;
        }
        self.poll(ctx);
    }

    pub fn on_message(&mut self, ctx: &mut Ctx, from: NodeId, message: Message) {
        if self.closed {
            return;
        }
        match message {
            Message::Response { correlation_id, body } => self.on_response(ctx, correlation_id, body),
            Message::ConnectionRefused { correlation_id } => self.on_connection_refused(ctx, correlation_id),
            Message::Disconnected => {
                if let NodeId::Broker(broker) = from {
                    self.on_disconnect(ctx, broker, None);
                }
            }
            Message::Request { .. } => {} // clients serve no requests
        }
        self.poll(ctx);
    }

    pub fn on_timer(&mut self, ctx: &mut Ctx, timer: ProducerTimer) {
        if self.closed {
            return;
        }
        match timer {
            ProducerTimer::Workload { token } => self.on_workload_tick(ctx, token),
            ProducerTimer::Wake { at } => {
                self.wakes.remove(&at);
                self.poll(ctx);
            }
            ProducerTimer::RequestTimeout { broker, at } => {
                if !self.timeout_timers.fired(broker, at) {
                    return; // replaced
                }
                let oldest = self
                    .in_flight
                    .iter()
                    .filter(|(_, r)| r.broker == broker)
                    .min_by_key(|(c, r)| (r.deadline, **c))
                    .map(|(c, r)| (*c, r.deadline));
                match oldest {
                    Some((correlation_id, deadline)) if deadline <= ctx.now => {
                        // Java's NetworkClient closes the connection: the broker
                        // drops what it had queued from it.
                        ctx.send(NodeId::Broker(broker), Message::Disconnected);
                        self.on_disconnect(ctx, broker, Some(correlation_id));
                        self.poll(ctx);
                    }
                    Some((_, deadline)) => self.arm_request_timeout(ctx, broker, deadline),
                    None => {}
                }
            }
        }
    }

    // ---- for tests and the UI ----

    /// Every acknowledged range `(tp, base_offset, count)`, contiguous
    /// acknowledgements merged. `acks=0` deliveries have no offset and are
    /// not listed. Bounded by `stats::ACKED_RANGES_MAX` (see `acked_truncated`).
    pub fn acknowledged(&self) -> &[AckedRange] {
        self.ledger.acked_ranges()
    }

    pub fn acked_truncated(&self) -> bool {
        self.ledger.acked_truncated
    }

    pub fn stats(&self) -> &ProducerStats {
        &self.ledger.stats
    }

    pub fn producer_id(&self) -> (ProducerId, ProducerEpoch) {
        (self.tm.producer_id, self.tm.producer_epoch)
    }

    pub fn transaction_state(&self) -> Option<TransactionState> {
        self.tm.state()
    }

    pub fn is_closed(&self) -> bool {
        self.closed
    }

    pub fn snapshot(&self) -> ProducerSnapshot {
        let txn = self.tm.txn.as_ref();
        ProducerSnapshot {
            id: self.id,
            name: self.name.clone(),
            config: self.config.clone(),
            workload: self.workload.clone(),
            paused: self.paused,
            closing: self.closing,
            producer_id: self.tm.producer_id,
            producer_epoch: self.tm.producer_epoch,
            transactional_id: txn.map(|t| t.transactional_id.clone()),
            transaction_state: txn.map(|t| t.state),
            transaction_partitions: txn.map(|t| t.partitions.iter().cloned().collect()).unwrap_or_default(),
            transaction_error: txn.and_then(|t| t.last_error),
            fatal_error: self.tm.fatal,
            records_generated: self.workload_state.generated,
            stats: self.ledger.stats.clone(),
            recent_deliveries: self.ledger.recent.iter().cloned().collect(),
            last_acked_offsets: self
                .ledger
                .last_acked
                .iter()
                .map(|(tp, offset)| PartitionOffset { tp: tp.clone(), offset: *offset })
                .collect(),
            queued: self
                .accumulator
                .sizes()
                .map(|(tp, records, batches)| PartitionQueue { tp: tp.clone(), records, batches })
                .collect(),
            records_awaiting_metadata: self.pending.values().map(|q| q.len() as u32).sum(),
            in_flight_requests: self.in_flight.values().filter(|r| r.is_produce()).count() as u32,
            in_flight_records: self.in_flight.values().map(InFlightRequest::record_count).sum(),
        }
    }
}

fn not_transactional() -> String {
    "INVALID_TXN_STATE: the producer has no transactional.id".to_string()
}

fn invalid_state(action: &str, state: TransactionState) -> String {
    format!("INVALID_TXN_STATE: cannot {action} in state {}", state.name())
}

/// The last acknowledged offset of a partition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionOffset {
    pub tp: TopicPartition,
    pub offset: Offset,
}

/// What the accumulator holds for a partition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionQueue {
    pub tp: TopicPartition,
    pub records: u32,
    pub batches: u32,
}

/// What the UI and tests see of a producer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProducerSnapshot {
    pub id: ClientId,
    pub name: String,
    pub config: ProducerConfig,
    pub workload: Option<Workload>,
    pub paused: bool,
    /// `close()` was called and the producer is flushing.
    pub closing: bool,
    /// -1 until InitProducerId answered (and always without idempotence).
    pub producer_id: ProducerId,
    pub producer_epoch: ProducerEpoch,
    pub transactional_id: Option<String>,
    pub transaction_state: Option<TransactionState>,
    /// Partitions the coordinator added to the open transaction.
    pub transaction_partitions: Vec<TopicPartition>,
    pub transaction_error: Option<KafkaError>,
    pub fatal_error: Option<KafkaError>,
    /// Records the workload generated.
    pub records_generated: u64,
    pub stats: ProducerStats,
    /// The last delivery reports, oldest first.
    pub recent_deliveries: Vec<DeliveryReport>,
    pub last_acked_offsets: Vec<PartitionOffset>,
    /// Records and batches queued per partition.
    pub queued: Vec<PartitionQueue>,
    /// Records whose topic is not in the metadata yet.
    pub records_awaiting_metadata: u32,
    /// ProduceRequests on the wire.
    pub in_flight_requests: u32,
    pub in_flight_records: u32,
}
