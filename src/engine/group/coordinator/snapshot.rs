//! What the UI and tests see of the groups a coordinator holds.

use serde::{Deserialize, Serialize};

use super::group::{Group, GroupState};
use crate::engine::ids::{BrokerId, ClientId, PartitionId, TopicPartition};
use crate::engine::record::Offset;
use crate::engine::time::Millis;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupSnapshot {
    pub group_id: String,
    /// The broker coordinating the group (this one).
    pub coordinator: BrokerId,
    /// The group's partition of `__consumer_offsets`.
    pub offsets_partition: PartitionId,
    pub state: GroupState,
    /// When the group entered `state`.
    pub state_since_ms: Millis,
    pub generation: i32,
    /// `consumer` for consumer groups; none before the first member joined.
    pub protocol_type: Option<String>,
    /// The assignor of the current generation.
    pub protocol: Option<String>,
    pub leader: Option<String>,
    /// In join order.
    pub members: Vec<MemberSnapshot>,
    /// Member ids handed out with MEMBER_ID_REQUIRED that have not joined yet.
    pub pending_members: Vec<String>,
    /// By partition.
    pub offsets: Vec<CommittedOffsetSnapshot>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberSnapshot {
    pub member_id: String,
    /// The consumer's `client.id`.
    pub client_id: String,
    /// The simulated client, once it has talked to this coordinator.
    pub client: Option<ClientId>,
    /// `group.instance.id` of a static member.
    pub group_instance_id: Option<String>,
    pub session_timeout_ms: Millis,
    /// The member's `max.poll.interval.ms`.
    pub rebalance_timeout_ms: Millis,
    /// Assignors it supports, in its order of preference.
    pub protocols: Vec<String>,
    /// Topics it subscribes to (its metadata for the group's protocol, or its first).
    pub topics: Vec<String>,
    /// Partitions it reported owning when it last joined (cooperative rebalancing).
    pub owned_partitions: Vec<TopicPartition>,
    /// Its share of the current generation's assignment.
    pub assignment: Vec<TopicPartition>,
    pub last_heartbeat_ms: Millis,
    /// When its session expires without another heartbeat (ignored while it
    /// waits in JoinGroup or SyncGroup).
    pub session_deadline_ms: Millis,
    /// Parked in JoinGroup.
    pub awaiting_join: bool,
    /// Parked in SyncGroup.
    pub awaiting_sync: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommittedOffsetSnapshot {
    pub tp: TopicPartition,
    pub offset: Offset,
    pub commit_timestamp_ms: Millis,
    pub metadata: String,
}

pub(super) fn group_snapshot(coordinator: BrokerId, group: &Group) -> GroupSnapshot {
    GroupSnapshot {
        group_id: group.id.clone(),
        coordinator,
        offsets_partition: group.partition,
        state: group.state,
        state_since_ms: group.state_since_ms,
        generation: group.generation,
        protocol_type: group.protocol_type.clone(),
        protocol: group.protocol.clone(),
        leader: group.leader.clone(),
        members: group
            .members
            .iter()
            .map(|m| {
                let subscription = group
                    .protocol
                    .as_deref()
                    .and_then(|p| m.metadata(p))
                    .or_else(|| m.protocols.first().map(|p| &p.metadata));
                MemberSnapshot {
                    member_id: m.member_id.clone(),
                    client_id: m.client_id.clone(),
                    client: m.client,
                    group_instance_id: m.group_instance_id.clone(),
                    session_timeout_ms: m.session_timeout_ms,
                    rebalance_timeout_ms: m.rebalance_timeout_ms,
                    protocols: m.protocols.iter().map(|p| p.name.clone()).collect(),
                    topics: subscription.map(|s| s.topics.clone()).unwrap_or_default(),
                    owned_partitions: subscription.map(|s| s.owned_partitions.clone()).unwrap_or_default(),
                    assignment: m.assignment.clone(),
                    last_heartbeat_ms: m.last_heartbeat_ms,
                    session_deadline_ms: m.session_deadline_ms,
                    awaiting_join: m.awaiting_join.is_some(),
                    awaiting_sync: m.awaiting_sync.is_some(),
                }
            })
            .collect(),
        pending_members: group.pending_members.keys().cloned().collect(),
        offsets: group
            .offsets
            .iter()
            .map(|(tp, c)| CommittedOffsetSnapshot {
                tp: tp.clone(),
                offset: c.offset,
                commit_timestamp_ms: c.commit_timestamp,
                metadata: c.metadata.clone(),
            })
            .collect(),
    }
}
