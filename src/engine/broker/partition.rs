//! One partition replica on this broker (Kafka's `Partition`): its log, its
//! role (leader, follower, or offline until the first metadata image of this
//! process life), its leader epoch, the high watermark and the last stable
//! offset, and — while leading — the followers' states and ISR proposals.
//!
//! Every method keeps `log_start <= high watermark <= log end` (asserted
//! after each change) and emits the events a learner should see.

use serde::{Deserialize, Serialize};

use super::isr::{LeaderState, PendingIsr};
use super::outbox::{is_coordinator_topic, CoordinatorNotice, Outbox};
use crate::engine::config::TopicConfig;
use crate::engine::error::KafkaError;
use crate::engine::event::log::LostRecord;
use crate::engine::event::{LogEvent, ReplicationEvent};
use crate::engine::ids::{BrokerId, TopicPartition};
use crate::engine::log::{AppendInfo, DeletedSegment, PartitionLog, RemovalReason, RetentionReason, TruncatedRecord};
use crate::engine::node::Ctx;
use crate::engine::protocol::{AlterPartitionResponse, EpochEndOffset, MetadataImage, PartitionImage};
use crate::engine::record::{Offset, RecordBatch};
use crate::engine::time::Millis;

/// A replica's role on this broker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// Not serving: the broker restarted and has not applied a metadata
    /// image since. The log is there; nothing is served from it.
    Offline,
    Follower,
    Leader(LeaderState),
}

/// The role as snapshots and events name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleName {
    Leader,
    Follower,
    Offline,
}

/// What applying a metadata image did to a replica.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Unchanged,
    BecameLeader,
    BecameFollower,
    /// Same leader epoch, new partition epoch (ISR or replicas changed).
    Updated,
}

pub struct Partition {
    pub tp: TopicPartition,
    broker: BrokerId,
    pub log: PartitionLog,
    /// `__consumer_offsets` / `__transaction_state`: a coordinator follows its leadership.
    is_coordinator_partition: bool,
    role: Role,
    pub leader: Option<BrokerId>,
    pub leader_epoch: i32,
    pub partition_epoch: i32,
    pub replicas: Vec<BrokerId>,
    /// The committed ISR (from the image or an AlterPartition response).
    pub isr: Vec<BrokerId>,
    /// Survives a crash, as Kafka's `replication-offset-checkpoint` does.
    high_watermark: Offset,
    last_stable_offset: Offset,
    /// The last stable offset was below the high watermark at the last refresh.
    lso_held: bool,
}

impl Partition {
    pub fn new(broker: BrokerId, tp: TopicPartition, config: TopicConfig, now: Millis) -> Self {
        let is_coordinator_partition = is_coordinator_topic(&tp.topic);
        Partition {
            tp,
            broker,
            log: PartitionLog::new(config, now),
            is_coordinator_partition,
            role: Role::Offline,
            leader: None,
            leader_epoch: -1,
            partition_epoch: -1,
            replicas: Vec::new(),
            isr: Vec::new(),
            high_watermark: 0,
            last_stable_offset: 0,
            lso_held: false,
        }
    }

    pub fn high_watermark(&self) -> Offset {
        self.high_watermark
    }

    /// Read_committed consumers read below this.
    pub fn last_stable_offset(&self) -> Offset {
        self.last_stable_offset
    }

    pub fn log_end_offset(&self) -> Offset {
        self.log.log_end_offset()
    }

    pub fn is_leader(&self) -> bool {
        matches!(self.role, Role::Leader(_))
    }

    pub fn is_follower(&self) -> bool {
        matches!(self.role, Role::Follower)
    }

    pub fn leader_state(&self) -> Option<&LeaderState> {
        match &self.role {
            Role::Leader(state) => Some(state),
            _ => None,
        }
    }

    pub fn role_name(&self) -> RoleName {
        match self.role {
            Role::Leader(_) => RoleName::Leader,
            Role::Follower => RoleName::Follower,
            Role::Offline => RoleName::Offline,
        }
    }

    /// `min.insync.replicas` of the topic.
    pub fn min_insync_replicas(&self) -> i32 {
        self.log.config().min_insync_replicas
    }

    /// The process died: the log and the high watermark checkpoint stay,
    /// the role and everything the leader tracked go.
    pub fn crash(&mut self) {
        self.role = Role::Offline;
    }

    // ----- metadata -----------------------------------------------------

    /// Applies this partition's entry of a new metadata image (Kafka's
    /// `makeLeader` / `makeFollower`): a newer leader epoch (or the first
    /// image of this process life) changes the role; the same epoch with a
    /// newer partition epoch updates the ISR and replicas.
    pub fn apply_image(
        &mut self,
        ctx: &mut Ctx,
        config: &TopicConfig,
        p: &PartitionImage,
        out: &mut Outbox,
    ) -> Transition {
        if self.log.config() != config {
            self.log.update_config(config.clone());
        }
        let fresh = matches!(self.role, Role::Offline);
        if fresh || p.leader_epoch > self.leader_epoch {
            self.leader = p.leader;
            self.leader_epoch = p.leader_epoch;
            self.partition_epoch = p.partition_epoch;
            self.replicas = p.replicas.clone();
            self.isr = p.isr.clone();
            if p.leader == Some(self.broker) {
                self.make_leader(ctx, out);
                Transition::BecameLeader
            } else {
                self.make_follower(ctx, out);
                Transition::BecameFollower
            }
        } else if p.leader_epoch == self.leader_epoch && p.partition_epoch > self.partition_epoch {
            self.replicas = p.replicas.clone();
            if let Role::Leader(state) = &mut self.role {
                state.sync_replicas(self.broker, &p.replicas);
            }
            self.commit_isr(ctx, p.isr.clone(), p.partition_epoch, out);
            Transition::Updated
        } else {
            Transition::Unchanged
        }
    }

    fn make_leader(&mut self, ctx: &mut Ctx, out: &mut Outbox) {
        let was_leader = self.is_leader();
        let leo = self.log.log_end_offset();
        self.log.maybe_assign_epoch_start_offset(self.leader_epoch, leo);
        self.role = Role::Leader(LeaderState::new(self.broker, &self.replicas, &self.isr, leo, ctx.now));
        ctx.emit(ReplicationEvent::BecameLeader { tp: self.tp.clone(), broker: self.broker, epoch: self.leader_epoch });
        out.touch(&self.tp);
        if self.is_coordinator_partition && !was_leader {
            out.notify(CoordinatorNotice::BecameLeader(self.tp.clone()));
        }
        self.maybe_increment_high_watermark(ctx, out);
        self.refresh_last_stable_offset(ctx);
    }

    fn make_follower(&mut self, ctx: &mut Ctx, out: &mut Outbox) {
        if self.is_leader() && self.is_coordinator_partition {
            out.notify(CoordinatorNotice::Resigned(self.tp.clone()));
        }
        self.role = Role::Follower;
        ctx.emit(ReplicationEvent::BecameFollower {
            tp: self.tp.clone(),
            broker: self.broker,
            leader: self.leader,
            epoch: self.leader_epoch,
        });
        out.touch(&self.tp);
    }

    /// The replica is being deleted (topic deleted or replica moved away).
    pub fn delete(&mut self, ctx: &mut Ctx, out: &mut Outbox) {
        if self.is_leader() && self.is_coordinator_partition {
            out.notify(CoordinatorNotice::Resigned(self.tp.clone()));
        }
        self.role = Role::Offline;
        out.touch(&self.tp);
        ctx.emit(ReplicationEvent::ReplicaDeleted { tp: self.tp.clone(), broker: self.broker });
    }

    // ----- high watermark and last stable offset -------------------------

    /// Leader: the high watermark moves up to the smallest log end offset
    /// of the maximal ISR (it never moves down on a leader).
    pub fn maybe_increment_high_watermark(&mut self, ctx: &mut Ctx, out: &mut Outbox) -> bool {
        let Role::Leader(state) = &self.role else {
            return false;
        };
        let bound = state.high_watermark_bound(&self.isr, self.log.log_end_offset());
        if bound <= self.high_watermark {
            return false;
        }
        self.set_high_watermark(ctx, bound);
        out.touch(&self.tp);
        if self.is_coordinator_partition {
            out.notify(CoordinatorNotice::HighWatermark(self.tp.clone(), bound));
        }
        true
    }

    fn set_high_watermark(&mut self, ctx: &mut Ctx, hw: Offset) {
        if hw == self.high_watermark {
            return;
        }
        if hw > self.high_watermark {
            self.log.on_high_watermark(hw);
        }
        self.high_watermark = hw;
        ctx.emit(ReplicationEvent::HwAdvanced { tp: self.tp.clone(), broker: self.broker, high_watermark: hw });
        self.refresh_last_stable_offset(ctx);
        self.check_invariants();
    }

    /// Recomputes the last stable offset. Without transactions it is the
    /// high watermark and `HwAdvanced` says it all; `LsoAdvanced` is emitted
    /// when a transaction starts holding it below the high watermark, while
    /// it moves so held, and when it is released.
    pub fn refresh_last_stable_offset(&mut self, ctx: &mut Ctx) {
        let lso = self.log.last_stable_offset(self.high_watermark).min(self.high_watermark);
        let held = lso < self.high_watermark;
        let moved = lso != self.last_stable_offset;
        if (moved && (held || self.lso_held)) || held != self.lso_held {
            ctx.emit(ReplicationEvent::LsoAdvanced {
                tp: self.tp.clone(),
                broker: self.broker,
                last_stable_offset: lso,
            });
        }
        self.last_stable_offset = lso;
        self.lso_held = held;
    }

    // ----- leader: appends --------------------------------------------------

    /// Appends a producer's batch as leader (the caller checked leadership
    /// and `min.insync.replicas`), emits what happened, and moves the high
    /// watermark when the ISR is only this broker.
    pub fn append_as_leader(
        &mut self,
        ctx: &mut Ctx,
        batch: RecordBatch,
        out: &mut Outbox,
    ) -> Result<AppendInfo, KafkaError> {
        assert!(self.is_leader(), "append_as_leader on a replica that does not lead");
        let (producer_id, producer_epoch, base_sequence) =
            (batch.producer_id, batch.producer_epoch, batch.base_sequence);
        let info = self.log.append_as_leader(batch, self.leader_epoch, ctx.now)?;
        if info.duplicate {
            ctx.emit(LogEvent::DuplicateBatch {
                tp: self.tp.clone(),
                broker: self.broker,
                producer_id,
                producer_epoch,
                base_sequence,
                base_offset: info.base_offset,
                last_offset: info.last_offset,
            });
        } else {
            self.after_leader_append(ctx, &info, producer_id, out);
        }
        Ok(info)
    }

    /// Writes a transaction marker as leader (WriteTxnMarkers).
    pub fn append_marker(
        &mut self,
        ctx: &mut Ctx,
        producer_id: crate::engine::record::ProducerId,
        producer_epoch: crate::engine::record::ProducerEpoch,
        marker: crate::engine::record::ControlType,
        coordinator_epoch: i32,
        out: &mut Outbox,
    ) -> Result<AppendInfo, KafkaError> {
        assert!(self.is_leader(), "append_marker on a replica that does not lead");
        let info = self.log.append_control_marker(
            producer_id,
            producer_epoch,
            marker,
            coordinator_epoch,
            self.leader_epoch,
            ctx.now,
        )?;
        self.after_leader_append(ctx, &info, producer_id, out);
        Ok(info)
    }

    fn after_leader_append(
        &mut self,
        ctx: &mut Ctx,
        info: &AppendInfo,
        producer_id: crate::engine::record::ProducerId,
        out: &mut Outbox,
    ) {
        if let Some(base_offset) = info.rolled_segment {
            ctx.emit(LogEvent::SegmentRolled { tp: self.tp.clone(), broker: self.broker, base_offset });
        }
        ctx.emit(LogEvent::RecordsAppended {
            tp: self.tp.clone(),
            broker: self.broker,
            base_offset: info.base_offset,
            last_offset: info.last_offset,
            count: info.record_count,
            bytes: info.size_bytes,
            producer_id,
            leader_epoch: self.leader_epoch,
            is_leader: true,
        });
        out.touch(&self.tp);
        if !self.maybe_increment_high_watermark(ctx, out) && info.completed_txn.is_some() {
            self.refresh_last_stable_offset(ctx);
        }
    }

    // ----- leader: followers and the ISR ----------------------------------

    /// KIP-595 on the leader: the follower's last fetched epoch must end at
    /// or after its fetch offset in this log; otherwise the answer is where
    /// that epoch ends here, and the follower truncates to it.
    pub fn diverging_epoch(
        &self,
        last_fetched_epoch: i32,
        fetch_offset: Offset,
    ) -> Result<Option<EpochEndOffset>, KafkaError> {
        if last_fetched_epoch < 0 {
            return Ok(None);
        }
        match self.log.end_offset_for_epoch(last_fetched_epoch) {
            // Kafka: "Could not determine the end offset of the last fetched epoch".
            None => Err(KafkaError::OffsetOutOfRange),
            Some((epoch, end_offset)) if epoch < last_fetched_epoch || end_offset < fetch_offset => {
                Ok(Some(EpochEndOffset { epoch, end_offset }))
            }
            Some(_) => Ok(None),
        }
    }

    /// A follower fetched at `fetch_offset`: track it, move the high
    /// watermark. Returns an ISR expansion to propose, if the follower now
    /// qualifies. `NOT_LEADER_OR_FOLLOWER` if it is not a replica.
    pub fn record_follower_fetch(
        &mut self,
        ctx: &mut Ctx,
        image: &MetadataImage,
        follower: BrokerId,
        fetch_offset: Offset,
        follower_log_start: Offset,
        out: &mut Outbox,
    ) -> Result<Option<Vec<BrokerId>>, KafkaError> {
        let leo = self.log.log_end_offset();
        let Role::Leader(state) = &mut self.role else {
            return Err(KafkaError::NotLeaderOrFollower);
        };
        if !state.update_follower(follower, fetch_offset, follower_log_start, leo, ctx.now) {
            return Err(KafkaError::NotLeaderOrFollower);
        }
        let expansion = state.expansion(&self.isr, follower, self.high_watermark, image);
        self.maybe_increment_high_watermark(ctx, out);
        Ok(expansion)
    }

    /// ISR followers that fell behind for longer than `max_lag_ms`, and the
    /// ISR without them.
    pub fn shrink_proposal(&self, now: Millis, max_lag_ms: Millis) -> Option<(Vec<BrokerId>, Vec<BrokerId>)> {
        let state = self.leader_state()?;
        let out_of_sync = state.out_of_sync(&self.isr, self.log.log_end_offset(), now, max_lag_ms);
        if out_of_sync.is_empty() {
            return None;
        }
        let proposed = self.isr.iter().filter(|b| !out_of_sync.contains(b)).copied().collect();
        Some((proposed, out_of_sync))
    }

    /// An AlterPartition for `proposed` is on its way to the controller.
    pub fn set_pending_isr(&mut self, proposed: Vec<BrokerId>, correlation_id: i32) {
        if let Role::Leader(state) = &mut self.role {
            assert!(state.pending.is_none(), "one ISR change at a time");
            state.pending = Some(PendingIsr { proposed, correlation_id });
        }
    }

    /// The pending change got no answer in time: forget it, so the next
    /// check may propose again (the image will tell if it was applied).
    pub fn abandon_pending_isr(&mut self, ctx: &mut Ctx, correlation_id: i32) {
        if let Role::Leader(state) = &mut self.role {
            if state.pending.as_ref().is_some_and(|p| p.correlation_id == correlation_id) {
                state.pending = None;
                ctx.emit(ReplicationEvent::IsrChangeFailed {
                    tp: self.tp.clone(),
                    leader: self.broker,
                    error: Some(KafkaError::RequestTimedOut),
                });
            }
        }
    }

    /// The controller answered an AlterPartition (Kafka's
    /// `handleAlterPartitionUpdate`): on success with a newer partition
    /// epoch the new ISR is committed; on error the proposal is dropped and
    /// the next metadata image tells the truth.
    pub fn on_alter_partition_response(
        &mut self,
        ctx: &mut Ctx,
        correlation_id: i32,
        response: &AlterPartitionResponse,
        out: &mut Outbox,
    ) {
        let Role::Leader(state) = &mut self.role else {
            return;
        };
        let ours = state.pending.as_ref().is_some_and(|p| p.correlation_id == correlation_id);
        if response.error.is_some() || response.leader_epoch != self.leader_epoch {
            if ours {
                state.pending = None;
                ctx.emit(ReplicationEvent::IsrChangeFailed {
                    tp: self.tp.clone(),
                    leader: self.broker,
                    error: response.error,
                });
            }
            return;
        }
        if response.partition_epoch > self.partition_epoch {
            self.commit_isr(ctx, response.isr.clone(), response.partition_epoch, out);
        } else if ours {
            state.pending = None;
        }
    }

    /// A new committed ISR: any pending proposal is settled by it, and the
    /// high watermark is recomputed over it. The controller reports the
    /// change (`IsrShrunk` / `IsrExpanded` when it applies an AlterPartition,
    /// `RemovedFromIsr` when it fences a broker), so the leader does not.
    fn commit_isr(&mut self, ctx: &mut Ctx, isr: Vec<BrokerId>, partition_epoch: i32, out: &mut Outbox) {
        self.isr = isr;
        self.partition_epoch = partition_epoch;
        if let Role::Leader(state) = &mut self.role {
            state.pending = None;
            out.touch(&self.tp);
            self.maybe_increment_high_watermark(ctx, out);
        }
    }

    // ----- follower --------------------------------------------------------

    /// Appends batches fetched from the leader, then takes the leader's high
    /// watermark (bounded by this log's end) and log start offset.
    pub fn append_fetched(
        &mut self,
        ctx: &mut Ctx,
        batches: &[RecordBatch],
        leader_high_watermark: Offset,
        leader_log_start: Offset,
    ) {
        for batch in batches {
            let leo = self.log.log_end_offset();
            if batch.next_offset() <= leo {
                continue; // already here (a read returns whole batches)
            }
            if batch.base_offset < leo {
                // The leader's log start (DeleteRecords) fell inside this
                // batch and this log was restarted there: restart it at the
                // batch's base instead, as Kafka does on the first append.
                assert_eq!(leo, self.log.log_start_offset(), "a fetched batch overlaps records this follower holds");
                let dropped = self.log.truncate_fully_and_start_at(batch.base_offset);
                assert!(dropped.is_empty(), "restarting an empty log drops nothing");
            }
            let info = self.log.append_as_follower(batch.clone(), ctx.now);
            if let Some(base_offset) = info.rolled_segment {
                ctx.emit(LogEvent::SegmentRolled { tp: self.tp.clone(), broker: self.broker, base_offset });
            }
            ctx.emit(LogEvent::RecordsAppended {
                tp: self.tp.clone(),
                broker: self.broker,
                base_offset: info.base_offset,
                last_offset: info.last_offset,
                count: info.record_count,
                bytes: info.size_bytes,
                producer_id: batch.producer_id,
                leader_epoch: batch.partition_leader_epoch,
                is_leader: false,
            });
        }
        self.update_follower_high_watermark(ctx, leader_high_watermark);
        if leader_log_start > self.log.log_start_offset() && leader_log_start <= self.high_watermark {
            let before = self.log.log_start_offset();
            if let Ok(deleted) = self.log.delete_records(leader_log_start) {
                self.after_log_start_moved(ctx, before, &deleted, "leader log start offset");
            }
        }
        self.check_invariants();
    }

    /// A follower's high watermark is the leader's, bounded by its own log
    /// end (Kafka's `updateHighWatermark`): it can move back after a leader
    /// change.
    fn update_follower_high_watermark(&mut self, ctx: &mut Ctx, leader_high_watermark: Offset) {
        let hw = leader_high_watermark.min(self.log.log_end_offset()).max(self.log.log_start_offset());
        self.set_high_watermark(ctx, hw);
    }

    /// KIP-595 on the follower (`getOffsetTruncationState`): where to cut
    /// after the leader said its log diverges at `diverging`.
    pub fn truncation_offset(&self, diverging: EpochEndOffset) -> Offset {
        let leo = self.log.log_end_offset();
        match self.log.end_offset_for_epoch(diverging.epoch) {
            // This log does not know the leader's epoch: cut to where its
            // own previous epoch ends, and ask again.
            Some((epoch, end)) if epoch != diverging.epoch => end.min(leo),
            Some((_, end)) => end.min(diverging.end_offset).min(leo),
            None => diverging.end_offset.min(leo),
        }
    }

    /// Removes every record at or after `offset` and reports the data
    /// records that are gone (`LogTruncated`): where acks=1 loses data.
    pub fn truncate_to(&mut self, ctx: &mut Ctx, offset: Offset) {
        let removed = self.log.truncate_to(offset);
        if removed.is_empty() {
            return;
        }
        let truncated_to = self.log.log_end_offset();
        ctx.emit(LogEvent::LogTruncated {
            tp: self.tp.clone(),
            broker: self.broker,
            truncated_to,
            lost: lost_records(&removed),
        });
        if self.high_watermark > truncated_to {
            self.set_high_watermark(ctx, truncated_to);
        }
        self.refresh_last_stable_offset(ctx);
        self.check_invariants();
    }

    /// The leader answered OFFSET_OUT_OF_RANGE to this follower (Kafka's
    /// `handleOffsetOutOfRange`): behind the leader's log start, restart
    /// the log there; ahead of the leader (possible only without epoch
    /// information), cut back to the leader's high watermark — a lower
    /// bound of its log end, so records between the two are refetched.
    pub fn reset_out_of_range(&mut self, ctx: &mut Ctx, leader_log_start: Offset, leader_high_watermark: Offset) {
        let leo = self.log.log_end_offset();
        if leo < leader_log_start {
            let removed = self.log.truncate_fully_and_start_at(leader_log_start);
            ctx.emit(LogEvent::LogReset {
                tp: self.tp.clone(),
                broker: self.broker,
                log_start_offset: leader_log_start,
                removed_records: removed.len() as u32,
            });
            self.high_watermark = leader_log_start;
            self.last_stable_offset = leader_log_start;
            self.lso_held = false;
            ctx.emit(ReplicationEvent::HwAdvanced {
                tp: self.tp.clone(),
                broker: self.broker,
                high_watermark: leader_log_start,
            });
        } else if leader_high_watermark >= 0 && leo > leader_high_watermark {
            self.truncate_to(ctx, leader_high_watermark);
        }
        self.check_invariants();
    }

    // ----- retention, compaction, DeleteRecords -----------------------------

    /// `log.retention.check.interval.ms`: roll an expired active segment,
    /// then delete what `retention.ms` / `retention.bytes` allow.
    pub fn run_retention(&mut self, ctx: &mut Ctx) {
        if let Some(base_offset) = self.log.maybe_roll(ctx.now) {
            ctx.emit(LogEvent::SegmentRolled { tp: self.tp.clone(), broker: self.broker, base_offset });
        }
        let before = self.log.log_start_offset();
        let deleted = self.log.apply_retention(ctx.now, self.high_watermark);
        self.after_log_start_moved(ctx, before, &deleted, "");
        self.check_invariants();
    }

    /// `log.cleaner.backoff.ms`: compact when the topic compacts and the
    /// dirty ratio allows.
    pub fn run_cleaner(&mut self, ctx: &mut Ctx) {
        if !self.log.config().cleanup_policy.compacts() {
            return;
        }
        let result = self.log.compact(ctx.now, Some(self.high_watermark));
        if result.ran {
            let tombstones = result.removed.iter().filter(|r| r.reason == RemovalReason::Tombstone).count() as u32;
            ctx.emit(LogEvent::LogCompacted {
                tp: self.tp.clone(),
                broker: self.broker,
                removed_records: result.removed.len() as u32 - tombstones,
                removed_tombstones: tombstones,
            });
        }
        self.check_invariants();
    }

    /// DeleteRecords on the leader: `offset` -1 means the high watermark;
    /// beyond the high watermark is `OFFSET_OUT_OF_RANGE` (Kafka's
    /// `deleteRecordsOnLeader`). Returns the new log start offset.
    pub fn delete_records(&mut self, ctx: &mut Ctx, offset: Offset) -> Result<Offset, KafkaError> {
        let target = if offset == -1 { self.high_watermark } else { offset };
        if target < 0 || target > self.high_watermark {
            return Err(KafkaError::OffsetOutOfRange);
        }
        let before = self.log.log_start_offset();
        let deleted = self.log.delete_records(target)?;
        self.after_log_start_moved(ctx, before, &deleted, "DeleteRecords");
        self.refresh_last_stable_offset(ctx);
        self.check_invariants();
        Ok(self.log.log_start_offset())
    }

    fn after_log_start_moved(&mut self, ctx: &mut Ctx, before: Offset, deleted: &[DeletedSegment], why: &str) {
        for segment in deleted {
            let reason = match segment.reason {
                RetentionReason::RetentionMs => "retention.ms",
                RetentionReason::RetentionBytes => "retention.bytes",
                RetentionReason::LogStartOffset if !why.is_empty() => why,
                RetentionReason::LogStartOffset => "log start offset",
            };
            ctx.emit(LogEvent::SegmentDeleted {
                tp: self.tp.clone(),
                broker: self.broker,
                base_offset: segment.base_offset,
                next_offset: segment.next_offset,
                records: segment.record_count as u32,
                reason: reason.to_string(),
            });
        }
        let after = self.log.log_start_offset();
        if after > before {
            ctx.emit(LogEvent::LogStartOffsetAdvanced {
                tp: self.tp.clone(),
                broker: self.broker,
                log_start_offset: after,
            });
        }
    }

    /// `log_start <= high watermark <= last stable... <= log end`.
    pub fn check_invariants(&self) {
        let (start, hw, leo) = (self.log.log_start_offset(), self.high_watermark, self.log.log_end_offset());
        assert!(start <= hw && hw <= leo, "{}: log start {start} <= hw {hw} <= leo {leo} violated", self.tp);
    }
}

/// The data records of a truncated suffix (transaction markers are not
/// records anyone produced, so they are not listed).
fn lost_records(removed: &[TruncatedRecord]) -> Vec<LostRecord> {
    removed
        .iter()
        .filter(|r| r.control.is_none())
        .map(|r| LostRecord {
            offset: r.offset,
            key: r.key.clone(),
            value: r.value.clone(),
            producer_id: r.producer_id,
        })
        .collect()
}
