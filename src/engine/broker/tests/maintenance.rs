//! Retention, compaction, DeleteRecords and the last stable offset events.

use super::harness::*;
use crate::engine::broker::BrokerTimer;
use crate::engine::config::{CleanupPolicy, IsolationLevel, TopicConfig};
use crate::engine::error::KafkaError;
use crate::engine::event::{Event, LogEvent, ReplicationEvent};
use crate::engine::ids::NodeId;
use crate::engine::protocol::{
    DeleteRecordsRequest, FetchPartitionResponse, FetchResponse, Message, Request, Response, WriteTxnMarkersRequest,
};
use crate::engine::record::ControlType;

fn sole_leader(config: TopicConfig) -> Harness {
    let mut h = Harness::new(1);
    h.apply(image_with_config(&[1], config, partition(Some(1), 1, 1, &[1], &[1])));
    h.sent();
    h.events();
    h
}

fn lso_events(h: &mut Harness) -> Vec<i64> {
    h.events()
        .into_iter()
        .filter_map(|e| match e {
            Event::Replication(ReplicationEvent::LsoAdvanced { last_stable_offset, .. }) => Some(last_stable_offset),
            _ => None,
        })
        .collect()
}

#[test]
fn without_transactions_the_lso_follows_the_hw_silently() {
    let mut h = sole_leader(TopicConfig::default());
    h.produce(1, batch(&["a", "b"]));
    assert_eq!(h.broker.replica(&tp()).unwrap().last_stable_offset(), 2);
    assert!(lso_events(&mut h).is_empty());
}

#[test]
fn an_open_transaction_holds_the_lso_and_its_marker_releases_it_with_events() {
    let mut h = sole_leader(TopicConfig::default());
    h.produce(1, batch(&["plain"]));
    let mut txn = idempotent_batch(9, 0, 0, &["t"]);
    txn.is_transactional = true;
    h.produce(1, txn);
    h.produce(1, batch(&["after"]));
    assert_eq!(lso_events(&mut h), vec![1], "held at 1 from the moment the high watermark passed it");
    assert_eq!(h.broker.replica(&tp()).unwrap().last_stable_offset(), 1);
    h.request(
        NodeId::Broker(1),
        Request::WriteTxnMarkers(WriteTxnMarkersRequest {
            producer_id: 9,
            producer_epoch: 0,
            marker: ControlType::Commit,
            coordinator_epoch: 0,
            partitions: vec![tp()],
        }),
    );
    assert_eq!(lso_events(&mut h), vec![4], "released up to the high watermark");
}

#[test]
fn retention_deletes_closed_segments_past_retention_ms_on_its_timer() {
    let config = TopicConfig { segment_bytes: 200, retention_ms: 1_000, ..TopicConfig::default() };
    let mut h = sole_leader(config);
    for _ in 0..6 {
        h.produce(1, batch(&["0123456789012345678901234567890123456789"]));
    }
    let segments = h.broker.replica(&tp()).unwrap().log.segment_count();
    assert!(segments > 1, "small segments rolled: {segments}");
    h.events();
    h.now = 300_000;
    h.fire(BrokerTimer::RetentionCheck);
    let events = h.events();
    let deleted = events.iter().filter(|e| matches!(e, Event::Log(LogEvent::SegmentDeleted { .. }))).count();
    assert!(deleted > 0);
    assert!(events.iter().any(|e| matches!(e, Event::Log(LogEvent::LogStartOffsetAdvanced { .. }))));
    assert!(h.broker.replica(&tp()).unwrap().log.log_start_offset() > 0);
    let rescheduled = h.timers().into_iter().any(|(after, t)| t == BrokerTimer::RetentionCheck && after == 300_000);
    assert!(rescheduled, "log.retention.check.interval.ms again");
}

#[test]
fn the_cleaner_compacts_a_compacted_topic_on_its_timer() {
    let config = TopicConfig {
        cleanup_policy: CleanupPolicy::Compact,
        segment_bytes: 120,
        min_cleanable_dirty_ratio: 0.0,
        ..TopicConfig::default()
    };
    let mut h = sole_leader(config);
    for _ in 0..6 {
        h.produce(1, batch(&["same-key-same-key-same-key"]));
    }
    h.events();
    h.now = 15_000;
    h.fire(BrokerTimer::CleanerCheck);
    let removed = h.events().into_iter().find_map(|e| match e {
        Event::Log(LogEvent::LogCompacted { removed_records, .. }) => Some(removed_records),
        _ => None,
    });
    assert!(removed.is_some_and(|n| n > 0), "superseded values removed: {removed:?}");
}

#[test]
fn delete_records_moves_the_log_start_up_to_the_high_watermark_only() {
    let config = TopicConfig { segment_bytes: 200, ..TopicConfig::default() };
    let mut h = sole_leader(config);
    for _ in 0..4 {
        h.produce(1, batch(&["0123456789012345678901234567890123456789"]));
    }
    h.sent();
    h.request(CLIENT, Request::DeleteRecords(DeleteRecordsRequest { partitions: vec![(tp(), 9)], timeout_ms: 1_000 }));
    h.request(CLIENT, Request::DeleteRecords(DeleteRecordsRequest { partitions: vec![(tp(), 2)], timeout_ms: 1_000 }));
    let answers: Vec<_> = h
        .responses_to(CLIENT)
        .into_iter()
        .map(|(_, r)| match r {
            Response::DeleteRecords(d) => (d.partitions[0].error, d.partitions[0].low_watermark),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(answers, vec![(Some(KafkaError::OffsetOutOfRange), -1), (None, 2)]);
    h.consumer_fetch(1, 1, 0, IsolationLevel::ReadUncommitted);
    assert_eq!(h.fetch_responses(CLIENT)[0].partitions[0].error, Some(KafkaError::OffsetOutOfRange));
}

#[test]
fn a_follower_follows_the_leaders_log_start_offset_once_its_high_watermark_passes_it() {
    let config = TopicConfig { segment_bytes: 200, ..TopicConfig::default() };
    let mut h = Harness::new(2);
    h.apply(image_with_config(&[1, 2], config, partition(Some(1), 1, 1, &[1, 2], &[1, 2])));
    let correlation_id = h
        .requests_to(NodeId::Broker(1))
        .into_iter()
        .find_map(|(c, r)| matches!(r, Request::Fetch(_)).then_some(c))
        .unwrap();
    let mut batches = Vec::new();
    for i in 0..4 {
        let mut b = batch(&["0123456789012345678901234567890123456789"]);
        b.base_offset = i;
        b.partition_leader_epoch = 1;
        batches.push(b);
    }
    let partition = FetchPartitionResponse {
        tp: tp(),
        error: None,
        high_watermark: 4,
        last_stable_offset: 4,
        log_start_offset: 2,
        diverging_epoch: None,
        aborted_transactions: vec![],
        batches,
    };
    h.deliver(
        NodeId::Broker(1),
        Message::Response { correlation_id, body: Response::Fetch(FetchResponse { partitions: vec![partition] }) },
    );
    let replica = h.broker.replica(&tp()).unwrap();
    assert_eq!((replica.log.log_start_offset(), replica.high_watermark(), replica.log_end_offset()), (2, 4, 4));
}
