//! Committed offsets, and the records of `__consumer_offsets` that make them
//! durable, in Kafka's own binary schema (`OffsetCommitKey` /
//! `OffsetCommitValue` of `GroupMetadataManager`), so the bytes a learner
//! sees in the internal topic are the bytes a real broker writes:
//!
//! ```text
//! key   v1: int16 version=1, string group, string topic, int32 partition
//! value v3: int16 version=3, int64 offset, int32 leader_epoch (-1 = none),
//!           string metadata, int64 commit_timestamp
//! ```
//!
//! Big-endian; a `string` is an int16 length then UTF-8. A record whose value
//! is null (a tombstone) deletes the offset; compaction keeps the latest
//! record per key, which is why the key is the (group, topic, partition).
//! Keys with version 2 are group metadata records (`group_record.rs`).

use serde::{Deserialize, Serialize};

use super::codec::{Reader, Writer};
use super::group_record::{self, GroupMetadataValue};
use crate::engine::blob::Blob;
use crate::engine::ids::TopicPartition;
use crate::engine::record::Offset;
use crate::engine::time::Millis;

/// Key versions 0 and 1 are offset commits, 2 is group metadata.
pub const OFFSET_COMMIT_KEY_VERSION: i16 = 1;
pub const OFFSET_COMMIT_VALUE_VERSION: i16 = 3;

/// One committed offset (`OffsetAndMetadata`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommittedOffset {
    /// The next offset the group will read.
    pub offset: Offset,
    /// The leader epoch of the last consumed record, when the client sent one.
    pub leader_epoch: Option<i32>,
    /// The commit's free-form metadata string.
    pub metadata: String,
    /// When the coordinator accepted the commit.
    pub commit_timestamp: Millis,
}

impl CommittedOffset {
    /// A plain commit as the consumer sends it: no leader epoch, empty metadata.
    pub fn new(offset: Offset, commit_timestamp: Millis) -> Self {
        CommittedOffset { offset, leader_epoch: None, metadata: String::new(), commit_timestamp }
    }
}

/// What a key of `__consumer_offsets` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OffsetsRecordKey {
    /// An offset commit (key versions 0 and 1).
    Offset { group: String, tp: TopicPartition },
    /// A group's metadata (key version 2).
    GroupMetadata { group: String },
}

/// `OffsetCommitKey` v1.
pub fn encode_offset_key(group: &str, tp: &TopicPartition) -> Vec<u8> {
    Writer::new().i16(OFFSET_COMMIT_KEY_VERSION).string(group).string(&tp.topic).i32(tp.partition).finish()
}

/// `OffsetCommitValue` v3.
pub fn encode_offset_value(committed: &CommittedOffset) -> Vec<u8> {
    Writer::new()
        .i16(OFFSET_COMMIT_VALUE_VERSION)
        .i64(committed.offset)
        .i32(committed.leader_epoch.unwrap_or(-1))
        .string(&committed.metadata)
        .i64(committed.commit_timestamp)
        .finish()
}

/// The (key, value) record of a commit, ready for `append_internal`.
pub fn offset_commit_record(
    group: &str,
    tp: &TopicPartition,
    committed: &CommittedOffset,
) -> (Option<Blob>, Option<Blob>) {
    (Some(Blob::from(encode_offset_key(group, tp))), Some(Blob::from(encode_offset_value(committed))))
}

/// The tombstone that deletes a committed offset.
pub fn offset_tombstone(group: &str, tp: &TopicPartition) -> (Option<Blob>, Option<Blob>) {
    (Some(Blob::from(encode_offset_key(group, tp))), None)
}

/// Reads any key of `__consumer_offsets`; `None` for an unknown version or malformed bytes.
pub fn decode_key(key: &[u8]) -> Option<OffsetsRecordKey> {
    let mut r = Reader::new(key);
    match r.i16()? {
        0 | 1 => {
            let group = r.string()?;
            let topic = r.string()?;
            let partition = r.i32()?;
            Some(OffsetsRecordKey::Offset { group, tp: TopicPartition::new(topic, partition) })
        }
        2 => Some(OffsetsRecordKey::GroupMetadata { group: r.string()? }),
        _ => None,
    }
}

/// Reads `OffsetCommitValue` versions 0 to 3.
pub fn decode_offset_value(value: &[u8]) -> Option<CommittedOffset> {
    let mut r = Reader::new(value);
    let version = r.i16()?;
    let offset = r.i64()?;
    let (leader_epoch, metadata, commit_timestamp) = match version {
        // v0: offset, metadata, timestamp; v1 adds expire_timestamp; v2 drops it.
        0..=2 => {
            let metadata = r.string()?;
            let timestamp = r.i64()?;
            if version == 1 {
                r.i64()?;
            }
            (None, metadata, timestamp)
        }
        3 => {
            let epoch = r.i32()?;
            let metadata = r.string()?;
            (Some(epoch).filter(|&e| e >= 0), metadata, r.i64()?)
        }
        _ => return None,
    };
    Some(CommittedOffset { offset, leader_epoch, metadata, commit_timestamp })
}

/// A readable line for a record of `__consumer_offsets` (for the UI), in
/// the style of Kafka's `OffsetsMessageFormatter`; `None` when the key is
/// not one of the coordinator's.
pub fn decode_offsets_record(key: Option<&Blob>, value: Option<&Blob>) -> Option<String> {
    let key = decode_key(key?.as_bytes())?;
    let value = value.map(Blob::as_bytes);
    Some(match key {
        OffsetsRecordKey::Offset { group, tp } => match value {
            None => format!("[{group},{},{}]::NULL (offset deleted)", tp.topic, tp.partition),
            Some(bytes) => match decode_offset_value(bytes) {
                Some(c) => format!(
                    "[{group},{},{}]::OffsetAndMetadata(offset={}, leaderEpoch={}, metadata={}, commitTimestamp={})",
                    tp.topic,
                    tp.partition,
                    c.offset,
                    c.leader_epoch.map_or("Optional.empty".to_string(), |e| format!("Optional[{e}]")),
                    c.metadata,
                    c.commit_timestamp
                ),
                None => format!("[{group},{},{}]::<unreadable offset value>", tp.topic, tp.partition),
            },
        },
        OffsetsRecordKey::GroupMetadata { group } => match value {
            None => format!("{group}::NULL (group deleted)"),
            Some(bytes) => match group_record::decode_group_value(bytes) {
                Some(g) => describe_group(&group, &g),
                None => format!("{group}::<unreadable group metadata>"),
            },
        },
    })
}

fn describe_group(group: &str, g: &GroupMetadataValue) -> String {
    let members: Vec<String> = g
        .members
        .iter()
        .map(|m| {
            let assignment: Vec<String> = m.assignment.iter().map(ToString::to_string).collect();
            format!("{} (client {}) -> [{}]", m.member_id, m.client_id, assignment.join(", "))
        })
        .collect();
    format!(
        "{group}::GroupMetadata(protocolType={}, generation={}, protocol={}, leader={}, members=[{}])",
        g.protocol_type,
        g.generation,
        g.protocol.as_deref().unwrap_or("null"),
        g.leader.as_deref().unwrap_or("null"),
        members.join("; ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_commit_record_uses_kafka_binary_schema() {
        let tp = TopicPartition::new("orders", 2);
        let key = encode_offset_key("g1", &tp);
        #[rustfmt::skip]
        let expected_key: Vec<u8> = vec![
            0x00, 0x01,                                   // version 1
            0x00, 0x02, b'g', b'1',                       // group "g1"
            0x00, 0x06, b'o', b'r', b'd', b'e', b'r', b's', // topic "orders"
            0x00, 0x00, 0x00, 0x02,                       // partition 2
        ];
        assert_eq!(key, expected_key);

        let value = encode_offset_value(&CommittedOffset::new(42, 1_700));
        #[rustfmt::skip]
        let expected_value: Vec<u8> = vec![
            0x00, 0x03,                                     // version 3
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, // offset 42
            0xff, 0xff, 0xff, 0xff,                         // leader epoch -1
            0x00, 0x00,                                     // metadata ""
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0xa4, // commit timestamp 1700
        ];
        assert_eq!(value, expected_value);
    }

    #[test]
    fn offset_records_decode_back_to_what_was_committed() {
        let tp = TopicPartition::new("orders", 0);
        let committed = CommittedOffset { offset: 7, leader_epoch: Some(3), metadata: "m".into(), commit_timestamp: 9 };
        assert_eq!(decode_key(&encode_offset_key("g", &tp)), Some(OffsetsRecordKey::Offset { group: "g".into(), tp }));
        assert_eq!(decode_offset_value(&encode_offset_value(&committed)), Some(committed));
        assert_eq!(decode_key(&[0, 9, 0, 0]), None, "unknown key versions are not the coordinator's");
        assert_eq!(decode_offset_value(&[0, 3, 1]), None, "truncated values are refused, not misread");
    }

    #[test]
    fn decoded_offsets_record_reads_like_kafkas_formatter() {
        let (key, value) = offset_commit_record("g1", &TopicPartition::new("orders", 0), &CommittedOffset::new(5, 100));
        assert_eq!(
            decode_offsets_record(key.as_ref(), value.as_ref()).unwrap(),
            "[g1,orders,0]::OffsetAndMetadata(offset=5, leaderEpoch=Optional.empty, metadata=, commitTimestamp=100)"
        );
        let (key, none) = offset_tombstone("g1", &TopicPartition::new("orders", 0));
        assert_eq!(decode_offsets_record(key.as_ref(), none.as_ref()).unwrap(), "[g1,orders,0]::NULL (offset deleted)");
        assert_eq!(decode_offsets_record(Some(&Blob::from("plain key")), None), None);
    }
}
