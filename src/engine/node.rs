//! What a node may do when it handles a message or a timer.
//!
//! Node handlers never perform I/O: they get a `Ctx` with the current time
//! and the engine's RNG, and push effects (send a message, set a timer, emit
//! an event) that the simulation carries out (stateright's pattern). That is
//! what makes the same code testable in isolation and deterministic.

use rand_pcg::Pcg64;

use super::broker::BrokerTimer;
use super::client::consumer::ConsumerTimer;
use super::client::producer::ProducerTimer;
use super::controller::ControllerTimer;
use super::event::Event;
use super::ids::NodeId;
use super::protocol::{CorrelationId, Message, Request, Response};
use super::time::Millis;

/// A timer, addressed to the node that set it. Each node kind has its own.
#[derive(Debug, Clone, PartialEq)]
pub enum Timer {
    Controller(ControllerTimer),
    Broker(BrokerTimer),
    Producer(ProducerTimer),
    Consumer(ConsumerTimer),
}

/// An effect a handler asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Send {
        to: NodeId,
        message: Message,
    },
    SetTimer {
        after_ms: Millis,
        timer: Timer,
    },
    Emit(Event),
    /// A broker finished its controlled shutdown: the process stops now.
    ShutdownComplete,
    /// A client finished `close()`: the process stops now (status `Stopped`).
    ClientClosed,
}

/// The handler's window on the world.
pub struct Ctx<'a> {
    pub now: Millis,
    pub me: NodeId,
    pub rng: &'a mut Pcg64,
    pub effects: &'a mut Vec<Effect>,
}

impl<'a> Ctx<'a> {
    pub fn new(now: Millis, me: NodeId, rng: &'a mut Pcg64, effects: &'a mut Vec<Effect>) -> Self {
        Ctx { now, me, rng, effects }
    }

    pub fn send(&mut self, to: NodeId, message: Message) {
        self.effects.push(Effect::Send { to, message });
    }

    pub fn request(&mut self, to: NodeId, correlation_id: CorrelationId, body: Request) {
        self.send(to, Message::Request { correlation_id, body });
    }

    pub fn respond(&mut self, to: NodeId, correlation_id: CorrelationId, body: Response) {
        self.send(to, Message::Response { correlation_id, body });
    }

    /// Fires `timer` on this node after `after_ms` (>= 0). Timers cannot be
    /// cancelled: a node ignores a timer that is no longer relevant (keep a
    /// token in the timer and compare).
    pub fn set_timer(&mut self, after_ms: Millis, timer: Timer) {
        assert!(after_ms >= 0, "timers cannot fire in the past");
        self.effects.push(Effect::SetTimer { after_ms, timer });
    }

    pub fn emit(&mut self, event: impl Into<Event>) {
        self.effects.push(Effect::Emit(event.into()));
    }

    pub fn shutdown_complete(&mut self) {
        self.effects.push(Effect::ShutdownComplete);
    }

    /// A client's `close()` finished: the simulation marks it stopped.
    pub fn client_closed(&mut self) {
        self.effects.push(Effect::ClientClosed);
    }
}

/// A test helper: a context over a fresh RNG, collecting effects.
#[cfg(test)]
pub struct TestCtx {
    pub rng: Pcg64,
    pub effects: Vec<Effect>,
}

#[cfg(test)]
impl TestCtx {
    pub fn new(seed: u64) -> Self {
        use rand::SeedableRng;
        TestCtx { rng: Pcg64::seed_from_u64(seed), effects: Vec::new() }
    }
    pub fn ctx(&mut self, now: Millis, me: NodeId) -> Ctx<'_> {
        Ctx::new(now, me, &mut self.rng, &mut self.effects)
    }
    /// Messages sent so far, drained.
    pub fn take_sent(&mut self) -> Vec<(NodeId, Message)> {
        let mut sent = Vec::new();
        self.effects.retain(|e| match e {
            Effect::Send { to, message } => {
                sent.push((*to, message.clone()));
                false
            }
            _ => true,
        });
        sent
    }
    /// Events emitted so far, drained.
    pub fn take_events(&mut self) -> Vec<Event> {
        let mut events = Vec::new();
        self.effects.retain(|e| match e {
            Effect::Emit(ev) => {
                events.push(ev.clone());
                false
            }
            _ => true,
        });
        events
    }
}
