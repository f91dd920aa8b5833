//! Records and record batches, shaped like Kafka's v2 message format
//! (`RecordBatch` / `DefaultRecord` in the Java broker), so the Kafka wire
//! protocol maps onto them one to one.
//!
//! A batch carries its base offset and every record an offset *delta*, as on
//! the wire: assigning offsets on append only rewrites the batch header, and
//! the records themselves are shared (`Arc`) between the producer's request,
//! the leader's log, every follower's log and every fetch response.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::blob::Blob;
use super::time::Millis;

/// A position in a partition's log. Offsets are never reused.
pub type Offset = i64;
/// Kafka's producer id (`-1` when the producer is not idempotent).
pub type ProducerId = i64;
/// Kafka's producer epoch (`-1` when the producer is not idempotent).
pub type ProducerEpoch = i16;
/// Sentinel for "no producer id / epoch / sequence", as Kafka writes it.
pub const NO_PRODUCER_ID: ProducerId = -1;
pub const NO_PRODUCER_EPOCH: ProducerEpoch = -1;
pub const NO_SEQUENCE: i32 = -1;

/// `message.timestamp.type`: who sets a record's timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum TimestampType {
    /// The producer's clock when `send` was called (Kafka's default).
    #[default]
    CreateTime,
    /// The leader broker's clock when it appended the batch.
    LogAppendTime,
}

/// A record header: a string key and an optional byte value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub key: String,
    pub value: Option<Blob>,
}

/// One record inside a batch (`DefaultRecord`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Offset relative to the batch's `base_offset`. Compaction can leave
    /// gaps, so this is stored rather than implied by position.
    pub offset_delta: i32,
    /// Timestamp relative to the batch's `first_timestamp`.
    pub timestamp_delta: i64,
    pub key: Option<Blob>,
    /// `None` is a tombstone on a compacted topic.
    pub value: Option<Blob>,
    pub headers: Vec<Header>,
}

/// Marker type of a control record written by the transaction coordinator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ControlType {
    Commit,
    Abort,
}

/// A record batch (`RecordBatch` v2): the unit of append, replication and fetch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordBatch {
    pub base_offset: Offset,
    /// Offset delta of the last record when the batch was written; kept after
    /// compaction removes records, as Kafka does.
    pub last_offset_delta: i32,
    /// The leader epoch of the leader that appended the batch.
    pub partition_leader_epoch: i32,
    pub first_timestamp: Millis,
    pub max_timestamp: Millis,
    pub timestamp_type: TimestampType,
    pub producer_id: ProducerId,
    pub producer_epoch: ProducerEpoch,
    pub base_sequence: i32,
    pub is_transactional: bool,
    /// A control batch holds one transaction marker (`control` is `Some`).
    pub control: Option<ControlType>,
    pub records: Arc<Vec<Record>>,
}

/// Bytes of a v2 batch header (`DefaultRecordBatch.RECORD_BATCH_OVERHEAD`).
pub const RECORD_BATCH_OVERHEAD: u32 = 61;

impl RecordBatch {
    /// Offset of the last record the batch was written with.
    pub fn last_offset(&self) -> Offset {
        self.base_offset + self.last_offset_delta as Offset
    }

    /// The offset after this batch: where the next batch starts.
    pub fn next_offset(&self) -> Offset {
        self.last_offset() + 1
    }

    /// Number of records the batch holds now (after any compaction).
    pub fn record_count(&self) -> u32 {
        self.records.len() as u32
    }

    /// Size of the batch as Kafka would write it, in bytes: the 61-byte
    /// header plus each record's varint-encoded size. `segment.bytes`,
    /// `retention.bytes`, `batch.size` and `fetch.max.bytes` are measured in
    /// these bytes, so they behave as they do in Kafka.
    pub fn size_in_bytes(&self) -> u32 {
        RECORD_BATCH_OVERHEAD + self.records.iter().map(Record::size_in_bytes).sum::<u32>()
    }

    /// Absolute offset of a record of this batch.
    pub fn offset_of(&self, record: &Record) -> Offset {
        self.base_offset + record.offset_delta as Offset
    }

    /// Absolute timestamp of a record of this batch.
    pub fn timestamp_of(&self, record: &Record) -> Millis {
        match self.timestamp_type {
            TimestampType::CreateTime => self.first_timestamp + record.timestamp_delta,
            TimestampType::LogAppendTime => self.max_timestamp,
        }
    }

    /// The same batch placed at `base_offset` (records are shared, not copied).
    pub fn with_base_offset(&self, base_offset: Offset) -> RecordBatch {
        RecordBatch { base_offset, ..self.clone() }
    }

    pub fn is_control(&self) -> bool {
        self.control.is_some()
    }
}

impl Record {
    /// `DefaultRecord.sizeInBytes`: a varint length prefix plus the body.
    pub fn size_in_bytes(&self) -> u32 {
        let body = 1 // attributes
            + varlong_size(self.timestamp_delta)
            + varint_size(self.offset_delta)
            + blob_size(self.key.as_ref())
            + blob_size(self.value.as_ref())
            + varint_size(self.headers.len() as i32)
            + self
                .headers
                .iter()
                .map(|h| varint_size(h.key.len() as i32) + h.key.len() as u32 + blob_size(h.value.as_ref()))
                .sum::<u32>();
        varint_size(body as i32) + body
    }
}

fn blob_size(blob: Option<&Blob>) -> u32 {
    match blob {
        None => varint_size(-1),
        Some(b) => varint_size(b.len() as i32) + b.len() as u32,
    }
}

/// Bytes of a zig-zag varint, as Kafka's `ByteUtils.sizeOfVarint`.
pub fn varint_size(value: i32) -> u32 {
    let mut v = ((value << 1) ^ (value >> 31)) as u32;
    let mut bytes = 1;
    while v & !0x7f != 0 {
        bytes += 1;
        v >>= 7;
    }
    bytes
}

/// Bytes of a zig-zag varlong, as Kafka's `ByteUtils.sizeOfVarlong`.
pub fn varlong_size(value: i64) -> u32 {
    let mut v = ((value << 1) ^ (value >> 63)) as u64;
    let mut bytes = 1;
    while v & !0x7f != 0 {
        bytes += 1;
        v >>= 7;
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varint_sizes_match_kafka_byte_utils() {
        assert_eq!(varint_size(0), 1);
        assert_eq!(varint_size(-1), 1);
        assert_eq!(varint_size(63), 1);
        assert_eq!(varint_size(64), 2);
        assert_eq!(varint_size(-65), 2);
        assert_eq!(varint_size(i32::MAX), 5);
        assert_eq!(varlong_size(i64::MIN), 10);
    }

    #[test]
    fn record_with_ten_byte_value_and_no_key_is_seventeen_bytes() {
        // body: attributes 1 + ts delta 1 + offset delta 1 + null key 1
        // + value len 1 + value 10 + header count 1 = 16, plus 1 length byte.
        let record = Record {
            offset_delta: 0,
            timestamp_delta: 0,
            key: None,
            value: Some(Blob::from("0123456789")),
            headers: vec![],
        };
        assert_eq!(record.size_in_bytes(), 17);
    }
}
