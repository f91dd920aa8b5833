//! Consumer groups: membership, rebalances, committed offsets.

use serde::{Deserialize, Serialize};

use crate::engine::error::KafkaError;
use crate::engine::ids::{BrokerId, ClientId, TopicPartition};
use crate::engine::record::Offset;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum GroupEvent {
    /// `Empty`, `PreparingRebalance`, `CompletingRebalance`, `Stable`, `Dead`.
    GroupStateChanged {
        group: String,
        coordinator: BrokerId,
        from: String,
        to: String,
    },
    MemberJoined {
        group: String,
        member_id: String,
        client: Option<ClientId>,
    },
    /// Left (LeaveGroup), expired (session timeout) or removed (max.poll.interval.ms).
    MemberLeft {
        group: String,
        member_id: String,
        reason: String,
    },
    /// A rebalance completed: the new generation's assignment.
    Rebalance {
        group: String,
        generation: i32,
        protocol: String,
        leader: String,
        members: u32,
    },
    AssignmentReceived {
        group: String,
        client: ClientId,
        generation: i32,
        partitions: Vec<TopicPartition>,
    },
    PartitionsRevoked {
        group: String,
        client: ClientId,
        partitions: Vec<TopicPartition>,
    },
    OffsetCommitted {
        group: String,
        tp: TopicPartition,
        offset: Offset,
        client: Option<ClientId>,
    },
    CommitFailed {
        group: String,
        client: ClientId,
        error: KafkaError,
    },
    CoordinatorMoved {
        group: String,
        coordinator: Option<BrokerId>,
    },
    /// The group leader (a consumer) ran the assignor on the members of the
    /// JoinGroup response; it sends these assignments in SyncGroup.
    AssignmentComputed {
        group: String,
        client: ClientId,
        generation: i32,
        protocol: String,
        assignments: Vec<(String, Vec<TopicPartition>)>,
    },
    /// The member lost its partitions without revoking them (its generation
    /// was fenced, or it left after `max.poll.interval.ms`): no commit.
    PartitionsLost {
        group: String,
        client: ClientId,
        partitions: Vec<TopicPartition>,
    },
    /// The coordinator starts a rebalance of generation `generation` (the
    /// current one; the next is `generation + 1`), and why: a member joined,
    /// left, was expired, or changed its subscription.
    RebalanceTriggered {
        group: String,
        generation: i32,
        reason: String,
    },
}
