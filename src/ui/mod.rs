//! The browser app (Yew). One reducer (`state::AppState`) owns the engine;
//! the frame loop (`driver`) ticks it; components get data and `on_<verb>`
//! callbacks and hold no Kafka logic.
//!
//! Modules:
//! - `state`: the reducer, its actions, and the shared values the views read.
//! - `driver`: the requestAnimationFrame loop. `shortcuts`: keys and the help overlay.
//! - `controls`: play / pause / step / speed / clock / seed / scenario.
//! - `cluster`: the network picture with messages in flight, and the brokers with their replicas.
//! - `log_view`: each partition's log as cells, with HW, LEO, segments and consumer positions.
//! - `panels`: clients, actions, event log, metrics and lag chart (see /work/notes/ui-contract.md).
//! - `model`: questions about a snapshot that several views ask. `history`: sampled lag and metrics.
//! - `scenarios`: the built-in scenarios and the benchmark cluster.
//!
//! URL parameters: `?scenario=<id>` (a built-in, see `scenarios::BUILT_IN`),
//! `&seed=<n>`, `&speed=<x>`, `&paused`; `?bench` loads the frame-time
//! benchmark cluster (`?bench=brokers,partitions,groups,consumers,records_per_sec`
//! to change it) and records frame times (see `driver`).

pub mod cluster;
pub mod controls;
pub mod driver;
pub mod history;
pub mod log_view;
pub mod model;
pub mod panels;
pub mod scenarios;
pub mod session;
pub mod shortcuts;
pub mod state;

pub use state::{Action, AppState};

use yew::prelude::*;

use cluster::ClusterView;
use controls::Controls;
use log_view::LogView;
use panels::{ActionsPanel, ClientsPanel, EventLog, LagChart, MetricsPanel};
use scenarios::BenchSpec;
use shortcuts::HelpOverlay;
use state::{clamp_speed, Select};

use crate::engine::command::{Command, CommandError};

/// What the page's URL asks for.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Boot {
    pub scenario: Option<String>,
    pub seed: Option<u64>,
    pub speed: Option<f64>,
    pub paused: bool,
    pub bench: Option<BenchSpec>,
    /// A shared session: the `#s=` fragment, still percent-encoded.
    pub shared: Option<String>,
}

impl Boot {
    /// Parses a query string (`?scenario=quickstart&seed=3`). Unknown or
    /// malformed parameters are ignored: a bad URL still opens the app.
    pub fn from_query(query: &str) -> Boot {
        let mut boot = Boot::default();
        for pair in query.trim_start_matches('?').split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "scenario" => boot.scenario = Some(value.to_string()),
                "seed" => boot.seed = value.parse().ok(),
                "speed" => boot.speed = crate::float_text::parse(value).map(clamp_speed),
                "paused" => boot.paused = true,
                "bench" => {
                    let mut spec = BenchSpec::default();
                    let numbers: Vec<f64> = value.split(',').filter_map(crate::float_text::parse).collect();
                    if let [b, p, g, c, r, ..] = numbers[..] {
                        spec = BenchSpec {
                            brokers: (b as i32).clamp(1, 64),
                            partitions: (p as i32).clamp(1, 512),
                            groups: (g as u32).min(32),
                            consumers: (c as u32).min(64),
                            records_per_sec: r.clamp(0.0, 1e6),
                        };
                    }
                    boot.bench = Some(spec);
                }
                _ => {}
            }
        }
        boot
    }

    fn from_location() -> Boot {
        let location = web_sys::window().map(|w| w.location());
        let query = location.as_ref().and_then(|l| l.search().ok()).unwrap_or_default();
        let mut boot = Boot::from_query(&query);
        let hash = location.and_then(|l| l.hash().ok()).unwrap_or_default();
        boot.shared = hash.strip_prefix("#s=").map(str::to_string);
        boot
    }

    /// The first state: the bench cluster, the scenario asked for, or the
    /// default (a scenario that fails to load falls back to the default and says why).
    pub fn initial_state(&self) -> AppState {
        let mut state = if let Some(spec) = self.bench {
            spec.scenario().and_then(|s| AppState::start("bench".to_string(), s, self.seed)).unwrap_or_else(|e| {
                let mut s = AppState::default();
                s.load_error = Some(e);
                s
            })
        } else if let Some(encoded) = &self.shared {
            session::decode(encoded)
                .and_then(|json| scenarios::parse(&json).map_err(|e| format!("the shared link's scenario: {e}")))
                .and_then(|s| AppState::start("shared".to_string(), s, self.seed))
                .unwrap_or_else(|e| {
                    let mut s = AppState::default();
                    s.load_error = Some(e);
                    s
                })
        } else if let Some(id) = &self.scenario {
            AppState::load(id, self.seed).unwrap_or_else(|e| {
                let mut s = AppState::default();
                s.load_error = Some(e);
                s
            })
        } else {
            AppState::load(scenarios::DEFAULT_ID, self.seed).unwrap_or_default()
        };
        state.apply_boot(self);
        state
    }
}

/// The app's callbacks, made once (they only dispatch actions).
#[derive(Clone)]
struct Callbacks {
    on_toggle_play: Callback<()>,
    on_step: Callback<()>,
    on_help: Callback<()>,
    on_close_help: Callback<()>,
    on_dismiss: Callback<MouseEvent>,
    on_speed: Callback<f64>,
    on_seed: Callback<u64>,
    on_scenario: Callback<String>,
    on_apply: Callback<Command>,
    on_apply_then: Callback<(Command, Callback<Result<(), CommandError>>)>,
    on_select: Callback<Select>,
    on_export: Callback<Callback<std::rc::Rc<crate::engine::scenario::Scenario>>>,
    on_import: Callback<String>,
}

impl Callbacks {
    fn new(dispatch: UseReducerDispatcher<AppState>) -> Callbacks {
        let d = dispatch;
        let act = |make: fn() -> Action| {
            let d = d.clone();
            Callback::from(move |_: ()| d.dispatch(make()))
        };
        Callbacks {
            on_toggle_play: act(|| Action::TogglePlay),
            on_step: act(|| Action::Step),
            on_help: act(|| Action::ToggleHelp),
            on_close_help: act(|| Action::CloseHelp),
            on_dismiss: {
                let d = d.clone();
                Callback::from(move |_: MouseEvent| d.dispatch(Action::DismissOutcome))
            },
            on_speed: {
                let d = d.clone();
                Callback::from(move |speed: f64| d.dispatch(Action::SetSpeed(speed)))
            },
            on_seed: {
                let d = d.clone();
                Callback::from(move |seed: u64| d.dispatch(Action::SetSeed(seed)))
            },
            on_scenario: {
                let d = d.clone();
                Callback::from(move |id: String| d.dispatch(Action::LoadScenario { id, seed: None }))
            },
            on_apply: {
                let d = d.clone();
                Callback::from(move |command: Command| d.dispatch(Action::Apply(command)))
            },
            on_apply_then: {
                let d = d.clone();
                Callback::from(move |(command, reply): (Command, Callback<Result<(), CommandError>>)| {
                    d.dispatch(Action::ApplyThen(command, reply))
                })
            },
            on_select: {
                let d = d.clone();
                Callback::from(move |select: Select| d.dispatch(Action::Select(select)))
            },
            on_export: {
                let d = d.clone();
                Callback::from(move |reply| d.dispatch(Action::Export(reply)))
            },
            on_import: {
                let d = d.clone();
                Callback::from(move |json: String| d.dispatch(Action::LoadScenarioJson { json, seed: None }))
            },
        }
    }
}

/// What deep components can reach without props: the reducer's dispatcher.
#[derive(Clone, PartialEq)]
pub struct AppContext {
    pub dispatch: UseReducerDispatcher<AppState>,
}

#[function_component(App)]
pub fn app() -> Html {
    let boot = use_memo((), |_| Boot::from_location());
    let state = {
        let boot = boot.clone();
        use_reducer(move || boot.initial_state())
    };
    driver::use_frame_loop(state.dispatcher(), boot.bench.is_some());
    shortcuts::use_shortcuts(state.clone());

    // Made once: a new Callback never equals the old one, so callbacks made
    // on every render would re-render every component on every frame.
    let callbacks = {
        let dispatch = state.dispatcher();
        use_memo((), move |_| Callbacks::new(dispatch))
    };
    let Callbacks {
        on_toggle_play,
        on_step,
        on_help,
        on_close_help,
        on_dismiss,
        on_speed,
        on_seed,
        on_scenario,
        on_apply,
        on_apply_then,
        on_select,
        on_export,
        on_import,
    } = (*callbacks).clone();
    let dispatch = state.dispatcher();

    let s = &*state;
    let context = AppContext { dispatch: dispatch.clone() };
    html! {
        <ContextProvider<AppContext> {context}>
            <div class="app" data-testid="app">
                <header class="topbar">
                    <div class="brand">
                        <h1>{ "Kafka playground" }</h1>
                        <details class="scenario-info">
                            <summary data-testid="scenario-name">{ s.scenario.name.clone() }</summary>
                            <p>{ s.scenario.description.clone() }</p>
                        </details>
                        <session::SessionMenu {on_export} {on_import} />
                    </div>
                    <Controls playing={s.playing} speed={s.speed} now={s.now} seed={s.seed}
                        scenario_id={AttrValue::from(s.scenario.id.clone())}
                        {on_toggle_play} {on_step} {on_speed} {on_seed} {on_scenario} {on_help} />
                </header>
                <StatusLine outcome={s.last_outcome.clone()} load_error={s.load_error.clone()} on_dismiss={on_dismiss} />
                <main class="layout">
                    <div class="col-main">
                        <ClusterView snapshot={s.snapshot.clone()} flights={s.flights.clone()}
                            selected_partition={s.selection.partition.clone()} selected_broker={s.selection.broker}
                            on_apply={on_apply.clone()} on_select={on_select.clone()} />
                        <LogView snapshot={s.snapshot.clone()} truncations={s.truncations.clone()}
                            selection={s.selection.clone()} on_select={on_select.clone()} />
                    </div>
                    <div class="col-side">
                        <ClientsPanel snapshot={s.snapshot.clone()}
                            selected={s.selection.client.clone().map(AttrValue::from)}
                            on_apply={on_apply.clone()} on_select={on_select.clone()} />
                        <ActionsPanel snapshot={s.snapshot.clone()} on_apply={on_apply_then} />
                    </div>
                    <div class="col-wide">
                        <MetricsPanel snapshot={s.snapshot.clone()} history={s.history.clone()} />
                        <LagChart history={s.history.clone()} />
                        <EventLog snapshot={s.snapshot.clone()} events={s.events_shown.0.clone()} notable={s.events_shown.1.clone()}
                            on_select={on_select.clone()} />
                    </div>
                </main>
                <HelpOverlay open={s.help_open} on_close={on_close_help} />
            </div>
        </ContextProvider<AppContext>>
    }
}

#[derive(Properties, PartialEq)]
struct StatusLineProps {
    outcome: Option<state::Outcome>,
    load_error: Option<String>,
    on_dismiss: Callback<MouseEvent>,
}

/// The result of the last command (and of the last scenario load), read out by screen readers.
#[function_component(StatusLine)]
fn status_line(props: &StatusLineProps) -> Html {
    let (class, text) = if let Some(error) = &props.load_error {
        ("status status-bad", format!("Could not load the scenario: {error}"))
    } else if let Some(o) = &props.outcome {
        match &o.error {
            None => ("status status-ok", format!("{} applied at {}", o.label, model::format_time(o.time))),
            Some(e) => ("status status-bad", format!("{} refused: {e}", o.label)),
        }
    } else {
        ("status", String::new())
    };
    let visible = !text.is_empty();
    html! {
        <div class={class} role="status" aria-live="polite" data-testid="status">
            if visible {
                <span>{ text }</span>
                <button class="btn btn-link" onclick={props.on_dismiss.clone()} aria-label="Dismiss">{ "✕" }</button>
            }
        </div>
    }
}
