//! The broker's session with the KRaft controller (Kafka's
//! `BrokerLifecycleManager`): register at start, heartbeat every
//! `broker.heartbeat.interval.ms`, re-register when the controller no
//! longer knows this incarnation, and the controlled-shutdown handshake.
//!
//! Heartbeats go out on the timer whether or not the previous one was
//! answered: a lost heartbeat is simply followed by the next, and the
//! controller fences the broker after `broker.session.timeout.ms` of
//! silence.

use super::replica_manager::Correlation;
use super::BrokerTimer;
use crate::engine::ids::{BrokerId, NodeId};
use crate::engine::node::{Ctx, Timer};
use crate::engine::protocol::{
    BrokerHeartbeatRequest, BrokerHeartbeatResponse, BrokerRegistrationRequest, BrokerRegistrationResponse,
    ControlledShutdownRequest, ControlledShutdownResponse, CorrelationId, Request,
};
use crate::engine::time::Millis;

/// How long a controlled shutdown may wait for the controller before the
/// broker stops anyway (Kafka's `BrokerServer.shutdown` waits 5 minutes).
pub const CONTROLLED_SHUTDOWN_TIMEOUT_MS: Millis = 300_000;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ControllerSession {
    /// The controller accepted this incarnation's registration.
    pub registered: bool,
    /// As the last heartbeat response said.
    pub fenced: bool,
    /// `Some` once a controlled shutdown began.
    pub shutdown: Option<ShutdownState>,
    last_registration: Option<CorrelationId>,
    last_heartbeat: Option<CorrelationId>,
    last_shutdown_request: Option<CorrelationId>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShutdownState {
    pub started_ms: Millis,
    /// The controller answered: leadership has been moved away.
    pub acknowledged: bool,
}

/// Who this broker is, for the requests it sends the controller.
#[derive(Debug, Clone)]
pub struct Identity {
    pub broker_id: BrokerId,
    pub rack: Option<String>,
    pub incarnation: u32,
    pub metadata_version: i64,
}

impl ControllerSession {
    /// The process starts: a new session, registration first.
    pub fn start(&mut self, ctx: &mut Ctx, me: Identity, correlation: &mut Correlation, interval_ms: Millis) {
        *self = ControllerSession::default();
        self.register(ctx, &me, correlation);
        ctx.set_timer(interval_ms, Timer::Broker(BrokerTimer::Heartbeat { incarnation: me.incarnation }));
    }

    fn register(&mut self, ctx: &mut Ctx, me: &Identity, correlation: &mut Correlation) {
        let correlation_id = correlation.allocate();
        self.last_registration = Some(correlation_id);
        ctx.request(
            NodeId::Controller,
            correlation_id,
            Request::BrokerRegistration(BrokerRegistrationRequest {
                broker_id: me.broker_id,
                rack: me.rack.clone(),
                incarnation: me.incarnation,
            }),
        );
    }

    /// `broker.heartbeat.interval.ms` passed: heartbeat (or register again),
    /// and repeat a controlled-shutdown request not yet answered.
    pub fn on_tick(&mut self, ctx: &mut Ctx, me: Identity, correlation: &mut Correlation, interval_ms: Millis) {
        if self.registered {
            self.heartbeat(ctx, &me, correlation);
        } else {
            self.register(ctx, &me, correlation);
        }
        if self.shutdown.is_some_and(|s| !s.acknowledged) {
            self.request_shutdown(ctx, me.broker_id, correlation);
        }
        ctx.set_timer(interval_ms, Timer::Broker(BrokerTimer::Heartbeat { incarnation: me.incarnation }));
    }

    fn heartbeat(&mut self, ctx: &mut Ctx, me: &Identity, correlation: &mut Correlation) {
        let correlation_id = correlation.allocate();
        self.last_heartbeat = Some(correlation_id);
        ctx.request(
            NodeId::Controller,
            correlation_id,
            Request::BrokerHeartbeat(BrokerHeartbeatRequest {
                broker_id: me.broker_id,
                incarnation: me.incarnation,
                metadata_version: me.metadata_version,
                want_shutdown: self.shutdown.is_some(),
            }),
        );
    }

    /// Begin a controlled shutdown: ask the controller to move leadership away.
    pub fn begin_shutdown(&mut self, ctx: &mut Ctx, broker_id: BrokerId, correlation: &mut Correlation) {
        if self.shutdown.is_some() {
            return;
        }
        self.shutdown = Some(ShutdownState { started_ms: ctx.now, acknowledged: false });
        self.request_shutdown(ctx, broker_id, correlation);
        ctx.set_timer(CONTROLLED_SHUTDOWN_TIMEOUT_MS, Timer::Broker(BrokerTimer::ShutdownTimeout));
    }

    fn request_shutdown(&mut self, ctx: &mut Ctx, broker_id: BrokerId, correlation: &mut Correlation) {
        let correlation_id = correlation.allocate();
        self.last_shutdown_request = Some(correlation_id);
        ctx.request(
            NodeId::Controller,
            correlation_id,
            Request::ControlledShutdown(ControlledShutdownRequest { broker_id }),
        );
    }

    /// A registration accepted is followed by a heartbeat at once, not after
    /// a whole interval (Kafka's `BrokerLifecycleManager` schedules the next
    /// communication immediately), so a broker is unfenced as soon as the
    /// controller sees it caught up.
    pub fn on_registration_response(
        &mut self,
        ctx: &mut Ctx,
        me: Identity,
        correlation: &mut Correlation,
        response: &BrokerRegistrationResponse,
    ) {
        let newly = !self.registered && response.error.is_none();
        self.registered = response.error.is_none();
        if newly {
            self.heartbeat(ctx, &me, correlation);
        }
    }

    pub fn on_heartbeat_response(&mut self, response: &BrokerHeartbeatResponse) {
        if response.error.is_some() {
            // The controller does not know this incarnation (any more): register again.
            self.registered = false;
            return;
        }
        self.fenced = response.is_fenced;
        if response.should_shut_down {
            self.acknowledge_shutdown();
        }
    }

    pub fn on_controlled_shutdown_response(&mut self, response: &ControlledShutdownResponse) {
        if response.error.is_none() {
            self.acknowledge_shutdown();
        }
    }

    fn acknowledge_shutdown(&mut self) {
        if let Some(state) = self.shutdown.as_mut() {
            state.acknowledged = true;
        }
    }

    pub fn shutdown_acknowledged(&self) -> bool {
        self.shutdown.is_some_and(|s| s.acknowledged)
    }

    /// Whether `correlation_id` is one of this session's requests.
    pub fn owns(&self, correlation_id: CorrelationId) -> bool {
        [self.last_registration, self.last_heartbeat, self.last_shutdown_request].contains(&Some(correlation_id))
    }
}
