//! The simulation: the event queue, the clock, the network, and every node.
//!
//! Time moves only through `step` / `run_until`. The queue is ordered by
//! (time, sequence number), so two items due at the same millisecond are
//! handled in the order they were scheduled, on every platform.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use crate::collections::VecMap;

use rand::SeedableRng;
use rand_pcg::Pcg64;
use serde::{Deserialize, Serialize};

use super::broker::Broker;
use super::client::consumer::Consumer;
use super::client::delivery::{DeliveryLedger, DeliveryReport, DeliveryScope};
use super::client::producer::Producer;
use super::command::{Command, CommandError};
use super::config::BrokerConfig;
use super::controller::Controller;
use super::event::{ClusterEvent, Event, TimedEvent};
use super::ids::{BrokerId, ClientId, NodeId};
use super::metrics::{Metrics, MetricsSnapshot};
use super::net::{Fault, LinkMatch, Network, NetworkConfig, Verdict};
use super::node::{Ctx, Effect, Timer};
use super::protocol::Message;
use super::time::Millis;

/// The initial cluster: brokers, cluster-wide broker defaults, the network.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterSpec {
    pub brokers: Vec<BrokerSpec>,
    /// Broker configuration shared by every broker (`server.properties`).
    pub broker_config: BrokerConfig,
    pub network: NetworkConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BrokerSpec {
    pub id: BrokerId,
    pub rack: Option<String>,
}

impl ClusterSpec {
    /// `n` brokers with ids 1..=n and no racks.
    pub fn with_brokers(n: i32) -> Self {
        ClusterSpec {
            brokers: (1..=n).map(|id| BrokerSpec { id, rack: None }).collect(),
            broker_config: BrokerConfig::default(),
            network: NetworkConfig::default(),
        }
    }
}

/// Whether a node's process is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeStatus {
    Running,
    /// Controlled shutdown in progress (still serving).
    ShuttingDown,
    /// Killed; may be restarted.
    Crashed,
    /// Stopped cleanly (brokers) or closed (clients).
    Stopped,
}

impl NodeStatus {
    pub fn is_up(self) -> bool {
        matches!(self, NodeStatus::Running | NodeStatus::ShuttingDown)
    }
}

pub(crate) struct BrokerSlot {
    pub broker: Broker,
    pub status: NodeStatus,
    pub incarnation: u32,
}

pub(crate) enum Client {
    Producer(Producer),
    Consumer(Consumer),
}

pub(crate) struct ClientSlot {
    pub client: Client,
    pub status: NodeStatus,
    pub incarnation: u32,
}

#[derive(Debug)]
enum Item {
    Deliver { from: NodeId, to: NodeId, to_incarnation: u32, sent_at: Millis, message: Message },
    Timer { node: NodeId, incarnation: u32, timer: Timer },
}

#[derive(Debug)]
struct Scheduled {
    time: Millis,
    seq: u64,
    item: Item,
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        (self.time, self.seq) == (other.time, other.seq)
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scheduled {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.time, self.seq).cmp(&(other.time, other.seq))
    }
}

/// A message on the wire, for the UI's animation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InFlight {
    pub from: NodeId,
    pub to: NodeId,
    pub kind: String,
    pub sent_at: Millis,
    pub deliver_at: Millis,
    pub records: u32,
}

pub struct Simulation {
    seed: u64,
    now: Millis,
    next_seq: u64,
    queue: BinaryHeap<Reverse<Scheduled>>,
    rng: Pcg64,
    network: Network,
    broker_defaults: BrokerConfig,
    pub(crate) controller: Controller,
    pub(crate) brokers: VecMap<BrokerId, BrokerSlot>,
    pub(crate) clients: VecMap<ClientId, ClientSlot>,
    client_names: VecMap<String, ClientId>,
    next_client_id: ClientId,
    events: Vec<TimedEvent>,
    next_event_seq: u64,
    metrics: Metrics,
    /// At-least-once / at-most-once accounting, fed from the event stream.
    delivery: DeliveryLedger,
    /// Messages put on the wire since the last `drain_wire_log`, newest
    /// last, at most `wire_log_capacity` (the UI animates them). Off (`None`)
    /// unless `record_wire` was called: observation only, no effect on the run.
    wire_log: Option<std::collections::VecDeque<InFlight>>,
    wire_log_capacity: u32,
    /// The latest delivery time scheduled on each directed link. Kafka runs
    /// over TCP: messages between two nodes arrive in the order they were
    /// sent, whatever jitter or a delay fault added to one of them.
    link_clock: VecMap<(NodeId, NodeId), Millis>,
}

impl Simulation {
    /// A running cluster: every broker registered and started, as if it had
    /// been up since time 0.
    pub fn new(spec: &ClusterSpec, seed: u64) -> Result<Self, CommandError> {
        if spec.brokers.is_empty() {
            return Err(CommandError::new("brokers", "a cluster needs at least one broker"));
        }
        let mut seen = crate::collections::VecSet::new();
        for b in &spec.brokers {
            if b.id < 0 {
                return Err(CommandError::new("brokers.id", format!("broker ids must be >= 0, got {}", b.id)));
            }
            if !seen.insert(b.id) {
                return Err(CommandError::new("brokers.id", format!("broker id {} appears twice", b.id)));
            }
        }
        let mut sim = Simulation {
            seed,
            now: 0,
            next_seq: 0,
            queue: BinaryHeap::new(),
            rng: Pcg64::seed_from_u64(seed),
            network: Network::new(spec.network.clone()),
            broker_defaults: spec.broker_config.clone(),
            controller: Controller::new(spec.broker_config.clone()),
            brokers: VecMap::new(),
            clients: VecMap::new(),
            client_names: VecMap::new(),
            next_client_id: 1,
            events: Vec::new(),
            next_event_seq: 0,
            metrics: Metrics::default(),
            delivery: DeliveryLedger::new(),
            wire_log: None,
            wire_log_capacity: 0,
            link_clock: VecMap::new(),
        };
        sim.with_controller(|controller, ctx| controller.start(ctx));
        for b in &spec.brokers {
            sim.controller.bootstrap_broker(b.id, b.rack.clone());
            sim.spawn_broker(b.id, b.rack.clone());
        }
        sim.with_controller(|controller, ctx| controller.create_internal_topics(ctx));
        Ok(sim)
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn now(&self) -> Millis {
        self.now
    }

    pub fn network(&self) -> &Network {
        &self.network
    }

    pub fn controller(&self) -> &Controller {
        &self.controller
    }

    /// Handles the next queued item. Returns false when nothing is queued.
    pub fn step(&mut self) -> bool {
        let Some(Reverse(next)) = self.queue.pop() else {
            return false;
        };
        assert!(next.time >= self.now, "the queue never goes back in time");
        self.now = next.time;
        match next.item {
            Item::Deliver { from, to, to_incarnation, message, .. } => self.deliver(from, to, to_incarnation, message),
            Item::Timer { node, incarnation, timer } => self.fire(node, incarnation, timer),
        }
        true
    }

    /// Handles everything due up to and including `time`, then sets the clock to `time`.
    pub fn run_until(&mut self, time: Millis) {
        while self.queue.peek().is_some_and(|Reverse(s)| s.time <= time) {
            self.step();
        }
        self.now = self.now.max(time);
    }

    /// Handles everything due strictly before `time`, then sets the clock to
    /// `time`: a command applied now comes before anything else due at `time`.
    pub fn run_until_before(&mut self, time: Millis) {
        while self.queue.peek().is_some_and(|Reverse(s)| s.time < time) {
            self.step();
        }
        self.now = self.now.max(time);
    }

    pub fn run_for(&mut self, duration: Millis) {
        self.run_until(self.now + duration);
    }

    /// Time of the next queued item, if any.
    pub fn next_due(&self) -> Option<Millis> {
        self.queue.peek().map(|Reverse(s)| s.time)
    }

    /// Events since the last drain, in trace order.
    pub fn drain_events(&mut self) -> Vec<TimedEvent> {
        std::mem::take(&mut self.events)
    }

    /// Events since the last drain, without draining.
    pub fn pending_events(&self) -> &[TimedEvent] {
        &self.events
    }

    /// Starts keeping the last `capacity` messages sent (see `drain_wire_log`).
    pub fn record_wire(&mut self, capacity: u32) {
        self.wire_log_capacity = capacity;
        self.wire_log = Some(std::collections::VecDeque::new());
    }

    /// Messages sent since the last call (at most the `record_wire` capacity, newest kept), oldest first.
    pub fn drain_wire_log(&mut self) -> Vec<InFlight> {
        self.wire_log.as_mut().map(|log| log.drain(..).collect()).unwrap_or_default()
    }

    /// Messages on the wire now, oldest first.
    pub fn in_flight(&self) -> Vec<InFlight> {
        let mut items: Vec<(&Scheduled, InFlight)> = self
            .queue
            .iter()
            .filter_map(|Reverse(s)| match &s.item {
                Item::Deliver { from, to, sent_at, message, .. } => Some((
                    s,
                    InFlight {
                        from: *from,
                        to: *to,
                        kind: message.kind(),
                        sent_at: *sent_at,
                        deliver_at: s.time,
                        records: message.record_count(),
                    },
                )),
                Item::Timer { .. } => None,
            })
            .collect();
        crate::sort::sort_by_key(&mut items, |(s, _)| (s.time, s.seq));
        items.into_iter().map(|(_, f)| f).collect()
    }

    pub fn broker_status(&self, id: BrokerId) -> Option<NodeStatus> {
        self.brokers.get(&id).map(|s| s.status)
    }

    pub fn broker_ids(&self) -> Vec<BrokerId> {
        self.brokers.keys().copied().collect()
    }

    pub fn broker(&self, id: BrokerId) -> Option<&Broker> {
        self.brokers.get(&id).map(|s| &s.broker)
    }

    pub fn client_id(&self, name: &str) -> Option<ClientId> {
        self.client_names.get(name).copied()
    }

    pub fn producer(&self, name: &str) -> Option<&Producer> {
        match &self.clients.get(&self.client_id(name)?)?.client {
            Client::Producer(p) => Some(p),
            Client::Consumer(_) => None,
        }
    }

    pub fn consumer(&self, name: &str) -> Option<&Consumer> {
        match &self.clients.get(&self.client_id(name)?)?.client {
            Client::Consumer(c) => Some(c),
            Client::Producer(_) => None,
        }
    }

    pub fn client_status(&self, name: &str) -> Option<NodeStatus> {
        self.clients.get(&self.client_id(name)?).map(|s| s.status)
    }

    /// Applies a command now. On error nothing changed.
    pub fn apply(&mut self, command: Command) -> Result<(), CommandError> {
        super::commands::apply(self, command)
    }

    // ---- internals used by `commands` ----

    pub(crate) fn spawn_broker(&mut self, id: BrokerId, rack: Option<String>) {
        let config = BrokerConfig { broker_rack: rack.clone(), ..self.broker_defaults.clone() };
        self.brokers
            .insert(id, BrokerSlot { broker: Broker::new(id, config), status: NodeStatus::Running, incarnation: 1 });
        self.record(NodeId::Broker(id), ClusterEvent::BrokerStarted { broker: id, rack }.into());
        self.with_broker(id, |broker, ctx, incarnation| broker.start(ctx, incarnation));
    }

    pub(crate) fn crash_broker(&mut self, id: BrokerId) {
        let slot = self.brokers.get_mut(&id).expect("caller checked the broker exists");
        slot.broker.crash();
        slot.status = NodeStatus::Crashed;
        slot.incarnation += 1;
        self.record(NodeId::Broker(id), ClusterEvent::BrokerCrashed { broker: id }.into());
        self.announce_death(NodeId::Broker(id));
    }

    pub(crate) fn restart_broker(&mut self, id: BrokerId) {
        let slot = self.brokers.get_mut(&id).expect("caller checked the broker exists");
        slot.status = NodeStatus::Running;
        slot.incarnation += 1;
        let rack = slot.broker.config.broker_rack.clone();
        // A restarted process opens new connections: they do not queue
        // behind what a delay fault held back on the old ones.
        let node = NodeId::Broker(id);
        self.link_clock.retain(|(from, to), _| *from != node && *to != node);
        self.record(NodeId::Broker(id), ClusterEvent::BrokerStarted { broker: id, rack }.into());
        self.with_broker(id, |broker, ctx, incarnation| broker.start(ctx, incarnation));
    }

    pub(crate) fn begin_broker_shutdown(&mut self, id: BrokerId) {
        self.brokers.get_mut(&id).expect("caller checked").status = NodeStatus::ShuttingDown;
        self.record(NodeId::Broker(id), ClusterEvent::BrokerShuttingDown { broker: id }.into());
        self.with_broker(id, |broker, ctx, _| broker.begin_controlled_shutdown(ctx));
    }

    pub(crate) fn remove_broker(&mut self, id: BrokerId) {
        self.brokers.remove(&id);
        self.with_controller(|controller, ctx| controller.unregister_broker(ctx, id));
        self.record(NodeId::Controller, ClusterEvent::BrokerRemoved { broker: id }.into());
    }

    pub(crate) fn isolate(&mut self, node: NodeId, except: Vec<NodeId>) -> u32 {
        self.add_fault(Fault::Isolate { node, except })
    }

    pub(crate) fn add_fault(&mut self, fault: Fault) -> u32 {
        let id = self.network.add_fault(fault.clone());
        self.record(NodeId::Controller, ClusterEvent::FaultAdded { id, fault }.into());
        id
    }

    pub(crate) fn heal_fault(&mut self, id: u32) -> bool {
        let healed = self.network.heal(id);
        if healed {
            self.record(NodeId::Controller, ClusterEvent::FaultHealed { id }.into());
        }
        healed
    }

    pub(crate) fn heal_node(&mut self, node: NodeId) {
        for id in self.network.heal_node(node) {
            self.record(NodeId::Controller, ClusterEvent::FaultHealed { id }.into());
        }
    }

    pub(crate) fn slow_node(&mut self, node: NodeId, extra_ms: Millis) -> u32 {
        let link = LinkMatch { from: Some(node), both_ways: true, ..LinkMatch::default() };
        self.add_fault(Fault::Delay { link, extra_ms })
    }

    pub(crate) fn bootstrap_brokers(&self) -> Vec<BrokerId> {
        self.brokers.keys().copied().collect()
    }

    pub(crate) fn add_client(&mut self, name: String, make: impl FnOnce(ClientId) -> Client) -> ClientId {
        let id = self.next_client_id;
        self.next_client_id += 1;
        self.client_names.insert(name, id);
        self.clients.insert(id, ClientSlot { client: make(id), status: NodeStatus::Running, incarnation: 1 });
        self.with_client(id, |client, ctx| match client {
            Client::Producer(p) => p.start(ctx),
            Client::Consumer(c) => c.start(ctx),
        });
        id
    }

    /// Runs `f` on a client with a context; effects are carried out.
    pub(crate) fn with_client<R>(&mut self, id: ClientId, f: impl FnOnce(&mut Client, &mut Ctx) -> R) -> R {
        let mut effects = Vec::new();
        let node = NodeId::Client(id);
        let result = {
            let mut ctx = Ctx::new(self.now, node, &mut self.rng, &mut effects);
            let slot = self.clients.get_mut(&id).expect("caller checked the client exists");
            f(&mut slot.client, &mut ctx)
        };
        self.apply_effects(node, effects);
        result
    }

    /// Marks a client dead (crash or close finished). Its timers and
    /// in-flight requests die with it.
    pub(crate) fn stop_client(&mut self, id: ClientId, status: NodeStatus) {
        let slot = self.clients.get_mut(&id).expect("caller checked the client exists");
        slot.status = status;
        slot.incarnation += 1;
        self.announce_death(NodeId::Client(id));
    }

    pub(crate) fn with_controller<R>(&mut self, f: impl FnOnce(&mut Controller, &mut Ctx) -> R) -> R {
        let mut effects = Vec::new();
        let result = {
            let mut ctx = Ctx::new(self.now, NodeId::Controller, &mut self.rng, &mut effects);
            f(&mut self.controller, &mut ctx)
        };
        self.apply_effects(NodeId::Controller, effects);
        result
    }

    pub(crate) fn with_broker<R>(&mut self, id: BrokerId, f: impl FnOnce(&mut Broker, &mut Ctx, u32) -> R) -> R {
        let mut effects = Vec::new();
        let node = NodeId::Broker(id);
        let result = {
            let mut ctx = Ctx::new(self.now, node, &mut self.rng, &mut effects);
            let slot = self.brokers.get_mut(&id).expect("caller checked the broker exists");
            f(&mut slot.broker, &mut ctx, slot.incarnation)
        };
        self.apply_effects(node, effects);
        result
    }

    pub(crate) fn record(&mut self, node: NodeId, event: Event) {
        let seq = self.next_event_seq;
        self.next_event_seq += 1;
        let event = TimedEvent { time: self.now, seq, node, event };
        self.metrics.observe(&event);
        self.delivery.observe(&event);
        self.events.push(event);
    }

    /// Duplicates and losses of a consumer group (see `client::delivery`).
    pub fn delivery_report(&self, group: &str) -> DeliveryReport {
        self.delivery.report(group)
    }

    /// Every group's (and group-less consumer's) delivery numbers.
    pub fn delivery_reports(&self) -> Vec<(DeliveryScope, DeliveryReport)> {
        self.delivery.reports()
    }

    pub fn metrics_snapshot(&self) -> MetricsSnapshot {
        self.metrics.snapshot(self.now, self.controller.image())
    }

    pub(crate) fn client_names_iter(&self) -> impl Iterator<Item = (&String, &ClientId)> {
        self.client_names.iter()
    }

    // ---- the machinery ----

    fn status_of(&self, node: NodeId) -> Option<(NodeStatus, u32)> {
        match node {
            NodeId::Controller => Some((NodeStatus::Running, 0)),
            NodeId::Broker(id) => self.brokers.get(&id).map(|s| (s.status, s.incarnation)),
            NodeId::Client(id) => self.clients.get(&id).map(|s| (s.status, s.incarnation)),
        }
    }

    fn schedule(&mut self, time: Millis, item: Item) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.queue.push(Reverse(Scheduled { time, seq, item }));
    }

    /// The OS of a dead process resets its TCP connections: every peer
    /// hears `Disconnected` after one link latency.
    fn announce_death(&mut self, dead: NodeId) {
        let mut peers: Vec<NodeId> = vec![NodeId::Controller];
        peers.extend(self.brokers.iter().filter(|(_, s)| s.status.is_up()).map(|(id, _)| NodeId::Broker(*id)));
        peers.extend(self.clients.iter().filter(|(_, s)| s.status.is_up()).map(|(id, _)| NodeId::Client(*id)));
        for peer in peers.into_iter().filter(|p| *p != dead) {
            self.transmit(dead, peer, Message::Disconnected);
        }
    }

    fn transmit(&mut self, from: NodeId, to: NodeId, message: Message) {
        let kind = message.kind();
        match self.network.verdict(from, to, &kind, &mut self.rng) {
            Verdict::Drop => {
                self.record(from, ClusterEvent::MessageDropped { from, to, kind }.into());
            }
            Verdict::Deliver(delay) => {
                let to_incarnation = self.status_of(to).map_or(0, |(_, inc)| inc);
                let sent_at = self.now;
                let clock = self.link_clock.entry((from, to)).or_insert(0);
                *clock = (*clock).max(self.now + delay);
                let delay = *clock - self.now;
                if let Some(log) = &mut self.wire_log {
                    if log.len() as u32 >= self.wire_log_capacity {
                        log.pop_front();
                    }
                    let records = message.record_count();
                    log.push_back(InFlight { from, to, kind, sent_at, deliver_at: self.now + delay, records });
                }
                self.schedule(self.now + delay, Item::Deliver { from, to, to_incarnation, sent_at, message });
            }
        }
    }

    fn apply_effects(&mut self, node: NodeId, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Send { to, message } => self.transmit(node, to, message),
                Effect::SetTimer { after_ms, timer } => {
                    let incarnation = self.status_of(node).map_or(0, |(_, inc)| inc);
                    self.schedule(self.now + after_ms, Item::Timer { node, incarnation, timer });
                }
                Effect::Emit(event) => self.record(node, event),
                Effect::ShutdownComplete => {
                    if let NodeId::Broker(id) = node {
                        if let Some(slot) = self.brokers.get_mut(&id) {
                            slot.broker.crash();
                            slot.status = NodeStatus::Stopped;
                            slot.incarnation += 1;
                            self.record(node, ClusterEvent::BrokerStopped { broker: id }.into());
                            self.announce_death(node);
                        }
                    }
                }
                Effect::ClientClosed => {
                    if let NodeId::Client(id) = node {
                        if self.clients.get(&id).is_some_and(|slot| slot.status.is_up()) {
                            self.stop_client(id, NodeStatus::Stopped);
                        }
                    }
                }
            }
        }
    }

    fn deliver(&mut self, from: NodeId, to: NodeId, to_incarnation: u32, message: Message) {
        let Some((status, incarnation)) = self.status_of(to) else {
            return; // removed from the cluster
        };
        if !status.is_up() || incarnation != to_incarnation {
            // Nobody is listening: a request is refused (the sender learns
            // at once, as with a TCP RST); anything else is lost.
            if let Message::Request { correlation_id, .. } = message {
                if status.is_up() || self.status_of(from).is_some_and(|(s, _)| s.is_up()) {
                    self.transmit(to, from, Message::ConnectionRefused { correlation_id });
                }
            }
            return;
        }
        let mut effects = Vec::new();
        {
            let mut ctx = Ctx::new(self.now, to, &mut self.rng, &mut effects);
            match to {
                NodeId::Controller => self.controller.on_message(&mut ctx, from, message),
                NodeId::Broker(id) => {
                    self.brokers.get_mut(&id).expect("status checked").broker.on_message(&mut ctx, from, message)
                }
                NodeId::Client(id) => match &mut self.clients.get_mut(&id).expect("status checked").client {
                    Client::Producer(p) => p.on_message(&mut ctx, from, message),
                    Client::Consumer(c) => c.on_message(&mut ctx, from, message),
                },
            }
        }
        self.apply_effects(to, effects);
    }

    fn fire(&mut self, node: NodeId, incarnation: u32, timer: Timer) {
        let Some((status, current)) = self.status_of(node) else {
            return;
        };
        if !status.is_up() || current != incarnation {
            return; // a timer of a previous life
        }
        let mut effects = Vec::new();
        {
            let mut ctx = Ctx::new(self.now, node, &mut self.rng, &mut effects);
            match (node, timer) {
                (NodeId::Controller, Timer::Controller(t)) => self.controller.on_timer(&mut ctx, t),
                (NodeId::Broker(id), Timer::Broker(t)) => {
                    self.brokers.get_mut(&id).expect("status checked").broker.on_timer(&mut ctx, t)
                }
                (NodeId::Client(id), timer) => {
                    match (&mut self.clients.get_mut(&id).expect("status checked").client, timer) {
                        (Client::Producer(p), Timer::Producer(t)) => p.on_timer(&mut ctx, t),
                        (Client::Consumer(c), Timer::Consumer(t)) => c.on_timer(&mut ctx, t),
                        (_, t) => panic!("timer {t:?} addressed to the wrong kind of client"),
                    }
                }
                (node, t) => panic!("timer {t:?} addressed to the wrong kind of node {node}"),
            }
        }
        self.apply_effects(node, effects);
    }
}
