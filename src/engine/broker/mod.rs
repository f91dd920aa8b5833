//! A broker: partition replicas (leader or follower), the replica fetcher,
//! the request handlers, and the group and transaction coordinators it hosts.
//!
//! Map of the modules:
//! - `replica_manager`: every replica on this broker, the metadata image,
//!   appends, the purgatory, ISR proposals, retention; implements
//!   `host::CoordinatorHost` for the coordinators.
//! - `partition`: one replica (role, leader epoch, high watermark, last
//!   stable offset, follower append and truncation); `isr`: the leader's
//!   view of its followers and Kafka's ISR rules.
//! - `fetcher`: follower replication, one fetch session per leader.
//! - `purgatory`: delayed acks=all appends and long-polling fetches.
//! - one thin file per Kafka API: `produce`, `fetch`, `list_offsets`,
//!   `metadata`, `delete_records`, `txn_markers`.
//! - `connections`: clients' connections, muted while a request is handled
//!   (responses on one connection come back in request order).
//! - `heartbeat`: the session with the controller; `snapshot`: serde views.
//! - `outbox`: changes collected during a handler and acted on after it.
//!
//! Every handler ends by *settling*: delayed requests watching a changed
//! partition are re-checked, coordinators hear about leadership and high
//! watermark changes of their partitions (which may append, which may
//! change more), fetch sessions send what is due, and a controlled shutdown
//! completes once the controller agreed and nothing is led here any more.

pub mod connections;
pub mod delete_records;
pub mod fetch;
pub mod fetcher;
pub mod heartbeat;
pub mod host;
pub mod isr;
pub mod list_offsets;
pub mod metadata;
pub mod outbox;
pub mod partition;
pub mod produce;
pub mod purgatory;
pub mod replica_manager;
pub mod snapshot;
pub mod txn_markers;

#[cfg(test)]
mod tests;

pub use outbox::{CONSUMER_OFFSETS_TOPIC, TRANSACTION_STATE_TOPIC};
pub use snapshot::{BrokerSnapshot, FollowerSnapshot, ReplicaSnapshot};

use self::connections::Connections;
use self::heartbeat::{ControllerSession, Identity};
use self::outbox::CoordinatorNotice;
use self::partition::Partition;
use self::replica_manager::ReplicaManager;
use super::config::BrokerConfig;
use super::error::KafkaError;
use super::group::coordinator::GroupCoordinator;
use super::ids::{BrokerId, NodeId, TopicPartition};
use super::node::{Ctx, Effect, Timer};
use super::protocol::{
    CoordinatorType, CorrelationId, DeleteRecordsPartitionResponse, Message, Request, Response, UpdateMetadataResponse,
};
use super::record::Offset;
use super::txn::coordinator::TxnCoordinator;

/// Timers a broker sets. Timers of a previous process life never fire.
#[derive(Debug, Clone, PartialEq)]
pub enum BrokerTimer {
    /// Send the next BrokerHeartbeat to the controller.
    Heartbeat { incarnation: u32 },
    /// A timer of the hosted group coordinator.
    Group(crate::engine::group::coordinator::GroupTimer),
    /// A timer of the hosted transaction coordinator.
    Txn(crate::engine::txn::coordinator::TxnTimer),
    /// A follower fetch got no answer within `replica.socket.timeout.ms`.
    FetchTimeout { leader: BrokerId, correlation_id: CorrelationId },
    /// A fetch session's backoff (`replica.fetch.backoff.ms`) is over.
    FetchWake { leader: BrokerId },
    /// A held fetch reached its `max_wait_ms`.
    DelayedFetchExpired { id: u64 },
    /// A held acks=all append reached its timeout.
    DelayedAppendExpired { id: u64 },
    /// An AlterPartition got no answer in time.
    AlterPartitionTimeout { correlation_id: CorrelationId },
    /// Every `replica.lag.time.max.ms / 2`: shrink the ISR of lagging followers.
    IsrCheck,
    /// Every `log.retention.check.interval.ms`.
    RetentionCheck,
    /// Every `log.cleaner.backoff.ms`: compact what may be.
    CleanerCheck,
    /// A controlled shutdown waited too long for the controller: stop anyway.
    ShutdownTimeout,
}

pub struct Broker {
    pub id: BrokerId,
    pub config: BrokerConfig,
    incarnation: u32,
    replicas: ReplicaManager,
    group_coordinator: GroupCoordinator,
    txn_coordinator: TxnCoordinator,
    session: ControllerSession,
    shutdown_complete: bool,
    /// Clients' connections, muted while a request is being handled.
    connections: Connections,
}

impl Broker {
    pub fn new(id: BrokerId, config: BrokerConfig) -> Self {
        Broker {
            id,
            replicas: ReplicaManager::new(id, config.clone()),
            group_coordinator: GroupCoordinator::new(id, config.clone()),
            txn_coordinator: TxnCoordinator::new(id, config.clone()),
            config,
            incarnation: 0,
            session: ControllerSession::default(),
            shutdown_complete: false,
            connections: Connections::default(),
        }
    }

    /// The process starts (first boot or restart): register with the
    /// controller, start heartbeating and the periodic checks. Logs survive
    /// restarts; replicas serve again once the first metadata image arrives.
    pub fn start(&mut self, ctx: &mut Ctx, incarnation: u32) {
        self.incarnation = incarnation;
        self.shutdown_complete = false;
        let me = self.identity();
        self.session.start(ctx, me, &mut self.replicas.correlation, self.config.broker_heartbeat_interval_ms);
        ctx.set_timer(self.isr_check_interval_ms(), Timer::Broker(BrokerTimer::IsrCheck));
        ctx.set_timer(self.config.log_retention_check_interval_ms.max(1), Timer::Broker(BrokerTimer::RetentionCheck));
        ctx.set_timer(self.config.log_cleaner_backoff_ms.max(1), Timer::Broker(BrokerTimer::CleanerCheck));
    }

    /// The process died: drop everything held in memory but the logs (and
    /// each replica's high watermark checkpoint).
    pub fn crash(&mut self) {
        self.replicas.crash();
        self.group_coordinator.crash();
        self.txn_coordinator.crash();
        self.session = ControllerSession::default();
        self.connections.clear();
    }

    /// Begin a controlled shutdown; `ctx.shutdown_complete()` follows once
    /// the controller agreed and this broker leads no partition.
    pub fn begin_controlled_shutdown(&mut self, ctx: &mut Ctx) {
        let answered_from = ctx.effects.len();
        self.session.begin_shutdown(ctx, self.id, &mut self.replicas.correlation);
        self.settle(ctx);
        self.unmute_answered(ctx, answered_from);
    }

    pub fn on_message(&mut self, ctx: &mut Ctx, from: NodeId, message: Message) {
        let answered_from = ctx.effects.len();
        match message {
            Message::Request { correlation_id, body } if connections::uses_main_connection(from, &body) => {
                if let Some((correlation_id, body)) = self.connections.offer(from, correlation_id, body) {
                    self.on_request(ctx, from, correlation_id, body);
                }
            }
            Message::Request { correlation_id, body } => self.on_request(ctx, from, correlation_id, body),
            Message::Response { correlation_id, body } => self.on_response(ctx, from, correlation_id, body),
            Message::ConnectionRefused { correlation_id } => self.on_refused(ctx, from, correlation_id),
            Message::Disconnected => match from {
                NodeId::Broker(peer) => {
                    fetcher::on_fetch_failed(&mut self.replicas, ctx, peer, None, "the leader's process died");
                    self.txn_coordinator.handle_response(ctx, &mut self.replicas, from, Message::Disconnected);
                }
                NodeId::Client(_) => self.connections.close(from),
                NodeId::Controller => {}
            },
        }
        self.settle(ctx);
        self.unmute_answered(ctx, answered_from);
    }

    /// Scans what was sent since `from` (an index into the handler's effects)
    /// for responses that unmute a client connection, and handles the
    /// requests queued behind them, until no more connection is unmuted.
    fn unmute_answered(&mut self, ctx: &mut Ctx, mut from: usize) {
        while self.connections.any_muted() && from < ctx.effects.len() {
            let end = ctx.effects.len();
            let mut next = Vec::new();
            for effect in &ctx.effects[from..end] {
                if let Effect::Send { to: to @ NodeId::Client(_), message: Message::Response { correlation_id, .. } } =
                    effect
                {
                    for (id, body) in self.connections.on_response_sent(*to, *correlation_id) {
                        next.push((*to, id, body));
                    }
                }
            }
            from = end;
            if next.is_empty() {
                continue;
            }
            for (peer, correlation_id, body) in next {
                self.on_request(ctx, peer, correlation_id, body);
            }
            self.settle(ctx);
        }
    }

    pub fn on_timer(&mut self, ctx: &mut Ctx, timer: BrokerTimer) {
        let answered_from = ctx.effects.len();
        match timer {
            BrokerTimer::Heartbeat { incarnation } => {
                if incarnation == self.incarnation {
                    let me = self.identity();
                    let interval = self.config.broker_heartbeat_interval_ms;
                    self.session.on_tick(ctx, me, &mut self.replicas.correlation, interval);
                }
            }
            BrokerTimer::Group(t) => self.group_coordinator.on_timer(ctx, &mut self.replicas, t),
            BrokerTimer::Txn(t) => self.txn_coordinator.on_timer(ctx, &mut self.replicas, t),
            BrokerTimer::FetchTimeout { leader, correlation_id } => fetcher::on_fetch_failed(
                &mut self.replicas,
                ctx,
                leader,
                Some(correlation_id),
                "no answer within replica.socket.timeout.ms",
            ),
            BrokerTimer::FetchWake { leader } => fetcher::on_wake(&mut self.replicas, ctx, leader),
            BrokerTimer::DelayedFetchExpired { id } => self.replicas.expire_fetch(ctx, id),
            BrokerTimer::DelayedAppendExpired { id } => self.replicas.expire_append(ctx, id),
            BrokerTimer::AlterPartitionTimeout { correlation_id } => {
                self.replicas.on_alter_partition_failed(ctx, correlation_id)
            }
            BrokerTimer::IsrCheck => {
                self.replicas.check_isr(ctx);
                ctx.set_timer(self.isr_check_interval_ms(), Timer::Broker(BrokerTimer::IsrCheck));
            }
            BrokerTimer::RetentionCheck => {
                self.replicas.run_retention(ctx);
                let interval = self.config.log_retention_check_interval_ms.max(1);
                ctx.set_timer(interval, Timer::Broker(BrokerTimer::RetentionCheck));
            }
            BrokerTimer::CleanerCheck => {
                self.replicas.run_cleaner(ctx);
                ctx.set_timer(self.config.log_cleaner_backoff_ms.max(1), Timer::Broker(BrokerTimer::CleanerCheck));
            }
            BrokerTimer::ShutdownTimeout => {
                if self.session.shutdown.is_some() && !self.shutdown_complete {
                    self.shutdown_complete = true;
                    ctx.shutdown_complete();
                }
            }
        }
        self.settle(ctx);
        self.unmute_answered(ctx, answered_from);
    }

    // ----- read access for the lead, the admin client and tests -----------

    /// The replica of `tp` on this broker, if it hosts one.
    pub fn replica(&self, tp: &TopicPartition) -> Option<&Partition> {
        self.replicas.partitions.get(tp)
    }

    /// Every replica on this broker, by partition.
    pub fn replicas(&self) -> impl Iterator<Item = &Partition> {
        self.replicas.partitions.values()
    }

    pub fn incarnation(&self) -> u32 {
        self.incarnation
    }

    /// The version of the metadata image this broker applied last.
    pub fn metadata_version(&self) -> i64 {
        self.replicas.image.version
    }

    /// DeleteRecords from an admin client with a zero-latency connection.
    pub fn delete_records(
        &mut self,
        ctx: &mut Ctx,
        tp: &TopicPartition,
        offset: Offset,
    ) -> DeleteRecordsPartitionResponse {
        let answered_from = ctx.effects.len();
        let response = delete_records::delete_one(&mut self.replicas, ctx, tp, offset);
        self.settle(ctx);
        self.unmute_answered(ctx, answered_from);
        response
    }

    /// Resets a group's committed offsets, from an admin client with a
    /// zero-latency connection (`kafka-consumer-groups --reset-offsets`).
    /// This broker must coordinate the group.
    pub fn reset_group_offsets(
        &mut self,
        ctx: &mut Ctx,
        group: &str,
        offsets: Vec<(TopicPartition, Offset)>,
    ) -> Result<(), KafkaError> {
        let answered_from = ctx.effects.len();
        let result = self.group_coordinator.reset_offsets(ctx, &mut self.replicas, group, offsets);
        self.settle(ctx);
        self.unmute_answered(ctx, answered_from);
        result
    }

    /// The state of a group this broker coordinates (`Empty`, `Stable`, ...).
    pub fn group_state_name(&self, group: &str) -> Option<&'static str> {
        self.group_coordinator.group_state(group).map(|s| s.name())
    }

    // ----- routing -------------------------------------------------------------

    fn on_request(&mut self, ctx: &mut Ctx, from: NodeId, correlation_id: CorrelationId, body: Request) {
        let rm = &mut self.replicas;
        match body {
            Request::Produce(r) => produce::handle(rm, ctx, from, correlation_id, r),
            Request::Fetch(r) => fetch::handle(rm, ctx, from, correlation_id, r),
            Request::ListOffsets(r) => list_offsets::handle(rm, ctx, from, correlation_id, r),
            Request::Metadata(r) => metadata::handle(rm, ctx, from, correlation_id, r),
            Request::DeleteRecords(r) => delete_records::handle(rm, ctx, from, correlation_id, r),
            Request::WriteTxnMarkers(r) => txn_markers::handle(rm, ctx, from, correlation_id, r),
            Request::UpdateMetadata(r) => {
                rm.apply_image(ctx, r.image);
                let metadata_version = rm.image.version;
                ctx.respond(
                    from,
                    correlation_id,
                    Response::UpdateMetadata(UpdateMetadataResponse { metadata_version }),
                );
            }
            Request::FindCoordinator(r) if r.key_type == CoordinatorType::Transaction => {
                self.txn_coordinator.handle_request(ctx, rm, from, correlation_id, Request::FindCoordinator(r))
            }
            body @ (Request::FindCoordinator(_)
            | Request::JoinGroup(_)
            | Request::SyncGroup(_)
            | Request::Heartbeat(_)
            | Request::LeaveGroup(_)
            | Request::OffsetCommit(_)
            | Request::OffsetFetch(_)) => self.group_coordinator.handle_request(ctx, rm, from, correlation_id, body),
            body @ (Request::InitProducerId(_)
            | Request::AddPartitionsToTxn(_)
            | Request::AddOffsetsToTxn(_)
            | Request::EndTxn(_)
            | Request::TxnOffsetCommit(_)) => self.txn_coordinator.handle_request(ctx, rm, from, correlation_id, body),
            // Controller-plane requests are the controller's; a broker does not answer them.
            Request::BrokerRegistration(_)
            | Request::BrokerHeartbeat(_)
            | Request::AlterPartition(_)
            | Request::ControlledShutdown(_) => {}
        }
    }

    fn on_response(&mut self, ctx: &mut Ctx, from: NodeId, correlation_id: CorrelationId, body: Response) {
        match body {
            Response::BrokerRegistration(r) if from == NodeId::Controller => {
                let me = self.identity();
                self.session.on_registration_response(ctx, me, &mut self.replicas.correlation, &r)
            }
            Response::BrokerHeartbeat(r) if from == NodeId::Controller => self.session.on_heartbeat_response(&r),
            Response::ControlledShutdown(r) if from == NodeId::Controller => {
                self.session.on_controlled_shutdown_response(&r)
            }
            Response::AlterPartition(r) if from == NodeId::Controller => {
                self.replicas.on_alter_partition_response(ctx, correlation_id, r)
            }
            Response::Fetch(r) if matches!(from, NodeId::Broker(_)) && self.replicas.owns(from, correlation_id) => {
                let NodeId::Broker(leader) = from else { unreachable!("matched above") };
                fetcher::on_fetch_response(&mut self.replicas, ctx, leader, correlation_id, r);
            }
            // Everything else answers a request a coordinator sent (WriteTxnMarkers).
            body => self.txn_coordinator.handle_response(
                ctx,
                &mut self.replicas,
                from,
                Message::Response { correlation_id, body },
            ),
        }
    }

    fn on_refused(&mut self, ctx: &mut Ctx, from: NodeId, correlation_id: CorrelationId) {
        if from == NodeId::Controller && self.session.owns(correlation_id) {
            return; // the controller never dies; the next tick retries
        }
        if self.replicas.owns(from, correlation_id) {
            match from {
                NodeId::Controller => self.replicas.on_alter_partition_failed(ctx, correlation_id),
                NodeId::Broker(leader) => fetcher::on_fetch_failed(
                    &mut self.replicas,
                    ctx,
                    leader,
                    Some(correlation_id),
                    "connection refused",
                ),
                NodeId::Client(_) => {}
            }
            return;
        }
        self.txn_coordinator.handle_response(
            ctx,
            &mut self.replicas,
            from,
            Message::ConnectionRefused { correlation_id },
        );
    }

    /// Acts on what the handler changed, until nothing more changes.
    fn settle(&mut self, ctx: &mut Ctx) {
        let mut rounds = 0;
        loop {
            rounds += 1;
            assert!(rounds < 10_000, "broker {}: settling does not converge", self.id);
            let checked = self.replicas.complete_delayed(ctx);
            let notices = self.replicas.take_notices();
            if !checked && notices.is_empty() {
                break;
            }
            for notice in notices {
                self.notify_coordinators(ctx, notice);
            }
        }
        fetcher::send_fetches(&mut self.replicas, ctx);
        if self.session.shutdown_acknowledged() && !self.replicas.leads_any() && !self.shutdown_complete {
            self.shutdown_complete = true;
            ctx.shutdown_complete();
        }
    }

    fn notify_coordinators(&mut self, ctx: &mut Ctx, notice: CoordinatorNotice) {
        let rm = &mut self.replicas;
        match notice {
            CoordinatorNotice::BecameLeader(tp) if tp.topic == CONSUMER_OFFSETS_TOPIC => {
                self.group_coordinator.on_became_leader(ctx, rm, tp.partition)
            }
            CoordinatorNotice::BecameLeader(tp) => self.txn_coordinator.on_became_leader(ctx, rm, tp.partition),
            CoordinatorNotice::Resigned(tp) if tp.topic == CONSUMER_OFFSETS_TOPIC => {
                self.group_coordinator.on_resigned(ctx, tp.partition)
            }
            CoordinatorNotice::Resigned(tp) => self.txn_coordinator.on_resigned(ctx, tp.partition),
            CoordinatorNotice::HighWatermark(tp, hw) if tp.topic == CONSUMER_OFFSETS_TOPIC => {
                self.group_coordinator.on_high_watermark(ctx, rm, tp.partition, hw)
            }
            CoordinatorNotice::HighWatermark(tp, hw) => {
                self.txn_coordinator.on_high_watermark(ctx, rm, tp.partition, hw)
            }
        }
    }

    fn identity(&self) -> Identity {
        Identity {
            broker_id: self.id,
            rack: self.config.broker_rack.clone(),
            incarnation: self.incarnation,
            metadata_version: self.replicas.image.version,
        }
    }

    /// Kafka runs the ISR expiration task every `replica.lag.time.max.ms / 2`.
    fn isr_check_interval_ms(&self) -> i64 {
        (self.config.replica_lag_time_max_ms / 2).max(1)
    }
}
