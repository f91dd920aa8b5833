//! Which closed segments retention deletes (`UnifiedLog.deleteOldSegments`).
//!
//! Three passes in Kafka's order, each deleting a prefix of the log:
//! segments wholly below the log start offset (always, whatever the
//! `cleanup.policy`, so DeleteRecords frees space on compacted topics too),
//! then — only when `cleanup.policy` includes `delete` — the oldest segments
//! while the log is larger than `retention.bytes`, then segments whose
//! largest timestamp is older than `now - retention.ms`.
//!
//! A segment can go only when it is wholly below the high watermark (the
//! next segment starts at or below it), and never the active segment: Kafka
//! may also roll and delete an expired active segment; here it stays until
//! an append or `maybe_roll` closes it (see `PartitionLog::maybe_roll`).

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use super::segment::LogSegment;
use super::PartitionLog;
use crate::engine::config::TopicConfig;
use crate::engine::error::KafkaError;
use crate::engine::record::Offset;
use crate::engine::time::Millis;

/// Why retention deleted a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetentionReason {
    /// Every offset in it is below the log start offset (DeleteRecords).
    LogStartOffset,
    /// The log was larger than `retention.bytes`.
    RetentionBytes,
    /// Its largest timestamp was older than `retention.ms`.
    RetentionMs,
}

/// A segment deleted by retention or DeleteRecords (for a `SegmentDeleted` event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedSegment {
    pub base_offset: Offset,
    /// Offset after the segment's last offset (the next segment's base).
    pub next_offset: Offset,
    pub size_bytes: u64,
    pub record_count: u64,
    pub largest_timestamp: Option<Millis>,
    pub reason: RetentionReason,
}

/// The segments retention would delete now: `(index, reason)` for a prefix
/// of `segments`. Pure, so the snapshot can show what goes next.
pub fn plan(
    segments: &VecDeque<LogSegment>,
    log_start_offset: Offset,
    config: &TopicConfig,
    now: Millis,
    high_watermark: Offset,
) -> Vec<(u32, RetentionReason)> {
    let mut plan = Vec::new();
    let closed = segments.len().saturating_sub(1);
    let eligible = |i: usize| i < closed && segments[i + 1].base_offset <= high_watermark;
    let mut i = 0;
    while eligible(i) && segments[i + 1].base_offset <= log_start_offset {
        plan.push((i as u32, RetentionReason::LogStartOffset));
        i += 1;
    }
    if !config.cleanup_policy.deletes() {
        return plan;
    }
    if config.retention_bytes >= 0 {
        let total: u64 = segments.iter().map(|s| s.size_bytes).sum();
        let deleted: u64 = segments.iter().take(i).map(|s| s.size_bytes).sum();
        let mut excess = (total - deleted) as i64 - config.retention_bytes;
        while eligible(i) && excess - segments[i].size_bytes as i64 >= 0 {
            excess -= segments[i].size_bytes as i64;
            plan.push((i as u32, RetentionReason::RetentionBytes));
            i += 1;
        }
    }
    if config.retention_ms >= 0 {
        while eligible(i) && now - segments[i].retention_timestamp() > config.retention_ms {
            plan.push((i as u32, RetentionReason::RetentionMs));
            i += 1;
        }
    }
    plan
}

impl PartitionLog {
    /// Deletes the closed segments retention allows at `now` (see the module
    /// doc for the rules) and moves the log start offset to the first
    /// remaining segment. Returns what was deleted, oldest first, for
    /// `SegmentDeleted` events. Only segments wholly below `high_watermark`
    /// go, and never the active one.
    pub fn apply_retention(&mut self, now: Millis, high_watermark: Offset) -> Vec<DeletedSegment> {
        self.observe(now);
        self.on_high_watermark(high_watermark);
        let plan = plan(&self.segments, self.log_start_offset, &self.config, now, high_watermark);
        let reasons: Vec<RetentionReason> = plan.iter().map(|&(_, reason)| reason).collect();
        self.delete_oldest_segments(&reasons)
    }

    /// DeleteRecords: moves the log start offset forward to `offset` and
    /// deletes the segments wholly below it (never the active one). The
    /// caller checks `offset <= high watermark` (Kafka answers
    /// `OFFSET_OUT_OF_RANGE` above it) and maps -1 to the high watermark.
    /// An offset at or below the log start changes nothing.
    ///
    /// Errors: `OFFSET_OUT_OF_RANGE` above the log end offset;
    /// `POLICY_VIOLATION` when `cleanup.policy` does not include `delete`
    /// (as Kafka's `Partition.deleteRecordsOnLeader`).
    pub fn delete_records(&mut self, offset: Offset) -> Result<Vec<DeletedSegment>, KafkaError> {
        if !self.config.cleanup_policy.deletes() {
            return Err(KafkaError::PolicyViolation);
        }
        if offset > self.log_end_offset {
            return Err(KafkaError::OffsetOutOfRange);
        }
        if offset <= self.log_start_offset {
            return Ok(Vec::new());
        }
        self.log_start_offset = offset;
        let closed = self.segments.len() - 1;
        let count = (0..closed).take_while(|&i| self.segments[i + 1].base_offset <= offset).count();
        let deleted = self.delete_oldest_segments(&vec![RetentionReason::LogStartOffset; count]);
        self.after_log_start_moved();
        self.check_invariants();
        Ok(deleted)
    }

    /// Deletes the first `reasons.len()` segments (all closed) and moves the
    /// log start offset to at least the first remaining segment's base.
    fn delete_oldest_segments(&mut self, reasons: &[RetentionReason]) -> Vec<DeletedSegment> {
        if reasons.is_empty() {
            return Vec::new();
        }
        assert!(reasons.len() < self.segments.len(), "retention never deletes the active segment");
        let mut deleted = Vec::with_capacity(reasons.len());
        for &reason in reasons {
            let segment = self.segments.pop_front().expect("checked above");
            let next_offset = self.segments.front().expect("the active segment remains").base_offset;
            self.size_bytes -= segment.size_bytes;
            self.record_count -= segment.record_count;
            deleted.push(DeletedSegment {
                base_offset: segment.base_offset,
                next_offset,
                size_bytes: segment.size_bytes,
                record_count: segment.record_count,
                largest_timestamp: segment.largest_timestamp,
                reason,
            });
        }
        let before = self.log_start_offset;
        self.log_start_offset = self.log_start_offset.max(self.segments[0].base_offset);
        assert!(self.log_start_offset >= before && self.log_start_offset <= self.log_end_offset);
        self.after_log_start_moved();
        self.check_invariants();
        deleted
    }
}
