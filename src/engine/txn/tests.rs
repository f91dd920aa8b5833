//! The transaction coordinator driven alone, against a fake host whose
//! appends become durable only when the test says so.

use std::collections::BTreeMap;

use super::*;
use crate::engine::blob::Blob;
use crate::engine::config::TopicConfig;
use crate::engine::node::{Effect, TestCtx};
use crate::engine::protocol::{
    AddPartitionsToTxnRequest, EndTxnRequest, FindCoordinatorRequest, InitProducerIdRequest, MetadataImage,
    PartitionImage, TopicImage,
};
use crate::engine::record::{Record, RecordBatch};

const ME: BrokerId = 1;
const CLIENT: NodeId = NodeId::Client(9);

/// An internal record the fake host appended: (offset, key, value).
type Appended = (Offset, Option<Blob>, Option<Blob>);

/// A broker's replica manager, reduced to what the coordinator uses.
struct FakeHost {
    image: MetadataImage,
    /// Appended internal records per partition, with their offsets.
    logs: BTreeMap<TopicPartition, Vec<Appended>>,
    markers: Vec<(TopicPartition, ProducerId, ProducerEpoch, ControlType)>,
    next_producer_id: ProducerId,
}

impl FakeHost {
    /// `__transaction_state` with 4 partitions, all led by broker 1, and a
    /// topic `orders` with 2 partitions led by brokers 1 and 2.
    fn new() -> Self {
        let mut image = MetadataImage::default();
        let topic = |name: &str, leaders: &[BrokerId], internal: bool| TopicImage {
            name: name.to_string(),
            is_internal: internal,
            config: TopicConfig::default(),
            partitions: leaders
                .iter()
                .enumerate()
                .map(|(i, l)| PartitionImage {
                    partition: i as PartitionId,
                    replicas: vec![*l],
                    isr: vec![*l],
                    leader: Some(*l),
                    leader_epoch: 3,
                    partition_epoch: 0,
                })
                .collect(),
        };
        image.topics.insert(TRANSACTION_STATE_TOPIC.into(), topic(TRANSACTION_STATE_TOPIC, &[ME; 4], true));
        image.topics.insert("orders".into(), topic("orders", &[1, 2], false));
        FakeHost { image, logs: BTreeMap::new(), markers: Vec::new(), next_producer_id: 1000 }
    }

    fn log_end(&self, tp: &TopicPartition) -> Offset {
        self.logs.get(tp).map_or(0, |l| l.len() as Offset)
    }

    fn states_written(&self) -> Vec<String> {
        self.logs
            .values()
            .flatten()
            .filter_map(|(_, _, v)| v.as_ref())
            .map(|v| serde_json::from_slice::<TxnMetadata>(v.as_bytes()).unwrap().state.name().to_string())
            .collect()
    }
}

impl CoordinatorHost for FakeHost {
    fn broker_id(&self) -> BrokerId {
        ME
    }
    fn metadata(&self) -> &MetadataImage {
        &self.image
    }
    fn is_leader(&self, tp: &TopicPartition) -> bool {
        self.image.partition(&tp.topic, tp.partition).and_then(|p| p.leader) == Some(ME)
    }
    fn append_internal(
        &mut self,
        _ctx: &mut Ctx,
        tp: &TopicPartition,
        records: Vec<(Option<Blob>, Option<Blob>)>,
    ) -> Result<Offset, KafkaError> {
        if !self.is_leader(tp) {
            return Err(KafkaError::NotLeaderOrFollower);
        }
        let log = self.logs.entry(tp.clone()).or_default();
        for (k, v) in records {
            let offset = log.len() as Offset;
            log.push((offset, k, v));
        }
        Ok(log.len() as Offset - 1)
    }
    fn read_committed_batches(&self, tp: &TopicPartition) -> Vec<RecordBatch> {
        let records: Vec<Record> = self
            .logs
            .get(tp)
            .into_iter()
            .flatten()
            .map(|(o, k, v)| Record {
                offset_delta: *o as i32,
                timestamp_delta: 0,
                key: k.clone(),
                value: v.clone(),
                headers: vec![],
            })
            .collect();
        if records.is_empty() {
            return vec![];
        }
        vec![RecordBatch {
            base_offset: 0,
            last_offset_delta: records.len() as i32 - 1,
            partition_leader_epoch: 0,
            first_timestamp: 0,
            max_timestamp: 0,
            timestamp_type: Default::default(),
            producer_id: -1,
            producer_epoch: -1,
            base_sequence: -1,
            is_transactional: false,
            control: None,
            records: std::sync::Arc::new(records),
        }]
    }
    fn write_txn_marker(
        &mut self,
        _ctx: &mut Ctx,
        tp: &TopicPartition,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        marker: ControlType,
    ) -> Result<Offset, KafkaError> {
        self.markers.push((tp.clone(), producer_id, producer_epoch, marker));
        Ok(self.markers.len() as Offset - 1)
    }
    fn allocate_producer_id(&mut self) -> ProducerId {
        self.next_producer_id += 1;
        self.next_producer_id
    }
}

struct Harness {
    coordinator: TxnCoordinator,
    host: FakeHost,
    t: TestCtx,
    now: Millis,
    next_correlation_id: CorrelationId,
}

impl Harness {
    fn new() -> Self {
        let mut h = Harness {
            coordinator: TxnCoordinator::new(ME, BrokerConfig::default()),
            host: FakeHost::new(),
            t: TestCtx::new(7),
            now: 0,
            next_correlation_id: 1,
        };
        for p in 0..4 {
            let mut ctx = h.t.ctx(0, NodeId::Broker(ME));
            h.coordinator.on_became_leader(&mut ctx, &mut h.host, p);
        }
        h
    }

    fn request(&mut self, request: Request) -> CorrelationId {
        let correlation_id = self.next_correlation_id;
        self.next_correlation_id += 1;
        let mut ctx = self.t.ctx(self.now, NodeId::Broker(ME));
        self.coordinator.handle_request(&mut ctx, &mut self.host, CLIENT, correlation_id, request);
        correlation_id
    }

    /// Makes every append so far durable.
    fn replicate(&mut self) {
        let ends: Vec<(PartitionId, Offset)> = self
            .host
            .logs
            .keys()
            .filter(|tp| tp.topic == TRANSACTION_STATE_TOPIC)
            .map(|tp| (tp.partition, self.host.log_end(tp)))
            .collect();
        for (partition, hw) in ends {
            let mut ctx = self.t.ctx(self.now, NodeId::Broker(ME));
            self.coordinator.on_high_watermark(&mut ctx, &mut self.host, partition, hw);
        }
    }

    /// Responses sent to the client so far, drained.
    fn responses(&mut self) -> Vec<(CorrelationId, Response)> {
        let mut out = Vec::new();
        self.t.effects.retain(|e| match e {
            Effect::Send { to, message: Message::Response { correlation_id, body } } if *to == CLIENT => {
                out.push((*correlation_id, body.clone()));
                false
            }
            _ => true,
        });
        out
    }

    fn init(&mut self, id: &str) -> (ProducerId, ProducerEpoch) {
        let c = self.request(Request::InitProducerId(InitProducerIdRequest {
            transactional_id: Some(id.into()),
            transaction_timeout_ms: 60_000,
        }));
        self.replicate();
        match self.responses().into_iter().find(|(corr, _)| *corr == c) {
            Some((_, Response::InitProducerId(r))) => {
                assert_eq!(r.error, None);
                (r.producer_id, r.producer_epoch)
            }
            other => panic!("no InitProducerId response: {other:?}"),
        }
    }

    fn add(&mut self, id: &str, pid: ProducerId, epoch: ProducerEpoch, tps: &[TopicPartition]) -> Option<KafkaError> {
        let c = self.request(Request::AddPartitionsToTxn(AddPartitionsToTxnRequest {
            transactional_id: id.into(),
            producer_id: pid,
            producer_epoch: epoch,
            partitions: tps.to_vec(),
        }));
        self.replicate();
        match self.responses().into_iter().find(|(corr, _)| *corr == c) {
            Some((_, Response::AddPartitionsToTxn(r))) => r.partitions[0].1,
            other => panic!("no AddPartitionsToTxn response: {other:?}"),
        }
    }

    fn end(&mut self, id: &str, pid: ProducerId, epoch: ProducerEpoch, commit: bool) -> Option<KafkaError> {
        let c = self.request(Request::EndTxn(EndTxnRequest {
            transactional_id: id.into(),
            producer_id: pid,
            producer_epoch: epoch,
            committed: commit,
        }));
        self.replicate();
        match self.responses().into_iter().find(|(corr, _)| *corr == c) {
            Some((_, Response::EndTxn(r))) => r.error,
            other => panic!("no EndTxn response: {other:?}"),
        }
    }

    fn state(&self, id: &str) -> TxnState {
        self.coordinator.txns[id].metadata.state
    }

    /// WriteTxnMarkers requests sent to other brokers, drained.
    fn marker_requests(&mut self) -> Vec<(NodeId, CorrelationId, WriteTxnMarkersRequest)> {
        let mut out = Vec::new();
        self.t.effects.retain(|e| match e {
            Effect::Send { to, message: Message::Request { correlation_id, body: Request::WriteTxnMarkers(r) } } => {
                out.push((*to, *correlation_id, r.clone()));
                false
            }
            _ => true,
        });
        out
    }

    fn fire_timers(&mut self, until: Millis) {
        let mut timers = Vec::new();
        self.t.effects.retain(|e| match e {
            Effect::SetTimer { after_ms, timer } => {
                timers.push((*after_ms, timer.clone()));
                false
            }
            _ => true,
        });
        timers.sort_by_key(|(after, _)| *after);
        for (after, timer) in timers {
            if after <= until {
                if let Timer::Broker(crate::engine::broker::BrokerTimer::Txn(t)) = timer {
                    self.now = after;
                    let mut ctx = self.t.ctx(self.now, NodeId::Broker(ME));
                    self.coordinator.on_timer(&mut ctx, &mut self.host, t);
                }
            }
        }
    }
}

fn orders(p: PartitionId) -> TopicPartition {
    TopicPartition::new("orders", p)
}

#[test]
fn find_coordinator_answers_the_leader_of_the_ids_partition() {
    let mut h = Harness::new();
    h.host.image.topics.get_mut(TRANSACTION_STATE_TOPIC).unwrap().partitions[2].leader = Some(3);
    // Pick an id that lands on partition 2 of 4.
    let id = (0..).map(|i| format!("tx-{i}")).find(|id| coordinator_partition_for(id, 4) == 2).unwrap();
    let c =
        h.request(Request::FindCoordinator(FindCoordinatorRequest { key: id, key_type: CoordinatorType::Transaction }));
    let responses = h.responses();
    assert_eq!(responses.len(), 1);
    assert_eq!(responses[0], (c, Response::FindCoordinator(FindCoordinatorResponse { error: None, node_id: 3 })));
}

#[test]
fn non_transactional_init_producer_id_is_answered_at_once_with_epoch_zero() {
    let mut h = Harness::new();
    h.request(Request::InitProducerId(InitProducerIdRequest {
        transactional_id: None,
        transaction_timeout_ms: 60_000,
    }));
    h.request(Request::InitProducerId(InitProducerIdRequest {
        transactional_id: None,
        transaction_timeout_ms: 60_000,
    }));
    let ids: Vec<(ProducerId, ProducerEpoch)> = h
        .responses()
        .into_iter()
        .map(|(_, r)| match r {
            Response::InitProducerId(r) => (r.producer_id, r.producer_epoch),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(ids, vec![(1001, 0), (1002, 0)]);
    assert!(h.host.logs.is_empty(), "no transaction state is written for idempotent producers");
}

#[test]
fn init_producer_id_is_answered_only_once_the_state_is_durable() {
    let mut h = Harness::new();
    h.request(Request::InitProducerId(InitProducerIdRequest {
        transactional_id: Some("tx".into()),
        transaction_timeout_ms: 60_000,
    }));
    assert!(h.responses().is_empty(), "no answer before the high watermark passes the write");
    assert_eq!(h.host.states_written(), vec!["Empty"]);
    h.replicate();
    let responses = h.responses();
    assert!(matches!(
        &responses[..],
        [(_, Response::InitProducerId(InitProducerIdResponse { error: None, producer_id: 1001, producer_epoch: 0 }))]
    ));
}

#[test]
fn a_second_init_bumps_the_epoch_and_fences_the_first_producer() {
    let mut h = Harness::new();
    let (pid, epoch) = h.init("tx");
    let (pid2, epoch2) = h.init("tx");
    assert_eq!((pid2, epoch2), (pid, epoch + 1));
    assert_eq!(h.add("tx", pid, epoch, &[orders(0)]), Some(KafkaError::ProducerFenced));
    assert_eq!(h.add("tx", pid2, epoch2, &[orders(0)]), None);
}

#[test]
fn transaction_timeout_above_the_broker_maximum_is_refused() {
    let mut h = Harness::new();
    h.request(Request::InitProducerId(InitProducerIdRequest {
        transactional_id: Some("tx".into()),
        transaction_timeout_ms: 900_001,
    }));
    assert!(matches!(
        &h.responses()[..],
        [(
            _,
            Response::InitProducerId(InitProducerIdResponse { error: Some(KafkaError::InvalidTransactionTimeout), .. })
        )]
    ));
}

#[test]
fn commit_writes_prepare_commit_then_markers_then_complete_commit() {
    let mut h = Harness::new();
    let (pid, epoch) = h.init("tx");
    assert_eq!(h.add("tx", pid, epoch, &[orders(0), orders(1)]), None);
    assert_eq!(h.state("tx"), TxnState::Ongoing);
    assert_eq!(h.end("tx", pid, epoch, true), None, "EndTxn is answered once PrepareCommit is durable");
    assert_eq!(h.state("tx"), TxnState::PrepareCommit);
    // orders-0 is led here: written locally. orders-1 goes to broker 2.
    assert_eq!(h.host.markers, vec![(orders(0), pid, epoch, ControlType::Commit)]);
    let requests = h.marker_requests();
    assert_eq!(requests.len(), 1);
    let (to, correlation_id, request) = requests[0].clone();
    assert_eq!(to, NodeId::Broker(2));
    assert!(owns_correlation_id(correlation_id));
    assert_eq!(
        (request.marker, request.partitions.clone(), request.coordinator_epoch),
        (ControlType::Commit, vec![orders(1)], 3)
    );
    let mut ctx = h.t.ctx(h.now, NodeId::Broker(ME));
    h.coordinator.handle_response(
        &mut ctx,
        &mut h.host,
        NodeId::Broker(2),
        Message::Response {
            correlation_id,
            body: Response::WriteTxnMarkers(WriteTxnMarkersResponse {
                producer_id: pid,
                partitions: vec![(orders(1), None)],
            }),
        },
    );
    h.replicate();
    assert_eq!(h.state("tx"), TxnState::CompleteCommit);
    assert_eq!(h.host.states_written(), vec!["Empty", "Ongoing", "PrepareCommit", "CompleteCommit"]);
    let events = h.t.take_events();
    assert!(events.contains(&TxnEvent::TransactionCommitted { transactional_id: "tx".into(), producer_id: pid }.into()));
}

#[test]
fn a_lost_marker_request_is_sent_again() {
    let mut h = Harness::new();
    let (pid, epoch) = h.init("tx");
    h.add("tx", pid, epoch, &[orders(1)]);
    h.end("tx", pid, epoch, false);
    let first = h.marker_requests();
    assert_eq!(first.len(), 1);
    let mut ctx = h.t.ctx(h.now, NodeId::Broker(ME));
    h.coordinator.handle_response(&mut ctx, &mut h.host, NodeId::Broker(2), Message::Disconnected);
    h.fire_timers(MARKER_RETRY_BACKOFF_MS);
    let second = h.marker_requests();
    assert_eq!(second.len(), 1, "markers are resent after the backoff");
    assert_ne!(second[0].1, first[0].1);
    assert_eq!(h.state("tx"), TxnState::PrepareAbort);
}

#[test]
fn end_txn_without_an_open_transaction_is_invalid_txn_state() {
    let mut h = Harness::new();
    let (pid, epoch) = h.init("tx");
    assert_eq!(h.end("tx", pid, epoch, true), Some(KafkaError::InvalidTxnState));
}

#[test]
fn a_retried_end_txn_after_completion_succeeds_and_a_contrary_one_fails() {
    let mut h = Harness::new();
    let (pid, epoch) = h.init("tx");
    h.add("tx", pid, epoch, &[orders(0)]);
    assert_eq!(h.end("tx", pid, epoch, true), None);
    h.replicate();
    assert_eq!(h.state("tx"), TxnState::CompleteCommit);
    assert_eq!(h.end("tx", pid, epoch, true), None);
    assert_eq!(h.end("tx", pid, epoch, false), Some(KafkaError::InvalidTxnState));
}

#[test]
fn requests_during_a_pending_write_get_concurrent_transactions() {
    let mut h = Harness::new();
    let (pid, epoch) = h.init("tx");
    h.request(Request::AddPartitionsToTxn(AddPartitionsToTxnRequest {
        transactional_id: "tx".into(),
        producer_id: pid,
        producer_epoch: epoch,
        partitions: vec![orders(0)],
    }));
    let c = h.request(Request::EndTxn(EndTxnRequest {
        transactional_id: "tx".into(),
        producer_id: pid,
        producer_epoch: epoch,
        committed: true,
    }));
    let responses = h.responses();
    assert_eq!(
        responses,
        vec![(c, Response::EndTxn(EndTxnResponse { error: Some(KafkaError::ConcurrentTransactions) }))]
    );
}

#[test]
fn init_during_an_open_transaction_aborts_it_under_a_new_epoch() {
    let mut h = Harness::new();
    let (pid, epoch) = h.init("tx");
    h.add("tx", pid, epoch, &[orders(0)]);
    let c = h.request(Request::InitProducerId(InitProducerIdRequest {
        transactional_id: Some("tx".into()),
        transaction_timeout_ms: 60_000,
    }));
    assert_eq!(h.responses(), vec![(c, Response::InitProducerId(init_error(KafkaError::ConcurrentTransactions)))]);
    h.replicate();
    assert_eq!(
        h.host.markers,
        vec![(orders(0), pid, epoch + 1, ControlType::Abort)],
        "aborted under the fencing epoch"
    );
    h.replicate();
    assert_eq!(h.state("tx"), TxnState::CompleteAbort);
    let (pid2, epoch2) = h.init("tx");
    assert_eq!((pid2, epoch2), (pid, epoch + 2));
}

#[test]
fn transaction_open_past_its_timeout_is_aborted_and_the_producer_fenced() {
    let mut h = Harness::new();
    let (pid, epoch) = h.init("tx");
    h.add("tx", pid, epoch, &[orders(0)]);
    h.fire_timers(60_000);
    h.replicate();
    h.replicate();
    assert_eq!(h.state("tx"), TxnState::CompleteAbort);
    assert_eq!(h.host.markers, vec![(orders(0), pid, epoch + 1, ControlType::Abort)]);
    assert!(h.t.take_events().contains(
        &TxnEvent::TransactionTimedOut { broker: ME, transactional_id: "tx".into(), producer_id: pid }.into()
    ));
    assert_eq!(h.end("tx", pid, epoch, true), Some(KafkaError::ProducerFenced));
}

#[test]
fn a_new_coordinator_reloads_the_state_and_finishes_writing_markers() {
    let mut h = Harness::new();
    let (pid, epoch) = h.init("tx");
    h.add("tx", pid, epoch, &[orders(1)]);
    h.end("tx", pid, epoch, true);
    assert_eq!(h.marker_requests().len(), 1);
    // The coordinator crashes before the marker response; a new one loads the log.
    let mut fresh = TxnCoordinator::new(ME, BrokerConfig::default());
    h.coordinator.crash();
    for p in 0..4 {
        let mut ctx = h.t.ctx(h.now, NodeId::Broker(ME));
        fresh.on_became_leader(&mut ctx, &mut h.host, p);
    }
    h.coordinator = fresh;
    assert_eq!(h.state("tx"), TxnState::PrepareCommit);
    let resent = h.marker_requests();
    assert_eq!(resent.len(), 1);
    assert_eq!(resent[0].2.partitions, vec![orders(1)]);
}

#[test]
fn resigning_answers_waiting_requests_with_not_coordinator() {
    let mut h = Harness::new();
    let c = h.request(Request::InitProducerId(InitProducerIdRequest {
        transactional_id: Some("tx".into()),
        transaction_timeout_ms: 60_000,
    }));
    let partition = coordinator_partition_for("tx", 4);
    let mut ctx = h.t.ctx(h.now, NodeId::Broker(ME));
    h.coordinator.on_resigned(&mut ctx, partition);
    assert_eq!(h.responses(), vec![(c, Response::InitProducerId(init_error(KafkaError::NotCoordinator)))]);
    let c2 = h.request(Request::InitProducerId(InitProducerIdRequest {
        transactional_id: Some("tx".into()),
        transaction_timeout_ms: 60_000,
    }));
    assert_eq!(h.responses(), vec![(c2, Response::InitProducerId(init_error(KafkaError::NotCoordinator)))]);
}
