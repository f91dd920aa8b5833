//! Unit tests of `PartitionLog` as the broker uses it.

use std::sync::Arc;

use super::*;
use crate::engine::config::CleanupPolicy;
use crate::engine::record::{NO_PRODUCER_EPOCH, NO_PRODUCER_ID};

/// Test fixtures shared with the property tests.
pub(crate) mod fixtures {
    use super::*;

    pub fn record(key: Option<&str>, value: Option<&str>, offset_delta: i32, timestamp_delta: i64) -> Record {
        Record {
            offset_delta,
            timestamp_delta,
            key: key.map(Blob::from),
            value: value.map(Blob::from),
            headers: vec![],
        }
    }

    /// A producer's batch (offsets unassigned) of `(key, value)` records, all at `timestamp`.
    pub fn batch(records: &[(Option<&str>, Option<&str>)], timestamp: Millis) -> RecordBatch {
        RecordBatch {
            base_offset: 0,
            last_offset_delta: records.len() as i32 - 1,
            partition_leader_epoch: -1,
            first_timestamp: timestamp,
            max_timestamp: timestamp,
            timestamp_type: TimestampType::CreateTime,
            producer_id: NO_PRODUCER_ID,
            producer_epoch: NO_PRODUCER_EPOCH,
            base_sequence: NO_SEQUENCE,
            is_transactional: false,
            control: None,
            records: Arc::new(records.iter().enumerate().map(|(i, (k, v))| record(*k, *v, i as i32, 0)).collect()),
        }
    }

    /// `n` keyless records with 10-byte values.
    pub fn values(n: usize, timestamp: Millis) -> RecordBatch {
        batch(&vec![(None, Some("0123456789")); n], timestamp)
    }

    pub fn keyed(pairs: &[(&str, Option<&str>)], timestamp: Millis) -> RecordBatch {
        let records: Vec<(Option<&str>, Option<&str>)> = pairs.iter().map(|(k, v)| (Some(*k), *v)).collect();
        batch(&records, timestamp)
    }

    pub fn idempotent(
        mut batch: RecordBatch,
        producer_id: ProducerId,
        epoch: ProducerEpoch,
        sequence: i32,
    ) -> RecordBatch {
        batch.producer_id = producer_id;
        batch.producer_epoch = epoch;
        batch.base_sequence = sequence;
        batch
    }

    pub fn transactional(
        batch: RecordBatch,
        producer_id: ProducerId,
        epoch: ProducerEpoch,
        sequence: i32,
    ) -> RecordBatch {
        let mut batch = idempotent(batch, producer_id, epoch, sequence);
        batch.is_transactional = true;
        batch
    }

    pub fn config() -> TopicConfig {
        TopicConfig::default()
    }

    /// Every offset held by the log, in order.
    pub fn offsets(log: &PartitionLog) -> Vec<Offset> {
        log.segments
            .iter()
            .flat_map(|s| s.batches.iter())
            .flat_map(|b| b.batch.records.iter().map(|r| b.batch.offset_of(r)))
            .collect()
    }
}

use fixtures::*;

fn read_all(log: &PartitionLog, from: Offset) -> Vec<RecordBatch> {
    log.read(from, u32::MAX, log.log_end_offset()).unwrap().batches
}

// ----- append ----------------------------------------------------------

#[test]
fn leader_append_assigns_offsets_from_the_log_end_offset_and_stamps_the_epoch() {
    let mut log = PartitionLog::new(config(), 0);
    let a = log.append_as_leader(values(3, 10), 4, 10).unwrap();
    let b = log.append_as_leader(values(2, 11), 4, 11).unwrap();
    assert_eq!((a.base_offset, a.last_offset, a.duplicate), (0, 2, false));
    assert_eq!((b.base_offset, b.last_offset), (3, 4));
    assert_eq!(log.log_end_offset(), 5);
    let batches = read_all(&log, 0);
    assert_eq!(
        batches.iter().map(|b| (b.base_offset, b.partition_leader_epoch)).collect::<Vec<_>>(),
        vec![(0, 4), (3, 4)]
    );
    assert_eq!(a.log_append_time, None);
    assert_eq!(log.record_count(), 5);
    assert_eq!(log.size_bytes(), (a.size_bytes + b.size_bytes) as u64);
}

#[test]
fn log_append_time_topic_stamps_the_batch_with_now() {
    let mut log =
        PartitionLog::new(TopicConfig { message_timestamp_type: TimestampType::LogAppendTime, ..config() }, 0);
    let info = log.append_as_leader(values(2, 5), 0, 700).unwrap();
    assert_eq!(info.log_append_time, Some(700));
    let batch = &read_all(&log, 0)[0];
    assert_eq!(batch.timestamp_type, TimestampType::LogAppendTime);
    assert_eq!(batch.timestamp_of(&batch.records[1]), 700);
}

#[test]
fn batch_over_max_message_bytes_is_message_too_large_and_not_appended() {
    let mut log = PartitionLog::new(TopicConfig { max_message_bytes: 100, ..config() }, 0);
    assert_eq!(log.append_as_leader(values(10, 0), 0, 0), Err(KafkaError::MessageTooLarge));
    assert_eq!(log.log_end_offset(), 0);
    assert!(log.append_as_leader(values(1, 0), 0, 0).is_ok());
}

#[test]
fn batch_over_segment_bytes_is_record_list_too_large() {
    let mut log = PartitionLog::new(TopicConfig { segment_bytes: 100, ..config() }, 0);
    assert_eq!(log.append_as_leader(values(10, 0), 0, 0), Err(KafkaError::RecordListTooLarge));
}

#[test]
fn compacted_topic_refuses_records_without_a_key() {
    let mut log = PartitionLog::new(TopicConfig { cleanup_policy: CleanupPolicy::Compact, ..config() }, 0);
    let mixed = batch(&[(Some("k"), Some("v")), (None, Some("v"))], 0);
    assert_eq!(log.append_as_leader(mixed, 0, 0), Err(KafkaError::InvalidRecord));
    assert!(log.append_as_leader(keyed(&[("k", Some("v"))], 0), 0, 0).is_ok());
}

#[test]
fn clients_cannot_append_control_or_empty_batches() {
    let mut log = PartitionLog::new(config(), 0);
    let marker = control_batch(1, 0, ControlType::Commit, 0, 0);
    assert_eq!(log.append_as_leader(marker, 0, 0), Err(KafkaError::InvalidRecord));
    assert_eq!(log.append_as_leader(batch(&[], 0), 0, 0), Err(KafkaError::InvalidRecord));
}

// ----- idempotence -----------------------------------------------------

#[test]
fn idempotent_retry_is_not_appended_and_answers_the_original_offsets() {
    let mut log = PartitionLog::new(config(), 0);
    log.append_as_leader(values(1, 0), 0, 0).unwrap();
    let first = log.append_as_leader(idempotent(values(3, 0), 7, 0, 0), 0, 0).unwrap();
    log.append_as_leader(idempotent(values(2, 0), 7, 0, 3), 0, 0).unwrap();
    let retry = log.append_as_leader(idempotent(values(3, 0), 7, 0, 0), 0, 0).unwrap();
    assert!(retry.duplicate);
    assert_eq!((retry.base_offset, retry.last_offset), (first.base_offset, first.last_offset));
    assert_eq!((retry.base_offset, retry.last_offset), (1, 3));
    assert_eq!(log.log_end_offset(), 6);
}

#[test]
fn non_idempotent_retry_is_appended_again() {
    let mut log = PartitionLog::new(config(), 0);
    let a = log.append_as_leader(values(2, 0), 0, 0).unwrap();
    let b = log.append_as_leader(values(2, 0), 0, 0).unwrap();
    assert!(!b.duplicate);
    assert_eq!((a.base_offset, b.base_offset), (0, 2));
    assert_eq!(log.record_count(), 4);
}

#[test]
fn sequence_gap_and_stale_epoch_are_refused_without_appending() {
    let mut log = PartitionLog::new(config(), 0);
    log.append_as_leader(idempotent(values(2, 0), 1, 3, 0), 0, 0).unwrap();
    assert_eq!(
        log.append_as_leader(idempotent(values(1, 0), 1, 3, 5), 0, 0),
        Err(KafkaError::OutOfOrderSequenceNumber)
    );
    assert_eq!(log.append_as_leader(idempotent(values(1, 0), 1, 2, 2), 0, 0), Err(KafkaError::InvalidProducerEpoch));
    assert_eq!(
        log.append_as_leader(idempotent(values(1, 0), 2, 0, 4), 0, 0),
        Err(KafkaError::OutOfOrderSequenceNumber)
    );
    assert_eq!(log.log_end_offset(), 2);
    assert_eq!(log.append_as_leader(idempotent(values(1, 0), 1, 3, 2), 0, 0).unwrap().base_offset, 2);
    assert_eq!(log.producer_state(1).unwrap().last_seq(), 2);
}

#[test]
fn follower_learns_producer_state_so_it_dedups_after_becoming_leader() {
    let mut leader = PartitionLog::new(config(), 0);
    let mut follower = PartitionLog::new(config(), 0);
    leader.append_as_leader(idempotent(values(2, 0), 9, 0, 0), 1, 0).unwrap();
    for batch in read_all(&leader, 0) {
        follower.append_as_follower(batch, 0);
    }
    assert_eq!(follower.latest_epoch(), Some(1));
    let retry = follower.append_as_leader(idempotent(values(2, 0), 9, 0, 0), 2, 0).unwrap();
    assert!(retry.duplicate);
    assert_eq!(retry.base_offset, 0);
}

#[test]
#[should_panic(expected = "below the log end offset")]
fn follower_append_below_the_log_end_offset_is_a_bug() {
    let mut log = PartitionLog::new(config(), 0);
    log.append_as_leader(values(2, 0), 0, 0).unwrap();
    let batch = read_all(&log, 0)[0].clone();
    log.append_as_follower(batch, 0);
}

// ----- segments --------------------------------------------------------

#[test]
fn segment_rolls_when_the_next_batch_would_not_fit() {
    let mut log = PartitionLog::new(TopicConfig { segment_bytes: 200, ..config() }, 0);
    let size = log.append_as_leader(values(3, 0), 0, 0).unwrap().size_bytes;
    assert!(size * 2 > 200 && size <= 200, "fixture: a batch is {size} bytes");
    let second = log.append_as_leader(values(3, 0), 0, 0).unwrap();
    assert_eq!(second.rolled_segment, Some(3));
    assert_eq!(log.segment_count(), 2);
    assert_eq!(log.active_segment_base_offset(), 3);
}

#[test]
fn segment_rolls_when_record_time_passes_segment_ms() {
    let mut log = PartitionLog::new(TopicConfig { segment_ms: 1_000, ..config() }, 0);
    log.append_as_leader(values(1, 100), 0, 100).unwrap();
    assert_eq!(log.append_as_leader(values(1, 1_100), 0, 1_100).unwrap().rolled_segment, None);
    assert_eq!(log.append_as_leader(values(1, 1_101), 0, 1_101).unwrap().rolled_segment, Some(2));
}

#[test]
fn maybe_roll_closes_an_idle_expired_active_segment_but_not_an_empty_one() {
    let mut log = PartitionLog::new(TopicConfig { segment_ms: 1_000, ..config() }, 0);
    assert_eq!(log.maybe_roll(5_000), None);
    log.append_as_leader(values(1, 5_000), 0, 5_000).unwrap();
    assert_eq!(log.maybe_roll(6_000), None);
    assert_eq!(log.maybe_roll(6_001), Some(1));
    assert_eq!(log.maybe_roll(9_000), None);
}

// ----- read ------------------------------------------------------------

#[test]
fn read_starts_at_the_batch_holding_the_offset() {
    let mut log = PartitionLog::new(config(), 0);
    log.append_as_leader(values(3, 0), 0, 0).unwrap();
    log.append_as_leader(values(3, 0), 0, 0).unwrap();
    let result = log.read(4, u32::MAX, 6).unwrap();
    assert_eq!(result.batches.iter().map(|b| b.base_offset).collect::<Vec<_>>(), vec![3]);
    assert_eq!(result.log_end_offset, 6);
}

#[test]
fn read_returns_at_least_one_batch_even_over_max_bytes() {
    let mut log = PartitionLog::new(config(), 0);
    let size = log.append_as_leader(values(5, 0), 0, 0).unwrap().size_bytes;
    log.append_as_leader(values(5, 0), 0, 0).unwrap();
    assert_eq!(log.read(0, 1, 10).unwrap().batches.len(), 1);
    assert_eq!(log.read(0, size, 10).unwrap().batches.len(), 1);
    assert_eq!(log.read(0, size * 2, 10).unwrap().batches.len(), 2);
    assert_eq!(log.read(0, size * 2, 10).unwrap().size_bytes, size as u64 * 2);
}

#[test]
fn read_never_returns_batches_at_or_past_max_offset() {
    let mut log = PartitionLog::new(config(), 0);
    log.append_as_leader(values(2, 0), 0, 0).unwrap();
    log.append_as_leader(values(2, 0), 0, 0).unwrap();
    assert_eq!(log.read(0, u32::MAX, 2).unwrap().batches.len(), 1);
    assert_eq!(log.read(0, u32::MAX, 3).unwrap().batches.len(), 1);
    assert!(log.read(2, u32::MAX, 2).unwrap().batches.is_empty());
    assert!(log.read(4, u32::MAX, 4).unwrap().batches.is_empty());
}

#[test]
fn read_outside_the_log_is_offset_out_of_range() {
    let mut log = PartitionLog::new(TopicConfig { segment_bytes: 100, ..config() }, 0);
    for _ in 0..3 {
        log.append_as_leader(values(1, 0), 0, 0).unwrap();
    }
    assert_eq!(log.read(4, u32::MAX, 3), Err(KafkaError::OffsetOutOfRange));
    log.delete_records(2).unwrap();
    assert_eq!(log.read(1, u32::MAX, 3), Err(KafkaError::OffsetOutOfRange));
    assert_eq!(log.read(2, u32::MAX, 3).unwrap().batches.len(), 1);
}

#[test]
fn read_spans_segments() {
    let mut log = PartitionLog::new(TopicConfig { segment_bytes: 100, ..config() }, 0);
    for _ in 0..4 {
        log.append_as_leader(values(1, 0), 0, 0).unwrap();
    }
    assert_eq!(log.segment_count(), 4);
    assert_eq!(log.read(1, u32::MAX, 4).unwrap().batches.len(), 3);
}

// ----- retention -------------------------------------------------------

/// A log with one batch per segment at timestamps 0, 1000, 2000, 3000 (the last active).
fn four_segments(config: TopicConfig) -> PartitionLog {
    let mut log = PartitionLog::new(TopicConfig { segment_bytes: 100, ..config }, 0);
    for i in 0..4 {
        log.append_as_leader(values(1, i * 1_000), 0, i * 1_000).unwrap();
    }
    assert_eq!(log.segment_count(), 4);
    log
}

#[test]
fn retention_ms_deletes_closed_segments_older_than_it() {
    let mut log = four_segments(TopicConfig { retention_ms: 1_500, ..config() });
    let deleted = log.apply_retention(3_000, 4);
    assert_eq!(
        deleted.iter().map(|d| (d.base_offset, d.reason)).collect::<Vec<_>>(),
        vec![(0, RetentionReason::RetentionMs), (1, RetentionReason::RetentionMs)]
    );
    assert_eq!(log.log_start_offset(), 2);
    assert_eq!(log.segment_count(), 2);
    assert_eq!(log.record_count(), 2);
}

#[test]
fn retention_never_deletes_the_active_segment() {
    let mut log = four_segments(TopicConfig { retention_ms: 0, segment_ms: 10_000, ..config() });
    log.apply_retention(100_000, 4);
    assert_eq!(log.segment_count(), 1);
    assert_eq!(log.log_start_offset(), 3);
    assert_eq!(offsets(&log), vec![3]);
    // After rolling the idle active segment, it can go too.
    log.maybe_roll(100_000);
    log.apply_retention(100_000, 4);
    assert_eq!((log.log_start_offset(), log.log_end_offset(), log.record_count()), (4, 4, 0));
}

#[test]
fn retention_only_deletes_segments_wholly_below_the_high_watermark() {
    let mut log = four_segments(TopicConfig { retention_ms: 0, ..config() });
    assert_eq!(log.apply_retention(100_000, 1).len(), 1);
    assert_eq!(log.apply_retention(100_000, 1).len(), 0);
    assert_eq!(log.log_start_offset(), 1);
}

#[test]
fn retention_bytes_deletes_the_oldest_segments_while_the_log_is_too_big() {
    let mut log = four_segments(config());
    let segment = log.size_bytes() / 4;
    log.update_config(TopicConfig { retention_bytes: (segment * 2) as i64, ..log.config().clone() });
    let deleted = log.apply_retention(0, 4);
    assert_eq!(
        deleted.iter().map(|d| (d.base_offset, d.reason)).collect::<Vec<_>>(),
        vec![(0, RetentionReason::RetentionBytes), (1, RetentionReason::RetentionBytes)]
    );
    assert_eq!(log.size_bytes(), segment * 2);
}

#[test]
fn compact_only_topics_keep_old_segments() {
    let mut log = four_segments(TopicConfig { retention_ms: 0, ..config() });
    // The records have no keys: they were written before the topic became compacted.
    log.update_config(TopicConfig { cleanup_policy: CleanupPolicy::Compact, ..log.config().clone() });
    assert!(log.apply_retention(100_000, 4).is_empty());
    assert_eq!(log.segment_count(), 4);
}

#[test]
fn delete_records_moves_the_log_start_and_deletes_segments_below_it() {
    let mut log = four_segments(config());
    let deleted = log.delete_records(2).unwrap();
    assert_eq!(
        deleted.iter().map(|d| (d.base_offset, d.reason)).collect::<Vec<_>>(),
        vec![(0, RetentionReason::LogStartOffset), (1, RetentionReason::LogStartOffset)]
    );
    assert_eq!(log.log_start_offset(), 2);
    assert_eq!(log.delete_records(1).unwrap(), vec![]);
    assert_eq!(log.log_start_offset(), 2);
    assert_eq!(log.delete_records(5), Err(KafkaError::OffsetOutOfRange));
    let mut compacted = PartitionLog::new(TopicConfig { cleanup_policy: CleanupPolicy::Compact, ..config() }, 0);
    assert_eq!(compacted.delete_records(0), Err(KafkaError::PolicyViolation));
}

#[test]
fn retention_evicts_producers_whose_batches_are_gone_and_then_accepts_any_sequence() {
    let mut log = PartitionLog::new(TopicConfig { segment_bytes: 100, retention_ms: 10, ..config() }, 0);
    log.append_as_leader(idempotent(values(1, 0), 5, 0, 0), 0, 0).unwrap();
    log.append_as_leader(values(1, 1_000), 0, 1_000).unwrap();
    log.apply_retention(1_000, 2);
    assert!(log.producer_state(5).is_none());
    assert!(log.append_as_leader(idempotent(values(1, 1_000), 5, 0, 42), 0, 1_000).is_ok());
}

// ----- time index ------------------------------------------------------

#[test]
fn offset_for_timestamp_finds_the_earliest_record_at_or_after_it() {
    let mut log = PartitionLog::new(TopicConfig { segment_bytes: 200, ..config() }, 0);
    let mut b = values(3, 100);
    Arc::make_mut(&mut b.records)[1].timestamp_delta = 50;
    Arc::make_mut(&mut b.records)[2].timestamp_delta = 20;
    b.max_timestamp = 150;
    log.append_as_leader(b, 0, 0).unwrap();
    log.append_as_leader(values(2, 300), 0, 0).unwrap();
    assert_eq!(log.offset_for_timestamp(0), Some((0, 100)));
    assert_eq!(log.offset_for_timestamp(110), Some((1, 150)));
    assert_eq!(log.offset_for_timestamp(151), Some((3, 300)));
    assert_eq!(log.offset_for_timestamp(301), None);
    log.delete_records(1).unwrap();
    assert_eq!(log.offset_for_timestamp(0), Some((1, 150)));
}

// ----- leader epochs and truncation -----------------------------------

#[test]
fn epoch_cache_follows_appends_and_answers_offsets_for_leader_epoch() {
    let mut log = PartitionLog::new(config(), 0);
    log.append_as_leader(values(2, 0), 0, 0).unwrap();
    log.append_as_leader(values(2, 0), 0, 0).unwrap();
    log.append_as_leader(values(3, 0), 2, 0).unwrap();
    assert_eq!(
        log.epoch_entries(),
        &[EpochEntry { epoch: 0, start_offset: 0 }, EpochEntry { epoch: 2, start_offset: 4 }]
    );
    assert_eq!(log.end_offset_for_epoch(0), Some((0, 4)));
    assert_eq!(log.end_offset_for_epoch(1), Some((0, 4)));
    assert_eq!(log.end_offset_for_epoch(2), Some((2, 7)));
    assert_eq!(log.end_offset_for_epoch(3), None);
    log.maybe_assign_epoch_start_offset(3, 7);
    assert_eq!(log.end_offset_for_epoch(2), Some((2, 7)));
    assert_eq!(log.latest_epoch(), Some(3));
}

#[test]
fn truncation_removes_the_divergent_suffix_and_reports_the_lost_records() {
    let mut log = PartitionLog::new(TopicConfig { segment_bytes: 150, ..config() }, 0);
    log.append_as_leader(keyed(&[("a", Some("1")), ("b", Some("2"))], 0), 0, 0).unwrap();
    log.append_as_leader(keyed(&[("c", Some("3"))], 0), 1, 0).unwrap();
    log.append_as_leader(keyed(&[("d", Some("4")), ("e", Some("5"))], 0), 1, 0).unwrap();
    assert!(log.segment_count() >= 2);
    let lost = log.truncate_to(2);
    assert_eq!(
        lost.iter().map(|r| (r.offset, r.key.clone().unwrap())).collect::<Vec<_>>(),
        vec![(2, Blob::from("c")), (3, Blob::from("d")), (4, Blob::from("e"))]
    );
    assert_eq!(lost[0].leader_epoch, 1);
    assert_eq!(log.log_end_offset(), 2);
    assert_eq!(log.latest_epoch(), Some(0));
    assert_eq!(log.size_bytes(), log.read(0, u32::MAX, 2).unwrap().size_bytes);
    assert!(log.truncate_to(2).is_empty());
    // Offsets continue from the new end: the lost ones are reassigned to new records.
    assert_eq!(log.append_as_leader(values(1, 0), 2, 0).unwrap().base_offset, 2);
}

#[test]
fn truncating_at_or_past_the_log_end_still_drops_an_epoch_that_starts_there() {
    // A leader of epoch 3 assigned its start offset and lost leadership before
    // appending: as a follower it truncates to the log end, and the empty
    // epoch 3 entry must go (Kafka's `UnifiedLog.truncateTo`).
    let mut log = PartitionLog::new(config(), 0);
    log.append_as_leader(values(2, 0), 1, 0).unwrap();
    log.maybe_assign_epoch_start_offset(3, 2);
    assert_eq!(log.latest_epoch(), Some(3));
    assert!(log.truncate_to(5).is_empty());
    assert_eq!(log.latest_epoch(), Some(1));
    assert_eq!(log.log_end_offset(), 2);
}

#[test]
fn truncation_rebuilds_producer_state_so_a_lost_batch_can_be_written_again() {
    let mut log = PartitionLog::new(config(), 0);
    log.append_as_leader(idempotent(values(2, 0), 3, 0, 0), 0, 0).unwrap();
    log.append_as_leader(idempotent(values(2, 0), 3, 0, 2), 0, 0).unwrap();
    let lost = log.truncate_to(2);
    assert_eq!(lost.iter().map(|r| r.sequence).collect::<Vec<_>>(), vec![2, 3]);
    let again = log.append_as_leader(idempotent(values(2, 0), 3, 0, 2), 0, 0).unwrap();
    assert!(!again.duplicate);
    assert_eq!(again.base_offset, 2);
}

#[test]
fn truncate_fully_and_start_at_empties_the_log() {
    let mut log = PartitionLog::new(config(), 0);
    log.append_as_leader(values(3, 0), 0, 0).unwrap();
    let lost = log.truncate_fully_and_start_at(10);
    assert_eq!(lost.len(), 3);
    assert_eq!((log.log_start_offset(), log.log_end_offset(), log.size_bytes()), (10, 10, 0));
    assert_eq!(log.latest_epoch(), None);
    assert_eq!(log.read(10, u32::MAX, 10).unwrap().batches.len(), 0);
    assert_eq!(log.append_as_leader(values(1, 0), 0, 0).unwrap().base_offset, 10);
}

// ----- transactions ----------------------------------------------------

#[test]
fn open_transaction_holds_the_last_stable_offset_until_its_marker_is_replicated() {
    let mut log = PartitionLog::new(config(), 0);
    log.append_as_leader(values(2, 0), 0, 0).unwrap();
    log.append_as_leader(transactional(values(2, 0), 8, 0, 0), 0, 0).unwrap();
    log.append_as_leader(values(1, 0), 0, 0).unwrap();
    assert_eq!(log.first_unstable_offset(), Some(2));
    assert_eq!(log.last_stable_offset(5), 2);
    let marker = log.append_control_marker(8, 0, ControlType::Commit, 0, 0, 0).unwrap();
    assert_eq!(marker.base_offset, 5);
    assert_eq!(
        marker.completed_txn,
        Some(CompletedTxn { producer_id: 8, first_offset: 2, last_offset: 5, aborted: false })
    );
    assert_eq!(log.first_unstable_offset(), None);
    // The marker is at 5: until the high watermark passes it, the transaction is still unstable.
    assert_eq!(log.last_stable_offset(5), 2);
    assert_eq!(log.last_stable_offset(6), 6);
    log.on_high_watermark(6);
    assert_eq!(log.last_stable_offset(5), 5);
    assert!(log.aborted_transactions(0, 6).is_empty());
}

#[test]
fn aborted_transaction_is_indexed_and_filtered_for_read_committed() {
    let mut log = PartitionLog::new(config(), 0);
    log.append_as_leader(transactional(keyed(&[("a", Some("x"))], 0), 1, 0, 0), 0, 0).unwrap();
    log.append_as_leader(transactional(keyed(&[("b", Some("y"))], 0), 2, 0, 0), 0, 0).unwrap();
    log.append_as_leader(transactional(keyed(&[("c", Some("z"))], 0), 1, 0, 1), 0, 0).unwrap();
    log.append_control_marker(1, 0, ControlType::Abort, 0, 0, 0).unwrap();
    log.append_control_marker(2, 0, ControlType::Commit, 0, 0, 0).unwrap();
    let hw = log.log_end_offset();
    let lso = log.last_stable_offset(hw);
    assert_eq!(lso, 5);
    let aborted = log.aborted_transactions(0, lso);
    assert_eq!(aborted, vec![AbortedTxn { producer_id: 1, first_offset: 0, last_offset: 3 }]);
    let fetched = log.read(0, u32::MAX, lso).unwrap().batches;
    assert_eq!(fetched.len(), 5);
    let visible = filter_read_committed(&fetched, &aborted);
    assert_eq!(visible.iter().map(|b| b.base_offset).collect::<Vec<_>>(), vec![1]);
}

#[test]
fn marker_checks_producer_and_coordinator_epochs() {
    let mut log = PartitionLog::new(config(), 0);
    log.append_as_leader(transactional(values(1, 0), 1, 3, 0), 0, 0).unwrap();
    assert_eq!(log.append_control_marker(1, 2, ControlType::Abort, 0, 0, 0), Err(KafkaError::InvalidProducerEpoch));
    log.append_control_marker(1, 3, ControlType::Abort, 5, 0, 0).unwrap();
    assert_eq!(
        log.append_control_marker(1, 3, ControlType::Abort, 4, 0, 0),
        Err(KafkaError::TransactionCoordinatorFenced)
    );
}

#[test]
fn non_transactional_write_during_a_transaction_is_invalid_txn_state() {
    let mut log = PartitionLog::new(config(), 0);
    log.append_as_leader(transactional(values(1, 0), 1, 0, 0), 0, 0).unwrap();
    assert_eq!(log.append_as_leader(idempotent(values(1, 0), 1, 0, 1), 0, 0), Err(KafkaError::InvalidTxnState));
}

#[test]
fn follower_replicates_markers_and_the_aborted_index() {
    let mut leader = PartitionLog::new(config(), 0);
    leader.append_as_leader(transactional(values(2, 0), 1, 0, 0), 0, 0).unwrap();
    leader.append_control_marker(1, 0, ControlType::Abort, 7, 0, 0).unwrap();
    let mut follower = PartitionLog::new(config(), 0);
    for batch in read_all(&leader, 0) {
        follower.append_as_follower(batch, 0);
    }
    assert_eq!(follower.aborted_transactions(0, 3), leader.aborted_transactions(0, 3));
    assert_eq!(follower.producer_state(1).unwrap().coordinator_epoch, 7);
}

#[test]
fn truncating_a_marker_reopens_its_transaction() {
    let mut log = PartitionLog::new(config(), 0);
    log.append_as_leader(transactional(values(2, 0), 1, 0, 0), 0, 0).unwrap();
    log.append_control_marker(1, 0, ControlType::Abort, 0, 0, 0).unwrap();
    assert_eq!(log.aborted_transactions(0, 3).len(), 1);
    let lost = log.truncate_to(2);
    assert_eq!(lost[0].control, Some(ControlType::Abort));
    assert!(log.aborted_transactions(0, 3).is_empty());
    assert_eq!(log.first_unstable_offset(), Some(0));
}

// ----- compaction ------------------------------------------------------

fn compacted(segment_bytes: i64) -> TopicConfig {
    TopicConfig { cleanup_policy: CleanupPolicy::Compact, segment_bytes, ..config() }
}

#[test]
fn compaction_keeps_the_latest_record_per_key_and_the_offsets() {
    let mut log = PartitionLog::new(compacted(120), 0);
    log.append_as_leader(keyed(&[("a", Some("1")), ("b", Some("1"))], 0), 0, 0).unwrap();
    log.append_as_leader(keyed(&[("a", Some("2"))], 0), 0, 0).unwrap();
    log.append_as_leader(keyed(&[("c", Some("1"))], 0), 0, 0).unwrap();
    log.append_as_leader(keyed(&[("b", Some("2"))], 0), 0, 0).unwrap();
    log.append_as_leader(keyed(&[("a", Some("3"))], 0), 0, 0).unwrap(); // active, untouched
    let result = log.force_compact(0, None);
    assert!(result.ran);
    assert_eq!(
        result.removed.iter().map(|r| (r.offset, r.reason, r.superseded_by)).collect::<Vec<_>>(),
        vec![(0, RemovalReason::Superseded, Some(2)), (1, RemovalReason::Superseded, Some(4))]
    );
    // "a"=2 at offset 2 stays: its newer value is in the active segment, which is not cleanable.
    assert_eq!(offsets(&log), vec![2, 3, 4, 5]);
    assert_eq!(log.log_end_offset(), 6);
    assert_eq!(log.read(0, u32::MAX, 6).unwrap().batches[0].base_offset, 2);
    assert!(log.segment_count() < result.segments_before);
    assert_eq!(result.bytes_after, log.size_bytes());
}

#[test]
fn compaction_drops_tombstones_only_after_delete_retention_ms() {
    let mut config = compacted(100);
    config.delete_retention_ms = 1_000;
    let mut log = PartitionLog::new(config, 0);
    log.append_as_leader(keyed(&[("a", Some("1"))], 0), 0, 0).unwrap();
    log.append_as_leader(keyed(&[("a", None)], 10), 0, 10).unwrap();
    log.append_as_leader(keyed(&[("b", Some("1"))], 20), 0, 20).unwrap();
    let first = log.force_compact(500, None);
    assert_eq!(first.removed.iter().map(|r| r.offset).collect::<Vec<_>>(), vec![0]);
    assert_eq!(offsets(&log), vec![1, 2]);
    let second = log.force_compact(1_011, None);
    assert_eq!(
        second.removed.iter().map(|r| (r.offset, r.reason)).collect::<Vec<_>>(),
        vec![(1, RemovalReason::Tombstone)]
    );
    assert_eq!(offsets(&log), vec![2]);
}

#[test]
fn compaction_respects_min_compaction_lag_and_the_high_watermark() {
    let mut config = compacted(100);
    config.min_compaction_lag_ms = 1_000;
    let mut log = PartitionLog::new(config, 0);
    log.append_as_leader(keyed(&[("a", Some("1"))], 0), 0, 0).unwrap();
    log.append_as_leader(keyed(&[("a", Some("2"))], 900), 0, 900).unwrap();
    log.append_as_leader(keyed(&[("a", Some("3"))], 950), 0, 950).unwrap();
    log.append_as_leader(keyed(&[("z", Some("1"))], 990), 0, 990).unwrap();
    // At 1000 only the first segment is older than the lag: alone, nothing in it is superseded.
    assert!(log.force_compact(1_000, None).removed.is_empty());
    // At 1960 segments up to offset 2 are old enough, but the high watermark is at 2.
    let result = log.force_compact(1_960, Some(2));
    assert_eq!(result.cleanable_end_offset, 2);
    assert_eq!(result.removed.iter().map(|r| r.offset).collect::<Vec<_>>(), vec![0]);
    let result = log.force_compact(1_960, Some(4));
    assert_eq!(result.removed.iter().map(|r| r.offset).collect::<Vec<_>>(), vec![1]);
    assert_eq!(offsets(&log), vec![2, 3]);
}

#[test]
fn compaction_waits_for_the_dirty_ratio() {
    let mut log = PartitionLog::new(compacted(100), 0);
    for i in 0..3 {
        log.append_as_leader(keyed(&[("a", Some("1"))], i), 0, i).unwrap();
    }
    assert!(log.compact(10, None).ran);
    let after_first = log.segment_count();
    // The cleaned part is one small segment; one more dirty segment makes the ratio 0.5.
    log.append_as_leader(keyed(&[("b", Some("1"))], 10), 0, 10).unwrap();
    let result = log.compact(10, None);
    assert!(result.dirty_ratio > 0.0);
    assert_eq!(result.ran, result.dirty_ratio >= 0.5, "{result:?}");
    assert!(log.segment_count() <= after_first + 1);
    let mut lazy = PartitionLog::new(TopicConfig { min_cleanable_dirty_ratio: 1.0, ..compacted(100) }, 0);
    for i in 0..3 {
        lazy.append_as_leader(keyed(&[("a", Some("1"))], i), 0, i).unwrap();
    }
    assert!(lazy.compact(10, None).ran);
    lazy.append_as_leader(keyed(&[("a", Some("2"))], 10), 0, 10).unwrap();
    let skipped = lazy.compact(10, None);
    assert!(!skipped.ran && skipped.skipped.unwrap().contains("min.cleanable.dirty.ratio"));
}

#[test]
fn compaction_keeps_a_producers_last_batch_empty_so_its_sequence_survives() {
    let mut log = PartitionLog::new(compacted(100), 0);
    log.append_as_leader(idempotent(keyed(&[("a", Some("1"))], 0), 4, 0, 0), 0, 0).unwrap();
    log.append_as_leader(keyed(&[("a", Some("2"))], 0), 0, 0).unwrap();
    log.append_as_leader(keyed(&[("b", Some("2"))], 0), 0, 0).unwrap();
    let result = log.force_compact(0, None);
    assert_eq!(result.removed_batches, 0);
    let batches = read_all(&log, 0);
    assert_eq!(batches[0].producer_id, 4);
    assert!(batches[0].records.is_empty());
    assert!(log.append_as_leader(idempotent(keyed(&[("a", Some("1"))], 0), 4, 0, 0), 0, 0).unwrap().duplicate);
    assert_eq!(log.append_as_leader(idempotent(keyed(&[("c", Some("1"))], 0), 4, 0, 1), 0, 0).unwrap().base_offset, 3);
}

#[test]
fn compaction_removes_aborted_records_and_keeps_markers() {
    let mut log = PartitionLog::new(compacted(100), 0);
    log.append_as_leader(keyed(&[("a", Some("committed"))], 0), 0, 0).unwrap();
    log.append_as_leader(transactional(keyed(&[("a", Some("aborted"))], 0), 1, 0, 0), 0, 0).unwrap();
    log.append_control_marker(1, 0, ControlType::Abort, 0, 0, 0).unwrap();
    log.append_as_leader(keyed(&[("z", Some("1"))], 0), 0, 0).unwrap();
    let result = log.force_compact(0, Some(4));
    assert_eq!(
        result.removed.iter().map(|r| (r.offset, r.reason)).collect::<Vec<_>>(),
        vec![(1, RemovalReason::Aborted)]
    );
    let kept: Vec<(Offset, Option<ControlType>)> =
        read_all(&log, 0).iter().map(|b| (b.base_offset, b.control)).collect();
    assert_eq!(kept, vec![(0, None), (1, None), (2, Some(ControlType::Abort)), (3, None)]);
}

#[test]
fn compaction_does_nothing_on_a_delete_topic() {
    let mut log = four_segments(config());
    let result = log.force_compact(0, None);
    assert!(!result.ran);
    assert_eq!(log.record_count(), 4);
}

// ----- snapshot --------------------------------------------------------

#[test]
fn snapshot_shows_segments_retention_and_the_last_records_and_round_trips() {
    let mut log = four_segments(TopicConfig { retention_ms: 1_500, ..config() });
    log.append_as_leader(idempotent(keyed(&[("k", Some("v"))], 3_000), 2, 0, 0), 0, 3_000).unwrap();
    log.append_as_leader(transactional(values(1, 3_000), 3, 0, 0), 0, 3_000).unwrap();
    log.append_as_leader(transactional(values(1, 3_000), 4, 0, 0), 0, 3_000).unwrap();
    log.append_control_marker(4, 0, ControlType::Commit, 0, 0, 3_000).unwrap();
    let snapshot = log.snapshot(3_000, 4, 4, 2);
    // One batch per segment (segment.bytes is 100), the marker's segment active.
    assert_eq!(snapshot.segments.len(), 8);
    assert_eq!(
        snapshot.segments.iter().map(|s| s.deletable_next).collect::<Vec<_>>(),
        vec![
            Some(RetentionReason::RetentionMs),
            Some(RetentionReason::RetentionMs),
            None,
            None,
            None,
            None,
            None,
            None
        ]
    );
    assert!(snapshot.segments[7].active && !snapshot.segments[6].active);
    assert_eq!(snapshot.segments[0].next_offset, 1);
    assert_eq!(snapshot.records.iter().map(|r| r.offset).collect::<Vec<_>>(), vec![6, 7]);
    assert_eq!(snapshot.records[1].control, Some(ControlType::Commit));
    assert_eq!(snapshot.records[0].producer_id, 4);
    assert_eq!(log.last_records(4)[0].key, Some(Blob::from("k")));
    assert_eq!(log.last_records(4)[0].sequence, 0);
    assert_eq!(snapshot.producers.len(), 3);
    assert_eq!(snapshot.ongoing_txns, vec![OngoingTxn { producer_id: 3, first_offset: 5 }]);
    assert_eq!(snapshot.first_unstable_offset, Some(5));
    assert_eq!(snapshot.size_bytes, log.size_bytes());
    let json = serde_json::to_string(&snapshot).unwrap();
    assert_eq!(serde_json::from_str::<LogSnapshot>(&json).unwrap(), snapshot);
    let whole = serde_json::to_string(&log).unwrap();
    assert_eq!(serde_json::from_str::<PartitionLog>(&whole).unwrap(), log);
}
