//! The panels around the cluster view: clients, actions (forms), the event
//! log, metrics and the lag chart. (Owned by UI engineer B; the props
//! below are the contract with `ui::App`, see /work/notes/ui-contract.md.)
//!
//! Every panel gets data (shared snapshots compare by identity, so a panel
//! whose inputs did not change is not re-rendered) and `on_<verb>`
//! callbacks; none touches the engine.

use yew::prelude::*;

use super::history::History;
use super::state::{RecentEvents, Select, Shared};
use crate::engine::command::{Command, CommandError};
use crate::engine::snapshot::ClusterSnapshot;

/// Apply a command and hear back: `Ok(())`, or the engine's
/// `CommandError { field, message }` to show next to the field it names.
pub type ApplyThen = Callback<(Command, Callback<Result<(), CommandError>>)>;

#[derive(Properties, PartialEq)]
pub struct ClientsPanelProps {
    pub snapshot: Shared<ClusterSnapshot>,
    /// The selected producer or consumer, by name.
    #[prop_or_default]
    pub selected: Option<AttrValue>,
    /// Pause / resume / close / crash a client (commands whose errors go to the status line).
    pub on_apply: Callback<Command>,
    pub on_select: Callback<Select>,
}

/// Producers, and consumers by group.
#[function_component(ClientsPanel)]
pub fn clients_panel(props: &ClientsPanelProps) -> Html {
    html! {
        <section class="panel clients-panel" aria-labelledby="clients-title" data-testid="clients-panel">
            <h2 id="clients-title">{ "Clients" }</h2>
            <p>{ format!("{} producers, {} consumers", props.snapshot.producers.len(), props.snapshot.consumers.len()) }</p>
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct ActionsPanelProps {
    pub snapshot: Shared<ClusterSnapshot>,
    pub on_apply: ApplyThen,
}

/// Forms that build commands (add broker / topic / producer / consumer, produce, reset offsets...).
#[function_component(ActionsPanel)]
pub fn actions_panel(_props: &ActionsPanelProps) -> Html {
    html! {
        <section class="panel actions-panel" aria-labelledby="actions-title" data-testid="actions-panel">
            <h2 id="actions-title">{ "Actions" }</h2>
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct EventLogProps {
    /// For names of clients and brokers.
    pub snapshot: Shared<ClusterSnapshot>,
    /// The newest events of every kind (changes every frame while events flow).
    pub events: RecentEvents,
    /// The newest events that are not data-path traffic (`state::is_data_path`).
    pub notable: RecentEvents,
    pub on_select: Callback<Select>,
}

/// The event log, filterable by broker, topic, partition and client.
#[function_component(EventLog)]
pub fn event_log(props: &EventLogProps) -> Html {
    html! {
        <section class="panel event-log" aria-labelledby="events-title" data-testid="event-log">
            <h2 id="events-title">{ "Events" }</h2>
            <p>{ format!("{} events", props.events.seen()) }</p>
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct MetricsPanelProps {
    pub snapshot: Shared<ClusterSnapshot>,
    pub history: Shared<History>,
}

/// Kafka's metrics, by Kafka's names.
#[function_component(MetricsPanel)]
pub fn metrics_panel(_props: &MetricsPanelProps) -> Html {
    html! {
        <section class="panel metrics-panel" aria-labelledby="metrics-title" data-testid="metrics-panel">
            <h2 id="metrics-title">{ "Metrics" }</h2>
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct LagChartProps {
    pub history: Shared<History>,
}

/// Consumer-group lag over simulated time.
#[function_component(LagChart)]
pub fn lag_chart(_props: &LagChartProps) -> Html {
    html! {
        <section class="panel lag-chart" aria-labelledby="lag-title" data-testid="lag-chart">
            <h2 id="lag-title">{ "Consumer lag" }</h2>
        </section>
    }
}
