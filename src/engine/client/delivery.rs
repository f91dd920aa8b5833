//! Delivery accounting: at-least-once and at-most-once as numbers.
//!
//! The simulation feeds every event to a [`DeliveryLedger`]
//! ([`DeliveryLedger::observe`]). Per *scope* — a consumer group, or a single
//! consumer that has no `group.id` — and per partition it keeps:
//!
//! - the offsets the scope's consumers **fetched** (`RecordsFetched`): proof
//!   that an offset holds a data record the application could see (not a
//!   transaction marker, an aborted record under read_committed, or an offset
//!   compaction removed — those arrive as `gaps` and are never counted);
//! - the offsets its applications **processed** (`RecordsProcessed`), and
//!   those processed at least twice;
//! - the highest offset it ever **committed** (`OffsetsCommitted` from the
//!   consumer, `OffsetCommitted` from the coordinator or an admin reset).
//!
//! From those, [`DeliveryReport`]:
//! - `processed`: records processed, counting every repeat;
//! - `distinct`: different records processed;
//! - `duplicates`: records processed more than once (`redeliveries` counts
//!   the extra processings: `processed - distinct`);
//! - `losses`: records the scope fetched, committed past (below the highest
//!   committed offset), and never processed. A record still being processed
//!   when the commit passed it is not lost yet: it becomes a loss only if the
//!   consumer dies before finishing it. Records nobody in the scope ever
//!   fetched (skipped by `auto.offset.reset=latest`, a seek, or removed by
//!   retention before anyone read them) are not counted as losses: the
//!   ledger cannot tell a record from a gap it never saw.
//!
//! Offsets are kept as merged ranges, so memory grows with the number of
//! holes, not with the number of records.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::collections::VecMap;
use crate::engine::event::consumer::OffsetRange;
use crate::engine::event::{ConsumerEvent, Event, GroupEvent, TimedEvent};
use crate::engine::ids::{ClientId, TopicPartition};
use crate::engine::record::Offset;

/// A set of offsets stored as disjoint, non-adjacent half-open ranges
/// `[start, end)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OffsetSet {
    /// start -> end (exclusive).
    ranges: BTreeMap<Offset, Offset>,
    len: u64,
}

impl OffsetSet {
    pub fn new() -> Self {
        OffsetSet::default()
    }

    /// Number of offsets in the set.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of stored ranges (the memory the set uses).
    pub fn range_count(&self) -> u64 {
        self.ranges.len() as u64
    }

    pub fn contains(&self, offset: Offset) -> bool {
        self.ranges.range(..=offset).next_back().is_some_and(|(_, &end)| offset < end)
    }

    /// The parts of `[start, end)` already in the set, in order.
    pub fn intersection(&self, start: Offset, end: Offset) -> Vec<(Offset, Offset)> {
        let mut out = Vec::new();
        if start >= end {
            return out;
        }
        for (&s, &e) in self.ranges.range(..end).rev() {
            if e <= start {
                break;
            }
            out.push((s.max(start), e.min(end)));
        }
        out.reverse();
        out
    }

    /// How many offsets of `[start, end)` the set holds.
    pub fn count_in(&self, start: Offset, end: Offset) -> u64 {
        self.intersection(start, end).iter().map(|(s, e)| (e - s) as u64).sum()
    }

    /// Adds `[start, end)`; returns how many offsets were new.
    pub fn insert(&mut self, start: Offset, end: Offset) -> u64 {
        if start >= end {
            return 0;
        }
        let before = self.len;
        let mut new_start = start;
        let mut new_end = end;
        // Every range touching or adjacent to [start, end) merges into it.
        let touching: Vec<(Offset, Offset)> =
            self.ranges.range(..=end).rev().take_while(|(_, &e)| e >= start).map(|(&s, &e)| (s, e)).collect();
        for (s, e) in touching {
            self.ranges.remove(&s);
            self.len -= (e - s) as u64;
            new_start = new_start.min(s);
            new_end = new_end.max(e);
        }
        self.ranges.insert(new_start, new_end);
        self.len += (new_end - new_start) as u64;
        assert!(self.len >= before, "inserting never shrinks a set");
        self.len - before
    }

    /// The ranges, in order (half-open).
    pub fn ranges(&self) -> impl Iterator<Item = (Offset, Offset)> + '_ {
        self.ranges.iter().map(|(&s, &e)| (s, e))
    }
}

/// Whose deliveries are counted together: a consumer group, or one consumer
/// without a `group.id`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryScope {
    Group(String),
    Consumer(ClientId),
}

/// The delivery numbers of one scope (or one partition of it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DeliveryReport {
    /// Records processed, every repeat included.
    pub processed: u64,
    /// Different records processed.
    pub distinct: u64,
    /// Records processed more than once (at-least-once redelivery).
    pub duplicates: u64,
    /// Extra processings: `processed - distinct`.
    pub redeliveries: u64,
    /// Records committed past but never processed (at-most-once loss).
    pub losses: u64,
}

impl DeliveryReport {
    fn add(&mut self, other: DeliveryReport) {
        self.processed += other.processed;
        self.distinct += other.distinct;
        self.duplicates += other.duplicates;
        self.redeliveries += other.redeliveries;
        self.losses += other.losses;
    }
}

#[derive(Debug, Clone, Default)]
struct PartitionLedger {
    fetched: OffsetSet,
    processed: OffsetSet,
    processed_twice: OffsetSet,
    processed_total: u64,
    committed_max: Option<Offset>,
}

impl PartitionLedger {
    fn process(&mut self, start: Offset, end: Offset) {
        for (s, e) in self.processed.intersection(start, end) {
            self.processed_twice.insert(s, e);
        }
        self.processed.insert(start, end);
        self.processed_total += (end - start) as u64;
    }

    fn report(&self) -> DeliveryReport {
        let losses = match self.committed_max {
            None => 0,
            Some(committed) => self
                .fetched
                .intersection(Offset::MIN, committed)
                .iter()
                .map(|&(s, e)| (e - s) as u64 - self.processed.count_in(s, e))
                .sum(),
        };
        DeliveryReport {
            processed: self.processed_total,
            distinct: self.processed.len(),
            duplicates: self.processed_twice.len(),
            redeliveries: self.processed_total - self.processed.len(),
            losses,
        }
    }
}

/// Counts duplicates and losses per group (see the module docs).
#[derive(Debug, Clone, Default)]
pub struct DeliveryLedger {
    scopes: VecMap<DeliveryScope, VecMap<TopicPartition, PartitionLedger>>,
    /// Each consumer's scope, learnt from `ConsumerStarted`.
    clients: VecMap<ClientId, DeliveryScope>,
}

impl DeliveryLedger {
    pub fn new() -> Self {
        DeliveryLedger::default()
    }

    /// Feeds one event of the trace; events that say nothing about delivery are ignored.
    pub fn observe(&mut self, event: &TimedEvent) {
        match &event.event {
            Event::Consumer(ConsumerEvent::ConsumerStarted { client, group, .. }) => {
                let scope = match group {
                    Some(g) => DeliveryScope::Group(g.clone()),
                    None => DeliveryScope::Consumer(*client),
                };
                self.clients.insert(*client, scope);
            }
            Event::Consumer(ConsumerEvent::RecordsFetched { client, tp, first_offset, last_offset, gaps, .. }) => {
                let scope = self.scope_of(*client, None);
                let ledger = self.partition(scope, tp);
                for (s, e) in data_ranges(*first_offset, *last_offset, gaps) {
                    ledger.fetched.insert(s, e);
                }
            }
            Event::Consumer(ConsumerEvent::RecordsProcessed {
                client,
                group,
                tp,
                first_offset,
                last_offset,
                gaps,
                ..
            }) => {
                let scope = self.scope_of(*client, group.as_deref());
                let ledger = self.partition(scope, tp);
                for (s, e) in data_ranges(*first_offset, *last_offset, gaps) {
                    ledger.process(s, e);
                }
            }
            Event::Consumer(ConsumerEvent::OffsetsCommitted { group, offsets, .. }) => {
                for (tp, offset) in offsets {
                    self.commit(DeliveryScope::Group(group.clone()), tp, *offset);
                }
            }
            Event::Group(GroupEvent::OffsetCommitted { group, tp, offset, .. }) => {
                self.commit(DeliveryScope::Group(group.clone()), tp, *offset);
            }
            _ => {}
        }
    }

    /// The numbers of a consumer group (all zero for a group never seen).
    pub fn report(&self, group: &str) -> DeliveryReport {
        self.report_scope(&DeliveryScope::Group(group.to_string()))
    }

    /// The numbers of a consumer without a `group.id`.
    pub fn report_consumer(&self, client: ClientId) -> DeliveryReport {
        self.report_scope(&DeliveryScope::Consumer(client))
    }

    pub fn report_scope(&self, scope: &DeliveryScope) -> DeliveryReport {
        let mut total = DeliveryReport::default();
        for ledger in self.scopes.get(scope).into_iter().flat_map(|p| p.values()) {
            total.add(ledger.report());
        }
        total
    }

    /// One partition's numbers within a scope.
    pub fn report_partition(&self, scope: &DeliveryScope, tp: &TopicPartition) -> DeliveryReport {
        self.scopes.get(scope).and_then(|p| p.get(tp)).map(PartitionLedger::report).unwrap_or_default()
    }

    /// Every scope seen, with its numbers, in scope order.
    pub fn reports(&self) -> Vec<(DeliveryScope, DeliveryReport)> {
        self.scopes.keys().map(|s| (s.clone(), self.report_scope(s))).collect()
    }

    fn scope_of(&self, client: ClientId, group: Option<&str>) -> DeliveryScope {
        match (self.clients.get(&client), group) {
            (Some(scope), _) => scope.clone(),
            (None, Some(g)) => DeliveryScope::Group(g.to_string()),
            (None, None) => DeliveryScope::Consumer(client),
        }
    }

    fn partition(&mut self, scope: DeliveryScope, tp: &TopicPartition) -> &mut PartitionLedger {
        self.scopes.entry(scope).or_default().entry(tp.clone()).or_default()
    }

    fn commit(&mut self, scope: DeliveryScope, tp: &TopicPartition, offset: Offset) {
        let ledger = self.partition(scope, tp);
        ledger.committed_max = Some(ledger.committed_max.map_or(offset, |c| c.max(offset)));
    }
}

/// The half-open ranges of `first..=last` minus the (inclusive, sorted) gaps.
fn data_ranges(first: Offset, last: Offset, gaps: &[OffsetRange]) -> Vec<(Offset, Offset)> {
    let mut out = Vec::with_capacity(gaps.len() + 1);
    let mut start = first;
    for gap in gaps {
        assert!(gap.first >= start && gap.last <= last, "gaps are sorted and inside the range");
        if gap.first > start {
            out.push((start, gap.first));
        }
        start = gap.last + 1;
    }
    if start <= last {
        out.push((start, last + 1));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ids::NodeId;

    fn timed(seq: u64, event: impl Into<Event>) -> TimedEvent {
        TimedEvent { time: seq as i64, seq, node: NodeId::Client(1), event: event.into() }
    }

    fn tp() -> TopicPartition {
        TopicPartition::new("orders", 0)
    }

    fn started(client: ClientId, group: Option<&str>) -> ConsumerEvent {
        ConsumerEvent::ConsumerStarted { client, name: format!("c{client}"), group: group.map(str::to_string) }
    }

    fn fetched(client: ClientId, first: Offset, last: Offset, gaps: Vec<OffsetRange>) -> ConsumerEvent {
        ConsumerEvent::RecordsFetched { client, tp: tp(), first_offset: first, last_offset: last, count: 0, gaps }
    }

    fn processed(client: ClientId, first: Offset, last: Offset) -> ConsumerEvent {
        ConsumerEvent::RecordsProcessed {
            client,
            group: Some("g".into()),
            tp: tp(),
            first_offset: first,
            last_offset: last,
            count: (last - first + 1) as u32,
            gaps: vec![],
        }
    }

    fn committed(client: ClientId, offset: Offset) -> ConsumerEvent {
        ConsumerEvent::OffsetsCommitted {
            client,
            group: "g".into(),
            trigger: crate::engine::event::consumer::CommitTrigger::Sync,
            offsets: vec![(tp(), offset)],
        }
    }

    #[test]
    fn offset_set_merges_adjacent_and_overlapping_ranges() {
        let mut set = OffsetSet::new();
        assert_eq!(set.insert(0, 10), 10);
        assert_eq!(set.insert(20, 30), 10);
        assert_eq!(set.insert(10, 20), 10);
        assert_eq!(set.range_count(), 1);
        assert_eq!(set.insert(5, 35), 5);
        assert_eq!(set.len(), 35);
        assert_eq!(set.ranges().collect::<Vec<_>>(), vec![(0, 35)]);
        assert!(set.contains(34) && !set.contains(35));
    }

    #[test]
    fn offset_set_intersection_clips_to_the_asked_range() {
        let mut set = OffsetSet::new();
        set.insert(0, 5);
        set.insert(10, 15);
        set.insert(20, 25);
        assert_eq!(set.intersection(3, 22), vec![(3, 5), (10, 15), (20, 22)]);
        assert_eq!(set.count_in(3, 22), 9);
        assert_eq!(set.count_in(5, 10), 0);
    }

    #[test]
    fn commit_after_processing_and_a_crash_gives_duplicates_and_no_losses() {
        let mut ledger = DeliveryLedger::new();
        let events = [
            timed(0, started(1, Some("g"))),
            timed(1, started(2, Some("g"))),
            // c1 processes and commits 0..=99, processes 100..=149, crashes before committing.
            timed(2, fetched(1, 0, 199, vec![])),
            timed(3, processed(1, 0, 99)),
            timed(4, committed(1, 100)),
            timed(5, processed(1, 100, 149)),
            // c2 takes over from the committed offset 100.
            timed(6, fetched(2, 100, 199, vec![])),
            timed(7, processed(2, 100, 199)),
            timed(8, committed(2, 200)),
        ];
        for e in &events {
            ledger.observe(e);
        }
        let report = ledger.report("g");
        assert_eq!(report.processed, 250);
        assert_eq!(report.distinct, 200);
        assert_eq!(report.duplicates, 50);
        assert_eq!(report.redeliveries, 50);
        assert_eq!(report.losses, 0);
    }

    #[test]
    fn commit_before_processing_and_a_crash_gives_losses() {
        let mut ledger = DeliveryLedger::new();
        let events = [
            timed(0, started(1, Some("g"))),
            timed(1, started(2, Some("g"))),
            // c1 commits 200 before processing 0..=199, processes 0..=49, crashes.
            timed(2, fetched(1, 0, 199, vec![])),
            timed(3, committed(1, 200)),
            timed(4, processed(1, 0, 49)),
            // c2 resumes at 200.
            timed(5, fetched(2, 200, 299, vec![])),
            timed(6, processed(2, 200, 299)),
            timed(7, committed(2, 300)),
        ];
        for e in &events {
            ledger.observe(e);
        }
        let report = ledger.report("g");
        assert_eq!(report.losses, 150);
        assert_eq!(report.duplicates, 0);
        assert_eq!(report.distinct, 150);
    }

    #[test]
    fn a_record_still_being_processed_is_not_lost_until_the_consumer_dies() {
        let mut ledger = DeliveryLedger::new();
        ledger.observe(&timed(0, started(1, Some("g"))));
        ledger.observe(&timed(1, fetched(1, 0, 9, vec![])));
        ledger.observe(&timed(2, processed(1, 0, 4)));
        // Auto-commit passes record 5 while it is being processed.
        ledger.observe(&timed(3, committed(1, 6)));
        assert_eq!(ledger.report("g").losses, 1);
        // ... and once it is done, it is not lost.
        ledger.observe(&timed(4, processed(1, 5, 5)));
        assert_eq!(ledger.report("g").losses, 0);
    }

    #[test]
    fn gaps_are_neither_records_nor_losses() {
        let mut ledger = DeliveryLedger::new();
        ledger.observe(&timed(0, started(1, Some("g"))));
        // Offsets 3 and 7 are transaction markers.
        let gaps = vec![OffsetRange::new(3, 3), OffsetRange::new(7, 7)];
        ledger.observe(&timed(1, fetched(1, 0, 9, gaps.clone())));
        ledger.observe(&timed(
            2,
            ConsumerEvent::RecordsProcessed {
                client: 1,
                group: Some("g".into()),
                tp: tp(),
                first_offset: 0,
                last_offset: 9,
                count: 8,
                gaps,
            },
        ));
        ledger.observe(&timed(3, committed(1, 10)));
        let report = ledger.report("g");
        assert_eq!(report.processed, 8);
        assert_eq!(report.losses, 0);
    }

    #[test]
    fn a_record_processed_three_times_is_one_duplicate_and_two_redeliveries() {
        let mut ledger = DeliveryLedger::new();
        ledger.observe(&timed(0, started(1, Some("g"))));
        for seq in 1..=3 {
            ledger.observe(&timed(seq, processed(1, 0, 0)));
        }
        let report = ledger.report("g");
        assert_eq!((report.processed, report.distinct, report.duplicates, report.redeliveries), (3, 1, 1, 2));
    }

    #[test]
    fn consumers_without_a_group_are_counted_alone() {
        let mut ledger = DeliveryLedger::new();
        ledger.observe(&timed(0, started(7, None)));
        ledger.observe(&timed(
            1,
            ConsumerEvent::RecordsProcessed {
                client: 7,
                group: None,
                tp: tp(),
                first_offset: 0,
                last_offset: 4,
                count: 5,
                gaps: vec![],
            },
        ));
        assert_eq!(ledger.report_consumer(7).processed, 5);
        assert_eq!(ledger.report("g").processed, 0);
    }
}
