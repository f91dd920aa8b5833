//! The producer driven alone with a `TestCtx`: the test plays the brokers,
//! answering (or not) the requests the producer sends, and fires timers.

use std::collections::BTreeMap;

use super::*;
use crate::engine::blob::Blob;
use crate::engine::config::Acks;
use crate::engine::event::Event;
use crate::engine::node::{Effect, TestCtx, Timer};
use crate::engine::protocol::{
    AddPartitionsToTxnResponse, BrokerMetadata, EndTxnResponse, FindCoordinatorResponse, InitProducerIdResponse,
    MetadataResponse, PartitionMetadata, ProducePartitionResponse, ProduceRequest, ProduceResponse, Request, Response,
    TopicMetadata,
};

const ME: NodeId = NodeId::Client(1);

struct Harness {
    p: Producer,
    t: TestCtx,
    now: Millis,
    /// Pending timers by (due, order set).
    timers: BTreeMap<(Millis, u64), Timer>,
    timer_seq: u64,
    /// Requests sent and not yet taken by the test.
    sent: Vec<(BrokerId, CorrelationId, Request)>,
    events: Vec<Event>,
    closed_effect: bool,
}

impl Harness {
    fn new(config: ProducerConfig) -> Self {
        config.validate().expect("test configs are valid");
        Harness {
            p: Producer::new(1, "p".into(), config, vec![1, 2, 3], None),
            t: TestCtx::new(1),
            now: 0,
            timers: BTreeMap::new(),
            timer_seq: 0,
            sent: Vec::new(),
            events: Vec::new(),
            closed_effect: false,
        }
    }

    /// Idempotence off, linger 0: the plainest producer.
    fn plain() -> Self {
        Harness::new(ProducerConfig { enable_idempotence: false, linger_ms: 0, ..ProducerConfig::default() })
    }

    fn absorb(&mut self) {
        for effect in std::mem::take(&mut self.t.effects) {
            match effect {
                Effect::Send { to: NodeId::Broker(b), message: Message::Request { correlation_id, body } } => {
                    self.sent.push((b, correlation_id, body))
                }
                // A request timed out: the producer closes that connection.
                Effect::Send { to: NodeId::Broker(_), message: Message::Disconnected } => {}
                Effect::Send { .. } => panic!("a producer only sends requests to brokers"),
                Effect::SetTimer { after_ms, timer } => {
                    self.timer_seq += 1;
                    self.timers.insert((self.now + after_ms, self.timer_seq), timer);
                }
                Effect::Emit(event) => self.events.push(event),
                Effect::ClientClosed => self.closed_effect = true,
                Effect::ShutdownComplete => panic!("only brokers shut down"),
            }
        }
    }

    fn with<R>(&mut self, f: impl FnOnce(&mut Producer, &mut Ctx) -> R) -> R {
        let mut ctx = self.t.ctx(self.now, ME);
        let r = f(&mut self.p, &mut ctx);
        self.absorb();
        r
    }

    fn start(&mut self) {
        self.with(|p, ctx| p.start(ctx));
    }

    /// Fires every timer due up to `time`, in order, then sets the clock.
    fn run_until(&mut self, time: Millis) {
        while let Some((&(due, seq), _)) = self.timers.iter().next() {
            if due > time {
                break;
            }
            let timer = self.timers.remove(&(due, seq)).expect("peeked");
            self.now = due;
            let Timer::Producer(timer) = timer else { panic!("producer timers only") };
            self.with(|p, ctx| p.on_timer(ctx, timer));
        }
        self.now = time;
    }

    fn send(&mut self, topic: &str, key: Option<&str>, value: &str) -> Result<(), KafkaError> {
        let record = ProducerRecord {
            topic: topic.into(),
            partition: None,
            key: key.map(Blob::from),
            value: Some(Blob::from(value)),
            headers: vec![],
            timestamp: None,
        };
        self.with(|p, ctx| p.send(ctx, record))
    }

    fn respond(&mut self, from: BrokerId, correlation_id: CorrelationId, body: Response) {
        self.with(|p, ctx| p.on_message(ctx, NodeId::Broker(from), Message::Response { correlation_id, body }));
    }

    /// Takes the requests matching `f` out of the sent list.
    fn take<T>(&mut self, f: impl Fn(&Request) -> Option<T>) -> Vec<(BrokerId, CorrelationId, T)> {
        let mut out = Vec::new();
        self.sent.retain(|(b, c, r)| match f(r) {
            Some(t) => {
                out.push((*b, *c, t));
                false
            }
            None => true,
        });
        out
    }

    fn produces(&mut self) -> Vec<(BrokerId, CorrelationId, ProduceRequest)> {
        self.take(|r| match r {
            Request::Produce(p) => Some(p.clone()),
            _ => None,
        })
    }

    /// The producer learns `topic` (as if the application had used it before).
    fn know(&mut self, topic: &str, leaders: &[BrokerId]) {
        self.with(|p, ctx| {
            p.metadata.add_topic(topic);
            p.poll(ctx)
        });
        self.answer_metadata(topic, leaders);
    }

    /// Answers the Metadata request: `topic` with partitions led by `leaders`.
    fn answer_metadata(&mut self, topic: &str, leaders: &[BrokerId]) {
        let requests = self.take(|r| matches!(r, Request::Metadata(_)).then_some(()));
        assert_eq!(requests.len(), 1, "one Metadata request in flight");
        let (broker, correlation_id, ()) = requests[0];
        let response = MetadataResponse {
            brokers: [1, 2, 3].iter().map(|id| BrokerMetadata { node_id: *id, rack: None }).collect(),
            controller_id: 1,
            topics: vec![TopicMetadata {
                name: topic.into(),
                error: None,
                is_internal: false,
                partitions: leaders
                    .iter()
                    .enumerate()
                    .map(|(i, l)| PartitionMetadata {
                        partition: i as PartitionId,
                        error: None,
                        leader: Some(*l),
                        leader_epoch: 0,
                        replicas: vec![*l],
                        isr: vec![*l],
                        offline_replicas: vec![],
                    })
                    .collect(),
            }],
        };
        self.respond(broker, correlation_id, Response::Metadata(response));
    }

    fn answer_init_producer_id(&mut self, producer_id: ProducerId, producer_epoch: ProducerEpoch) {
        let requests = self.take(|r| matches!(r, Request::InitProducerId(_)).then_some(()));
        assert_eq!(requests.len(), 1, "one InitProducerId request in flight");
        let (broker, correlation_id, ()) = requests[0];
        let body = Response::InitProducerId(InitProducerIdResponse { error: None, producer_id, producer_epoch });
        self.respond(broker, correlation_id, body);
    }

    fn ack(&mut self, broker: BrokerId, correlation_id: CorrelationId, request: &ProduceRequest, base_offset: Offset) {
        self.answer(broker, correlation_id, request, None, base_offset);
    }

    fn answer(
        &mut self,
        broker: BrokerId,
        correlation_id: CorrelationId,
        request: &ProduceRequest,
        error: Option<KafkaError>,
        base_offset: Offset,
    ) {
        let partitions = request
            .partitions
            .iter()
            .map(|p| ProducePartitionResponse {
                tp: p.tp.clone(),
                error,
                base_offset: if error.is_some() { -1 } else { base_offset },
                log_append_time_ms: -1,
                log_start_offset: 0,
            })
            .collect();
        self.respond(broker, correlation_id, Response::Produce(ProduceResponse { partitions }));
    }

    fn producer_events(&self) -> Vec<ProducerEvent> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Producer(p) => Some(p.clone()),
                _ => None,
            })
            .collect()
    }

    fn txn_events(&self) -> Vec<TxnEvent> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Txn(t) => Some(t.clone()),
                _ => None,
            })
            .collect()
    }
}

fn values(request: &ProduceRequest) -> Vec<(TopicPartition, Vec<String>)> {
    request
        .partitions
        .iter()
        .map(|p| (p.tp.clone(), p.batch.records.iter().map(|r| r.value.as_ref().unwrap().to_text_lossy()).collect()))
        .collect()
}

#[test]
fn records_with_the_same_key_go_to_the_same_partition() {
    let mut h = Harness::new(ProducerConfig { enable_idempotence: false, linger_ms: 10, ..ProducerConfig::default() });
    h.start();
    h.send("orders", Some("alice"), "a1").unwrap(); // waits for metadata
    h.answer_metadata("orders", &[1, 1, 1, 1, 1, 1]);
    for i in 2..=5 {
        h.send("orders", Some("alice"), &format!("a{i}")).unwrap();
        h.send("orders", Some("bob"), &format!("b{i}")).unwrap();
    }
    h.run_until(10);
    let mut by_partition: BTreeMap<PartitionId, Vec<String>> = BTreeMap::new();
    for (_, _, request) in h.produces() {
        for (tp, vals) in values(&request) {
            by_partition.entry(tp.partition).or_default().extend(vals);
        }
    }
    let alice = crate::engine::partitioner::partition_for_key(b"alice", 6);
    let bob = crate::engine::partitioner::partition_for_key(b"bob", 6);
    let alices: Vec<String> = by_partition[&alice].iter().filter(|v| v.starts_with('a')).cloned().collect();
    assert_eq!(alices, vec!["a1", "a2", "a3", "a4", "a5"], "every alice record, in send order, in one partition");
    assert_eq!(by_partition[&bob].iter().filter(|v| v.starts_with('b')).count(), 4);
    let total: usize = by_partition.values().map(Vec::len).sum();
    assert_eq!(total, 9, "no record went anywhere else");
}

#[test]
fn batch_is_sent_when_linger_ms_expires() {
    let mut h = Harness::new(ProducerConfig { enable_idempotence: false, linger_ms: 50, ..ProducerConfig::default() });
    h.start();
    h.know("orders", &[2]);
    h.send("orders", None, "v").unwrap();
    h.run_until(49);
    assert!(h.produces().is_empty(), "not before linger.ms");
    h.run_until(50);
    let produces = h.produces();
    assert_eq!(produces.len(), 1);
    assert_eq!(produces[0].0, 2, "sent to the partition's leader");
    assert_eq!(values(&produces[0].2), vec![(TopicPartition::new("orders", 0), vec!["v".to_string()])]);
}

#[test]
fn full_batch_is_sent_before_linger() {
    let mut h = Harness::new(ProducerConfig {
        enable_idempotence: false,
        linger_ms: 10_000,
        batch_size: 200,
        ..ProducerConfig::default()
    });
    h.start();
    h.know("orders", &[1]);
    let value = "x".repeat(40);
    for _ in 0..5 {
        h.send("orders", None, &value).unwrap();
    }
    let produces = h.produces();
    assert_eq!(produces.len(), 2, "both full batches went at once, the open one lingers");
    for (_, _, request) in &produces {
        let batch = &request.partitions[0].batch;
        assert!(batch.size_in_bytes() <= 200, "a batch never exceeds batch.size");
        assert_eq!(batch.record_count(), 2);
    }
    assert_eq!(h.p.snapshot().queued[0].records, 1);
}

#[test]
fn retry_keeps_the_sequence_number_of_the_batch() {
    let mut h = Harness::new(ProducerConfig { linger_ms: 0, ..ProducerConfig::default() });
    h.start();
    h.send("orders", None, "first").unwrap();
    h.answer_metadata("orders", &[1]);
    h.answer_init_producer_id(77, 0);
    let (broker, corr, request) = h.produces().remove(0);
    let batch = request.partitions[0].batch.clone();
    assert_eq!((batch.producer_id, batch.producer_epoch, batch.base_sequence), (77, 0, 0));
    h.answer(broker, corr, &request, Some(KafkaError::NotLeaderOrFollower), -1);
    assert!(h.producer_events().contains(&ProducerEvent::ProduceFailed {
        client: 1,
        tp: TopicPartition::new("orders", 0),
        error: KafkaError::NotLeaderOrFollower,
        records: 1,
        will_retry: true,
    }));
    h.send("orders", None, "second").unwrap();
    h.run_until(h.now + 99);
    assert!(h.produces().is_empty(), "retry.backoff.ms (100) not yet passed");
    h.run_until(h.now + 1);
    let sent = h.produces();
    assert_eq!(sent.len(), 2, "the retry, then the batch queued behind it");
    let resent = &sent[0].2.partitions[0].batch;
    assert_eq!(resent.base_sequence, 0, "the retry carries the same sequence");
    assert_eq!(resent.records, batch.records, "the same records, not copies");
    assert_eq!(sent[1].2.partitions[0].batch.base_sequence, 1, "the next batch continues the sequence");
    assert_eq!(h.p.stats().retries, 1);
}

#[test]
fn delivery_timeout_fails_records_with_msg_timed_out() {
    let mut h = Harness::new(ProducerConfig {
        enable_idempotence: false,
        linger_ms: 0,
        request_timeout_ms: 300,
        delivery_timeout_ms: 1_000,
        ..ProducerConfig::default()
    });
    h.start();
    h.know("orders", &[1]);
    h.send("orders", None, "v").unwrap();
    // The broker never answers: every attempt times out after request.timeout.ms.
    h.run_until(999);
    let attempts = h.produces().len();
    assert!(attempts >= 3, "retried after each request timeout, got {attempts} attempts");
    assert_eq!(h.p.stats().records_failed, 0);
    h.run_until(1_000);
    h.run_until(1_400);
    let failed: Vec<ProducerEvent> = h
        .producer_events()
        .into_iter()
        .filter(|e| matches!(e, ProducerEvent::ProduceFailed { will_retry: false, .. }))
        .collect();
    assert_eq!(
        failed,
        vec![ProducerEvent::ProduceFailed {
            client: 1,
            tp: TopicPartition::new("orders", 0),
            error: KafkaError::MsgTimedOut,
            records: 1,
            will_retry: false,
        }]
    );
    assert_eq!(h.p.stats().failed_by_error["_MSG_TIMED_OUT"], 1);
}

#[test]
fn max_in_flight_limits_requests_per_broker() {
    let mut h = Harness::new(ProducerConfig {
        enable_idempotence: false,
        linger_ms: 0,
        batch_size: 100,
        max_in_flight_requests_per_connection: 2,
        ..ProducerConfig::default()
    });
    h.start();
    h.know("orders", &[1]);
    let value = "x".repeat(60);
    for _ in 0..5 {
        h.send("orders", None, &value).unwrap(); // one record per batch
    }
    let first = h.produces();
    assert_eq!(first.len(), 2, "two requests in flight, three batches wait");
    assert_eq!(h.p.snapshot().in_flight_requests, 2);
    let (b, c, r) = first[0].clone();
    h.ack(b, c, &r, 0);
    assert_eq!(h.produces().len(), 1, "one answer frees one slot");
}

#[test]
fn acks_zero_completes_without_a_response() {
    let mut h = Harness::new(ProducerConfig {
        enable_idempotence: false,
        acks: Acks::None,
        linger_ms: 0,
        ..ProducerConfig::default()
    });
    h.start();
    h.know("orders", &[1]);
    h.send("orders", None, "v").unwrap();
    let produces = h.produces();
    assert_eq!(produces.len(), 1);
    assert_eq!(produces[0].2.acks, 0);
    assert!(h.producer_events().contains(&ProducerEvent::RecordsAcknowledged {
        client: 1,
        tp: TopicPartition::new("orders", 0),
        base_offset: -1,
        count: 1,
    }));
    assert_eq!(h.p.snapshot().in_flight_requests, 0);
    assert!(h.p.acknowledged().is_empty(), "no offset is known with acks=0");
    h.run_until(h.now + 40_000);
    assert!(
        !h.producer_events().iter().any(|e| matches!(e, ProducerEvent::ProduceFailed { .. })),
        "no request timeout: no answer is expected"
    );
}

#[test]
fn one_request_timeout_timer_per_connection_times_out_the_oldest_request() {
    let mut h = Harness::new(ProducerConfig {
        enable_idempotence: false,
        linger_ms: 0,
        batch_size: 100,
        ..ProducerConfig::default()
    });
    h.start();
    h.know("orders", &[1]);
    let timers_before = h.timers.len();
    h.send("orders", None, &"a".repeat(60)).unwrap();
    h.run_until(h.now + 10);
    h.send("orders", None, &"b".repeat(60)).unwrap();
    let sent = h.produces();
    assert_eq!(sent.len(), 2);
    let armed = |h: &Harness| {
        h.timers.values().filter(|t| matches!(t, Timer::Producer(ProducerTimer::RequestTimeout { .. }))).count()
    };
    assert!(armed(&h) <= 1 + timers_before, "the second request arms no timer of its own");
    h.run_until(29_999);
    assert!(!h.producer_events().iter().any(|e| matches!(e, ProducerEvent::ProduceFailed { .. })));
    h.run_until(30_000);
    let failed: Vec<KafkaError> = h
        .producer_events()
        .iter()
        .filter_map(|e| match e {
            ProducerEvent::ProduceFailed { error, .. } => Some(*error),
            _ => None,
        })
        .collect();
    assert_eq!(
        failed,
        vec![KafkaError::RequestTimedOut, KafkaError::NetworkException],
        "the oldest request timed out at its deadline; the connection closed under the other"
    );
}

#[test]
fn disconnect_fails_in_flight_batches_retriably() {
    let mut h = Harness::plain();
    h.start();
    h.know("orders", &[1]);
    h.send("orders", None, "v").unwrap();
    assert_eq!(h.produces().len(), 1);
    h.with(|p, ctx| p.on_message(ctx, NodeId::Broker(1), Message::Disconnected));
    assert!(h.producer_events().contains(&ProducerEvent::ProduceFailed {
        client: 1,
        tp: TopicPartition::new("orders", 0),
        error: KafkaError::NetworkException,
        records: 1,
        will_retry: true,
    }));
    // Metadata is refreshed, at most once per retry.backoff.ms.
    h.run_until(100);
    assert_eq!(h.take(|r| matches!(r, Request::Metadata(_)).then_some(())).len(), 1, "metadata is refreshed");
    assert_eq!(h.produces().len(), 1, "and the batch is sent again");
}

#[test]
fn a_retried_batch_without_idempotence_is_written_again_after_a_lost_ack() {
    // The producer's side of the duplicate: the broker appended the batch,
    // the answer was lost, the request timed out, and the same records go again.
    let mut h = Harness::new(ProducerConfig {
        enable_idempotence: false,
        linger_ms: 0,
        request_timeout_ms: 1_000,
        ..ProducerConfig::default()
    });
    h.start();
    h.know("orders", &[1]);
    h.send("orders", None, "once").unwrap();
    let first = h.produces();
    h.run_until(1_000);
    h.answer_metadata("orders", &[1]);
    h.run_until(1_200);
    let second = h.produces();
    assert_eq!(values(&first[0].2), values(&second[0].2));
    assert_eq!(second[0].2.partitions[0].batch.base_sequence, -1, "no sequence: the broker cannot tell it is a retry");
}

#[test]
fn a_response_overtaking_an_older_request_closes_the_connection_and_both_are_resent_in_order() {
    let mut h = Harness::new(ProducerConfig { linger_ms: 0, batch_size: 100, ..ProducerConfig::default() });
    h.start();
    h.send("orders", None, &"a".repeat(60)).unwrap();
    h.answer_metadata("orders", &[1]);
    h.answer_init_producer_id(5, 0);
    h.send("orders", None, &"b".repeat(60)).unwrap();
    let sent = h.produces();
    assert_eq!(sent.len(), 2);
    let seqs: Vec<i32> = sent.iter().map(|(_, _, r)| r.partitions[0].batch.base_sequence).collect();
    assert_eq!(seqs, vec![0, 1]);
    // The first request's response was lost; the broker refuses the second. A
    // response overtaking an older request means the stream is out of step:
    // the producer closes the connection and retries both, in sequence order.
    let (b, c, r) = sent[1].clone();
    h.answer(b, c, &r, Some(KafkaError::OutOfOrderSequenceNumber), -1);
    h.answer_metadata_if_asked();
    h.run_until(h.now + 500);
    h.answer_metadata_if_asked();
    h.run_until(h.now + 500);
    let resent = h.produces();
    let seqs: Vec<i32> = resent.iter().map(|(_, _, r)| r.partitions[0].batch.base_sequence).collect();
    assert_eq!(seqs, vec![0], "a retry goes only as the first in flight");
    let (b, c, r) = resent[0].clone();
    h.ack(b, c, &r, 0);
    let next = h.produces();
    assert_eq!(next[0].2.partitions[0].batch.base_sequence, 1, "then the second follows it");
    assert_eq!(h.p.stats().records_failed, 0);
}

#[test]
fn records_for_an_unknown_topic_fail_after_the_delivery_timeout() {
    let mut h = Harness::plain();
    h.start();
    h.send("nowhere", None, "v").unwrap();
    assert_eq!(h.p.snapshot().records_awaiting_metadata, 1);
    h.run_until(120_000);
    assert_eq!(h.p.stats().failed_by_error["_MSG_TIMED_OUT"], 1);
    assert_eq!(h.p.snapshot().records_awaiting_metadata, 0);
}

#[test]
fn record_larger_than_max_request_size_is_refused_at_send() {
    let mut h =
        Harness::new(ProducerConfig { enable_idempotence: false, max_request_size: 100, ..ProducerConfig::default() });
    h.start();
    assert_eq!(h.send("orders", None, &"x".repeat(200)), Err(KafkaError::MessageTooLarge));
    assert_eq!(h.p.stats().records_sent, 0);
}

#[test]
fn close_flushes_then_stops() {
    let mut h =
        Harness::new(ProducerConfig { enable_idempotence: false, linger_ms: 10_000, ..ProducerConfig::default() });
    h.start();
    h.know("orders", &[1]);
    h.send("orders", None, "v").unwrap();
    assert!(h.produces().is_empty());
    h.with(|p, ctx| p.close(ctx));
    let (b, c, r) = h.produces().remove(0);
    assert!(!h.closed_effect, "not closed while a batch is in flight");
    h.ack(b, c, &r, 0);
    assert!(h.closed_effect);
    assert!(h.producer_events().contains(&ProducerEvent::ProducerClosed { client: 1 }));
}

// ---- transactions ----

fn transactional() -> Harness {
    let mut h =
        Harness::new(ProducerConfig { linger_ms: 0, transactional_id: Some("tx".into()), ..ProducerConfig::default() });
    h.start();
    let finds = h.take(|r| match r {
        Request::FindCoordinator(f) => Some(f.clone()),
        _ => None,
    });
    assert_eq!(finds.len(), 1, "initTransactions looks for the coordinator first");
    let (b, c, _) = finds[0].clone();
    h.respond(b, c, Response::FindCoordinator(FindCoordinatorResponse { error: None, node_id: 2 }));
    let inits = h.take(|r| match r {
        Request::InitProducerId(i) => Some(i.clone()),
        _ => None,
    });
    assert_eq!(inits[0].0, 2, "InitProducerId goes to the coordinator");
    assert_eq!(inits[0].2.transactional_id.as_deref(), Some("tx"));
    let (b, c, _) = inits[0].clone();
    h.respond(
        b,
        c,
        Response::InitProducerId(InitProducerIdResponse { error: None, producer_id: 9, producer_epoch: 1 }),
    );
    assert_eq!(h.p.transaction_state(), Some(TransactionState::Ready));
    h
}

#[test]
fn send_outside_a_transaction_is_refused() {
    let mut h = transactional();
    assert_eq!(h.send("orders", None, "v"), Err(KafkaError::InvalidTxnState));
    assert!(h.with(|p, ctx| p.commit_transaction(ctx)).unwrap_err().starts_with("INVALID_TXN_STATE"));
}

#[test]
fn transactional_producer_adds_partitions_before_sending_and_commits_after_the_flush() {
    let mut h = transactional();
    h.with(|p, ctx| p.begin_transaction(ctx)).unwrap();
    h.send("orders", Some("k"), "v").unwrap();
    h.answer_metadata("orders", &[1]);
    assert!(h.produces().is_empty(), "nothing is sent before AddPartitionsToTxn");
    let adds = h.take(|r| match r {
        Request::AddPartitionsToTxn(a) => Some(a.clone()),
        _ => None,
    });
    assert_eq!(adds.len(), 1);
    let (b, c, add) = adds[0].clone();
    assert_eq!((b, add.producer_id, add.producer_epoch), (2, 9, 1));
    let partitions = add.partitions.iter().map(|tp| (tp.clone(), None)).collect();
    h.respond(b, c, Response::AddPartitionsToTxn(AddPartitionsToTxnResponse { partitions }));
    let (pb, pc, produce) = h.produces().remove(0);
    assert_eq!(produce.transactional_id.as_deref(), Some("tx"));
    assert!(produce.partitions[0].batch.is_transactional);
    h.with(|p, ctx| p.commit_transaction(ctx)).unwrap();
    assert!(h.take(|r| matches!(r, Request::EndTxn(_)).then_some(())).is_empty(), "EndTxn waits for the flush");
    h.ack(pb, pc, &produce, 0);
    let ends = h.take(|r| match r {
        Request::EndTxn(e) => Some(e.clone()),
        _ => None,
    });
    assert_eq!(ends.len(), 1);
    assert!(ends[0].2.committed);
    let (b, c, _) = ends[0].clone();
    h.respond(b, c, Response::EndTxn(EndTxnResponse { error: None }));
    assert_eq!(h.p.transaction_state(), Some(TransactionState::Ready));
    assert!(h.txn_events().contains(&TxnEvent::TransactionEnded {
        client: 1,
        transactional_id: "tx".into(),
        commit: true
    }));
}

#[test]
fn abort_fails_records_not_yet_sent_with_purge_queue() {
    let mut h = transactional();
    h.answer_metadata_if_asked();
    h.with(|p, ctx| p.begin_transaction(ctx)).unwrap();
    h.send("orders", None, "v").unwrap();
    h.with(|p, ctx| p.abort_transaction(ctx)).unwrap();
    assert_eq!(h.p.stats().failed_by_error["_PURGE_QUEUE"], 1);
    // Nothing reached the coordinator: the abort completes locally.
    assert!(h.take(|r| matches!(r, Request::EndTxn(_)).then_some(())).is_empty());
    assert_eq!(h.p.transaction_state(), Some(TransactionState::Ready));
}

#[test]
fn producer_fenced_is_fatal() {
    let mut h = transactional();
    h.with(|p, ctx| p.begin_transaction(ctx)).unwrap();
    h.send("orders", None, "v").unwrap();
    h.answer_metadata("orders", &[1]);
    let (b, c, add) = h
        .take(|r| match r {
            Request::AddPartitionsToTxn(a) => Some(a.clone()),
            _ => None,
        })
        .remove(0);
    let partitions = add.partitions.iter().map(|tp| (tp.clone(), Some(KafkaError::ProducerFenced))).collect();
    h.respond(b, c, Response::AddPartitionsToTxn(AddPartitionsToTxnResponse { partitions }));
    assert_eq!(h.p.transaction_state(), Some(TransactionState::FatalError));
    assert_eq!(h.send("orders", None, "w"), Err(KafkaError::ProducerFenced));
    assert!(h.with(|p, ctx| p.abort_transaction(ctx)).unwrap_err().starts_with("PRODUCER_FENCED"));
    assert_eq!(h.p.stats().failed_by_error["PRODUCER_FENCED"], 1);
}

impl Harness {
    /// Answers a Metadata request for `orders` if one is waiting.
    fn answer_metadata_if_asked(&mut self) {
        if self.sent.iter().any(|(_, _, r)| matches!(r, Request::Metadata(_))) {
            self.answer_metadata("orders", &[1]);
        }
    }
}

#[test]
fn without_idempotence_batches_that_fail_together_are_resent_in_reverse_order() {
    // max.in.flight > 1 and no sequence numbers: each failed batch goes back
    // to the front of the queue, so the last one to fail is resent first.
    let mut h = Harness::new(ProducerConfig {
        enable_idempotence: false,
        linger_ms: 0,
        batch_size: 100,
        ..ProducerConfig::default()
    });
    h.start();
    h.know("orders", &[1]);
    h.send("orders", None, &"a".repeat(60)).unwrap();
    h.send("orders", None, &"b".repeat(60)).unwrap();
    let sent = h.produces();
    assert_eq!(sent.len(), 2);
    for (b, c, r) in &sent {
        h.answer(*b, *c, r, Some(KafkaError::NotEnoughReplicas), -1);
    }
    h.run_until(100);
    let resent: Vec<String> = h.produces().iter().flat_map(|(_, _, r)| values(r)).flat_map(|(_, v)| v).collect();
    assert_eq!(resent, vec!["b".repeat(60), "a".repeat(60)], "reordered");
}

#[test]
fn out_of_order_sequence_for_the_next_batch_bumps_the_epoch_and_resends() {
    // The broker lost the producer's state (e.g. an unclean election): the
    // idempotent producer starts a new producer id and resends (KIP-360).
    let mut h = Harness::new(ProducerConfig { linger_ms: 0, ..ProducerConfig::default() });
    h.start();
    h.send("orders", None, "v").unwrap();
    h.answer_metadata("orders", &[1]);
    h.answer_init_producer_id(5, 0);
    let (b, c, r) = h.produces().remove(0);
    h.ack(b, c, &r, 0);
    h.send("orders", None, "w").unwrap();
    let (b, c, r) = h.produces().remove(0);
    assert_eq!(r.partitions[0].batch.base_sequence, 1);
    h.answer(b, c, &r, Some(KafkaError::OutOfOrderSequenceNumber), -1);
    assert!(h.producer_events().iter().any(|e| matches!(e, ProducerEvent::EpochBumpRequested { .. })));
    h.answer_init_producer_id(6, 0);
    h.run_until(100);
    let (_, _, again) = h.produces().remove(0);
    let batch = &again.partitions[0].batch;
    assert_eq!((batch.producer_id, batch.producer_epoch, batch.base_sequence), (6, 0, 0), "new id, sequence from 0");
    assert_eq!(h.p.stats().records_failed, 0, "the record is not lost");
}

#[test]
fn round_robin_partitioner_sends_each_record_to_the_next_partition() {
    let mut h = Harness::new(ProducerConfig {
        enable_idempotence: false,
        linger_ms: 10,
        partitioner_class: Partitioner::RoundRobin,
        ..ProducerConfig::default()
    });
    h.start();
    h.know("orders", &[1, 1, 1]);
    for i in 0..6 {
        h.send("orders", Some("same-key"), &format!("r{i}")).unwrap();
    }
    h.run_until(10);
    let mut by_partition: BTreeMap<PartitionId, Vec<String>> = BTreeMap::new();
    for (_, _, r) in h.produces() {
        for (tp, v) in values(&r) {
            by_partition.entry(tp.partition).or_default().extend(v);
        }
    }
    assert_eq!(by_partition[&0], vec!["r0", "r3"]);
    assert_eq!(by_partition[&1], vec!["r1", "r4"]);
    assert_eq!(by_partition[&2], vec!["r2", "r5"]);
}

#[test]
fn a_workload_generates_records_at_its_rate() {
    let mut h = Harness::plain();
    h.p.workload = Some(Workload {
        topic: "orders".into(),
        rate_per_sec: 50.0,
        key: crate::engine::client::KeyPattern::Sequential { prefix: "k".into(), cardinality: 3 },
        value_bytes: 6,
        max_records: Some(40),
        records_per_transaction: None,
        abort_every: 0,
    });
    h.start();
    h.answer_metadata("orders", &[1, 1]);
    let mut keys: Vec<String> = Vec::new();
    let mut ack_until = |h: &mut Harness, time: Millis| {
        for t in (h.now..=time).step_by(10) {
            h.run_until(t);
            for (b, c, r) in h.produces() {
                for p in &r.partitions {
                    keys.extend(p.batch.records.iter().map(|r| r.key.as_ref().unwrap().to_text_lossy()));
                }
                h.ack(b, c, &r, 0);
            }
        }
    };
    ack_until(&mut h, 500);
    assert_eq!(h.p.snapshot().records_generated, 25, "50 records a second for half a second");
    ack_until(&mut h, 2_000);
    assert_eq!(h.p.snapshot().records_generated, 40, "max_records");
    assert_eq!(keys.len(), 40);
    assert_eq!(&keys[..4], ["k0", "k1", "k2", "k0"], "sequential keys cycle through the cardinality");
}

#[test]
fn batches_failing_while_an_epoch_bump_waits_are_resent_under_the_new_id_in_send_order() {
    // Three requests in flight to one partition; the first is answered with
    // OUT_OF_ORDER_SEQUENCE_NUMBER as the next expected batch (the broker lost
    // the producer's state), then the connection drops under the other two.
    // After the new producer id they go again, in the order first sent, with
    // sequences 0, 1, 2 (Java's `startSequencesAtBeginning`).
    let mut h = Harness::new(ProducerConfig { linger_ms: 0, batch_size: 100, ..ProducerConfig::default() });
    h.start();
    h.send("orders", None, &"a".repeat(60)).unwrap();
    h.answer_metadata("orders", &[1]);
    h.answer_init_producer_id(5, 0);
    h.send("orders", None, &"b".repeat(60)).unwrap();
    h.send("orders", None, &"c".repeat(60)).unwrap();
    let sent = h.produces();
    assert_eq!(sent.len(), 3);
    let (b, c, r) = &sent[0];
    h.answer(*b, *c, r, Some(KafkaError::OutOfOrderSequenceNumber), -1);
    h.with(|p, ctx| p.on_message(ctx, NodeId::Broker(1), Message::Disconnected));
    h.answer_metadata_if_asked();
    h.answer_init_producer_id(6, 0);
    h.run_until(h.now + 200);
    let resent: Vec<(String, i32)> = h
        .produces()
        .iter()
        .flat_map(|(_, _, r)| r.partitions.iter().map(|p| p.batch.clone()).collect::<Vec<_>>())
        .map(|b| {
            assert_eq!(b.producer_id, 6);
            let value = b.records[0].value.as_ref().map(|v| String::from_utf8_lossy(v.as_bytes()).to_string());
            (value.unwrap_or_default(), b.base_sequence)
        })
        .collect();
    assert_eq!(resent, vec![("a".repeat(60), 0), ("b".repeat(60), 1), ("c".repeat(60), 2)]);
}
