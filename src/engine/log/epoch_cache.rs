//! The leader epoch cache (`LeaderEpochFileCache` in the Java broker).
//!
//! One `(epoch, start_offset)` entry per leader epoch that wrote to this
//! replica's log: the offset of the first batch appended in that epoch. A
//! returning replica asks the leader "where does my latest epoch end in your
//! log?" (`OffsetsForLeaderEpoch`) and truncates its divergent suffix there;
//! this cache answers that question.

use serde::{Deserialize, Serialize};

use crate::engine::record::Offset;

/// A partition leader epoch (`partitionLeaderEpoch` in a batch header).
pub type LeaderEpoch = i32;

/// One entry of the cache: leader epoch `epoch` wrote its first batch at `start_offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpochEntry {
    pub epoch: LeaderEpoch,
    pub start_offset: Offset,
}

/// Entries strictly increasing in both epoch and start offset.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaderEpochCache {
    entries: Vec<EpochEntry>,
}

impl LeaderEpochCache {
    pub fn new() -> Self {
        LeaderEpochCache { entries: Vec::new() }
    }

    pub fn entries(&self) -> &[EpochEntry] {
        &self.entries
    }

    pub fn latest_epoch(&self) -> Option<LeaderEpoch> {
        self.entries.last().map(|e| e.epoch)
    }

    /// Records that `epoch` starts at `start_offset`, as Kafka's `assign`:
    /// nothing happens when the latest entry already is this epoch at or
    /// before this offset; otherwise entries that are not monotonic with the
    /// new one (a larger-or-equal epoch, or a start offset at or after it) are
    /// removed first, then the new entry is appended.
    pub fn assign(&mut self, epoch: LeaderEpoch, start_offset: Offset) {
        if epoch < 0 {
            return;
        }
        if let Some(latest) = self.entries.last() {
            if latest.epoch == epoch && latest.start_offset <= start_offset {
                return;
            }
        }
        self.entries.retain(|e| e.epoch < epoch && e.start_offset < start_offset);
        self.entries.push(EpochEntry { epoch, start_offset });
        self.assert_monotonic();
    }

    /// `OffsetsForLeaderEpoch`: the largest epoch `<= requested` that this
    /// log knows, and the offset where it ends — the start offset of the next
    /// larger epoch, or `log_end_offset` when `requested` is the latest epoch.
    /// `None` when the cache is empty or `requested` is larger than every
    /// epoch here (Kafka answers `UNDEFINED_EPOCH`, `UNDEFINED_EPOCH_OFFSET`).
    /// A `requested` epoch older than every entry answers
    /// `(requested, first entry's start offset)`, as Kafka does.
    pub fn end_offset_for(&self, requested: LeaderEpoch, log_end_offset: Offset) -> Option<(LeaderEpoch, Offset)> {
        let latest = self.entries.last()?;
        if requested == latest.epoch {
            return Some((requested, log_end_offset));
        }
        // First entry with epoch > requested.
        let higher = self.entries.partition_point(|e| e.epoch <= requested);
        if higher == self.entries.len() {
            return None;
        }
        let higher_start = self.entries[higher].start_offset;
        if higher == 0 {
            Some((requested, higher_start))
        } else {
            Some((self.entries[higher - 1].epoch, higher_start))
        }
    }

    /// Forgets entries that start at or after `end_offset` (the log was
    /// truncated to `end_offset`).
    pub fn truncate_from_end(&mut self, end_offset: Offset) {
        self.entries.retain(|e| e.start_offset < end_offset);
    }

    /// The log start moved to `start_offset`: entries wholly below it are
    /// dropped, and the one covering it now starts there (Kafka's `truncateFromStart`).
    pub fn truncate_from_start(&mut self, start_offset: Offset) {
        let covering = self.entries.partition_point(|e| e.start_offset <= start_offset);
        if covering == 0 {
            return;
        }
        let mut kept = self.entries[covering - 1];
        kept.start_offset = start_offset;
        self.entries.drain(..covering);
        self.entries.insert(0, kept);
        self.assert_monotonic();
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }

    fn assert_monotonic(&self) {
        for pair in self.entries.windows(2) {
            assert!(
                pair[0].epoch < pair[1].epoch && pair[0].start_offset < pair[1].start_offset,
                "leader epoch cache not monotonic: {:?}",
                self.entries
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(entries: &[(LeaderEpoch, Offset)]) -> LeaderEpochCache {
        let mut c = LeaderEpochCache::new();
        for &(e, o) in entries {
            c.assign(e, o);
        }
        c
    }

    #[test]
    fn assigning_the_same_epoch_again_keeps_the_first_start_offset() {
        let c = cache(&[(0, 0), (0, 5), (1, 10), (1, 12)]);
        assert_eq!(c.entries(), &[EpochEntry { epoch: 0, start_offset: 0 }, EpochEntry { epoch: 1, start_offset: 10 }]);
        assert_eq!(c.latest_epoch(), Some(1));
    }

    #[test]
    fn end_offset_for_an_older_epoch_is_the_start_of_the_next_one() {
        let c = cache(&[(0, 0), (2, 10), (5, 30)]);
        assert_eq!(c.end_offset_for(0, 40), Some((0, 10)));
        // Epoch 1 never wrote here: the largest epoch below it is 0, which ends at 10.
        assert_eq!(c.end_offset_for(1, 40), Some((0, 10)));
        assert_eq!(c.end_offset_for(3, 40), Some((2, 30)));
        assert_eq!(c.end_offset_for(5, 40), Some((5, 40)));
        assert_eq!(c.end_offset_for(6, 40), None);
    }

    #[test]
    fn end_offset_for_an_epoch_older_than_the_cache_is_the_first_start_offset() {
        let c = cache(&[(3, 100), (4, 150)]);
        assert_eq!(c.end_offset_for(1, 200), Some((1, 100)));
    }

    #[test]
    fn empty_cache_knows_no_epoch() {
        assert_eq!(LeaderEpochCache::new().end_offset_for(0, 0), None);
    }

    #[test]
    fn non_monotonic_assign_removes_the_entries_it_contradicts() {
        let mut c = cache(&[(0, 0), (1, 10), (2, 20)]);
        c.assign(3, 15);
        assert_eq!(
            c.entries(),
            &[
                EpochEntry { epoch: 0, start_offset: 0 },
                EpochEntry { epoch: 1, start_offset: 10 },
                EpochEntry { epoch: 3, start_offset: 15 }
            ]
        );
    }

    #[test]
    fn truncation_from_end_drops_epochs_starting_at_or_after_the_offset() {
        let mut c = cache(&[(0, 0), (1, 10), (2, 20)]);
        c.truncate_from_end(20);
        assert_eq!(c.latest_epoch(), Some(1));
        c.truncate_from_end(5);
        assert_eq!(c.entries(), &[EpochEntry { epoch: 0, start_offset: 0 }]);
    }

    #[test]
    fn truncation_from_start_moves_the_covering_entry_to_the_new_start() {
        let mut c = cache(&[(0, 0), (1, 10), (2, 20)]);
        c.truncate_from_start(15);
        assert_eq!(
            c.entries(),
            &[EpochEntry { epoch: 1, start_offset: 15 }, EpochEntry { epoch: 2, start_offset: 20 }]
        );
        c.truncate_from_start(20);
        assert_eq!(c.entries(), &[EpochEntry { epoch: 2, start_offset: 20 }]);
    }
}
