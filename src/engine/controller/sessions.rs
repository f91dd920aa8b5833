//! Broker registrations, heartbeats, fencing and controlled shutdown
//! (KRaft's `ClusterControlManager` and `BrokerHeartbeatManager`).
//!
//! A broker's life as the controller sees it:
//!
//! ```text
//! BrokerRegistration --> fenced --(heartbeat, caught up)--> unfenced
//! unfenced --(no heartbeat for broker.session.timeout.ms)--> fenced
//! unfenced --(ControlledShutdown, or heartbeat wanting shutdown)--> in controlled shutdown + fenced
//! ```
//!
//! "Caught up" is KRaft's rule: the heartbeat reports a metadata version at
//! least the one that carried the registration. A fenced broker that
//! heartbeats again with the same incarnation (it was cut off by the
//! network, not restarted) is unfenced the same way. A broker that restarted
//! registers with a new incarnation; while the old incarnation's session is
//! still valid that is refused with `DUPLICATE_BROKER_REGISTRATION`, exactly
//! as KRaft does, and the broker retries until the old session expires.

use super::Controller;
use crate::engine::error::KafkaError;
use crate::engine::event::ClusterEvent;
use crate::engine::ids::BrokerId;
use crate::engine::node::{Ctx, Timer};
use crate::engine::protocol::{
    BrokerHeartbeatRequest, BrokerHeartbeatResponse, BrokerRegistrationInfo, BrokerRegistrationRequest,
    BrokerRegistrationResponse, ControlledShutdownRequest, ControlledShutdownResponse,
};
use crate::engine::time::Millis;

use super::ControllerTimer;

/// What the controller remembers about a registered broker besides its
/// registration in the image (rack, fenced, in controlled shutdown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Session {
    /// The registered process; `None` for a bootstrap registration, adopted
    /// from the broker's first message.
    pub incarnation: Option<u32>,
    pub last_heartbeat_ms: Millis,
    /// The image version that carried the registration: the broker is
    /// unfenced once it reports having applied it.
    pub unfence_at_version: i64,
    /// The latest image version the broker reported applying (-1: none yet).
    pub metadata_version: i64,
}

impl Controller {
    /// Registers a broker as if it had been running and heartbeating since
    /// time 0 (used to build a scenario's initial cluster without waiting
    /// for messages). Its process's first registration is adopted as this one.
    pub fn bootstrap_broker(&mut self, id: BrokerId, rack: Option<String>) {
        let info = BrokerRegistrationInfo { id, rack, fenced: false, in_controlled_shutdown: false };
        self.image_mut().brokers.insert(id, info);
        let session = Session { incarnation: None, last_heartbeat_ms: 0, unfence_at_version: 0, metadata_version: -1 };
        self.sessions.insert(id, session);
    }

    fn session_timeout_ms(&self) -> Millis {
        self.defaults.broker_session_timeout_ms
    }

    /// KRaft's `hasValidSession`: unfenced and heard from within the timeout.
    fn has_valid_session(&self, id: BrokerId, now: Millis) -> bool {
        let fenced = self.image.brokers.get(&id).is_none_or(|b| b.fenced);
        let session = self.sessions.get(&id);
        !fenced && session.is_some_and(|s| now - s.last_heartbeat_ms < self.session_timeout_ms())
    }

    pub(super) fn note_metadata_version(&mut self, id: BrokerId, version: i64) {
        if let Some(session) = self.sessions.get_mut(&id) {
            session.metadata_version = session.metadata_version.max(version);
        }
    }

    pub(super) fn on_broker_registration(
        &mut self,
        ctx: &mut Ctx,
        request: BrokerRegistrationRequest,
    ) -> BrokerRegistrationResponse {
        let id = request.broker_id;
        let ok = BrokerRegistrationResponse { error: None };
        if let Some(incarnation) = self.sessions.get(&id).map(|s| s.incarnation) {
            match incarnation {
                None => {
                    // The bootstrap broker's process introduces itself.
                    self.sessions.get_mut(&id).expect("registered").incarnation = Some(request.incarnation);
                    if self.image.brokers[&id].rack != request.rack {
                        self.image_mut().brokers.get_mut(&id).expect("registered").rack = request.rack;
                    }
                    return ok;
                }
                // A retry of a registration already accepted.
                Some(current) if current == request.incarnation => return ok,
                // A message from a previous life, still on the wire.
                Some(current) if request.incarnation < current => {
                    return BrokerRegistrationResponse { error: Some(KafkaError::StaleBrokerEpoch) };
                }
                Some(_) if self.has_valid_session(id, ctx.now) => {
                    return BrokerRegistrationResponse { error: Some(KafkaError::DuplicateBrokerRegistration) };
                }
                Some(_) => {
                    if !self.image.brokers[&id].fenced {
                        // The old session expired this very millisecond.
                        let reason = format!("no heartbeat for {} ms", self.session_timeout_ms());
                        self.fence(ctx, id, reason);
                    }
                }
            }
        }
        let info = BrokerRegistrationInfo { id, rack: request.rack, fenced: true, in_controlled_shutdown: false };
        // The registration is a metadata change even when nothing visible
        // changed: the broker must see the version that carries it.
        let unfence_at_version = self.image.version + 1;
        self.image_mut().brokers.insert(id, info);
        let session = Session {
            incarnation: Some(request.incarnation),
            last_heartbeat_ms: ctx.now,
            unfence_at_version,
            metadata_version: -1,
        };
        self.sessions.insert(id, session);
        ok
    }

    /// Handles a heartbeat; the flag says whether the broker has the current image.
    pub(super) fn on_broker_heartbeat(
        &mut self,
        ctx: &mut Ctx,
        request: BrokerHeartbeatRequest,
    ) -> (BrokerHeartbeatResponse, bool) {
        let id = request.broker_id;
        let refuse = |error| {
            let response = BrokerHeartbeatResponse { error: Some(error), is_fenced: true, should_shut_down: false };
            (response, true)
        };
        let Some(session) = self.sessions.get_mut(&id) else {
            return refuse(KafkaError::BrokerIdNotRegistered);
        };
        match session.incarnation {
            None => session.incarnation = Some(request.incarnation),
            Some(current) if current != request.incarnation => return refuse(KafkaError::StaleBrokerEpoch),
            Some(_) => {}
        }
        session.last_heartbeat_ms = ctx.now;
        session.metadata_version = session.metadata_version.max(request.metadata_version);
        let caught_up = request.metadata_version >= session.unfence_at_version;

        if request.want_shutdown {
            self.controlled_shutdown(ctx, id);
        } else {
            let registration = &self.image.brokers[&id];
            if registration.fenced && !registration.in_controlled_shutdown && caught_up {
                self.unfence(ctx, id);
            }
        }
        let registration = &self.image.brokers[&id];
        let response = BrokerHeartbeatResponse {
            error: None,
            is_fenced: registration.fenced,
            should_shut_down: registration.in_controlled_shutdown,
        };
        (response, request.metadata_version >= self.image.version)
    }

    pub(super) fn on_controlled_shutdown(
        &mut self,
        ctx: &mut Ctx,
        request: ControlledShutdownRequest,
    ) -> ControlledShutdownResponse {
        if !self.image.brokers.contains_key(&request.broker_id) {
            return ControlledShutdownResponse { error: Some(KafkaError::BrokerIdNotRegistered) };
        }
        self.controlled_shutdown(ctx, request.broker_id);
        ControlledShutdownResponse { error: None }
    }

    /// Moves every leadership of `id` to another in-sync replica and takes
    /// it out of every ISR (KRaft's `CONTROLLED_SHUTDOWN` state), then fences
    /// it because it leads nothing any more (`SHUTDOWN_NOW`). A partition
    /// whose only in-sync replica is `id` goes offline, as in Kafka. Its
    /// session is over, so no later session-timeout fencing follows.
    fn controlled_shutdown(&mut self, ctx: &mut Ctx, id: BrokerId) {
        let registration = &self.image.brokers[&id];
        if registration.in_controlled_shutdown || registration.fenced {
            return; // already done, or nothing to move
        }
        self.image_mut().brokers.get_mut(&id).expect("registered").in_controlled_shutdown = true;
        self.remove_from_isrs(ctx, id);
        self.image_mut().brokers.get_mut(&id).expect("registered").fenced = true;
        ctx.emit(ClusterEvent::BrokerFenced { broker: id, reason: "controlled shutdown".to_string() });
        assert!(self.leaderships(id) == 0, "a broker in controlled shutdown leads nothing");
    }

    /// Partitions `id` leads.
    fn leaderships(&self, id: BrokerId) -> u32 {
        let partitions = self.image.topics.values().flat_map(|t| &t.partitions);
        u32::try_from(partitions.filter(|p| p.leader == Some(id)).count()).expect("fits")
    }

    /// Fences `id`: it leaves every ISR and loses its leaderships.
    pub(super) fn fence(&mut self, ctx: &mut Ctx, id: BrokerId, reason: String) {
        assert!(!self.image.brokers[&id].fenced, "fencing an unfenced broker");
        self.image_mut().brokers.get_mut(&id).expect("registered").fenced = true;
        ctx.emit(ClusterEvent::BrokerFenced { broker: id, reason });
        self.remove_from_isrs(ctx, id);
        assert!(self.leaderships(id) == 0, "a fenced broker leads nothing");
    }

    /// Unfences `id`: leaderless partitions may elect it.
    fn unfence(&mut self, ctx: &mut Ctx, id: BrokerId) {
        assert!(self.image.brokers[&id].fenced, "unfencing a fenced broker");
        self.image_mut().brokers.get_mut(&id).expect("registered").fenced = false;
        ctx.emit(ClusterEvent::BrokerUnfenced { broker: id });
        self.elect_leaderless(ctx);
    }

    /// Fences every unfenced broker silent for `broker.session.timeout.ms`,
    /// one at a time and each published on its own, as KRaft does.
    pub(super) fn expire_sessions(&mut self, ctx: &mut Ctx) {
        let timeout = self.session_timeout_ms();
        let expired: Vec<BrokerId> = self
            .sessions
            .iter()
            .filter(|(id, s)| !self.image.brokers[id].fenced && ctx.now - s.last_heartbeat_ms >= timeout)
            .map(|(id, _)| *id)
            .collect();
        for id in expired {
            self.fence(ctx, id, format!("no heartbeat for {timeout} ms"));
            self.publish(ctx);
        }
    }

    /// Keeps a `SessionCheck` set for the earliest session expiry, so a
    /// silent broker is fenced exactly `broker.session.timeout.ms` after its
    /// last heartbeat.
    pub(super) fn schedule_session_check(&mut self, ctx: &mut Ctx) {
        let timeout = self.session_timeout_ms();
        let earliest = self
            .sessions
            .iter()
            .filter(|(id, _)| !self.image.brokers[id].fenced)
            .map(|(_, s)| s.last_heartbeat_ms + timeout)
            .min();
        let Some(due) = earliest else { return };
        if self.session_check_due.is_some_and(|pending| pending <= due) {
            return;
        }
        self.session_check_due = Some(due);
        ctx.set_timer((due - ctx.now).max(0), Timer::Controller(ControllerTimer::SessionCheck { due }));
    }

    /// A broker removed from the cluster for good (`kafka-cluster
    /// unregister`): it leaves every ISR, and its replicas count as offline
    /// from now on (a partition whose last in-sync replica it was stays
    /// offline, still naming it, until a broker with its id registers again).
    pub fn unregister_broker(&mut self, ctx: &mut Ctx, id: BrokerId) {
        if self.image.brokers.contains_key(&id) {
            self.image_mut().brokers.remove(&id);
            self.sessions.remove(&id);
            self.remove_from_isrs(ctx, id);
        }
        self.finish(ctx);
    }
}
