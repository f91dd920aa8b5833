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
//! - `session`: export / import / share links. `autosave`: the session kept in `localStorage`.
//! - `lesson`: the scenario's narration and predict-then-check question.
//!
//! URL parameters: `?scenario=<id>` (a built-in, see `scenarios::BUILT_IN`),
//! `&seed=<n>`, `&speed=<x>`, `&paused`; `&embed` shows the chrome-less view
//! for an iframe in a page of documentation (the clock controls, the cluster
//! and the log, and a link to the full playground); `?bench` loads the
//! frame-time benchmark cluster
//! (`?bench=brokers,partitions,groups,consumers,records_per_sec` to change
//! it) and records frame times (see `driver`). A URL that asks for none of
//! these resumes the session saved in this browser, if there is one.

pub mod autosave;
pub mod cluster;
pub mod controls;
pub mod driver;
pub mod fetch;
pub mod history;
pub mod lesson;
pub mod log_view;
pub mod markup;
pub mod memo;
pub mod model;
pub mod panels;
pub mod scenarios;
pub mod session;
pub mod shortcuts;
pub mod state;

pub use state::{Action, AppState};

use std::rc::Rc;

use yew::prelude::*;

use cluster::{cluster_view, use_network, ClusterViewProps};
use controls::{controls, use_controls, ControlsProps};
use lesson::{lesson_panel, LessonPanelProps};
use log_view::{log_view, LogViewProps};
use memo::memo;
use panels::throttle::{use_throttled, PANEL_REFRESH_MS};
use panels::{actions_panel, use_event_log, ActionsPanelProps, ClientsPanelProps, EventLogProps, EventLogView};
use scenarios::BenchSpec;
use shortcuts::{help_overlay, use_help_focus};
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
    /// `?embed`: the chrome-less view for an iframe.
    pub embed: bool,
    /// The session saved in this browser, read when the URL asks for
    /// nothing else (`Err`: it was damaged, and has been discarded).
    pub saved: Option<Result<autosave::Saved, String>>,
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
                "embed" => boot.embed = true,
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
        if boot.asks_for_nothing() {
            boot.saved = autosave::load();
        }
        boot
    }

    /// No scenario, share link, benchmark or embed: the plain app, which
    /// resumes the saved session.
    fn asks_for_nothing(&self) -> bool {
        self.scenario.is_none() && self.shared.is_none() && self.bench.is_none() && !self.embed
    }

    /// Whether this page keeps its session in the browser (not an embedded
    /// lesson: a page of docs must not overwrite the learner's own session;
    /// not the benchmark).
    pub fn autosaves(&self) -> bool {
        !self.embed && self.bench.is_none()
    }

    /// The full playground's URL for an embedded view: this page's URL without `embed`.
    pub fn full_app_url(href: &str) -> String {
        let (base, hash) = href.split_once('#').map_or((href, None), |(b, h)| (b, Some(h)));
        let (path, query) = base.split_once('?').unwrap_or((base, ""));
        let kept: Vec<&str> =
            query.split('&').filter(|p| !p.is_empty() && *p != "embed" && !p.starts_with("embed=")).collect();
        let mut url = path.to_string();
        if !kept.is_empty() {
            url.push('?');
            url.push_str(&kept.join("&"));
        }
        if let Some(hash) = hash {
            url.push('#');
            url.push_str(hash);
        }
        url
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
        } else if let Some(id) = self.scenario.as_ref().filter(|id| scenarios::fetched(id).is_none()) {
            AppState::load(id, self.seed).unwrap_or_else(|e| {
                let mut s = AppState::default();
                s.load_error = Some(e);
                s
            })
        } else if let Some(saved) = &self.saved {
            return Boot::resume(saved);
        } else if self.scenario.is_some() {
            // A lesson served as a file: the app fetches it once mounted (`load_scenario`).
            AppState::default()
        } else {
            AppState::load(scenarios::DEFAULT_ID, self.seed).unwrap_or_default()
        };
        state.apply_boot(self);
        state
    }

    /// The saved session, replayed to the time it had reached and paused
    /// there; one that cannot be replayed is discarded and the app opens
    /// the default scenario saying why.
    fn resume(saved: &Result<autosave::Saved, String>) -> AppState {
        let resumed = saved.clone().and_then(|saved| {
            let scenario = scenarios::parse(&saved.scenario_json).map_err(|e| e.to_string())?;
            let script = saved.script.iter().filter_map(|&i| scenario.actions.get(i as usize).cloned()).collect();
            let mut state = AppState::start(saved.id, scenario, None)?.with_script(script);
            state.run_to(saved.now.min(autosave::RESUME_MAX_MS));
            state.playing = false;
            Ok(state)
        });
        resumed.unwrap_or_else(|e| {
            autosave::clear();
            let mut s = AppState::default();
            s.load_error =
                Some(format!("the session saved in this browser could not be resumed ({e}); it was discarded"));
            s
        })
    }
}

/// Restarts with a scenario of the picker: a compiled-in one at once, a
/// lesson served as a file once fetched (a failed fetch is reported and
/// the running cluster stays).
pub fn load_scenario(dispatch: &UseReducerDispatcher<AppState>, id: String, seed: Option<u64>) {
    let Some(file) = scenarios::fetched(&id).map(|b| b.file()) else {
        dispatch.dispatch(Action::LoadScenario { id, seed });
        return;
    };
    let dispatch = dispatch.clone();
    fetch::fetch_text(
        &file,
        Callback::from(move |text: Result<String, String>| {
            dispatch.dispatch(match text {
                Ok(json) => Action::LoadScenarioText { id: id.clone(), json, seed },
                Err(message) => Action::LoadFailed(message),
            })
        }),
    );
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
    on_seek: Callback<crate::engine::time::Millis>,
    on_fork: Callback<()>,
    on_play: Callback<()>,
    on_answer: Callback<u32>,
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
                Callback::from(move |id: String| load_scenario(&d, id, None))
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
            on_seek: {
                let d = d.clone();
                Callback::from(move |time| d.dispatch(Action::Seek(time)))
            },
            on_fork: act(|| Action::Fork),
            on_play: act(|| Action::Play),
            on_answer: {
                let d = d.clone();
                Callback::from(move |choice: u32| d.dispatch(Action::Answer(choice)))
            },
        }
    }
}

#[derive(Properties, PartialEq, Default)]
pub struct AppProps {
    /// What to open; by default the page's URL (and the saved session) decide.
    #[prop_or_default]
    pub boot: Option<Rc<Boot>>,
}

#[function_component(App)]
pub fn app(props: &AppProps) -> Html {
    let boot = {
        let given = props.boot.clone();
        use_memo((), move |_| given.map_or_else(Boot::from_location, |b| (*b).clone()))
    };
    let state = {
        let boot = boot.clone();
        use_reducer(move || boot.initial_state())
    };
    driver::use_frame_loop(state.dispatcher(), boot.bench.is_some());
    shortcuts::use_shortcuts(state.clone());
    autosave::use_autosave(state.clone(), boot.autosaves());
    {
        // `?scenario=` naming a lesson served as a file: fetch it once.
        let (dispatch, boot) = (state.dispatcher(), boot.clone());
        use_effect_with((), move |_| {
            if let Some(id) = boot.scenario.clone().filter(|id| scenarios::fetched(id).is_some()) {
                load_scenario(&dispatch, id, boot.seed);
            }
        });
    }
    // The "resumed" note stays until dismissed or the run is replaced.
    let resumed = {
        let at = boot.saved.as_ref().and_then(|s| s.as_ref().ok()).map(|s| s.now);
        let run = Rc::as_ptr(&state.scenario.0) as usize;
        use_state(move || at.map(|at| (at, run)))
    };

    // The panels beside the cluster picture get their data through one
    // throttle (`panels::throttle`); the cluster and the log get every frame.
    let (panel_snapshot, panel_history, panel_events, panel_notable) = use_throttled(
        (state.snapshot.clone(), state.history.clone(), state.events_shown.0.clone(), state.events_shown.1.clone()),
        PANEL_REFRESH_MS,
    );

    // The state of the parts drawn by functions: the cluster's and the log's
    // switches, the last share link.
    let show_internal = use_state(|| false);
    let show_all_partitions = use_state(|| false);
    let share_url = use_state(|| None::<String>);
    let help_focus = use_help_focus(state.help_open);
    let controls_state = use_controls(state.seed);
    let network = use_network(state.snapshot.clone(), state.flights.clone());

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
        on_seek,
        on_fork,
        on_play,
        on_answer,
    } = (*callbacks).clone();
    let later_commands = state.later_commands() as u32;
    let events_panel = EventLogProps {
        snapshot: panel_snapshot.clone(),
        events: panel_events,
        notable: panel_notable,
        on_select: on_select.clone(),
        history: panel_history,
    };
    let event_log_state = use_event_log(&events_panel);

    let s = &*state;
    let embed = boot.embed;
    // Embedded (one lesson in a page of docs): the clock, the lesson, the
    // cluster and the log, and a way out to the full playground.
    let full_app = embed
        .then(|| web_sys::window().and_then(|w| w.location().href().ok()).map(|h| Boot::full_app_url(&h)))
        .flatten();
    let lesson = s.lesson.clone().map(|lesson| {
        lesson_panel(LessonPanelProps { lesson, progress: s.lesson_progress, playing: s.playing, on_answer, on_play })
    });
    let this_run = Rc::as_ptr(&s.scenario.0) as usize;
    let resumed_note = resumed.filter(|(_, run)| *run == this_run).map(|(at, _)| at);
    let on_start_fresh = on_scenario.reform(|_: MouseEvent| scenarios::DEFAULT_ID.to_string());
    let on_keep = {
        let resumed = resumed.clone();
        Callback::from(move |_: MouseEvent| resumed.set(None))
    };
    html! {
        <div class={if embed { "app embed" } else { "app" }} data-testid="app">
            <header class="topbar">
                <div class="brand">
                    if !embed {
                        <h1>{ "Kafka playground" }</h1>
                    }
                    <details class="scenario-info">
                        <summary data-testid="scenario-name">{ s.scenario.name.clone() }</summary>
                        <p>{ s.scenario.description.clone() }</p>
                    </details>
                    if let Some(href) = full_app {
                        <a href={href} target="_blank" rel="noopener" data-testid="open-full">
                            { "Open in the Kafka playground ↗" }
                        </a>
                    } else if !embed {
                        { session::session_menu(session::SessionProps { on_export, on_import, share_url }) }
                    }
                </div>
                { controls(ControlsProps { compact: embed, playing: s.playing, speed: s.speed, now: s.now, seed: s.seed,
                    scenario_id: AttrValue::from(s.scenario.id.clone()),
                    horizon: s.horizon, later_commands, on_seek, on_fork,
                    on_toggle_play, on_step, on_speed, on_seed, on_scenario: on_scenario.clone(), on_help }, &controls_state) }
            </header>
            { status_line(StatusLineProps { outcome: s.last_outcome.clone(), load_error: s.load_error.clone(), on_dismiss }) }
            if let Some(at) = resumed_note {
                <div class="resumed" role="status" data-testid="resumed">
                    <span>{ format!("Resumed your last session from this browser: {} at t = {}, paused.", s.scenario.name, model::format_time(at)) }</span>
                    <button type="button" class="btn" data-testid="resumed-keep" onclick={on_keep}>{ "OK" }</button>
                    <button type="button" class="btn" data-testid="resumed-fresh" onclick={on_start_fresh}>{ "Start fresh" }</button>
                </div>
            }
            <main class="layout">
                <div class="col-main">
                    if embed {
                        { lesson.clone() }
                    }
                    { cluster_view(ClusterViewProps { snapshot: s.snapshot.clone(), flights: s.flights.clone(),
                        selected_partition: s.selection.partition.clone(), selected_broker: s.selection.broker,
                        on_apply: on_apply.clone(), on_select: on_select.clone(), show_internal, network }) }
                    { log_view(LogViewProps { snapshot: s.snapshot.clone(), truncations: s.truncations.clone(),
                        selection: s.selection.clone(), on_select: on_select.clone(), show_all: show_all_partitions }) }
                </div>
                if !embed {
                    <div class="col-side">
                        { lesson }
                        { memo(None, Rc::new(ClientsPanelProps { snapshot: panel_snapshot.clone(),
                            selected: s.selection.client.clone().map(AttrValue::from),
                            on_apply: on_apply.clone(), on_select: on_select.clone() })) }
                        { actions_panel(&ActionsPanelProps { snapshot: s.snapshot.clone(), on_apply: on_apply_then }) }
                    </div>
                    <div class="col-wide">
                        { memo(None, Rc::new(EventLogView { props: events_panel, state: event_log_state })) }
                    </div>
                }
            </main>
            { help_overlay(s.help_open, &on_close_help, &help_focus) }
        </div>
    }
}

struct StatusLineProps {
    outcome: Option<state::Outcome>,
    load_error: Option<String>,
    on_dismiss: Callback<MouseEvent>,
}

/// The result of the last command (and of the last scenario load), read out
/// by screen readers. (A function, not a component: one element, cheaper to
/// redraw with the app than a component type is in the wasm.)
fn status_line(props: StatusLineProps) -> Html {
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
