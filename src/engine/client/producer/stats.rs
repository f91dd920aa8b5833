//! What a producer counts: the numbers the UI shows and the record of
//! everything acknowledged that durability tests check against the logs.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::collections::VecMap;
use crate::engine::error::KafkaError;
use crate::engine::ids::TopicPartition;
use crate::engine::record::Offset;
use crate::engine::time::Millis;

/// Delivery reports kept for the snapshot.
pub const RECENT_REPORTS_MAX: u32 = 20;
/// Acknowledged ranges kept (contiguous acknowledgements merge into one range).
pub const ACKED_RANGES_MAX: u32 = 1_000_000;

/// Counters, as Kafka's producer metrics name them where they exist.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProducerStats {
    /// Records accepted by `send()` (`record-send-total`).
    pub records_sent: u64,
    /// Records whose delivery report was a success.
    pub records_acknowledged: u64,
    /// Records whose delivery report was an error (`record-error-total`).
    pub records_failed: u64,
    /// Failed records by Kafka error name.
    pub failed_by_error: VecMap<String, u64>,
    /// Batches sent again after a retriable error (`record-retry-total` counts records; this counts batches).
    pub retries: u64,
    /// ProduceRequests sent.
    pub requests_sent: u64,
    /// Batches sent (first attempts and retries).
    pub batches_sent: u64,
}

/// One delivery report (per batch).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryReport {
    pub time: Millis,
    pub tp: TopicPartition,
    /// Offset of the first record, -1 on error or with `acks=0`.
    pub base_offset: Offset,
    pub count: u32,
    pub error: Option<KafkaError>,
}

/// Records acknowledged at `base_offset .. base_offset + count` of `tp`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AckedRange {
    pub tp: TopicPartition,
    pub base_offset: Offset,
    pub count: u32,
}

impl AckedRange {
    pub fn end_offset(&self) -> Offset {
        self.base_offset + self.count as Offset
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Ledger {
    pub stats: ProducerStats,
    pub recent: VecDeque<DeliveryReport>,
    pub last_acked: VecMap<TopicPartition, Offset>,
    acked: Vec<AckedRange>,
    /// Index in `acked` of each partition's latest range (to merge into).
    latest_range: VecMap<TopicPartition, u32>,
    /// More than `ACKED_RANGES_MAX` ranges: later acknowledgements are not kept.
    pub acked_truncated: bool,
}

impl Ledger {
    fn report(&mut self, report: DeliveryReport) {
        if self.recent.len() as u32 == RECENT_REPORTS_MAX {
            self.recent.pop_front();
        }
        self.recent.push_back(report);
    }

    /// A successful delivery report. `base_offset` is -1 with `acks=0`.
    pub fn acknowledged(&mut self, time: Millis, tp: &TopicPartition, base_offset: Offset, count: u32) {
        self.stats.records_acknowledged += count as u64;
        self.report(DeliveryReport { time, tp: tp.clone(), base_offset, count, error: None });
        if base_offset < 0 {
            return;
        }
        let last = base_offset + count as Offset - 1;
        let entry = self.last_acked.entry(tp.clone()).or_insert(last);
        *entry = (*entry).max(last);
        if let Some(&i) = self.latest_range.get(tp) {
            let range = &mut self.acked[i as usize];
            if range.end_offset() == base_offset {
                range.count += count;
                return;
            }
        }
        if self.acked.len() as u32 >= ACKED_RANGES_MAX {
            self.acked_truncated = true;
            return;
        }
        self.latest_range.insert(tp.clone(), self.acked.len() as u32);
        self.acked.push(AckedRange { tp: tp.clone(), base_offset, count });
    }

    pub fn failed(&mut self, time: Millis, tp: &TopicPartition, error: KafkaError, count: u32) {
        self.stats.records_failed += count as u64;
        *self.stats.failed_by_error.entry(error.name().to_string()).or_default() += count as u64;
        self.report(DeliveryReport { time, tp: tp.clone(), base_offset: -1, count, error: Some(error) });
    }

    pub fn acked_ranges(&self) -> &[AckedRange] {
        &self.acked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contiguous_acknowledgements_merge_into_one_range() {
        let mut ledger = Ledger::default();
        let tp = TopicPartition::new("t", 0);
        ledger.acknowledged(1, &tp, 0, 3);
        ledger.acknowledged(2, &tp, 3, 2);
        ledger.acknowledged(3, &tp, 9, 1);
        let ranges = ledger.acked_ranges();
        assert_eq!(ranges.len(), 2);
        assert_eq!((ranges[0].base_offset, ranges[0].count), (0, 5));
        assert_eq!((ranges[1].base_offset, ranges[1].count), (9, 1));
        assert_eq!(ledger.last_acked[&tp], 9);
        assert_eq!(ledger.stats.records_acknowledged, 6);
    }

    #[test]
    fn only_the_last_twenty_reports_are_kept() {
        let mut ledger = Ledger::default();
        let tp = TopicPartition::new("t", 0);
        for i in 0..30 {
            ledger.failed(i, &tp, KafkaError::MsgTimedOut, 1);
        }
        assert_eq!(ledger.recent.len(), 20);
        assert_eq!(ledger.recent.front().unwrap().time, 10);
        assert_eq!(ledger.stats.failed_by_error["_MSG_TIMED_OUT"], 30);
    }
}
