//! Coordinator failover: when this broker becomes leader of a
//! `__consumer_offsets` partition it replays the partition (Kafka's
//! `GroupMetadataManager.doLoadGroupsAndOffsets`) — the latest record per
//! key wins, a tombstone deletes — and brings back every group on it.
//!
//! Groups come back as Kafka brings them back (`GroupMetadata.loadGroup`):
//! with their committed offsets, their last stored generation, protocol,
//! leader and members with their assignments, `Stable` if the generation had
//! members and `Empty` otherwise. Each restored member gets a fresh session:
//! its consumer, whose heartbeats to the old coordinator fail
//! (NOT_COORDINATOR, or a disconnect), finds the new coordinator and simply
//! keeps heartbeating in the same generation. A member whose consumer died
//! with the old coordinator expires after `session.timeout.ms` and the group
//! rebalances. Rebalances in flight are lost: members parked in JoinGroup or
//! SyncGroup get NOT_COORDINATOR from the old coordinator and start again.
//!
//! The host hands over the partition up to its high watermark. Records above
//! it were written by the previous leader but not yet known to be
//! replicated; the new leader's log is now the truth, so they will be
//! committed: they are replayed when the high watermark passes them
//! (Kafka's loader reads to the log end at once; the difference is a few
//! milliseconds of replication).

use super::group::{Group, GroupState, Member};
use super::group_record::{decode_group_value, GroupMetadataValue};
use super::offsets::{decode_key, decode_offset_value, CommittedOffset, OffsetsRecordKey};
use super::{offsets_tp, GroupCoordinator, OwnedPartition};
use crate::collections::VecMap;
use crate::engine::broker::host::CoordinatorHost;
use crate::engine::event::GroupEvent;
use crate::engine::ids::{PartitionId, TopicPartition};
use crate::engine::node::Ctx;
use crate::engine::protocol::group::JoinGroupProtocol;
use crate::engine::record::{ControlType, Offset, ProducerId, RecordBatch};

type OffsetDelta = (String, TopicPartition, Option<CommittedOffset>);

/// The latest state per key found in a range of the partition.
#[derive(Debug, Default)]
pub(super) struct Replay {
    /// `None` is a tombstone.
    offsets: VecMap<(String, TopicPartition), Option<CommittedOffset>>,
    groups: VecMap<String, Option<GroupMetadataValue>>,
    /// Transactional offset commits, applied at their commit marker.
    open_txns: VecMap<ProducerId, Vec<OffsetDelta>>,
}

impl Replay {
    /// Replays the records of `batch` with offsets in `[from, to)`.
    pub fn apply_batch(&mut self, batch: &RecordBatch, from: Offset, to: Offset) {
        let in_range = |offset: Offset| (from..to).contains(&offset);
        if let Some(marker) = batch.control {
            if batch.records.iter().any(|r| in_range(batch.offset_of(r))) {
                let deltas = self.open_txns.remove(&batch.producer_id).unwrap_or_default();
                if marker == ControlType::Commit {
                    for (group, tp, value) in deltas {
                        self.offsets.insert((group, tp), value);
                    }
                }
            }
            return;
        }
        for record in batch.records.iter().filter(|r| in_range(batch.offset_of(r))) {
            let Some(key) = record.key.as_ref().and_then(|k| decode_key(k.as_bytes())) else {
                continue; // Not a coordinator record: Kafka would fail the load; the model skips it.
            };
            let value = record.value.as_ref().map(|v| v.as_bytes());
            match key {
                OffsetsRecordKey::Offset { group, tp } => {
                    let Some(committed) = value.map(decode_offset_value) else {
                        self.offsets.insert((group, tp), None);
                        continue;
                    };
                    let Some(committed) = committed else { continue };
                    if batch.is_transactional {
                        self.open_txns.entry(batch.producer_id).or_default().push((group, tp, Some(committed)));
                    } else {
                        self.offsets.insert((group, tp), Some(committed));
                    }
                }
                OffsetsRecordKey::GroupMetadata { group } => match value {
                    None => {
                        self.groups.insert(group, None);
                    }
                    Some(bytes) => {
                        if let Some(decoded) = decode_group_value(bytes) {
                            self.groups.insert(group, Some(decoded));
                        }
                    }
                },
            }
        }
    }
}

/// The members of a stored generation, as a loaded group holds them.
fn restore_membership(group: &mut Group, value: GroupMetadataValue, ctx: &Ctx) {
    group.generation = value.generation;
    group.protocol_type = Some(value.protocol_type.clone()).filter(|t| !t.is_empty());
    group.protocol = value.protocol.clone();
    group.state_since_ms = if value.current_state_timestamp >= 0 { value.current_state_timestamp } else { ctx.now };
    group.members = value
        .members
        .into_iter()
        .map(|m| Member {
            member_id: m.member_id,
            group_instance_id: m.group_instance_id,
            client_id: m.client_id,
            client: None,
            client_host: m.client_host,
            session_timeout_ms: i64::from(m.session_timeout_ms),
            rebalance_timeout_ms: i64::from(m.rebalance_timeout_ms),
            protocol_type: value.protocol_type.clone(),
            // Kafka keeps only the chosen protocol's metadata.
            protocols: value
                .protocol
                .iter()
                .map(|name| JoinGroupProtocol { name: name.clone(), metadata: m.subscription.clone() })
                .collect(),
            assignment: m.assignment,
            awaiting_join: None,
            awaiting_sync: None,
            is_new: false,
            heartbeat_token: 0,
            last_heartbeat_ms: ctx.now,
            session_deadline_ms: ctx.now,
        })
        .collect();
    let leader_is_member = value.leader.as_deref().is_some_and(|l| group.has(l));
    group.leader = if leader_is_member { value.leader } else { group.members.first().map(|m| m.member_id.clone()) };
    let has_protocol = group.protocol.is_some();
    group.state = if group.members.is_empty() || !has_protocol { GroupState::Empty } else { GroupState::Stable };
    if group.state == GroupState::Empty {
        group.members.clear();
        group.leader = None;
    }
    group.pending_members.clear();
    group.pending_sync.clear();
    group.sync_token = None;
    group.join_delay = None;
    group.new_member_added = false;
}

impl GroupCoordinator {
    /// Replays `__consumer_offsets-<partition>` and takes over its groups.
    pub(super) fn load_partition(&mut self, ctx: &mut Ctx, host: &mut dyn CoordinatorHost, partition: PartitionId) {
        let batches = host.read_committed_batches(&offsets_tp(partition));
        let mut replay = Replay::default();
        let mut loaded_to = 0;
        for batch in &batches {
            replay.apply_batch(batch, Offset::MIN, Offset::MAX);
            loaded_to = loaded_to.max(batch.next_offset());
        }
        self.owned.insert(partition, OwnedPartition { loaded_to, own_from: None });
        self.apply_replay(ctx, partition, replay, false);
    }

    /// Replays records the previous leader wrote that have just become
    /// committed (between what was loaded and this coordinator's own writes).
    pub(super) fn catch_up_inherited(
        &mut self,
        ctx: &mut Ctx,
        host: &mut dyn CoordinatorHost,
        partition: PartitionId,
        hw: Offset,
    ) {
        let owned = self.owned.get(&partition).expect("only owned partitions catch up").clone();
        let end = owned.own_from.map_or(hw, |own| own.min(hw));
        if owned.loaded_to >= end {
            return;
        }
        let mut replay = Replay::default();
        for batch in host.read_committed_batches(&offsets_tp(partition)) {
            if batch.next_offset() > owned.loaded_to && batch.base_offset < end {
                replay.apply_batch(&batch, owned.loaded_to, end);
            }
        }
        self.owned.get_mut(&partition).expect("checked above").loaded_to = end;
        self.apply_replay(ctx, partition, replay, true);
    }

    /// Brings the replayed state into memory. On catch-up, a stored
    /// generation replaces a group only if the group has not moved on since
    /// the load (no rebalance started, no newer generation).
    fn apply_replay(&mut self, ctx: &mut Ctx, partition: PartitionId, replay: Replay, catch_up: bool) {
        let mut touched: VecMap<String, bool> = VecMap::new();
        for (group_id, value) in replay.groups {
            let existed = self.groups.contains_key(&group_id);
            let group =
                self.groups.entry(group_id.clone()).or_insert_with(|| Group::new(&group_id, partition, ctx.now));
            let quiet = matches!(group.state, GroupState::Empty | GroupState::Stable)
                && group.members.iter().all(|m| m.awaiting_join.is_none() && m.awaiting_sync.is_none())
                && group.pending_members.is_empty();
            match value {
                Some(value) if !catch_up || (quiet && value.generation > group.generation) => {
                    restore_membership(group, value, ctx)
                }
                None if !catch_up || (quiet && group.members.is_empty()) => {
                    restore_membership(group, GroupMetadataValue::empty(), ctx)
                }
                _ => {}
            }
            touched.insert(group_id, existed);
        }
        for ((group_id, tp), value) in replay.offsets {
            let existed = self.groups.contains_key(&group_id);
            let group =
                self.groups.entry(group_id.clone()).or_insert_with(|| Group::new(&group_id, partition, ctx.now));
            match value {
                Some(committed) => {
                    group.offsets.insert(tp, committed);
                }
                None => {
                    group.offsets.remove(&tp);
                }
            }
            touched.entry(group_id).or_insert(existed);
        }
        for (group_id, existed) in touched {
            let group = self.groups.get(&group_id).expect("touched groups exist");
            if group.members.is_empty() && group.offsets.is_empty() && group.generation == 0 && !existed {
                // Only tombstones: nothing to bring back.
                self.groups.remove(&group_id);
                continue;
            }
            if !existed {
                ctx.emit(GroupEvent::CoordinatorMoved { group: group_id.clone(), coordinator: Some(self.broker_id) });
            }
            let ids: Vec<String> = group.members.iter().map(|m| m.member_id.clone()).collect();
            let mut group = self.groups.remove(&group_id).expect("checked above");
            for member_id in ids {
                if group.member(&member_id).is_some_and(|m| m.heartbeat_token == 0) {
                    self.complete_and_schedule_next_heartbeat(ctx, &mut group, &member_id);
                }
            }
            #[cfg(test)]
            group.check_invariants();
            self.groups.insert(group_id, group);
        }
    }
}

impl GroupMetadataValue {
    /// A generation without members (what a group tombstone leaves).
    fn empty() -> Self {
        GroupMetadataValue {
            protocol_type: String::new(),
            generation: 0,
            protocol: None,
            leader: None,
            current_state_timestamp: -1,
            members: Vec::new(),
        }
    }
}
