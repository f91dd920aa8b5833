//! Group coordination (classic protocol) and offset commits:
//! FindCoordinator (10), JoinGroup (11), Heartbeat (12), LeaveGroup (13),
//! SyncGroup (14), OffsetCommit (8), OffsetFetch (9).

use serde::{Deserialize, Serialize};

use crate::engine::error::KafkaError;
use crate::engine::ids::{BrokerId, TopicPartition};
use crate::engine::record::Offset;
use crate::engine::time::Millis;

/// `FindCoordinator.key_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CoordinatorType {
    Group,
    Transaction,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindCoordinatorRequest {
    pub key: String,
    pub key_type: CoordinatorType,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindCoordinatorResponse {
    pub error: Option<KafkaError>,
    pub node_id: BrokerId,
}

/// What a consumer puts in JoinGroup's protocol metadata (ConsumerProtocolSubscription).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    pub topics: Vec<String>,
    /// Partitions the member owns now (cooperative protocol, and sticky assignors).
    pub owned_partitions: Vec<TopicPartition>,
    /// The generation in which the member got `owned_partitions`.
    pub generation_id: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JoinGroupProtocol {
    /// Assignor name: `range`, `roundrobin`, `sticky`, `cooperative-sticky`.
    pub name: String,
    pub metadata: Subscription,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JoinGroupRequest {
    pub group_id: String,
    /// The client's `client.id` (on the wire it is in the request header).
    /// The coordinator builds new member ids from it: `<client.id>-<uuid>`.
    #[serde(default)]
    pub client_id: String,
    pub session_timeout_ms: Millis,
    pub rebalance_timeout_ms: Millis,
    /// Empty on first join: the coordinator answers MEMBER_ID_REQUIRED with one (KIP-394).
    pub member_id: String,
    pub group_instance_id: Option<String>,
    /// Always "consumer" here.
    pub protocol_type: String,
    /// In the member's order of preference.
    pub protocols: Vec<JoinGroupProtocol>,
    /// Why the member (re)joins, shown in events (KIP-800).
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JoinGroupMember {
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub metadata: Subscription,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JoinGroupResponse {
    pub error: Option<KafkaError>,
    pub generation_id: i32,
    /// The chosen assignor.
    pub protocol_name: Option<String>,
    pub leader: String,
    pub member_id: String,
    /// Only the leader receives the members (it computes the assignment).
    pub members: Vec<JoinGroupMember>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncGroupAssignment {
    pub member_id: String,
    pub partitions: Vec<TopicPartition>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncGroupRequest {
    pub group_id: String,
    pub generation_id: i32,
    pub member_id: String,
    pub group_instance_id: Option<String>,
    /// Non-empty only from the leader.
    pub assignments: Vec<SyncGroupAssignment>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncGroupResponse {
    pub error: Option<KafkaError>,
    pub protocol_name: Option<String>,
    pub assignment: Vec<TopicPartition>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeartbeatRequest {
    pub group_id: String,
    pub generation_id: i32,
    pub member_id: String,
    pub group_instance_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeartbeatResponse {
    /// `REBALANCE_IN_PROGRESS` tells the member to rejoin.
    pub error: Option<KafkaError>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaveGroupRequest {
    pub group_id: String,
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaveGroupResponse {
    pub error: Option<KafkaError>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OffsetCommitRequest {
    pub group_id: String,
    /// -1 with an empty member id for a commit from outside the group (admin / assign mode).
    pub generation_id: i32,
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub offsets: Vec<(TopicPartition, Offset)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OffsetCommitResponse {
    pub partitions: Vec<(TopicPartition, Option<KafkaError>)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OffsetFetchRequest {
    pub group_id: String,
    /// `None` = all partitions the group has offsets for.
    pub partitions: Option<Vec<TopicPartition>>,
    /// KIP-447: wait for pending transactional commits.
    pub require_stable: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OffsetFetchResponse {
    pub error: Option<KafkaError>,
    /// Offset -1 when the group has no committed offset for the partition.
    pub partitions: Vec<(TopicPartition, Offset, Option<KafkaError>)>,
}
