//! The follower's side: fetching, appending, truncating, backing off.

use super::harness::*;
use crate::engine::blob::Blob;
use crate::engine::broker::BrokerTimer;
use crate::engine::error::KafkaError;
use crate::engine::event::log::LostRecord;
use crate::engine::event::{Event, LogEvent, ReplicationEvent};
use crate::engine::ids::NodeId;
use crate::engine::protocol::{
    CorrelationId, EpochEndOffset, FetchPartitionResponse, FetchRequest, FetchResponse, Message, Request, Response,
};
use crate::engine::record::{Offset, RecordBatch};

/// Broker 2 following broker 1 on `orders-0` at epoch `epoch`.
fn follower(epoch: i32) -> Harness {
    let mut h = Harness::new(2);
    h.apply(image(&[1, 2], 1, partition(Some(1), epoch, 1, &[1, 2], &[1, 2])));
    h
}

/// The fetch broker 2 sent to broker 1, drained.
fn sent_fetch(h: &mut Harness) -> (CorrelationId, FetchRequest) {
    let mut fetches: Vec<_> = h
        .requests_to(NodeId::Broker(1))
        .into_iter()
        .filter_map(|(c, r)| match r {
            Request::Fetch(f) => Some((c, f)),
            _ => None,
        })
        .collect();
    assert_eq!(fetches.len(), 1, "one fetch in flight per session");
    fetches.remove(0)
}

fn answer(h: &mut Harness, correlation_id: CorrelationId, partition: FetchPartitionResponse) {
    h.deliver(
        NodeId::Broker(1),
        Message::Response { correlation_id, body: Response::Fetch(FetchResponse { partitions: vec![partition] }) },
    );
}

fn data(batches: Vec<RecordBatch>, high_watermark: Offset) -> FetchPartitionResponse {
    FetchPartitionResponse {
        tp: tp(),
        error: None,
        high_watermark,
        last_stable_offset: high_watermark,
        log_start_offset: 0,
        diverging_epoch: None,
        aborted_transactions: vec![],
        batches,
    }
}

fn at(mut batch: RecordBatch, base_offset: Offset, epoch: i32) -> RecordBatch {
    batch.base_offset = base_offset;
    batch.partition_leader_epoch = epoch;
    batch
}

#[test]
fn a_new_follower_fetches_from_its_leader_as_a_replica() {
    let mut h = follower(1);
    let (_, fetch) = sent_fetch(&mut h);
    assert_eq!(fetch.replica_id, Some(2));
    assert_eq!(fetch.max_wait_ms, 500, "replica.fetch.wait.max.ms");
    let p = &fetch.partitions[0];
    assert_eq!((p.fetch_offset, p.current_leader_epoch, p.last_fetched_epoch), (0, 1, -1));
}

#[test]
fn the_follower_appends_fetched_batches_and_takes_the_leaders_high_watermark() {
    let mut h = follower(1);
    let (correlation_id, _) = sent_fetch(&mut h);
    h.events();
    answer(&mut h, correlation_id, data(vec![at(batch(&["a", "b", "c"]), 0, 1)], 2));
    assert_eq!((h.log_end_offset(), h.high_watermark()), (3, 2));
    let events = h.events();
    assert!(events.iter().any(|e| matches!(
        e,
        Event::Log(LogEvent::RecordsAppended { is_leader: false, base_offset: 0, last_offset: 2, .. })
    )));
    assert!(events
        .iter()
        .any(|e| matches!(e, Event::Replication(ReplicationEvent::HwAdvanced { high_watermark: 2, .. }))));
    let (_, next) = sent_fetch(&mut h);
    assert_eq!((next.partitions[0].fetch_offset, next.partitions[0].last_fetched_epoch), (3, 1));
}

#[test]
fn the_follower_high_watermark_never_passes_its_own_log_end() {
    let mut h = follower(1);
    let (correlation_id, _) = sent_fetch(&mut h);
    answer(&mut h, correlation_id, data(vec![at(batch(&["a"]), 0, 1)], 10));
    assert_eq!(h.high_watermark(), 1);
}

#[test]
fn follower_truncates_its_divergent_suffix_and_reports_lost_records() {
    // Broker 2 led epoch 1 and acknowledged three records (acks=1) that
    // nobody replicated; broker 1 took over in epoch 2.
    let mut h = Harness::new(2);
    h.apply(image(&[1, 2], 1, partition(Some(2), 1, 1, &[1, 2], &[2])));
    h.produce(1, batch(&["a"]));
    h.produce(1, batch(&["b", "c"]));
    h.apply(image(&[1, 2], 1, partition(Some(1), 2, 2, &[1, 2], &[1])));
    let (correlation_id, fetch) = sent_fetch(&mut h);
    assert_eq!((fetch.partitions[0].fetch_offset, fetch.partitions[0].last_fetched_epoch), (3, 1));
    h.events();

    // The new leader had only offset 0 of epoch 1.
    let mut diverging = data(vec![], 1);
    diverging.diverging_epoch = Some(EpochEndOffset { epoch: 1, end_offset: 1 });
    answer(&mut h, correlation_id, diverging);

    assert_eq!(h.log_end_offset(), 1);
    let events = h.events();
    let lost = events
        .iter()
        .find_map(|e| match e {
            Event::Log(LogEvent::LogTruncated { truncated_to: 1, lost, .. }) => Some(lost.clone()),
            _ => None,
        })
        .expect("a LogTruncated event");
    let lost_record = |offset, key: &str, value: &str| LostRecord {
        offset,
        key: Some(Blob::from(key)),
        value: Some(Blob::from(value)),
        producer_id: -1,
    };
    assert_eq!(lost, vec![lost_record(1, "k0", "b"), lost_record(2, "k1", "c")]);
    let (_, next) = sent_fetch(&mut h);
    assert_eq!(next.partitions[0].fetch_offset, 1, "it fetches again from where it cut");
}

#[test]
fn an_empty_epoch_of_a_former_leader_does_not_count_as_its_last_fetched_epoch() {
    // Broker 2 led epoch 1 with records, then epoch 3 without appending any.
    let mut h = Harness::new(2);
    h.apply(image(&[1, 2], 1, partition(Some(2), 1, 1, &[1, 2], &[2])));
    h.produce(1, batch(&["a"]));
    h.apply(image(&[1, 2], 1, partition(Some(2), 3, 2, &[1, 2], &[2])));
    h.apply(image(&[1, 2], 1, partition(Some(1), 4, 3, &[1, 2], &[1])));
    let (_, fetch) = sent_fetch(&mut h);
    assert_eq!(fetch.partitions[0].last_fetched_epoch, 1);
}

#[test]
fn the_follower_backs_off_after_the_leader_refuses_the_connection() {
    let mut h = follower(1);
    let (correlation_id, _) = sent_fetch(&mut h);
    h.timers();
    h.deliver(NodeId::Broker(1), Message::ConnectionRefused { correlation_id });
    assert!(h.requests_to(NodeId::Broker(1)).is_empty(), "no retry before replica.fetch.backoff.ms");
    assert!(h
        .events()
        .iter()
        .any(|e| matches!(e, Event::Replication(ReplicationEvent::FetcherBackedOff { leader: 1, .. }))));
    let (after, wake) = h.timers().into_iter().find(|(_, t)| matches!(t, BrokerTimer::FetchWake { .. })).unwrap();
    assert_eq!(after, 1_000);
    h.now = 1_000;
    h.fire(wake);
    sent_fetch(&mut h);
}

#[test]
fn the_follower_backs_off_when_the_leader_process_dies() {
    let mut h = follower(1);
    sent_fetch(&mut h);
    h.deliver(NodeId::Broker(1), Message::Disconnected);
    assert!(h.requests_to(NodeId::Broker(1)).is_empty());
    assert!(h.events().iter().any(|e| matches!(e, Event::Replication(ReplicationEvent::FetcherBackedOff { .. }))));
}

#[test]
fn a_fetch_answer_for_an_older_epoch_is_ignored() {
    let mut h = follower(1);
    let (correlation_id, _) = sent_fetch(&mut h);
    // A new epoch arrives while the fetch is out (same leader).
    h.apply(image(&[1, 2], 1, partition(Some(1), 2, 2, &[1, 2], &[1, 2])));
    answer(&mut h, correlation_id, data(vec![at(batch(&["a"]), 0, 1)], 1));
    assert_eq!(h.log_end_offset(), 0);
}

#[test]
fn a_follower_behind_the_leaders_log_start_restarts_its_log_there() {
    let mut h = follower(1);
    let (correlation_id, _) = sent_fetch(&mut h);
    let mut out_of_range = data(vec![], 50);
    out_of_range.error = Some(KafkaError::OffsetOutOfRange);
    out_of_range.log_start_offset = 40;
    answer(&mut h, correlation_id, out_of_range);
    let replica = h.broker.replica(&tp()).unwrap();
    assert_eq!((replica.log.log_start_offset(), replica.log_end_offset(), replica.high_watermark()), (40, 40, 40));
    let (_, next) = sent_fetch(&mut h);
    assert_eq!(next.partitions[0].fetch_offset, 40);
}

#[test]
fn a_partition_error_backs_off_that_partition() {
    let mut h = follower(1);
    let (correlation_id, _) = sent_fetch(&mut h);
    let mut fenced = data(vec![], 0);
    fenced.error = Some(KafkaError::NotLeaderOrFollower);
    answer(&mut h, correlation_id, fenced);
    assert!(h.requests_to(NodeId::Broker(1)).is_empty());
    let wake = h.timers().into_iter().find(|(_, t)| matches!(t, BrokerTimer::FetchWake { .. }));
    assert_eq!(wake.map(|(after, _)| after), Some(1_000));
}
