//! What the UI and tests see of a consumer.
//!
//! Lag comes in Kafka's two flavours, under Kafka's names:
//! - `lag`: what `kafka-consumer-groups --describe` prints — LOG-END-OFFSET
//!   (the high watermark, the end a client can see) minus CURRENT-OFFSET
//!   (the group's committed offset). It is what the group still owes.
//! - `records_lag`: the consumer's `records-lag` metric — the high
//!   watermark (the last stable offset under read_committed) minus the
//!   consumer's position. It is what this consumer has not fetched yet;
//!   `records_lag_max` is the largest over its partitions.
//!
//! Both are measured against the high watermark the last fetch response
//! reported, so they are as fresh as the consumer's last fetch.

use serde::{Deserialize, Serialize};

use crate::engine::client::{CommitMode, Subscription};
use crate::engine::config::ConsumerConfig;
use crate::engine::error::KafkaError;
use crate::engine::ids::{BrokerId, ClientId, TopicPartition};
use crate::engine::record::Offset;
use crate::engine::time::Millis;

use super::app::AppState;
use super::fetcher::{PartitionState, Phase};
use super::membership::{MemberState, RebalanceProtocol};
use super::{Consumer, Lifecycle};

/// The consumer's state, as a learner would name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsumerState {
    /// Assign mode: reading the partitions it was given.
    Assigned,
    /// Finding the coordinator, or in JoinGroup.
    Joining,
    /// Waiting for its assignment (SyncGroup).
    Syncing,
    /// In the group with partitions to read.
    Stable,
    /// In the group with no partitions (more consumers than partitions).
    Idle,
    Closing,
    Closed,
    Crashed,
    /// Stopped by an error it cannot recover from.
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartitionView {
    pub tp: TopicPartition,
    /// The leader the consumer fetches from.
    pub leader: Option<BrokerId>,
    /// `fetching`, `awaiting_committed_offset`, `awaiting_reset`, or `failed`.
    pub status: String,
    /// The offset of the next record for the application.
    pub position: Option<Offset>,
    /// CURRENT-OFFSET: the group's committed offset.
    pub committed: Option<Offset>,
    /// LOG-END-OFFSET as clients see it: the high watermark.
    pub log_end_offset: Option<Offset>,
    pub high_watermark: Option<Offset>,
    pub last_stable_offset: Option<Offset>,
    pub log_start_offset: Option<Offset>,
    /// LAG: log end offset minus committed offset.
    pub lag: Option<i64>,
    /// records-lag: high watermark (LSO under read_committed) minus position.
    pub records_lag: Option<i64>,
    /// The offset auto-commit would commit (librdkafka's offset store).
    pub stored_offset: Option<Offset>,
    pub buffered_records: u32,
    pub records_fetched: u64,
    pub last_error: Option<KafkaError>,
}

/// The record the application is processing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordInProgress {
    pub tp: TopicPartition,
    pub offset: Offset,
    /// When its processing will finish.
    pub done_at: Millis,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcessingView {
    /// `polling`, `processing`, `committing_before_processing`, `committing_after_processing`, `stopped`.
    pub state: String,
    pub current: Option<RecordInProgress>,
    /// Records of the current poll not processed yet.
    pub remaining_in_batch: u32,
    /// Records fetched and waiting for a poll.
    pub buffered_records: u32,
    pub processing_ms_per_record: Millis,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ConsumerCounters {
    pub records_fetched: u64,
    pub records_processed: u64,
    pub polls: u64,
    pub commits: u64,
    pub commit_failures: u64,
    pub rebalances: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsumerSnapshot {
    pub id: ClientId,
    pub name: String,
    pub group: Option<String>,
    pub group_instance_id: Option<String>,
    /// The member id the coordinator gave it (subscribe mode).
    pub member_id: Option<String>,
    pub generation: Option<i32>,
    pub coordinator: Option<BrokerId>,
    /// Whether it is the group leader (it computes the assignment).
    pub is_leader: bool,
    pub state: ConsumerState,
    pub subscription: Subscription,
    pub rebalance_protocol: Option<RebalanceProtocol>,
    /// The assignor the group uses.
    pub assignor: Option<String>,
    pub commit_mode: CommitMode,
    /// Whether the auto-commit timer commits.
    pub auto_commit: bool,
    pub assignment: Vec<TopicPartition>,
    pub partitions: Vec<PartitionView>,
    pub processing: ProcessingView,
    pub counters: ConsumerCounters,
    /// The consumer's records-lag-max: the largest records-lag over its partitions.
    pub records_lag_max: Option<i64>,
    pub requests_in_flight: u32,
    /// The consumer's configuration (for views that show it as client code).
    pub config: ConsumerConfig,
}

fn partition_view(consumer: &Consumer, tp: &TopicPartition, s: &PartitionState) -> PartitionView {
    let status = match &s.phase {
        Phase::AwaitingCommitted => "awaiting_committed_offset".to_string(),
        Phase::AwaitingReset { .. } => "awaiting_reset".to_string(),
        Phase::Fetching => "fetching".to_string(),
        Phase::Failed(e) => format!("failed: {e}"),
    };
    let readable_end = s.readable_end(consumer.config.isolation_level);
    PartitionView {
        tp: tp.clone(),
        leader: consumer.metadata.leader(tp).and_then(|l| l.leader),
        status,
        position: s.position,
        committed: s.committed,
        log_end_offset: s.high_watermark,
        high_watermark: s.high_watermark,
        last_stable_offset: s.last_stable_offset,
        log_start_offset: s.log_start_offset,
        lag: s.high_watermark.zip(s.committed).map(|(end, c)| (end - c).max(0)),
        records_lag: readable_end.zip(s.position).map(|(end, p)| (end - p).max(0)),
        stored_offset: s.stored_offset,
        buffered_records: s.buffered_records(),
        records_fetched: s.records_fetched,
        last_error: s.last_error,
    }
}

impl Consumer {
    pub fn state(&self) -> ConsumerState {
        match &self.lifecycle {
            Lifecycle::Closing { .. } => return ConsumerState::Closing,
            Lifecycle::Closed => return ConsumerState::Closed,
            Lifecycle::Crashed => return ConsumerState::Crashed,
            Lifecycle::Failed(_) => return ConsumerState::Failed,
            Lifecycle::Running => {}
        }
        match &self.group {
            Some(g) if g.is_managed() => match g.state {
                MemberState::Unjoined | MemberState::PreparingJoin { .. } | MemberState::Joining => {
                    ConsumerState::Joining
                }
                MemberState::Syncing => ConsumerState::Syncing,
                MemberState::Stable if g.owned.is_empty() => ConsumerState::Idle,
                MemberState::Stable => ConsumerState::Stable,
            },
            _ => ConsumerState::Assigned,
        }
    }

    pub fn snapshot(&self) -> ConsumerSnapshot {
        let partitions: Vec<PartitionView> =
            self.fetcher.partitions.iter().map(|(tp, s)| partition_view(self, tp, s)).collect();
        let records_lag_max = partitions.iter().filter_map(|p| p.records_lag).max();
        let managed = self.group.as_ref().filter(|g| g.is_managed());
        let processing_state = match self.app_loop.state {
            AppState::Polling => "polling",
            AppState::Processing => "processing",
            AppState::CommittingBefore { .. } => "committing_before_processing",
            AppState::CommittingAfter { .. } => "committing_after_processing",
            AppState::Stopped => "stopped",
        };
        ConsumerSnapshot {
            id: self.id,
            name: self.name.clone(),
            group: self.config.group_id.clone(),
            group_instance_id: self.config.group_instance_id.clone(),
            member_id: managed.map(|g| g.member_id.clone()).filter(|m| !m.is_empty()),
            generation: managed.map(|g| g.generation).filter(|g| *g >= 0),
            coordinator: self.group.as_ref().and_then(|g| g.coordinator),
            is_leader: managed.is_some_and(|g| g.is_leader()),
            state: self.state(),
            subscription: self.app.subscription.clone(),
            rebalance_protocol: managed.map(|g| g.protocol),
            assignor: managed.and_then(|g| g.assignor).map(|a| a.protocol_name().to_string()),
            commit_mode: self.app.commit_mode,
            auto_commit: self.auto_commit_enabled(),
            assignment: self.fetcher.assigned(),
            partitions,
            processing: ProcessingView {
                state: processing_state.to_string(),
                current: self.app_loop.current.as_ref().map(|(tp, offset, done_at)| RecordInProgress {
                    tp: tp.clone(),
                    offset: *offset,
                    done_at: *done_at,
                }),
                remaining_in_batch: self.app_loop.remaining_in_batch(),
                buffered_records: self.fetcher.buffered_records(),
                processing_ms_per_record: self.app.processing_ms_per_record,
            },
            counters: ConsumerCounters {
                records_fetched: self.counters.records_fetched,
                records_processed: self.counters.records_processed,
                polls: self.counters.polls,
                commits: self.counters.commits,
                commit_failures: self.counters.commit_failures,
                rebalances: self.counters.rebalances,
            },
            records_lag_max,
            requests_in_flight: self.requests.len(),
            config: self.config.clone(),
        }
    }
}
