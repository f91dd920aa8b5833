//! The consumer alone, driven with hand-written broker responses through
//! `node::TestCtx`: every request it sends is inspected, every answer is
//! scripted, and time moves only when a test fires the timers.

use std::sync::Arc;

use super::*;
use crate::engine::blob::Blob;
use crate::engine::client::Subscription;
use crate::engine::config::{AssignorName, AutoOffsetReset, IsolationLevel};
use crate::engine::event::consumer::CommitTrigger;
use crate::engine::event::{Event, GroupEvent};
use crate::engine::node::{Effect, TestCtx};
use crate::engine::protocol::*;
use crate::engine::record::{ControlType, Record, RecordBatch, TimestampType};

const ME: NodeId = NodeId::Client(1);

/// A consumer under test, the requests it sent, and its timers.
struct Harness {
    consumer: Consumer,
    tctx: TestCtx,
    now: Millis,
    timers: Vec<(Millis, u64, ConsumerTimer)>,
    timer_seq: u64,
    requests: Vec<(BrokerId, CorrelationId, Request)>,
    events: Vec<Event>,
    closed: bool,
}

impl Harness {
    fn new(config: ConsumerConfig, app: ConsumerApp) -> Self {
        let consumer = Consumer::new(1, "c1".into(), config, app, vec![1, 2, 3]);
        let mut h = Harness {
            consumer,
            tctx: TestCtx::new(7),
            now: 0,
            timers: Vec::new(),
            timer_seq: 0,
            requests: Vec::new(),
            events: Vec::new(),
            closed: false,
        };
        let mut ctx = h.tctx.ctx(0, ME);
        h.consumer.start(&mut ctx);
        h.collect();
        h
    }

    fn collect(&mut self) {
        for effect in std::mem::take(&mut self.tctx.effects) {
            match effect {
                Effect::Send { to: NodeId::Broker(b), message: Message::Request { correlation_id, body } } => {
                    self.requests.push((b, correlation_id, body))
                }
                Effect::Send { to, message } => panic!("unexpected message to {to}: {message:?}"),
                Effect::SetTimer { after_ms, timer: Timer::Consumer(t) } => {
                    self.timer_seq += 1;
                    self.timers.push((self.now + after_ms, self.timer_seq, t));
                }
                Effect::SetTimer { timer, .. } => panic!("not a consumer timer: {timer:?}"),
                Effect::Emit(e) => self.events.push(e),
                Effect::ClientClosed => self.closed = true,
                Effect::ShutdownComplete => panic!("a consumer is not a broker"),
            }
        }
    }

    /// Removes and returns the pending requests of one API.
    fn take(&mut self, api: &str) -> Vec<(BrokerId, CorrelationId, Request)> {
        let (taken, kept) = std::mem::take(&mut self.requests).into_iter().partition(|(_, _, r)| r.api_name() == api);
        self.requests = kept;
        taken
    }

    fn take_one(&mut self, api: &str) -> (BrokerId, CorrelationId, Request) {
        let mut taken = self.take(api);
        assert_eq!(taken.len(), 1, "expected one {api} request, got {taken:?}; pending: {:?}", self.requests);
        taken.pop().unwrap()
    }

    fn respond(&mut self, broker: BrokerId, correlation_id: CorrelationId, body: Response) {
        let mut ctx = self.tctx.ctx(self.now, ME);
        self.consumer.on_message(&mut ctx, NodeId::Broker(broker), Message::Response { correlation_id, body });
        self.collect();
    }

    fn deliver(&mut self, from: BrokerId, message: Message) {
        let mut ctx = self.tctx.ctx(self.now, ME);
        self.consumer.on_message(&mut ctx, NodeId::Broker(from), message);
        self.collect();
    }

    /// Fires every timer due up to `time`, in order, then sets the clock to `time`.
    fn advance_to(&mut self, time: Millis) {
        loop {
            self.timers.sort_by_key(|(t, seq, _)| (*t, *seq));
            if self.timers.first().is_none_or(|(t, _, _)| *t > time) {
                break;
            }
            let (t, _, timer) = self.timers.remove(0);
            self.now = t;
            let mut ctx = self.tctx.ctx(t, ME);
            self.consumer.on_timer(&mut ctx, timer);
            self.collect();
        }
        self.now = time;
    }

    fn close(&mut self) {
        let mut ctx = self.tctx.ctx(self.now, ME);
        self.consumer.close(&mut ctx);
        self.collect();
    }

    fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    fn timers_of(&self, f: impl Fn(&ConsumerTimer) -> bool) -> usize {
        self.timers.iter().filter(|(_, _, t)| f(t)).count()
    }

    /// Answers the metadata request: every topic's partitions led by `leader`.
    fn answer_metadata(&mut self, topics: &[(&str, i32)], leader: BrokerId) {
        let (b, c, _) = self.take_one("Metadata");
        self.respond(b, c, Response::Metadata(metadata(topics, leader, 0)));
    }

    fn answer_find_coordinator(&mut self, coordinator: BrokerId) {
        let (b, c, _) = self.take_one("FindCoordinator");
        self.respond(b, c, Response::FindCoordinator(FindCoordinatorResponse { error: None, node_id: coordinator }));
    }

    /// Answers the OffsetFetch: `offset` (-1 = none) for every partition asked.
    fn answer_offset_fetch(&mut self, offset: Offset) {
        let (b, c, r) = self.take_one("OffsetFetch");
        let Request::OffsetFetch(r) = r else { unreachable!() };
        let partitions = r.partitions.unwrap().into_iter().map(|tp| (tp, offset, None)).collect();
        self.respond(b, c, Response::OffsetFetch(OffsetFetchResponse { error: None, partitions }));
    }

    /// Answers the fetch to `broker` with `batches` for `tp` and an empty answer for the rest.
    fn answer_fetch(&mut self, tp: &TopicPartition, batches: Vec<RecordBatch>, hw: Offset) -> Vec<FetchPartition> {
        let (b, c, r) = self.take_one("Fetch");
        let Request::Fetch(r) = r else { unreachable!() };
        let asked = r.partitions.clone();
        let partitions = r
            .partitions
            .into_iter()
            .map(|p| {
                let batches = if p.tp == *tp { batches.clone() } else { vec![] };
                fetch_partition(p.tp, None, hw, batches)
            })
            .collect();
        self.respond(b, c, Response::Fetch(FetchResponse { partitions }));
        asked
    }

    fn answer_commit(&mut self) -> Vec<(TopicPartition, Offset)> {
        let (b, c, r) = self.take_one("OffsetCommit");
        let Request::OffsetCommit(r) = r else { unreachable!() };
        let partitions = r.offsets.iter().map(|(tp, _)| (tp.clone(), None)).collect();
        self.respond(b, c, Response::OffsetCommit(OffsetCommitResponse { partitions }));
        r.offsets
    }
}

fn tp(partition: i32) -> TopicPartition {
    TopicPartition::new("orders", partition)
}

fn metadata(topics: &[(&str, i32)], leader: BrokerId, epoch: i32) -> MetadataResponse {
    MetadataResponse {
        brokers: (1..=3).map(|id| BrokerMetadata { node_id: id, rack: None }).collect(),
        controller_id: 1,
        topics: topics
            .iter()
            .map(|(name, n)| TopicMetadata {
                name: name.to_string(),
                error: None,
                is_internal: false,
                partitions: (0..*n)
                    .map(|p| PartitionMetadata {
                        partition: p,
                        error: None,
                        leader: Some(leader),
                        leader_epoch: epoch,
                        replicas: vec![leader],
                        isr: vec![leader],
                        offline_replicas: vec![],
                    })
                    .collect(),
            })
            .collect(),
    }
}

fn fetch_partition(
    tp: TopicPartition,
    error: Option<KafkaError>,
    hw: Offset,
    batches: Vec<RecordBatch>,
) -> FetchPartitionResponse {
    FetchPartitionResponse {
        tp,
        error,
        high_watermark: hw,
        last_stable_offset: hw,
        log_start_offset: 0,
        diverging_epoch: None,
        aborted_transactions: vec![],
        batches,
    }
}

/// A plain batch of `count` records at `base`.
fn batch(base: Offset, count: i32) -> RecordBatch {
    txn_batch(base, count, -1, false, None)
}

fn txn_batch(
    base: Offset,
    count: i32,
    producer_id: i64,
    transactional: bool,
    control: Option<ControlType>,
) -> RecordBatch {
    RecordBatch {
        base_offset: base,
        last_offset_delta: count - 1,
        partition_leader_epoch: 0,
        first_timestamp: 0,
        max_timestamp: 0,
        timestamp_type: TimestampType::CreateTime,
        producer_id,
        producer_epoch: 0,
        base_sequence: 0,
        is_transactional: transactional,
        control,
        records: Arc::new(
            (0..count)
                .map(|i| Record {
                    offset_delta: i,
                    timestamp_delta: 0,
                    key: None,
                    value: Some(Blob::from(format!("v{}", base + i as Offset))),
                    headers: vec![],
                })
                .collect(),
        ),
    }
}

fn assign_app(partitions: Vec<TopicPartition>) -> ConsumerApp {
    ConsumerApp {
        subscription: Subscription::Assign(partitions),
        processing_ms_per_record: 0,
        commit_mode: CommitMode::Auto,
    }
}

fn subscribe_app(commit_mode: CommitMode) -> ConsumerApp {
    ConsumerApp {
        subscription: Subscription::Subscribe(vec!["orders".into()]),
        processing_ms_per_record: 0,
        commit_mode,
    }
}

fn earliest() -> ConsumerConfig {
    ConsumerConfig { auto_offset_reset: AutoOffsetReset::Earliest, ..ConsumerConfig::default() }
}

fn processed(events: &[Event]) -> Vec<(Offset, Offset, u32)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Consumer(ConsumerEvent::RecordsProcessed { first_offset, last_offset, count, .. }) => {
                Some((*first_offset, *last_offset, *count))
            }
            _ => None,
        })
        .collect()
}

fn resets(events: &[Event]) -> Vec<(Offset, String)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Consumer(ConsumerEvent::PositionReset { offset, reason, .. }) => Some((*offset, reason.clone())),
            _ => None,
        })
        .collect()
}

/// Assign mode without a group: metadata, then ListOffsets(timestamp) answered with `offset`.
fn assigned_at(config: ConsumerConfig, offset: Offset) -> Harness {
    let mut h = Harness::new(config, assign_app(vec![tp(0)]));
    h.answer_metadata(&[("orders", 1)], 1);
    let (b, c, _) = h.take_one("ListOffsets");
    h.respond(
        b,
        c,
        Response::ListOffsets(ListOffsetsResponse {
            partitions: vec![ListOffsetsPartitionResponse {
                tp: tp(0),
                error: None,
                timestamp: -1,
                offset,
                leader_epoch: 0,
            }],
        }),
    );
    h
}

#[test]
fn auto_offset_reset_earliest_starts_from_the_log_start() {
    let mut h = Harness::new(earliest(), assign_app(vec![tp(0)]));
    h.answer_metadata(&[("orders", 1)], 1);
    let (b, c, r) = h.take_one("ListOffsets");
    assert_eq!(b, 1, "ListOffsets goes to the leader");
    let Request::ListOffsets(r) = r else { unreachable!() };
    assert_eq!(r.partitions[0].timestamp, EARLIEST_TIMESTAMP);
    let answer = ListOffsetsPartitionResponse { tp: tp(0), error: None, timestamp: -1, offset: 5, leader_epoch: 0 };
    h.respond(b, c, Response::ListOffsets(ListOffsetsResponse { partitions: vec![answer] }));
    assert_eq!(resets(&h.take_events()), vec![(5, "no group.id: auto.offset.reset=earliest".to_string())]);

    let asked = h.answer_fetch(&tp(0), vec![batch(5, 5)], 10);
    assert_eq!(asked[0].fetch_offset, 5, "the first fetch starts at the log start offset");
    assert_eq!(processed(&h.take_events()), vec![(5, 9, 5)]);
    let (_, _, r) = h.take_one("Fetch");
    let Request::Fetch(r) = r else { unreachable!() };
    assert_eq!(r.partitions[0].fetch_offset, 10, "the position moved past what was processed");
}

#[test]
fn auto_offset_reset_latest_starts_at_the_end() {
    let mut h = Harness::new(ConsumerConfig::default(), assign_app(vec![tp(0)]));
    h.answer_metadata(&[("orders", 1)], 1);
    let (_, _, r) = h.take_one("ListOffsets");
    let Request::ListOffsets(r) = r else { unreachable!() };
    assert_eq!(r.partitions[0].timestamp, LATEST_TIMESTAMP);
}

#[test]
fn offset_out_of_range_resets_the_position_to_earliest() {
    let mut h = assigned_at(earliest(), 5);
    h.take_events();
    let (b, c, _) = h.take_one("Fetch");
    let gone = fetch_partition(tp(0), Some(KafkaError::OffsetOutOfRange), 30, vec![]);
    h.respond(b, c, Response::Fetch(FetchResponse { partitions: vec![gone] }));
    assert!(h.take("Fetch").is_empty(), "no fetch until the position is reset");
    let (b, c, r) = h.take_one("ListOffsets");
    let Request::ListOffsets(r) = r else { unreachable!() };
    assert_eq!(r.partitions[0].timestamp, EARLIEST_TIMESTAMP);
    let answer = ListOffsetsPartitionResponse { tp: tp(0), error: None, timestamp: -1, offset: 20, leader_epoch: 0 };
    h.respond(b, c, Response::ListOffsets(ListOffsetsResponse { partitions: vec![answer] }));
    assert_eq!(resets(&h.take_events()), vec![(20, "OFFSET_OUT_OF_RANGE: reset to earliest".to_string())]);
    let asked = h.answer_fetch(&tp(0), vec![], 30);
    assert_eq!(asked[0].fetch_offset, 20);
}

#[test]
fn offset_out_of_range_with_reset_none_stops_the_partition() {
    let config = ConsumerConfig { auto_offset_reset: AutoOffsetReset::None, ..ConsumerConfig::default() };
    let mut h = Harness::new(config, assign_app(vec![tp(0)]));
    h.answer_metadata(&[("orders", 1)], 1);
    // No offset to start from: NoOffsetForPartitionException.
    let errors: Vec<KafkaError> = h
        .take_events()
        .into_iter()
        .filter_map(|e| match e {
            Event::Consumer(ConsumerEvent::FetchError { error, .. }) => Some(error),
            _ => None,
        })
        .collect();
    assert_eq!(errors, vec![KafkaError::OffsetOutOfRange]);
    assert!(h.take("ListOffsets").is_empty() && h.take("Fetch").is_empty());
    assert_eq!(h.consumer.snapshot().partitions[0].status, "failed: OFFSET_OUT_OF_RANGE");

    // A seek restarts it.
    let mut ctx = h.tctx.ctx(h.now, ME);
    h.consumer.seek(&mut ctx, tp(0), 3).unwrap();
    h.collect();
    let asked = h.answer_fetch(&tp(0), vec![], 3);
    assert_eq!(asked[0].fetch_offset, 3);
}

#[test]
fn read_committed_skips_aborted_records() {
    let config = ConsumerConfig { isolation_level: IsolationLevel::ReadCommitted, ..earliest() };
    let mut h = assigned_at(config, 0);
    h.take_events();
    // Producer 7 aborts offsets 0-1 (marker at 4), producer 8 commits 2-3 (marker at 5), then two plain records.
    let batches = vec![
        txn_batch(0, 2, 7, true, None),
        txn_batch(2, 2, 8, true, None),
        txn_batch(4, 1, 7, true, Some(ControlType::Abort)),
        txn_batch(5, 1, 8, true, Some(ControlType::Commit)),
        batch(6, 2),
    ];
    let (b, c, r) = h.take_one("Fetch");
    let Request::Fetch(r) = r else { unreachable!() };
    assert_eq!(r.isolation_level, IsolationLevel::ReadCommitted);
    let mut answer = fetch_partition(tp(0), None, 8, batches);
    answer.aborted_transactions = vec![AbortedTransaction { producer_id: 7, first_offset: 0 }];
    h.respond(b, c, Response::Fetch(FetchResponse { partitions: vec![answer] }));
    let events = h.take_events();
    let gaps: Vec<Vec<crate::engine::event::consumer::OffsetRange>> = events
        .iter()
        .filter_map(|e| match e {
            Event::Consumer(ConsumerEvent::RecordsProcessed { gaps, .. }) => Some(gaps.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(processed(&events), vec![(2, 7, 4)], "records 2, 3, 6, 7: the aborted ones and the markers are skipped");
    assert_eq!(gaps, vec![vec![crate::engine::event::consumer::OffsetRange::new(4, 5)]]);
    let (_, _, r) = h.take_one("Fetch");
    let Request::Fetch(r) = r else { unreachable!() };
    assert_eq!(r.partitions[0].fetch_offset, 8);
}

#[test]
fn read_uncommitted_returns_aborted_records_but_never_markers() {
    let mut h = assigned_at(earliest(), 0);
    h.take_events();
    let batches = vec![txn_batch(0, 2, 7, true, None), txn_batch(2, 1, 7, true, Some(ControlType::Abort))];
    let (b, c, _) = h.take_one("Fetch");
    let mut answer = fetch_partition(tp(0), None, 3, batches);
    answer.aborted_transactions = vec![AbortedTransaction { producer_id: 7, first_offset: 0 }];
    h.respond(b, c, Response::Fetch(FetchResponse { partitions: vec![answer] }));
    assert_eq!(processed(&h.take_events()), vec![(0, 1, 2)]);
    let asked = h.answer_fetch(&tp(0), vec![], 3);
    assert_eq!(asked[0].fetch_offset, 3, "the position steps over the marker");
}

#[test]
fn records_before_the_fetch_offset_in_the_first_batch_are_not_returned_again() {
    let mut h = assigned_at(earliest(), 3);
    h.take_events();
    h.answer_fetch(&tp(0), vec![batch(0, 6)], 6);
    assert_eq!(processed(&h.take_events()), vec![(3, 5, 3)]);
}

#[test]
fn zero_processing_time_processes_a_poll_in_one_step_without_timers() {
    let config = ConsumerConfig { max_poll_records: 4, ..earliest() };
    let mut h = assigned_at(config, 0);
    h.take_events();
    h.answer_fetch(&tp(0), vec![batch(0, 3), batch(3, 7)], 10);
    // Ten records, four per poll: three polls, one event each, all in the same step.
    assert_eq!(processed(&h.take_events()), vec![(0, 3, 4), (4, 7, 4), (8, 9, 2)]);
    assert_eq!(h.timers_of(|t| matches!(t, ConsumerTimer::RecordProcessed { .. })), 0);
    assert_eq!(h.consumer.snapshot().counters.polls, 3);
}

#[test]
fn slow_processing_reports_each_record_as_it_finishes() {
    let mut app = assign_app(vec![tp(0)]);
    app.processing_ms_per_record = 100;
    let mut h = Harness::new(earliest(), app);
    h.answer_metadata(&[("orders", 1)], 1);
    let (b, c, _) = h.take_one("ListOffsets");
    let answer = ListOffsetsPartitionResponse { tp: tp(0), error: None, timestamp: -1, offset: 0, leader_epoch: 0 };
    h.respond(b, c, Response::ListOffsets(ListOffsetsResponse { partitions: vec![answer] }));
    h.answer_fetch(&tp(0), vec![batch(0, 3)], 3);
    h.take_events();
    h.advance_to(150);
    assert_eq!(processed(&h.take_events()), vec![(0, 0, 1)]);
    let current = h.consumer.snapshot().processing.current.unwrap();
    assert_eq!((current.offset, current.done_at), (1, 200));
    h.advance_to(300);
    assert_eq!(processed(&h.take_events()), vec![(1, 1, 1), (2, 2, 1)]);
}

#[test]
fn not_leader_refreshes_metadata_and_fetches_from_the_new_leader() {
    let mut h = assigned_at(earliest(), 0);
    let (b, c, _) = h.take_one("Fetch");
    assert_eq!(b, 1);
    let moved = fetch_partition(tp(0), Some(KafkaError::NotLeaderOrFollower), 0, vec![]);
    h.respond(b, c, Response::Fetch(FetchResponse { partitions: vec![moved] }));
    assert!(h.take("Fetch").is_empty(), "the partition backs off");
    h.advance_to(200);
    let (b, c, _) = h.take_one("Metadata");
    h.respond(b, c, Response::Metadata(metadata(&[("orders", 1)], 2, 1)));
    let (b, _, r) = h.take_one("Fetch");
    let Request::Fetch(r) = r else { unreachable!() };
    assert_eq!((b, r.partitions[0].current_leader_epoch, r.partitions[0].fetch_offset), (2, 1, 0));
}

#[test]
fn a_dead_leader_fails_the_fetch_in_flight_and_the_consumer_retries_after_backoff() {
    let mut h = assigned_at(earliest(), 0);
    h.take_one("Fetch");
    h.deliver(1, Message::Disconnected);
    assert!(h.take("Fetch").is_empty());
    h.advance_to(100);
    let (b, c, _) = h.take_one("Metadata");
    h.respond(b, c, Response::Metadata(metadata(&[("orders", 1)], 3, 1)));
    let (b, _, _) = h.take_one("Fetch");
    assert_eq!(b, 3);
}

#[test]
fn a_fetch_without_an_answer_times_out_after_request_timeout_ms() {
    let mut h = assigned_at(earliest(), 0);
    h.take_one("Fetch");
    h.advance_to(29_999);
    assert!(h.take("Fetch").is_empty());
    h.advance_to(30_000);
    let errors: Vec<KafkaError> = h
        .take_events()
        .into_iter()
        .filter_map(|e| match e {
            Event::Consumer(ConsumerEvent::FetchError { error, .. }) => Some(error),
            _ => None,
        })
        .collect();
    assert_eq!(errors, vec![KafkaError::RequestTimedOut]);
}

#[test]
fn seek_moves_the_next_fetch_and_drops_a_stale_response() {
    let mut h = assigned_at(earliest(), 0);
    let (b, c, _) = h.take_one("Fetch");
    let mut ctx = h.tctx.ctx(h.now, ME);
    h.consumer.seek(&mut ctx, tp(0), 42).unwrap();
    h.collect();
    // The answer to the fetch from 0 arrives after the seek: dropped.
    h.respond(
        b,
        c,
        Response::Fetch(FetchResponse { partitions: vec![fetch_partition(tp(0), None, 50, vec![batch(0, 5)])] }),
    );
    assert!(processed(&h.take_events()).is_empty());
    let asked = h.answer_fetch(&tp(0), vec![batch(42, 2)], 50);
    assert_eq!(asked[0].fetch_offset, 42);
    assert_eq!(processed(&h.take_events()), vec![(42, 43, 2)]);
}

#[test]
fn seek_of_an_unassigned_partition_is_refused() {
    let mut h = assigned_at(earliest(), 0);
    let mut ctx = h.tctx.ctx(h.now, ME);
    assert!(h.consumer.seek(&mut ctx, tp(9), 1).is_err());
}

// ---- groups ----

fn group_config(group: &str) -> ConsumerConfig {
    ConsumerConfig { group_id: Some(group.into()), ..earliest() }
}

fn join_response(member: &str, leader: &str, generation: i32, members: Vec<JoinGroupMember>) -> JoinGroupResponse {
    JoinGroupResponse {
        error: None,
        generation_id: generation,
        protocol_name: Some("range".into()),
        leader: leader.into(),
        member_id: member.into(),
        members,
    }
}

fn member(id: &str, owned: Vec<TopicPartition>) -> JoinGroupMember {
    JoinGroupMember {
        member_id: id.into(),
        group_instance_id: None,
        metadata: crate::engine::protocol::Subscription {
            topics: vec!["orders".into()],
            owned_partitions: owned,
            generation_id: -1,
        },
    }
}

/// Subscribe mode up to a stable generation 1 owning `assignment`, offsets committed at `committed`.
fn joined(config: ConsumerConfig, app: ConsumerApp, assignment: Vec<TopicPartition>, committed: Offset) -> Harness {
    let mut h = Harness::new(config, app);
    h.answer_metadata(&[("orders", 3)], 1);
    h.answer_find_coordinator(2);
    let (b, c, _) = h.take_one("JoinGroup");
    h.respond(b, c, Response::JoinGroup(join_response("c1-a", "other", 1, vec![])));
    let (b, c, _) = h.take_one("SyncGroup");
    let empty = assignment.is_empty();
    h.respond(
        b,
        c,
        Response::SyncGroup(SyncGroupResponse { error: None, protocol_name: Some("range".into()), assignment }),
    );
    if !empty {
        h.answer_offset_fetch(committed);
    }
    h
}

#[test]
fn a_first_join_gets_a_member_id_and_joins_again_with_it() {
    let mut h = Harness::new(group_config("g"), subscribe_app(CommitMode::Auto));
    h.answer_metadata(&[("orders", 3)], 1);
    h.answer_find_coordinator(2);
    let (b, c, r) = h.take_one("JoinGroup");
    let Request::JoinGroup(r) = r else { unreachable!() };
    assert_eq!((b, r.member_id.as_str()), (2, ""));
    assert_eq!(r.rebalance_timeout_ms, 300_000);
    let mut required = join_response("c1-a", "", -1, vec![]);
    required.error = Some(KafkaError::MemberIdRequired);
    h.respond(b, c, Response::JoinGroup(required));
    let (_, _, r) = h.take_one("JoinGroup");
    let Request::JoinGroup(r) = r else { unreachable!() };
    assert_eq!(r.member_id, "c1-a");
}

#[test]
fn group_leader_runs_the_assignor_and_sends_assignments() {
    let config = ConsumerConfig { partition_assignment_strategy: vec![AssignorName::Range], ..group_config("g") };
    let mut h = Harness::new(config, subscribe_app(CommitMode::Auto));
    h.answer_metadata(&[("orders", 3)], 1);
    h.answer_find_coordinator(2);
    let (b, c, r) = h.take_one("JoinGroup");
    let Request::JoinGroup(r) = r else { unreachable!() };
    assert_eq!(r.protocols.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), vec!["range"]);
    let members = vec![member("c1-a", vec![]), member("c2-b", vec![])];
    h.respond(b, c, Response::JoinGroup(join_response("c1-a", "c1-a", 1, members)));
    let (b, c, r) = h.take_one("SyncGroup");
    let Request::SyncGroup(r) = r else { unreachable!() };
    assert_eq!(b, 2);
    assert_eq!(r.generation_id, 1);
    let assignments: Vec<(String, Vec<TopicPartition>)> =
        r.assignments.iter().map(|a| (a.member_id.clone(), a.partitions.clone())).collect();
    // range: three partitions over two members, the first gets the extra one.
    assert_eq!(assignments, vec![("c1-a".into(), vec![tp(0), tp(1)]), ("c2-b".into(), vec![tp(2)])]);
    assert!(h
        .take_events()
        .iter()
        .any(|e| matches!(e, Event::Group(GroupEvent::AssignmentComputed { generation: 1, .. }))));
    assert!(h.consumer.snapshot().is_leader);

    h.respond(
        b,
        c,
        Response::SyncGroup(SyncGroupResponse {
            error: None,
            protocol_name: Some("range".into()),
            assignment: vec![tp(0), tp(1)],
        }),
    );
    let snapshot = h.consumer.snapshot();
    assert_eq!(snapshot.state, ConsumerState::Stable);
    assert_eq!(snapshot.assignment, vec![tp(0), tp(1)]);
    // The committed offsets of the new partitions come first.
    let (b, _, r) = h.take_one("OffsetFetch");
    let Request::OffsetFetch(r) = r else { unreachable!() };
    assert_eq!((b, r.partitions), (2, Some(vec![tp(0), tp(1)])));
}

#[test]
fn a_follower_sends_an_empty_sync_group() {
    let mut h = Harness::new(group_config("g"), subscribe_app(CommitMode::Auto));
    h.answer_metadata(&[("orders", 3)], 1);
    h.answer_find_coordinator(2);
    let (b, c, _) = h.take_one("JoinGroup");
    h.respond(b, c, Response::JoinGroup(join_response("c1-a", "c0-z", 1, vec![])));
    let (_, _, r) = h.take_one("SyncGroup");
    let Request::SyncGroup(r) = r else { unreachable!() };
    assert!(r.assignments.is_empty());
}

#[test]
fn a_member_with_no_partitions_is_idle() {
    let h = joined(group_config("g"), subscribe_app(CommitMode::Auto), vec![], -1);
    assert_eq!(h.consumer.snapshot().state, ConsumerState::Idle);
}

#[test]
fn committed_offsets_set_the_positions_of_new_partitions() {
    let mut h = joined(group_config("g"), subscribe_app(CommitMode::Auto), vec![tp(0)], 17);
    assert_eq!(resets(&h.take_events()), vec![(17, "committed offset".to_string())]);
    let asked = h.answer_fetch(&tp(0), vec![], 20);
    assert_eq!(asked[0].fetch_offset, 17);
    let snapshot = h.consumer.snapshot();
    assert_eq!(snapshot.partitions[0].committed, Some(17));
    assert_eq!(snapshot.partitions[0].lag, Some(3));
    assert_eq!(snapshot.partitions[0].records_lag, Some(3));
    assert_eq!(snapshot.records_lag_max, Some(3));
}

#[test]
fn heartbeats_go_every_heartbeat_interval_and_rebalance_in_progress_rejoins_at_the_next_poll() {
    let config = ConsumerConfig { heartbeat_interval_ms: 3_000, ..group_config("g") };
    let mut h = joined(config, subscribe_app(CommitMode::Auto), vec![tp(0)], 0);
    h.take("Fetch");
    h.advance_to(3_000);
    let (b, c, _) = h.take_one("Heartbeat");
    h.respond(b, c, Response::Heartbeat(HeartbeatResponse { error: Some(KafkaError::RebalanceInProgress) }));
    // Eager (the default [range, cooperative-sticky] is eager): revoke everything, then JoinGroup.
    let events = h.take_events();
    assert!(events.iter().any(
        |e| matches!(e, Event::Group(GroupEvent::PartitionsRevoked { partitions, .. }) if *partitions == vec![tp(0)])
    ));
    let (_, _, r) = h.take_one("JoinGroup");
    let Request::JoinGroup(r) = r else { unreachable!() };
    assert_eq!(r.member_id, "c1-a");
    assert!(h.consumer.snapshot().assignment.is_empty());
}

#[test]
fn eager_rebalance_with_auto_commit_commits_before_revoking() {
    let mut h = joined(group_config("g"), subscribe_app(CommitMode::Auto), vec![tp(0)], 0);
    h.answer_fetch(&tp(0), vec![batch(0, 5)], 5);
    h.advance_to(3_000);
    let (b, c, _) = h.take_one("Heartbeat");
    h.respond(b, c, Response::Heartbeat(HeartbeatResponse { error: Some(KafkaError::RebalanceInProgress) }));
    assert!(h.take("JoinGroup").is_empty(), "the commit comes first");
    assert_eq!(h.answer_commit(), vec![(tp(0), 5)]);
    h.take_one("JoinGroup");
}

#[test]
fn cooperative_rebalance_keeps_owned_partitions_and_rejoins_after_revoking() {
    let config =
        ConsumerConfig { partition_assignment_strategy: vec![AssignorName::CooperativeSticky], ..group_config("g") };
    let mut h = joined(config, subscribe_app(CommitMode::SyncAfterProcessing), vec![tp(0), tp(1), tp(2)], 0);
    assert_eq!(h.consumer.snapshot().rebalance_protocol, Some(RebalanceProtocol::Cooperative));
    h.take("Fetch");
    h.advance_to(3_000);
    let (b, c, _) = h.take_one("Heartbeat");
    h.respond(b, c, Response::Heartbeat(HeartbeatResponse { error: Some(KafkaError::RebalanceInProgress) }));
    let (b, c, r) = h.take_one("JoinGroup");
    let Request::JoinGroup(r) = r else { unreachable!() };
    assert_eq!(r.protocols[0].metadata.owned_partitions, vec![tp(0), tp(1), tp(2)], "it reports what it owns");
    assert_eq!(h.consumer.snapshot().assignment.len(), 3, "and keeps them while rejoining");
    let mut join = join_response("c1-a", "other", 2, vec![]);
    join.protocol_name = Some("cooperative-sticky".into());
    h.respond(b, c, Response::JoinGroup(join));
    let (b, c, _) = h.take_one("SyncGroup");
    // The leader moved partition 2 away: give it up, keep 0 and 1, rejoin for the second round.
    h.respond(
        b,
        c,
        Response::SyncGroup(SyncGroupResponse { error: None, protocol_name: None, assignment: vec![tp(0), tp(1)] }),
    );
    let events = h.take_events();
    assert!(events.iter().any(
        |e| matches!(e, Event::Group(GroupEvent::PartitionsRevoked { partitions, .. }) if *partitions == vec![tp(2)])
    ));
    assert_eq!(h.consumer.snapshot().assignment, vec![tp(0), tp(1)]);
    assert!(h.take("OffsetFetch").is_empty(), "kept partitions keep their positions");
    let (_, _, r) = h.take_one("JoinGroup");
    let Request::JoinGroup(r) = r else { unreachable!() };
    assert_eq!(r.protocols[0].metadata.owned_partitions, vec![tp(0), tp(1)]);
}

#[test]
fn unknown_member_id_loses_the_partitions_without_committing() {
    let mut h = joined(group_config("g"), subscribe_app(CommitMode::Auto), vec![tp(0)], 0);
    h.answer_fetch(&tp(0), vec![batch(0, 5)], 5);
    h.advance_to(3_000);
    let (b, c, _) = h.take_one("Heartbeat");
    h.respond(b, c, Response::Heartbeat(HeartbeatResponse { error: Some(KafkaError::UnknownMemberId) }));
    assert!(h.take_events().iter().any(|e| matches!(e, Event::Group(GroupEvent::PartitionsLost { .. }))));
    assert!(h.take("OffsetCommit").is_empty());
    let (_, _, r) = h.take_one("JoinGroup");
    let Request::JoinGroup(r) = r else { unreachable!() };
    assert_eq!(r.member_id, "", "a new member id");
}

#[test]
fn auto_commit_commits_a_record_still_being_processed() {
    let config = ConsumerConfig { auto_commit_interval_ms: 500, ..group_config("g") };
    let mut app = subscribe_app(CommitMode::Auto);
    app.processing_ms_per_record = 1_000;
    let mut h = joined(config, app, vec![tp(0)], 0);
    h.answer_fetch(&tp(0), vec![batch(0, 3)], 3);
    // Record 0 is handed to the application at t=0 and takes until t=1000.
    h.advance_to(500);
    let (_, _, r) = h.take_one("OffsetCommit");
    let Request::OffsetCommit(r) = r else { unreachable!() };
    assert_eq!(r.offsets, vec![(tp(0), 1)], "librdkafka commits the offset after the record handed over");
    let snapshot = h.consumer.snapshot();
    assert_eq!(snapshot.processing.current.map(|c| c.offset), Some(0), "while record 0 is still being processed");
    assert!(processed(&h.take_events()).is_empty());
}

#[test]
fn sync_after_processing_commits_the_batch_end_and_waits_before_polling_again() {
    let config = ConsumerConfig { max_poll_records: 2, ..group_config("g") };
    let mut h = joined(config, subscribe_app(CommitMode::SyncAfterProcessing), vec![tp(0)], 0);
    h.answer_fetch(&tp(0), vec![batch(0, 4)], 4);
    assert_eq!(processed(&h.take_events()), vec![(0, 1, 2)], "one poll, then blocked in commitSync");
    let (_, _, r) = h.requests.iter().find(|(_, _, r)| r.api_name() == "OffsetCommit").unwrap().clone();
    let Request::OffsetCommit(r) = r else { unreachable!() };
    assert_eq!((r.generation_id, r.member_id.as_str()), (1, "c1-a"));
    assert_eq!(h.answer_commit(), vec![(tp(0), 2)]);
    assert_eq!(processed(&h.take_events()), vec![(2, 3, 2)]);
    assert_eq!(h.answer_commit(), vec![(tp(0), 4)]);
    let committed: Vec<CommitTrigger> = h
        .take_events()
        .into_iter()
        .filter_map(|e| match e {
            Event::Consumer(ConsumerEvent::OffsetsCommitted { trigger, .. }) => Some(trigger),
            _ => None,
        })
        .collect();
    assert_eq!(committed, vec![CommitTrigger::Sync]);
}

#[test]
fn sync_before_processing_commits_before_the_first_record_is_processed() {
    let mut h = joined(group_config("g"), subscribe_app(CommitMode::SyncBeforeProcessing), vec![tp(0)], 0);
    h.answer_fetch(&tp(0), vec![batch(0, 3)], 3);
    assert!(processed(&h.take_events()).is_empty(), "nothing processed before the commit is acknowledged");
    assert_eq!(h.answer_commit(), vec![(tp(0), 3)]);
    assert_eq!(processed(&h.take_events()), vec![(0, 2, 3)]);
}

#[test]
fn max_poll_interval_exceeded_sends_leave_group_and_loses_the_partitions() {
    let config = ConsumerConfig { max_poll_interval_ms: 5_000, ..group_config("g") };
    let mut app = subscribe_app(CommitMode::SyncAfterProcessing);
    app.processing_ms_per_record = 10_000;
    let mut h = joined(config, app, vec![tp(0)], 0);
    h.answer_fetch(&tp(0), vec![batch(0, 1)], 1);
    h.advance_to(5_000);
    let (b, _, r) = h.take_one("LeaveGroup");
    let Request::LeaveGroup(r) = r else { unreachable!() };
    assert_eq!((b, r.member_id.as_str()), (2, "c1-a"));
    let events = h.take_events();
    assert!(events
        .iter()
        .any(|e| matches!(e, Event::Consumer(ConsumerEvent::LeftGroup { sent_leave_group: true, .. }))));
    assert!(events.iter().any(|e| matches!(e, Event::Group(GroupEvent::PartitionsLost { .. }))));
    // The record finishes; commitSync has nothing left to commit (the partition is gone, as in
    // Java's `allConsumed()`); the next poll rejoins as a new member.
    h.advance_to(10_000);
    assert_eq!(processed(&h.take_events()), vec![(0, 0, 1)]);
    assert!(h.take("OffsetCommit").is_empty());
    let (_, _, r) = h.take_one("JoinGroup");
    let Request::JoinGroup(r) = r else { unreachable!() };
    assert_eq!(r.member_id, "");
}

#[test]
fn close_commits_then_leaves_and_stops() {
    let mut h = joined(group_config("g"), subscribe_app(CommitMode::Auto), vec![tp(0)], 0);
    h.answer_fetch(&tp(0), vec![batch(0, 5)], 5);
    h.close();
    assert!(h.take("LeaveGroup").is_empty(), "the commit comes first");
    assert!(!h.closed);
    assert_eq!(h.answer_commit(), vec![(tp(0), 5)]);
    let (_, _, r) = h.take_one("LeaveGroup");
    let Request::LeaveGroup(r) = r else { unreachable!() };
    assert_eq!(r.member_id, "c1-a");
    assert!(h.closed, "the simulation is told the process stopped");
    assert_eq!(h.consumer.snapshot().state, ConsumerState::Closed);
}

#[test]
fn close_lets_the_record_in_progress_finish_and_commits_what_was_processed() {
    let mut app = subscribe_app(CommitMode::SyncAfterProcessing);
    app.processing_ms_per_record = 100;
    let mut h = joined(group_config("g"), app, vec![tp(0)], 0);
    h.answer_fetch(&tp(0), vec![batch(0, 5)], 5);
    h.advance_to(150);
    h.close();
    assert!(h.take("OffsetCommit").is_empty());
    h.advance_to(200);
    assert_eq!(processed(&h.take_events()), vec![(0, 0, 1), (1, 1, 1)]);
    assert_eq!(h.answer_commit(), vec![(tp(0), 2)]);
    assert!(h.closed);
}

#[test]
fn a_static_member_does_not_send_leave_group_on_close() {
    let config = ConsumerConfig { group_instance_id: Some("i1".into()), ..group_config("g") };
    let mut h = joined(config, subscribe_app(CommitMode::SyncAfterProcessing), vec![tp(0)], 0);
    h.close();
    assert!(h.take("LeaveGroup").is_empty());
    assert!(h.closed);
    assert!(h
        .take_events()
        .iter()
        .any(|e| matches!(e, Event::Consumer(ConsumerEvent::LeftGroup { sent_leave_group: false, .. }))));
}

#[test]
fn assign_mode_with_a_group_starts_from_committed_offsets_and_commits_as_a_simple_group() {
    let mut app = assign_app(vec![tp(0)]);
    app.commit_mode = CommitMode::SyncAfterProcessing;
    let mut h = Harness::new(group_config("g"), app);
    h.answer_metadata(&[("orders", 1)], 1);
    h.answer_find_coordinator(2);
    h.answer_offset_fetch(-1);
    let (_, _, r) = h.take_one("ListOffsets");
    let Request::ListOffsets(r) = r else { unreachable!() };
    assert_eq!(r.partitions[0].timestamp, EARLIEST_TIMESTAMP);
    assert!(h.take("JoinGroup").is_empty(), "assign mode does not join");
}

#[test]
fn the_snapshot_serializes_without_usize() {
    let h = joined(group_config("g"), subscribe_app(CommitMode::Auto), vec![tp(0)], 3);
    let json = serde_json::to_value(h.consumer.snapshot()).unwrap();
    assert_eq!(json["state"], "stable");
    assert_eq!(json["member_id"], "c1-a");
    assert_eq!(json["partitions"][0]["committed"], 3);
}
