//! The simulated application on top of the consumer: the loop every Kafka
//! tutorial writes.
//!
//! ```text
//! while running:
//!     records = consumer.poll()              # up to max.poll.records
//!     [SyncBeforeProcessing: commitSync()]   # at-most-once
//!     for record in records: process(record) # processing_ms_per_record each
//!     [SyncAfterProcessing: commitSync()]    # at-least-once
//!     [AsyncAfterProcessing: commitAsync()]
//! ```
//!
//! With `processing_ms_per_record = 0` a whole poll is processed in one step
//! (no timer per record, one `RecordsProcessed` per partition per poll: the
//! fast path of the benchmark). Otherwise each record takes its time and is
//! reported as it finishes, so a crash in the middle of a batch leaves an
//! exact account of what was processed.
//!
//! While the application waits in `poll()` it counts as polling; the
//! `max.poll.interval.ms` clock runs from the poll that returned the batch
//! until the next poll. Group work that Kafka does inside `poll()` — joining,
//! rejoining after `REBALANCE_IN_PROGRESS`, revoking — happens there too.
//!
//! `close()` lets the record in progress finish, then commits what the
//! commit mode says (auto: the stored offsets; after-processing modes: what
//! was processed; before-processing: nothing more), leaves, and stops.

use crate::collections::VecMap;
use crate::engine::event::consumer::CommitTrigger;
use crate::engine::event::ConsumerEvent;
use crate::engine::ids::TopicPartition;
use crate::engine::node::{Ctx, Timer};
use crate::engine::record::Offset;
use crate::engine::time::Millis;

use super::commits::CommitId;
use super::fetcher::{Polled, PolledSlice, RangeBuilder};
use super::{CommitMode, Consumer, ConsumerTimer, Lifecycle};

/// What the application is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum AppState {
    /// Inside `poll()`, waiting for records.
    Polling,
    /// Processing the polled batch.
    Processing,
    /// Blocked in `commitSync()` before processing the batch.
    CommittingBefore { commit: CommitId },
    /// Blocked in `commitSync()` after processing the batch.
    CommittingAfter { commit: CommitId },
    /// The application stopped (closed, crashed or failed).
    Stopped,
}

/// The records of one poll and how far processing got.
#[derive(Debug, Clone)]
pub(super) struct PollBatch {
    pub slices: Vec<PolledSlice>,
    /// Positions after the batch (what `commitSync()` commits).
    pub positions: Vec<(TopicPartition, Offset)>,
    pub total: u32,
    pub done: u32,
    /// Cursor: slice index and record index (within its batch).
    slice: usize,
    record: u32,
}

impl PollBatch {
    fn new(polled: Polled) -> Self {
        let record = polled.slices.first().map_or(0, |s| s.start);
        PollBatch {
            total: polled.records,
            done: 0,
            slices: polled.slices,
            positions: polled.positions,
            slice: 0,
            record,
        }
    }

    /// The next record to process: partition and offset.
    fn current(&self) -> Option<(&TopicPartition, Offset)> {
        let slice = self.slices.get(self.slice)?;
        Some((&slice.tp, slice.offset_at(self.record)))
    }

    fn advance(&mut self) {
        self.done += 1;
        self.record += 1;
        if self.record >= self.slices[self.slice].end {
            self.slice += 1;
            self.record = self.slices.get(self.slice).map_or(0, |s| s.start);
        }
    }

    fn finished(&self) -> bool {
        self.slice >= self.slices.len()
    }
}

#[derive(Debug, Clone)]
pub(super) struct AppLoop {
    pub state: AppState,
    pub batch: Option<PollBatch>,
    /// Counts polls that returned records (the `max.poll.interval.ms` timer carries it).
    pub poll_seq: u64,
    /// When the last poll returned records.
    pub polled_at: Option<Millis>,
    /// The record being processed now, and when it will be done.
    pub current: Option<(TopicPartition, Offset, Millis)>,
    pub record_token: u64,
    /// Per partition: the offset after the last record processed (what a
    /// graceful close commits in the after-processing modes).
    pub processed_positions: VecMap<TopicPartition, Offset>,
    /// `close()` was called: stop after the record in progress.
    pub close_requested: bool,
}

impl AppLoop {
    pub fn new() -> Self {
        AppLoop {
            state: AppState::Polling,
            batch: None,
            poll_seq: 0,
            polled_at: None,
            current: None,
            record_token: 0,
            processed_positions: VecMap::new(),
            close_requested: false,
        }
    }

    /// Records polled but not processed yet.
    pub fn remaining_in_batch(&self) -> u32 {
        self.batch.as_ref().map_or(0, |b| b.total - b.done)
    }
}

impl Consumer {
    /// Runs the application until it has to wait (for records, a commit, or a record's processing time).
    pub(super) fn run_app(&mut self, ctx: &mut Ctx) {
        while self.lifecycle == Lifecycle::Running {
            match self.app_loop.state {
                AppState::Polling => {
                    if !self.app_poll(ctx) {
                        break;
                    }
                }
                AppState::Processing => {
                    if self.app.processing_ms_per_record == 0 {
                        self.process_batch_at_once(ctx);
                        self.after_batch(ctx);
                    } else {
                        if self.app_loop.current.is_none() {
                            self.start_next_record(ctx);
                        }
                        break;
                    }
                }
                AppState::CommittingBefore { .. } | AppState::CommittingAfter { .. } | AppState::Stopped => break,
            }
        }
    }

    /// One `poll()`: group work first, then up to `max.poll.records`. Returns whether it got records.
    fn app_poll(&mut self, ctx: &mut Ctx) -> bool {
        if self.app_loop.close_requested {
            self.finish_close(ctx);
            return false;
        }
        self.ensure_active_group(ctx);
        let polled = self.fetcher.poll(self.config.max_poll_records as u32);
        if polled.records == 0 {
            return false;
        }
        self.counters.polls += 1;
        self.app_loop.poll_seq += 1;
        self.app_loop.polled_at = Some(ctx.now);
        if self.group.as_ref().is_some_and(|g| g.is_managed()) {
            let poll = self.app_loop.poll_seq;
            ctx.set_timer(self.config.max_poll_interval_ms, Timer::Consumer(ConsumerTimer::MaxPollInterval { poll }));
        }
        let batch = PollBatch::new(polled);
        let positions = self.owned_positions(&batch.positions);
        self.app_loop.batch = Some(batch);
        self.app_loop.state = AppState::Processing;
        if self.app.commit_mode == CommitMode::SyncBeforeProcessing {
            if let Some(commit) = self.commit(ctx, CommitTrigger::Sync, positions) {
                self.app_loop.state = AppState::CommittingBefore { commit };
            }
        }
        true
    }

    /// The positions of partitions still assigned (Java commits `allConsumed()` of the current assignment).
    fn owned_positions(&self, positions: &[(TopicPartition, Offset)]) -> Vec<(TopicPartition, Offset)> {
        positions.iter().filter(|(tp, _)| self.fetcher.is_assigned(tp)).cloned().collect()
    }

    /// Zero processing time: the whole batch in one step, one event per partition.
    fn process_batch_at_once(&mut self, ctx: &mut Ctx) {
        let batch = self.app_loop.batch.take().expect("processing has a batch");
        let group = self.group.as_ref().map(|g| g.group_id.clone());
        let mut i = 0;
        while i < batch.slices.len() {
            let tp = &batch.slices[i].tp;
            let mut range = RangeBuilder::default();
            while i < batch.slices.len() && batch.slices[i].tp == *tp {
                let s = &batch.slices[i];
                range.push(&s.batch, s.start as usize, s.end as usize);
                i += 1;
            }
            let (first_offset, last_offset, count, gaps) = range.finish().expect("slices hold records");
            self.records_processed(tp, last_offset, count);
            if self.auto_commit_enabled() {
                // librdkafka stores the offset when the record is handed over.
                if let Some(state) = self.fetcher.partitions.get_mut(tp) {
                    state.stored_offset = Some(last_offset + 1);
                }
            }
            ctx.emit(ConsumerEvent::RecordsProcessed {
                client: self.id,
                group: group.clone(),
                tp: tp.clone(),
                first_offset,
                last_offset,
                count,
                gaps,
            });
        }
        self.app_loop.batch = Some(PollBatch { done: batch.total, slice: batch.slices.len(), ..batch });
    }

    fn records_processed(&mut self, tp: &TopicPartition, last_offset: Offset, count: u32) {
        self.counters.records_processed += count as u64;
        self.app_loop.processed_positions.insert(tp.clone(), last_offset + 1);
    }

    /// Hands the next record to the application and arms its processing timer.
    fn start_next_record(&mut self, ctx: &mut Ctx) {
        let batch = self.app_loop.batch.as_ref().expect("processing has a batch");
        let (tp, offset) = batch.current().map(|(tp, o)| (tp.clone(), o)).expect("an unfinished batch has a record");
        if self.auto_commit_enabled() {
            if let Some(state) = self.fetcher.partitions.get_mut(&tp) {
                // librdkafka's offset store: this record counts as consumed from now on.
                state.stored_offset = Some(offset + 1);
            }
        }
        let ms = self.app.processing_ms_per_record;
        self.app_loop.record_token += 1;
        self.app_loop.current = Some((tp, offset, ctx.now + ms));
        ctx.set_timer(ms, Timer::Consumer(ConsumerTimer::RecordProcessed { token: self.app_loop.record_token }));
    }

    pub(super) fn on_record_processed_timer(&mut self, ctx: &mut Ctx, token: u64) {
        if token != self.app_loop.record_token || self.app_loop.state != AppState::Processing {
            return;
        }
        let Some((tp, offset, _)) = self.app_loop.current.take() else { return };
        self.records_processed(&tp, offset, 1);
        let group = self.group.as_ref().map(|g| g.group_id.clone());
        ctx.emit(ConsumerEvent::RecordsProcessed {
            client: self.id,
            group,
            tp,
            first_offset: offset,
            last_offset: offset,
            count: 1,
            gaps: Vec::new(),
        });
        let batch = self.app_loop.batch.as_mut().expect("processing has a batch");
        batch.advance();
        if self.app_loop.close_requested {
            self.finish_close(ctx);
        } else if batch.finished() {
            self.after_batch(ctx);
        }
    }

    /// The batch is processed: commit as the mode says, then poll again.
    fn after_batch(&mut self, ctx: &mut Ctx) {
        let batch = self.app_loop.batch.take().expect("a batch was processed");
        for (tp, position) in &batch.positions {
            self.app_loop.processed_positions.insert(tp.clone(), *position);
        }
        self.app_loop.state = AppState::Polling;
        if self.app_loop.close_requested {
            self.finish_close(ctx);
            return;
        }
        let positions = self.owned_positions(&batch.positions);
        match self.app.commit_mode {
            CommitMode::SyncAfterProcessing => {
                if let Some(commit) = self.commit(ctx, CommitTrigger::Sync, positions) {
                    self.app_loop.state = AppState::CommittingAfter { commit };
                }
            }
            CommitMode::AsyncAfterProcessing => {
                self.commit(ctx, CommitTrigger::Async, positions);
            }
            CommitMode::Auto | CommitMode::SyncBeforeProcessing => {}
        }
    }

    /// A commit finished (acknowledged or given up): whoever waits on it goes on.
    pub(super) fn on_commit_finished(&mut self, ctx: &mut Ctx, commit: CommitId) {
        match self.app_loop.state {
            AppState::CommittingBefore { commit: c } if c == commit => {
                self.app_loop.state = AppState::Processing;
                if self.app_loop.close_requested {
                    self.finish_close(ctx);
                }
            }
            AppState::CommittingAfter { commit: c } if c == commit => {
                self.app_loop.state = AppState::Polling;
                if self.app_loop.close_requested {
                    self.finish_close(ctx);
                }
            }
            _ => {}
        }
        if let Some(group) = &self.group {
            if group.state == (super::membership::MemberState::PreparingJoin { commit }) {
                self.on_prepare_commit_done(ctx);
            }
        }
        if self.lifecycle == (Lifecycle::Closing { commit: Some(commit) }) {
            self.leave_and_stop(ctx);
        }
    }

    /// `close()`, once no record is in progress: commit per mode, then leave and stop.
    pub(super) fn finish_close(&mut self, ctx: &mut Ctx) {
        if self.lifecycle != Lifecycle::Running {
            return;
        }
        self.app_loop.state = AppState::Stopped;
        self.app_loop.current = None;
        let offsets: Vec<(TopicPartition, Offset)> = match self.app.commit_mode {
            CommitMode::Auto if self.auto_commit_enabled() => self.stored_offsets_to_commit(),
            CommitMode::SyncAfterProcessing | CommitMode::AsyncAfterProcessing => self
                .app_loop
                .processed_positions
                .iter()
                .filter(|(tp, o)| {
                    self.fetcher.partitions.get(*tp).is_some_and(|s| s.committed.is_none_or(|c| c != **o))
                })
                .map(|(tp, o)| (tp.clone(), *o))
                .collect(),
            _ => Vec::new(),
        };
        let commit = self.commit(ctx, CommitTrigger::Close, offsets);
        self.lifecycle = Lifecycle::Closing { commit };
        match commit {
            Some(_) => ctx.set_timer(self.config.request_timeout_ms, Timer::Consumer(ConsumerTimer::CloseTimeout)),
            None => self.leave_and_stop(ctx),
        }
    }

    /// The last step of `close()`: LeaveGroup (dynamic members), then the process stops.
    pub(super) fn leave_and_stop(&mut self, ctx: &mut Ctx) {
        if !matches!(self.lifecycle, Lifecycle::Closing { .. }) {
            return;
        }
        self.leave_group(ctx, "the consumer is being closed");
        if self.group.as_ref().is_some_and(|g| g.is_managed()) {
            self.revoke(ctx, None);
        }
        self.lifecycle = Lifecycle::Closed;
        self.requests.clear();
        ctx.emit(ConsumerEvent::ConsumerClosed { client: self.id });
        ctx.client_closed();
    }
}
