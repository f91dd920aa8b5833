//! The sender (`Sender` in the Java client): after every input the producer
//! runs one `poll`, which expires batches past `delivery.timeout.ms`,
//! refreshes metadata, sends the next transactional request, and drains
//! ready batches into ProduceRequests. Responses, refusals, disconnects and
//! request timeouts complete, retry or fail the batches.

use super::batch::ProducerBatch;
use super::txn::TransactionState;
use super::{Producer, ProducerTimer};
use crate::engine::config::Acks;
use crate::engine::error::KafkaError;
use crate::engine::event::{ProducerEvent, TxnEvent};
use crate::engine::ids::{BrokerId, NodeId, TopicPartition};
use crate::engine::node::{Ctx, Timer};
use crate::engine::protocol::{
    AddPartitionsToTxnRequest, AddPartitionsToTxnResponse, CoordinatorType, CorrelationId, EndTxnRequest,
    EndTxnResponse, FindCoordinatorRequest, FindCoordinatorResponse, InitProducerIdRequest, InitProducerIdResponse,
    Message, MetadataResponse, ProducePartitionData, ProduceRequest, ProduceResponse, Request, Response,
};
use crate::engine::record::Offset;
use crate::engine::time::Millis;

/// Java's `reconnect.backoff.ms` default: no new connection to a broker
/// that refused or dropped one for this long.
pub const RECONNECT_BACKOFF_MS: Millis = 50;

/// What a request on the wire was for.
#[derive(Debug, Clone)]
pub(crate) enum RequestKind {
    Produce { batches: Vec<ProducerBatch> },
    Metadata,
    InitProducerId,
    FindCoordinator,
    AddPartitions { partitions: Vec<TopicPartition> },
    EndTxn { commit: bool },
}

#[derive(Debug, Clone)]
pub(crate) struct InFlightRequest {
    pub broker: BrokerId,
    pub kind: RequestKind,
    /// When `request.timeout.ms` runs out.
    pub deadline: Millis,
}

impl InFlightRequest {
    pub fn is_produce(&self) -> bool {
        matches!(self.kind, RequestKind::Produce { .. })
    }

    pub fn record_count(&self) -> u32 {
        match &self.kind {
            RequestKind::Produce { batches } => batches.iter().map(ProducerBatch::record_count).sum(),
            _ => 0,
        }
    }
}

fn coordinator_moved(error: KafkaError) -> bool {
    matches!(error, KafkaError::NotCoordinator | KafkaError::CoordinatorNotAvailable)
}

fn fences_producer(error: KafkaError) -> bool {
    matches!(error, KafkaError::ProducerFenced | KafkaError::InvalidProducerEpoch)
}

impl Producer {
    /// One round of the sender loop. Cheap when there is nothing to do.
    pub(super) fn poll(&mut self, ctx: &mut Ctx) {
        if self.closed {
            return;
        }
        if !self.pending.is_empty() {
            self.release_pending(ctx);
        }
        self.expire(ctx);
        self.maybe_refresh_metadata(ctx);
        self.maybe_abort_batches(ctx);
        self.maybe_send_txn_request(ctx);
        self.send_ready_batches(ctx);
        self.maybe_finish_close(ctx);
        if !self.closed {
            self.schedule_next_wake(ctx);
        }
    }

    fn next_correlation_id(&mut self) -> CorrelationId {
        let id = self.next_correlation_id;
        self.next_correlation_id = self.next_correlation_id.wrapping_add(1).max(1);
        id
    }

    fn send_request(&mut self, ctx: &mut Ctx, broker: BrokerId, kind: RequestKind, body: Request) -> CorrelationId {
        let correlation_id = self.next_correlation_id();
        ctx.request(NodeId::Broker(broker), correlation_id, body);
        let deadline = ctx.now + self.config.request_timeout_ms.max(0);
        self.arm_request_timeout(ctx, broker, deadline);
        if matches!(kind, RequestKind::Produce { .. }) {
            *self.produce_in_flight.entry(broker).or_default() += 1;
        }
        self.in_flight.insert(correlation_id, InFlightRequest { broker, kind, deadline });
        correlation_id
    }

    /// One request-timeout timer per connection (see `ProducerTimer::RequestTimeout`).
    pub(super) fn arm_request_timeout(&mut self, ctx: &mut Ctx, broker: BrokerId, deadline: Millis) {
        self.timeout_timers
            .arm_by(ctx, broker, deadline, |broker, at| Timer::Producer(ProducerTimer::RequestTimeout { broker, at }));
    }

    fn take_request(&mut self, correlation_id: CorrelationId) -> Option<InFlightRequest> {
        let request = self.in_flight.remove(&correlation_id)?;
        if request.is_produce() {
            let count = self.produce_in_flight.get_mut(&request.broker).expect("counted when sent");
            assert!(*count > 0, "produce requests in flight to broker {} underflow", request.broker);
            *count -= 1;
            if *count == 0 {
                self.produce_in_flight.remove(&request.broker);
            }
        }
        Some(request)
    }

    fn produce_requests_in_flight(&self) -> u32 {
        self.produce_in_flight.values().sum()
    }

    /// A broker for Metadata, InitProducerId and FindCoordinator: the known
    /// broker with the fewest requests in flight (Java's `leastLoadedNode`),
    /// skipping brokers in reconnect backoff; ties rotate.
    fn pick_node(&self, now: Millis) -> Option<BrokerId> {
        let mut candidates: Vec<BrokerId> = self.metadata.brokers.iter().copied().collect();
        for b in &self.bootstrap {
            if !candidates.contains(b) {
                candidates.push(*b);
            }
        }
        crate::sort::sort(&mut candidates);
        if candidates.is_empty() {
            return None;
        }
        let n = candidates.len();
        let start = self.node_cursor as usize % n;
        let mut best: Option<(u32, BrokerId)> = None;
        for i in 0..n {
            let broker = candidates[(start + i) % n];
            if self.node_backoff.get(&broker).is_some_and(|until| *until > now) {
                continue;
            }
            let load = self.in_flight.values().filter(|r| r.broker == broker).count() as u32;
            if best.is_none_or(|(l, _)| load < l) {
                best = Some((load, broker));
            }
        }
        best.map(|(_, b)| b)
    }

    fn in_backoff(&self, broker: BrokerId, now: Millis) -> bool {
        self.node_backoff.get(&broker).is_some_and(|until| *until > now)
    }

    // ---- expiry ----

    fn expire(&mut self, ctx: &mut Ctx) {
        let timeout = self.config.delivery_timeout_ms;
        for batch in self.accumulator.expire(ctx.now, timeout) {
            self.fail_batch(ctx, batch, KafkaError::MsgTimedOut);
        }
        let mut expired = Vec::new();
        for (topic, queue) in &mut self.pending {
            let mut count = 0u32;
            while queue.front().is_some_and(|p| ctx.now - p.enqueued_at >= timeout) {
                queue.pop_front();
                count += 1;
            }
            if count > 0 {
                expired.push((topic.clone(), count));
            }
        }
        self.pending.retain(|_, q| !q.is_empty());
        for (topic, count) in expired {
            // Java: "Topic <t> not present in metadata after max.block.ms" from send().
            self.fail_records(ctx, &TopicPartition::new(topic, -1), KafkaError::MsgTimedOut, count);
        }
    }

    /// A failure report for records that never made it into a batch.
    fn fail_records(&mut self, ctx: &mut Ctx, tp: &TopicPartition, error: KafkaError, records: u32) {
        self.ledger.failed(ctx.now, tp, error, records);
        ctx.emit(ProducerEvent::ProduceFailed { client: self.id, tp: tp.clone(), error, records, will_retry: false });
    }

    // ---- metadata ----

    fn maybe_refresh_metadata(&mut self, ctx: &mut Ctx) {
        if !self.metadata.should_refresh(ctx.now, self.config.metadata_max_age_ms) {
            return;
        }
        let Some(broker) = self.pick_node(ctx.now) else { return };
        let body = Request::Metadata(self.metadata.request());
        let correlation_id = self.send_request(ctx, broker, RequestKind::Metadata, body);
        self.metadata.in_flight = Some(correlation_id);
    }

    fn on_metadata(&mut self, ctx: &mut Ctx, response: &MetadataResponse) {
        self.metadata.in_flight = None;
        self.metadata.update(response, ctx.now);
        self.metadata.next_attempt_at = ctx.now + self.config.retry_backoff_ms;
        ctx.emit(ProducerEvent::MetadataRefreshed { client: self.id });
        self.release_pending(ctx);
    }

    // ---- transactions and idempotence ----

    /// Java fails batches not yet sent when the transaction is aborting or
    /// in an abortable error (`maybeAbortBatches`).
    fn maybe_abort_batches(&mut self, ctx: &mut Ctx) {
        let Some(txn) = &self.tm.txn else { return };
        let error = match txn.state {
            TransactionState::AbortingTransaction => KafkaError::PurgeQueue,
            TransactionState::AbortableError => txn.last_error.unwrap_or(KafkaError::PurgeQueue),
            _ => return,
        };
        if !self.accumulator.is_empty() || !self.pending.is_empty() {
            self.fail_undrained(ctx, error);
        }
        if let Some(txn) = &mut self.tm.txn {
            txn.pending_partitions.clear();
        }
    }

    /// Every record not yet sent fails with `error`.
    pub(super) fn fail_undrained(&mut self, ctx: &mut Ctx, error: KafkaError) {
        for batch in self.accumulator.drain_all() {
            self.fail_batch(ctx, batch, error);
        }
        for (topic, queue) in std::mem::take(&mut self.pending) {
            self.fail_records(ctx, &TopicPartition::new(topic, -1), error, queue.len() as u32);
        }
    }

    /// An unrecoverable error: everything queued fails, later sends too.
    fn fatal(&mut self, ctx: &mut Ctx, error: KafkaError) {
        if self.tm.fatal.is_some() {
            return;
        }
        self.tm.fatal = Some(error);
        ctx.emit(ProducerEvent::ProducerFatalError { client: self.id, error });
        if let Some(txn) = &mut self.tm.txn {
            txn.state = TransactionState::FatalError;
            txn.last_error = Some(error);
            let transactional_id = txn.transactional_id.clone();
            ctx.emit(TxnEvent::TransactionError { client: self.id, transactional_id, error, fatal: true });
        }
        self.fail_undrained(ctx, error);
    }

    fn abortable_error(&mut self, ctx: &mut Ctx, error: KafkaError) {
        let Some(txn) = &mut self.tm.txn else { return };
        if !matches!(txn.state, TransactionState::InTransaction | TransactionState::CommittingTransaction) {
            return;
        }
        txn.state = TransactionState::AbortableError;
        txn.last_error = Some(error);
        let transactional_id = txn.transactional_id.clone();
        ctx.emit(TxnEvent::TransactionError { client: self.id, transactional_id, error, fatal: false });
    }

    /// Sends the next InitProducerId / FindCoordinator / AddPartitionsToTxn /
    /// EndTxn, one at a time, as Java's transaction manager queues them.
    fn maybe_send_txn_request(&mut self, ctx: &mut Ctx) {
        if !self.tm.idempotent || self.tm.fatal.is_some() || self.tm.request_in_flight {
            return;
        }
        if ctx.now < self.tm.next_request_at {
            return;
        }
        let Some(txn) = &self.tm.txn else {
            // Idempotent only: a producer id from any broker, and a new one
            // when sequences may have been lost, once nothing is in flight.
            let bump = self.tm.epoch_bump_required && self.produce_requests_in_flight() == 0;
            if !self.tm.has_producer_id() || bump {
                if let Some(broker) = self.pick_node(ctx.now) {
                    let body = Request::InitProducerId(InitProducerIdRequest {
                        transactional_id: None,
                        transaction_timeout_ms: self.config.transaction_timeout_ms,
                    });
                    self.send_request(ctx, broker, RequestKind::InitProducerId, body);
                    self.tm.request_in_flight = true;
                }
            }
            return;
        };
        let quiet = self.accumulator.is_empty() && self.produce_requests_in_flight() == 0;
        enum Next {
            Init,
            Add,
            End(bool),
        }
        let next = match txn.state {
            TransactionState::Initializing => Next::Init,
            TransactionState::InTransaction | TransactionState::CommittingTransaction
                if !txn.pending_partitions.is_empty() =>
            {
                Next::Add
            }
            TransactionState::CommittingTransaction if quiet && txn.adding.is_empty() => Next::End(true),
            TransactionState::AbortingTransaction if quiet && txn.adding.is_empty() => Next::End(false),
            _ => return,
        };
        if let Next::End(commit) = next {
            if !txn.started {
                // Nothing reached the coordinator: Java completes locally.
                self.complete_end_txn(ctx, commit);
                return;
            }
        }
        let Some(coordinator) = txn.coordinator else {
            if let Some(broker) = self.pick_node(ctx.now) {
                let body = Request::FindCoordinator(FindCoordinatorRequest {
                    key: txn.transactional_id.clone(),
                    key_type: CoordinatorType::Transaction,
                });
                self.send_request(ctx, broker, RequestKind::FindCoordinator, body);
                self.tm.request_in_flight = true;
            }
            return;
        };
        if self.in_backoff(coordinator, ctx.now) {
            return;
        }
        let transactional_id = txn.transactional_id.clone();
        let (kind, body) = match next {
            Next::Init => (
                RequestKind::InitProducerId,
                Request::InitProducerId(InitProducerIdRequest {
                    transactional_id: Some(transactional_id),
                    transaction_timeout_ms: self.config.transaction_timeout_ms,
                }),
            ),
            Next::Add => {
                let partitions: Vec<TopicPartition> = txn.pending_partitions.iter().cloned().collect();
                let body = Request::AddPartitionsToTxn(AddPartitionsToTxnRequest {
                    transactional_id,
                    producer_id: self.tm.producer_id,
                    producer_epoch: self.tm.producer_epoch,
                    partitions: partitions.clone(),
                });
                let txn = self.tm.txn.as_mut().expect("transactional");
                txn.adding.extend(partitions.iter().cloned());
                txn.pending_partitions.clear();
                (RequestKind::AddPartitions { partitions }, body)
            }
            Next::End(commit) => (
                RequestKind::EndTxn { commit },
                Request::EndTxn(EndTxnRequest {
                    transactional_id,
                    producer_id: self.tm.producer_id,
                    producer_epoch: self.tm.producer_epoch,
                    committed: commit,
                }),
            ),
        };
        self.send_request(ctx, coordinator, kind, body);
        self.tm.request_in_flight = true;
    }

    fn txn_backoff(&mut self, ctx: &mut Ctx, forget_coordinator: bool) {
        self.tm.next_request_at = ctx.now + self.config.retry_backoff_ms;
        if forget_coordinator {
            if let Some(txn) = &mut self.tm.txn {
                txn.coordinator = None;
            }
        }
    }

    fn on_init_producer_id(&mut self, ctx: &mut Ctx, response: &InitProducerIdResponse) {
        self.tm.request_in_flight = false;
        match response.error {
            None => {
                self.tm.set_producer_id(response.producer_id, response.producer_epoch);
                self.accumulator.reset_sequences();
                ctx.emit(ProducerEvent::ProducerIdAssigned {
                    client: self.id,
                    producer_id: response.producer_id,
                    producer_epoch: response.producer_epoch,
                });
                let id = self.id;
                if let Some(txn) = &mut self.tm.txn {
                    if txn.state == TransactionState::Initializing {
                        if txn.begin_after_init {
                            txn.state = TransactionState::InTransaction;
                            let transactional_id = txn.transactional_id.clone();
                            ctx.emit(TxnEvent::TransactionBegun { client: id, transactional_id });
                        } else {
                            txn.state = TransactionState::Ready;
                        }
                        txn.begin_after_init = false;
                    }
                }
            }
            Some(error) if coordinator_moved(error) => self.txn_backoff(ctx, true),
            Some(error) if error.is_retriable() => self.txn_backoff(ctx, false),
            Some(error) => self.fatal(ctx, error),
        }
    }

    fn on_find_coordinator(&mut self, ctx: &mut Ctx, response: &FindCoordinatorResponse) {
        self.tm.request_in_flight = false;
        match &mut self.tm.txn {
            Some(txn) if response.error.is_none() && response.node_id >= 0 => txn.coordinator = Some(response.node_id),
            _ => self.txn_backoff(ctx, true),
        }
    }

    fn on_add_partitions(
        &mut self,
        ctx: &mut Ctx,
        partitions: Vec<TopicPartition>,
        response: &AddPartitionsToTxnResponse,
    ) {
        self.tm.request_in_flight = false;
        let mut worst: Option<KafkaError> = None;
        let Some(txn) = &mut self.tm.txn else { return };
        for tp in &partitions {
            txn.adding.remove(tp);
            let error = response
                .partitions
                .iter()
                .find(|(p, _)| p == tp)
                .map_or(Some(KafkaError::UnknownServerError), |(_, e)| *e);
            match error {
                None => {
                    txn.partitions.insert(tp.clone());
                    txn.started = true;
                }
                Some(error) => {
                    txn.pending_partitions.insert(tp.clone());
                    worst = Some(match worst {
                        Some(w) if fences_producer(w) => w,
                        _ => error,
                    });
                }
            }
        }
        match worst {
            None => {}
            Some(error) if fences_producer(error) || error == KafkaError::InvalidTxnState => self.fatal(ctx, error),
            Some(error) if coordinator_moved(error) => self.txn_backoff(ctx, true),
            Some(error) if error.is_retriable() => self.txn_backoff(ctx, false),
            Some(error) => self.abortable_error(ctx, error),
        }
    }

    fn on_end_txn(&mut self, ctx: &mut Ctx, commit: bool, response: &EndTxnResponse) {
        self.tm.request_in_flight = false;
        match response.error {
            None => self.complete_end_txn(ctx, commit),
            Some(error) if coordinator_moved(error) => self.txn_backoff(ctx, true),
            Some(error) if error.is_retriable() => self.txn_backoff(ctx, false),
            Some(error) => self.fatal(ctx, error),
        }
    }

    fn complete_end_txn(&mut self, ctx: &mut Ctx, commit: bool) {
        let bump = self.tm.epoch_bump_required;
        let Some(txn) = &mut self.tm.txn else { return };
        txn.partitions.clear();
        txn.pending_partitions.clear();
        txn.started = false;
        txn.last_error = None;
        // After an abort that followed a lost sequence, a new epoch
        // (InitProducerId again) restarts sequences at 0 (KIP-360).
        txn.state = if bump { TransactionState::Initializing } else { TransactionState::Ready };
        let transactional_id = txn.transactional_id.clone();
        ctx.emit(TxnEvent::TransactionEnded { client: self.id, transactional_id, commit });
    }

    // ---- produce ----

    /// Java's `RecordAccumulator.ready`: the front batch of a partition is
    /// ready when full, when `linger.ms` passed (or its retry backoff), or
    /// when flushing (commit, close).
    fn batch_ready(&self, tp: &TopicPartition, now: Millis) -> bool {
        let queue = self.accumulator.queue(tp).expect("partition listed by the accumulator");
        let batch = queue.front().expect("queues are never empty");
        if batch.retries > 0 {
            return now >= batch.retry_at;
        }
        let flushing = self.closing || self.tm.state() == Some(TransactionState::CommittingTransaction);
        queue.len() > 1
            || batch.is_full(self.accumulator.batch_size())
            || now - batch.created_at >= self.config.linger_ms
            || flushing
    }

    /// May the partition's front batch be drained now (transaction and sequence rules)?
    fn may_drain(&self, tp: &TopicPartition, now: Millis) -> bool {
        if self.muted.contains(tp) {
            return false;
        }
        let batch = self.accumulator.front(tp).expect("partition listed by the accumulator");
        if batch.retries > 0 && now < batch.retry_at {
            return false;
        }
        if let Some(txn) = &self.tm.txn {
            if !txn.partitions.contains(tp) {
                return false; // AddPartitionsToTxn first
            }
        }
        if self.tm.idempotent && batch.has_sequence() {
            // A retried batch goes only when it is the first in flight: the
            // broker must see sequences in order (`shouldStopDrainBatchesForPartition`).
            return self.tm.first_in_flight(tp) == Some(batch.base_sequence);
        }
        true
    }

    fn sending_allowed(&self) -> bool {
        if self.tm.fatal.is_some() {
            return false;
        }
        if self.tm.idempotent && (!self.tm.has_producer_id() || self.tm.epoch_bump_required) {
            return false;
        }
        match self.tm.state() {
            None => true,
            Some(state) => {
                matches!(state, TransactionState::InTransaction | TransactionState::CommittingTransaction)
            }
        }
    }

    fn send_ready_batches(&mut self, ctx: &mut Ctx) {
        if self.accumulator.is_empty() {
            return;
        }
        let now = ctx.now;
        let mut ready_brokers: Vec<BrokerId> = Vec::new();
        let mut unknown_leader = false;
        for tp in self.accumulator.partitions() {
            let Some(leader) = self.metadata.leader(tp) else {
                unknown_leader = true;
                continue;
            };
            if !ready_brokers.contains(&leader) && self.batch_ready(tp, now) && self.may_drain(tp, now) {
                ready_brokers.push(leader);
            }
        }
        if unknown_leader {
            self.metadata.request_update();
        }
        if !self.sending_allowed() {
            return;
        }
        let max_in_flight = self.config.max_in_flight_requests_per_connection.max(1) as u32;
        for broker in ready_brokers {
            while self.produce_in_flight.get(&broker).copied().unwrap_or(0) < max_in_flight
                && !self.in_backoff(broker, now)
            {
                let batches = self.drain(broker, now);
                if batches.is_empty() {
                    break;
                }
                self.send_produce(ctx, broker, batches);
            }
        }
    }

    /// At most one batch per partition led by `broker`, up to `max.request.size`.
    fn drain(&mut self, broker: BrokerId, now: Millis) -> Vec<ProducerBatch> {
        let led: Vec<TopicPartition> =
            self.accumulator.partitions().filter(|tp| self.metadata.leader(tp) == Some(broker)).cloned().collect();
        if led.is_empty() {
            return Vec::new();
        }
        let start = self.drain_cursor as usize % led.len();
        self.drain_cursor = self.drain_cursor.wrapping_add(1);
        let max_bytes = self.config.max_request_size.max(0) as u64;
        let mut size = 0u64;
        let mut batches = Vec::new();
        for i in 0..led.len() {
            let tp = &led[(start + i) % led.len()];
            if !self.may_drain(tp, now) {
                continue;
            }
            let front_size = self.accumulator.front(tp).expect("listed").size_in_bytes() as u64;
            if !batches.is_empty() && size + front_size > max_bytes {
                break;
            }
            let mut batch = self.accumulator.pop_front(tp).expect("listed");
            batch.seal();
            if self.tm.idempotent && !batch.has_sequence() {
                batch.producer_id = self.tm.producer_id;
                batch.producer_epoch = self.tm.producer_epoch;
                batch.base_sequence = self.tm.assign_sequence(tp, batch.record_count());
            }
            if self.config.max_in_flight_requests_per_connection == 1 {
                self.muted.insert(tp.clone());
            }
            size += front_size;
            batches.push(batch);
        }
        batches
    }

    fn send_produce(&mut self, ctx: &mut Ctx, broker: BrokerId, batches: Vec<ProducerBatch>) {
        let request = ProduceRequest {
            transactional_id: self.tm.txn.as_ref().map(|t| t.transactional_id.clone()),
            acks: self.config.acks.wire_value(),
            timeout_ms: self.config.request_timeout_ms,
            partitions: batches
                .iter()
                .map(|b| ProducePartitionData { tp: b.tp.clone(), batch: b.to_record_batch() })
                .collect(),
        };
        for batch in &batches {
            ctx.emit(ProducerEvent::BatchSent {
                client: self.id,
                tp: batch.tp.clone(),
                broker,
                records: batch.record_count(),
                attempt: batch.retries + 1,
            });
        }
        self.ledger.stats.requests_sent += 1;
        self.ledger.stats.batches_sent += batches.len() as u64;
        if self.config.acks == Acks::None {
            // acks=0: the broker never answers; the batch is done once sent.
            let correlation_id = self.next_correlation_id();
            ctx.request(NodeId::Broker(broker), correlation_id, Request::Produce(request));
            for batch in batches {
                self.complete_batch(ctx, batch, None, -1);
            }
            return;
        }
        self.send_request(ctx, broker, RequestKind::Produce { batches }, Request::Produce(request));
    }

    fn on_produce_response(&mut self, ctx: &mut Ctx, batches: Vec<ProducerBatch>, response: &ProduceResponse) {
        for batch in batches {
            let (error, base_offset) = match response.partitions.iter().find(|p| p.tp == batch.tp) {
                Some(p) => (p.error, p.base_offset),
                None => (Some(KafkaError::UnknownServerError), -1),
            };
            self.complete_batch(ctx, batch, error, base_offset);
        }
    }

    /// `Sender.completeBatch`: success, retry, or failure of one batch.
    fn complete_batch(&mut self, ctx: &mut Ctx, batch: ProducerBatch, error: Option<KafkaError>, base_offset: Offset) {
        self.muted.remove(&batch.tp);
        let error = match error {
            // A retry the broker already had: it answers with the original offset.
            None | Some(KafkaError::DuplicateSequenceNumber) => return self.batch_succeeded(ctx, batch, base_offset),
            Some(error) => error,
        };
        if matches!(error, KafkaError::OutOfOrderSequenceNumber | KafkaError::UnknownProducerId)
            && self.tm.idempotent
            && self.is_current_epoch(&batch)
        {
            let next = self.tm.sequences.get(&batch.tp).is_none_or(|s| s.is_next(batch.base_sequence));
            if !next {
                // An earlier batch is unresolved (in flight, or retrying):
                // this one is out of order only because of it. Retry.
                return self.retry_or_fail(ctx, batch, error);
            }
            if self.tm.txn.is_none() {
                // The broker lost this producer's state: start a new epoch
                // and resend the batch under it (Java since 2.5, KIP-360).
                self.request_epoch_bump(ctx, &batch.tp, error);
                return self.retry_or_fail(ctx, batch, error);
            }
            // Transactional: the batch fails, the transaction must abort.
            return self.fail_batch(ctx, batch, error);
        }
        if fences_producer(error) {
            self.fail_batch(ctx, batch, error);
            return self.fatal(ctx, error);
        }
        if error.is_retriable() {
            return self.retry_or_fail(ctx, batch, error);
        }
        self.fail_batch(ctx, batch, error);
    }

    fn is_current_epoch(&self, batch: &ProducerBatch) -> bool {
        batch.has_sequence()
            && batch.producer_id == self.tm.producer_id
            && batch.producer_epoch == self.tm.producer_epoch
    }

    fn request_epoch_bump(&mut self, ctx: &mut Ctx, tp: &TopicPartition, error: KafkaError) {
        if !self.tm.epoch_bump_required {
            ctx.emit(ProducerEvent::EpochBumpRequested { client: self.id, tp: tp.clone(), error });
        }
        self.tm.epoch_bump_required = true;
    }

    /// Retries while `retries` and `delivery.timeout.ms` allow.
    fn retry_or_fail(&mut self, ctx: &mut Ctx, mut batch: ProducerBatch, error: KafkaError) {
        if self.tm.fatal.is_some() {
            return self.fail_batch(ctx, batch, self.tm.fatal.expect("checked"));
        }
        if ctx.now - batch.created_at >= self.config.delivery_timeout_ms {
            return self.fail_batch(ctx, batch, KafkaError::MsgTimedOut);
        }
        if batch.retries >= self.config.retries.max(0) as u32 {
            return self.fail_batch(ctx, batch, error);
        }
        ctx.emit(ProducerEvent::ProduceFailed {
            client: self.id,
            tp: batch.tp.clone(),
            error,
            records: batch.record_count(),
            will_retry: true,
        });
        if error.invalidates_metadata() || error == KafkaError::RequestTimedOut {
            self.metadata.request_update();
        }
        self.ledger.stats.retries += 1;
        batch.retries += 1;
        batch.retry_at = ctx.now + self.config.retry_backoff_ms;
        // The batch keeps its sequence until the epoch bump (if one is
        // coming) re-sequences every queued batch of the partition in queue
        // order: put back in sequence order, it is resent before anything
        // sent after it (Java's `insertInSequenceOrder` and
        // `startSequencesAtBeginning`; librdkafka keeps messages in msgid order).
        self.accumulator.reenqueue(batch);
    }

    fn batch_succeeded(&mut self, ctx: &mut Ctx, batch: ProducerBatch, base_offset: Offset) {
        if self.tm.idempotent && self.is_current_epoch(&batch) {
            self.tm.on_acked(&batch.tp, batch.base_sequence, batch.last_sequence());
        }
        let count = batch.record_count();
        self.ledger.acknowledged(ctx.now, &batch.tp, base_offset, count);
        ctx.emit(ProducerEvent::RecordsAcknowledged { client: self.id, tp: batch.tp, base_offset, count });
    }

    /// The delivery report is an error; the batch is done.
    fn fail_batch(&mut self, ctx: &mut Ctx, batch: ProducerBatch, error: KafkaError) {
        self.muted.remove(&batch.tp);
        let count = batch.record_count();
        self.ledger.failed(ctx.now, &batch.tp, error, count);
        ctx.emit(ProducerEvent::ProduceFailed {
            client: self.id,
            tp: batch.tp.clone(),
            error,
            records: count,
            will_retry: false,
        });
        if self.tm.idempotent && self.is_current_epoch(&batch) {
            // Its sequence may or may not be in the log: the next batch
            // would be out of order. Start a new epoch (KIP-360).
            self.request_epoch_bump(ctx, &batch.tp, error);
            self.tm.on_sequenced_batch_failed(&batch.tp, batch.base_sequence);
        }
        if !fences_producer(error) && error != KafkaError::PurgeQueue {
            self.abortable_error(ctx, error);
        }
    }

    // ---- the wire ----

    pub(super) fn on_response(&mut self, ctx: &mut Ctx, correlation_id: CorrelationId, body: Response) {
        if let Some(broker) = self.in_flight.get(&correlation_id).map(|r| r.broker) {
            // Responses on one connection come back in request order (TCP,
            // and the broker mutes a connection until its response is sent).
            // One that overtakes an older request still waiting means that
            // request's response was lost: the stream is out of step, and the
            // client closes the connection (Java's NetworkClient.correlate
            // throws "Correlation id for response does not match request";
            // kafka-python logs "Closing connection. CorrelationIdError").
            // Everything in flight fails with NETWORK_EXCEPTION and is retried
            // at once — not after request.timeout.ms.
            if self.in_flight.range(..correlation_id).any(|(_, r)| r.broker == broker) {
                ctx.send(NodeId::Broker(broker), Message::Disconnected);
                self.on_disconnect(ctx, broker, None);
                return;
            }
        }
        let Some(request) = self.take_request(correlation_id) else {
            return; // timed out or disconnected before: forgotten
        };
        match (request.kind, body) {
            (RequestKind::Produce { batches }, Response::Produce(r)) => self.on_produce_response(ctx, batches, &r),
            (RequestKind::Metadata, Response::Metadata(r)) => self.on_metadata(ctx, &r),
            (RequestKind::InitProducerId, Response::InitProducerId(r)) => self.on_init_producer_id(ctx, &r),
            (RequestKind::FindCoordinator, Response::FindCoordinator(r)) => self.on_find_coordinator(ctx, &r),
            (RequestKind::AddPartitions { partitions }, Response::AddPartitionsToTxn(r)) => {
                self.on_add_partitions(ctx, partitions, &r)
            }
            (RequestKind::EndTxn { commit }, Response::EndTxn(r)) => self.on_end_txn(ctx, commit, &r),
            (kind, _) => {
                let (broker, deadline) = (request.broker, request.deadline);
                self.fail_request(ctx, InFlightRequest { broker, kind, deadline }, KafkaError::UnknownServerError)
            }
        }
    }

    pub(super) fn on_connection_refused(&mut self, ctx: &mut Ctx, correlation_id: CorrelationId) {
        if let Some(request) = self.in_flight.get(&correlation_id) {
            let broker = request.broker;
            self.on_disconnect(ctx, broker, None);
        }
    }

    /// The connection to `broker` is gone (refused, reset, or closed after a
    /// request timeout, as Java's NetworkClient does): every request in
    /// flight to it fails. The one that timed out fails with
    /// `REQUEST_TIMED_OUT`, the others with `NETWORK_EXCEPTION` (Java reports
    /// both as NETWORK_EXCEPTION, "Disconnected from node N due to timeout").
    pub(super) fn on_disconnect(&mut self, ctx: &mut Ctx, broker: BrokerId, timed_out: Option<CorrelationId>) {
        self.node_backoff.insert(broker, ctx.now + RECONNECT_BACKOFF_MS);
        self.node_cursor = self.node_cursor.wrapping_add(1);
        self.metadata.request_update();
        let lost: Vec<CorrelationId> =
            self.in_flight.iter().filter(|(_, r)| r.broker == broker).map(|(c, _)| *c).collect();
        for correlation_id in lost {
            let request = self.take_request(correlation_id).expect("listed");
            let error = if Some(correlation_id) == timed_out {
                KafkaError::RequestTimedOut
            } else {
                KafkaError::NetworkException
            };
            self.fail_request(ctx, request, error);
        }
    }

    fn fail_request(&mut self, ctx: &mut Ctx, request: InFlightRequest, error: KafkaError) {
        match request.kind {
            RequestKind::Produce { batches } => {
                for batch in batches {
                    self.complete_batch(ctx, batch, Some(error), -1);
                }
            }
            RequestKind::Metadata => {
                self.metadata.in_flight = None;
                self.metadata.need_update = true;
            }
            RequestKind::InitProducerId | RequestKind::FindCoordinator | RequestKind::EndTxn { .. } => {
                self.tm.request_in_flight = false;
                self.txn_backoff(ctx, true);
            }
            RequestKind::AddPartitions { partitions } => {
                self.tm.request_in_flight = false;
                if let Some(txn) = &mut self.tm.txn {
                    for tp in partitions {
                        txn.adding.remove(&tp);
                        txn.pending_partitions.insert(tp);
                    }
                }
                self.txn_backoff(ctx, true);
            }
        }
    }

    // ---- close and wake-ups ----

    fn maybe_finish_close(&mut self, ctx: &mut Ctx) {
        if !self.closing || self.closed {
            return;
        }
        let txn_busy = self.tm.request_in_flight
            || self.tm.state().is_some_and(|s| {
                matches!(s, TransactionState::CommittingTransaction | TransactionState::AbortingTransaction)
            });
        let flushed = self.accumulator.is_empty() && self.pending.is_empty() && self.produce_requests_in_flight() == 0;
        if flushed && (!txn_busy || self.tm.fatal.is_some()) {
            self.closed = true;
            ctx.emit(ProducerEvent::ProducerClosed { client: self.id });
            ctx.client_closed();
        }
    }

    /// Sets a `Wake` timer for the earliest future moment the sender has
    /// something to do, unless one is already pending at or before it.
    fn schedule_next_wake(&mut self, ctx: &mut Ctx) {
        let now = ctx.now;
        let mut next: Option<Millis> = None;
        let mut consider = |t: Millis| {
            if t > now && next.is_none_or(|n| t < n) {
                next = Some(t);
            }
        };
        for tp in self.accumulator.partitions() {
            let batch = self.accumulator.front(tp).expect("queues are never empty");
            if batch.retries > 0 {
                consider(batch.retry_at);
            } else {
                consider(batch.created_at + self.config.linger_ms);
            }
        }
        if let Some(t) = self.accumulator.next_expiry(self.config.delivery_timeout_ms) {
            consider(t);
        }
        for queue in self.pending.values() {
            if let Some(p) = queue.front() {
                consider(p.enqueued_at + self.config.delivery_timeout_ms);
            }
        }
        if let Some(t) = self.metadata.next_refresh_at(self.config.metadata_max_age_ms) {
            consider(t);
        }
        if self.tm.idempotent {
            consider(self.tm.next_request_at);
        }
        for until in self.node_backoff.values() {
            consider(*until);
        }
        self.node_backoff.retain(|_, until| *until > now);
        let Some(at) = next else { return };
        if self.wakes.range(now..=at).next().is_some() {
            return;
        }
        self.wakes.insert(at);
        ctx.set_timer(at - now, Timer::Producer(ProducerTimer::Wake { at }));
    }
}
