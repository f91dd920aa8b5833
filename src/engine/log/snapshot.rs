//! Serde views of a partition log for the UI, traces and tests: segments
//! with their retention state, the last records, epochs, producers and
//! transactions. No `usize` anywhere, so a snapshot hashes the same on
//! native and wasm32.

use serde::{Deserialize, Serialize};

use super::epoch_cache::{EpochEntry, LeaderEpoch};
use super::producer_state::{increment_sequence, ProducerStateEntry};
use super::retention::{self, RetentionReason};
use super::txn_index::AbortedTxn;
use super::PartitionLog;
use crate::engine::blob::Blob;
use crate::engine::record::{ControlType, Header, Offset, ProducerEpoch, ProducerId, Record, RecordBatch};
use crate::engine::time::Millis;

/// One record as the UI shows it, with its batch's producer fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogRecord {
    pub offset: Offset,
    pub timestamp: Millis,
    /// `None` for a transaction marker (its key is Kafka's binary marker key).
    pub key: Option<Blob>,
    /// `None` is a tombstone; also `None` for a transaction marker.
    pub value: Option<Blob>,
    pub headers: Vec<Header>,
    pub producer_id: ProducerId,
    pub producer_epoch: ProducerEpoch,
    /// The record's sequence number, -1 for a non-idempotent producer.
    pub sequence: i32,
    pub transactional: bool,
    /// `Some` for a COMMIT / ABORT marker.
    pub control: Option<ControlType>,
    pub batch_base_offset: Offset,
    pub leader_epoch: LeaderEpoch,
}

/// A record removed by truncation (in a `LogTruncated` event).
pub type TruncatedRecord = LogRecord;

/// The records of a batch as `LogRecord`s.
pub fn records_of(batch: &RecordBatch) -> impl DoubleEndedIterator<Item = LogRecord> + '_ {
    batch.records.iter().map(move |record| record_view(batch, record))
}

/// One record of a batch as a `LogRecord`.
pub fn record_view(batch: &RecordBatch, record: &Record) -> LogRecord {
    let sequence =
        if batch.base_sequence >= 0 { increment_sequence(batch.base_sequence, record.offset_delta) } else { -1 };
    let control = batch.control;
    LogRecord {
        offset: batch.offset_of(record),
        timestamp: batch.timestamp_of(record),
        key: if control.is_some() { None } else { record.key.clone() },
        value: if control.is_some() { None } else { record.value.clone() },
        headers: record.headers.clone(),
        producer_id: batch.producer_id,
        producer_epoch: batch.producer_epoch,
        sequence,
        transactional: batch.is_transactional,
        control,
        batch_base_offset: batch.base_offset,
        leader_epoch: batch.partition_leader_epoch,
    }
}

/// One segment as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentSnapshot {
    pub base_offset: Offset,
    /// The next segment's base offset, or the log end offset for the active one.
    pub next_offset: Offset,
    pub size_bytes: u64,
    pub record_count: u64,
    pub batch_count: u32,
    /// Simulated time the segment was created.
    pub created_ms: Millis,
    /// Max timestamp of its first batch: `segment.ms` counts from here.
    pub first_batch_timestamp: Option<Millis>,
    /// Largest record timestamp: `retention.ms` counts from here.
    pub largest_timestamp: Option<Millis>,
    pub active: bool,
    /// `Some(reason)` when retention, run now, would delete this segment.
    pub deletable_next: Option<RetentionReason>,
}

/// An open transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OngoingTxn {
    pub producer_id: ProducerId,
    pub first_offset: Offset,
}

/// A view of the whole log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogSnapshot {
    pub log_start_offset: Offset,
    pub log_end_offset: Offset,
    /// As given by the caller.
    pub high_watermark: Offset,
    /// As given by the caller.
    pub last_stable_offset: Offset,
    pub first_unstable_offset: Option<Offset>,
    /// Bytes of all segments, as Kafka would store them.
    pub size_bytes: u64,
    pub record_count: u64,
    /// Offsets below this have been compacted (the cleaner checkpoint).
    pub cleaner_checkpoint: Offset,
    pub segments: Vec<SegmentSnapshot>,
    /// The last records of the log, oldest first.
    pub records: Vec<LogRecord>,
    pub leader_epochs: Vec<EpochEntry>,
    pub producers: Vec<ProducerStateEntry>,
    pub ongoing_txns: Vec<OngoingTxn>,
    pub aborted_txns: Vec<AbortedTxn>,
}

impl PartitionLog {
    /// A serde view of the log: `high_watermark` and `last_stable_offset` are
    /// the broker's (stored as given, and used to mark the segments
    /// retention would delete at `now`); `records` holds the last
    /// `max_records` records.
    pub fn snapshot(
        &self,
        now: Millis,
        high_watermark: Offset,
        last_stable_offset: Offset,
        max_records: u32,
    ) -> LogSnapshot {
        let plan = retention::plan(&self.segments, self.log_start_offset, &self.config, now, high_watermark);
        let last = self.segments.len() - 1;
        let segments = self
            .segments
            .iter()
            .enumerate()
            .map(|(i, s)| SegmentSnapshot {
                base_offset: s.base_offset,
                next_offset: self.segments.get(i + 1).map_or(self.log_end_offset, |n| n.base_offset),
                size_bytes: s.size_bytes,
                record_count: s.record_count,
                batch_count: s.batches.len() as u32,
                created_ms: s.created_ms,
                first_batch_timestamp: s.roll_base_timestamp,
                largest_timestamp: s.largest_timestamp,
                active: i == last,
                deletable_next: plan.iter().find(|(index, _)| *index as usize == i).map(|(_, reason)| *reason),
            })
            .collect();
        LogSnapshot {
            log_start_offset: self.log_start_offset,
            log_end_offset: self.log_end_offset,
            high_watermark,
            last_stable_offset,
            first_unstable_offset: self.first_unstable_offset(),
            size_bytes: self.size_bytes,
            record_count: self.record_count,
            cleaner_checkpoint: self.cleaner_checkpoint,
            segments,
            records: self.last_records(max_records),
            leader_epochs: self.epochs.entries().to_vec(),
            producers: self.producers.entries().cloned().collect(),
            ongoing_txns: self
                .producers
                .ongoing()
                .map(|(first_offset, producer_id)| OngoingTxn { producer_id, first_offset })
                .collect(),
            aborted_txns: self.txn_index.entries().to_vec(),
        }
    }

    /// The last `max_records` records at or after the log start, oldest first.
    pub fn last_records(&self, max_records: u32) -> Vec<LogRecord> {
        let mut out: Vec<LogRecord> = Vec::new();
        'outer: for segment in self.segments.iter().rev() {
            for stored in segment.batches.iter().rev() {
                for record in records_of(&stored.batch).rev() {
                    if out.len() as u32 >= max_records || record.offset < self.log_start_offset {
                        break 'outer;
                    }
                    out.push(record);
                }
            }
        }
        out.reverse();
        out
    }
}
