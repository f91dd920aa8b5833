//! `roundrobin`: `org.apache.kafka.clients.consumer.RoundRobinAssignor`.
//!
//! Lay out every partition of every subscribed topic sorted by (topic, partition), and deal them
//! out to the members in `MemberInfo` order (static members by `group.instance.id`, then member
//! id) from one circular iterator that carries over from topic to topic, skipping a member that
//! does not subscribe to the partition's topic. With identical subscriptions the counts differ
//! by at most one; with different subscriptions the result can be lopsided.

use super::{empty_assignment, member_order, Assignment, MemberSubscription};
use crate::collections::VecMap;
use crate::engine::ids::TopicPartition;

pub(super) fn assign(members: &[MemberSubscription], partitions_per_topic: &VecMap<String, i32>) -> Assignment {
    let mut assignment = empty_assignment(members);
    let mut circle: Vec<&MemberSubscription> = members.iter().collect();
    crate::sort::sort_by(&mut circle, |a, b| member_order(a, b));

    // `partitions_per_topic` holds only subscribed topics, and a VecMap iterates them sorted.
    let mut next = 0usize;
    for (topic, &partition_count) in partitions_per_topic {
        for partition in 0..partition_count {
            // Someone subscribes to every topic here, so this stops within one turn of the circle.
            while !circle[next % circle.len()].subscribes(topic) {
                next += 1;
            }
            let member = circle[next % circle.len()];
            next += 1;
            let partitions = assignment.get_mut(&member.member_id).expect("every member has an entry");
            partitions.push(TopicPartition::new(topic.as_str(), partition));
        }
    }
    assignment
}
