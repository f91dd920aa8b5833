//! The event log: the newest events first, each a sentence, filterable by
//! broker, topic, partition, client, area and type, with a "notable only"
//! switch (on by default: elections, ISR changes and rebalances stay in
//! view while records flow). Clicking a row selects the partition, client,
//! broker or topic it is about.
//!
//! The props change every frame while traffic flows; the rows are rebuilt
//! only when the ring they come from (or the filter) changed, and the list
//! is a child that re-renders only for new rows.

use std::any::Any;
use std::rc::Rc;

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::describe::describe;
use super::facts::{facts, Facts, AREAS};
use super::metrics::metrics_panel;
use super::{EventLogProps, MetricsPanelProps};
use crate::collections::VecSet;
use crate::engine::event::{Event as EngineEvent, LogEvent, ReplicationEvent, TimedEvent};
use crate::engine::ids::{BrokerId, ClientId, PartitionId};
use crate::engine::snapshot::ClusterSnapshot;
use crate::ui::markup::class_list;
use crate::ui::memo::{memo, same_as, MemoView};
use crate::ui::model;
use crate::ui::state::{RecentEvents, Select, Shared};

/// Rows rendered at most (the newest matching ones).
pub const ROWS_MAX: u32 = 150;

/// What the log shows.
#[derive(Debug, Clone, PartialEq)]
pub struct EventFilter {
    pub broker: Option<BrokerId>,
    pub topic: Option<String>,
    pub partition: Option<PartitionId>,
    pub client: Option<ClientId>,
    pub area: Option<&'static str>,
    pub kind: Option<String>,
    /// Leave out data-path traffic (appends, HW moves, sends, fetches, commits).
    pub notable_only: bool,
}

impl Default for EventFilter {
    fn default() -> Self {
        EventFilter {
            broker: None,
            topic: None,
            partition: None,
            client: None,
            area: None,
            kind: None,
            notable_only: true,
        }
    }
}

impl EventFilter {
    /// Whether an event with these facts passes.
    pub fn matches(&self, f: &Facts) -> bool {
        self.broker.is_none_or(|b| f.brokers.contains(&b))
            && self.topic.as_deref().is_none_or(|t| f.topic == Some(t))
            && self.partition.is_none_or(|p| f.tp.is_some_and(|tp| tp.partition == p))
            && self.client.is_none_or(|c| f.clients.contains(&c))
            && self.area.is_none_or(|a| f.area == a)
            && self.kind.as_deref().is_none_or(|k| f.kind == k)
    }
}

/// One line of the log.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub seq: u64,
    pub text: String,
    /// What clicking it selects.
    pub target: Option<Select>,
    /// `bad` (something lost or unavailable), `warn` (a change worth a look), or "".
    pub tone: &'static str,
    /// The brokers it involves (`data-brokers` on the row).
    pub brokers: Vec<BrokerId>,
}

/// What a row selects: its partition, else its client, else its broker, else its topic.
pub fn target(f: &Facts, snap: &ClusterSnapshot) -> Option<Select> {
    if let Some(tp) = f.tp {
        return Some(Select::Partition(tp.clone()));
    }
    if let Some(name) = f.clients.first().and_then(|c| model::client_name(snap, *c)) {
        return Some(Select::Client(name));
    }
    if let Some(b) = f.brokers.first() {
        return Some(Select::Broker(*b));
    }
    f.topic.map(|t| Select::Topic(t.to_string()))
}

/// How loudly a row should read (the sentence itself says why).
pub fn tone(event: &EngineEvent) -> &'static str {
    use crate::engine::event::{ClusterEvent, ConsumerEvent, GroupEvent, ProducerEvent};
    use EngineEvent as Event;
    match event {
        Event::Log(LogEvent::LogTruncated { lost, .. }) if !lost.is_empty() => "bad",
        Event::Replication(ReplicationEvent::PartitionOffline { .. })
        | Event::Replication(ReplicationEvent::LeaderElected { unclean: true, .. })
        | Event::Cluster(ClusterEvent::BrokerCrashed { .. })
        | Event::Producer(ProducerEvent::ProduceFailed { will_retry: false, .. })
        | Event::Producer(ProducerEvent::ProducerFatalError { .. })
        | Event::Consumer(ConsumerEvent::ConsumerFailed { .. } | ConsumerEvent::ConsumerCrashed { .. }) => "bad",
        Event::Replication(
            ReplicationEvent::LeaderElected { .. }
            | ReplicationEvent::IsrShrunk { .. }
            | ReplicationEvent::RemovedFromIsr { .. },
        )
        | Event::Cluster(ClusterEvent::BrokerFenced { .. } | ClusterEvent::CommandRejected { .. })
        | Event::Log(LogEvent::ProduceRejected { .. } | LogEvent::DuplicateBatch { .. })
        | Event::Producer(ProducerEvent::ProduceFailed { .. })
        | Event::Group(GroupEvent::Rebalance { .. } | GroupEvent::RebalanceTriggered { .. }) => "warn",
        _ => "",
    }
}

/// The newest `ROWS_MAX` events of `ring` that pass `filter`, newest first,
/// and every event type seen in the ring (for the type filter).
pub fn rows(ring: &RecentEvents, filter: &EventFilter, snap: &ClusterSnapshot) -> (Vec<Row>, Vec<&'static str>) {
    let mut out = Vec::new();
    let mut kinds = VecSet::new();
    for event in ring.newest_first() {
        let f = facts(event);
        kinds.insert(f.kind);
        if out.len() as u32 >= ROWS_MAX || !filter.matches(&f) {
            continue;
        }
        out.push(row(event, &f, snap));
    }
    (out, kinds.into_iter().collect())
}

fn row(event: &TimedEvent, f: &Facts, snap: &ClusterSnapshot) -> Row {
    Row {
        seq: event.seq,
        text: describe(event, snap),
        target: target(f, snap),
        tone: tone(&event.event),
        brokers: f.brokers.clone(),
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Built {
    rows: Shared<Vec<Row>>,
    kinds: Rc<Vec<&'static str>>,
}

/// What the filter lists offer, from the snapshot.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FilterOptions {
    pub brokers: Vec<BrokerId>,
    /// Topics and their partition counts.
    pub topics: Vec<(String, i32)>,
    pub clients: Vec<(ClientId, String)>,
}

impl FilterOptions {
    pub fn of(snap: &ClusterSnapshot) -> Self {
        FilterOptions {
            brokers: snap.brokers.iter().map(|b| b.id).collect(),
            topics: snap.metadata.topics.values().map(|t| (t.name.clone(), t.partitions.len() as i32)).collect(),
            clients: snap
                .producers
                .iter()
                .map(|p| (p.producer.id, p.producer.name.clone()))
                .chain(snap.consumers.iter().map(|c| (c.consumer.id, c.consumer.name.clone())))
                .collect(),
        }
    }
}

/// The event log's filter and the rows it lets through.
#[derive(Clone, PartialEq)]
pub struct EventLogState {
    filter: EventFilter,
    set: UseStateSetter<EventFilter>,
    built: Rc<Built>,
}

/// [`EventLogState`], a hook of the app (the panel is drawn through
/// `ui::memo`): the rows are built again only when the filter or the ring
/// they come from changed.
#[hook]
pub fn use_event_log(props: &EventLogProps) -> EventLogState {
    let filter = use_state(EventFilter::default);
    let ring = if filter.notable_only { &props.notable } else { &props.events };
    let built = {
        let snap = &props.snapshot;
        use_memo(((*filter).clone(), ring.seen(), ring.len()), |(filter, ..)| {
            let (rows, kinds) = rows(ring, filter, snap);
            Built { rows: Shared::new(rows), kinds: Rc::new(kinds) }
        })
    };
    EventLogState { filter: (*filter).clone(), set: filter.setter(), built }
}

/// The metrics, the lag chart and the event log, drawn by `memo`: again
/// only when the (throttled) data or the filter changed.
#[derive(PartialEq)]
pub struct EventLogView {
    pub props: EventLogProps,
    pub state: EventLogState,
}

impl MemoView for EventLogView {
    fn view(&self) -> Html {
        event_log(&self.props, &self.state)
    }
    fn same(&self, previous: &dyn Any) -> bool {
        same_as(self, previous)
    }
}

/// The event log, filterable by broker, topic, partition and client (from
/// the throttled snapshot and event rings, see `throttle`), after the
/// metrics panel and the lag chart (functions: the same throttled data
/// re-renders all three, and a component type costs more wasm).
pub fn event_log(props: &EventLogProps, state: &EventLogState) -> Html {
    let EventLogState { filter, set, built } = state;
    let ring = if filter.notable_only { &props.notable } else { &props.events };
    let options = FilterOptions::of(&props.snapshot);
    let shown = built.rows.len();
    let source = if filter.notable_only { "notable events" } else { "events" };
    let metrics = MetricsPanelProps { snapshot: props.snapshot.clone(), history: props.history.clone() };
    html! {
        <>
        { metrics_panel(&metrics) }
        <section class="panel event-log" aria-labelledby="events-title" data-testid="event-log">
            <div class="panel-head">
                <h2 id="events-title">{ "Events" }</h2>
                <span class="muted small" data-testid="event-count">
                    { format!("{shown} shown of the last {} {source}", ring.len()) }
                </span>
            </div>
            { event_filters(EventFiltersProps { options: &options, filter, kinds: &built.kinds, set: set.clone() }) }
            { memo(None, Rc::new(EventRowsProps { rows: built.rows.clone(), on_select: props.on_select.clone() })) }
        </section>
        </>
    }
}

struct EventFiltersProps<'a> {
    options: &'a FilterOptions,
    filter: &'a EventFilter,
    kinds: &'a [&'static str],
    set: UseStateSetter<EventFilter>,
}

/// The filters. A function, not a component: the (throttled) panel redraws
/// a few times a second at most, and a component type costs more wasm.
fn event_filters(props: EventFiltersProps) -> Html {
    let filter = props.filter;
    let set = |update: fn(&mut EventFilter, String)| {
        let (current, setter) = (props.filter.clone(), props.set.clone());
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            let mut next = current.clone();
            update(&mut next, select.value());
            setter.set(next);
        })
    };
    let on_notable = {
        let (current, setter) = (props.filter.clone(), props.set.clone());
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let mut next = current.clone();
            next.notable_only = input.checked();
            setter.set(next);
        })
    };
    let o = &props.options;
    let partitions = filter.topic.as_ref().and_then(|t| o.topics.iter().find(|(n, _)| n == t)).map(|(_, n)| *n);
    let broker_options =
        o.brokers.iter().map(|b| (b.to_string().into(), format!("broker {b}").into(), filter.broker == Some(*b)));
    let topic_options =
        o.topics.iter().map(|(t, _)| (t.clone().into(), t.clone().into(), filter.topic.as_ref() == Some(t)));
    let partition_options =
        (0..partitions.unwrap_or(0)).map(|p| (p.to_string().into(), p.to_string().into(), filter.partition == Some(p)));
    let client_options =
        o.clients.iter().map(|(id, name)| (id.to_string().into(), name.clone().into(), filter.client == Some(*id)));
    let area_options = AREAS.iter().map(|a| (AttrValue::Static(a), AttrValue::Static(a), filter.area == Some(*a)));
    let mut kind_options: Vec<FilterOption> = props
        .kinds
        .iter()
        .map(|k| (AttrValue::Static(k), AttrValue::Static(k), filter.kind.as_deref() == Some(*k)))
        .collect();
    if let Some(k) = filter.kind.as_ref().filter(|k| !props.kinds.contains(&k.as_str())) {
        kind_options.push((k.clone().into(), k.clone().into(), true));
    }
    html! {
        <div class="event-filters" role="group" aria-label="Filter the events">
            { filter_select("Broker", "event-filter-broker", false, filter.broker.is_none(), broker_options.collect(),
                set(|f, v| f.broker = v.parse().ok())) }
            { filter_select("Topic", "event-filter-topic", false, filter.topic.is_none(), topic_options.collect(),
                set(|f, v| {
                    f.topic = Some(v).filter(|v| !v.is_empty());
                    f.partition = None;
                })) }
            { filter_select("Partition", "event-filter-partition", partitions.is_none(), filter.partition.is_none(),
                partition_options.collect(), set(|f, v| f.partition = v.parse().ok())) }
            { filter_select("Client", "event-filter-client", false, filter.client.is_none(), client_options.collect(),
                set(|f, v| f.client = v.parse().ok())) }
            { filter_select("Area", "event-filter-area", false, filter.area.is_none(), area_options.collect(),
                set(|f, v| {
                    f.area = AREAS.iter().copied().find(|a| *a == v);
                    f.kind = None;
                })) }
            { filter_select("Type", "event-filter-type", false, filter.kind.is_none(), kind_options,
                set(|f, v| f.kind = Some(v).filter(|v| !v.is_empty()))) }
            <label class="check">
                <input type="checkbox" data-testid="event-filter-notable" checked={filter.notable_only} onchange={on_notable} />
                { " notable only" }
            </label>
        </div>
    }
}

/// A filter choice: (value, text, selected).
type FilterOption = (AttrValue, AttrValue, bool);

/// One labelled filter `<select>`: "all" (the empty value) first, then
/// `options`. A disabled one says why in its title. One function draws all
/// six filters, which keeps `EventFilters` small in the wasm bundle.
fn filter_select(
    label: &'static str,
    testid: &'static str,
    disabled: bool,
    all: bool,
    options: Vec<FilterOption>,
    onchange: Callback<Event>,
) -> Html {
    html! {
        <label>
            <span>{ label }</span>
            <select data-testid={testid} {disabled} title={disabled.then_some("Pick a topic first")} {onchange}>
                <option value="" selected={all}>{ "all" }</option>
                { for options.into_iter().map(|(value, text, selected)| html! {
                    <option {value} {selected}>{ text }</option>
                }) }
            </select>
        </label>
    }
}

#[derive(PartialEq)]
struct EventRowsProps {
    rows: Shared<Vec<Row>>,
    on_select: Callback<Select>,
}

/// The rows, drawn by `memo`: again only for new rows.
impl MemoView for EventRowsProps {
    fn view(&self) -> Html {
        event_rows(self)
    }
    fn same(&self, previous: &dyn Any) -> bool {
        same_as(self, previous)
    }
}

fn event_rows(props: &EventRowsProps) -> Html {
    if props.rows.is_empty() {
        return html! { <p class="muted" data-testid="event-rows-empty">{ "No events match." }</p> };
    }
    html! {
        <ol class="event-rows" data-testid="event-rows" onkeydown={Callback::from(move_between_rows)}
            aria-label="Events, newest first: the arrow keys, Home and End move between them">
            { for props.rows.iter().enumerate().map(|(i, row)| {
                // Roving focus: only the first row is in the Tab order; arrows reach the rest.
                let tabindex = if i == 0 { "0" } else { "-1" };
                let class = class_list("event-row", &[(!row.tone.is_empty(), &format!("ev-{}", row.tone))]);
                let brokers = row.brokers.iter().map(|b| b.to_string()).collect::<Vec<_>>().join(",");
                match &row.target {
                    Some(target) => {
                        let onclick = {
                            let target = target.clone();
                            props.on_select.reform(move |_: MouseEvent| target.clone())
                        };
                        html! {
                            <li key={row.seq} {class} data-brokers={brokers}>
                                <button type="button" class="linkish event-text" data-testid="event-row" {tabindex} {onclick}>
                                    { row.text.clone() }
                                </button>
                            </li>
                        }
                    }
                    None => html! {
                        <li key={row.seq} {class} data-brokers={brokers}><span class="event-text" data-testid="event-row" {tabindex}>{ row.text.clone() }</span></li>
                    },
                }
            }) }
        </ol>
    }
}

/// ArrowDown / ArrowUp / Home / End on the event list: focus the next,
/// previous, newest or oldest row.
fn move_between_rows(e: KeyboardEvent) {
    use wasm_bindgen::JsCast;
    let (Some(list), Some(target)) = (
        e.current_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()),
        e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()),
    ) else {
        return;
    };
    let Ok(nodes) = list.query_selector_all("[data-testid=event-row]") else { return };
    let rows: Vec<web_sys::HtmlElement> =
        (0..nodes.length()).filter_map(|i| nodes.item(i)).filter_map(|n| n.dyn_into().ok()).collect();
    let Some(at) = rows.iter().position(|r| r.as_ref() as &web_sys::Element == &target) else { return };
    let next = match e.key().as_str() {
        "ArrowDown" => (at + 1).min(rows.len() - 1),
        "ArrowUp" => at.saturating_sub(1),
        "Home" => 0,
        "End" => rows.len() - 1,
        _ => return,
    };
    e.prevent_default();
    let _ = rows[next].focus();
}
