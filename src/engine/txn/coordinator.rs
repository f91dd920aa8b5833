//! The transaction coordinator hosted by a broker (`TransactionCoordinator`
//! in the Java broker), and producer id allocation.
//!
//! A `transactional.id` belongs to partition
//! `abs(hashCode(id)) % transaction.state.log.num.partitions` of
//! `__transaction_state`; the leader of that partition is its coordinator
//! (FindCoordinator answers with it). Every state change is appended to the
//! partition and takes effect once the high watermark passes it, so a new
//! leader reloads exactly what was durable.
//!
//! The protocol, per transactional id (states in [`TxnState`]):
//! - InitProducerId: a new id gets a producer id (epoch 0); an existing one
//!   gets its epoch bumped, which fences the previous producer
//!   (`PRODUCER_FENCED` on its next request). An open transaction of the
//!   old producer is aborted first (the new one is told
//!   `CONCURRENT_TRANSACTIONS` and retries).
//! - AddPartitionsToTxn / AddOffsetsToTxn: `Ongoing`, the partitions recorded.
//! - EndTxn: `PrepareCommit` / `PrepareAbort` is written; once durable the
//!   producer is answered and WriteTxnMarkers go to every partition's
//!   leader; when all markers are written, `CompleteCommit` / `CompleteAbort`.
//! - A transaction open longer than `transaction.timeout.ms` is aborted
//!   with a bumped epoch (Kafka checks every
//!   `transaction.abort.timed.out.transaction.cleanup.interval.ms`, 10 s;
//!   here it happens exactly at the timeout).
//!
//! Non-transactional InitProducerId (idempotent producers) is answered by
//! any broker: a fresh producer id from `CoordinatorHost::allocate_producer_id`, epoch 0.
//!
//! Routing contract with the broker: requests FindCoordinator (key type
//! Transaction), InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn and EndTxn
//! go to [`TxnCoordinator::handle_request`]. The coordinator sends
//! WriteTxnMarkers with correlation ids from its own range
//! ([`owns_correlation_id`]); the broker passes to [`TxnCoordinator::handle_response`]
//! every `WriteTxnMarkers` response, every `ConnectionRefused` whose id is
//! in that range, and every `Disconnected` from a broker.

use serde::{Deserialize, Serialize};

use super::state::{TxnMetadata, TxnState};
use crate::collections::{VecMap, VecSet};
use crate::engine::broker::host::CoordinatorHost;
use crate::engine::config::BrokerConfig;
use crate::engine::error::KafkaError;
use crate::engine::event::TxnEvent;
use crate::engine::hash::coordinator_partition_for;
use crate::engine::ids::{BrokerId, NodeId, PartitionId, TopicPartition};
use crate::engine::node::{Ctx, Timer};
use crate::engine::protocol::{
    AddOffsetsToTxnResponse, AddPartitionsToTxnResponse, CoordinatorType, CorrelationId, EndTxnResponse,
    FindCoordinatorResponse, InitProducerIdResponse, Message, Request, Response, WriteTxnMarkersRequest,
    WriteTxnMarkersResponse,
};
use crate::engine::record::{ControlType, Offset, ProducerEpoch, ProducerId};
use crate::engine::time::Millis;

/// The internal topic holding transaction state.
pub const TRANSACTION_STATE_TOPIC: &str = "__transaction_state";
/// The internal topic holding committed offsets (AddOffsetsToTxn adds its partition).
pub const CONSUMER_OFFSETS_TOPIC: &str = "__consumer_offsets";
/// Correlation ids of requests the coordinator sends start here, so the
/// broker can tell them from its own.
pub const TXN_CORRELATION_BASE: CorrelationId = 1 << 30;
/// The broker's `request.timeout.ms` default, for WriteTxnMarkers.
pub const MARKER_REQUEST_TIMEOUT_MS: Millis = 30_000;
/// Wait before resending markers that could not be written.
pub const MARKER_RETRY_BACKOFF_MS: Millis = 100;

/// Whether a correlation id belongs to a request of the transaction coordinator.
pub fn owns_correlation_id(correlation_id: CorrelationId) -> bool {
    correlation_id >= TXN_CORRELATION_BASE
}

/// Timers of the transaction coordinator (carried in `BrokerTimer::Txn`).
#[derive(Debug, Clone, PartialEq)]
pub enum TxnTimer {
    /// A transaction may have exceeded `transaction.timeout.ms`.
    Timeout { transactional_id: String, token: u64 },
    /// Resend markers that could not be written.
    RetryMarkers { transactional_id: String },
    /// A WriteTxnMarkers request got no answer within the request timeout.
    MarkerRequestTimeout { correlation_id: CorrelationId },
}

/// What to do once an append to `__transaction_state` is durable.
#[derive(Debug, Clone, PartialEq)]
enum After {
    /// Answer the producer's request with success.
    Reply { to: NodeId, correlation_id: CorrelationId, reply: Reply },
    /// EndTxn: answer, then write the markers.
    ReplyThenMarkers { to: NodeId, correlation_id: CorrelationId },
    /// A fenced or timed-out transaction: write abort markers.
    Markers,
    /// The markers are all written.
    Completed,
}

#[derive(Debug, Clone, PartialEq)]
enum Reply {
    InitProducerId,
    AddPartitions(Vec<TopicPartition>),
    AddOffsets,
}

#[derive(Debug, Clone, PartialEq)]
struct PendingWrite {
    partition: PartitionId,
    /// Durable once the high watermark is above it.
    last_offset: Offset,
    transactional_id: String,
    metadata: TxnMetadata,
    after: After,
}

/// One transactional id the coordinator owns.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    metadata: TxnMetadata,
    /// A state change is being written: other requests get CONCURRENT_TRANSACTIONS.
    pending: Option<TxnState>,
    /// Partitions still without their marker (while preparing).
    markers_pending: VecSet<TopicPartition>,
    /// Partitions in a WriteTxnMarkers on the wire.
    markers_in_flight: VecSet<TopicPartition>,
    /// Only the timeout timer with this token is live.
    timeout_token: u64,
}

#[derive(Debug, Clone, PartialEq)]
struct MarkerRequest {
    broker: BrokerId,
    transactional_id: String,
    partitions: Vec<TopicPartition>,
}

pub struct TxnCoordinator {
    pub broker_id: BrokerId,
    pub config: BrokerConfig,
    /// `__transaction_state` partitions this broker leads, with their
    /// coordinator epoch (the partition's leader epoch).
    owned: VecMap<PartitionId, i32>,
    /// Partitions of `__transaction_state` when the last one was loaded.
    state_partition_count: i32,
    txns: VecMap<String, Entry>,
    pending_writes: Vec<PendingWrite>,
    marker_requests: VecMap<CorrelationId, MarkerRequest>,
    next_correlation_id: CorrelationId,
    next_token: u64,
}

impl TxnCoordinator {
    pub fn new(broker_id: BrokerId, config: BrokerConfig) -> Self {
        TxnCoordinator {
            broker_id,
            owned: VecMap::new(),
            state_partition_count: config.transaction_state_log_num_partitions,
            txns: VecMap::new(),
            pending_writes: Vec::new(),
            marker_requests: VecMap::new(),
            next_correlation_id: TXN_CORRELATION_BASE,
            next_token: 1,
            config,
        }
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
        let response = match request {
            Request::FindCoordinator(r) if r.key_type == CoordinatorType::Transaction => {
                Some(Response::FindCoordinator(self.find_coordinator(host, &r.key)))
            }
            Request::InitProducerId(r) => match r.transactional_id {
                None => {
                    let producer_id = host.allocate_producer_id();
                    Some(Response::InitProducerId(InitProducerIdResponse {
                        error: None,
                        producer_id,
                        producer_epoch: 0,
                    }))
                }
                Some(id) => self
                    .init_producer_id(ctx, host, from, correlation_id, id, r.transaction_timeout_ms)
                    .err()
                    .map(|error| Response::InitProducerId(init_error(error))),
            },
            Request::AddPartitionsToTxn(r) => {
                let partitions = r.partitions.clone();
                self.add_partitions(
                    ctx,
                    host,
                    from,
                    correlation_id,
                    &r.transactional_id,
                    r.producer_id,
                    r.producer_epoch,
                    r.partitions,
                    Reply::AddPartitions(partitions.clone()),
                )
                .err()
                .map(|error| Response::AddPartitionsToTxn(add_error(&partitions, error)))
            }
            Request::AddOffsetsToTxn(r) => {
                let partition = host.metadata().coordinator_partition(
                    CONSUMER_OFFSETS_TOPIC,
                    &r.group_id,
                    self.config.offsets_topic_num_partitions,
                );
                let tp = TopicPartition::new(CONSUMER_OFFSETS_TOPIC, partition);
                self.add_partitions(
                    ctx,
                    host,
                    from,
                    correlation_id,
                    &r.transactional_id,
                    r.producer_id,
                    r.producer_epoch,
                    vec![tp],
                    Reply::AddOffsets,
                )
                .err()
                .map(|error| Response::AddOffsetsToTxn(AddOffsetsToTxnResponse { error: Some(error) }))
            }
            Request::EndTxn(r) => self
                .end_txn(
                    ctx,
                    host,
                    from,
                    correlation_id,
                    &r.transactional_id,
                    r.producer_id,
                    r.producer_epoch,
                    r.committed,
                )
                .err()
                .map(|error| Response::EndTxn(EndTxnResponse { error: Some(error) })),
            _ => None, // not ours: the broker routes only the APIs above
        };
        if let Some(response) = response {
            ctx.respond(from, correlation_id, response);
        }
    }

    /// Responses to requests the coordinator sent (WriteTxnMarkers), refusals
    /// of them, and disconnects of brokers.
    pub fn handle_response(&mut self, ctx: &mut Ctx, host: &mut dyn CoordinatorHost, from: NodeId, message: Message) {
        match message {
            Message::Response { correlation_id, body: Response::WriteTxnMarkers(response) } => {
                self.on_markers_response(ctx, host, correlation_id, response)
            }
            Message::ConnectionRefused { correlation_id } => {
                if let Some(request) = self.marker_requests.remove(&correlation_id) {
                    self.marker_request_failed(ctx, request);
                }
            }
            Message::Disconnected => {
                if let NodeId::Broker(broker) = from {
                    let lost: Vec<CorrelationId> =
                        self.marker_requests.iter().filter(|(_, r)| r.broker == broker).map(|(c, _)| *c).collect();
                    for correlation_id in lost {
                        let request = self.marker_requests.remove(&correlation_id).expect("listed");
                        self.marker_request_failed(ctx, request);
                    }
                }
            }
            _ => {}
        }
    }

    pub fn on_timer(&mut self, ctx: &mut Ctx, host: &mut dyn CoordinatorHost, timer: TxnTimer) {
        match timer {
            TxnTimer::Timeout { transactional_id, token } => self.on_timeout(ctx, host, &transactional_id, token),
            TxnTimer::RetryMarkers { transactional_id } => self.send_markers(ctx, host, &transactional_id),
            TxnTimer::MarkerRequestTimeout { correlation_id } => {
                if let Some(request) = self.marker_requests.remove(&correlation_id) {
                    self.marker_request_failed(ctx, request);
                }
            }
        }
    }

    /// This broker leads `__transaction_state-<partition>` now: load its
    /// transactional ids, resume markers of transactions being completed,
    /// and arm the timeouts of open ones.
    pub fn on_became_leader(&mut self, ctx: &mut Ctx, host: &mut dyn CoordinatorHost, partition: PartitionId) {
        let tp = TopicPartition::new(TRANSACTION_STATE_TOPIC, partition);
        let epoch = host.metadata().partition(TRANSACTION_STATE_TOPIC, partition).map_or(0, |p| p.leader_epoch);
        self.owned.insert(partition, epoch);
        self.state_partition_count = self.state_partitions(host);
        let mut loaded: VecMap<String, TxnMetadata> = VecMap::new();
        for (id, metadata) in TxnMetadata::load(&host.read_committed_batches(&tp)) {
            match metadata {
                Some(m) => loaded.insert(id, m),
                None => loaded.remove(&id),
            };
        }
        for (id, metadata) in loaded {
            let state = metadata.state;
            let remaining = metadata.txn_start_ms + metadata.timeout_ms - ctx.now;
            let markers_pending = if state.is_preparing() { metadata.partitions.clone() } else { VecSet::new() };
            let token = self.token();
            self.txns.insert(
                id.clone(),
                Entry {
                    metadata,
                    pending: None,
                    markers_pending,
                    markers_in_flight: VecSet::new(),
                    timeout_token: token,
                },
            );
            match state {
                TxnState::PrepareCommit | TxnState::PrepareAbort => self.send_markers(ctx, host, &id),
                TxnState::Ongoing => ctx.set_timer(
                    remaining.max(0),
                    Timer::Broker(crate::engine::broker::BrokerTimer::Txn(TxnTimer::Timeout {
                        transactional_id: id,
                        token,
                    })),
                ),
                _ => {}
            }
        }
    }

    /// This broker no longer leads the partition: forget its ids; requests
    /// waiting on a write are told NOT_COORDINATOR.
    pub fn on_resigned(&mut self, ctx: &mut Ctx, partition: PartitionId) {
        self.owned.remove(&partition);
        let partitions = self.state_partition_count;
        let lost: Vec<String> =
            self.txns.keys().filter(|id| self.partition_of_with(id, partitions) == partition).cloned().collect();
        for id in &lost {
            self.txns.remove(id);
        }
        let (gone, kept): (Vec<PendingWrite>, Vec<PendingWrite>) =
            std::mem::take(&mut self.pending_writes).into_iter().partition(|w| w.partition == partition);
        self.pending_writes = kept;
        for write in gone {
            reply_error(ctx, &write.after, KafkaError::NotCoordinator);
        }
        self.marker_requests.retain(|_, r| !lost.contains(&r.transactional_id));
    }

    /// The high watermark of `__transaction_state-<partition>` advanced:
    /// complete the writes below it, in order.
    pub fn on_high_watermark(
        &mut self,
        ctx: &mut Ctx,
        host: &mut dyn CoordinatorHost,
        partition: PartitionId,
        hw: Offset,
    ) {
        let (done, kept): (Vec<PendingWrite>, Vec<PendingWrite>) = std::mem::take(&mut self.pending_writes)
            .into_iter()
            .partition(|w| w.partition == partition && w.last_offset < hw);
        self.pending_writes = kept;
        for write in done {
            self.complete_write(ctx, host, write);
        }
    }

    /// The process died: everything in memory is gone (the log keeps the state).
    pub fn crash(&mut self) {
        self.owned.clear();
        self.txns.clear();
        self.pending_writes.clear();
        self.marker_requests.clear();
    }

    /// The transactional ids this coordinator owns, for the broker's snapshot.
    pub fn snapshot(&self) -> Vec<TxnSnapshot> {
        self.txns
            .iter()
            .map(|(id, e)| TxnSnapshot {
                transactional_id: id.clone(),
                coordinator: self.broker_id,
                producer_id: e.metadata.producer_id,
                producer_epoch: e.metadata.producer_epoch,
                state: e.metadata.state,
                pending_state: e.pending,
                partitions: e.metadata.partitions.iter().cloned().collect(),
                markers_pending: e.markers_pending.iter().cloned().collect(),
                txn_start_ms: e.metadata.txn_start_ms,
                timeout_ms: e.metadata.timeout_ms,
            })
            .collect()
    }

    // ---- requests ----

    fn state_partitions(&self, host: &dyn CoordinatorHost) -> i32 {
        host.metadata()
            .topics
            .get(TRANSACTION_STATE_TOPIC)
            .map_or(self.config.transaction_state_log_num_partitions, |t| t.partitions.len() as i32)
    }

    fn partition_of_with(&self, transactional_id: &str, partitions: i32) -> PartitionId {
        coordinator_partition_for(transactional_id, partitions.max(1))
    }

    fn find_coordinator(&self, host: &dyn CoordinatorHost, transactional_id: &str) -> FindCoordinatorResponse {
        let partition = self.partition_of_with(transactional_id, self.state_partitions(host));
        match host.metadata().partition(TRANSACTION_STATE_TOPIC, partition).and_then(|p| p.leader) {
            Some(leader) => FindCoordinatorResponse { error: None, node_id: leader },
            None => FindCoordinatorResponse { error: Some(KafkaError::CoordinatorNotAvailable), node_id: -1 },
        }
    }

    /// The `__transaction_state` partition of an id, if this broker owns it.
    fn owned_partition(&self, host: &dyn CoordinatorHost, transactional_id: &str) -> Result<PartitionId, KafkaError> {
        let partition = self.partition_of_with(transactional_id, self.state_partitions(host));
        if self.owned.contains_key(&partition) {
            Ok(partition)
        } else {
            Err(KafkaError::NotCoordinator)
        }
    }

    fn token(&mut self) -> u64 {
        let token = self.next_token;
        self.next_token += 1;
        token
    }

    /// InitProducerId with a transactional id. `Ok` when the answer waits for a write.
    fn init_producer_id(
        &mut self,
        ctx: &mut Ctx,
        host: &mut dyn CoordinatorHost,
        from: NodeId,
        correlation_id: CorrelationId,
        transactional_id: String,
        timeout_ms: Millis,
    ) -> Result<(), KafkaError> {
        let partition = self.owned_partition(host, &transactional_id)?;
        if timeout_ms <= 0 || timeout_ms > self.config.transaction_max_timeout_ms {
            return Err(KafkaError::InvalidTransactionTimeout);
        }
        let reply = After::Reply { to: from, correlation_id, reply: Reply::InitProducerId };
        let Some(entry) = self.txns.get(&transactional_id) else {
            let metadata = TxnMetadata::new(host.allocate_producer_id(), timeout_ms, ctx.now);
            let token = self.token();
            self.txns.insert(
                transactional_id.clone(),
                Entry {
                    metadata: metadata.clone(),
                    pending: None,
                    markers_pending: VecSet::new(),
                    markers_in_flight: VecSet::new(),
                    timeout_token: token,
                },
            );
            let written = self.write(ctx, host, partition, &transactional_id, metadata, reply);
            if written.is_err() {
                self.txns.remove(&transactional_id);
            }
            return written;
        };
        if entry.pending.is_some() || entry.metadata.state.is_preparing() {
            return Err(KafkaError::ConcurrentTransactions);
        }
        let current = entry.metadata.clone();
        let mut next = if current.state == TxnState::Ongoing {
            // Fence the old producer and abort its transaction; the new one
            // retries once the abort is complete.
            let mut aborting = current.transition(TxnState::PrepareAbort, ctx.now);
            bump_epoch(&mut aborting, host);
            self.write(ctx, host, partition, &transactional_id, aborting, After::Markers)?;
            return Err(KafkaError::ConcurrentTransactions);
        } else {
            current.transition(TxnState::Empty, ctx.now)
        };
        next.timeout_ms = timeout_ms;
        bump_epoch(&mut next, host);
        self.write(ctx, host, partition, &transactional_id, next, reply)
    }

    /// The checks every request about an existing transaction makes.
    fn check_producer(
        &self,
        transactional_id: &str,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
    ) -> Result<&Entry, KafkaError> {
        let entry = self.txns.get(transactional_id).ok_or(KafkaError::InvalidProducerIdMapping)?;
        if entry.metadata.producer_id != producer_id {
            return Err(KafkaError::InvalidProducerIdMapping);
        }
        if entry.metadata.producer_epoch != producer_epoch {
            return Err(KafkaError::ProducerFenced);
        }
        if entry.pending.is_some() {
            return Err(KafkaError::ConcurrentTransactions);
        }
        Ok(entry)
    }

    #[allow(clippy::too_many_arguments)]
    fn add_partitions(
        &mut self,
        ctx: &mut Ctx,
        host: &mut dyn CoordinatorHost,
        from: NodeId,
        correlation_id: CorrelationId,
        transactional_id: &str,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        partitions: Vec<TopicPartition>,
        reply: Reply,
    ) -> Result<(), KafkaError> {
        let partition = self.owned_partition(host, transactional_id)?;
        let entry = self.check_producer(transactional_id, producer_id, producer_epoch)?;
        let current = &entry.metadata;
        if current.state.is_preparing() {
            return Err(KafkaError::ConcurrentTransactions);
        }
        let after = After::Reply { to: from, correlation_id, reply };
        if current.state == TxnState::Ongoing && partitions.iter().all(|tp| current.partitions.contains(tp)) {
            self.complete_reply(ctx, &after, current);
            return Ok(());
        }
        let starting = current.state != TxnState::Ongoing;
        let mut next = current.transition(TxnState::Ongoing, ctx.now);
        if starting {
            next.txn_start_ms = ctx.now;
        }
        next.partitions.extend(partitions);
        self.write(ctx, host, partition, transactional_id, next, after)
    }

    #[allow(clippy::too_many_arguments)]
    fn end_txn(
        &mut self,
        ctx: &mut Ctx,
        host: &mut dyn CoordinatorHost,
        from: NodeId,
        correlation_id: CorrelationId,
        transactional_id: &str,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        commit: bool,
    ) -> Result<(), KafkaError> {
        let partition = self.owned_partition(host, transactional_id)?;
        let entry = self.check_producer(transactional_id, producer_id, producer_epoch)?;
        let current = entry.metadata.clone();
        match (current.state, commit) {
            (TxnState::Ongoing, _) => {
                let to = if commit { TxnState::PrepareCommit } else { TxnState::PrepareAbort };
                let next = current.transition(to, ctx.now);
                self.write(
                    ctx,
                    host,
                    partition,
                    transactional_id,
                    next,
                    After::ReplyThenMarkers { to: from, correlation_id },
                )
            }
            // A retry of an EndTxn that already completed.
            (TxnState::CompleteCommit, true) | (TxnState::CompleteAbort, false) => {
                ctx.respond(from, correlation_id, Response::EndTxn(EndTxnResponse { error: None }));
                Ok(())
            }
            (TxnState::PrepareCommit, true) | (TxnState::PrepareAbort, false) => {
                Err(KafkaError::ConcurrentTransactions)
            }
            _ => Err(KafkaError::InvalidTxnState),
        }
    }

    // ---- writes ----

    /// Appends the new state; it takes effect (and `after` runs) once durable.
    fn write(
        &mut self,
        ctx: &mut Ctx,
        host: &mut dyn CoordinatorHost,
        partition: PartitionId,
        transactional_id: &str,
        metadata: TxnMetadata,
        after: After,
    ) -> Result<(), KafkaError> {
        let tp = TopicPartition::new(TRANSACTION_STATE_TOPIC, partition);
        let record = metadata.encode(transactional_id);
        let last_offset = host.append_internal(ctx, &tp, vec![record]).map_err(|e| match e {
            KafkaError::NotLeaderOrFollower => KafkaError::NotCoordinator,
            KafkaError::MessageTooLarge | KafkaError::RecordListTooLarge => KafkaError::UnknownServerError,
            _ => KafkaError::CoordinatorNotAvailable,
        })?;
        let entry = self.txns.get_mut(transactional_id).expect("written ids are known");
        assert!(entry.pending.is_none(), "one state change at a time for {transactional_id}");
        entry.pending = Some(metadata.state);
        self.pending_writes.push(PendingWrite {
            partition,
            last_offset,
            transactional_id: transactional_id.to_string(),
            metadata,
            after,
        });
        Ok(())
    }

    fn complete_write(&mut self, ctx: &mut Ctx, host: &mut dyn CoordinatorHost, write: PendingWrite) {
        let PendingWrite { transactional_id, metadata, after, .. } = write;
        let Some(entry) = self.txns.get_mut(&transactional_id) else { return };
        let previous = entry.metadata.state;
        let opened = metadata.state == TxnState::Ongoing && previous != TxnState::Ongoing;
        let added: Vec<TopicPartition> =
            metadata.partitions.iter().filter(|tp| !entry.metadata.partitions.contains(*tp)).cloned().collect();
        entry.pending = None;
        entry.metadata = metadata.clone();
        if metadata.state.is_preparing() {
            entry.markers_pending = metadata.partitions.clone();
            entry.markers_in_flight.clear();
        }
        if opened {
            entry.timeout_token = self.next_token;
            self.next_token += 1;
            let token = entry.timeout_token;
            ctx.set_timer(
                metadata.timeout_ms,
                Timer::Broker(crate::engine::broker::BrokerTimer::Txn(TxnTimer::Timeout {
                    transactional_id: transactional_id.clone(),
                    token,
                })),
            );
        }
        ctx.emit(TxnEvent::TransactionStateChanged {
            broker: self.broker_id,
            transactional_id: transactional_id.clone(),
            producer_id: metadata.producer_id,
            producer_epoch: metadata.producer_epoch,
            state: metadata.state.name().to_string(),
        });
        for tp in added.into_iter().filter(|_| metadata.state == TxnState::Ongoing) {
            ctx.emit(TxnEvent::PartitionAddedToTransaction { transactional_id: transactional_id.clone(), tp });
        }
        match after {
            After::Reply { .. } => self.complete_reply(ctx, &after, &metadata),
            After::ReplyThenMarkers { to, correlation_id } => {
                ctx.respond(to, correlation_id, Response::EndTxn(EndTxnResponse { error: None }));
                self.send_markers(ctx, host, &transactional_id);
            }
            After::Markers => self.send_markers(ctx, host, &transactional_id),
            After::Completed => {
                let producer_id = metadata.producer_id;
                if metadata.state == TxnState::CompleteCommit {
                    ctx.emit(TxnEvent::TransactionCommitted { transactional_id, producer_id });
                } else {
                    let reason = "aborted".to_string();
                    ctx.emit(TxnEvent::TransactionAborted { transactional_id, producer_id, reason });
                }
            }
        }
    }

    fn complete_reply(&self, ctx: &mut Ctx, after: &After, metadata: &TxnMetadata) {
        let After::Reply { to, correlation_id, reply } = after else { return };
        let response = match reply {
            Reply::InitProducerId => Response::InitProducerId(InitProducerIdResponse {
                error: None,
                producer_id: metadata.producer_id,
                producer_epoch: metadata.producer_epoch,
            }),
            Reply::AddPartitions(partitions) => Response::AddPartitionsToTxn(AddPartitionsToTxnResponse {
                partitions: partitions.iter().map(|tp| (tp.clone(), None)).collect(),
            }),
            Reply::AddOffsets => Response::AddOffsetsToTxn(AddOffsetsToTxnResponse { error: None }),
        };
        ctx.respond(*to, *correlation_id, response);
    }

    // ---- timeouts ----

    fn on_timeout(&mut self, ctx: &mut Ctx, host: &mut dyn CoordinatorHost, transactional_id: &str, token: u64) {
        let Some(entry) = self.txns.get(transactional_id) else { return };
        if entry.timeout_token != token || entry.metadata.state != TxnState::Ongoing {
            return;
        }
        if entry.pending.is_some() {
            // A write is in flight: look again shortly.
            ctx.set_timer(
                MARKER_RETRY_BACKOFF_MS,
                Timer::Broker(crate::engine::broker::BrokerTimer::Txn(TxnTimer::Timeout {
                    transactional_id: transactional_id.to_string(),
                    token,
                })),
            );
            return;
        }
        let Ok(partition) = self.owned_partition(host, transactional_id) else { return };
        let mut aborting = entry.metadata.transition(TxnState::PrepareAbort, ctx.now);
        bump_epoch(&mut aborting, host);
        let producer_id = aborting.producer_id;
        if self.write(ctx, host, partition, transactional_id, aborting, After::Markers).is_ok() {
            ctx.emit(TxnEvent::TransactionTimedOut {
                broker: self.broker_id,
                transactional_id: transactional_id.to_string(),
                producer_id,
            });
        }
    }

    // ---- markers ----

    fn next_correlation_id(&mut self) -> CorrelationId {
        let id = self.next_correlation_id;
        self.next_correlation_id = if id == CorrelationId::MAX { TXN_CORRELATION_BASE } else { id + 1 };
        id
    }

    fn retry_markers_later(ctx: &mut Ctx, transactional_id: &str) {
        ctx.set_timer(
            MARKER_RETRY_BACKOFF_MS,
            Timer::Broker(crate::engine::broker::BrokerTimer::Txn(TxnTimer::RetryMarkers {
                transactional_id: transactional_id.to_string(),
            })),
        );
    }

    /// Writes the markers still missing: locally for partitions this broker
    /// leads, with WriteTxnMarkers to the other leaders.
    fn send_markers(&mut self, ctx: &mut Ctx, host: &mut dyn CoordinatorHost, transactional_id: &str) {
        let Ok(partition) = self.owned_partition(host, transactional_id) else { return };
        let coordinator_epoch = self.owned[&partition];
        let Some(entry) = self.txns.get(transactional_id) else { return };
        if !entry.metadata.state.is_preparing() || entry.pending.is_some() {
            return;
        }
        let marker =
            if entry.metadata.state == TxnState::PrepareCommit { ControlType::Commit } else { ControlType::Abort };
        let (producer_id, producer_epoch) = (entry.metadata.producer_id, entry.metadata.producer_epoch);
        let todo: Vec<TopicPartition> =
            entry.markers_pending.iter().filter(|tp| !entry.markers_in_flight.contains(*tp)).cloned().collect();
        let mut by_leader: VecMap<BrokerId, Vec<TopicPartition>> = VecMap::new();
        let mut retry = false;
        let mut written = Vec::new();
        for tp in todo {
            let Some(image) = host.metadata().topics.get(&tp.topic) else {
                written.push(tp); // the topic was deleted: no marker needed
                continue;
            };
            let Some(leader) = image.partitions.get(tp.partition as usize).and_then(|p| p.leader) else {
                retry = true;
                continue;
            };
            if leader == self.broker_id {
                match host.write_txn_marker(ctx, &tp, producer_id, producer_epoch, marker) {
                    Ok(_) => written.push(tp),
                    Err(KafkaError::InvalidProducerEpoch | KafkaError::TransactionCoordinatorFenced) => {
                        written.push(tp) // a newer epoch already wrote past it
                    }
                    Err(_) => retry = true,
                }
            } else {
                by_leader.entry(leader).or_default().push(tp);
            }
        }
        for (leader, partitions) in by_leader {
            let correlation_id = self.next_correlation_id();
            let request = WriteTxnMarkersRequest {
                producer_id,
                producer_epoch,
                marker,
                coordinator_epoch,
                partitions: partitions.clone(),
            };
            ctx.request(NodeId::Broker(leader), correlation_id, Request::WriteTxnMarkers(request));
            ctx.set_timer(
                MARKER_REQUEST_TIMEOUT_MS,
                Timer::Broker(crate::engine::broker::BrokerTimer::Txn(TxnTimer::MarkerRequestTimeout {
                    correlation_id,
                })),
            );
            let entry = self.txns.get_mut(transactional_id).expect("checked");
            entry.markers_in_flight.extend(partitions.iter().cloned());
            self.marker_requests.insert(
                correlation_id,
                MarkerRequest { broker: leader, transactional_id: transactional_id.to_string(), partitions },
            );
        }
        if retry {
            Self::retry_markers_later(ctx, transactional_id);
        }
        self.markers_written(ctx, host, transactional_id, written, marker == ControlType::Commit);
    }

    fn markers_written(
        &mut self,
        ctx: &mut Ctx,
        host: &mut dyn CoordinatorHost,
        transactional_id: &str,
        written: Vec<TopicPartition>,
        commit: bool,
    ) {
        let Some(entry) = self.txns.get_mut(transactional_id) else { return };
        // The partition leader emits `MarkerWritten` when it appends the marker.
        for tp in written {
            entry.markers_in_flight.remove(&tp);
            entry.markers_pending.remove(&tp);
        }
        if !entry.markers_pending.is_empty() || !entry.metadata.state.is_preparing() || entry.pending.is_some() {
            return;
        }
        let to = if commit { TxnState::CompleteCommit } else { TxnState::CompleteAbort };
        let next = entry.metadata.transition(to, ctx.now);
        let Ok(partition) = self.owned_partition(host, transactional_id) else { return };
        // If this append fails, the next coordinator reloads PrepareX and resends.
        let _ = self.write(ctx, host, partition, transactional_id, next, After::Completed);
    }

    fn on_markers_response(
        &mut self,
        ctx: &mut Ctx,
        host: &mut dyn CoordinatorHost,
        correlation_id: CorrelationId,
        response: WriteTxnMarkersResponse,
    ) {
        let Some(request) = self.marker_requests.remove(&correlation_id) else { return };
        let Some(entry) = self.txns.get_mut(&request.transactional_id) else { return };
        let commit = entry.metadata.state == TxnState::PrepareCommit;
        let mut written = Vec::new();
        let mut retry = false;
        for tp in request.partitions {
            entry.markers_in_flight.remove(&tp);
            let error = response
                .partitions
                .iter()
                .find(|(p, _)| *p == tp)
                .map_or(Some(KafkaError::UnknownServerError), |(_, e)| *e);
            match error {
                // Written, or made obsolete by a newer producer epoch / coordinator.
                None | Some(KafkaError::InvalidProducerEpoch) | Some(KafkaError::TransactionCoordinatorFenced) => {
                    written.push(tp)
                }
                Some(_) => retry = true,
            }
        }
        if retry {
            Self::retry_markers_later(ctx, &request.transactional_id);
        }
        self.markers_written(ctx, host, &request.transactional_id, written, commit);
    }

    fn marker_request_failed(&mut self, ctx: &mut Ctx, request: MarkerRequest) {
        if let Some(entry) = self.txns.get_mut(&request.transactional_id) {
            for tp in &request.partitions {
                entry.markers_in_flight.remove(tp);
            }
            Self::retry_markers_later(ctx, &request.transactional_id);
        }
    }
}

/// The next epoch; a producer id whose epoch is exhausted is replaced (Kafka does the same).
fn bump_epoch(metadata: &mut TxnMetadata, host: &mut dyn CoordinatorHost) {
    if metadata.producer_epoch >= ProducerEpoch::MAX - 1 {
        metadata.producer_id = host.allocate_producer_id();
        metadata.producer_epoch = 0;
    } else {
        metadata.producer_epoch += 1;
    }
}

fn init_error(error: KafkaError) -> InitProducerIdResponse {
    InitProducerIdResponse { error: Some(error), producer_id: -1, producer_epoch: -1 }
}

fn add_error(partitions: &[TopicPartition], error: KafkaError) -> AddPartitionsToTxnResponse {
    AddPartitionsToTxnResponse { partitions: partitions.iter().map(|tp| (tp.clone(), Some(error))).collect() }
}

/// Answers a request whose write was lost.
fn reply_error(ctx: &mut Ctx, after: &After, error: KafkaError) {
    match after {
        After::Reply { to, correlation_id, reply } => {
            let response = match reply {
                Reply::InitProducerId => Response::InitProducerId(init_error(error)),
                Reply::AddPartitions(partitions) => Response::AddPartitionsToTxn(add_error(partitions, error)),
                Reply::AddOffsets => Response::AddOffsetsToTxn(AddOffsetsToTxnResponse { error: Some(error) }),
            };
            ctx.respond(*to, *correlation_id, response);
        }
        After::ReplyThenMarkers { to, correlation_id } => {
            ctx.respond(*to, *correlation_id, Response::EndTxn(EndTxnResponse { error: Some(error) }))
        }
        After::Markers | After::Completed => {}
    }
}

/// What the UI sees of one transactional id on its coordinator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TxnSnapshot {
    pub transactional_id: String,
    pub coordinator: BrokerId,
    pub producer_id: ProducerId,
    pub producer_epoch: ProducerEpoch,
    pub state: TxnState,
    /// The state being written, if a change is in progress.
    pub pending_state: Option<TxnState>,
    pub partitions: Vec<TopicPartition>,
    /// Partitions still waiting for their marker.
    pub markers_pending: Vec<TopicPartition>,
    pub txn_start_ms: Millis,
    pub timeout_ms: Millis,
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
