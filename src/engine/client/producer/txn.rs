//! Idempotence and transactions, client side (`TransactionManager` in the
//! Java client): the producer id and epoch, per-partition sequence numbers,
//! and the transaction state machine.
//!
//! Java's states, with their names: `UNINITIALIZED -> INITIALIZING -> READY
//! -> IN_TRANSACTION -> COMMITTING_TRANSACTION | ABORTING_TRANSACTION ->
//! READY`, plus `ABORTABLE_ERROR` (the transaction must be aborted) and
//! `FATAL_ERROR` (the producer must be closed).
//!
//! OUT_OF_ORDER_SEQUENCE_NUMBER (and UNKNOWN_PRODUCER_ID), as the Java
//! client since Kafka 2.5 (KIP-360), kept simple: when the batch is not the
//! next one the broker expects, an earlier batch is unresolved (in flight or
//! retrying) and the batch is simply retried after it; when it *is* the next
//! one, the broker lost the producer's state: an idempotent producer takes a
//! new producer id (InitProducerId once nothing is in flight), restarts
//! sequences at 0 and resends; a transactional one fails the batch, the
//! transaction must abort, and the epoch is bumped after the abort. Any batch
//! that had a sequence and fails for good triggers the same epoch bump,
//! because its sequence may or may not be in the log.
//!
//! librdkafka / Confluent.Kafka differ in naming only: `InitTransactions`,
//! `BeginTransaction`, `CommitTransaction`, `AbortTransaction`; an abortable
//! error is `TxnRequiresAbort()`, a fatal one `IsFatal`.

use serde::{Deserialize, Serialize};

use crate::collections::{VecMap, VecSet};
use crate::engine::error::KafkaError;
use crate::engine::ids::{BrokerId, TopicPartition};
use crate::engine::log::producer_state::increment_sequence;
use crate::engine::record::{ProducerEpoch, ProducerId, NO_PRODUCER_EPOCH, NO_PRODUCER_ID};
use crate::engine::time::Millis;

/// `TransactionManager.State`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TransactionState {
    Uninitialized,
    /// `initTransactions()` in progress: FindCoordinator, then InitProducerId.
    Initializing,
    Ready,
    InTransaction,
    /// `commitTransaction()`: flushing, then EndTxn(commit).
    CommittingTransaction,
    /// `abortTransaction()`: queued records dropped, in-flight ones awaited, then EndTxn(abort).
    AbortingTransaction,
    /// A send in the transaction failed: only `abortTransaction()` is allowed.
    AbortableError,
    /// Fenced or otherwise broken for good: close the producer.
    FatalError,
}

impl TransactionState {
    pub fn name(self) -> &'static str {
        match self {
            TransactionState::Uninitialized => "UNINITIALIZED",
            TransactionState::Initializing => "INITIALIZING",
            TransactionState::Ready => "READY",
            TransactionState::InTransaction => "IN_TRANSACTION",
            TransactionState::CommittingTransaction => "COMMITTING_TRANSACTION",
            TransactionState::AbortingTransaction => "ABORTING_TRANSACTION",
            TransactionState::AbortableError => "ABORTABLE_ERROR",
            TransactionState::FatalError => "FATAL_ERROR",
        }
    }
}

/// Sequence bookkeeping of one partition (`TopicPartitionEntry`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PartitionSequences {
    /// Sequence the next new batch gets.
    pub next: i32,
    /// Sequence of the last record acknowledged, -1 before any.
    pub last_acked: i32,
    /// Base sequences of batches drained and not yet completed (in flight,
    /// or queued again for a retry).
    pub in_flight: VecSet<i32>,
}

impl PartitionSequences {
    fn new() -> Self {
        PartitionSequences { next: 0, last_acked: -1, in_flight: VecSet::new() }
    }

    /// The sequence the broker expects next.
    pub fn is_next(&self, base_sequence: i32) -> bool {
        increment_sequence(self.last_acked, 1) == base_sequence
    }
}

/// The transactional part (with `transactional.id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Transactional {
    pub transactional_id: String,
    pub state: TransactionState,
    /// The transaction coordinator, once found.
    pub coordinator: Option<BrokerId>,
    /// `beginTransaction()` was called while `initTransactions()` was still
    /// running (in Java it blocks, so the application could not have): the
    /// transaction begins when initialisation completes.
    pub begin_after_init: bool,
    /// Partitions the coordinator has added to the transaction.
    pub partitions: VecSet<TopicPartition>,
    /// Partitions written to that still need AddPartitionsToTxn.
    pub pending_partitions: VecSet<TopicPartition>,
    /// Partitions in the AddPartitionsToTxn on the wire.
    pub adding: VecSet<TopicPartition>,
    /// Whether anything was added to the transaction (otherwise commit and
    /// abort complete without EndTxn, as in Java).
    pub started: bool,
    /// The error that put the transaction in ABORTABLE_ERROR / FATAL_ERROR.
    pub last_error: Option<KafkaError>,
}

/// Producer id, epoch and sequences; the transaction when transactional.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TxnManager {
    /// `enable.idempotence`.
    pub idempotent: bool,
    pub producer_id: ProducerId,
    pub producer_epoch: ProducerEpoch,
    pub sequences: VecMap<TopicPartition, PartitionSequences>,
    /// A sequence may be lost (a batch that had one failed): start a new
    /// epoch once nothing is in flight.
    pub epoch_bump_required: bool,
    /// The transactional request (or idempotent InitProducerId) on the wire.
    pub request_in_flight: bool,
    /// Not before this time (backoff after a retriable error).
    pub next_request_at: Millis,
    /// Fenced or otherwise unrecoverable.
    pub fatal: Option<KafkaError>,
    pub txn: Option<Transactional>,
}

impl TxnManager {
    pub fn new(idempotent: bool, transactional_id: Option<String>) -> Self {
        TxnManager {
            idempotent,
            producer_id: NO_PRODUCER_ID,
            producer_epoch: NO_PRODUCER_EPOCH,
            sequences: VecMap::new(),
            epoch_bump_required: false,
            request_in_flight: false,
            next_request_at: 0,
            fatal: None,
            txn: transactional_id.map(|transactional_id| Transactional {
                transactional_id,
                state: TransactionState::Uninitialized,
                coordinator: None,
                begin_after_init: false,
                partitions: VecSet::new(),
                pending_partitions: VecSet::new(),
                adding: VecSet::new(),
                started: false,
                last_error: None,
            }),
        }
    }

    pub fn has_producer_id(&self) -> bool {
        self.producer_id != NO_PRODUCER_ID
    }

    pub fn state(&self) -> Option<TransactionState> {
        self.txn.as_ref().map(|t| t.state)
    }

    /// A new producer id or epoch: sequences restart at 0 everywhere.
    pub fn set_producer_id(&mut self, producer_id: ProducerId, producer_epoch: ProducerEpoch) {
        self.producer_id = producer_id;
        self.producer_epoch = producer_epoch;
        self.sequences.clear();
        self.epoch_bump_required = false;
    }

    pub fn sequences_mut(&mut self, tp: &TopicPartition) -> &mut PartitionSequences {
        self.sequences.entry(tp.clone()).or_insert_with(PartitionSequences::new)
    }

    /// Assigns the sequence of a batch drained for the first time.
    pub fn assign_sequence(&mut self, tp: &TopicPartition, record_count: u32) -> i32 {
        assert!(record_count > 0, "an empty batch is never drained");
        let entry = self.sequences_mut(tp);
        let base = entry.next;
        entry.next = increment_sequence(base, record_count as i32);
        let fresh = entry.in_flight.insert(base);
        assert!(fresh, "sequence {base} of {tp} assigned twice");
        base
    }

    /// The lowest sequence in flight for the partition (Java's `firstInFlightSequence`).
    pub fn first_in_flight(&self, tp: &TopicPartition) -> Option<i32> {
        self.sequences.get(tp).and_then(|s| s.in_flight.first().copied())
    }

    /// A batch was acknowledged.
    pub fn on_acked(&mut self, tp: &TopicPartition, base_sequence: i32, last_sequence: i32) {
        let entry = self.sequences_mut(tp);
        entry.in_flight.remove(&base_sequence);
        if entry.last_acked == -1 || last_sequence > entry.last_acked {
            entry.last_acked = last_sequence;
        }
    }

    /// A batch that had a sequence failed for good: its sequence may or may
    /// not be in the log, so the producer starts a new epoch (Java since
    /// Kafka 2.5, KIP-360).
    pub fn on_sequenced_batch_failed(&mut self, tp: &TopicPartition, base_sequence: i32) {
        if let Some(entry) = self.sequences.get_mut(tp) {
            entry.in_flight.remove(&base_sequence);
        }
        self.epoch_bump_required = true;
    }
}
