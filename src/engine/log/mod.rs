//! One replica's partition log: Kafka's `UnifiedLog` with its segments, time
//! index, leader epoch cache, producer state and transaction index. A pure
//! data structure: the broker calls it, it sends nothing and reads no clock
//! (every method that depends on time takes `now`).
//!
//! Map of the modules:
//! - `segment`: a run of batches with its size, count and timestamps.
//! - `retention`: which closed segments `retention.ms` / `retention.bytes` /
//!   the log start offset delete; `apply_retention`, `delete_records`.
//! - `compaction`: `cleanup.policy=compact`, the latest record per key.
//! - `epoch_cache`: `(leader epoch, start offset)` for OffsetsForLeaderEpoch.
//! - `producer_state`: idempotent producers (dedup, sequences, epochs) and
//!   open transactions.
//! - `txn_index`: aborted transactions, and the read_committed filter.
//! - `snapshot`: serde views for the UI and for `LogTruncated` events.
//!
//! Costs: appending and reading are O(batches), never O(records), except
//! where Kafka too looks inside a batch: the size of an appended batch is
//! computed once, and a compacted topic checks that every record has a key.
//! Retention, compaction, truncation and snapshots are rare and may scan.
//!
//! Invariants, asserted: offsets strictly increase and are never reused;
//! `log_start_offset <= log_end_offset`; segments are ordered, contiguous
//! and the last one is the active one.

pub mod compaction;
pub mod epoch_cache;
pub mod producer_state;
pub mod retention;
pub mod segment;
pub mod snapshot;
pub mod txn_index;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use self::compaction::{CompactionResult, RemovalReason, RemovedRecord};
pub use self::epoch_cache::{EpochEntry, LeaderEpoch, LeaderEpochCache};
pub use self::producer_state::{BatchMetadata, CompletedTxn, ProducerStateEntry, NUM_BATCHES_TO_RETAIN};
pub use self::retention::{DeletedSegment, RetentionReason};
pub use self::snapshot::{LogRecord, LogSnapshot, OngoingTxn, SegmentSnapshot, TruncatedRecord};
pub use self::txn_index::{filter_read_committed, AbortedTxn};

use self::producer_state::ProducerStateManager;
use self::segment::LogSegment;
use self::txn_index::TxnIndex;
use crate::engine::blob::Blob;
use crate::engine::config::TopicConfig;
use crate::engine::error::KafkaError;
use crate::engine::record::{
    ControlType, Offset, ProducerEpoch, ProducerId, Record, RecordBatch, TimestampType, NO_SEQUENCE,
};
use crate::engine::time::Millis;

/// What an append did (the broker's `LogAppendInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppendInfo {
    /// Offset of the batch's first record. For a duplicate, the original's.
    pub base_offset: Offset,
    /// Offset of the batch's last record. For a duplicate, the original's.
    pub last_offset: Offset,
    pub record_count: u32,
    /// The batch's size as Kafka would store it.
    pub size_bytes: u32,
    /// The batch's max timestamp as stored (the append time on LogAppendTime topics).
    pub max_timestamp: Millis,
    /// `Some(now)` on a LogAppendTime topic (Kafka returns -1 otherwise).
    pub log_append_time: Option<Millis>,
    pub log_start_offset: Offset,
    /// The batch was a retry of one already in the log: nothing was
    /// appended, and the offsets are the original's (Kafka answers the
    /// produce request with success and those offsets).
    pub duplicate: bool,
    /// The append rolled a new segment starting at this offset.
    pub rolled_segment: Option<Offset>,
    /// A transaction marker closed this transaction.
    pub completed_txn: Option<CompletedTxn>,
}

/// Batches returned by `read`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadResult {
    /// Whole batches: the first one holds the requested offset (or is the
    /// first after it) and may start before it; the reader skips records
    /// below its position, as Kafka clients do.
    pub batches: Vec<RecordBatch>,
    /// Sum of the batches' sizes.
    pub size_bytes: u64,
    pub log_start_offset: Offset,
    pub log_end_offset: Offset,
}

/// One replica's partition log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartitionLog {
    config: TopicConfig,
    /// Ordered by base offset, never empty; the last one is active.
    segments: VecDeque<LogSegment>,
    log_start_offset: Offset,
    log_end_offset: Offset,
    size_bytes: u64,
    record_count: u64,
    epochs: LeaderEpochCache,
    producers: ProducerStateManager,
    txn_index: TxnIndex,
    /// Transactions whose marker is appended but maybe not yet below the
    /// high watermark: marker offset -> first offset. Kafka's
    /// `unreplicatedTxns`; they keep the last stable offset down until the
    /// high watermark passes their marker.
    unreplicated_txns: BTreeMap<Offset, Offset>,
    /// The cleaner's checkpoint: offsets below it have been compacted.
    cleaner_checkpoint: Offset,
    /// The latest `now` this log was given (used where no `now` is passed).
    clock_ms: Millis,
}

impl PartitionLog {
    /// An empty log starting at offset 0, with one empty active segment.
    pub fn new(config: TopicConfig, now: Millis) -> PartitionLog {
        let mut segments = VecDeque::new();
        segments.push_back(LogSegment::new(0, now));
        PartitionLog {
            config,
            segments,
            log_start_offset: 0,
            log_end_offset: 0,
            size_bytes: 0,
            record_count: 0,
            epochs: LeaderEpochCache::new(),
            producers: ProducerStateManager::new(),
            txn_index: TxnIndex::new(),
            unreplicated_txns: BTreeMap::new(),
            cleaner_checkpoint: 0,
            clock_ms: now,
        }
    }

    /// Takes a new topic configuration (already validated by the caller).
    /// It applies from the next append, roll, retention or compaction on.
    pub fn update_config(&mut self, config: TopicConfig) {
        self.config = config;
    }

    pub fn config(&self) -> &TopicConfig {
        &self.config
    }

    pub fn log_start_offset(&self) -> Offset {
        self.log_start_offset
    }

    /// The log end offset: the offset the next appended record gets.
    pub fn log_end_offset(&self) -> Offset {
        self.log_end_offset
    }

    /// Bytes of all segments (what `retention.bytes` compares).
    pub fn size_bytes(&self) -> u64 {
        self.size_bytes
    }

    /// Records held (after compaction), control records included.
    pub fn record_count(&self) -> u64 {
        self.record_count
    }

    pub fn segment_count(&self) -> u32 {
        self.segments.len() as u32
    }

    /// Base offset of the active segment.
    pub fn active_segment_base_offset(&self) -> Offset {
        self.active().base_offset
    }

    // ----- append -------------------------------------------------------

    /// Appends a batch from a producer (the leader's path). Assigns offsets
    /// from the log end offset, stamps `partition_leader_epoch`, and on a
    /// LogAppendTime topic sets the batch's timestamp to `now`.
    ///
    /// Errors, and nothing is appended:
    /// - `INVALID_RECORD`: a control batch from a client, an empty batch, a
    ///   `last_offset_delta` that disagrees with the record count, or a
    ///   record without a key on a compacted topic;
    /// - `MESSAGE_TOO_LARGE`: the batch is larger than `max.message.bytes`;
    /// - `RECORD_LIST_TOO_LARGE`: the batch is larger than `segment.bytes`;
    /// - `INVALID_PRODUCER_EPOCH`, `OUT_OF_ORDER_SEQUENCE_NUMBER`,
    ///   `INVALID_TXN_STATE`: idempotent producer checks (see
    ///   `producer_state`).
    ///
    /// A retry of one of the producer's last five batches is not appended:
    /// `Ok` with `duplicate: true` and the original offsets. A batch without
    /// a producer id (`-1`) skips every producer check, so its retry is
    /// appended again — the duplicate idempotence exists to prevent.
    pub fn append_as_leader(
        &mut self,
        mut batch: RecordBatch,
        leader_epoch: LeaderEpoch,
        now: Millis,
    ) -> Result<AppendInfo, KafkaError> {
        self.observe(now);
        if batch.is_control() || batch.records.is_empty() || batch.last_offset_delta != batch.records.len() as i32 - 1 {
            return Err(KafkaError::InvalidRecord);
        }
        let size = batch.size_in_bytes();
        if size as i64 > self.config.max_message_bytes {
            return Err(KafkaError::MessageTooLarge);
        }
        if size as i64 > self.config.segment_bytes {
            return Err(KafkaError::RecordListTooLarge);
        }
        if self.config.cleanup_policy.compacts() && batch.records.iter().any(|r| r.key.is_none()) {
            return Err(KafkaError::InvalidRecord);
        }
        if batch.producer_id >= 0 {
            if let Some(original) = self.producers.check_data_batch(&batch)? {
                let log_append_time =
                    (self.config.message_timestamp_type == TimestampType::LogAppendTime).then_some(original.timestamp);
                return Ok(AppendInfo {
                    base_offset: original.first_offset,
                    last_offset: original.last_offset,
                    record_count: batch.record_count(),
                    size_bytes: size,
                    max_timestamp: original.timestamp,
                    log_append_time,
                    log_start_offset: self.log_start_offset,
                    duplicate: true,
                    rolled_segment: None,
                    completed_txn: None,
                });
            }
        }
        batch.base_offset = self.log_end_offset;
        batch.partition_leader_epoch = leader_epoch;
        let mut log_append_time = None;
        match self.config.message_timestamp_type {
            TimestampType::LogAppendTime => {
                batch.timestamp_type = TimestampType::LogAppendTime;
                batch.max_timestamp = now;
                log_append_time = Some(now);
            }
            TimestampType::CreateTime => batch.timestamp_type = TimestampType::CreateTime,
        }
        let mut info = self.append_batch(batch, size, -1, now);
        info.log_append_time = log_append_time;
        Ok(info)
    }

    /// Appends a batch fetched from the leader (the follower's path): the
    /// batch keeps its offsets, epoch and timestamps. It must start at or
    /// after the log end offset (asserted; a follower truncates first).
    /// Producer state and the epoch cache follow, without validation, so
    /// this replica can take over as leader.
    pub fn append_as_follower(&mut self, batch: RecordBatch, now: Millis) -> AppendInfo {
        self.observe(now);
        assert!(
            batch.base_offset >= self.log_end_offset,
            "follower append at {} below the log end offset {}",
            batch.base_offset,
            self.log_end_offset
        );
        let size = batch.size_in_bytes();
        let coordinator_epoch = if batch.is_control() { control_coordinator_epoch(&batch) } else { -1 };
        self.append_batch(batch, size, coordinator_epoch, now)
    }

    /// Writes a transaction marker (COMMIT or ABORT) for `producer_id`, as
    /// the transaction coordinator's WriteTxnMarkers does on the leader. It
    /// closes the producer's open transaction (if any); an ABORT is recorded
    /// in the aborted-transaction index. Errors: `INVALID_PRODUCER_EPOCH`
    /// for an older producer epoch, `TRANSACTION_COORDINATOR_FENCED` for an
    /// older coordinator epoch.
    pub fn append_control_marker(
        &mut self,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        control: ControlType,
        coordinator_epoch: i32,
        leader_epoch: LeaderEpoch,
        now: Millis,
    ) -> Result<AppendInfo, KafkaError> {
        self.observe(now);
        assert!(producer_id >= 0, "a transaction marker needs a producer id");
        self.producers.check_marker(producer_id, producer_epoch, coordinator_epoch)?;
        let mut batch = control_batch(producer_id, producer_epoch, control, coordinator_epoch, now);
        batch.base_offset = self.log_end_offset;
        batch.partition_leader_epoch = leader_epoch;
        let size = batch.size_in_bytes();
        Ok(self.append_batch(batch, size, coordinator_epoch, now))
    }

    /// The common tail of every append: roll if needed, then store the batch
    /// and update the epoch cache, producer state and transaction index.
    fn append_batch(&mut self, batch: RecordBatch, size: u32, coordinator_epoch: i32, now: Millis) -> AppendInfo {
        let leo_before = self.log_end_offset;
        assert!(batch.base_offset >= leo_before);
        let rolled_segment = self.roll_for(&batch, size, now);
        self.epochs.assign(batch.partition_leader_epoch, batch.base_offset);
        let completed_txn =
            if batch.producer_id >= 0 { self.producers.apply_batch(&batch, coordinator_epoch) } else { None };
        if let Some(txn) = completed_txn {
            if txn.aborted {
                self.txn_index.push(AbortedTxn {
                    producer_id: txn.producer_id,
                    first_offset: txn.first_offset,
                    last_offset: txn.last_offset,
                });
            }
            self.unreplicated_txns.insert(txn.last_offset, txn.first_offset);
        }
        let info = AppendInfo {
            base_offset: batch.base_offset,
            last_offset: batch.last_offset(),
            record_count: batch.record_count(),
            size_bytes: size,
            max_timestamp: batch.max_timestamp,
            log_append_time: None,
            log_start_offset: self.log_start_offset,
            duplicate: false,
            rolled_segment,
            completed_txn,
        };
        self.log_end_offset = batch.next_offset();
        self.size_bytes += size as u64;
        self.record_count += batch.records.len() as u64;
        self.segments.back_mut().expect("a log always has an active segment").push(batch, size);
        assert!(self.log_end_offset > leo_before, "log end offset must grow on append");
        info
    }

    /// Rolls before appending `batch` when the active segment is not empty
    /// and the batch would not fit in `segment.bytes`, or `segment.ms` has
    /// passed since the active segment's first batch's timestamp (Kafka's
    /// rule: time is measured on record timestamps, falling back to the
    /// segment's creation time when the first batch has none).
    fn roll_for(&mut self, batch: &RecordBatch, size: u32, now: Millis) -> Option<Offset> {
        let active = self.active();
        if active.is_empty() {
            return None;
        }
        let full = active.size_bytes + size as u64 > self.config.segment_bytes.max(0) as u64;
        let expired = active.time_waited_for_roll(now, batch.max_timestamp) > self.config.segment_ms;
        if full || expired {
            self.roll_at(batch.base_offset, now);
            Some(batch.base_offset)
        } else {
            None
        }
    }

    /// Rolls the active segment when `segment.ms` has passed since its first
    /// batch's timestamp (`now` standing in for the next batch's), so that
    /// retention can delete it even when no more records arrive. Kafka rolls
    /// only on append but may delete an expired active segment directly; the
    /// broker calls this before `apply_retention` to get the same effect
    /// while retention never touches the active segment. Returns the new
    /// segment's base offset when it rolled.
    pub fn maybe_roll(&mut self, now: Millis) -> Option<Offset> {
        self.observe(now);
        let active = self.active();
        if !active.is_empty() && active.time_waited_for_roll(now, now) > self.config.segment_ms {
            let base = self.log_end_offset;
            self.roll_at(base, now);
            Some(base)
        } else {
            None
        }
    }

    fn roll_at(&mut self, base_offset: Offset, now: Millis) {
        assert!(base_offset >= self.log_end_offset && base_offset > self.active().base_offset);
        self.segments.push_back(LogSegment::new(base_offset, now));
    }

    // ----- read ---------------------------------------------------------

    /// Reads whole batches from the one holding `from_offset` (or the first
    /// after it, past compaction gaps), up to `max_bytes` — but always at
    /// least one batch, however large (KIP-74) — and only batches that end
    /// below `max_offset_exclusive` (the broker passes the high watermark or
    /// last stable offset for consumers, the log end offset for followers).
    /// Unlike Kafka, one read may span segments.
    ///
    /// `OFFSET_OUT_OF_RANGE` when `from_offset` is below the log start
    /// offset or above the log end offset; at the log end offset, or with
    /// nothing below `max_offset_exclusive`, the result is empty.
    pub fn read(
        &self,
        from_offset: Offset,
        max_bytes: u32,
        max_offset_exclusive: Offset,
    ) -> Result<ReadResult, KafkaError> {
        if from_offset < self.log_start_offset || from_offset > self.log_end_offset {
            return Err(KafkaError::OffsetOutOfRange);
        }
        let mut result = ReadResult {
            batches: Vec::new(),
            size_bytes: 0,
            log_start_offset: self.log_start_offset,
            log_end_offset: self.log_end_offset,
        };
        if from_offset >= max_offset_exclusive || from_offset == self.log_end_offset {
            return Ok(result);
        }
        let first_segment = self.segment_index_for(from_offset);
        'segments: for segment in self.segments.range(first_segment..) {
            let start = segment.batch_index_from(from_offset);
            for stored in &segment.batches[start..] {
                if stored.batch.last_offset() >= max_offset_exclusive {
                    break 'segments;
                }
                if !result.batches.is_empty() && result.size_bytes + stored.size_bytes as u64 > max_bytes as u64 {
                    break 'segments;
                }
                result.size_bytes += stored.size_bytes as u64;
                result.batches.push(stored.batch.clone());
            }
        }
        Ok(result)
    }

    /// Index of the segment whose range holds `offset` (the last segment
    /// starting at or before it).
    fn segment_index_for(&self, offset: Offset) -> usize {
        self.segments.partition_point(|s| s.base_offset <= offset).saturating_sub(1)
    }

    // ----- transactions -------------------------------------------------

    /// First offset of the earliest open transaction (never below the log
    /// start offset), or `None`. Open transactions only; `last_stable_offset`
    /// also holds back transactions whose marker is not yet replicated.
    pub fn first_unstable_offset(&self) -> Option<Offset> {
        self.producers.first_ongoing_offset().map(|o| o.max(self.log_start_offset))
    }

    /// The last stable offset for a given high watermark, as Kafka computes
    /// it: the high watermark, held back to the first offset of any open
    /// transaction and of any completed transaction whose marker is not yet
    /// below the high watermark. read_committed consumers read below it.
    pub fn last_stable_offset(&self, high_watermark: Offset) -> Offset {
        let mut lso = high_watermark;
        if let Some(first) = self.first_unstable_offset() {
            lso = lso.min(first);
        }
        for (_, &first) in self.unreplicated_txns.range(high_watermark..) {
            lso = lso.min(first.max(self.log_start_offset));
        }
        lso
    }

    /// The high watermark moved: completed transactions whose markers are
    /// below it no longer hold back the last stable offset (Kafka's
    /// `onHighWatermarkUpdated`). Optional: `last_stable_offset` is correct
    /// without it; this only frees memory.
    pub fn on_high_watermark(&mut self, high_watermark: Offset) {
        self.unreplicated_txns = self.unreplicated_txns.split_off(&high_watermark);
    }

    /// Aborted transactions overlapping `[from, to)`, in marker order: what a
    /// read_committed fetch returns beside its batches (Kafka's
    /// `FetchResponse.abortedTransactions`); the consumer filters with
    /// `filter_read_committed`.
    pub fn aborted_transactions(&self, from: Offset, to: Offset) -> Vec<AbortedTxn> {
        self.txn_index.overlapping(from, to)
    }

    /// The state the log keeps for one producer id, if any.
    pub fn producer_state(&self, producer_id: ProducerId) -> Option<&ProducerStateEntry> {
        self.producers.entry(producer_id)
    }

    // ----- time index ---------------------------------------------------

    /// ListOffsets by timestamp: the earliest offset whose record timestamp
    /// is `>= timestamp`, with that record's timestamp; `None` when every
    /// record is older. The special timestamps (-1 latest, -2 earliest) are
    /// the caller's, and so is Kafka's rule that an answer at or past the
    /// high watermark (last stable offset for read_committed) is no answer.
    /// Uses each segment's largest timestamp to skip segments, then scans
    /// batches by max timestamp, then records. Control records are skipped.
    pub fn offset_for_timestamp(&self, timestamp: Millis) -> Option<(Offset, Millis)> {
        self.segments.iter().find_map(|s| s.find_offset_by_timestamp(timestamp, self.log_start_offset))
    }

    // ----- leader epochs ------------------------------------------------

    pub fn latest_epoch(&self) -> Option<LeaderEpoch> {
        self.epochs.latest_epoch()
    }

    /// OffsetsForLeaderEpoch: the largest epoch `<= epoch` in this log and
    /// where it ends (the next epoch's start offset, or the log end offset).
    /// `None` when the cache is empty or `epoch` is newer than every entry.
    pub fn end_offset_for_epoch(&self, epoch: LeaderEpoch) -> Option<(LeaderEpoch, Offset)> {
        self.epochs.end_offset_for(epoch, self.log_end_offset)
    }

    /// A replica becoming leader records that its epoch starts at its log
    /// end offset before anything is appended (Kafka's
    /// `maybeAssignEpochStartOffset` in `makeLeader`).
    pub fn maybe_assign_epoch_start_offset(&mut self, epoch: LeaderEpoch, start_offset: Offset) {
        assert!(start_offset <= self.log_end_offset);
        self.epochs.assign(epoch, start_offset);
    }

    pub fn epoch_entries(&self) -> &[EpochEntry] {
        self.epochs.entries()
    }

    // ----- truncation ---------------------------------------------------

    /// Removes every record at or after `offset` (a follower's divergent
    /// suffix after a leader change) and returns them, for a `LogTruncated`
    /// event. A batch holding `offset` goes whole (Kafka truncates at batch
    /// boundaries; truncation points normally are one). Below the log start
    /// offset this is `truncate_fully_and_start_at(offset)`; at or past the
    /// log end offset, nothing happens. The epoch cache, transaction index
    /// and producer state follow (producer state is rebuilt from the
    /// remaining log).
    pub fn truncate_to(&mut self, offset: Offset) -> Vec<TruncatedRecord> {
        if offset >= self.log_end_offset {
            // Nothing to remove, but Kafka (`UnifiedLog.truncateTo`) still trims
            // the epoch cache at the log end: a leader that assigned its epoch's
            // start offset and was replaced before appending anything leaves an
            // entry there that conflicts with the new leader's.
            self.epochs.truncate_from_end(self.log_end_offset);
            return Vec::new();
        }
        if offset < self.log_start_offset {
            return self.truncate_fully_and_start_at(offset);
        }
        let index = self.segment_index_for(offset);
        let mut removed: Vec<segment::StoredBatch> = Vec::new();
        for segment in self.segments.drain(index + 1..) {
            removed.extend(segment.batches);
        }
        let mut tail = self.segments[index].truncate_from(offset);
        tail.append(&mut removed);
        let removed = tail;
        let new_leo = removed.first().map_or(offset, |b| b.batch.base_offset.min(offset));
        self.log_end_offset = new_leo;
        self.log_start_offset = self.log_start_offset.min(new_leo);
        self.after_suffix_removed(new_leo, &removed);
        self.check_invariants();
        removed.iter().flat_map(|b| snapshot::records_of(&b.batch)).collect()
    }

    /// Empties the log and restarts it at `offset` (a follower whose fetch
    /// offset fell below the leader's log start). Returns the records that
    /// were readable (at or after the old log start offset).
    pub fn truncate_fully_and_start_at(&mut self, offset: Offset) -> Vec<TruncatedRecord> {
        let old_start = self.log_start_offset;
        let lost: Vec<TruncatedRecord> = self
            .segments
            .iter()
            .flat_map(|s| s.batches.iter())
            .flat_map(|b| snapshot::records_of(&b.batch))
            .filter(|r| r.offset >= old_start)
            .collect();
        self.segments.clear();
        self.segments.push_back(LogSegment::new(offset, self.clock_ms));
        self.log_start_offset = offset;
        self.log_end_offset = offset;
        self.size_bytes = 0;
        self.record_count = 0;
        self.epochs.clear();
        self.producers.clear();
        self.txn_index.clear();
        self.unreplicated_txns.clear();
        self.cleaner_checkpoint = offset;
        self.check_invariants();
        lost
    }

    fn after_suffix_removed(&mut self, new_leo: Offset, removed: &[segment::StoredBatch]) {
        for b in removed {
            self.size_bytes -= b.size_bytes as u64;
            self.record_count -= b.batch.records.len() as u64;
        }
        self.epochs.truncate_from_end(new_leo);
        self.txn_index.truncate_from_end(new_leo);
        self.unreplicated_txns.retain(|&marker, &mut first| marker < new_leo && first < new_leo);
        self.cleaner_checkpoint = self.cleaner_checkpoint.min(new_leo);
        if removed.iter().any(|b| b.batch.producer_id >= 0) {
            self.rebuild_producer_state();
        }
    }

    /// Replays the remaining log into a fresh producer state. Transactions
    /// still open keep their first remaining offset; producers whose every
    /// batch lies below the log start offset are not restored (they were
    /// evicted when the log start passed them).
    fn rebuild_producer_state(&mut self) {
        self.producers.clear();
        for segment in &self.segments {
            for stored in &segment.batches {
                let batch = &stored.batch;
                if batch.producer_id >= 0 {
                    let coordinator_epoch = if batch.is_control() { control_coordinator_epoch(batch) } else { -1 };
                    self.producers.apply_batch(batch, coordinator_epoch);
                }
            }
        }
        self.producers.evict_below(self.log_start_offset);
    }

    // ----- shared helpers -----------------------------------------------

    fn active(&self) -> &LogSegment {
        self.segments.back().expect("a log always has an active segment")
    }

    fn observe(&mut self, now: Millis) {
        self.clock_ms = self.clock_ms.max(now);
    }

    /// The log start offset moved forward: segments below it are gone, and
    /// everything keyed by offset forgets what lies below it.
    fn after_log_start_moved(&mut self) {
        self.epochs.truncate_from_start(self.log_start_offset);
        self.txn_index.truncate_from_start(self.log_start_offset);
        self.producers.evict_below(self.log_start_offset);
        self.cleaner_checkpoint = self.cleaner_checkpoint.max(self.log_start_offset);
    }

    /// Asserts every structural invariant. O(batches): called after the
    /// rare operations (retention, compaction, truncation) in debug builds
    /// and by the tests; appends assert their own part cheaply.
    pub fn check_invariants(&self) {
        if !cfg!(debug_assertions) && !cfg!(test) {
            return;
        }
        assert!(!self.segments.is_empty(), "a log always has an active segment");
        assert!(
            self.log_start_offset <= self.log_end_offset,
            "log start {} > log end {}",
            self.log_start_offset,
            self.log_end_offset
        );
        assert!(self.segments[0].base_offset <= self.log_start_offset, "first segment starts after the log start");
        let mut size = 0u64;
        let mut count = 0u64;
        let mut previous_last: Option<Offset> = None;
        for (i, segment) in self.segments.iter().enumerate() {
            let end = self.segments.get(i + 1).map_or(self.log_end_offset, |s| s.base_offset);
            assert!(segment.base_offset <= end, "segments out of order at {}", segment.base_offset);
            if i + 1 < self.segments.len() {
                assert!(segment.base_offset < end, "closed segment {} is zero-width", segment.base_offset);
            }
            assert_eq!(segment.size_bytes, segment.batches.iter().map(|b| b.size_bytes as u64).sum::<u64>());
            assert_eq!(segment.record_count, segment.batches.iter().map(|b| b.batch.records.len() as u64).sum::<u64>());
            for stored in &segment.batches {
                let batch = &stored.batch;
                assert!(
                    batch.base_offset >= segment.base_offset && batch.last_offset() < end,
                    "batch outside its segment"
                );
                if let Some(prev) = previous_last {
                    assert!(
                        batch.base_offset > prev,
                        "offsets not strictly increasing: {} after {}",
                        batch.base_offset,
                        prev
                    );
                }
                let mut prev_record: Option<Offset> = None;
                for record in batch.records.iter() {
                    let offset = batch.offset_of(record);
                    assert!(offset <= batch.last_offset() && offset >= batch.base_offset, "record outside its batch");
                    if let Some(p) = prev_record {
                        assert!(offset > p, "record offsets not strictly increasing in batch {}", batch.base_offset);
                    }
                    prev_record = Some(offset);
                }
                previous_last = Some(batch.last_offset());
            }
            size += segment.size_bytes;
            count += segment.record_count;
        }
        assert_eq!(size, self.size_bytes, "log size out of step with its segments");
        assert_eq!(count, self.record_count, "record count out of step with its segments");
    }
}

/// A transaction marker batch as the coordinator writes it: one control
/// record whose key is (version 0, type: 0 abort / 1 commit) and whose
/// value is (version 0, coordinator epoch), as in Kafka's
/// `EndTransactionMarker`. Offsets are assigned on append.
pub fn control_batch(
    producer_id: ProducerId,
    producer_epoch: ProducerEpoch,
    control: ControlType,
    coordinator_epoch: i32,
    timestamp: Millis,
) -> RecordBatch {
    let type_code: u8 = match control {
        ControlType::Abort => 0,
        ControlType::Commit => 1,
    };
    let mut value = vec![0u8, 0];
    value.extend_from_slice(&coordinator_epoch.to_be_bytes());
    RecordBatch {
        base_offset: 0,
        last_offset_delta: 0,
        partition_leader_epoch: -1,
        first_timestamp: timestamp,
        max_timestamp: timestamp,
        timestamp_type: TimestampType::CreateTime,
        producer_id,
        producer_epoch,
        base_sequence: NO_SEQUENCE,
        is_transactional: true,
        control: Some(control),
        records: Arc::new(vec![Record {
            offset_delta: 0,
            timestamp_delta: 0,
            key: Some(Blob::from(vec![0u8, 0, 0, type_code])),
            value: Some(Blob::from(value)),
            headers: vec![],
        }]),
    }
}

/// The coordinator epoch a marker batch carries (-1 if unreadable).
fn control_coordinator_epoch(batch: &RecordBatch) -> i32 {
    batch
        .records
        .first()
        .and_then(|r| r.value.as_ref())
        .and_then(|v| v.as_bytes().get(2..6).map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]])))
        .unwrap_or(-1)
}
