//! Partition assignors: who in a consumer group reads which partition.
//!
//! In the classic group protocol the group *leader* (a consumer, not the broker) runs the
//! assignor named by `partition.assignment.strategy` over every member's subscription and sends
//! the result back in SyncGroup. These are Kafka's Java assignors as pure functions:
//!
//! | name | Java class | in this module |
//! |---|---|---|
//! | `range` | `RangeAssignor` | [`range`]: per topic, contiguous ranges; the first members get one extra |
//! | `roundrobin` | `RoundRobinAssignor` | [`roundrobin`]: all partitions dealt out in turn |
//! | `sticky` | `StickyAssignor` | [`sticky`]: balanced, keeps what members owned |
//! | `cooperative-sticky` | `CooperativeStickyAssignor` | [`sticky`] plus the incremental two-round protocol |
//!
//! Where Java iterates a `HashMap` of members (whose order follows Java string hashes), this
//! module iterates members in member-id order, so the same input always gives the same output.
//! Member ids and instance ids compare by bytes (Java compares UTF-16 units; the two orders
//! differ only for characters beyond U+FFFF against U+E000..U+FFFF).
//!
//! Each member's partitions come back sorted by (topic, partition).

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use crate::collections::{VecMap, VecSet};
use crate::engine::config::AssignorName;
use crate::engine::ids::TopicPartition;
use crate::engine::protocol::group::JoinGroupMember;

pub mod range;
pub mod roundrobin;
pub mod sticky;

pub use sticky::{assign_cooperative, cooperative_first_round, cooperative_revocations, CooperativeAssignment};

/// `AbstractStickyAssignor.DEFAULT_GENERATION`: the member reports no generation (a first join).
pub const DEFAULT_GENERATION: i32 = -1;

/// Member id -> the partitions assigned to it.
pub type Assignment = VecMap<String, Vec<TopicPartition>>;

/// What the leader knows about one member when it assigns: its JoinGroup subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberSubscription {
    pub member_id: String,
    /// `group.instance.id` of a static member (KIP-345); range and roundrobin order members by it.
    pub group_instance_id: Option<String>,
    /// Topics the member subscribes to.
    pub topics: Vec<String>,
    /// Partitions the member owned before this rebalance (sticky assignors only).
    pub owned_partitions: Vec<TopicPartition>,
    /// The generation in which it owned them; [`DEFAULT_GENERATION`] when it owned nothing.
    pub generation: i32,
}

impl MemberSubscription {
    /// A dynamic member joining for the first time, owning nothing.
    pub fn new<T: Into<String>>(member_id: impl Into<String>, topics: impl IntoIterator<Item = T>) -> Self {
        MemberSubscription {
            member_id: member_id.into(),
            group_instance_id: None,
            topics: topics.into_iter().map(Into::into).collect(),
            owned_partitions: Vec::new(),
            generation: DEFAULT_GENERATION,
        }
    }

    /// The same member, reporting what it owned in `generation`.
    pub fn owning(mut self, owned_partitions: Vec<TopicPartition>, generation: i32) -> Self {
        self.owned_partitions = owned_partitions;
        self.generation = generation;
        self
    }

    /// The same member as a static member with this `group.instance.id`.
    pub fn with_group_instance_id(mut self, group_instance_id: impl Into<String>) -> Self {
        self.group_instance_id = Some(group_instance_id.into());
        self
    }

    /// The leader's view of a member from the JoinGroup response.
    pub fn from_join_member(member: &JoinGroupMember) -> Self {
        MemberSubscription {
            member_id: member.member_id.clone(),
            group_instance_id: member.group_instance_id.clone(),
            topics: member.metadata.topics.clone(),
            owned_partitions: member.metadata.owned_partitions.clone(),
            generation: member.metadata.generation_id,
        }
    }

    /// Whether the member subscribes to `topic`.
    pub fn subscribes(&self, topic: &str) -> bool {
        self.topics.iter().any(|t| t == topic)
    }
}

/// Runs the named assignor. Every member appears in the result; members that get nothing (more
/// consumers than partitions) get an empty list and sit idle.
///
/// `partitions_per_topic` is the partition count of each topic the cluster has; subscribed topics
/// missing from it (not created yet) get no assignment, and topics nobody subscribes to are
/// ignored.
///
/// For `cooperative-sticky` this is the *target* assignment, the same as `sticky`'s; what the
/// members may take in this rebalance is [`assign_cooperative`] / [`cooperative_first_round`].
///
/// # Panics
/// If two members share a member id.
pub fn assign(
    assignor: AssignorName,
    members: &[MemberSubscription],
    partitions_per_topic: &VecMap<String, i32>,
) -> Assignment {
    let partitions_per_topic = subscribed_partition_counts(members, partitions_per_topic);
    let assignment = match assignor {
        AssignorName::Range => range::assign(members, &partitions_per_topic),
        AssignorName::RoundRobin => roundrobin::assign(members, &partitions_per_topic),
        AssignorName::Sticky | AssignorName::CooperativeSticky => {
            sticky::assign(members, &partitions_per_topic).assignment
        }
    };
    finish(members, &partitions_per_topic, assignment)
}

/// Partition counts of the topics some member subscribes to and the cluster has (Java's
/// `partitionsPerTopic`, which the consumer builds from metadata for the group's topics only).
/// Also checks that member ids are unique.
fn subscribed_partition_counts(
    members: &[MemberSubscription],
    partitions_per_topic: &VecMap<String, i32>,
) -> VecMap<String, i32> {
    let ids: VecSet<&str> = members.iter().map(|m| m.member_id.as_str()).collect();
    assert_eq!(ids.len(), members.len(), "member ids in a group are unique");
    members
        .iter()
        .flat_map(|m| m.topics.iter())
        .filter_map(|topic| partitions_per_topic.get(topic).map(|&count| (topic.clone(), count.max(0))))
        .collect()
}

/// Java's `AbstractPartitionAssignor.MemberInfo.compareTo`: static members first, by
/// `group.instance.id`, then dynamic members by member id. (Ties on an instance id, which a
/// coordinator never allows, fall back to the member id so the order stays total.)
fn member_order(a: &MemberSubscription, b: &MemberSubscription) -> Ordering {
    match (&a.group_instance_id, &b.group_instance_id) {
        (Some(x), Some(y)) => x.cmp(y).then_with(|| a.member_id.cmp(&b.member_id)),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.member_id.cmp(&b.member_id),
    }
}

/// An empty list for every member, as each Java assignor starts.
fn empty_assignment(members: &[MemberSubscription]) -> Assignment {
    members.iter().map(|m| (m.member_id.clone(), Vec::new())).collect()
}

/// Sorts each member's partitions and checks the assignment is valid.
fn finish(
    members: &[MemberSubscription],
    partitions_per_topic: &VecMap<String, i32>,
    mut assignment: Assignment,
) -> Assignment {
    for partitions in assignment.values_mut() {
        crate::sort::sort(partitions);
    }
    assert_valid_assignment(members, partitions_per_topic, &assignment);
    assignment
}

/// Every partition of a topic in `partitions_per_topic` goes to exactly one member, and only to a
/// member that subscribes to its topic; every member has an entry.
fn assert_valid_assignment(
    members: &[MemberSubscription],
    partitions_per_topic: &VecMap<String, i32>,
    assignment: &Assignment,
) {
    assert_eq!(assignment.len(), members.len(), "every member gets an entry");
    let mut seen = VecSet::new();
    for member in members {
        let partitions = &assignment[&member.member_id];
        for tp in partitions {
            assert!(member.subscribes(&tp.topic), "{tp} went to {} which does not subscribe to it", member.member_id);
            assert!((0..partitions_per_topic[&tp.topic]).contains(&tp.partition), "{tp} does not exist");
            assert!(seen.insert(tp), "{tp} assigned twice");
        }
    }
    let total: i32 = partitions_per_topic.values().sum();
    assert_eq!(seen.len(), total as usize, "every partition of a subscribed topic is assigned");
}

#[cfg(test)]
mod tests;
