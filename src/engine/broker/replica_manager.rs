//! Every partition replica on this broker (Kafka's `ReplicaManager`): the
//! metadata image they follow, appends as leader, the follower fetchers,
//! the purgatory of delayed requests, ISR proposals, retention and the
//! cleaner. The hosted coordinators reach it through `CoordinatorHost`.

use std::mem;
use std::sync::Arc;

use super::fetcher::ReplicaFetchers;
use super::outbox::{CoordinatorNotice, Outbox};
use super::partition::{Partition, Transition};
use super::purgatory::{AppendReply, AppendStatus, DelayedAppend, Purgatory};
use super::BrokerTimer;
use crate::collections::VecMap;
use crate::engine::blob::Blob;
use crate::engine::broker::host::CoordinatorHost;
use crate::engine::config::BrokerConfig;
use crate::engine::error::KafkaError;
use crate::engine::event::{LogEvent, ReplicationEvent, TxnEvent};
use crate::engine::ids::{BrokerId, NodeId, TopicPartition};
use crate::engine::log::AppendInfo;
use crate::engine::node::{Ctx, Timer};
use crate::engine::protocol::{
    AlterPartitionRequest, AlterPartitionResponse, CorrelationId, MetadataImage, ProducePartitionResponse,
    ProduceResponse, Request, Response, WriteTxnMarkersResponse,
};
use crate::engine::record::{ControlType, Offset, ProducerEpoch, ProducerId, Record, RecordBatch, TimestampType};
use crate::engine::time::Millis;

/// How long the broker waits for the controller to answer an AlterPartition
/// before it may propose again (Kafka's broker-to-controller channel uses
/// `controller.socket.timeout.ms`, default 30000).
pub const CONTROLLER_REQUEST_TIMEOUT_MS: Millis = 30_000;

/// Producer ids a broker hands out: `broker_id * PRODUCER_ID_BLOCK + n`
/// (Kafka allocates blocks of ids from the controller; a fixed block per
/// broker keeps them unique and deterministic).
pub const PRODUCER_ID_BLOCK: i64 = 1_000_000;

/// The correlation ids of the broker's own requests (controller plane and
/// follower fetches). They stay below 2^30: the hosted transaction
/// coordinator numbers its WriteTxnMarkers from 2^30 up, so a
/// `ConnectionRefused` names exactly one sender.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Correlation {
    last: CorrelationId,
}

/// One past the largest correlation id the broker itself uses.
pub const BROKER_CORRELATION_LIMIT: CorrelationId = 1 << 30;

impl Correlation {
    pub fn allocate(&mut self) -> CorrelationId {
        self.last = if self.last + 1 >= BROKER_CORRELATION_LIMIT { 1 } else { self.last + 1 };
        self.last
    }
}

pub struct ReplicaManager {
    pub broker_id: BrokerId,
    pub config: BrokerConfig,
    /// The last metadata image received (kept across a crash, as KRaft
    /// brokers keep the metadata log on disk).
    pub image: Arc<MetadataImage>,
    /// Whether an image was applied in this process life.
    pub image_applied: bool,
    pub partitions: VecMap<TopicPartition, Partition>,
    pub purgatory: Purgatory,
    pub fetchers: ReplicaFetchers,
    pub outbox: Outbox,
    pub correlation: Correlation,
    /// AlterPartition requests in flight: correlation id -> partition.
    alter_partition_in_flight: VecMap<CorrelationId, TopicPartition>,
    /// Producer ids handed out so far (persisted: survives a crash).
    producer_ids_allocated: i64,
}

impl ReplicaManager {
    pub fn new(broker_id: BrokerId, config: BrokerConfig) -> Self {
        ReplicaManager {
            broker_id,
            config,
            image: Arc::new(MetadataImage::default()),
            image_applied: false,
            partitions: VecMap::new(),
            purgatory: Purgatory::default(),
            fetchers: ReplicaFetchers::default(),
            outbox: Outbox::default(),
            correlation: Correlation::default(),
            alter_partition_in_flight: VecMap::new(),
            producer_ids_allocated: 0,
        }
    }

    /// The process died: logs and high watermark checkpoints stay; roles,
    /// follower states, held requests and fetch sessions go.
    pub fn crash(&mut self) {
        for partition in self.partitions.values_mut() {
            partition.crash();
        }
        self.image_applied = false;
        self.purgatory.clear();
        self.fetchers.clear();
        self.outbox = Outbox::default();
        self.alter_partition_in_flight.clear();
    }

    /// Whether this broker leads any partition.
    pub fn leads_any(&self) -> bool {
        self.partitions.values().any(Partition::is_leader)
    }

    /// Whether a request with this id, sent to `to`, is the replica manager's.
    pub fn owns(&self, to: NodeId, correlation_id: CorrelationId) -> bool {
        match to {
            NodeId::Controller => self.alter_partition_in_flight.contains_key(&correlation_id),
            NodeId::Broker(leader) => self.fetchers.owns(leader, correlation_id),
            NodeId::Client(_) => false,
        }
    }

    // ----- metadata -----------------------------------------------------

    /// Applies a metadata image newer than the last one (or the first of
    /// this process life): partitions become leader or follower, follow
    /// their ISR, are created or deleted. Returns false for a stale image.
    pub fn apply_image(&mut self, ctx: &mut Ctx, image: Arc<MetadataImage>) -> bool {
        if self.image_applied && image.version <= self.image.version {
            return false;
        }
        self.image = image;
        self.image_applied = true;
        let image = Arc::clone(&self.image);
        let me = self.broker_id;
        for (name, topic) in &image.topics {
            for p in topic.partitions.iter().filter(|p| p.replicas.contains(&me)) {
                let tp = TopicPartition::new(name.clone(), p.partition);
                let partition = self
                    .partitions
                    .entry(tp.clone())
                    .or_insert_with(|| Partition::new(me, tp.clone(), topic.config.clone(), ctx.now));
                match partition.apply_image(ctx, &topic.config, p, &mut self.outbox) {
                    Transition::BecameLeader => self.fetchers.remove(&tp),
                    Transition::BecameFollower => self.fetchers.assign(&tp, p.leader),
                    Transition::Updated | Transition::Unchanged => {}
                }
            }
        }
        let gone: Vec<TopicPartition> = self
            .partitions
            .keys()
            .filter(|tp| !image.partition(&tp.topic, tp.partition).is_some_and(|p| p.replicas.contains(&me)))
            .cloned()
            .collect();
        for tp in gone {
            let mut partition = self.partitions.remove(&tp).expect("listed above");
            partition.delete(ctx, &mut self.outbox);
            self.fetchers.remove(&tp);
        }
        true
    }

    // ----- ISR ------------------------------------------------------------

    /// The periodic ISR check (`replica.lag.time.max.ms` / 2): propose
    /// removing followers that fell behind.
    pub fn check_isr(&mut self, ctx: &mut Ctx) {
        let max_lag = self.config.replica_lag_time_max_ms;
        let proposals: Vec<(TopicPartition, Vec<BrokerId>, Vec<BrokerId>)> = self
            .partitions
            .values()
            .filter_map(|p| p.shrink_proposal(ctx.now, max_lag).map(|(proposed, out)| (p.tp.clone(), proposed, out)))
            .collect();
        for (tp, proposed, out) in proposals {
            let names: Vec<String> = out.iter().map(|b| b.to_string()).collect();
            let reason = format!(
                "broker {} not caught up for more than {max_lag} ms (replica.lag.time.max.ms)",
                names.join(", ")
            );
            self.propose_isr(ctx, &tp, proposed, reason);
        }
    }

    /// Sends an AlterPartition to the controller and remembers it as pending.
    pub fn propose_isr(&mut self, ctx: &mut Ctx, tp: &TopicPartition, proposed: Vec<BrokerId>, reason: String) {
        let correlation_id = self.correlation.allocate();
        let Some(p) = self.partitions.get_mut(tp) else {
            return;
        };
        ctx.emit(ReplicationEvent::IsrChangeRequested {
            tp: tp.clone(),
            leader: self.broker_id,
            isr: p.isr.clone(),
            proposed: proposed.clone(),
            reason,
        });
        ctx.request(
            NodeId::Controller,
            correlation_id,
            Request::AlterPartition(AlterPartitionRequest {
                broker_id: self.broker_id,
                tp: tp.clone(),
                leader_epoch: p.leader_epoch,
                partition_epoch: p.partition_epoch,
                new_isr: proposed.clone(),
            }),
        );
        p.set_pending_isr(proposed, correlation_id);
        self.alter_partition_in_flight.insert(correlation_id, tp.clone());
        ctx.set_timer(
            CONTROLLER_REQUEST_TIMEOUT_MS,
            Timer::Broker(BrokerTimer::AlterPartitionTimeout { correlation_id }),
        );
    }

    pub fn on_alter_partition_response(
        &mut self,
        ctx: &mut Ctx,
        correlation_id: CorrelationId,
        response: AlterPartitionResponse,
    ) {
        let Some(tp) = self.alter_partition_in_flight.remove(&correlation_id) else {
            return;
        };
        if let Some(p) = self.partitions.get_mut(&tp) {
            p.on_alter_partition_response(ctx, correlation_id, &response, &mut self.outbox);
        }
    }

    /// No answer (timeout or connection refused): the proposal is dropped.
    pub fn on_alter_partition_failed(&mut self, ctx: &mut Ctx, correlation_id: CorrelationId) {
        let Some(tp) = self.alter_partition_in_flight.remove(&correlation_id) else {
            return;
        };
        if let Some(p) = self.partitions.get_mut(&tp) {
            p.abandon_pending_isr(ctx, correlation_id);
        }
    }

    // ----- log maintenance ----------------------------------------------------

    pub fn run_retention(&mut self, ctx: &mut Ctx) {
        for p in self.partitions.values_mut().filter(|p| p.is_leader() || p.is_follower()) {
            p.run_retention(ctx);
        }
    }

    pub fn run_cleaner(&mut self, ctx: &mut Ctx) {
        for p in self.partitions.values_mut().filter(|p| p.is_leader() || p.is_follower()) {
            p.run_cleaner(ctx);
        }
    }

    // ----- appends --------------------------------------------------------

    /// Appends to a partition this broker leads. With `required_acks` -1
    /// the ISR must hold `min.insync.replicas` first (Kafka checks before
    /// appending: `NOT_ENOUGH_REPLICAS`, nothing written).
    pub fn append_to_leader(
        &mut self,
        ctx: &mut Ctx,
        tp: &TopicPartition,
        batch: RecordBatch,
        required_acks: i16,
    ) -> Result<AppendInfo, KafkaError> {
        let p = self.partitions.get_mut(tp).ok_or(KafkaError::UnknownTopicOrPartition)?;
        if !p.is_leader() {
            return Err(KafkaError::NotLeaderOrFollower);
        }
        if required_acks == -1 && (p.isr.len() as i32) < p.min_insync_replicas() {
            return Err(KafkaError::NotEnoughReplicas);
        }
        p.append_as_leader(ctx, batch, &mut self.outbox)
    }

    /// Answers an append at once when nothing waits, or holds it until the
    /// high watermark passes every partition's last offset (or `timeout_ms`).
    pub fn complete_or_park_append(&mut self, ctx: &mut Ctx, mut op: DelayedAppend, timeout_ms: Millis) {
        update_append_statuses(&self.partitions, &mut op);
        if op.is_complete() {
            respond_append(ctx, self.broker_id, op);
            return;
        }
        let id = self.purgatory.add_append(op);
        ctx.set_timer(timeout_ms.max(0), Timer::Broker(BrokerTimer::DelayedAppendExpired { id }));
    }

    /// An append's timer fired: whatever still waits gets `REQUEST_TIMED_OUT`.
    pub fn expire_append(&mut self, ctx: &mut Ctx, id: u64) {
        let Some(mut op) = self.purgatory.remove_append(id) else {
            return;
        };
        update_append_statuses(&self.partitions, &mut op);
        for status in op.partitions.iter_mut().filter(|s| s.required_offset.is_some()) {
            status.error = Some(KafkaError::RequestTimedOut);
            status.required_offset = None;
        }
        respond_append(ctx, self.broker_id, op);
    }

    /// A fetch's timer fired: answer it with whatever is there now.
    pub fn expire_fetch(&mut self, ctx: &mut Ctx, id: u64) {
        if let Some(op) = self.purgatory.remove_fetch(id) {
            let (response, _, _) = super::fetch::read(self, ctx, &op.request, false);
            ctx.respond(op.from, op.correlation_id, Response::Fetch(response));
        }
    }

    /// Re-checks the delayed requests watching the partitions that changed.
    /// Returns whether there was anything to check.
    pub fn complete_delayed(&mut self, ctx: &mut Ctx) -> bool {
        let touched = mem::take(&mut self.outbox.touched);
        if touched.is_empty() {
            return false;
        }
        for tp in &touched {
            for id in self.purgatory.appends_watching(tp) {
                let complete = match self.purgatory.append_mut(id) {
                    Some(op) => {
                        update_append_statuses(&self.partitions, op);
                        op.is_complete()
                    }
                    None => false,
                };
                if complete {
                    let op = self.purgatory.remove_append(id).expect("found above");
                    respond_append(ctx, self.broker_id, op);
                }
            }
            for id in self.purgatory.fetches_watching(tp) {
                let ready = self.purgatory.fetch(id).is_some_and(|op| super::fetch::is_ready(self, &op.request));
                if ready {
                    self.expire_fetch(ctx, id);
                }
            }
        }
        true
    }

    /// Notices for the hosted coordinators, in order.
    pub fn take_notices(&mut self) -> Vec<CoordinatorNotice> {
        mem::take(&mut self.outbox.notices)
    }
}

/// Kafka's `checkEnoughReplicasReachOffset` for every waiting partition:
/// once the high watermark reaches the required offset, success if the
/// maximal ISR still holds `min.insync.replicas`, else
/// `NOT_ENOUGH_REPLICAS_AFTER_APPEND`; a replica that no longer leads
/// answers `NOT_LEADER_OR_FOLLOWER`.
fn update_append_statuses(partitions: &VecMap<TopicPartition, Partition>, op: &mut DelayedAppend) {
    for status in op.partitions.iter_mut() {
        let Some(required) = status.required_offset else {
            continue;
        };
        match partitions.get(&status.tp).filter(|p| p.is_leader()) {
            None => {
                status.error = Some(KafkaError::NotLeaderOrFollower);
                status.required_offset = None;
            }
            Some(p) if p.high_watermark() >= required => {
                let maximal_isr = p.leader_state().map_or(p.isr.len(), |s| {
                    p.isr.len()
                        + s.pending.as_ref().map_or(0, |x| x.proposed.iter().filter(|b| !p.isr.contains(b)).count())
                });
                if (maximal_isr as i32) < p.min_insync_replicas() {
                    status.error = Some(KafkaError::NotEnoughReplicasAfterAppend);
                }
                status.required_offset = None;
            }
            Some(_) => {}
        }
    }
}

/// Answers a completed append, emitting `ProduceRejected` for each failed
/// partition of a produce.
pub fn respond_append(ctx: &mut Ctx, broker: BrokerId, op: DelayedAppend) {
    match op.reply {
        AppendReply::Produce => {
            let partitions = op
                .partitions
                .into_iter()
                .map(|s| {
                    if let Some(error) = s.error {
                        ctx.emit(LogEvent::ProduceRejected {
                            tp: s.tp.clone(),
                            broker,
                            error,
                            records: s.records,
                            producer_id: s.producer_id,
                        });
                    }
                    ProducePartitionResponse {
                        tp: s.tp,
                        error: s.error,
                        base_offset: if s.error.is_some() { -1 } else { s.base_offset },
                        log_append_time_ms: s.log_append_time_ms,
                        log_start_offset: s.log_start_offset,
                    }
                })
                .collect();
            ctx.respond(op.to, op.correlation_id, Response::Produce(ProduceResponse { partitions }));
        }
        AppendReply::TxnMarkers { producer_id } => {
            let partitions = op.partitions.into_iter().map(|s| (s.tp, s.error)).collect();
            ctx.respond(
                op.to,
                op.correlation_id,
                Response::WriteTxnMarkers(WriteTxnMarkersResponse { producer_id, partitions }),
            );
        }
    }
}

/// A status for one partition of an append that went through (`required`
/// set when the reply waits for the high watermark).
pub fn appended_status(tp: TopicPartition, info: &AppendInfo, required: bool, producer_id: ProducerId) -> AppendStatus {
    AppendStatus {
        tp,
        error: None,
        base_offset: info.base_offset,
        log_append_time_ms: info.log_append_time.unwrap_or(-1),
        log_start_offset: info.log_start_offset,
        required_offset: required.then_some(info.last_offset + 1),
        records: info.record_count,
        producer_id,
    }
}

/// A status for one partition of an append that failed.
pub fn failed_status(tp: TopicPartition, error: KafkaError, records: u32, producer_id: ProducerId) -> AppendStatus {
    AppendStatus {
        tp,
        error: Some(error),
        base_offset: -1,
        log_append_time_ms: -1,
        log_start_offset: -1,
        required_offset: None,
        records,
        producer_id,
    }
}

impl CoordinatorHost for ReplicaManager {
    fn broker_id(&self) -> BrokerId {
        self.broker_id
    }

    fn metadata(&self) -> &MetadataImage {
        &self.image
    }

    fn is_leader(&self, tp: &TopicPartition) -> bool {
        self.partitions.get(tp).is_some_and(Partition::is_leader)
    }

    fn append_internal(
        &mut self,
        ctx: &mut Ctx,
        tp: &TopicPartition,
        records: Vec<(Option<Blob>, Option<Blob>)>,
    ) -> Result<Offset, KafkaError> {
        if records.is_empty() {
            return Err(KafkaError::InvalidRecord);
        }
        let records: Vec<Record> = records
            .into_iter()
            .enumerate()
            .map(|(i, (key, value))| Record { offset_delta: i as i32, timestamp_delta: 0, key, value, headers: vec![] })
            .collect();
        let batch = RecordBatch {
            base_offset: 0,
            last_offset_delta: records.len() as i32 - 1,
            partition_leader_epoch: -1,
            first_timestamp: ctx.now,
            max_timestamp: ctx.now,
            timestamp_type: TimestampType::CreateTime,
            producer_id: crate::engine::record::NO_PRODUCER_ID,
            producer_epoch: crate::engine::record::NO_PRODUCER_EPOCH,
            base_sequence: crate::engine::record::NO_SEQUENCE,
            is_transactional: false,
            control: None,
            records: Arc::new(records),
        };
        // Coordinators write with acks=all, so min.insync.replicas applies.
        let info = self.append_to_leader(ctx, tp, batch, -1)?;
        Ok(info.last_offset)
    }

    fn read_committed_batches(&self, tp: &TopicPartition) -> Vec<RecordBatch> {
        let Some(p) = self.partitions.get(tp) else {
            return Vec::new();
        };
        p.log.read(p.log.log_start_offset(), u32::MAX, p.high_watermark()).map(|r| r.batches).unwrap_or_default()
    }

    fn write_txn_marker(
        &mut self,
        ctx: &mut Ctx,
        tp: &TopicPartition,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        marker: ControlType,
    ) -> Result<Offset, KafkaError> {
        let info = write_marker(self, ctx, tp, producer_id, producer_epoch, marker, 0)?;
        Ok(info.last_offset)
    }

    fn allocate_producer_id(&mut self) -> ProducerId {
        let id = self.broker_id as i64 * PRODUCER_ID_BLOCK + self.producer_ids_allocated;
        self.producer_ids_allocated += 1;
        assert!(self.producer_ids_allocated < PRODUCER_ID_BLOCK, "broker {} ran out of producer ids", self.broker_id);
        id
    }
}

/// Writes a COMMIT / ABORT marker to a partition this broker leads.
pub fn write_marker(
    rm: &mut ReplicaManager,
    ctx: &mut Ctx,
    tp: &TopicPartition,
    producer_id: ProducerId,
    producer_epoch: ProducerEpoch,
    marker: ControlType,
    coordinator_epoch: i32,
) -> Result<AppendInfo, KafkaError> {
    let p = rm.partitions.get_mut(tp).ok_or(KafkaError::UnknownTopicOrPartition)?;
    if !p.is_leader() {
        return Err(KafkaError::NotLeaderOrFollower);
    }
    // WriteTxnMarkers appends with acks=all (Kafka's `appendRecords(requiredAcks = -1)`).
    if (p.isr.len() as i32) < p.min_insync_replicas() {
        return Err(KafkaError::NotEnoughReplicas);
    }
    let info = p.append_marker(ctx, producer_id, producer_epoch, marker, coordinator_epoch, &mut rm.outbox)?;
    ctx.emit(TxnEvent::MarkerWritten { tp: tp.clone(), producer_id, commit: marker == ControlType::Commit });
    Ok(info)
}
