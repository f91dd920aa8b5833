//! A broker under test, plus builders for images, batches and requests.

use std::sync::Arc;

use crate::engine::blob::Blob;
use crate::engine::broker::{Broker, BrokerTimer};
use crate::engine::config::{BrokerConfig, IsolationLevel, TopicConfig};
use crate::engine::event::Event;
use crate::engine::ids::{BrokerId, NodeId, TopicPartition};
use crate::engine::node::{Ctx, Effect, TestCtx, Timer};
use crate::engine::protocol::{
    BrokerRegistrationInfo, CorrelationId, FetchPartition, FetchRequest, FetchResponse, Message, MetadataImage,
    PartitionImage, ProducePartitionData, ProduceRequest, ProduceResponse, Request, Response, TopicImage,
    UpdateMetadataRequest,
};
use crate::engine::record::{Offset, ProducerEpoch, ProducerId, Record, RecordBatch, TimestampType};
use crate::engine::time::Millis;

pub const CLIENT: NodeId = NodeId::Client(100);

pub fn tp() -> TopicPartition {
    TopicPartition::new("orders", 0)
}

pub struct Harness {
    pub broker: Broker,
    pub test: TestCtx,
    pub now: Millis,
    next_correlation_id: CorrelationId,
    pub image_version: i64,
}

impl Harness {
    /// A started broker, its start-up effects drained.
    pub fn new(id: BrokerId) -> Self {
        Self::with_config(id, BrokerConfig::default())
    }

    pub fn with_config(id: BrokerId, config: BrokerConfig) -> Self {
        let mut h = Harness {
            broker: Broker::new(id, config),
            test: TestCtx::new(7),
            now: 0,
            next_correlation_id: 0,
            image_version: 0,
        };
        h.with(|b, ctx| b.start(ctx, 1));
        h.test.effects.clear();
        h
    }

    pub fn with<R>(&mut self, f: impl FnOnce(&mut Broker, &mut Ctx) -> R) -> R {
        let me = NodeId::Broker(self.broker.id);
        let mut ctx = self.test.ctx(self.now, me);
        f(&mut self.broker, &mut ctx)
    }

    pub fn deliver(&mut self, from: NodeId, message: Message) {
        self.with(|b, ctx| b.on_message(ctx, from, message));
    }

    pub fn request(&mut self, from: NodeId, body: Request) -> CorrelationId {
        self.next_correlation_id += 1;
        let correlation_id = self.next_correlation_id;
        self.deliver(from, Message::Request { correlation_id, body });
        correlation_id
    }

    pub fn fire(&mut self, timer: BrokerTimer) {
        self.with(|b, ctx| b.on_timer(ctx, timer));
    }

    /// Pushes the next metadata image from the controller.
    pub fn apply(&mut self, mut image: MetadataImage) {
        self.image_version += 1;
        image.version = self.image_version;
        self.request(NodeId::Controller, Request::UpdateMetadata(UpdateMetadataRequest { image: Arc::new(image) }));
    }

    pub fn sent(&mut self) -> Vec<(NodeId, Message)> {
        self.test.take_sent()
    }

    pub fn events(&mut self) -> Vec<Event> {
        self.test.take_events()
    }

    /// Timers set so far, drained.
    pub fn timers(&mut self) -> Vec<(Millis, BrokerTimer)> {
        let mut timers = Vec::new();
        self.test.effects.retain(|e| match e {
            Effect::SetTimer { after_ms, timer: Timer::Broker(t) } => {
                timers.push((*after_ms, t.clone()));
                false
            }
            _ => true,
        });
        timers
    }

    pub fn shutdown_completed(&self) -> bool {
        self.test.effects.iter().any(|e| matches!(e, Effect::ShutdownComplete))
    }

    /// Responses sent to `to`, drained with everything else sent.
    pub fn responses_to(&mut self, to: NodeId) -> Vec<(CorrelationId, Response)> {
        self.sent()
            .into_iter()
            .filter(|(node, _)| *node == to)
            .filter_map(|(_, m)| match m {
                Message::Response { correlation_id, body } => Some((correlation_id, body)),
                _ => None,
            })
            .collect()
    }

    pub fn produce_responses(&mut self, to: NodeId) -> Vec<ProduceResponse> {
        self.responses_to(to)
            .into_iter()
            .filter_map(|(_, r)| match r {
                Response::Produce(p) => Some(p),
                _ => None,
            })
            .collect()
    }

    pub fn fetch_responses(&mut self, to: NodeId) -> Vec<FetchResponse> {
        self.responses_to(to)
            .into_iter()
            .filter_map(|(_, r)| match r {
                Response::Fetch(f) => Some(f),
                _ => None,
            })
            .collect()
    }

    /// Requests sent to `to`, drained with everything else sent.
    pub fn requests_to(&mut self, to: NodeId) -> Vec<(CorrelationId, Request)> {
        self.sent()
            .into_iter()
            .filter(|(node, _)| *node == to)
            .filter_map(|(_, m)| match m {
                Message::Request { correlation_id, body } => Some((correlation_id, body)),
                _ => None,
            })
            .collect()
    }

    pub fn produce(&mut self, acks: i16, batch: RecordBatch) -> CorrelationId {
        self.produce_from(CLIENT, acks, batch)
    }

    /// A produce on another client's connection.
    pub fn produce_from(&mut self, client: NodeId, acks: i16, batch: RecordBatch) -> CorrelationId {
        self.request(
            client,
            Request::Produce(ProduceRequest {
                transactional_id: None,
                acks,
                timeout_ms: 30_000,
                partitions: vec![ProducePartitionData { tp: tp(), batch }],
            }),
        )
    }

    /// A follower's fetch of `orders-0`.
    pub fn follower_fetch(&mut self, follower: BrokerId, epoch: i32, fetch_offset: Offset, last_fetched_epoch: i32) {
        self.request(
            NodeId::Broker(follower),
            Request::Fetch(FetchRequest {
                replica_id: Some(follower),
                max_wait_ms: 0,
                min_bytes: 1,
                max_bytes: 1 << 20,
                isolation_level: IsolationLevel::ReadUncommitted,
                partitions: vec![fetch_partition(epoch, fetch_offset, last_fetched_epoch)],
            }),
        );
    }

    /// A consumer's fetch of `orders-0`.
    pub fn consumer_fetch(&mut self, epoch: i32, fetch_offset: Offset, max_wait_ms: Millis, isolation: IsolationLevel) {
        self.request(
            CLIENT,
            Request::Fetch(FetchRequest {
                replica_id: None,
                max_wait_ms,
                min_bytes: 1,
                max_bytes: 1 << 20,
                isolation_level: isolation,
                partitions: vec![fetch_partition(epoch, fetch_offset, -1)],
            }),
        );
    }

    pub fn high_watermark(&self) -> Offset {
        self.broker.replica(&tp()).expect("hosts orders-0").high_watermark()
    }

    pub fn log_end_offset(&self) -> Offset {
        self.broker.replica(&tp()).expect("hosts orders-0").log_end_offset()
    }
}

pub fn fetch_partition(epoch: i32, fetch_offset: Offset, last_fetched_epoch: i32) -> FetchPartition {
    FetchPartition {
        tp: tp(),
        current_leader_epoch: epoch,
        fetch_offset,
        last_fetched_epoch,
        log_start_offset: 0,
        partition_max_bytes: 1 << 20,
    }
}

/// An image with live brokers `brokers` and the topic `orders` with one partition.
pub fn image(brokers: &[BrokerId], min_isr: i32, partition: PartitionImage) -> MetadataImage {
    image_with_config(brokers, TopicConfig { min_insync_replicas: min_isr, ..TopicConfig::default() }, partition)
}

/// The same with a whole topic configuration.
pub fn image_with_config(brokers: &[BrokerId], config: TopicConfig, partition: PartitionImage) -> MetadataImage {
    let mut image = MetadataImage::default();
    for b in brokers {
        image
            .brokers
            .insert(*b, BrokerRegistrationInfo { id: *b, rack: None, fenced: false, in_controlled_shutdown: false });
    }
    image.topics.insert(
        "orders".into(),
        TopicImage { name: "orders".into(), is_internal: false, config, partitions: vec![partition] },
    );
    image
}

pub fn partition(
    leader: Option<BrokerId>,
    leader_epoch: i32,
    partition_epoch: i32,
    replicas: &[BrokerId],
    isr: &[BrokerId],
) -> PartitionImage {
    PartitionImage {
        partition: 0,
        replicas: replicas.to_vec(),
        isr: isr.to_vec(),
        leader,
        leader_epoch,
        partition_epoch,
    }
}

/// A batch of a non-idempotent producer holding `values` (keys `k0`, `k1`, ...).
pub fn batch(values: &[&str]) -> RecordBatch {
    idempotent_batch(-1, -1, -1, values)
}

pub fn idempotent_batch(pid: ProducerId, epoch: ProducerEpoch, base_sequence: i32, values: &[&str]) -> RecordBatch {
    let records: Vec<Record> = values
        .iter()
        .enumerate()
        .map(|(i, v)| Record {
            offset_delta: i as i32,
            timestamp_delta: 0,
            key: Some(Blob::from(format!("k{i}"))),
            value: Some(Blob::from(*v)),
            headers: vec![],
        })
        .collect();
    RecordBatch {
        base_offset: 0,
        last_offset_delta: records.len() as i32 - 1,
        partition_leader_epoch: -1,
        first_timestamp: 0,
        max_timestamp: 0,
        timestamp_type: TimestampType::CreateTime,
        producer_id: pid,
        producer_epoch: epoch,
        base_sequence,
        is_transactional: false,
        control: None,
        records: Arc::new(records),
    }
}
