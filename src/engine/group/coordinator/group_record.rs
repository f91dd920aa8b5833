//! Group metadata records of `__consumer_offsets`: what the coordinator
//! writes when a generation completes (Kafka's `GroupMetadataManager.storeGroup`),
//! so that a new coordinator can bring the group back after a failover.
//!
//! ```text
//! key   v2: int16 version=2, string group
//! value v3: int16 version=3, string protocol_type, int32 generation,
//!           nullable_string protocol, nullable_string leader,
//!           int64 current_state_timestamp,
//!           [member_id string, group_instance_id nullable_string,
//!            client_id string, client_host string, rebalance_timeout int32,
//!            session_timeout int32, subscription bytes, assignment bytes]
//! ```
//!
//! `subscription` and `assignment` are the consumer's embedded protocol
//! (`ConsumerProtocolSubscription` v3 / `ConsumerProtocolAssignment` v3),
//! also in Kafka's schema, each prefixed by its int16 version.

use serde::{Deserialize, Serialize};

use super::codec::{Reader, Writer};
use crate::engine::blob::Blob;
use crate::engine::ids::TopicPartition;
use crate::engine::protocol::group::Subscription;
use crate::engine::time::Millis;

pub const GROUP_METADATA_KEY_VERSION: i16 = 2;
pub const GROUP_METADATA_VALUE_VERSION: i16 = 3;
/// `ConsumerProtocolSubscription` / `ConsumerProtocolAssignment` version the Java client writes.
pub const CONSUMER_PROTOCOL_VERSION: i16 = 3;

/// `GroupMetadataValue`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMetadataValue {
    pub protocol_type: String,
    pub generation: i32,
    pub protocol: Option<String>,
    pub leader: Option<String>,
    pub current_state_timestamp: Millis,
    pub members: Vec<MemberMetadataValue>,
}

/// `GroupMetadataValue.MemberMetadata`, with the embedded protocol decoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberMetadataValue {
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub client_id: String,
    pub client_host: String,
    pub rebalance_timeout_ms: i32,
    pub session_timeout_ms: i32,
    /// The member's subscription for the group's protocol.
    pub subscription: Subscription,
    pub assignment: Vec<TopicPartition>,
}

/// `GroupMetadataKey` v2.
pub fn encode_group_key(group: &str) -> Vec<u8> {
    Writer::new().i16(GROUP_METADATA_KEY_VERSION).string(group).finish()
}

/// `GroupMetadataValue` v3.
pub fn encode_group_value(value: &GroupMetadataValue) -> Vec<u8> {
    let mut w = Writer::new();
    w.i16(GROUP_METADATA_VALUE_VERSION)
        .string(&value.protocol_type)
        .i32(value.generation)
        .nullable_string(value.protocol.as_deref())
        .nullable_string(value.leader.as_deref())
        .i64(value.current_state_timestamp)
        .array_len(value.members.len());
    for m in &value.members {
        w.string(&m.member_id)
            .nullable_string(m.group_instance_id.as_deref())
            .string(&m.client_id)
            .string(&m.client_host)
            .i32(m.rebalance_timeout_ms)
            .i32(m.session_timeout_ms)
            .bytes(&encode_subscription(&m.subscription))
            .bytes(&encode_assignment(&m.assignment));
    }
    w.finish()
}

/// The (key, value) record of a group's metadata, ready for `append_internal`.
pub fn group_metadata_record(group: &str, value: &GroupMetadataValue) -> (Option<Blob>, Option<Blob>) {
    (Some(Blob::from(encode_group_key(group))), Some(Blob::from(encode_group_value(value))))
}

/// Reads `GroupMetadataValue` versions 0 to 3.
pub fn decode_group_value(bytes: &[u8]) -> Option<GroupMetadataValue> {
    let mut r = Reader::new(bytes);
    let version = r.i16()?;
    if !(0..=3).contains(&version) {
        return None;
    }
    let protocol_type = r.string()?;
    let generation = r.i32()?;
    let protocol = r.nullable_string()?;
    let leader = r.nullable_string()?;
    let current_state_timestamp = if version >= 2 { r.i64()? } else { -1 };
    let count = r.array_len()?;
    let mut members = Vec::with_capacity(count);
    for _ in 0..count {
        let member_id = r.string()?;
        let group_instance_id = if version >= 3 { r.nullable_string()? } else { None };
        let client_id = r.string()?;
        let client_host = r.string()?;
        let rebalance_timeout = if version >= 1 { Some(r.i32()?) } else { None };
        let session_timeout_ms = r.i32()?;
        let subscription = decode_subscription(r.nullable_bytes()?.unwrap_or_default())?;
        let assignment = decode_assignment(r.nullable_bytes()?.unwrap_or_default())?;
        members.push(MemberMetadataValue {
            member_id,
            group_instance_id,
            client_id,
            client_host,
            // v0 had one timeout for both.
            rebalance_timeout_ms: rebalance_timeout.unwrap_or(session_timeout_ms),
            session_timeout_ms,
            subscription,
            assignment,
        });
    }
    Some(GroupMetadataValue { protocol_type, generation, protocol, leader, current_state_timestamp, members })
}

/// Partitions grouped by topic, topics in order (the `[]TopicPartition` of the consumer protocol).
fn write_topic_partitions(w: &mut Writer, partitions: &[TopicPartition]) {
    let mut sorted: Vec<&TopicPartition> = partitions.iter().collect();
    crate::sort::sort(&mut sorted);
    let mut topics: Vec<(&str, Vec<i32>)> = Vec::new();
    for tp in sorted {
        match topics.last_mut() {
            Some((topic, ps)) if *topic == tp.topic => ps.push(tp.partition),
            _ => topics.push((&tp.topic, vec![tp.partition])),
        }
    }
    w.array_len(topics.len());
    for (topic, ps) in topics {
        w.string(topic).array_len(ps.len());
        for p in ps {
            w.i32(p);
        }
    }
}

fn read_topic_partitions(r: &mut Reader) -> Option<Vec<TopicPartition>> {
    let mut out = Vec::new();
    for _ in 0..r.array_len()? {
        let topic = r.string()?;
        for _ in 0..r.array_len()? {
            out.push(TopicPartition::new(topic.clone(), r.i32()?));
        }
    }
    Some(out)
}

/// `ConsumerProtocolSubscription` v3: topics, user data (null),
/// owned partitions, generation id, rack id (null).
pub fn encode_subscription(s: &Subscription) -> Vec<u8> {
    let mut w = Writer::new();
    w.i16(CONSUMER_PROTOCOL_VERSION).array_len(s.topics.len());
    for topic in &s.topics {
        w.string(topic);
    }
    w.null_bytes();
    write_topic_partitions(&mut w, &s.owned_partitions);
    w.i32(s.generation_id).nullable_string(None);
    w.finish()
}

/// Reads `ConsumerProtocolSubscription` versions 0 to 3.
pub fn decode_subscription(bytes: &[u8]) -> Option<Subscription> {
    if bytes.is_empty() {
        return Some(Subscription { topics: Vec::new(), owned_partitions: Vec::new(), generation_id: -1 });
    }
    let mut r = Reader::new(bytes);
    let version = r.i16()?;
    let mut topics = Vec::new();
    for _ in 0..r.array_len()? {
        topics.push(r.string()?);
    }
    r.nullable_bytes()?;
    let owned_partitions = if version >= 1 { read_topic_partitions(&mut r)? } else { Vec::new() };
    let generation_id = if version >= 2 { r.i32()? } else { -1 };
    Some(Subscription { topics, owned_partitions, generation_id })
}

/// `ConsumerProtocolAssignment` v3: assigned partitions, user data (null).
pub fn encode_assignment(partitions: &[TopicPartition]) -> Vec<u8> {
    let mut w = Writer::new();
    w.i16(CONSUMER_PROTOCOL_VERSION);
    write_topic_partitions(&mut w, partitions);
    w.null_bytes();
    w.finish()
}

/// Reads `ConsumerProtocolAssignment` versions 0 to 3 (an empty buffer is no assignment).
pub fn decode_assignment(bytes: &[u8]) -> Option<Vec<TopicPartition>> {
    if bytes.is_empty() {
        return Some(Vec::new());
    }
    let mut r = Reader::new(bytes);
    r.i16()?;
    read_topic_partitions(&mut r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value() -> GroupMetadataValue {
        GroupMetadataValue {
            protocol_type: "consumer".into(),
            generation: 4,
            protocol: Some("range".into()),
            leader: Some("c-1".into()),
            current_state_timestamp: 1234,
            members: vec![MemberMetadataValue {
                member_id: "c-1".into(),
                group_instance_id: Some("i1".into()),
                client_id: "c".into(),
                client_host: "/client-1".into(),
                rebalance_timeout_ms: 300_000,
                session_timeout_ms: 45_000,
                subscription: Subscription {
                    topics: vec!["orders".into()],
                    owned_partitions: vec![TopicPartition::new("orders", 1)],
                    generation_id: 3,
                },
                assignment: vec![TopicPartition::new("orders", 1), TopicPartition::new("orders", 0)],
            }],
        }
    }

    #[test]
    fn group_key_is_version_two_and_the_group_name() {
        assert_eq!(encode_group_key("g1"), [0, 2, 0, 2, b'g', b'1']);
    }

    #[test]
    fn group_metadata_value_round_trips() {
        let v = value();
        let mut decoded = decode_group_value(&encode_group_value(&v)).unwrap();
        // The consumer protocol groups partitions by topic, in order.
        decoded.members[0].assignment.reverse();
        assert_eq!(decoded, v);
    }

    #[test]
    fn assignment_bytes_follow_the_consumer_protocol() {
        let bytes = encode_assignment(&[TopicPartition::new("t", 1), TopicPartition::new("t", 0)]);
        #[rustfmt::skip]
        let expected: Vec<u8> = vec![
            0, 3,             // version 3
            0, 0, 0, 1,       // one topic
            0, 1, b't',       // "t"
            0, 0, 0, 2,       // two partitions
            0, 0, 0, 0, 0, 0, 0, 1,
            0xff, 0xff, 0xff, 0xff, // user data null
        ];
        assert_eq!(bytes, expected);
    }
}
