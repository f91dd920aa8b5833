//! One log segment (`LogSegment`): a run of batches starting at
//! `base_offset`, with its byte size, record count and timestamps kept
//! incrementally so that appending never looks inside a batch.
//!
//! A segment's end is not stored: it is the next segment's base offset, or
//! the log end offset for the active (last) segment.

use serde::{Deserialize, Serialize};

use crate::engine::record::{Offset, RecordBatch};
use crate::engine::time::Millis;

/// A batch as the log stores it, with its size computed once on append.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredBatch {
    pub batch: RecordBatch,
    pub size_bytes: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogSegment {
    pub base_offset: Offset,
    pub batches: Vec<StoredBatch>,
    pub size_bytes: u64,
    pub record_count: u64,
    /// Simulated time the segment was created (rolled, or the log created).
    pub created_ms: Millis,
    /// Max timestamp of the first batch appended (Kafka's
    /// `rollingBasedTimestamp`): `segment.ms` counts from here.
    pub roll_base_timestamp: Option<Millis>,
    /// Largest batch max timestamp (`maxTimestampSoFar`); `None` while empty.
    pub largest_timestamp: Option<Millis>,
}

impl LogSegment {
    pub fn new(base_offset: Offset, created_ms: Millis) -> Self {
        LogSegment {
            base_offset,
            batches: Vec::new(),
            size_bytes: 0,
            record_count: 0,
            created_ms,
            roll_base_timestamp: None,
            largest_timestamp: None,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.batches.is_empty()
    }

    pub fn push(&mut self, batch: RecordBatch, size_bytes: u32) {
        if let Some(last) = self.batches.last() {
            assert!(
                batch.base_offset > last.batch.last_offset(),
                "batch at {} overlaps the previous batch ending at {}",
                batch.base_offset,
                last.batch.last_offset()
            );
        } else {
            assert!(
                batch.base_offset >= self.base_offset,
                "batch at {} below segment {}",
                batch.base_offset,
                self.base_offset
            );
            self.roll_base_timestamp = Some(batch.max_timestamp);
        }
        self.size_bytes += size_bytes as u64;
        self.record_count += batch.records.len() as u64;
        self.largest_timestamp =
            Some(self.largest_timestamp.map_or(batch.max_timestamp, |t| t.max(batch.max_timestamp)));
        self.batches.push(StoredBatch { batch, size_bytes });
    }

    /// How long `segment.ms` has been running at `timestamp`: from the first
    /// batch's timestamp when it has one, else from the creation time (Kafka's
    /// `timeWaitedForRoll`).
    pub fn time_waited_for_roll(&self, now: Millis, timestamp: Millis) -> Millis {
        match self.roll_base_timestamp {
            Some(t) if t >= 0 => timestamp - t,
            _ => now - self.created_ms,
        }
    }

    /// The timestamp `retention.ms` compares: the largest record timestamp,
    /// or the creation time of a segment without batches (Kafka uses the
    /// file's modification time there).
    pub fn retention_timestamp(&self) -> Millis {
        self.largest_timestamp.unwrap_or(self.created_ms)
    }

    /// Index of the first batch that holds `offset` or comes after it.
    pub fn batch_index_from(&self, offset: Offset) -> usize {
        self.batches.partition_point(|b| b.batch.last_offset() < offset)
    }

    /// Removes every batch that holds an offset `>= offset`; returns them.
    pub fn truncate_from(&mut self, offset: Offset) -> Vec<StoredBatch> {
        let from = self.batch_index_from(offset);
        let removed: Vec<StoredBatch> = self.batches.drain(from..).collect();
        if !removed.is_empty() {
            self.recompute_totals();
        }
        removed
    }

    /// Recomputes size, count and timestamps from the batches (after
    /// truncation or compaction; not on the append path).
    pub fn recompute_totals(&mut self) {
        self.size_bytes = self.batches.iter().map(|b| b.size_bytes as u64).sum();
        self.record_count = self.batches.iter().map(|b| b.batch.records.len() as u64).sum();
        self.largest_timestamp = self.batches.iter().map(|b| b.batch.max_timestamp).max();
        self.roll_base_timestamp = self.batches.first().map(|b| b.batch.max_timestamp);
    }

    /// The earliest `(offset, timestamp)` in this segment at or after
    /// `min_offset` whose timestamp is `>= timestamp`.
    pub fn find_offset_by_timestamp(&self, timestamp: Millis, min_offset: Offset) -> Option<(Offset, Millis)> {
        if self.largest_timestamp.is_none_or(|t| t < timestamp) {
            return None;
        }
        let start = self.batch_index_from(min_offset);
        for stored in &self.batches[start..] {
            let batch = &stored.batch;
            if batch.max_timestamp < timestamp || batch.is_control() {
                continue;
            }
            for record in batch.records.iter() {
                let offset = batch.offset_of(record);
                let ts = batch.timestamp_of(record);
                if offset >= min_offset && ts >= timestamp {
                    return Some((offset, ts));
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::engine::record::{Record, TimestampType, NO_PRODUCER_EPOCH, NO_PRODUCER_ID, NO_SEQUENCE};

    fn batch(base_offset: Offset, timestamps: &[Millis]) -> RecordBatch {
        let first = timestamps[0];
        RecordBatch {
            base_offset,
            last_offset_delta: timestamps.len() as i32 - 1,
            partition_leader_epoch: 0,
            first_timestamp: first,
            max_timestamp: *timestamps.iter().max().unwrap(),
            timestamp_type: TimestampType::CreateTime,
            producer_id: NO_PRODUCER_ID,
            producer_epoch: NO_PRODUCER_EPOCH,
            base_sequence: NO_SEQUENCE,
            is_transactional: false,
            control: None,
            records: Arc::new(
                timestamps
                    .iter()
                    .enumerate()
                    .map(|(i, t)| Record {
                        offset_delta: i as i32,
                        timestamp_delta: t - first,
                        key: None,
                        value: None,
                        headers: vec![],
                    })
                    .collect(),
            ),
        }
    }

    #[test]
    fn totals_follow_appends_and_truncation() {
        let mut seg = LogSegment::new(0, 0);
        seg.push(batch(0, &[10, 20]), 100);
        seg.push(batch(2, &[30]), 50);
        assert_eq!((seg.size_bytes, seg.record_count, seg.largest_timestamp), (150, 3, Some(30)));
        assert_eq!(seg.roll_base_timestamp, Some(20));
        let removed = seg.truncate_from(1);
        assert_eq!(removed.len(), 2);
        assert_eq!((seg.size_bytes, seg.record_count, seg.largest_timestamp), (0, 0, None));
        assert!(seg.is_empty());
    }

    #[test]
    fn offset_by_timestamp_scans_into_the_first_batch_that_reaches_it() {
        let mut seg = LogSegment::new(0, 0);
        seg.push(batch(0, &[10, 20]), 100);
        seg.push(batch(2, &[15, 40, 30]), 100);
        assert_eq!(seg.find_offset_by_timestamp(5, 0), Some((0, 10)));
        assert_eq!(seg.find_offset_by_timestamp(16, 0), Some((1, 20)));
        assert_eq!(seg.find_offset_by_timestamp(21, 0), Some((3, 40)));
        assert_eq!(seg.find_offset_by_timestamp(41, 0), None);
        assert_eq!(seg.find_offset_by_timestamp(5, 2), Some((2, 15)));
    }

    #[test]
    #[should_panic(expected = "overlaps")]
    fn overlapping_batches_are_refused() {
        let mut seg = LogSegment::new(0, 0);
        seg.push(batch(0, &[1, 2]), 10);
        seg.push(batch(1, &[3]), 10);
    }
}
