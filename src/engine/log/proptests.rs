//! Property tests of `PartitionLog` against simple models. Case counts are
//! kept small so the whole suite runs in seconds.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::tests::fixtures::*;
use super::*;
use crate::engine::config::CleanupPolicy;

/// A record as the model sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ModelRecord {
    offset: Offset,
    key: u8,
    value: Option<u32>,
    timestamp: Millis,
}

fn log_records(log: &PartitionLog) -> Vec<ModelRecord> {
    log.read(log.log_start_offset(), u32::MAX, log.log_end_offset())
        .unwrap()
        .batches
        .iter()
        .filter(|b| !b.is_control())
        .flat_map(|b| {
            b.records.iter().map(move |r| ModelRecord {
                offset: b.offset_of(r),
                key: r.key.as_ref().map_or(255, |k| k.as_bytes()[0]),
                value: r.value.as_ref().map(|v| std::str::from_utf8(v.as_bytes()).unwrap().parse().unwrap()),
                timestamp: b.timestamp_of(r),
            })
        })
        .filter(|r| r.offset >= log.log_start_offset())
        .collect()
}

/// A keyed batch: keys are single bytes, values numbers (None = tombstone).
fn keyed_batch(records: &[(u8, Option<u32>)], timestamp: Millis) -> RecordBatch {
    let keys: Vec<String> = records.iter().map(|(k, _)| String::from_utf8(vec![*k]).unwrap()).collect();
    let values: Vec<Option<String>> = records.iter().map(|(_, v)| v.map(|v| v.to_string())).collect();
    let pairs: Vec<(Option<&str>, Option<&str>)> =
        keys.iter().zip(values.iter()).map(|(k, v)| (Some(k.as_str()), v.as_deref())).collect();
    batch(&pairs, timestamp)
}

#[derive(Debug, Clone)]
enum Op {
    /// Keyed records (`b'a' + key`) from a non-idempotent producer, `dt` ms later.
    Append {
        records: Vec<(u8, Option<u32>)>,
        dt: Millis,
    },
    /// An idempotent batch of `count` records from producer `pid`; `retry`
    /// resends its previous batch instead.
    Idempotent {
        pid: u8,
        count: u8,
        retry: bool,
        dt: Millis,
    },
    /// Retention with the high watermark at `hw_permille` of the way from log start to LEO.
    Retention {
        dt: Millis,
        hw_permille: u16,
    },
    Compact {
        dt: Millis,
        hw_permille: u16,
    },
    /// Truncate at the batch boundary `nth` batches from the end.
    Truncate {
        nth: u8,
    },
    DeleteRecords {
        permille: u16,
    },
    MaybeRoll {
        dt: Millis,
    },
}

fn record_strategy() -> impl Strategy<Value = (u8, Option<u32>)> {
    (0u8..6, prop::option::weighted(0.85, 0u32..1000)).prop_map(|(k, v)| (b'a' + k, v))
}

fn op_strategy() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (prop::collection::vec(record_strategy(), 1..5), 0i64..400).prop_map(|(records, dt)| Op::Append { records, dt }),
        3 => (0u8..3, 1u8..4, prop::bool::weighted(0.3), 0i64..400)
            .prop_map(|(pid, count, retry, dt)| Op::Idempotent { pid, count, retry, dt }),
        1 => (0i64..3_000, 0u16..=1000).prop_map(|(dt, hw_permille)| Op::Retention { dt, hw_permille }),
        1 => (0i64..3_000, 0u16..=1000).prop_map(|(dt, hw_permille)| Op::Compact { dt, hw_permille }),
        1 => (0u8..4).prop_map(|nth| Op::Truncate { nth }),
        1 => (0u16..=1000).prop_map(|permille| Op::DeleteRecords { permille }),
        1 => (0i64..3_000).prop_map(|dt| Op::MaybeRoll { dt }),
    ]
}

fn between(low: Offset, high: Offset, permille: u16) -> Offset {
    low + (high - low) * permille as Offset / 1000
}

/// Base offsets of the batches in the log, in order.
fn batch_bases(log: &PartitionLog) -> Vec<Offset> {
    log.segments.iter().flat_map(|s| s.batches.iter().map(|b| b.batch.base_offset)).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Every operation keeps the structure sound: offsets strictly increase,
    /// appends take exactly the log end offset, the log end offset only
    /// moves back by truncation, and log start <= high watermark <= LEO.
    #[test]
    fn random_operations_keep_offsets_increasing_and_the_log_start_below_the_high_watermark(
        ops in prop::collection::vec(op_strategy(), 1..60),
        segment_bytes in 120i64..400,
        policy in prop_oneof![Just(CleanupPolicy::Delete), Just(CleanupPolicy::CompactDelete)],
    ) {
        let config = TopicConfig {
            segment_bytes,
            segment_ms: 1_000,
            retention_ms: 2_000,
            delete_retention_ms: 500,
            cleanup_policy: policy,
            ..TopicConfig::default()
        };
        let mut log = PartitionLog::new(config, 0);
        let mut now: Millis = 0;
        let mut hw: Offset = 0;
        let mut next_seq: BTreeMap<ProducerId, i32> = BTreeMap::new();
        let mut last_idempotent: BTreeMap<ProducerId, (RecordBatch, AppendInfo)> = BTreeMap::new();
        for op in ops {
            let leo_before = log.log_end_offset();
            match op {
                Op::Append { records, dt } => {
                    now += dt;
                    let info = log.append_as_leader(keyed_batch(&records, now), 0, now).unwrap();
                    prop_assert_eq!(info.base_offset, leo_before);
                    prop_assert_eq!(log.log_end_offset(), leo_before + records.len() as Offset);
                }
                Op::Idempotent { pid, count, retry, dt } => {
                    now += dt;
                    let pid = pid as ProducerId;
                    if retry {
                        if let Some((batch, original)) = last_idempotent.get(&pid) {
                            let info = log.append_as_leader(batch.clone(), 0, now).unwrap();
                            prop_assert!(info.duplicate, "retry of {:?} was appended again", original);
                            prop_assert_eq!((info.base_offset, info.last_offset), (original.base_offset, original.last_offset));
                            prop_assert_eq!(log.log_end_offset(), leo_before);
                        }
                    } else {
                        let seq = *next_seq.entry(pid).or_insert(0);
                        let records: Vec<(u8, Option<u32>)> = (0..count).map(|i| (b'p', Some(i as u32))).collect();
                        let batch = idempotent(keyed_batch(&records, now), pid, 0, seq);
                        let info = log.append_as_leader(batch.clone(), 0, now).unwrap();
                        prop_assert!(!info.duplicate);
                        prop_assert_eq!(info.base_offset, leo_before);
                        next_seq.insert(pid, seq + count as i32);
                        last_idempotent.insert(pid, (batch, info));
                    }
                }
                Op::Retention { dt, hw_permille } => {
                    now += dt;
                    hw = hw.max(log.log_start_offset()).max(between(log.log_start_offset(), log.log_end_offset(), hw_permille));
                    let active_base = log.active_segment_base_offset();
                    let before = log_records(&log);
                    let deleted = log.apply_retention(now, hw);
                    prop_assert_eq!(log.active_segment_base_offset(), active_base);
                    for d in &deleted {
                        prop_assert!(d.next_offset <= hw);
                    }
                    let after = log_records(&log);
                    for r in before.iter().filter(|r| !after.contains(r)) {
                        prop_assert!(r.offset < hw);
                    }
                }
                Op::Compact { dt, hw_permille } => {
                    now += dt;
                    hw = hw.max(log.log_start_offset()).max(between(log.log_start_offset(), log.log_end_offset(), hw_permille));
                    log.force_compact(now, Some(hw));
                }
                Op::Truncate { nth } => {
                    let bases = batch_bases(&log);
                    if let Some(&at) = bases.iter().rev().nth(nth as usize) {
                        if at >= log.log_start_offset() {
                            log.truncate_to(at);
                            prop_assert_eq!(log.log_end_offset(), at);
                            hw = hw.min(at);
                        }
                    }
                }
                Op::DeleteRecords { permille } => {
                    let target = between(log.log_start_offset(), hw.max(log.log_start_offset()), permille);
                    if policy.deletes() {
                        log.delete_records(target).unwrap();
                        prop_assert!(log.log_start_offset() >= target);
                    }
                }
                Op::MaybeRoll { dt } => {
                    now += dt;
                    log.maybe_roll(now);
                }
            }
            log.check_invariants();
            prop_assert!(
                log.log_start_offset() <= hw && hw <= log.log_end_offset(),
                "log start {} <= hw {} <= leo {}",
                log.log_start_offset(),
                hw,
                log.log_end_offset()
            );
            let offsets = offsets(&log);
            prop_assert!(offsets.windows(2).all(|w| w[0] < w[1]), "offsets not increasing: {:?}", offsets);
            prop_assert!(offsets.last().is_none_or(|&o| o < log.log_end_offset()));
            // Keep the model of each producer in step with what the log still knows.
            for pid in 0..3 {
                let known = log.producer_state(pid).map(|e| (e.last_seq() + 1, e.last_data_offset()));
                match known {
                    Some((seq, last)) => {
                        next_seq.insert(pid, seq);
                        if last_idempotent.get(&pid).is_some_and(|(_, info)| info.last_offset != last) {
                            last_idempotent.remove(&pid);
                        }
                    }
                    None => {
                        next_seq.insert(pid, 0);
                        last_idempotent.remove(&pid);
                    }
                }
            }
        }
    }

    /// `retention.ms` deletes only closed segments, and never a record whose
    /// timestamp is within `retention.ms` of now.
    #[test]
    fn retention_never_deletes_the_active_segment_nor_recent_records(
        steps in prop::collection::vec((1usize..4, 0i64..500, any::<bool>()), 1..40),
        retention_ms in 0i64..3_000,
        segment_bytes in 120i64..300,
    ) {
        let config = TopicConfig { segment_bytes, retention_ms, ..TopicConfig::default() };
        let mut log = PartitionLog::new(config, 0);
        let mut now = 0;
        for (count, dt, run_retention) in steps {
            now += dt;
            log.append_as_leader(values(count, now), 0, now).unwrap();
            if run_retention {
                let before = log_records(&log);
                let active_base = log.active_segment_base_offset();
                let deleted = log.apply_retention(now, log.log_end_offset());
                prop_assert_eq!(log.active_segment_base_offset(), active_base);
                prop_assert!(log.segment_count() >= 1);
                let after = log_records(&log);
                for r in before.iter().filter(|r| !after.contains(r)) {
                    prop_assert!(now - r.timestamp > retention_ms, "deleted {:?} at {}", r, now);
                    prop_assert!(r.offset < active_base);
                }
                for d in deleted {
                    prop_assert_eq!(d.reason, RetentionReason::RetentionMs);
                }
            }
            log.check_invariants();
        }
    }

    /// After compaction the cleanable part holds exactly the latest record of
    /// each key (tombstones too, until they expire), everything after it is
    /// untouched, and a reader of the whole log ends with the same value per
    /// key as before.
    #[test]
    fn compaction_keeps_exactly_the_latest_value_per_key(
        batches in prop::collection::vec((prop::collection::vec(record_strategy(), 1..5), 0i64..300), 1..30),
        cleanings in prop::collection::vec((0usize..30, 0u16..=1000, 0i64..2_000), 1..4),
        segment_bytes in 120i64..400,
        delete_retention_ms in 0i64..2_000,
    ) {
        let config = TopicConfig {
            cleanup_policy: CleanupPolicy::Compact,
            segment_bytes,
            delete_retention_ms,
            ..TopicConfig::default()
        };
        let mut log = PartitionLog::new(config, 0);
        let mut now = 0;
        // The model: key -> latest value among every record ever appended.
        let mut latest: BTreeMap<u8, Option<u32>> = BTreeMap::new();
        for (i, (records, dt)) in batches.iter().enumerate() {
            now += dt;
            log.append_as_leader(keyed_batch(records, now), 0, now).unwrap();
            for &(k, v) in records {
                latest.insert(k, v);
            }
            for &(at, hw_permille, later) in &cleanings {
                if at != i {
                    continue;
                }
                let hw = between(log.log_start_offset(), log.log_end_offset(), hw_permille);
                let before = log_records(&log);
                let result = log.force_compact(now + later, Some(hw));
                let end = result.cleanable_end_offset;
                prop_assert!(end <= hw && end <= log.active_segment_base_offset());
                let mut newest_below_end: BTreeMap<u8, Offset> = BTreeMap::new();
                for r in before.iter().filter(|r| r.offset < end) {
                    newest_below_end.insert(r.key, r.offset);
                }
                let expected: Vec<ModelRecord> = before
                    .iter()
                    .filter(|r| {
                        r.offset >= end
                            || (newest_below_end[&r.key] == r.offset
                                && !(r.value.is_none() && now + later - r.timestamp > delete_retention_ms))
                    })
                    .cloned()
                    .collect();
                prop_assert_eq!(log_records(&log), expected);
            }
            log.check_invariants();
        }
        // A reader of the whole log ends with the model's value for every key
        // (an expired tombstone and "never written" both read as absent).
        let mut read: BTreeMap<u8, Option<u32>> = BTreeMap::new();
        for r in log_records(&log) {
            read.insert(r.key, r.value);
        }
        for (k, v) in &latest {
            let seen = read.get(k).copied().flatten();
            prop_assert_eq!(seen, *v, "key {}", k);
        }
    }

    /// An idempotent producer's retries (of any of its last five batches)
    /// are never appended twice, whatever order they arrive in.
    #[test]
    fn idempotent_duplicate_retries_are_not_appended(
        sends in prop::collection::vec((1u8..4, prop::option::of(0usize..5)), 1..40),
    ) {
        let mut log = PartitionLog::new(TopicConfig { segment_bytes: 200, ..TopicConfig::default() }, 0);
        let mut sent: Vec<(RecordBatch, AppendInfo)> = Vec::new();
        let mut seq = 0;
        for (count, retry_of) in sends {
            let leo = log.log_end_offset();
            match retry_of.filter(|&back| back < sent.len()) {
                Some(back) => {
                    let (batch, original) = &sent[sent.len() - 1 - back];
                    let info = log.append_as_leader(batch.clone(), 0, 0).unwrap();
                    prop_assert!(info.duplicate);
                    prop_assert_eq!((info.base_offset, info.last_offset), (original.base_offset, original.last_offset));
                    prop_assert_eq!(log.log_end_offset(), leo);
                }
                None => {
                    let batch = idempotent(values(count as usize, 0), 11, 0, seq);
                    let info = log.append_as_leader(batch.clone(), 0, 0).unwrap();
                    prop_assert!(!info.duplicate);
                    prop_assert_eq!(info.base_offset, leo);
                    seq += count as i32;
                    sent.push((batch, info));
                }
            }
        }
        let total: u64 = sent.iter().map(|(b, _)| b.records.len() as u64).sum();
        prop_assert_eq!(log.record_count(), total);
        prop_assert_eq!(log.log_end_offset() as u64, total);
    }
}

#[derive(Debug, Clone)]
enum TxnOp {
    Plain,
    /// A transactional batch from producer 20 + `pid`.
    Txn {
        pid: u8,
    },
    Marker {
        pid: u8,
        commit: bool,
    },
    /// Truncate at the batch boundary `nth` batches from the end.
    Truncate {
        nth: u8,
    },
}

fn txn_op_strategy() -> impl Strategy<Value = TxnOp> {
    prop_oneof![
        3 => Just(TxnOp::Plain),
        4 => (0u8..3).prop_map(|pid| TxnOp::Txn { pid }),
        2 => (0u8..3, any::<bool>()).prop_map(|(pid, commit)| TxnOp::Marker { pid, commit }),
        1 => (0u8..3).prop_map(|nth| TxnOp::Truncate { nth }),
    ]
}

/// What the model remembers of each batch in the log.
#[derive(Debug, Clone, Copy)]
enum Entry {
    Plain(Offset),
    Txn(Offset, ProducerId),
    Marker(Offset, ProducerId, bool),
}

impl Entry {
    fn offset(self) -> Offset {
        match self {
            Entry::Plain(o) | Entry::Txn(o, _) | Entry::Marker(o, _, _) => o,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// A read_committed reader sees exactly the non-transactional records
    /// and the committed transactions' records, and the last stable offset
    /// is the first offset of the earliest open transaction — also after
    /// truncations remove batches and markers.
    #[test]
    fn read_committed_sees_exactly_the_committed_records(ops in prop::collection::vec(txn_op_strategy(), 1..50)) {
        let mut log = PartitionLog::new(TopicConfig { segment_bytes: 150, ..TopicConfig::default() }, 0);
        let mut entries: Vec<Entry> = Vec::new();
        for op in ops {
            match op {
                TxnOp::Plain => {
                    let info = log.append_as_leader(values(1, 0), 0, 0).unwrap();
                    entries.push(Entry::Plain(info.base_offset));
                }
                TxnOp::Txn { pid } => {
                    let pid = 20 + pid as ProducerId;
                    let seq = log.producer_state(pid).map_or(0, |e| e.last_seq() + 1);
                    let info = log.append_as_leader(transactional(values(1, 0), pid, 0, seq), 0, 0).unwrap();
                    entries.push(Entry::Txn(info.base_offset, pid));
                }
                TxnOp::Marker { pid, commit } => {
                    let pid = 20 + pid as ProducerId;
                    let control = if commit { ControlType::Commit } else { ControlType::Abort };
                    let info = log.append_control_marker(pid, 0, control, 0, 0, 0).unwrap();
                    entries.push(Entry::Marker(info.base_offset, pid, commit));
                }
                TxnOp::Truncate { nth } => {
                    if let Some(at) = entries.iter().rev().nth(nth as usize).map(|e| e.offset()) {
                        log.truncate_to(at);
                        entries.retain(|e| e.offset() < at);
                    }
                }
            }
            log.check_invariants();
            // The model: each transactional batch is decided by its producer's next marker.
            let mut open: BTreeMap<ProducerId, Offset> = BTreeMap::new();
            let mut visible: Vec<Offset> = Vec::new();
            for (i, entry) in entries.iter().enumerate() {
                match *entry {
                    Entry::Plain(o) => visible.push(o),
                    Entry::Txn(o, pid) => {
                        open.entry(pid).or_insert(o);
                        let decided = entries[i + 1..].iter().find_map(|e| match *e {
                            Entry::Marker(_, p, commit) if p == pid => Some(commit),
                            _ => None,
                        });
                        if decided == Some(true) {
                            visible.push(o);
                        }
                    }
                    Entry::Marker(_, pid, _) => {
                        open.remove(&pid);
                    }
                }
            }
            let hw = log.log_end_offset();
            let lso = log.last_stable_offset(hw);
            let expected_lso = open.values().min().copied().unwrap_or(hw);
            prop_assert_eq!(lso, expected_lso);
            visible.retain(|&o| o < lso);
            let fetched = log.read(0, u32::MAX, lso).unwrap().batches;
            let seen: Vec<Offset> = filter_read_committed(&fetched, &log.aborted_transactions(0, lso))
                .iter()
                .map(|b| b.base_offset)
                .collect();
            prop_assert_eq!(seen, visible);
        }
    }
}
