//! The aborted-transaction index (`TransactionIndex` in the Java broker) and
//! the consumer's read_committed filter.
//!
//! Kafka keeps one index file per segment, entries in the segment holding
//! the abort marker. One list for the whole log, pruned when the log start
//! moves past a marker, is the same thing.
//!
//! A read_committed fetch returns every batch below the last stable offset
//! together with the aborted transactions that overlap the fetched range;
//! the consumer drops the aborted batches itself (`filter_read_committed`).

use serde::{Deserialize, Serialize};

use crate::collections::VecSet;
use crate::engine::record::{ControlType, Offset, ProducerId, RecordBatch};

/// One aborted transaction (`AbortedTxn`): the producer, the first offset
/// of its transaction and the offset of its ABORT marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AbortedTxn {
    pub producer_id: ProducerId,
    pub first_offset: Offset,
    /// Offset of the ABORT marker.
    pub last_offset: Offset,
}

/// Aborted transactions ordered by marker offset.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxnIndex {
    entries: Vec<AbortedTxn>,
}

impl TxnIndex {
    pub fn new() -> Self {
        TxnIndex::default()
    }

    pub fn entries(&self) -> &[AbortedTxn] {
        &self.entries
    }

    pub fn push(&mut self, txn: AbortedTxn) {
        if let Some(last) = self.entries.last() {
            assert!(last.last_offset < txn.last_offset, "abort markers out of order: {last:?} then {txn:?}");
        }
        self.entries.push(txn);
    }

    /// Transactions aborted in `[from, to)`: those whose range
    /// `[first_offset, last_offset]` overlaps it, in marker order (Kafka's
    /// `collectAbortedTxns`).
    pub fn overlapping(&self, from: Offset, to: Offset) -> Vec<AbortedTxn> {
        let start = self.entries.partition_point(|t| t.last_offset < from);
        self.entries[start..].iter().filter(|t| t.first_offset < to).copied().collect()
    }

    /// Forgets markers below `log_start_offset` (their segment was deleted).
    pub fn truncate_from_start(&mut self, log_start_offset: Offset) {
        let keep_from = self.entries.partition_point(|t| t.last_offset < log_start_offset);
        self.entries.drain(..keep_from);
    }

    /// Forgets markers at or after `end_offset` (the log was truncated there).
    pub fn truncate_from_end(&mut self, end_offset: Offset) {
        let keep = self.entries.partition_point(|t| t.last_offset < end_offset);
        self.entries.truncate(keep);
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

/// The read_committed consumer's filter over fetched batches, as the Java
/// consumer's `CompletedFetch` does it: a producer enters the aborted set when
/// its aborted transaction's first offset is reached, its transactional
/// batches are dropped while it is there, and its ABORT marker takes it out.
/// Control batches are never returned (no application sees a marker); the
/// consumer still advances its position past the last fetched batch, dropped
/// or not. `aborted` is what the fetch returned, in any order.
pub fn filter_read_committed(batches: &[RecordBatch], aborted: &[AbortedTxn]) -> Vec<RecordBatch> {
    let mut pending: Vec<AbortedTxn> = aborted.to_vec();
    crate::sort::sort_by_key(&mut pending, |t| std::cmp::Reverse((t.first_offset, t.producer_id)));
    let mut aborted_producers: VecSet<ProducerId> = VecSet::new();
    let mut out = Vec::with_capacity(batches.len());
    for batch in batches {
        if batch.producer_id >= 0 {
            while pending.last().is_some_and(|t| t.first_offset <= batch.last_offset()) {
                let txn = pending.pop().expect("checked non-empty");
                aborted_producers.insert(txn.producer_id);
            }
            if batch.control == Some(ControlType::Abort) {
                aborted_producers.remove(&batch.producer_id);
            } else if batch.is_transactional && aborted_producers.contains(&batch.producer_id) {
                continue;
            }
        }
        if batch.is_control() {
            continue;
        }
        out.push(batch.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::engine::record::{Record, TimestampType};

    fn batch(base_offset: Offset, pid: ProducerId, transactional: bool, control: Option<ControlType>) -> RecordBatch {
        RecordBatch {
            base_offset,
            last_offset_delta: 0,
            partition_leader_epoch: 0,
            first_timestamp: 0,
            max_timestamp: 0,
            timestamp_type: TimestampType::CreateTime,
            producer_id: pid,
            producer_epoch: 0,
            base_sequence: if control.is_some() { -1 } else { 0 },
            is_transactional: transactional,
            control,
            records: Arc::new(vec![Record {
                offset_delta: 0,
                timestamp_delta: 0,
                key: None,
                value: None,
                headers: vec![],
            }]),
        }
    }

    #[test]
    fn overlapping_finds_transactions_that_cross_the_range() {
        let mut index = TxnIndex::new();
        index.push(AbortedTxn { producer_id: 1, first_offset: 0, last_offset: 5 });
        index.push(AbortedTxn { producer_id: 2, first_offset: 3, last_offset: 20 });
        index.push(AbortedTxn { producer_id: 3, first_offset: 15, last_offset: 25 });
        let ids = |v: Vec<AbortedTxn>| v.iter().map(|t| t.producer_id).collect::<Vec<_>>();
        assert_eq!(ids(index.overlapping(6, 15)), vec![2]);
        assert_eq!(ids(index.overlapping(0, 4)), vec![1, 2]);
        assert_eq!(ids(index.overlapping(21, 30)), vec![3]);
        index.truncate_from_end(20);
        assert_eq!(ids(index.overlapping(0, 100)), vec![1]);
        index.truncate_from_start(6);
        assert!(index.entries().is_empty());
    }

    #[test]
    fn read_committed_drops_aborted_batches_and_every_marker() {
        // Producer 1 aborts [0, 2], producer 2 commits [1, 4]; 5 is a plain batch.
        let batches = vec![
            batch(0, 1, true, None),
            batch(1, 2, true, None),
            batch(2, 1, true, Some(ControlType::Abort)),
            batch(3, 1, false, None),
            batch(4, 2, true, Some(ControlType::Commit)),
            batch(5, -1, false, None),
        ];
        let aborted = [AbortedTxn { producer_id: 1, first_offset: 0, last_offset: 2 }];
        let kept: Vec<Offset> = filter_read_committed(&batches, &aborted).iter().map(|b| b.base_offset).collect();
        assert_eq!(kept, vec![1, 3, 5]);
    }
}
