//! The cluster view: the network (every node, with messages in flight drawn
//! between them) and one card per broker holding its replicas, with the
//! broker's actions.

use std::any::Any;
use std::rc::Rc;

use yew::prelude::*;

use super::markup::{bool_text, class_list};
use super::memo::{memo, same_as, MemoView};
use super::model::{self, BrokerState};
use super::state::{Flight, Flights, Select, Shared};
use crate::engine::broker::partition::RoleName;
use crate::engine::command::Command;
use crate::engine::ids::{BrokerId, NodeId, TopicPartition};
use crate::engine::snapshot::{BrokerView, ClusterSnapshot};
use crate::float_text;

/// Extra latency "Slow" adds to every link of a broker.
pub const SLOW_EXTRA_MS: i64 = 200;

pub struct ClusterViewProps {
    pub snapshot: Shared<ClusterSnapshot>,
    pub flights: Shared<Flights>,
    pub selected_partition: Option<TopicPartition>,
    pub selected_broker: Option<BrokerId>,
    pub on_apply: Callback<Command>,
    pub on_select: Callback<Select>,
    /// "Show internal topics' replicas" (the app's state: the broker grid is a function).
    pub show_internal: UseStateHandle<bool>,
    pub network: NetworkState,
}

/// The cluster panel. A function, not a component: the snapshot changes
/// whenever the app re-renders it, so skipping on equal props never paid,
/// and the network and broker grid below skip on their own.
pub fn cluster_view(props: ClusterViewProps) -> Html {
    html! {
        <section class="panel cluster" aria-labelledby="cluster-title" data-testid="cluster">
            <h2 id="cluster-title">{ "Cluster" }</h2>
            { network_view(&props.flights, &props.network) }
            { broker_grid(&props) }
        </section>
    }
}

// ---------------------------------------------------------------- network

const NET_W: f64 = 1000.0;
const NET_H: f64 = 210.0;
/// Height without a consumer row.
const NET_H_NO_CONSUMERS: f64 = 150.0;
const ROW_PRODUCERS: f64 = 28.0;
const ROW_BROKERS: f64 = 105.0;
const ROW_CONSUMERS: f64 = 182.0;

/// Where each node is drawn in the network picture.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeSpot {
    pub node: NodeId,
    pub x: f64,
    pub y: f64,
    pub label: String,
    /// `running`, `crashed`, `fenced`, ... (a CSS class).
    pub state: &'static str,
}

fn spread(count: usize, left: f64, right: f64) -> impl Iterator<Item = f64> {
    let step = (right - left) / count.max(1) as f64;
    (0..count).map(move |i| left + step * (i as f64 + 0.5))
}

/// The picture's layout: producers on top, the controller and brokers in
/// the middle, consumers below.
pub fn layout(snap: &ClusterSnapshot) -> Vec<NodeSpot> {
    let mut spots = vec![NodeSpot {
        node: NodeId::Controller,
        x: 50.0,
        y: ROW_BROKERS,
        label: "controller".to_string(),
        state: "running",
    }];
    for (b, x) in snap.brokers.iter().zip(spread(snap.brokers.len(), 110.0, NET_W)) {
        let state = BrokerState::of(b);
        let faults = model::node_faults(snap, NodeId::Broker(b.id));
        let css = match state {
            _ if faults.isolated || faults.partitioned => "isolated",
            BrokerState::Running => "running",
            BrokerState::ShuttingDown => "shutting-down",
            BrokerState::Crashed => "crashed",
            BrokerState::Stopped => "stopped",
            BrokerState::Fenced => "fenced",
        };
        spots.push(NodeSpot { node: NodeId::Broker(b.id), x, y: ROW_BROKERS, label: format!("B{}", b.id), state: css });
    }
    let producers: Vec<_> = snap.producers.iter().filter(|p| p.status.is_up()).collect();
    for (p, x) in producers.iter().zip(spread(producers.len(), 0.0, NET_W)) {
        spots.push(NodeSpot {
            node: NodeId::Client(p.producer.id),
            x,
            y: ROW_PRODUCERS,
            label: p.producer.name.clone(),
            state: "running",
        });
    }
    let consumers: Vec<_> = snap.consumers.iter().filter(|c| c.status.is_up()).collect();
    for (c, x) in consumers.iter().zip(spread(consumers.len(), 0.0, NET_W)) {
        spots.push(NodeSpot {
            node: NodeId::Client(c.consumer.id),
            x,
            y: ROW_CONSUMERS,
            label: c.consumer.name.clone(),
            state: "running",
        });
    }
    spots
}

/// What a message is, for its colour and the legend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlightKind {
    Produce,
    /// Follower fetches from the leader.
    Replication,
    /// Consumer fetches.
    Consume,
    /// Group coordination and offset commits.
    Group,
    /// Metadata, controller traffic, heartbeats to the controller.
    Control,
}

impl FlightKind {
    pub fn of(flight: &Flight) -> FlightKind {
        let k = flight.kind.as_str();
        let broker_to_broker = matches!((flight.from, flight.to), (NodeId::Broker(_), NodeId::Broker(_)));
        if k.starts_with("Produce") {
            FlightKind::Produce
        } else if k.starts_with("Fetch") && broker_to_broker {
            FlightKind::Replication
        } else if k.starts_with("Fetch") {
            FlightKind::Consume
        } else if [
            "JoinGroup",
            "SyncGroup",
            "Heartbeat",
            "LeaveGroup",
            "OffsetCommit",
            "OffsetFetch",
            "FindCoordinator",
        ]
        .iter()
        .any(|p| k.starts_with(p))
        {
            FlightKind::Group
        } else {
            FlightKind::Control
        }
    }

    pub fn css(self) -> &'static str {
        match self {
            FlightKind::Produce => "f-produce",
            FlightKind::Replication => "f-replication",
            FlightKind::Consume => "f-consume",
            FlightKind::Group => "f-group",
            FlightKind::Control => "f-control",
        }
    }

    /// Its colour on the canvas (the same Okabe–Ito colours as `.f-*` in www/app.css).
    pub fn colour(self) -> &'static str {
        match self {
            FlightKind::Produce => "#d55e00",
            FlightKind::Replication => "#0072b2",
            FlightKind::Consume => "#009e73",
            FlightKind::Group => "#cc79a7",
            FlightKind::Control => "#8a93a3",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            FlightKind::Produce => "produce",
            FlightKind::Replication => "replication fetch",
            FlightKind::Consume => "consumer fetch",
            FlightKind::Group => "group / offsets",
            FlightKind::Control => "metadata / control",
        }
    }

    pub const ALL: [FlightKind; 5] =
        [FlightKind::Produce, FlightKind::Replication, FlightKind::Consume, FlightKind::Group, FlightKind::Control];
}

/// The network picture's state, a hook of the app (the picture is drawn by
/// a function, [`network_view`]: it changes with the flights every frame).
pub struct NetworkState {
    /// The same layout as before keeps its `Shared`, so the SVG nodes are not re-rendered.
    spots: Shared<Vec<NodeSpot>>,
    height: f64,
    canvas: NodeRef,
}

/// Lays the nodes out and paints the messages in flight on the canvas
/// after each render where the flights or the layout changed.
#[hook]
pub fn use_network(snapshot: Shared<ClusterSnapshot>, flights: Shared<Flights>) -> NetworkState {
    let last_spots = use_mut_ref(|| Shared::new(Vec::<NodeSpot>::new()));
    let spots: Shared<Vec<NodeSpot>> = {
        let fresh = layout(&snapshot);
        let mut last = last_spots.borrow_mut();
        if *last.0 != fresh {
            *last = Shared::new(fresh);
        }
        last.clone()
    };
    let height = if spots.iter().any(|s| s.y > ROW_BROKERS) { NET_H } else { NET_H_NO_CONSUMERS };
    let canvas = use_node_ref();
    {
        // Dots are painted on a canvas: one draw call per frame instead of
        // hundreds of SVG attribute changes to restyle, lay out and paint.
        let canvas = canvas.clone();
        use_effect_with((flights, spots.clone()), move |(flights, spots)| {
            if let Some(canvas) = canvas.cast::<web_sys::HtmlCanvasElement>() {
                draw_flights(&canvas, flights, spots, height);
            }
        });
    }
    NetworkState { spots, height, canvas }
}

/// Nodes and the messages between them. Every message on the wire is drawn
/// at its simulated progress, and for at least `FLIGHT_VISIBLE_MS` of wall
/// time so a 1 ms hop can be seen.
fn network_view(flights: &Flights, network: &NetworkState) -> Html {
    let NetworkState { spots, height, canvas } = network;
    let height = *height;
    let counts = flight_counts(flights, spots);
    let total: u32 = counts.iter().sum();
    let summary = if total == 0 {
        "No messages on the wire right now.".to_string()
    } else {
        let parts: Vec<String> = FlightKind::ALL
            .iter()
            .zip(counts)
            .filter(|(_, n)| *n > 0)
            .map(|(k, n)| format!("{n} {}", k.name()))
            .collect();
        format!("Messages on the wire: {}.", parts.join(", "))
    };
    html! {
        <figure class="network">
            <div class="network-stage" role="img" aria-label={summary} data-testid="network">
                <canvas ref={canvas.clone()} aria-hidden="true"></canvas>
                { memo(None, Rc::new(NetworkNodesProps { spots: spots.clone(), height })) }
            </div>
            <figcaption>
                <ul class="legend" aria-label="Message colours">
                    { for FlightKind::ALL.iter().map(|k| html! {
                        <li><span class={class_list("swatch", &[(true, k.css())])} aria-hidden="true"></span>{ k.name() }</li>
                    }) }
                    <li class="legend-note">{ "big dot: carries records" }</li>
                </ul>
            </figcaption>
        </figure>
    }
}

#[derive(PartialEq)]
struct NetworkNodesProps {
    spots: Shared<Vec<NodeSpot>>,
    height: f64,
}

/// The nodes of the network picture (drawn by `memo`: again only when they change).
impl MemoView for NetworkNodesProps {
    fn view(&self) -> Html {
        network_nodes(self)
    }
    fn same(&self, previous: &dyn Any) -> bool {
        same_as(self, previous)
    }
}

fn network_nodes(props: &NetworkNodesProps) -> Html {
    let spots = &props.spots;
    html! {
        <svg viewBox={format!("0 0 {} {}", float_text::display(NET_W), float_text::display(props.height))} preserveAspectRatio="xMidYMid meet" aria-hidden="true">
            <g class="links">
                { for spots.iter().filter(|s| matches!(s.node, NodeId::Broker(_))).map(|b| html! {
                    <line class="bus" x1="50" y1={float_text::display(ROW_BROKERS)} x2={float_text::display(b.x)} y2={float_text::display(ROW_BROKERS)} />
                }) }
            </g>
            <g class="nodes">
                { for spots.iter().map(node_glyph) }
            </g>
        </svg>
    }
}

/// Messages drawn, by `FlightKind::ALL` order.
fn flight_counts(flights: &Flights, spots: &[NodeSpot]) -> [u32; 5] {
    let mut counts = [0u32; 5];
    let known = |n: NodeId| spots.iter().any(|s| s.node == n);
    for f in flights.items.iter().filter(|f| known(f.from) && known(f.to)) {
        let kind = FlightKind::of(f);
        counts[FlightKind::ALL.iter().position(|k| *k == kind).unwrap_or(4)] += 1;
    }
    counts
}

/// Paints every message at its place along its arc.
fn draw_flights(canvas: &web_sys::HtmlCanvasElement, flights: &Flights, spots: &[NodeSpot], height: f64) {
    use wasm_bindgen::JsCast;
    // The backing store is the picture's own size times the pixel ratio and
    // CSS stretches it over the SVG: reading the element's laid-out size here
    // would force a synchronous layout on every frame.
    let ratio = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio()).clamp(1.0, 2.0);
    let (w, h) = ((NET_W * ratio).round() as u32, (height * ratio).round() as u32);
    if canvas.width() != w || canvas.height() != h {
        canvas.set_width(w);
        canvas.set_height(h);
    }
    let Some(ctx) =
        canvas.get_context("2d").ok().flatten().and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok())
    else {
        return;
    };
    ctx.clear_rect(0.0, 0.0, w as f64, h as f64);
    let (scale, ox, oy) = (ratio, 0.0, 0.0);
    let at = |node: NodeId| spots.iter().find(|s| s.node == node).map(|s| (s.x, s.y));
    ctx.set_stroke_style_str("#ffffff");
    ctx.set_line_width(ratio);
    for f in &flights.items {
        let (Some(a), Some(b)) = (at(f.from), at(f.to)) else { continue };
        let p = f.progress(flights.sim_now, flights.wall_ms);
        let (x, y) = along_curve(a, b, f.from < f.to, p);
        let r = if f.records > 0 { 5.5 } else { 3.5 };
        ctx.set_fill_style_str(FlightKind::of(f).colour());
        ctx.begin_path();
        let _ = ctx.arc(ox + x * scale, oy + y * scale, r * scale, 0.0, std::f64::consts::TAU);
        ctx.fill();
        ctx.stroke();
    }
}

/// A point `t` (0..=1) along the arc from `a` to `b`. Messages bow to one
/// side in one direction and to the other side coming back, so a request
/// and its response, or two brokers' traffic past a third, never overlap.
pub fn along_curve(a: (f64, f64), b: (f64, f64), upward: bool, t: f64) -> (f64, f64) {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let length = (dx * dx + dy * dy).sqrt().max(1.0);
    let bow = (length * 0.18).min(46.0) * if upward { -1.0 } else { 1.0 };
    // Control point: the midpoint pushed along the normal.
    let c = ((a.0 + b.0) / 2.0 - dy / length * bow, (a.1 + b.1) / 2.0 + dx / length * bow);
    let u = 1.0 - t;
    (u * u * a.0 + 2.0 * u * t * c.0 + t * t * b.0, u * u * a.1 + 2.0 * u * t * c.1 + t * t * b.1)
}

fn node_glyph(spot: &NodeSpot) -> Html {
    let (x, y) = (spot.x, spot.y);
    let label = if spot.label.chars().count() > 12 {
        format!("{}…", spot.label.chars().take(11).collect::<String>())
    } else {
        spot.label.clone()
    };
    match spot.node {
        NodeId::Broker(_) | NodeId::Controller => {
            let w = if spot.node == NodeId::Controller { 76.0 } else { 58.0 };
            html! {
                <g class={class_list("node node-broker", &[(true, spot.state)])}>
                    <rect x={float_text::fixed(x - w / 2.0, 1)} y={float_text::fixed(y - 16.0, 1)} width={float_text::display(w)} height="32" rx="6" />
                    <text x={float_text::fixed(x, 1)} y={float_text::fixed(y + 5.0, 1)} text-anchor="middle">{ label }</text>
                    if matches!(spot.state, "crashed" | "stopped") {
                        <text class="node-mark" x={float_text::fixed(x + w / 2.0 - 2.0, 1)} y={float_text::fixed(y - 10.0, 1)}>{ "✕" }</text>
                    }
                </g>
            }
        }
        NodeId::Client(_) => {
            let below = y > ROW_BROKERS;
            html! {
                <g class={if below { "node node-client consumer" } else { "node node-client producer" }}>
                    <circle cx={float_text::fixed(x, 1)} cy={float_text::fixed(y, 1)} r="11" />
                    <text class="glyph" x={float_text::fixed(x, 1)} y={float_text::fixed(y + 4.0, 1)} text-anchor="middle">
                        { if below { "C" } else { "P" } }
                    </text>
                    <text class="client-label" x={float_text::fixed(x, 1)}
                        y={float_text::fixed(if below { y + 24.0 } else { y - 15.0 }, 1)} text-anchor="middle">{ label }</text>
                </g>
            }
        }
    }
}

// ---------------------------------------------------------------- brokers

/// One card per broker, and the internal-topics switch. A function, not a
/// component: it is redrawn with every snapshot anyway; the cards skip.
fn broker_grid(props: &ClusterViewProps) -> Html {
    let show_internal = *props.show_internal;
    let toggle_internal = {
        let handle = props.show_internal.clone();
        Callback::from(move |_: MouseEvent| handle.set(!show_internal))
    };
    let snap = &props.snapshot;
    html! {
        <div class="brokers-wrap">
            <div class="brokers" data-testid="brokers">
                { for snap.brokers.iter().map(|b| memo(Some(b.id.into()), Rc::new(BrokerCardProps {
                    snapshot: snap.clone(), id: b.id, fingerprint: broker_fingerprint(snap, b), show_internal,
                    selected: props.selected_broker == Some(b.id),
                    selected_partition: props.selected_partition.clone(),
                    on_apply: props.on_apply.clone(), on_select: props.on_select.clone() }))) }
            </div>
            <button class="btn btn-link" aria-pressed={bool_text(show_internal)} onclick={toggle_internal}>
                { if show_internal { "Hide internal topics' replicas" } else { "Show internal topics' replicas" } }
            </button>
        </div>
    }
}

/// A broker's card, drawn by `memo` (again only when these are not equal).
pub struct BrokerCardProps {
    /// Read only through `fingerprint`'s parts (see `broker_fingerprint`).
    pub snapshot: Shared<ClusterSnapshot>,
    pub id: BrokerId,
    pub fingerprint: u64,
    pub show_internal: bool,
    pub selected: bool,
    pub selected_partition: Option<TopicPartition>,
    pub on_apply: Callback<Command>,
    pub on_select: Callback<Select>,
}

impl PartialEq for BrokerCardProps {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
            && self.fingerprint == other.fingerprint
            && self.show_internal == other.show_internal
            && self.selected == other.selected
            && self.selected_partition == other.selected_partition
            && self.on_apply == other.on_apply
            && self.on_select == other.on_select
    }
}

/// Everything a broker card shows, hashed: the broker's state, rack and
/// network faults, and each replica's role and ISR membership.
pub fn broker_fingerprint(snap: &ClusterSnapshot, b: &BrokerView) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (BrokerState::of(b) as u8, &b.broker.rack, model::node_faults(snap, NodeId::Broker(b.id))).hash(&mut h);
    for r in &b.broker.replicas {
        let image = model::partition_image(snap, &r.tp);
        let isr = image.is_some_and(|p| p.isr.contains(&b.id));
        let leader = image.and_then(|p| p.leader);
        (&r.tp, r.role as u8, isr, leader == Some(b.id), leader.is_none()).hash(&mut h);
    }
    h.finish()
}

impl MemoView for BrokerCardProps {
    fn view(&self) -> Html {
        match self.snapshot.brokers.iter().find(|b| b.id == self.id) {
            Some(b) => broker_card(&self.snapshot, b, self),
            None => html! {},
        }
    }
    fn same(&self, previous: &dyn Any) -> bool {
        same_as(self, previous)
    }
}

fn broker_card(snap: &ClusterSnapshot, b: &BrokerView, props: &BrokerCardProps) -> Html {
    let show_internal = props.show_internal;
    let state = BrokerState::of(b);
    let faults = model::node_faults(snap, NodeId::Broker(b.id));
    let id = b.id;
    let title_id = format!("broker-{id}-title");
    let apply = |command: Command| {
        let on_apply = props.on_apply.clone();
        Callback::from(move |_: MouseEvent| on_apply.emit(command.clone()))
    };
    let replicas: Vec<_> =
        b.broker.replicas.iter().filter(|r| show_internal || !model::is_internal_topic(&r.tp.topic)).collect();
    let hidden = b.broker.replicas.len() - replicas.len();
    let leaders = b.broker.replicas.iter().filter(|r| r.role == RoleName::Leader && state.is_up()).count();
    let badge = match state {
        BrokerState::Running => "badge-ok",
        BrokerState::ShuttingDown | BrokerState::Fenced => "badge-warn",
        BrokerState::Crashed | BrokerState::Stopped => "badge-bad",
    };
    let selected = props.selected;
    let on_select_broker = {
        let on_select = props.on_select.clone();
        Callback::from(move |_: MouseEvent| on_select.emit(Select::Broker(id)))
    };
    let mut summary = format!("Broker {id}");
    if let Some(rack) = &b.broker.rack {
        summary.push_str(&format!(", rack {rack}"));
    }
    summary.push_str(&format!(", {}", state.name()));
    if faults.isolated || faults.partitioned {
        summary.push_str(", cut off from the network");
    }
    if faults.extra_ms > 0 {
        summary.push_str(&format!(", slow (+{} ms per message)", faults.extra_ms));
    }
    summary.push_str(&format!(", leads {leaders} of {} replicas", b.broker.replicas.len()));
    html! {
        <article class={class_list(&format!("broker state-{}", state.name().replace(' ', "-")), &[(selected, "selected")])}
            aria-labelledby={title_id.clone()} data-testid={format!("broker-{id}")}>
            <header class="broker-head">
                <h3 id={title_id}>
                    <button class="linkish" onclick={on_select_broker} aria-pressed={bool_text(selected)}
                        aria-label={summary.clone()}>{ format!("Broker {id}") }</button>
                </h3>
                if let Some(rack) = &b.broker.rack {
                    <span class="rack" title="broker.rack">{ format!("rack {rack}") }</span>
                }
                <span class={class_list("badge", &[(true, badge)])} data-testid={format!("broker-{id}-state")}>{ state.name() }</span>
                if faults.isolated || faults.partitioned {
                    <span class="badge badge-bad" title="network fault">{ "isolated" }</span>
                }
                if faults.extra_ms > 0 {
                    <span class="badge badge-warn" title="extra latency on its links">{ format!("slow +{} ms", faults.extra_ms) }</span>
                }
            </header>
            <p class="sr-only">{ summary }</p>
            <ul class="replicas" aria-label={format!("Replicas on broker {id}")}>
                { for replicas.iter().map(|r| replica_chip(snap, id, state, r, props)) }
            </ul>
            if hidden > 0 {
                <p class="muted small">{ format!("+ {hidden} internal-topic replicas") }</p>
            }
            <div class="broker-actions" role="group" aria-label={format!("Broker {id} actions")}>
                if state.is_up() {
                    <button class="btn btn-danger" data-testid={format!("kill-{id}")} aria-label={format!("Kill broker {id} (crash, no controlled shutdown)")}
                        title="kill -9: no controlled shutdown; the controller notices after broker.session.timeout.ms"
                        onclick={apply(Command::KillBroker { broker: id })}>{ "Kill" }</button>
                    <button class="btn" data-testid={format!("stop-{id}")} aria-label={format!("Stop broker {id} (controlled shutdown)")}
                        title="Controlled shutdown: leadership moves away first"
                        onclick={apply(Command::StopBroker { broker: id })}>{ "Stop" }</button>
                } else {
                    <button class="btn btn-primary" data-testid={format!("restart-{id}")} aria-label={format!("Restart broker {id}")}
                        onclick={apply(Command::RestartBroker { broker: id })}>{ "Restart" }</button>
                }
                if faults.any() {
                    <button class="btn" data-testid={format!("heal-{id}")} aria-label={format!("Heal broker {id}'s network")} title="Remove every network fault on this broker"
                        onclick={apply(Command::HealBroker { broker: id })}>{ "Heal network" }</button>
                } else if state.is_up() {
                    <button class="btn" data-testid={format!("isolate-{id}")} aria-label={format!("Isolate broker {id} from the network")} title="Cut this broker off the network"
                        onclick={apply(Command::IsolateBroker { broker: id, from: None })}>{ "Isolate" }</button>
                    <button class="btn" data-testid={format!("slow-{id}")} aria-label={format!("Slow broker {id} down by {SLOW_EXTRA_MS} ms per message")}
                        title={format!("Add {SLOW_EXTRA_MS} ms to every message to and from this broker (a slow follower)")}
                        onclick={apply(Command::SlowBroker { broker: id, extra_ms: SLOW_EXTRA_MS })}>{ "Slow" }</button>
                }
            </div>
        </article>
    }
}

fn replica_chip(
    snap: &ClusterSnapshot,
    broker: BrokerId,
    state: BrokerState,
    r: &crate::engine::broker::ReplicaSnapshot,
    props: &BrokerCardProps,
) -> Html {
    let image = model::partition_image(snap, &r.tp);
    let in_isr = image.is_some_and(|p| p.isr.contains(&broker));
    let leads = image.and_then(|p| p.leader) == Some(broker) && state.is_up();
    let offline = !state.is_up() || r.role == RoleName::Offline || image.is_some_and(|p| p.leader.is_none());
    let (role_class, role_mark, role_name) = if offline {
        ("offline", "×", "offline")
    } else if leads || r.role == RoleName::Leader {
        ("leader", "L", "leader")
    } else {
        ("follower", "F", "follower")
    };
    let selected = props.selected_partition.as_ref() == Some(&r.tp);
    let label = format!("{}: {role_name} on broker {broker}, {}", r.tp, if in_isr { "in sync" } else { "not in ISR" });
    let tp = r.tp.clone();
    let on_select = props.on_select.reform(move |_: MouseEvent| Select::Partition(tp.clone()));
    html! {
        <li>
            <button class={class_list("replica", &[(true, role_class), (true, if in_isr { "in-isr" } else { "out-of-isr" }), (selected, "selected")])}
                aria-label={label.clone()} title={label} aria-pressed={bool_text(selected)} onclick={on_select}
                data-testid={format!("replica-{}-{}", broker, r.tp)}>
                <span class="role" aria-hidden="true">{ role_mark }</span>
                <span class="tp">{ r.tp.to_string() }</span>
                if !in_isr && !offline {
                    <span class="isr-flag" aria-hidden="true">{ "out of ISR" }</span>
                }
            </button>
        </li>
    }
}
