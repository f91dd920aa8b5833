//! The fetcher: each assigned partition's position, the fetches to each
//! leader, the records they bring, and the resets (`auto.offset.reset`,
//! `OFFSET_OUT_OF_RANGE`, seeks by time).
//!
//! As in the Java client (`AbstractFetch`, `CompletedFetch`):
//! - a partition is fetched only when it has nothing buffered; at most one
//!   fetch is in flight to each leader, carrying all its fetchable partitions;
//! - a fetch response is kept whole (its batches are shared, not copied) and
//!   drained by polls, `max.poll.records` at a time; the partition's
//!   *position* is the offset after the last record handed to the
//!   application, or the next batch once a batch is used up (so it steps
//!   over compacted holes and transaction markers);
//! - read_committed drops the batches of aborted transactions using the
//!   response's `aborted_transactions`, and nobody ever sees control batches.
//!
//! Work is per batch: a record is looked at only where a batch was
//! compacted (to list its holes) or cut by `max.poll.records`.

use std::collections::VecDeque;

use crate::collections::{VecMap, VecSet};
use crate::engine::config::{AutoOffsetReset, IsolationLevel};
use crate::engine::error::KafkaError;
use crate::engine::event::consumer::OffsetRange;
use crate::engine::event::ConsumerEvent;
use crate::engine::ids::{BrokerId, TopicPartition};
use crate::engine::node::Ctx;
use crate::engine::protocol::{
    AbortedTransaction, FetchPartition, FetchPartitionResponse, FetchRequest, FetchResponse, ListOffsetsPartition,
    ListOffsetsRequest, ListOffsetsResponse, Request, EARLIEST_TIMESTAMP, LATEST_TIMESTAMP,
};
use crate::engine::record::{ControlType, Offset, ProducerId, RecordBatch};
use crate::engine::time::Millis;

use super::requests::Purpose;
use super::Consumer;

/// Where to move a position (Kafka's admin `OffsetSpec`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffsetSpec {
    /// The log start offset.
    Earliest,
    /// The end of the log (the high watermark, or the last stable offset under read_committed).
    Latest,
    /// The first offset whose timestamp is at or after this one (the end if none is).
    Timestamp(Millis),
}

impl OffsetSpec {
    fn list_offsets_timestamp(self) -> Millis {
        match self {
            OffsetSpec::Earliest => EARLIEST_TIMESTAMP,
            OffsetSpec::Latest => LATEST_TIMESTAMP,
            OffsetSpec::Timestamp(t) => t,
        }
    }

    /// `auto.offset.reset` as a spec; `None` for `none`.
    pub fn from_reset(reset: AutoOffsetReset) -> Option<OffsetSpec> {
        match reset {
            AutoOffsetReset::Earliest => Some(OffsetSpec::Earliest),
            AutoOffsetReset::Latest => Some(OffsetSpec::Latest),
            AutoOffsetReset::None => None,
        }
    }

    pub fn name(self) -> String {
        match self {
            OffsetSpec::Earliest => "earliest".into(),
            OffsetSpec::Latest => "latest".into(),
            OffsetSpec::Timestamp(t) => format!("timestamp {t}"),
        }
    }
}

/// What a partition waits for before it can be fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Phase {
    /// The group's committed offset (OffsetFetch to the coordinator).
    AwaitingCommitted,
    /// A ListOffsets answer that sets the position.
    AwaitingReset { spec: OffsetSpec, reason: String },
    /// Has a position: fetch from it.
    Fetching,
    /// Stopped: no offset and `auto.offset.reset=none`. A seek restarts it.
    Failed(KafkaError),
}

/// One fetch response for one partition, as the application will drain it.
#[derive(Debug, Clone)]
pub(super) struct CompletedFetch {
    /// Batches holding records for the application; the first may start
    /// before the position (`next_record` skips those).
    batches: VecDeque<RecordBatch>,
    /// Index in `batches[0].records` of the next record to hand out.
    next_record: usize,
    /// The position once everything is handed out: after the last batch of
    /// the response, markers and aborted batches included.
    end_offset: Offset,
    /// Records not handed out yet.
    remaining: u32,
}

/// Everything the consumer knows about one assigned partition.
#[derive(Debug, Clone)]
pub(super) struct PartitionState {
    pub phase: Phase,
    /// The offset of the next record for the application (`position()`).
    pub position: Option<Offset>,
    /// The group's committed offset, as last fetched or committed.
    pub committed: Option<Offset>,
    /// From the last fetch response.
    pub high_watermark: Option<Offset>,
    pub last_stable_offset: Option<Offset>,
    pub log_start_offset: Option<Offset>,
    pub fetch_in_flight: bool,
    /// An OffsetFetch or ListOffsets for this partition is in flight.
    pub lookup_in_flight: bool,
    /// No request for this partition before this time (`retry.backoff.ms`).
    pub retry_at: Millis,
    /// The last fetch error, until a fetch succeeds (events only on change).
    pub last_error: Option<KafkaError>,
    /// The leader in this metadata version proved stale: wait for a newer one.
    pub stale_metadata: Option<u64>,
    pub buffered: Option<CompletedFetch>,
    /// librdkafka's offset store (`enable.auto.offset.store`): the offset
    /// after the last record handed to the application; what auto-commit commits.
    pub stored_offset: Option<Offset>,
    pub records_fetched: u64,
}

impl PartitionState {
    fn new(phase: Phase) -> Self {
        PartitionState {
            phase,
            position: None,
            committed: None,
            high_watermark: None,
            last_stable_offset: None,
            log_start_offset: None,
            fetch_in_flight: false,
            lookup_in_flight: false,
            retry_at: 0,
            last_error: None,
            stale_metadata: None,
            buffered: None,
            stored_offset: None,
            records_fetched: 0,
        }
    }

    pub fn buffered_records(&self) -> u32 {
        self.buffered.as_ref().map_or(0, |b| b.remaining)
    }

    /// The end of the log the consumer may read: the LSO under read_committed, else the HW.
    pub fn readable_end(&self, isolation: IsolationLevel) -> Option<Offset> {
        match isolation {
            IsolationLevel::ReadCommitted => self.last_stable_offset,
            IsolationLevel::ReadUncommitted => self.high_watermark,
        }
    }

    fn drop_buffer(&mut self) {
        self.buffered = None;
    }
}

/// Records handed to the application by one poll: a run of one batch.
#[derive(Debug, Clone)]
pub(super) struct PolledSlice {
    pub tp: TopicPartition,
    pub batch: RecordBatch,
    /// Record indices `[start, end)` within the batch.
    pub start: u32,
    pub end: u32,
}

impl PolledSlice {
    pub fn offset_at(&self, index: u32) -> Offset {
        self.batch.base_offset + self.batch.records[index as usize].offset_delta as Offset
    }
}

/// What one poll returned.
#[derive(Debug, Clone, Default)]
pub(super) struct Polled {
    pub slices: Vec<PolledSlice>,
    /// Each partition's position after the poll (what `commitSync()` commits).
    pub positions: Vec<(TopicPartition, Offset)>,
    pub records: u32,
}

/// Builds the `first..=last` range, count and holes of runs of records.
#[derive(Debug, Default)]
pub(super) struct RangeBuilder {
    first: Option<Offset>,
    last: Offset,
    count: u32,
    gaps: Vec<OffsetRange>,
}

/// A finished range: `(first, last, count, gaps)`.
pub(super) type RecordRange = (Offset, Offset, u32, Vec<OffsetRange>);

impl RangeBuilder {
    /// Adds records `[start, end)` of `batch`; runs must come in offset order.
    pub fn push(&mut self, batch: &RecordBatch, start: usize, end: usize) {
        if start >= end {
            return;
        }
        let records = &batch.records[start..end];
        let first = batch.base_offset + records[0].offset_delta as Offset;
        let last = batch.base_offset + records[records.len() - 1].offset_delta as Offset;
        match self.first {
            None => self.first = Some(first),
            Some(_) => {
                assert!(first > self.last, "runs come in offset order");
                if first > self.last + 1 {
                    self.gaps.push(OffsetRange::new(self.last + 1, first - 1));
                }
            }
        }
        if (last - first + 1) as usize != records.len() {
            // Compaction left holes inside this run: list them.
            let mut previous = first;
            for record in &records[1..] {
                let offset = batch.base_offset + record.offset_delta as Offset;
                if offset > previous + 1 {
                    self.gaps.push(OffsetRange::new(previous + 1, offset - 1));
                }
                previous = offset;
            }
        }
        self.last = last;
        self.count += records.len() as u32;
    }

    pub fn finish(self) -> Option<RecordRange> {
        self.first.map(|first| (first, self.last, self.count, self.gaps))
    }
}

#[derive(Debug, Default)]
pub(super) struct Fetcher {
    pub partitions: VecMap<TopicPartition, PartitionState>,
    /// Partitions with buffered records, oldest response first (what a poll drains first).
    ready: VecDeque<TopicPartition>,
    /// Leaders with a fetch in flight.
    fetching_from: VecSet<BrokerId>,
}

impl Fetcher {
    /// Starts tracking `tp` (no-op if it is tracked already).
    pub fn assign(&mut self, tp: TopicPartition, phase: Phase) {
        self.partitions.entry(tp).or_insert_with(|| PartitionState::new(phase));
    }

    /// Stops tracking `tp`: its buffered records are dropped; a response in flight for it will be ignored.
    pub fn remove(&mut self, tp: &TopicPartition) -> Option<PartitionState> {
        self.ready.retain(|t| t != tp);
        self.partitions.remove(tp)
    }

    pub fn assigned(&self) -> Vec<TopicPartition> {
        self.partitions.keys().cloned().collect()
    }

    pub fn is_assigned(&self, tp: &TopicPartition) -> bool {
        self.partitions.contains_key(tp)
    }

    pub fn buffered_records(&self) -> u32 {
        self.partitions.values().map(PartitionState::buffered_records).sum()
    }

    /// Moves `tp` to `offset` and drops what was buffered from the old position.
    pub fn set_position(&mut self, tp: &TopicPartition, offset: Offset) {
        let state = self.partitions.get_mut(tp).expect("caller checked the partition is assigned");
        state.position = Some(offset);
        state.phase = Phase::Fetching;
        state.last_error = None;
        state.drop_buffer();
        self.ready.retain(|t| t != tp);
    }

    /// Hands out up to `max_records` buffered records, oldest response first.
    pub fn poll(&mut self, max_records: u32) -> Polled {
        let mut polled = Polled::default();
        let mut remaining = max_records;
        while remaining > 0 {
            let Some(tp) = self.ready.front().cloned() else { break };
            let state = self.partitions.get_mut(&tp).expect("ready partitions are assigned");
            let fetch = state.buffered.as_mut().expect("ready partitions have records");
            let mut position = state.position.expect("a partition with records has a position");
            while remaining > 0 {
                let Some(batch) = fetch.batches.front() else { break };
                let len = batch.records.len();
                let take = (len - fetch.next_record).min(remaining as usize);
                let start = fetch.next_record;
                let end = start + take;
                polled.slices.push(PolledSlice {
                    tp: tp.clone(),
                    batch: batch.clone(),
                    start: start as u32,
                    end: end as u32,
                });
                remaining -= take as u32;
                fetch.remaining -= take as u32;
                polled.records += take as u32;
                if end == len {
                    position = batch.next_offset();
                    fetch.batches.pop_front();
                    fetch.next_record = 0;
                } else {
                    position = batch.base_offset + batch.records[end - 1].offset_delta as Offset + 1;
                    fetch.next_record = end;
                }
            }
            if fetch.batches.is_empty() {
                assert_eq!(fetch.remaining, 0, "a drained fetch has no records left");
                position = position.max(fetch.end_offset);
                state.buffered = None;
                self.ready.pop_front();
            }
            assert!(state.position.is_none_or(|p| position >= p), "a poll never moves a position back");
            state.position = Some(position);
            polled.positions.push((tp, position));
        }
        polled
    }
}

/// Java's `CompletedFetch` read_committed filter and control-batch skip, on
/// the batches at or after `fetch_offset`. Returns the batches the
/// application may see and the offset after the last batch of the response.
fn usable_batches(
    batches: &[RecordBatch],
    fetch_offset: Offset,
    isolation: IsolationLevel,
    aborted: &[AbortedTransaction],
) -> (VecDeque<RecordBatch>, Offset) {
    let mut pending: Vec<AbortedTransaction> = aborted.to_vec();
    // Popped from the back: lowest first offset first.
    crate::sort::sort_by_key(&mut pending, |t| std::cmp::Reverse((t.first_offset, t.producer_id)));
    let mut aborted_producers: VecSet<ProducerId> = VecSet::new();
    let mut out = VecDeque::new();
    let mut end_offset = fetch_offset;
    for batch in batches {
        if batch.next_offset() <= fetch_offset {
            continue;
        }
        end_offset = end_offset.max(batch.next_offset());
        if isolation == IsolationLevel::ReadCommitted && batch.producer_id >= 0 {
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
        if batch.is_control() || batch.records.is_empty() {
            continue;
        }
        out.push_back(batch.clone());
    }
    (out, end_offset)
}

/// Whether a fetch or ListOffsets error means "your metadata is stale"; a
/// timed-out request counts too (the leader may be gone).
fn needs_metadata_refresh(error: KafkaError) -> bool {
    error.invalidates_metadata() || error == KafkaError::RequestTimedOut
}

impl Consumer {
    /// Sends a fetch to every leader that has fetchable partitions and no fetch in flight.
    pub(super) fn send_fetches(&mut self, ctx: &mut Ctx) {
        let mut by_leader: VecMap<BrokerId, Vec<FetchPartition>> = VecMap::new();
        for (tp, state) in &self.fetcher.partitions {
            if state.phase != Phase::Fetching || state.fetch_in_flight || state.buffered.is_some() {
                continue;
            }
            if ctx.now < state.retry_at || state.stale_metadata == Some(self.metadata.version) {
                continue;
            }
            let Some(position) = state.position else { continue };
            let Some(leader) = self.metadata.leader(tp) else { continue };
            let Some(broker) = leader.leader else { continue };
            if self.fetcher.fetching_from.contains(&broker) {
                continue;
            }
            by_leader.entry(broker).or_default().push(FetchPartition {
                tp: tp.clone(),
                current_leader_epoch: leader.epoch,
                fetch_offset: position,
                last_fetched_epoch: -1,
                log_start_offset: -1,
                partition_max_bytes: self.config.max_partition_fetch_bytes,
            });
        }
        for (broker, partitions) in by_leader {
            let purpose =
                Purpose::Fetch { partitions: partitions.iter().map(|p| (p.tp.clone(), p.fetch_offset)).collect() };
            for p in &partitions {
                self.fetcher.partitions.get_mut(&p.tp).expect("just read").fetch_in_flight = true;
            }
            self.fetcher.fetching_from.insert(broker);
            let request = FetchRequest {
                replica_id: None,
                max_wait_ms: self.config.fetch_max_wait_ms,
                min_bytes: self.config.fetch_min_bytes,
                max_bytes: self.config.fetch_max_bytes,
                isolation_level: self.config.isolation_level,
                partitions,
            };
            let timeout = self.config.request_timeout_ms;
            self.requests.send(ctx, broker, Request::Fetch(request), purpose, timeout);
        }
    }

    pub(super) fn on_fetch_response(
        &mut self,
        ctx: &mut Ctx,
        broker: BrokerId,
        fetched: Vec<(TopicPartition, Offset)>,
        response: FetchResponse,
    ) {
        self.fetcher.fetching_from.remove(&broker);
        for (tp, _) in &fetched {
            if let Some(state) = self.fetcher.partitions.get_mut(tp) {
                state.fetch_in_flight = false;
            }
        }
        let offsets: VecMap<TopicPartition, Offset> = fetched.into_iter().collect();
        for partition in response.partitions {
            let Some(&fetch_offset) = offsets.get(&partition.tp) else { continue };
            self.on_fetched_partition(ctx, fetch_offset, partition);
        }
    }

    fn on_fetched_partition(&mut self, ctx: &mut Ctx, fetch_offset: Offset, response: FetchPartitionResponse) {
        let isolation = self.config.isolation_level;
        let client = self.id;
        let backoff = self.config.retry_backoff_ms;
        let reset = self.config.auto_offset_reset;
        let Some(state) = self.fetcher.partitions.get_mut(&response.tp) else {
            return; // no longer assigned
        };
        // Stale: the position moved (seek, reset, revoke and reassign) while the fetch was out.
        if state.phase != Phase::Fetching || state.position != Some(fetch_offset) || state.buffered.is_some() {
            return;
        }
        let tp = response.tp;
        match response.error {
            None => {}
            Some(KafkaError::OffsetOutOfRange) => {
                // Retention (or DeleteRecords, or a truncation) passed the position.
                state.last_error = Some(KafkaError::OffsetOutOfRange);
                match OffsetSpec::from_reset(reset) {
                    Some(spec) => {
                        let reason = format!("OFFSET_OUT_OF_RANGE: reset to {}", spec.name());
                        state.phase = Phase::AwaitingReset { spec, reason };
                    }
                    None => {
                        state.phase = Phase::Failed(KafkaError::OffsetOutOfRange);
                        ctx.emit(ConsumerEvent::FetchError { client, tp, error: KafkaError::OffsetOutOfRange });
                    }
                }
                return;
            }
            Some(error) => {
                state.retry_at = ctx.now + backoff;
                if state.last_error != Some(error) {
                    state.last_error = Some(error);
                    ctx.emit(ConsumerEvent::FetchError { client, tp, error });
                }
                if needs_metadata_refresh(error) {
                    state.stale_metadata = Some(self.metadata.version);
                    self.metadata.request_refresh();
                }
                return;
            }
        }
        state.last_error = None;
        state.high_watermark = Some(response.high_watermark);
        state.last_stable_offset = Some(response.last_stable_offset);
        state.log_start_offset = Some(response.log_start_offset);
        let (mut batches, end_offset) =
            usable_batches(&response.batches, fetch_offset, isolation, &response.aborted_transactions);
        // Records of the first batch before the position were returned already.
        let mut next_record = 0;
        if let Some(first) = batches.front() {
            next_record =
                first.records.partition_point(|r| first.base_offset + (r.offset_delta as Offset) < fetch_offset);
            if next_record == first.records.len() {
                batches.pop_front();
                next_record = 0;
            }
        }
        let mut range = RangeBuilder::default();
        let mut skip = next_record;
        for batch in &batches {
            range.push(batch, skip, batch.records.len());
            skip = 0;
        }
        match range.finish() {
            None => {
                // Nothing for the application (markers, aborted records, or an empty log):
                // step over whatever the response covered.
                if end_offset > fetch_offset {
                    state.position = Some(end_offset);
                }
            }
            Some((first_offset, last_offset, count, gaps)) => {
                state.records_fetched += count as u64;
                self.counters.records_fetched += count as u64;
                state.buffered = Some(CompletedFetch { batches, next_record, end_offset, remaining: count });
                self.fetcher.ready.push_back(tp.clone());
                ctx.emit(ConsumerEvent::RecordsFetched { client, tp, first_offset, last_offset, count, gaps });
            }
        }
    }

    /// A fetch got no answer: its leader died, refused, or timed out.
    pub(super) fn on_fetch_failed(
        &mut self,
        ctx: &mut Ctx,
        broker: BrokerId,
        fetched: Vec<(TopicPartition, Offset)>,
        error: KafkaError,
    ) {
        self.fetcher.fetching_from.remove(&broker);
        for (tp, _) in fetched {
            if let Some(state) = self.fetcher.partitions.get_mut(&tp) {
                state.fetch_in_flight = false;
                state.retry_at = ctx.now + self.config.retry_backoff_ms;
                state.stale_metadata = Some(self.metadata.version);
                if state.last_error != Some(error) {
                    state.last_error = Some(error);
                    ctx.emit(ConsumerEvent::FetchError { client: self.id, tp, error });
                }
            }
        }
        self.metadata.request_refresh();
    }

    /// Sends ListOffsets for every partition waiting for a reset, to its leader.
    pub(super) fn send_list_offsets(&mut self, ctx: &mut Ctx) {
        let mut by_leader: VecMap<BrokerId, Vec<ListOffsetsPartition>> = VecMap::new();
        for (tp, state) in &self.fetcher.partitions {
            let Phase::AwaitingReset { spec, .. } = &state.phase else { continue };
            if state.lookup_in_flight || ctx.now < state.retry_at || state.stale_metadata == Some(self.metadata.version)
            {
                continue;
            }
            let Some(leader) = self.metadata.leader(tp) else { continue };
            let Some(broker) = leader.leader else { continue };
            by_leader.entry(broker).or_default().push(ListOffsetsPartition {
                tp: tp.clone(),
                current_leader_epoch: leader.epoch,
                timestamp: spec.list_offsets_timestamp(),
            });
        }
        for (broker, partitions) in by_leader {
            let purpose = Purpose::ListOffsets { partitions: partitions.iter().map(|p| p.tp.clone()).collect() };
            for p in &partitions {
                self.fetcher.partitions.get_mut(&p.tp).expect("just read").lookup_in_flight = true;
            }
            let request = ListOffsetsRequest { isolation_level: self.config.isolation_level, partitions };
            let timeout = self.config.request_timeout_ms;
            self.requests.send(ctx, broker, Request::ListOffsets(request), purpose, timeout);
        }
    }

    pub(super) fn on_list_offsets_response(
        &mut self,
        ctx: &mut Ctx,
        asked: Vec<TopicPartition>,
        response: ListOffsetsResponse,
    ) {
        for tp in &asked {
            if let Some(state) = self.fetcher.partitions.get_mut(tp) {
                state.lookup_in_flight = false;
            }
        }
        for p in response.partitions {
            let Some(state) = self.fetcher.partitions.get_mut(&p.tp) else { continue };
            let Phase::AwaitingReset { reason, .. } = state.phase.clone() else { continue };
            if !asked.contains(&p.tp) {
                continue;
            }
            if let Some(error) = p.error {
                state.retry_at = ctx.now + self.config.retry_backoff_ms;
                if needs_metadata_refresh(error) {
                    state.stale_metadata = Some(self.metadata.version);
                    self.metadata.request_refresh();
                }
                continue;
            }
            if p.offset < 0 {
                // No record at or after the timestamp: go to the end, as `--to-datetime` does.
                state.phase = Phase::AwaitingReset { spec: OffsetSpec::Latest, reason };
                continue;
            }
            self.reset_position(ctx, &p.tp, p.offset, reason);
        }
    }

    pub(super) fn on_list_offsets_failed(&mut self, ctx: &mut Ctx, asked: Vec<TopicPartition>) {
        for tp in asked {
            if let Some(state) = self.fetcher.partitions.get_mut(&tp) {
                state.lookup_in_flight = false;
                state.retry_at = ctx.now + self.config.retry_backoff_ms;
                state.stale_metadata = Some(self.metadata.version);
            }
        }
        self.metadata.request_refresh();
    }

    /// Sets a position and says why.
    pub(super) fn reset_position(&mut self, ctx: &mut Ctx, tp: &TopicPartition, offset: Offset, reason: String) {
        self.fetcher.set_position(tp, offset);
        ctx.emit(ConsumerEvent::PositionReset { client: self.id, tp: tp.clone(), offset, reason });
    }

    /// The partition has no committed offset (or no group): apply `auto.offset.reset`.
    pub(super) fn reset_by_policy(&mut self, ctx: &mut Ctx, tp: &TopicPartition, why: &str) {
        let reset = self.config.auto_offset_reset;
        let state = self.fetcher.partitions.get_mut(tp).expect("caller checked the partition is assigned");
        match OffsetSpec::from_reset(reset) {
            Some(spec) => {
                state.phase =
                    Phase::AwaitingReset { spec, reason: format!("{why}: auto.offset.reset={}", spec.name()) };
            }
            None => {
                // Java: NoOffsetForPartitionException.
                state.phase = Phase::Failed(KafkaError::OffsetOutOfRange);
                ctx.emit(ConsumerEvent::FetchError {
                    client: self.id,
                    tp: tp.clone(),
                    error: KafkaError::OffsetOutOfRange,
                });
            }
        }
    }
}
