//! A producer batch (`ProducerBatch` in the Java client): records for one
//! partition, collected in the accumulator, then sent — and perhaps
//! retried — as one Kafka v2 [`RecordBatch`].
//!
//! The batch is *open* while records are appended. When the sender drains it
//! the records move behind an `Arc` (the batch is *sealed*) and are never
//! copied again: a retry resends the same records, with the same sequence
//! number, which is what lets an idempotent broker recognise the retry.

use std::sync::Arc;

use crate::engine::blob::Blob;
use crate::engine::ids::TopicPartition;
use crate::engine::record::{
    varint_size, varlong_size, Header, ProducerEpoch, ProducerId, Record, RecordBatch, TimestampType,
    NO_PRODUCER_EPOCH, NO_PRODUCER_ID, NO_SEQUENCE, RECORD_BATCH_OVERHEAD,
};
use crate::engine::time::Millis;

#[derive(Debug, Clone)]
pub(crate) struct ProducerBatch {
    pub tp: TopicPartition,
    /// When the first record was appended: `linger.ms` and
    /// `delivery.timeout.ms` count from here, as in the Java client.
    pub created_at: Millis,
    /// How many times the batch was re-enqueued after a failed attempt.
    pub retries: u32,
    /// Not sendable before this time (`retry.backoff.ms` after a failure).
    pub retry_at: Millis,
    /// Sequence number of the first record, `NO_SEQUENCE` until the batch
    /// is first drained by an idempotent producer. Kept across retries.
    pub base_sequence: i32,
    pub producer_id: ProducerId,
    pub producer_epoch: ProducerEpoch,
    pub is_transactional: bool,
    size_bytes: u32,
    last_record_bytes: u32,
    first_timestamp: Millis,
    max_timestamp: Millis,
    open: Vec<Record>,
    sealed: Option<Arc<Vec<Record>>>,
}

impl ProducerBatch {
    pub fn new(tp: TopicPartition, now: Millis, is_transactional: bool) -> Self {
        ProducerBatch {
            tp,
            created_at: now,
            retries: 0,
            retry_at: now,
            base_sequence: NO_SEQUENCE,
            producer_id: NO_PRODUCER_ID,
            producer_epoch: NO_PRODUCER_EPOCH,
            is_transactional,
            size_bytes: RECORD_BATCH_OVERHEAD,
            last_record_bytes: 0,
            first_timestamp: now,
            max_timestamp: now,
            open: Vec::new(),
            sealed: None,
        }
    }

    /// Bytes the record would take appended to this batch (its offset and
    /// timestamp deltas are part of its encoded size).
    pub fn record_bytes(&self, key: Option<&Blob>, value: Option<&Blob>, headers: &[Header], timestamp: Millis) -> u32 {
        if self.open.is_empty() {
            record_size(0, 0, key, value, headers)
        } else {
            record_size(self.open.len() as i32, timestamp - self.first_timestamp, key, value, headers)
        }
    }

    /// Whether a record of `bytes` fits within `batch_size`. An empty batch
    /// takes any record (a record larger than `batch.size` gets a batch of
    /// its own, as in Java).
    pub fn fits(&self, bytes: u32, batch_size: u32) -> bool {
        self.open.is_empty() || self.size_bytes + bytes <= batch_size
    }

    /// Appends a record of `bytes` (from [`Self::record_bytes`]).
    pub fn append(
        &mut self,
        key: Option<Blob>,
        value: Option<Blob>,
        headers: Vec<Header>,
        timestamp: Millis,
        bytes: u32,
    ) {
        assert!(self.sealed.is_none(), "appending to a batch that was already sent");
        if self.open.is_empty() {
            self.first_timestamp = timestamp;
            self.max_timestamp = timestamp;
        }
        let record = Record {
            offset_delta: self.open.len() as i32,
            timestamp_delta: timestamp - self.first_timestamp,
            key,
            value,
            headers,
        };
        debug_assert_eq!(record.size_in_bytes(), bytes, "record_bytes agrees with Record::size_in_bytes");
        self.size_bytes += bytes;
        self.last_record_bytes = bytes;
        self.max_timestamp = self.max_timestamp.max(timestamp);
        self.open.push(record);
    }

    /// Appends unless the batch would grow past `batch_size`; returns the bytes appended.
    #[cfg(test)]
    pub fn try_append(
        &mut self,
        key: Option<Blob>,
        value: Option<Blob>,
        headers: Vec<Header>,
        timestamp: Millis,
        batch_size: u32,
    ) -> Option<u32> {
        let bytes = self.record_bytes(key.as_ref(), value.as_ref(), &headers, timestamp);
        if !self.fits(bytes, batch_size) {
            return None;
        }
        self.append(key, value, headers, timestamp, bytes);
        Some(bytes)
    }

    /// Reserves room for about as many records as `batch.size` holds, so a
    /// filling batch does not reallocate its record list again and again.
    pub fn reserve_for(&mut self, batch_size: u32, record_bytes: u32) {
        let expected = (batch_size / record_bytes.max(1)).clamp(1, 4096);
        self.open.reserve_exact(expected as usize);
    }

    /// No further record of the same size would fit (`batch.size` reached).
    pub fn is_full(&self, batch_size: u32) -> bool {
        self.size_bytes + self.last_record_bytes.max(1) > batch_size
    }

    pub fn record_count(&self) -> u32 {
        match &self.sealed {
            Some(records) => records.len() as u32,
            None => self.open.len() as u32,
        }
    }

    /// Size as Kafka encodes the batch (`RecordBatch::size_in_bytes`).
    pub fn size_in_bytes(&self) -> u32 {
        self.size_bytes
    }

    pub fn has_sequence(&self) -> bool {
        self.base_sequence != NO_SEQUENCE
    }

    /// Sequence number of the last record (wrapping as Kafka does).
    pub fn last_sequence(&self) -> i32 {
        crate::engine::log::producer_state::increment_sequence(self.base_sequence, self.record_count() as i32 - 1)
    }

    /// Whether the batch was drained (it takes no more records).
    pub fn is_sealed(&self) -> bool {
        self.sealed.is_some()
    }

    /// Closes the batch to appends (the sender drained it).
    pub fn seal(&mut self) {
        if self.sealed.is_none() {
            self.sealed = Some(Arc::new(std::mem::take(&mut self.open)));
        }
    }

    /// The batch as it goes on the wire. Records are shared, not copied.
    pub fn to_record_batch(&self) -> RecordBatch {
        let records = self.sealed.clone().expect("only a sealed batch is sent");
        assert!(!records.is_empty(), "a batch on the wire holds at least one record");
        RecordBatch {
            base_offset: 0,
            last_offset_delta: records.len() as i32 - 1,
            partition_leader_epoch: -1,
            first_timestamp: self.first_timestamp,
            max_timestamp: self.max_timestamp,
            timestamp_type: TimestampType::CreateTime,
            producer_id: self.producer_id,
            producer_epoch: self.producer_epoch,
            base_sequence: self.base_sequence,
            is_transactional: self.is_transactional,
            control: None,
            records,
        }
    }
}

/// `DefaultRecord.sizeInBytes` from the parts, without building the record
/// (the same formula as `Record::size_in_bytes`).
pub(crate) fn record_size(
    offset_delta: i32,
    timestamp_delta: Millis,
    key: Option<&Blob>,
    value: Option<&Blob>,
    headers: &[Header],
) -> u32 {
    fn blob_size(blob: Option<&Blob>) -> u32 {
        match blob {
            None => varint_size(-1),
            Some(b) => varint_size(b.len() as i32) + b.len() as u32,
        }
    }
    let body = 1 // attributes
        + varlong_size(timestamp_delta)
        + varint_size(offset_delta)
        + blob_size(key)
        + blob_size(value)
        + varint_size(headers.len() as i32)
        + headers
            .iter()
            .map(|h| varint_size(h.key.len() as i32) + h.key.len() as u32 + blob_size(h.value.as_ref()))
            .sum::<u32>();
    varint_size(body as i32) + body
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tp() -> TopicPartition {
        TopicPartition::new("t", 0)
    }

    #[test]
    fn batch_size_matches_the_encoded_record_batch() {
        let mut batch = ProducerBatch::new(tp(), 10, false);
        for i in 0..5 {
            batch.try_append(None, Some(Blob::from(format!("value-{i}"))), vec![], 10 + i, 16_384).unwrap();
        }
        batch.seal();
        assert_eq!(batch.size_in_bytes(), batch.to_record_batch().size_in_bytes());
        assert_eq!(batch.record_count(), 5);
    }

    #[test]
    fn record_size_matches_kafkas_encoding_of_the_record() {
        let headers = vec![Header { key: "trace".into(), value: Some(Blob::from("abc")) }];
        let key = Blob::from("k-1");
        let value = Blob::from("x".repeat(300));
        let record = Record {
            offset_delta: 70,
            timestamp_delta: -5,
            key: Some(key.clone()),
            value: Some(value.clone()),
            headers: headers.clone(),
        };
        assert_eq!(record_size(70, -5, Some(&key), Some(&value), &headers), record.size_in_bytes());
        assert_eq!(record_size(0, 0, None, None, &[]), 7);
    }

    #[test]
    fn a_record_larger_than_batch_size_gets_a_batch_of_its_own() {
        let mut batch = ProducerBatch::new(tp(), 0, false);
        assert!(batch.try_append(None, Some(Blob::from("x".repeat(100))), vec![], 0, 50).is_some());
        assert!(batch.try_append(None, Some(Blob::from("y")), vec![], 0, 50).is_none());
        assert_eq!(batch.record_count(), 1);
    }
}
