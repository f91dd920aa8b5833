//! Idempotent and transactional producer state (`ProducerStateManager` and
//! `ProducerStateEntry` in the Java broker).
//!
//! Per producer id the log remembers the producer epoch, the metadata of its
//! last five batches (Kafka's `NUM_BATCHES_TO_RETAIN`, which is why
//! `max.in.flight.requests.per.connection` may be at most 5 with
//! idempotence), the coordinator epoch of its last transaction marker and the
//! first offset of its open transaction, if any.
//!
//! Only the leader validates (`check_data_batch`, `check_marker`); both the
//! leader and followers apply (`apply_batch`), so a follower that becomes
//! leader already knows every producer.
//!
//! A choice the simulation makes: a producer id this log has never seen must
//! start at sequence 0, otherwise `OUT_OF_ORDER_SEQUENCE_NUMBER`. Kafka since
//! KIP-360 accepts any sequence from an unknown producer, because on a real
//! TCP connection a request cannot overtake a lost one; in the simulation a
//! single request can be dropped, and accepting the later one would reorder
//! the producer's records. A producer whose state this log evicted (its
//! batches all went below the log start offset through retention or
//! DeleteRecords) is accepted at any sequence, as Kafka does, so it is not
//! stuck forever.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::collections::{VecMap, VecSet};
use crate::engine::error::KafkaError;
use crate::engine::record::{ControlType, Offset, ProducerEpoch, ProducerId, RecordBatch, NO_PRODUCER_EPOCH};
use crate::engine::time::Millis;

/// Batches remembered per producer for duplicate detection (Kafka's `NUM_BATCHES_TO_RETAIN`).
pub const NUM_BATCHES_TO_RETAIN: u32 = 5;

/// What the log remembers of one appended batch (`BatchMetadata`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchMetadata {
    pub first_seq: i32,
    pub last_seq: i32,
    pub first_offset: Offset,
    pub last_offset: Offset,
    /// The batch's max timestamp (the log append time on LogAppendTime topics).
    pub timestamp: Millis,
}

/// One producer's state (`ProducerStateEntry`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProducerStateEntry {
    pub producer_id: ProducerId,
    pub producer_epoch: ProducerEpoch,
    /// The last `NUM_BATCHES_TO_RETAIN` data batches, oldest first.
    pub batches: VecDeque<BatchMetadata>,
    /// Coordinator epoch of the last transaction marker, -1 before any.
    pub coordinator_epoch: i32,
    /// First offset of the producer's open transaction.
    pub current_txn_first_offset: Option<Offset>,
    /// Max timestamp of the last batch or marker.
    pub last_timestamp: Millis,
}

impl ProducerStateEntry {
    fn new(producer_id: ProducerId) -> Self {
        ProducerStateEntry {
            producer_id,
            producer_epoch: NO_PRODUCER_EPOCH,
            batches: VecDeque::new(),
            coordinator_epoch: -1,
            current_txn_first_offset: None,
            last_timestamp: -1,
        }
    }

    /// Sequence of the last record appended in the current epoch, -1 when none.
    pub fn last_seq(&self) -> i32 {
        self.batches.back().map_or(-1, |b| b.last_seq)
    }

    /// Offset of the last data record appended, -1 when none is remembered.
    pub fn last_data_offset(&self) -> Offset {
        self.batches.back().map_or(-1, |b| b.last_offset)
    }

    fn find_duplicate(&self, batch: &RecordBatch) -> Option<BatchMetadata> {
        if batch.producer_epoch != self.producer_epoch {
            return None;
        }
        let last_seq = last_sequence(batch);
        self.batches.iter().find(|b| b.first_seq == batch.base_sequence && b.last_seq == last_seq).copied()
    }

    fn update_epoch(&mut self, epoch: ProducerEpoch) {
        if epoch != self.producer_epoch {
            self.producer_epoch = epoch;
            self.batches.clear();
        }
    }
}

/// A transaction closed by a marker (`CompletedTxn`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompletedTxn {
    pub producer_id: ProducerId,
    /// First offset of the transaction (the marker's own offset when the
    /// marker closed no open transaction).
    pub first_offset: Offset,
    /// Offset of the marker.
    pub last_offset: Offset,
    pub aborted: bool,
}

/// Sequence of a batch's last record, wrapping past `i32::MAX` as Kafka does.
pub fn last_sequence(batch: &RecordBatch) -> i32 {
    increment_sequence(batch.base_sequence, batch.last_offset_delta)
}

/// `DefaultRecordBatch.incrementSequence`.
pub fn increment_sequence(sequence: i32, increment: i32) -> i32 {
    if sequence > i32::MAX - increment {
        increment - (i32::MAX - sequence) - 1
    } else {
        sequence + increment
    }
}

fn in_sequence(last_seq: i32, next_seq: i32) -> bool {
    next_seq as i64 == last_seq as i64 + 1 || (next_seq == 0 && last_seq == i32::MAX)
}

/// All producers of one partition log, and their open transactions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProducerStateManager {
    producers: VecMap<ProducerId, ProducerStateEntry>,
    /// Open transactions by first offset (Kafka's `ongoingTxns`).
    ongoing: BTreeMap<Offset, ProducerId>,
    /// Producers whose state was evicted because their batches went below the log start.
    evicted: VecSet<ProducerId>,
}

impl ProducerStateManager {
    pub fn new() -> Self {
        ProducerStateManager::default()
    }

    pub fn entry(&self, producer_id: ProducerId) -> Option<&ProducerStateEntry> {
        self.producers.get(&producer_id)
    }

    pub fn entries(&self) -> impl Iterator<Item = &ProducerStateEntry> {
        self.producers.values()
    }

    /// First offset of the earliest open transaction.
    pub fn first_ongoing_offset(&self) -> Option<Offset> {
        self.ongoing.keys().next().copied()
    }

    /// Open transactions as `(first offset, producer id)`, by first offset.
    pub fn ongoing(&self) -> impl Iterator<Item = (Offset, ProducerId)> + '_ {
        self.ongoing.iter().map(|(&o, &p)| (o, p))
    }

    /// Leader-side validation of an idempotent (or transactional) data batch,
    /// in Kafka's order: a retry of one of the last five batches is a
    /// duplicate (`Ok(Some(original))`, not appended again); then a stale
    /// epoch is `INVALID_PRODUCER_EPOCH`; then the sequence must follow the
    /// last one (`OUT_OF_ORDER_SEQUENCE_NUMBER`), starting at 0 in a new
    /// epoch; then a non-transactional batch while the producer has an open
    /// transaction is `INVALID_TXN_STATE`. Changes nothing.
    pub fn check_data_batch(&self, batch: &RecordBatch) -> Result<Option<BatchMetadata>, KafkaError> {
        debug_assert!(batch.producer_id >= 0);
        let Some(entry) = self.producers.get(&batch.producer_id) else {
            if batch.base_sequence != 0 && !self.evicted.contains(&batch.producer_id) {
                return Err(KafkaError::OutOfOrderSequenceNumber);
            }
            return Ok(None);
        };
        if let Some(original) = entry.find_duplicate(batch) {
            return Ok(Some(original));
        }
        if batch.producer_epoch < entry.producer_epoch {
            return Err(KafkaError::InvalidProducerEpoch);
        }
        if batch.producer_epoch != entry.producer_epoch {
            if batch.base_sequence != 0 && entry.producer_epoch != NO_PRODUCER_EPOCH {
                return Err(KafkaError::OutOfOrderSequenceNumber);
            }
        } else if !in_sequence(entry.last_seq(), batch.base_sequence) {
            return Err(KafkaError::OutOfOrderSequenceNumber);
        }
        if entry.current_txn_first_offset.is_some() && !batch.is_transactional {
            return Err(KafkaError::InvalidTxnState);
        }
        Ok(None)
    }

    /// Leader-side validation of a transaction marker: a stale producer epoch
    /// is `INVALID_PRODUCER_EPOCH`, a stale coordinator epoch
    /// `TRANSACTION_COORDINATOR_FENCED`. Changes nothing.
    pub fn check_marker(
        &self,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        coordinator_epoch: i32,
    ) -> Result<(), KafkaError> {
        if let Some(entry) = self.producers.get(&producer_id) {
            if producer_epoch < entry.producer_epoch {
                return Err(KafkaError::InvalidProducerEpoch);
            }
            if coordinator_epoch < entry.coordinator_epoch {
                return Err(KafkaError::TransactionCoordinatorFenced);
            }
        }
        Ok(())
    }

    /// Applies an appended batch (offsets assigned) without validating it:
    /// the leader after `check_*`, a follower and a rebuild after truncation
    /// all come here. A marker returns the transaction it closed.
    pub fn apply_batch(&mut self, batch: &RecordBatch, coordinator_epoch: i32) -> Option<CompletedTxn> {
        let producer_id = batch.producer_id;
        if producer_id < 0 {
            return None;
        }
        self.evicted.remove(&producer_id);
        let entry = self.producers.entry(producer_id).or_insert_with(|| ProducerStateEntry::new(producer_id));
        entry.update_epoch(batch.producer_epoch);
        entry.last_timestamp = batch.max_timestamp;
        if let Some(control) = batch.control {
            entry.coordinator_epoch = coordinator_epoch;
            let first_offset = entry.current_txn_first_offset.take().unwrap_or(batch.base_offset);
            self.ongoing.remove(&first_offset);
            return Some(CompletedTxn {
                producer_id,
                first_offset,
                last_offset: batch.last_offset(),
                aborted: control == ControlType::Abort,
            });
        }
        if batch.base_sequence >= 0 {
            if entry.batches.len() as u32 == NUM_BATCHES_TO_RETAIN {
                entry.batches.pop_front();
            }
            entry.batches.push_back(BatchMetadata {
                first_seq: batch.base_sequence,
                last_seq: last_sequence(batch),
                first_offset: batch.base_offset,
                last_offset: batch.last_offset(),
                timestamp: batch.max_timestamp,
            });
        }
        if batch.is_transactional && entry.current_txn_first_offset.is_none() {
            entry.current_txn_first_offset = Some(batch.base_offset);
            self.ongoing.insert(batch.base_offset, producer_id);
        }
        None
    }

    /// The log start moved to `log_start_offset`: producers none of whose
    /// remembered batches reach it, and with no open transaction, are
    /// forgotten (Kafka evicts them the same way; it is why a producer can
    /// come back as unknown after retention).
    pub fn evict_below(&mut self, log_start_offset: Offset) {
        let gone: Vec<ProducerId> = self
            .producers
            .values()
            .filter(|e| e.last_data_offset() < log_start_offset && e.current_txn_first_offset.is_none())
            .map(|e| e.producer_id)
            .collect();
        for id in gone {
            self.producers.remove(&id);
            self.evicted.insert(id);
        }
    }

    /// Forgets every producer (the log was truncated fully), keeping the
    /// evicted set so that producers already known to have lost their state
    /// stay accepted at any sequence.
    pub fn clear(&mut self) {
        self.producers.clear();
        self.ongoing.clear();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::engine::record::{Record, TimestampType};

    fn batch(pid: ProducerId, epoch: ProducerEpoch, seq: i32, count: i32, base_offset: Offset) -> RecordBatch {
        RecordBatch {
            base_offset,
            last_offset_delta: count - 1,
            partition_leader_epoch: 0,
            first_timestamp: 0,
            max_timestamp: 0,
            timestamp_type: TimestampType::CreateTime,
            producer_id: pid,
            producer_epoch: epoch,
            base_sequence: seq,
            is_transactional: false,
            control: None,
            records: Arc::new(
                (0..count)
                    .map(|i| Record { offset_delta: i, timestamp_delta: 0, key: None, value: None, headers: vec![] })
                    .collect(),
            ),
        }
    }

    #[test]
    fn sequence_wraps_after_i32_max() {
        assert_eq!(increment_sequence(i32::MAX, 1), 0);
        assert_eq!(increment_sequence(i32::MAX - 1, 3), 1);
        assert_eq!(increment_sequence(5, 4), 9);
        assert!(in_sequence(i32::MAX, 0));
    }

    #[test]
    fn retry_of_one_of_the_last_five_batches_is_a_duplicate_with_its_offsets() {
        let mut state = ProducerStateManager::new();
        for i in 0..6 {
            let b = batch(7, 0, i * 2, 2, 100 + i as Offset * 2);
            assert_eq!(state.check_data_batch(&b), Ok(None));
            state.apply_batch(&b, -1);
        }
        let dup = state.check_data_batch(&batch(7, 0, 4, 2, 0)).unwrap().unwrap();
        assert_eq!((dup.first_offset, dup.last_offset), (104, 105));
        // The first batch is no longer remembered: its retry is out of order.
        assert_eq!(state.check_data_batch(&batch(7, 0, 0, 2, 0)), Err(KafkaError::OutOfOrderSequenceNumber));
    }

    #[test]
    fn gap_in_sequence_is_out_of_order() {
        let mut state = ProducerStateManager::new();
        state.apply_batch(&batch(1, 0, 0, 3, 0), -1);
        assert_eq!(state.check_data_batch(&batch(1, 0, 4, 1, 0)), Err(KafkaError::OutOfOrderSequenceNumber));
        assert_eq!(state.check_data_batch(&batch(1, 0, 3, 1, 0)), Ok(None));
    }

    #[test]
    fn unknown_producer_must_start_at_sequence_zero_unless_evicted() {
        let mut state = ProducerStateManager::new();
        assert_eq!(state.check_data_batch(&batch(9, 0, 5, 1, 0)), Err(KafkaError::OutOfOrderSequenceNumber));
        state.apply_batch(&batch(9, 0, 0, 5, 0), -1);
        state.evict_below(10);
        assert!(state.entry(9).is_none());
        assert_eq!(state.check_data_batch(&batch(9, 0, 5, 1, 10)), Ok(None));
    }

    #[test]
    fn older_epoch_is_fenced_and_a_new_epoch_restarts_at_zero() {
        let mut state = ProducerStateManager::new();
        state.apply_batch(&batch(1, 3, 0, 1, 0), -1);
        assert_eq!(state.check_data_batch(&batch(1, 2, 1, 1, 0)), Err(KafkaError::InvalidProducerEpoch));
        assert_eq!(state.check_data_batch(&batch(1, 4, 1, 1, 0)), Err(KafkaError::OutOfOrderSequenceNumber));
        assert_eq!(state.check_data_batch(&batch(1, 4, 0, 1, 0)), Ok(None));
    }

    #[test]
    fn transactional_batch_opens_and_marker_closes_a_transaction() {
        let mut state = ProducerStateManager::new();
        let mut b = batch(1, 0, 0, 2, 10);
        b.is_transactional = true;
        state.apply_batch(&b, -1);
        assert_eq!(state.first_ongoing_offset(), Some(10));
        assert_eq!(state.check_data_batch(&batch(1, 0, 2, 1, 0)), Err(KafkaError::InvalidTxnState));
        let mut marker = batch(1, 0, -1, 1, 12);
        marker.is_transactional = true;
        marker.control = Some(ControlType::Abort);
        let done = state.apply_batch(&marker, 3).unwrap();
        assert_eq!(done, CompletedTxn { producer_id: 1, first_offset: 10, last_offset: 12, aborted: true });
        assert_eq!(state.first_ongoing_offset(), None);
        assert_eq!(state.check_marker(1, 0, 2), Err(KafkaError::TransactionCoordinatorFenced));
    }
}
