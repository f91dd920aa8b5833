//! The leader's side: produce, consumer and follower fetches, the ISR.

use super::harness::*;
use crate::engine::broker::BrokerTimer;
use crate::engine::config::IsolationLevel;
use crate::engine::error::KafkaError;
use crate::engine::event::{Event, LogEvent, ReplicationEvent, TxnEvent};
use crate::engine::ids::NodeId;
use crate::engine::protocol::{
    AlterPartitionResponse, EpochEndOffset, ListOffsetsPartition, ListOffsetsRequest, MetadataRequest, Request,
    Response, WriteTxnMarkersRequest, LATEST_TIMESTAMP,
};
use crate::engine::record::ControlType;

/// Broker 1 leading `orders-0` at epoch 1 with these replicas, ISR and `min.insync.replicas`.
fn leader(replicas: &[i32], isr: &[i32], min_isr: i32) -> Harness {
    let mut h = Harness::new(1);
    h.apply(image(replicas, min_isr, partition(Some(1), 1, 1, replicas, isr)));
    h.sent();
    h.events();
    h.timers();
    h
}

#[test]
fn produce_with_acks_all_waits_for_the_isr() {
    let mut h = leader(&[1, 2], &[1, 2], 2);
    h.produce(-1, batch(&["a", "b", "c"]));
    assert!(h.produce_responses(CLIENT).is_empty(), "nothing is answered before the follower has the records");
    assert_eq!((h.log_end_offset(), h.high_watermark()), (3, 0));

    h.follower_fetch(2, 1, 0, -1);
    let fetched = h.fetch_responses(NodeId::Broker(2));
    assert_eq!(fetched[0].partitions[0].batches.len(), 1);
    assert_eq!(h.high_watermark(), 0, "the follower has not confirmed the records yet");

    h.follower_fetch(2, 1, 3, 1);
    assert_eq!(h.high_watermark(), 3);
    let answers = h.produce_responses(CLIENT);
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0].partitions[0].error, None);
    assert_eq!(answers[0].partitions[0].base_offset, 0);
}

#[test]
fn produce_is_refused_with_not_enough_replicas_when_isr_below_min() {
    let mut h = leader(&[1, 2, 3], &[1], 2);
    h.produce(-1, batch(&["a"]));
    let answers = h.produce_responses(CLIENT);
    assert_eq!(answers[0].partitions[0].error, Some(KafkaError::NotEnoughReplicas));
    assert_eq!(answers[0].partitions[0].base_offset, -1);
    assert_eq!(h.log_end_offset(), 0, "nothing is appended");
    assert!(h.events().iter().any(|e| matches!(
        e,
        Event::Log(LogEvent::ProduceRejected { error: KafkaError::NotEnoughReplicas, records: 1, .. })
    )));
}

#[test]
fn produce_with_acks_1_is_answered_after_the_leader_append_alone() {
    let mut h = leader(&[1, 2], &[1, 2], 2);
    h.produce(1, batch(&["a", "b"]));
    let answers = h.produce_responses(CLIENT);
    assert_eq!(answers[0].partitions[0].error, None);
    assert_eq!(h.high_watermark(), 0, "acknowledged but not yet replicated");
}

#[test]
fn produce_with_acks_0_gets_no_response() {
    let mut h = leader(&[1], &[1], 1);
    h.produce(0, batch(&["a"]));
    assert!(h.produce_responses(CLIENT).is_empty());
    assert_eq!(h.log_end_offset(), 1);
}

#[test]
fn produce_to_a_follower_is_refused_with_not_leader_or_follower() {
    let mut h = Harness::new(2);
    h.apply(image(&[1, 2], 1, partition(Some(1), 1, 1, &[1, 2], &[1, 2])));
    h.sent();
    h.produce(1, batch(&["a"]));
    let answers = h.produce_responses(CLIENT);
    assert_eq!(answers[0].partitions[0].error, Some(KafkaError::NotLeaderOrFollower));
}

#[test]
fn acks_all_produce_without_replication_times_out() {
    let mut h = leader(&[1, 2], &[1, 2], 1);
    h.produce(-1, batch(&["a"]));
    let timers = h.timers();
    let (after, timer) = timers.iter().find(|(_, t)| matches!(t, BrokerTimer::DelayedAppendExpired { .. })).unwrap();
    assert_eq!(*after, 30_000);
    h.now = 30_000;
    h.fire(timer.clone());
    let answers = h.produce_responses(CLIENT);
    assert_eq!(answers[0].partitions[0].error, Some(KafkaError::RequestTimedOut));
}

#[test]
fn isr_shrinking_below_min_while_waiting_answers_not_enough_replicas_after_append() {
    let mut h = leader(&[1, 2, 3], &[1, 2, 3], 2);
    h.produce(-1, batch(&["a", "b"]));
    assert!(h.produce_responses(CLIENT).is_empty());
    // The controller fences brokers 2 and 3: the ISR is the leader alone.
    h.apply(image(&[1, 2, 3], 2, partition(Some(1), 1, 2, &[1, 2, 3], &[1])));
    assert_eq!(h.high_watermark(), 2, "the high watermark follows the smaller ISR");
    let answers = h.produce_responses(CLIENT);
    assert_eq!(answers[0].partitions[0].error, Some(KafkaError::NotEnoughReplicasAfterAppend));
}

#[test]
fn an_idempotent_retry_gets_the_original_offsets_and_appends_nothing() {
    let mut h = leader(&[1], &[1], 1);
    h.produce(-1, idempotent_batch(42, 0, 0, &["a", "b"]));
    h.produce(-1, idempotent_batch(42, 0, 2, &["c"]));
    h.sent();
    h.events();
    h.produce(-1, idempotent_batch(42, 0, 0, &["a", "b"]));
    let answers = h.produce_responses(CLIENT);
    assert_eq!(answers[0].partitions[0].error, None);
    assert_eq!(answers[0].partitions[0].base_offset, 0);
    assert_eq!(h.log_end_offset(), 3);
    let events = h.events();
    assert!(events.iter().any(|e| matches!(
        e,
        Event::Log(LogEvent::DuplicateBatch { producer_id: 42, base_sequence: 0, base_offset: 0, last_offset: 1, .. })
    )));
    assert!(!events.iter().any(|e| matches!(e, Event::Log(LogEvent::RecordsAppended { .. }))));

    h.produce(-1, idempotent_batch(42, 0, 7, &["z"]));
    let answers = h.produce_responses(CLIENT);
    assert_eq!(answers[0].partitions[0].error, Some(KafkaError::OutOfOrderSequenceNumber));
}

#[test]
fn without_idempotence_a_retry_is_appended_twice() {
    let mut h = leader(&[1], &[1], 1);
    h.produce(-1, batch(&["a"]));
    h.produce(-1, batch(&["a"]));
    let answers = h.produce_responses(CLIENT);
    assert_eq!(answers.iter().map(|a| a.partitions[0].base_offset).collect::<Vec<_>>(), vec![0, 1]);
}

#[test]
fn fetch_beyond_log_end_gets_offset_out_of_range() {
    let mut h = leader(&[1], &[1], 1);
    h.produce(1, batch(&["a"]));
    h.sent();
    h.consumer_fetch(1, 5, 0, IsolationLevel::ReadUncommitted);
    let answers = h.fetch_responses(CLIENT);
    assert_eq!(answers[0].partitions[0].error, Some(KafkaError::OffsetOutOfRange));
}

#[test]
fn consumers_read_only_below_the_high_watermark() {
    let mut h = leader(&[1, 2], &[1, 2], 1);
    h.produce(1, batch(&["a", "b", "c"]));
    h.sent();
    h.consumer_fetch(1, 0, 0, IsolationLevel::ReadUncommitted);
    let answers = h.fetch_responses(CLIENT);
    assert!(answers[0].partitions[0].batches.is_empty(), "records above the high watermark are not readable");
    assert_eq!(answers[0].partitions[0].high_watermark, 0);

    h.follower_fetch(2, 1, 3, 1);
    h.sent();
    h.consumer_fetch(1, 0, 0, IsolationLevel::ReadUncommitted);
    let answers = h.fetch_responses(CLIENT);
    assert_eq!(answers[0].partitions[0].batches.len(), 1);
    assert_eq!(answers[0].partitions[0].high_watermark, 3);
}

#[test]
fn a_fetch_with_another_leader_epoch_is_fenced_or_unknown() {
    let mut h = leader(&[1], &[1], 1);
    h.consumer_fetch(0, 0, 0, IsolationLevel::ReadUncommitted);
    h.consumer_fetch(2, 0, 0, IsolationLevel::ReadUncommitted);
    let errors: Vec<_> = h.fetch_responses(CLIENT).iter().map(|f| f.partitions[0].error).collect();
    assert_eq!(errors, vec![Some(KafkaError::FencedLeaderEpoch), Some(KafkaError::UnknownLeaderEpoch)]);
}

#[test]
fn a_consumer_fetch_waits_for_data_up_to_max_wait() {
    let mut h = leader(&[1], &[1], 1);
    h.consumer_fetch(1, 0, 500, IsolationLevel::ReadUncommitted);
    assert!(h.fetch_responses(CLIENT).is_empty(), "held: nothing to read yet");
    h.timers();
    h.produce_from(NodeId::Client(101), 1, batch(&["a"]));
    let answers = h.fetch_responses(CLIENT);
    assert_eq!(answers.len(), 1, "answered as soon as a record is readable");
    assert_eq!(answers[0].partitions[0].batches.len(), 1);

    h.consumer_fetch(1, 1, 500, IsolationLevel::ReadUncommitted);
    let timer = h.timers().into_iter().find(|(_, t)| matches!(t, BrokerTimer::DelayedFetchExpired { .. })).unwrap();
    assert_eq!(timer.0, 500);
    h.now = 500;
    h.fire(timer.1);
    let answers = h.fetch_responses(CLIENT);
    assert_eq!(answers.len(), 1);
    assert!(answers[0].partitions[0].batches.is_empty());
}

#[test]
fn the_leader_answers_a_diverging_follower_with_where_its_epoch_ends() {
    let mut h = leader(&[1, 2], &[1], 1);
    h.produce(1, batch(&["a", "b", "c"]));
    h.apply(image(&[1, 2], 1, partition(Some(1), 3, 2, &[1, 2], &[1])));
    h.produce(1, batch(&["d", "e"]));
    h.sent();
    // The follower last wrote in epoch 2, which this leader never had.
    h.follower_fetch(2, 3, 5, 2);
    let answers = h.fetch_responses(NodeId::Broker(2));
    let p = &answers[0].partitions[0];
    assert_eq!(p.diverging_epoch, Some(EpochEndOffset { epoch: 1, end_offset: 3 }));
    assert!(p.batches.is_empty());
}

#[test]
fn the_leader_shrinks_the_isr_of_a_follower_that_stopped_fetching() {
    let mut h = leader(&[1, 2], &[1, 2], 1);
    h.follower_fetch(2, 1, 0, -1);
    h.now = 100;
    h.produce(1, batch(&["a", "b", "c"]));
    h.sent();
    h.now = 30_001;
    h.fire(BrokerTimer::IsrCheck);
    let requests = h.requests_to(NodeId::Controller);
    let (correlation_id, Request::AlterPartition(alter)) = &requests[0] else { panic!("expected AlterPartition") };
    assert_eq!(alter.new_isr, vec![1]);
    assert!(h.events().iter().any(|e| matches!(e, Event::Replication(ReplicationEvent::IsrChangeRequested { .. }))));
    assert_eq!(h.high_watermark(), 0, "the ISR is unchanged until the controller commits");

    h.deliver(
        NodeId::Controller,
        crate::engine::protocol::Message::Response {
            correlation_id: *correlation_id,
            body: Response::AlterPartition(AlterPartitionResponse {
                tp: tp(),
                error: None,
                isr: vec![1],
                leader_epoch: 1,
                partition_epoch: 2,
            }),
        },
    );
    assert_eq!(h.broker.replica(&tp()).unwrap().isr, vec![1]);
    assert_eq!(h.broker.replica(&tp()).unwrap().leader_state().unwrap().pending, None);
    assert_eq!(h.high_watermark(), 3);
}

#[test]
fn the_leader_expands_the_isr_when_a_follower_reaches_the_high_watermark() {
    let mut h = leader(&[1, 2], &[1], 1);
    h.produce(1, batch(&["a", "b"]));
    assert_eq!(h.high_watermark(), 2);
    h.sent();
    h.follower_fetch(2, 1, 1, 1);
    assert!(h.requests_to(NodeId::Controller).is_empty(), "below the high watermark: not yet");
    h.follower_fetch(2, 1, 2, 1);
    let requests = h.requests_to(NodeId::Controller);
    let (correlation_id, Request::AlterPartition(alter)) = &requests[0] else { panic!("expected AlterPartition") };
    assert_eq!(alter.new_isr, vec![1, 2]);
    h.deliver(
        NodeId::Controller,
        crate::engine::protocol::Message::Response {
            correlation_id: *correlation_id,
            body: Response::AlterPartition(AlterPartitionResponse {
                tp: tp(),
                error: None,
                isr: vec![1, 2],
                leader_epoch: 1,
                partition_epoch: 2,
            }),
        },
    );
    assert_eq!(h.broker.replica(&tp()).unwrap().isr, vec![1, 2]);
}

#[test]
fn metadata_reports_leaderless_partitions_and_unknown_topics() {
    let mut h = Harness::new(1);
    h.apply(image(&[1, 2], 1, partition(None, 2, 3, &[1, 2], &[2])));
    h.sent();
    h.request(
        CLIENT,
        Request::Metadata(MetadataRequest {
            topics: Some(vec!["orders".into(), "nope".into()]),
            allow_auto_topic_creation: true,
        }),
    );
    let answers = h.responses_to(CLIENT);
    let Response::Metadata(m) = &answers[0].1 else { panic!("expected Metadata") };
    assert_eq!(m.topics[0].partitions[0].error, Some(KafkaError::LeaderNotAvailable));
    assert_eq!(m.topics[1].error, Some(KafkaError::UnknownTopicOrPartition));
    assert_eq!(m.brokers.len(), 2);
}

#[test]
fn list_offsets_latest_is_the_high_watermark() {
    let mut h = leader(&[1, 2], &[1, 2], 1);
    h.produce(1, batch(&["a", "b"]));
    h.follower_fetch(2, 1, 1, 1);
    h.sent();
    h.request(
        CLIENT,
        Request::ListOffsets(ListOffsetsRequest {
            isolation_level: IsolationLevel::ReadUncommitted,
            partitions: vec![ListOffsetsPartition { tp: tp(), current_leader_epoch: -1, timestamp: LATEST_TIMESTAMP }],
        }),
    );
    let answers = h.responses_to(CLIENT);
    let Response::ListOffsets(l) = &answers[0].1 else { panic!("expected ListOffsets") };
    assert_eq!(l.partitions[0].offset, 1);
}

#[test]
fn a_commit_marker_makes_a_transaction_visible_to_read_committed_consumers() {
    let mut h = leader(&[1], &[1], 1);
    let mut txn = idempotent_batch(7, 0, 0, &["a", "b"]);
    txn.is_transactional = true;
    h.produce(-1, txn);
    assert_eq!(h.high_watermark(), 2);
    assert_eq!(h.broker.replica(&tp()).unwrap().last_stable_offset(), 0, "an open transaction holds the LSO");
    h.sent();
    h.consumer_fetch(1, 0, 0, IsolationLevel::ReadCommitted);
    assert!(h.fetch_responses(CLIENT)[0].partitions[0].batches.is_empty());

    h.request(
        NodeId::Broker(3),
        Request::WriteTxnMarkers(WriteTxnMarkersRequest {
            producer_id: 7,
            producer_epoch: 0,
            marker: ControlType::Commit,
            coordinator_epoch: 0,
            partitions: vec![tp()],
        }),
    );
    let answers = h.responses_to(NodeId::Broker(3));
    let Response::WriteTxnMarkers(w) = &answers[0].1 else { panic!("expected WriteTxnMarkers") };
    assert_eq!(w.partitions, vec![(tp(), None)]);
    assert_eq!(h.broker.replica(&tp()).unwrap().last_stable_offset(), 3);
    assert!(h
        .events()
        .iter()
        .any(|e| matches!(e, Event::Txn(TxnEvent::MarkerWritten { producer_id: 7, commit: true, .. }))));
    h.consumer_fetch(1, 0, 0, IsolationLevel::ReadCommitted);
    assert_eq!(h.fetch_responses(CLIENT)[0].partitions[0].batches.len(), 2, "the data and the marker");
}

#[test]
fn an_aborted_transaction_is_listed_for_read_committed_consumers() {
    let mut h = leader(&[1], &[1], 1);
    let mut txn = idempotent_batch(7, 0, 0, &["a"]);
    txn.is_transactional = true;
    h.produce(-1, txn);
    h.request(
        NodeId::Broker(3),
        Request::WriteTxnMarkers(WriteTxnMarkersRequest {
            producer_id: 7,
            producer_epoch: 0,
            marker: ControlType::Abort,
            coordinator_epoch: 0,
            partitions: vec![tp()],
        }),
    );
    h.sent();
    h.consumer_fetch(1, 0, 0, IsolationLevel::ReadCommitted);
    let answers = h.fetch_responses(CLIENT);
    assert_eq!(answers[0].partitions[0].aborted_transactions.len(), 1);
    assert_eq!(answers[0].partitions[0].aborted_transactions[0].producer_id, 7);
}

#[test]
fn requests_of_one_connection_are_handled_one_at_a_time_and_answered_in_order() {
    let mut h = leader(&[1, 2], &[1, 2], 2);
    let first = h.produce(-1, batch(&["a"]));
    let second = h.produce(-1, batch(&["b", "c"]));
    assert_eq!(h.log_end_offset(), 1, "the second request waits in the muted connection");
    h.follower_fetch(2, 1, 0, -1);
    h.follower_fetch(2, 1, 1, 1);
    let answered: Vec<_> = h.responses_to(CLIENT).into_iter().map(|(id, _)| id).collect();
    assert_eq!(answered, vec![first], "the first answer unmutes the connection");
    assert_eq!(h.log_end_offset(), 3, "then the second request is appended");
    h.follower_fetch(2, 1, 3, 1);
    let answers = h.responses_to(CLIENT);
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0].0, second);
    let Response::Produce(answer) = &answers[0].1 else { panic!("a produce response") };
    assert_eq!(answer.partitions[0].base_offset, 1);
}

#[test]
fn a_client_closing_its_connection_drops_the_requests_queued_behind_the_one_in_progress() {
    let mut h = leader(&[1, 2], &[1, 2], 2);
    h.produce(-1, batch(&["a"]));
    h.produce(-1, batch(&["b"]));
    h.deliver(CLIENT, crate::engine::protocol::Message::Disconnected);
    h.produce(-1, batch(&["c"]));
    assert_eq!(h.log_end_offset(), 2, "the new connection's request is handled at once; the queued one is gone");
}
