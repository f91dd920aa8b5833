//! The panels around the cluster view: clients, actions (forms), the event
//! log, metrics and the lag chart. (Owned by UI engineer B; the props
//! below are the contract with `ui::App`, see /work/notes/ui-contract.md.)
//!
//! Every panel gets data (shared snapshots compare by identity, so a panel
//! whose inputs did not change is not re-rendered) and `on_<verb>`
//! callbacks; none touches the engine. Formatting and input parsing live
//! here; anything that computes Kafka state lives in the engine or in
//! `ui::model`.
//!
//! Map of the modules:
//! - `clients`: the clients panel — `producer` cards and consumer `group`
//!   cards, each client with its configuration as Confluent.Kafka (C#) and
//!   Java code (`code`).
//! - `actions`: the actions panel, one form per file under `forms/`, built
//!   on the small form kit in `form` (parse, show errors next to fields).
//! - `event_log`: the filterable event log; `describe` turns every event
//!   into a sentence, `facts` says what an event is about.
//! - `metrics`: Kafka's metrics by Kafka's names, and below them
//!   `lag_chart`: lag over time; both drawn by the event log's component
//!   (the same throttled data re-renders all three).
//! - `options`: lists the forms offer (topics, groups, brokers).

pub mod actions;
pub mod clients;
pub mod code;
pub mod describe;
pub mod event_log;
pub mod facts;
pub mod form;
pub mod forms;
pub mod group;
pub mod lag_chart;
pub mod metrics;
pub mod options;
pub mod producer;
pub mod throttle;

use yew::prelude::*;

use super::history::History;
use super::state::{RecentEvents, Select, Shared};
use crate::engine::command::{Command, CommandError};
use crate::engine::snapshot::ClusterSnapshot;

pub use actions::actions_panel;
pub use clients::clients_panel;
pub use describe::describe;
pub use event_log::{event_log, use_event_log, EventLogView};
pub use metrics::metrics_panel;

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

/// What `actions::actions_panel` draws from.
#[derive(Properties, PartialEq)]
pub struct ActionsPanelProps {
    pub snapshot: Shared<ClusterSnapshot>,
    pub on_apply: ApplyThen,
}

/// What each of the actions panel's forms gets.
#[derive(Properties, PartialEq)]
pub struct FormProps {
    /// Which form.
    pub def: &'static FormDef,
    pub options: std::rc::Rc<options::FormOptions>,
    /// Only for a form that reads the cluster itself (seek): the others
    /// re-render only when their options change.
    #[prop_or_default]
    pub snapshot: Option<Shared<ClusterSnapshot>>,
    pub on_apply: ApplyThen,
}

/// One form of the actions panel: its initial values and its markup. All
/// of them are drawn by one component, `actions::ActionForm` (a component
/// type per form was Yew's per-component code a dozen times in the wasm).
pub struct FormDef {
    pub init: fn(&options::FormOptions) -> Vec<(&'static str, String)>,
    pub view: fn(&FormProps, form::FormHandle) -> Html,
}

/// The same form: each is one `static`.
impl PartialEq for FormDef {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
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
    /// For the metrics and the lag chart, drawn before the event log.
    pub history: Shared<History>,
}

/// What `metrics::metrics_panel` draws from (a function, drawn by `EventLog`).
#[derive(Properties, PartialEq)]
pub struct MetricsPanelProps {
    pub snapshot: Shared<ClusterSnapshot>,
    pub history: Shared<History>,
}
