//! `range`: `org.apache.kafka.clients.consumer.RangeAssignor`, Kafka's default before 3.0 and
//! still the first entry of the Java consumer's default `[range, cooperative-sticky]`.
//!
//! Per topic: lay out the partitions in order and the subscribed members in `MemberInfo` order
//! (static members by `group.instance.id`, then the rest by member id), give each member
//! `partitions / members` contiguous partitions and the first `partitions % members` members one
//! more. Topics are assigned independently, so with several topics the same first members get the
//! extra partition of every topic: range can be lopsided across topics, which is the point of the
//! lesson. (Java's KIP-881 rack-aware path applies only when consumers and brokers set racks.)

use super::{empty_assignment, member_order, Assignment, MemberSubscription};
use crate::collections::VecMap;
use crate::engine::ids::TopicPartition;

pub(super) fn assign(members: &[MemberSubscription], partitions_per_topic: &VecMap<String, i32>) -> Assignment {
    let mut assignment = empty_assignment(members);
    for (topic, &partition_count) in partitions_per_topic {
        let mut consumers: Vec<&MemberSubscription> = members.iter().filter(|m| m.subscribes(topic)).collect();
        if consumers.is_empty() || partition_count == 0 {
            continue;
        }
        crate::sort::sort_by(&mut consumers, |a, b| member_order(a, b));
        let consumer_count = consumers.len() as i32;
        let per_consumer = partition_count / consumer_count;
        let with_extra = partition_count % consumer_count;
        for (i, consumer) in (0..).zip(&consumers) {
            let start = per_consumer * i + i.min(with_extra);
            let length = per_consumer + i32::from(i < with_extra);
            let partitions = assignment.get_mut(&consumer.member_id).expect("every member has an entry");
            partitions.extend((start..start + length).map(|p| TopicPartition::new(topic.as_str(), p)));
        }
    }
    assignment
}
