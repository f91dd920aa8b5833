//! The consumer client: a node on the simulated network with a small
//! simulated application on top.
//!
//! Map of the modules:
//! - `requests`: correlation ids, what each request in flight is for, timeouts.
//! - `metadata`: leaders and partition counts from Metadata responses.
//! - `fetcher`: positions, fetches per leader, buffered records,
//!   `auto.offset.reset`, `OFFSET_OUT_OF_RANGE`, read_committed.
//! - `membership`: the classic group protocol, client side (FindCoordinator,
//!   JoinGroup, SyncGroup with the leader's assignment, Heartbeat, LeaveGroup).
//! - `commits`: OffsetFetch for new partitions, OffsetCommit (auto, sync, async).
//! - `app`: the application's poll / process / commit loop and `close()`.
//! - `snapshot`: what the UI and tests see.
//!
//! Everything happens in handlers: a message, a timer, or a command (start,
//! close, seek). Each handler ends with [`Consumer::drive`], which sends
//! whatever is due — metadata, coordinator lookup, offsets, resets, commits,
//! fetches — and lets the application run. `drive` is idempotent: calling it
//! twice sends nothing new.

mod app;
mod commits;
mod fetcher;
mod membership;
mod metadata;
mod requests;
mod snapshot;

#[cfg(test)]
mod tests;

pub use fetcher::OffsetSpec;
pub use membership::RebalanceProtocol;
pub use snapshot::{ConsumerCounters, ConsumerSnapshot, ConsumerState, PartitionView, ProcessingView};

use crate::collections::VecSet;
use crate::engine::client::{CommitMode, ConsumerApp, Subscription};
use crate::engine::config::ConsumerConfig;
use crate::engine::error::KafkaError;
use crate::engine::event::ConsumerEvent;
use crate::engine::ids::{BrokerId, ClientId, NodeId, TopicPartition};
use crate::engine::node::{Ctx, Timer};
use crate::engine::protocol::{Message, MetadataRequest, Request, Response};
use crate::engine::record::Offset;
use crate::engine::time::Millis;

use app::{AppLoop, AppState};
use commits::Commits;
use fetcher::{Fetcher, Phase};
use membership::GroupClient;
use metadata::ClientMetadata;
use requests::{InFlight, Purpose, Requests};

/// Timers of a consumer. Stale ones (a token that moved on) are ignored.
#[derive(Debug, Clone, PartialEq)]
pub enum ConsumerTimer {
    /// Check the deadlines of the requests in flight to `broker` (armed for
    /// the earliest one, at `at`; see `requests`).
    RequestTimeout { broker: BrokerId, at: Millis },
    /// A backoff ended: send what was waiting for it.
    Wake,
    /// The application finished processing the current record.
    RecordProcessed { token: u64 },
    /// Send the next heartbeat (`heartbeat.interval.ms`).
    Heartbeat { token: u64 },
    /// Commit the stored offsets (`auto.commit.interval.ms`).
    AutoCommit,
    /// `max.poll.interval.ms` after the poll numbered `poll`.
    MaxPollInterval { poll: u64 },
    /// Refresh metadata (`metadata.max.age.ms`).
    MetadataMaxAge,
    /// `close()` gave its last commit long enough.
    CloseTimeout,
}

/// Whether the consumer's process runs, and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Lifecycle {
    Running,
    /// `close()` is committing (the commit it waits for, if any).
    Closing {
        commit: Option<commits::CommitId>,
    },
    Closed,
    Crashed,
    Failed(KafkaError),
}

impl Lifecycle {
    fn is_running(&self) -> bool {
        *self == Lifecycle::Running
    }
    /// Still a live group member (running, or closing and not gone yet).
    fn is_member(&self) -> bool {
        matches!(self, Lifecycle::Running | Lifecycle::Closing { .. })
    }
}

/// Counters for the snapshot (Kafka's consumer metrics, as totals).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counters {
    pub records_fetched: u64,
    pub records_processed: u64,
    pub polls: u64,
    pub commits: u64,
    pub commit_failures: u64,
    pub rebalances: u64,
}

pub struct Consumer {
    pub id: ClientId,
    pub name: String,
    pub config: ConsumerConfig,
    pub app: ConsumerApp,
    bootstrap: Vec<BrokerId>,
    lifecycle: Lifecycle,
    requests: Requests,
    metadata: ClientMetadata,
    fetcher: Fetcher,
    /// `Some` when `group.id` is set.
    group: Option<GroupClient>,
    commits: Commits,
    app_loop: AppLoop,
    counters: Counters,
    /// Times a `Wake` timer is already set for.
    wakes: VecSet<Millis>,
}

impl Consumer {
    pub fn new(id: ClientId, name: String, config: ConsumerConfig, app: ConsumerApp, bootstrap: Vec<BrokerId>) -> Self {
        let subscription = match &app.subscription {
            Subscription::Subscribe(topics) => Some(topics.clone()),
            Subscription::Assign(_) => None,
        };
        let group = config.group_id.clone().map(|group_id| {
            GroupClient::new(
                group_id,
                subscription,
                config.group_instance_id.clone(),
                &config.partition_assignment_strategy,
            )
        });
        let metadata = ClientMetadata::new(&bootstrap, id);
        Consumer {
            id,
            name,
            config,
            app,
            bootstrap,
            lifecycle: Lifecycle::Running,
            requests: Requests::default(),
            metadata,
            fetcher: Fetcher::default(),
            group,
            commits: Commits::default(),
            app_loop: AppLoop::new(),
            counters: Counters::default(),
            wakes: VecSet::new(),
        }
    }

    /// The process starts: assign (or join), and start the periodic timers.
    pub fn start(&mut self, ctx: &mut Ctx) {
        ctx.emit(ConsumerEvent::ConsumerStarted {
            client: self.id,
            name: self.name.clone(),
            group: self.config.group_id.clone(),
        });
        if let Subscription::Assign(partitions) = &self.app.subscription {
            for tp in partitions.clone() {
                if self.group.is_some() {
                    self.fetcher.assign(tp, Phase::AwaitingCommitted);
                } else {
                    self.fetcher.assign(tp.clone(), Phase::Fetching);
                    self.reset_by_policy(ctx, &tp, "no group.id");
                }
            }
        }
        if self.auto_commit_enabled() {
            ctx.set_timer(self.config.auto_commit_interval_ms.max(1), Timer::Consumer(ConsumerTimer::AutoCommit));
        }
        ctx.set_timer(self.config.metadata_max_age_ms.max(1), Timer::Consumer(ConsumerTimer::MetadataMaxAge));
        self.drive(ctx);
    }

    /// `consumer.close()`: the record in progress finishes, then the consumer
    /// commits (per commit mode), sends LeaveGroup (dynamic members) and stops.
    pub fn close(&mut self, ctx: &mut Ctx) {
        if !self.lifecycle.is_running() {
            return;
        }
        self.app_loop.close_requested = true;
        match self.app_loop.state {
            // The record in progress, or the commitSync the application is blocked in, finishes first.
            AppState::Processing if self.app_loop.current.is_some() => {}
            AppState::CommittingBefore { .. } | AppState::CommittingAfter { .. } => {}
            _ => self.finish_close(ctx),
        }
        self.drive(ctx);
    }

    /// The process died (`CrashConsumer`): nothing more happens, nothing is sent.
    pub fn crash(&mut self) {
        if matches!(self.lifecycle, Lifecycle::Running | Lifecycle::Closing { .. }) {
            self.lifecycle = Lifecycle::Crashed;
            self.app_loop.state = AppState::Stopped;
            self.app_loop.current = None;
            self.requests.clear();
        }
    }

    /// `consumer.seek(tp, offset)`: the next fetch starts at `offset`.
    pub fn seek(&mut self, ctx: &mut Ctx, tp: TopicPartition, offset: Offset) -> Result<(), String> {
        if !self.lifecycle.is_running() {
            return Err(format!("{} is not running", self.name));
        }
        if !self.fetcher.is_assigned(&tp) {
            return Err(format!("{tp} is not assigned to {}", self.name));
        }
        self.reset_position(ctx, &tp, offset, "seek".into());
        self.drive(ctx);
        Ok(())
    }

    /// `seekToBeginning` / `seekToEnd` / `offsetsForTimes` + seek: the
    /// position is looked up with ListOffsets.
    pub fn seek_to(&mut self, ctx: &mut Ctx, tp: TopicPartition, spec: OffsetSpec) -> Result<(), String> {
        if !self.lifecycle.is_running() {
            return Err(format!("{} is not running", self.name));
        }
        let Some(state) = self.fetcher.partitions.get_mut(&tp) else {
            return Err(format!("{tp} is not assigned to {}", self.name));
        };
        state.phase = Phase::AwaitingReset { spec, reason: format!("seek to {}", spec.name()) };
        state.buffered = None;
        state.retry_at = 0;
        self.drive(ctx);
        Ok(())
    }

    pub fn on_message(&mut self, ctx: &mut Ctx, from: NodeId, message: Message) {
        if !self.lifecycle.is_member() {
            return;
        }
        match message {
            Message::Response { correlation_id, body } => {
                if let Some(request) = self.requests.complete(correlation_id) {
                    self.on_response(ctx, request, body);
                }
            }
            Message::ConnectionRefused { correlation_id } => {
                if let Some(request) = self.requests.complete(correlation_id) {
                    self.on_request_failed(ctx, request, KafkaError::NetworkException);
                }
            }
            Message::Disconnected => {
                if let NodeId::Broker(broker) = from {
                    for request in self.requests.fail_all_to(broker) {
                        self.on_request_failed(ctx, request, KafkaError::NetworkException);
                    }
                    if self.group.as_ref().is_some_and(|g| g.coordinator == Some(broker)) {
                        self.coordinator_unknown(ctx);
                    }
                    self.metadata.request_refresh();
                }
            }
            Message::Request { .. } => {} // nobody sends requests to a consumer
        }
        self.drive(ctx);
    }

    pub fn on_timer(&mut self, ctx: &mut Ctx, timer: ConsumerTimer) {
        if !self.lifecycle.is_member() {
            return;
        }
        match timer {
            ConsumerTimer::RequestTimeout { broker, at } => {
                for request in self.requests.timed_out(ctx, broker, at) {
                    self.on_request_failed(ctx, request, KafkaError::RequestTimedOut);
                }
            }
            ConsumerTimer::Wake => {
                self.wakes.retain(|t| *t > ctx.now);
            }
            ConsumerTimer::RecordProcessed { token } => self.on_record_processed_timer(ctx, token),
            ConsumerTimer::Heartbeat { token } => self.on_heartbeat_timer(ctx, token),
            ConsumerTimer::AutoCommit => self.on_auto_commit_timer(ctx),
            ConsumerTimer::MaxPollInterval { poll } => {
                let still_on_that_poll = self.app_loop.poll_seq == poll && self.app_loop.state != AppState::Polling;
                if still_on_that_poll && self.lifecycle.is_running() {
                    self.on_poll_timeout(ctx);
                }
            }
            ConsumerTimer::MetadataMaxAge => {
                self.metadata.request_refresh();
                ctx.set_timer(self.config.metadata_max_age_ms.max(1), Timer::Consumer(ConsumerTimer::MetadataMaxAge));
            }
            ConsumerTimer::CloseTimeout => {
                if matches!(self.lifecycle, Lifecycle::Closing { .. }) {
                    self.leave_and_stop(ctx);
                }
            }
        }
        self.drive(ctx);
    }

    /// Sends whatever is due and lets the application run.
    fn drive(&mut self, ctx: &mut Ctx) {
        if !self.lifecycle.is_member() {
            return;
        }
        if self.metadata.due(ctx.now, self.config.metadata_max_age_ms) {
            self.send_metadata(ctx);
        }
        self.find_coordinator_if_needed(ctx);
        self.send_commits(ctx);
        if self.lifecycle.is_running() {
            self.send_offset_fetch(ctx);
            self.send_list_offsets(ctx);
            self.run_app(ctx);
            self.send_fetches(ctx);
            // Partitions that lost their leader wait for fresher metadata.
            let leaderless = self.fetcher.partitions.keys().any(|tp| {
                self.metadata.updated_at.is_some() && self.metadata.leader(tp).is_none_or(|l| l.leader.is_none())
            });
            if leaderless && !self.metadata.in_flight {
                self.metadata.request_refresh();
            }
        }
        self.schedule_wake(ctx);
    }

    /// Arms a `Wake` timer for the earliest backoff still to run out.
    fn schedule_wake(&mut self, ctx: &mut Ctx) {
        let now = ctx.now;
        let mut next: Option<Millis> = None;
        let mut consider = |t: Millis| {
            if t > now {
                next = Some(next.map_or(t, |n: Millis| n.min(t)));
            }
        };
        if self.metadata.refresh_needed {
            consider(self.metadata.retry_at);
        }
        if let Some(group) = &self.group {
            if group.coordinator.is_none() {
                consider(group.coordinator_retry_at);
            }
            consider(group.join_retry_at);
        }
        for commit in &self.commits.queued {
            consider(commit.retry_at);
        }
        for state in self.fetcher.partitions.values() {
            consider(state.retry_at);
        }
        if let Some(at) = next {
            if self.wakes.insert(at) {
                ctx.set_timer(at - now, Timer::Consumer(ConsumerTimer::Wake));
            }
        }
    }

    fn send_metadata(&mut self, ctx: &mut Ctx) {
        let Some(broker) = self.metadata.pick_broker() else { return };
        let request = MetadataRequest { topics: None, allow_auto_topic_creation: false };
        let timeout = self.config.request_timeout_ms;
        self.requests.send(ctx, broker, Request::Metadata(request), Purpose::Metadata, timeout);
        self.metadata.in_flight = true;
    }

    fn on_response(&mut self, ctx: &mut Ctx, request: InFlight, body: Response) {
        match (request.purpose, body) {
            (Purpose::Metadata, Response::Metadata(r)) => {
                self.metadata.update(ctx.now, &r, self.config.retry_backoff_ms);
                self.check_metadata_for_rejoin();
            }
            (Purpose::FindCoordinator, Response::FindCoordinator(r)) => self.on_find_coordinator_response(ctx, r),
            (Purpose::Fetch { partitions }, Response::Fetch(r)) => {
                self.on_fetch_response(ctx, request.to, partitions, r)
            }
            (Purpose::ListOffsets { partitions }, Response::ListOffsets(r)) => {
                self.on_list_offsets_response(ctx, partitions, r)
            }
            (Purpose::OffsetFetch { partitions }, Response::OffsetFetch(r)) => {
                self.on_offset_fetch_response(ctx, partitions, r)
            }
            (Purpose::OffsetCommit { commit }, Response::OffsetCommit(r)) => self.on_commit_response(ctx, commit, r),
            (Purpose::JoinGroup, Response::JoinGroup(r)) => self.on_join_group_response(ctx, r),
            (Purpose::SyncGroup, Response::SyncGroup(r)) => self.on_sync_group_response(ctx, r),
            (Purpose::Heartbeat { generation }, Response::Heartbeat(r)) => {
                self.on_heartbeat_response(ctx, generation, r)
            }
            (purpose, body) => {
                panic!("a {} response answered a request sent for {purpose:?}", body.api_name())
            }
        }
    }

    /// A request ended without a response: refused, disconnected, or timed out.
    fn on_request_failed(&mut self, ctx: &mut Ctx, request: InFlight, error: KafkaError) {
        let backoff = self.config.retry_backoff_ms;
        match request.purpose {
            Purpose::Metadata => self.metadata.failed(ctx.now, request.to, backoff),
            Purpose::FindCoordinator => self.on_find_coordinator_failed(ctx, request.to),
            Purpose::Fetch { partitions } => self.on_fetch_failed(ctx, request.to, partitions, error),
            Purpose::ListOffsets { partitions } => self.on_list_offsets_failed(ctx, partitions),
            Purpose::OffsetFetch { partitions } => self.on_offset_fetch_failed(ctx, partitions, error),
            Purpose::OffsetCommit { commit } => self.on_commit_failed(ctx, commit, error),
            Purpose::JoinGroup | Purpose::SyncGroup => self.on_join_or_sync_failed(ctx),
            Purpose::Heartbeat { .. } => self.on_heartbeat_failed(ctx),
        }
    }

    /// An error the application cannot get past: the consumer stops.
    pub(super) fn fail(&mut self, ctx: &mut Ctx, error: KafkaError, message: &str) {
        if !self.lifecycle.is_member() {
            return;
        }
        self.lifecycle = Lifecycle::Failed(error);
        self.app_loop.state = AppState::Stopped;
        self.app_loop.current = None;
        self.requests.clear();
        ctx.emit(ConsumerEvent::ConsumerFailed { client: self.id, error, message: message.to_string() });
        ctx.client_closed();
    }

    /// Brokers this consumer was given to start from.
    pub fn bootstrap(&self) -> &[BrokerId] {
        &self.bootstrap
    }

    /// The effective commit mode (what the application does).
    pub fn commit_mode(&self) -> CommitMode {
        self.app.commit_mode
    }
}
