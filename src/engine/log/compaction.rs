//! Log compaction (`cleanup.policy=compact`, Kafka's `LogCleaner`).
//!
//! The cleanable part of the log is the closed segments that end at or
//! below the first uncleanable offset: the smallest of the active segment's
//! base offset, the last stable offset (so the high watermark and open
//! transactions), and the base of the first segment whose largest
//! timestamp is younger than `min.compaction.lag.ms`. In that part, for
//! every key only the record with the largest offset survives; offsets
//! stay as they were (batches keep their base offset and
//! `last_offset_delta`, records their `offset_delta`), so compaction leaves
//! gaps. Afterwards neighbouring cleaned segments are merged while they fit
//! in `segment.bytes`, as Kafka's cleaner groups them.
//!
//! Simplifications, each documented where it acts:
//! - Tombstones (value `None`) that survive as the latest for their key are
//!   dropped once their own timestamp is older than `now -
//!   delete.retention.ms`. Kafka instead keeps a tombstone for
//!   `delete.retention.ms` after the cleaning that first saw it.
//! - Records of aborted transactions are dropped and never count as a key's
//!   latest value (Kafka does the same); transaction markers are always
//!   kept (Kafka drops them once their transaction's data is gone).
//! - A batch emptied by cleaning is dropped, unless it is its producer's last
//!   data batch: it stays, empty, so the producer's sequence numbers survive
//!   (Kafka keeps it for the same reason).
//! - Batch headers (timestamps) are kept as they were.
//! - `compact` runs only when the dirty part (past the cleaner checkpoint)
//!   is at least `min.cleanable.dirty.ratio` of the cleanable part, or a
//!   tombstone has expired (KIP-534), like Kafka's choice of which log to
//!   clean; `force_compact` skips that check.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::segment::{LogSegment, StoredBatch};
use super::PartitionLog;
use crate::collections::VecMap;
use crate::engine::blob::Blob;
use crate::engine::record::{Offset, ProducerId, Record, RecordBatch};
use crate::engine::time::Millis;

/// Why compaction removed a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RemovalReason {
    /// A later record has the same key.
    Superseded,
    /// A tombstone older than `delete.retention.ms`.
    Tombstone,
    /// Part of an aborted transaction.
    Aborted,
    /// A record without a key (possible only if the topic was not always compacted).
    NoKey,
}

/// One record compaction removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemovedRecord {
    pub offset: Offset,
    pub key: Option<Blob>,
    pub timestamp: Millis,
    pub reason: RemovalReason,
    /// For `Superseded`: the offset of the record that replaced it.
    pub superseded_by: Option<Offset>,
}

/// What one compaction run did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompactionResult {
    /// False when nothing was cleaned; `skipped` says why.
    pub ran: bool,
    pub skipped: Option<String>,
    /// The first dirty offset before this run (the cleaner checkpoint).
    pub first_dirty_offset: Offset,
    /// Offsets below this were cleanable (the first uncleanable offset, at a segment boundary).
    pub cleanable_end_offset: Offset,
    /// Dirty bytes / cleanable bytes before this run.
    pub dirty_ratio: f64,
    pub removed: Vec<RemovedRecord>,
    pub removed_batches: u32,
    pub bytes_before: u64,
    pub bytes_after: u64,
    pub segments_before: u32,
    pub segments_after: u32,
}

impl PartitionLog {
    /// Compacts when `cleanup.policy` includes `compact` and the dirty ratio
    /// is at least `min.cleanable.dirty.ratio`. `high_watermark` bounds the
    /// cleanable part when given (Kafka cleans only below the last stable
    /// offset).
    pub fn compact(&mut self, now: Millis, high_watermark: Option<Offset>) -> CompactionResult {
        self.compact_inner(now, high_watermark, false)
    }

    /// Compacts whatever is cleanable, ignoring `min.cleanable.dirty.ratio`
    /// (a "run the cleaner now" button).
    pub fn force_compact(&mut self, now: Millis, high_watermark: Option<Offset>) -> CompactionResult {
        self.compact_inner(now, high_watermark, true)
    }

    /// The first offset compaction may not touch, before rounding down to a
    /// segment boundary.
    fn first_uncleanable_offset(&self, now: Millis, high_watermark: Option<Offset>) -> Offset {
        let mut limit = self.active().base_offset;
        if let Some(first) = self.first_unstable_offset() {
            limit = limit.min(first);
        }
        if let Some(hw) = high_watermark {
            limit = limit.min(self.last_stable_offset(hw));
        }
        if self.config.min_compaction_lag_ms > 0 {
            let lag_start = now - self.config.min_compaction_lag_ms;
            if let Some(young) = self.segments.iter().find(|s| s.largest_timestamp.is_some_and(|t| t > lag_start)) {
                limit = limit.min(young.base_offset);
            }
        }
        limit
    }

    fn compact_inner(&mut self, now: Millis, high_watermark: Option<Offset>, force: bool) -> CompactionResult {
        self.observe(now);
        let first_dirty = self.cleaner_checkpoint.max(self.log_start_offset);
        let limit = self.first_uncleanable_offset(now, high_watermark);
        // Cleanable segments: closed ones ending at or below the limit.
        let closed = self.segments.len() - 1;
        let cleanable = (0..closed).take_while(|&i| self.segments[i + 1].base_offset <= limit).count();
        let cleanable_end = self.segments[cleanable].base_offset;
        let mut result = CompactionResult {
            ran: false,
            skipped: None,
            first_dirty_offset: first_dirty,
            cleanable_end_offset: cleanable_end,
            dirty_ratio: 0.0,
            removed: Vec::new(),
            removed_batches: 0,
            bytes_before: self.size_bytes,
            bytes_after: self.size_bytes,
            segments_before: self.segments.len() as u32,
            segments_after: self.segments.len() as u32,
        };
        if !self.config.cleanup_policy.compacts() {
            result.skipped = Some(format!("cleanup.policy is {}", self.config.cleanup_policy.as_str()));
            return result;
        }
        let (mut dirty, mut total) = (0u64, 0u64);
        for i in 0..cleanable {
            let size = self.segments[i].size_bytes;
            total += size;
            if self.segments[i + 1].base_offset > first_dirty {
                dirty += size;
            }
        }
        result.dirty_ratio = if total == 0 { 0.0 } else { dirty as f64 / total as f64 };
        if cleanable == 0 {
            result.skipped = Some("no closed segment is cleanable yet".to_string());
            return result;
        }
        // Like Kafka since KIP-534, a log with an expired tombstone is worth
        // cleaning whatever its dirty ratio.
        if !force
            && result.dirty_ratio < self.config.min_cleanable_dirty_ratio
            && !self.has_expired_tombstone(cleanable, now)
        {
            result.skipped = Some(format!(
                "dirty ratio {} is below min.cleanable.dirty.ratio {}",
                crate::float_text::fixed(result.dirty_ratio, 2),
                crate::float_text::display(self.config.min_cleanable_dirty_ratio)
            ));
            return result;
        }

        let aborted = self.aborted_ranges(cleanable_end);
        let is_aborted = |batch: &RecordBatch| {
            batch.is_transactional
                && !batch.is_control()
                && aborted
                    .get(&batch.producer_id)
                    .is_some_and(|ranges| ranges.iter().any(|&(f, l)| f <= batch.base_offset && batch.base_offset <= l))
        };

        // Pass 1: the latest offset of every key in the cleanable part.
        // Only looked up, never iterated; ordered anyway, as everything in the engine.
        let mut latest: BTreeMap<Blob, Offset> = BTreeMap::new();
        for segment in self.segments.range(..cleanable) {
            for stored in &segment.batches {
                let batch = &stored.batch;
                if batch.is_control() || is_aborted(batch) {
                    continue;
                }
                for record in batch.records.iter() {
                    if let Some(key) = &record.key {
                        latest.insert(key.clone(), batch.offset_of(record));
                    }
                }
            }
        }

        // Pass 2: rewrite each cleanable segment.
        let last_batch_of_producer: VecMap<ProducerId, Offset> =
            self.producers.entries().map(|e| (e.producer_id, e.last_data_offset())).collect();
        for index in 0..cleanable {
            let segment = &mut self.segments[index];
            let batches = std::mem::take(&mut segment.batches);
            let mut kept: Vec<StoredBatch> = Vec::with_capacity(batches.len());
            for stored in batches {
                let batch = &stored.batch;
                if batch.is_control() {
                    kept.push(stored);
                    continue;
                }
                let aborted_batch = is_aborted(batch);
                let mut retained: Vec<Record> = Vec::new();
                let mut removed_any = false;
                for record in batch.records.iter() {
                    let offset = batch.offset_of(record);
                    let timestamp = batch.timestamp_of(record);
                    let (reason, superseded_by) = if aborted_batch {
                        (Some(RemovalReason::Aborted), None)
                    } else {
                        match &record.key {
                            None => (Some(RemovalReason::NoKey), None),
                            Some(key) => {
                                let newest = latest[key];
                                if newest != offset {
                                    (Some(RemovalReason::Superseded), Some(newest))
                                } else if record.value.is_none() && now - timestamp > self.config.delete_retention_ms {
                                    (Some(RemovalReason::Tombstone), None)
                                } else {
                                    (None, None)
                                }
                            }
                        }
                    };
                    match reason {
                        Some(reason) => {
                            removed_any = true;
                            result.removed.push(RemovedRecord {
                                offset,
                                key: record.key.clone(),
                                timestamp,
                                reason,
                                superseded_by,
                            });
                        }
                        None => retained.push(record.clone()),
                    }
                }
                if !removed_any {
                    kept.push(stored);
                    continue;
                }
                let producers_last = batch.producer_id >= 0
                    && last_batch_of_producer.get(&batch.producer_id) == Some(&batch.last_offset());
                if retained.is_empty() && !producers_last {
                    result.removed_batches += 1;
                    continue;
                }
                let rewritten = RecordBatch { records: Arc::new(retained), ..batch.clone() };
                let size_bytes = rewritten.size_in_bytes();
                kept.push(StoredBatch { batch: rewritten, size_bytes });
            }
            segment.batches = kept;
            segment.recompute_totals();
        }

        self.merge_cleaned_segments(cleanable);
        self.size_bytes = self.segments.iter().map(|s| s.size_bytes).sum();
        self.record_count = self.segments.iter().map(|s| s.record_count).sum();
        self.cleaner_checkpoint = self.cleaner_checkpoint.max(cleanable_end);
        result.ran = true;
        result.bytes_after = self.size_bytes;
        result.segments_after = self.segments.len() as u32;
        self.check_invariants();
        result
    }

    /// Whether the first `count` segments hold a tombstone older than `delete.retention.ms`.
    fn has_expired_tombstone(&self, count: usize, now: Millis) -> bool {
        self.segments.range(..count).flat_map(|s| s.batches.iter()).any(|stored| {
            let batch = &stored.batch;
            !batch.is_control()
                && batch
                    .records
                    .iter()
                    .any(|r| r.value.is_none() && now - batch.timestamp_of(r) > self.config.delete_retention_ms)
        })
    }

    /// Aborted transactions by producer, as `(first offset, marker offset)`,
    /// for those starting below `end`.
    fn aborted_ranges(&self, end: Offset) -> VecMap<ProducerId, Vec<(Offset, Offset)>> {
        let mut ranges: VecMap<ProducerId, Vec<(Offset, Offset)>> = VecMap::new();
        for txn in self.txn_index.entries() {
            if txn.first_offset < end {
                ranges.entry(txn.producer_id).or_default().push((txn.first_offset, txn.last_offset));
            }
        }
        ranges
    }

    /// Merges runs of neighbouring segments among the first `count` (all
    /// closed and just cleaned) while each run fits in `segment.bytes`.
    fn merge_cleaned_segments(&mut self, count: usize) {
        let limit = self.config.segment_bytes.max(0) as u64;
        let cleaned: Vec<LogSegment> = self.segments.drain(..count).collect();
        let mut merged: Vec<LogSegment> = Vec::with_capacity(cleaned.len());
        for segment in cleaned {
            match merged.last_mut() {
                Some(group) if group.size_bytes + segment.size_bytes <= limit => {
                    group.batches.extend(segment.batches);
                    group.created_ms = group.created_ms.max(segment.created_ms);
                    group.recompute_totals();
                }
                _ => merged.push(segment),
            }
        }
        for segment in merged.into_iter().rev() {
            self.segments.push_front(segment);
        }
    }
}
