//! Offsets: the committed offsets of newly assigned partitions
//! (OffsetFetch), and commits (OffsetCommit) — on the auto-commit timer, or
//! when the application commits, sync or async.
//!
//! `enable.auto.commit` is modelled on librdkafka, which Confluent.Kafka
//! (.NET) wraps, not on the Java client: librdkafka *stores* a partition's
//! offset (`enable.auto.offset.store=true`) as soon as a record is handed to
//! the application — the offset after that record — and a background timer
//! commits the stored offsets every `auto.commit.interval.ms`, whatever the
//! application is doing. So auto-commit can commit a record that is still
//! being processed, and a crash in the middle of processing it loses it.
//! (The Java client commits, on the same timer but inside `poll()`, the
//! positions of records returned by *earlier* polls, which cannot skip a
//! record of a single-threaded loop.) Auto-commit runs when the application
//! uses `CommitMode::Auto` and `enable.auto.commit=true`; the manual modes
//! stand for an application written with `enable.auto.commit=false`.
//!
//! `commitSync()` retries retriable errors until `default.api.timeout.ms`;
//! `commitAsync()` and auto-commit never retry (the next one supersedes
//! them). A consumer without `group.id` cannot commit and does not try.

use std::collections::VecDeque;

use crate::collections::VecMap;
use crate::engine::error::KafkaError;
use crate::engine::event::consumer::CommitTrigger;
use crate::engine::event::{ConsumerEvent, GroupEvent};
use crate::engine::ids::TopicPartition;
use crate::engine::node::Ctx;
use crate::engine::protocol::{
    OffsetCommitRequest, OffsetCommitResponse, OffsetFetchRequest, OffsetFetchResponse, Request,
};
use crate::engine::record::Offset;
use crate::engine::time::Millis;

use super::fetcher::Phase;
use super::membership::MemberState;
use super::requests::Purpose;
use super::Consumer;

/// Identifies one commit, so a waiting application knows when *its* commit is done.
pub(super) type CommitId = u64;

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Commit {
    pub id: CommitId,
    pub trigger: CommitTrigger,
    pub offsets: Vec<(TopicPartition, Offset)>,
    pub started_at: Millis,
    pub retry_at: Millis,
}

impl Commit {
    /// Whether the application blocks on it and it retries (`commitSync()` semantics).
    fn retries(&self) -> bool {
        matches!(self.trigger, CommitTrigger::Sync | CommitTrigger::Revoke)
    }
}

#[derive(Debug, Default)]
pub(super) struct Commits {
    next_id: CommitId,
    /// Waiting for a coordinator, or backing off before a retry.
    pub queued: VecDeque<Commit>,
    pub in_flight: VecMap<CommitId, Commit>,
}

impl Commits {
    fn has_auto_commit_pending(&self) -> bool {
        self.queued.iter().chain(self.in_flight.values()).any(|c| c.trigger == CommitTrigger::Auto)
    }
}

/// Errors after which the coordinator must be looked up again.
fn coordinator_error(error: KafkaError) -> bool {
    matches!(
        error,
        KafkaError::NotCoordinator
            | KafkaError::CoordinatorNotAvailable
            | KafkaError::NetworkException
            | KafkaError::RequestTimedOut
    )
}

impl Consumer {
    /// Whether the auto-commit timer commits (see the module docs).
    pub(super) fn auto_commit_enabled(&self) -> bool {
        self.group.is_some() && self.config.enable_auto_commit && self.app.commit_mode == super::CommitMode::Auto
    }

    /// Starts a commit of `offsets`. Returns its id, or `None` when nothing
    /// was sent: nothing to commit, no group, or (subscribe mode) the member
    /// is not in a stable generation — Java's `CommitFailedException` /
    /// `RebalanceInProgressException`, raised without asking the broker.
    pub(super) fn commit(
        &mut self,
        ctx: &mut Ctx,
        trigger: CommitTrigger,
        offsets: Vec<(TopicPartition, Offset)>,
    ) -> Option<CommitId> {
        let group = self.group.as_ref()?;
        if offsets.is_empty() {
            return None;
        }
        if group.is_managed() && group.state != MemberState::Stable {
            let error = if group.state == MemberState::Unjoined && group.member_id.is_empty() {
                KafkaError::UnknownMemberId
            } else {
                KafkaError::RebalanceInProgress
            };
            let group_id = group.group_id.clone();
            self.counters.commit_failures += 1;
            ctx.emit(GroupEvent::CommitFailed { group: group_id, client: self.id, error });
            return None;
        }
        self.commits.next_id += 1;
        let id = self.commits.next_id;
        self.commits.queued.push_back(Commit { id, trigger, offsets, started_at: ctx.now, retry_at: ctx.now });
        self.send_commits(ctx);
        Some(id)
    }

    /// Offsets auto-commit (and close, in auto mode) would commit now: the
    /// stored offsets that differ from the committed ones.
    pub(super) fn stored_offsets_to_commit(&self) -> Vec<(TopicPartition, Offset)> {
        self.fetcher
            .partitions
            .iter()
            .filter_map(|(tp, s)| match s.stored_offset {
                Some(stored) if s.committed != Some(stored) => Some((tp.clone(), stored)),
                _ => None,
            })
            .collect()
    }

    /// The auto-commit timer fired (every `auto.commit.interval.ms`).
    pub(super) fn on_auto_commit_timer(&mut self, ctx: &mut Ctx) {
        if !self.lifecycle.is_running() {
            return;
        }
        ctx.set_timer(
            self.config.auto_commit_interval_ms.max(1),
            crate::engine::node::Timer::Consumer(super::ConsumerTimer::AutoCommit),
        );
        let Some(group) = &self.group else { return };
        // librdkafka skips a tick while the group is rebalancing, and while the previous commit is out.
        if group.is_managed() && group.state != MemberState::Stable {
            return;
        }
        if self.commits.has_auto_commit_pending() {
            return;
        }
        let offsets = self.stored_offsets_to_commit();
        self.commit(ctx, CommitTrigger::Auto, offsets);
    }

    /// Sends queued commits whose backoff is over, if the coordinator is known.
    pub(super) fn send_commits(&mut self, ctx: &mut Ctx) {
        let Some(group) = &self.group else { return };
        let Some(coordinator) = group.coordinator else { return };
        let (generation_id, member_id) =
            if group.is_managed() { (group.generation, group.member_id.clone()) } else { (-1, String::new()) };
        let group_id = group.group_id.clone();
        let instance = group.instance_id().map(str::to_string);
        let mut waiting = VecDeque::new();
        while let Some(commit) = self.commits.queued.pop_front() {
            if commit.retry_at > ctx.now {
                waiting.push_back(commit);
                continue;
            }
            let request = OffsetCommitRequest {
                group_id: group_id.clone(),
                generation_id,
                member_id: member_id.clone(),
                group_instance_id: instance.clone(),
                offsets: commit.offsets.clone(),
            };
            let timeout = self.config.request_timeout_ms;
            self.requests.send(
                ctx,
                coordinator,
                Request::OffsetCommit(request),
                Purpose::OffsetCommit { commit: commit.id },
                timeout,
            );
            self.commits.in_flight.insert(commit.id, commit);
        }
        self.commits.queued = waiting;
    }

    pub(super) fn on_commit_response(&mut self, ctx: &mut Ctx, id: CommitId, response: OffsetCommitResponse) {
        let Some(commit) = self.commits.in_flight.remove(&id) else { return };
        match response.partitions.iter().find_map(|(_, e)| *e) {
            None => self.commit_succeeded(ctx, commit),
            Some(error) => self.commit_error(ctx, commit, error),
        }
    }

    pub(super) fn on_commit_failed(&mut self, ctx: &mut Ctx, id: CommitId, error: KafkaError) {
        let Some(commit) = self.commits.in_flight.remove(&id) else { return };
        self.commit_error(ctx, commit, error);
    }

    fn commit_succeeded(&mut self, ctx: &mut Ctx, commit: Commit) {
        let group = self.group.as_ref().expect("only a consumer with a group commits").group_id.clone();
        for (tp, offset) in &commit.offsets {
            if let Some(state) = self.fetcher.partitions.get_mut(tp) {
                state.committed = Some(*offset);
            }
        }
        self.counters.commits += 1;
        ctx.emit(ConsumerEvent::OffsetsCommitted {
            client: self.id,
            group,
            trigger: commit.trigger,
            offsets: commit.offsets,
        });
        self.on_commit_finished(ctx, commit.id);
    }

    fn commit_error(&mut self, ctx: &mut Ctx, mut commit: Commit, error: KafkaError) {
        if coordinator_error(error) {
            self.coordinator_unknown(ctx);
        }
        let deadline = commit.started_at + self.config.default_api_timeout_ms;
        let retriable = error.is_retriable() || error == KafkaError::CoordinatorLoadInProgress;
        if commit.retries() && retriable && ctx.now < deadline {
            commit.retry_at = ctx.now + self.config.retry_backoff_ms;
            self.commits.queued.push_back(commit);
            return;
        }
        let group = self.group.as_ref().expect("only a consumer with a group commits").group_id.clone();
        self.counters.commit_failures += 1;
        ctx.emit(GroupEvent::CommitFailed { group, client: self.id, error });
        match error {
            KafkaError::UnknownMemberId | KafkaError::IllegalGeneration => {
                self.generation_fenced(ctx, error);
            }
            KafkaError::FencedInstanceId => {
                self.fail(ctx, error, "another consumer with the same group.instance.id replaced this one");
                return;
            }
            _ => {}
        }
        self.on_commit_finished(ctx, commit.id);
    }

    /// Asks the coordinator for the committed offsets of partitions waiting for them.
    pub(super) fn send_offset_fetch(&mut self, ctx: &mut Ctx) {
        let Some(group) = &self.group else { return };
        let Some(coordinator) = group.coordinator else { return };
        let partitions: Vec<TopicPartition> = self
            .fetcher
            .partitions
            .iter()
            .filter(|(_, s)| s.phase == Phase::AwaitingCommitted && !s.lookup_in_flight && s.retry_at <= ctx.now)
            .map(|(tp, _)| tp.clone())
            .collect();
        if partitions.is_empty() {
            return;
        }
        for tp in &partitions {
            self.fetcher.partitions.get_mut(tp).expect("just read").lookup_in_flight = true;
        }
        let request = OffsetFetchRequest {
            group_id: group.group_id.clone(),
            partitions: Some(partitions.clone()),
            require_stable: true,
        };
        let timeout = self.config.request_timeout_ms;
        self.requests.send(
            ctx,
            coordinator,
            Request::OffsetFetch(request),
            Purpose::OffsetFetch { partitions },
            timeout,
        );
    }

    pub(super) fn on_offset_fetch_response(
        &mut self,
        ctx: &mut Ctx,
        asked: Vec<TopicPartition>,
        response: OffsetFetchResponse,
    ) {
        if let Some(error) = response.error {
            self.on_offset_fetch_failed(ctx, asked, error);
            return;
        }
        for tp in &asked {
            if let Some(state) = self.fetcher.partitions.get_mut(tp) {
                state.lookup_in_flight = false;
            }
        }
        for (tp, offset, error) in response.partitions {
            let Some(state) = self.fetcher.partitions.get_mut(&tp) else { continue };
            if state.phase != Phase::AwaitingCommitted || !asked.contains(&tp) {
                continue;
            }
            if error.is_some() {
                state.retry_at = ctx.now + self.config.retry_backoff_ms;
                continue;
            }
            if offset >= 0 {
                state.committed = Some(offset);
                self.reset_position(ctx, &tp, offset, "committed offset".into());
            } else {
                self.reset_by_policy(ctx, &tp, "no committed offset");
            }
        }
    }

    pub(super) fn on_offset_fetch_failed(&mut self, ctx: &mut Ctx, asked: Vec<TopicPartition>, error: KafkaError) {
        for tp in asked {
            if let Some(state) = self.fetcher.partitions.get_mut(&tp) {
                state.lookup_in_flight = false;
                state.retry_at = ctx.now + self.config.retry_backoff_ms;
            }
        }
        if coordinator_error(error) {
            self.coordinator_unknown(ctx);
        }
    }
}
