//! The app's one reducer. `AppState` owns the engine (a `Runner`: the
//! simulation plus its scenario schedule and command log) and everything the
//! views render: the cached cluster snapshot, the recent events, messages in
//! flight, the lag history, the clock controls and the selection.
//!
//! Views never touch the engine: they read `AppState` (through props) and
//! dispatch `Action`s. Every `Command` goes through `Runner::apply_now`; a
//! refused one comes back as a `CommandError { field, message }` (to the
//! form that sent it, through `Action::ApplyThen`, and to the status line).
//!
//! Everything here is cheap to clone: big values sit behind `Shared` (an
//! `Rc` whose equality is pointer identity, so a component whose props did
//! not change is not re-rendered and no snapshot is ever compared deeply).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::ops::Deref;
use std::rc::Rc;

use yew::{Callback, Reducible};

use super::history::{History, HISTORY_EVERY_MS, HISTORY_KEPT};
use super::scenarios;
use crate::collections::VecMap;
use crate::engine::command::{Command, CommandError};
use crate::engine::event::log::LostRecord;
use crate::engine::event::{Event, LogEvent, TimedEvent};
use crate::engine::ids::{BrokerId, NodeId, TopicPartition};
use crate::engine::record::Offset;
use crate::engine::runner::Runner;
use crate::engine::scenario::{Lesson, Scenario, TimedCommand};
use crate::engine::sim::InFlight;
use crate::engine::snapshot::{ClusterSnapshot, SnapshotOptions};
use crate::engine::time::Millis;

/// Events kept for the event log (the newest; older ones are dropped).
pub const EVENTS_KEPT: u32 = 2_000;
/// A frame longer than this (a background tab, a debugger pause) advances the
/// simulation as if it had been this long, so nothing runs minutes at once.
pub const FRAME_DT_MAX_MS: f64 = 100.0;
pub const SPEED_MIN: f64 = 0.1;
pub const SPEED_MAX: f64 = 100.0;
/// Records per replica carried in the snapshot (the log view's window).
pub const SNAPSHOT_RECORDS: u32 = 32;
/// Least wall time between snapshot rebuilds while playing. Messages in
/// flight and the clock are refreshed every frame; the snapshot (every
/// replica's log window, every client) and the re-render it causes are the
/// expensive part, so the interval grows with their measured cost (see
/// `Tuning`) to keep the frame rate up on big clusters and slow machines.
pub const SNAPSHOT_EVERY_MS: f64 = 50.0;
/// Most wall time between snapshot rebuilds while playing.
pub const SNAPSHOT_EVERY_MS_MAX: f64 = 1000.0;
/// The snapshot's share of the frame time the interval aims for: a refresh
/// costing `c` ms happens every `c / SNAPSHOT_SHARE` ms.
pub const SNAPSHOT_SHARE: f64 = 0.2;
/// A refresh (tick + render) longer than this does not fit one 60 fps frame
/// with the browser's own work...
pub const REFRESH_FITS_FRAME_MS: f64 = 6.0;
/// ...so it happens at most this often (one frame in 24 at 60 fps).
pub const SNAPSHOT_EVERY_MS_LONG: f64 = 400.0;
/// A message on the wire is drawn for at least this long (wall time), so a
/// 1 ms network hop is visible at any speed.
pub const FLIGHT_VISIBLE_MS: f64 = 450.0;
/// Most dots drawn at once (the newest win).
pub const FLIGHTS_MAX: u32 = 160;
/// Replaying to a moment (rewind, resume) samples the lag chart this often
/// (simulated ms): the window is refilled without a snapshot every 250 ms.
pub const REPLAY_SAMPLE_MS: Millis = 1_000;
/// Lost records kept per truncated replica.
pub const TRUNCATED_KEPT: u32 = 64;

/// An `Rc` compared by identity: a component re-renders when the state put a
/// new value there, never because of a deep comparison.
pub struct Shared<T: ?Sized>(pub Rc<T>);

impl<T> Shared<T> {
    pub fn new(value: T) -> Self {
        Shared(Rc::new(value))
    }
}

impl<T: ?Sized> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(Rc::clone(&self.0))
    }
}

impl<T: ?Sized> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl<T: ?Sized> Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<T: Default> Default for Shared<T> {
    fn default() -> Self {
        Shared::new(T::default())
    }
}

/// The newest events: the notable ones and the data-path ones (see
/// [`is_data_path`]) in two rings, each frame's drained events moved (never
/// copied) into one chunk of either. The newest `EVENTS_KEPT` events of every
/// kind are all among the newest `EVENTS_KEPT` of their own ring, so merging
/// the rings by sequence number gives them back; the notable-only view
/// ([`RecentEvents::notable`]) shares the notable ring's chunks.
#[derive(Clone, Default)]
pub struct RecentEvents {
    notable: Ring,
    /// Empty in the notable-only view.
    data: Ring,
}

impl PartialEq for RecentEvents {
    fn eq(&self, other: &Self) -> bool {
        self.seen() == other.seen() && self.len() == other.len()
    }
}

impl fmt::Debug for RecentEvents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecentEvents {{ len: {}, seen: {} }}", self.len(), self.seen())
    }
}

impl RecentEvents {
    fn push(&mut self, events: Vec<TimedEvent>) {
        let (data, notable): (Vec<TimedEvent>, Vec<TimedEvent>) =
            events.into_iter().partition(|e| is_data_path(&e.event));
        self.notable.push(notable, EVENTS_KEPT);
        self.data.push(data, EVENTS_KEPT);
    }

    /// The notable events only (sharing this ring's chunks).
    pub fn notable(&self) -> RecentEvents {
        RecentEvents { notable: self.notable.clone(), data: Ring::default() }
    }

    pub fn len(&self) -> u32 {
        (self.notable.len + self.data.len).min(EVENTS_KEPT)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Events pushed since the app (or scenario) started, kept or not.
    pub fn seen(&self) -> u64 {
        self.notable.seen + self.data.seen
    }

    /// Newest first: the two rings merged by sequence number.
    pub fn newest_first(&self) -> impl Iterator<Item = &TimedEvent> + '_ {
        let mut notable = self.notable.iter().rev().peekable();
        let mut data = self.data.iter().rev().peekable();
        std::iter::from_fn(move || match (notable.peek(), data.peek()) {
            (Some(n), Some(d)) if d.seq > n.seq => data.next(),
            (Some(_), _) => notable.next(),
            (None, _) => data.next(),
        })
        .take(self.len() as usize)
    }

    /// Oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &TimedEvent> + '_ {
        let mut events: Vec<&TimedEvent> = self.newest_first().collect();
        events.reverse();
        events.into_iter()
    }
}

/// Some of the newest events, oldest first: each frame's drained events are
/// one chunk, so keeping the last `keep` never copies an event.
#[derive(Clone, Default)]
struct Ring {
    /// (chunk, index of its first kept event).
    chunks: VecDeque<(Rc<[TimedEvent]>, u32)>,
    len: u32,
    /// Events ever pushed (identifies this version of the ring).
    seen: u64,
}

impl Ring {
    fn push(&mut self, events: Vec<TimedEvent>, keep: u32) {
        if events.is_empty() {
            return;
        }
        self.seen += events.len() as u64;
        self.len += events.len() as u32;
        self.chunks.push_back((events.into(), 0));
        while self.len > keep {
            let excess = self.len - keep;
            let (chunk, start) = self.chunks.front_mut().expect("len > 0 means a chunk");
            let available = chunk.len() as u32 - *start;
            if available <= excess {
                self.chunks.pop_front();
                self.len -= available;
            } else {
                *start += excess;
                self.len -= excess;
            }
        }
    }

    /// Oldest first.
    fn iter(&self) -> impl DoubleEndedIterator<Item = &TimedEvent> + '_ {
        self.chunks.iter().flat_map(|(chunk, start)| chunk[*start as usize..].iter())
    }
}

/// Whether an event is part of the steady data path (appends, high-watermark
/// moves, sends and acknowledgements) rather than a change a learner should
/// notice. The notable ones are kept in their own ring so a burst of traffic
/// never pushes a leader election out of the event log.
pub fn is_data_path(event: &Event) -> bool {
    use crate::engine::event::{ConsumerEvent, GroupEvent, ProducerEvent, ReplicationEvent};
    matches!(
        event,
        Event::Log(LogEvent::RecordsAppended { .. })
            | Event::Replication(ReplicationEvent::HwAdvanced { .. } | ReplicationEvent::LsoAdvanced { .. })
            | Event::Producer(ProducerEvent::BatchSent { .. } | ProducerEvent::RecordsAcknowledged { .. })
            | Event::Consumer(
                ConsumerEvent::RecordsFetched { .. }
                    | ConsumerEvent::RecordsProcessed { .. }
                    | ConsumerEvent::OffsetsCommitted { .. }
            )
            | Event::Group(GroupEvent::OffsetCommitted { .. })
    )
}

/// Records a replica cut off its log (a `LogTruncated` event), kept so the
/// log view can show what was lost after the offsets are reused.
#[derive(Debug, Clone, PartialEq)]
pub struct Truncation {
    pub time: Millis,
    pub broker: BrokerId,
    pub truncated_to: Offset,
    /// Oldest first; at most `TRUNCATED_KEPT`.
    pub lost: Vec<LostRecord>,
    /// Records lost in all, kept or not.
    pub lost_count: u32,
}

/// The latest truncation of each replica, by partition.
pub type Truncations = VecMap<TopicPartition, Vec<Truncation>>;

/// A message drawn on its way between two nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct Flight {
    pub from: NodeId,
    pub to: NodeId,
    /// `ProduceRequest`, `FetchResponse`, ...
    pub kind: String,
    pub records: u32,
    pub sent_at: Millis,
    pub deliver_at: Millis,
    /// Wall clock (app ms) of the frame that sent it.
    pub seen_wall_ms: f64,
}

impl Flight {
    /// How far along its link to draw it, 0..=1: the simulated progress,
    /// but never faster than `FLIGHT_VISIBLE_MS` of wall time.
    pub fn progress(&self, sim_now: f64, wall_ms: f64) -> f64 {
        let latency = (self.deliver_at - self.sent_at).max(1) as f64;
        let sim = ((sim_now - self.sent_at as f64) / latency).clamp(0.0, 1.0);
        let wall = ((wall_ms - self.seen_wall_ms) / FLIGHT_VISIBLE_MS).clamp(0.0, 1.0);
        sim.min(wall)
    }
}

/// What the frame loop measured, shared by every version of the state (it
/// changes without re-rendering anything).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tuning {
    /// Current wall time between snapshot rebuilds while playing.
    pub snapshot_every_ms: f64,
    /// Moving average of the work (tick + render) of frames that rebuilt the snapshot.
    pub refresh_cost_ms: f64,
    /// Whether the last tick rebuilt the snapshot.
    refreshed: bool,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning { snapshot_every_ms: SNAPSHOT_EVERY_MS, refresh_cost_ms: 0.0, refreshed: false }
    }
}

impl Tuning {
    /// Takes the work time of the last frame into account.
    pub fn observe(&mut self, work_ms: f64) {
        if !self.refreshed || !work_ms.is_finite() || work_ms < 0.0 {
            return;
        }
        self.refreshed = false;
        self.refresh_cost_ms =
            if self.refresh_cost_ms == 0.0 { work_ms } else { 0.8 * self.refresh_cost_ms + 0.2 * work_ms };
        let every = self.refresh_cost_ms / SNAPSHOT_SHARE;
        // A refresh too long to fit a 60 fps frame drops that frame: keep
        // those under 1 frame in 20 so the 95th percentile frame stays on time.
        let every =
            if self.refresh_cost_ms > REFRESH_FITS_FRAME_MS { every.max(SNAPSHOT_EVERY_MS_LONG) } else { every };
        self.snapshot_every_ms = every.clamp(SNAPSHOT_EVERY_MS, SNAPSHOT_EVERY_MS_MAX);
    }
}

/// Messages being drawn, and the clocks to place them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Flights {
    pub items: Vec<Flight>,
    /// Simulated time including the fraction of a millisecond not yet run.
    pub sim_now: f64,
    /// App wall clock, ms.
    pub wall_ms: f64,
}

/// What the views have selected.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Selection {
    /// The topic the log view shows.
    pub topic: Option<String>,
    /// The partition shown with every replica.
    pub partition: Option<TopicPartition>,
    /// A record whose details are shown.
    pub record: Option<(TopicPartition, Offset)>,
    pub broker: Option<BrokerId>,
    /// A producer or consumer, by name.
    pub client: Option<String>,
}

/// A change of selection.
#[derive(Debug, Clone, PartialEq)]
pub enum Select {
    Topic(String),
    Partition(TopicPartition),
    Record(TopicPartition, Offset),
    Broker(BrokerId),
    Client(String),
    /// Clear the record, broker and client selection (keeps the topic).
    Clear,
}

/// The result of the last command, for the status line.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Increases with every command, so two equal outcomes still differ.
    pub seq: u64,
    /// The command's type (`kill_broker`).
    pub label: String,
    pub time: Millis,
    pub error: Option<CommandError>,
    /// App wall clock when it happened (a success is shown for `OUTCOME_SHOWN_MS`).
    pub wall_ms: f64,
}

/// How long a successful command's outcome stays on screen (wall ms); refusals stay until dismissed.
pub const OUTCOME_SHOWN_MS: f64 = 5000.0;

/// The scenario running now.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedScenario {
    /// The built-in's id (`new-cluster`, `quickstart`, ...), or `imported`.
    pub id: String,
    pub name: String,
    pub description: String,
    pub scenario: Scenario,
    /// A built-in's own timed commands (a lesson's script). Forking keeps
    /// these and forgets the rest: what the learner did, in this page or
    /// in a saved, imported or shared session.
    pub script: Vec<TimedCommand>,
}

/// Where the learner is in the scenario's question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QuestionPhase {
    /// Its time has not come: nothing shown.
    #[default]
    Ahead,
    /// The clock reached `question.at`: the choices are open.
    Asked,
    /// The clock reached `question.check_at`: the answer is revealed.
    Checked,
}

/// The learner's progress through the scenario's lesson, a function of the
/// simulated clock and the choice picked. A new run (reload, other seed,
/// other scenario) starts from `Default`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LessonProgress {
    /// Narration steps whose time has come (the first `reached` are shown).
    pub reached: u32,
    pub phase: QuestionPhase,
    /// The choice picked, an index into `question.choices`.
    pub chosen: Option<u32>,
}

impl LessonProgress {
    /// Whether the choice picked is right, once the answer is revealed
    /// (`None` before, or when nothing was picked).
    pub fn verdict(&self, lesson: &Lesson) -> Option<bool> {
        let question = lesson.question.as_ref()?;
        (self.phase == QuestionPhase::Checked).then_some(())?;
        self.chosen.map(|c| c == question.answer)
    }

    fn at(lesson: &Lesson, now: Millis, chosen: Option<u32>) -> LessonProgress {
        let reached = lesson.steps.iter().take_while(|s| s.at <= now).count() as u32;
        let phase = match &lesson.question {
            Some(q) if now >= q.check_at => QuestionPhase::Checked,
            Some(q) if now >= q.at => QuestionPhase::Asked,
            _ => QuestionPhase::Ahead,
        };
        LessonProgress { reached, phase, chosen }
    }
}

/// Everything a person (or the frame loop) can do.
pub enum Action {
    /// One animation frame: `dt_ms` of wall time passed.
    Tick {
        dt_ms: f64,
    },
    Play,
    Pause,
    TogglePlay,
    /// Advance to the next moment something happens (pauses first).
    Step,
    /// Simulation ms per wall ms, clamped to `SPEED_MIN..=SPEED_MAX`.
    SetSpeed(f64),
    /// The frame loop measured the last frame's work (tick and render), in ms.
    /// Tunes the snapshot interval; re-renders nothing.
    FrameCost {
        work_ms: f64,
    },
    /// Apply a command now; the result goes to the status line.
    Apply(Command),
    /// Apply a command now and tell `reply` the result (forms show the error next to the field).
    ApplyThen(Command, Callback<Result<(), CommandError>>),
    /// Restart with a built-in scenario (`scenarios::BUILT_IN`), with its own seed unless one is given.
    LoadScenario {
        id: String,
        seed: Option<u64>,
    },
    /// Restart with a scenario file's text (import); errors go to `load_error`.
    LoadScenarioJson {
        json: String,
        seed: Option<u64>,
    },
    /// Restart with a picked lesson's file, fetched from the site (`scenarios::fetched`).
    LoadScenarioText {
        id: String,
        json: String,
        seed: Option<u64>,
    },
    /// A scenario could not be had (a fetch failed): say why, keep the running cluster.
    LoadFailed(String),
    /// Hand `reply` the session as a scenario (export, share link); changes nothing.
    Export(Callback<Rc<Scenario>>),
    /// Rewind (or go forward) to a moment of this run: the run is rebuilt
    /// from its scenario, seed and command log and replayed to it, paused.
    /// Commands given later stay scheduled and happen again as it plays.
    Seek(Millis),
    /// After rewinding: forget the commands given after now, so the run
    /// goes another way from here ("fork from here").
    Fork,
    /// Restart the current scenario with another seed.
    SetSeed(u64),
    /// Pick a choice of the lesson's question (only while it is asked).
    Answer(u32),
    Select(Select),
    ToggleHelp,
    CloseHelp,
    DismissOutcome,
}

impl fmt::Debug for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Tick { dt_ms } => write!(f, "Tick({dt_ms})"),
            Action::FrameCost { work_ms } => write!(f, "FrameCost({work_ms})"),
            Action::Apply(c) | Action::ApplyThen(c, _) => write!(f, "Apply({})", c.label()),
            Action::LoadScenario { id, seed } => write!(f, "LoadScenario({id}, {seed:?})"),
            Action::LoadScenarioJson { .. } => f.write_str("LoadScenarioJson"),
            Action::LoadScenarioText { id, .. } => write!(f, "LoadScenarioText({id})"),
            Action::LoadFailed(e) => write!(f, "LoadFailed({e})"),
            Action::Export(_) => f.write_str("Export"),
            Action::SetSpeed(s) => write!(f, "SetSpeed({s})"),
            Action::SetSeed(s) => write!(f, "SetSeed({s})"),
            Action::Seek(t) => write!(f, "Seek({t})"),
            Action::Fork => f.write_str("Fork"),
            Action::Answer(c) => write!(f, "Answer({c})"),
            Action::Select(s) => write!(f, "Select({s:?})"),
            Action::Play => f.write_str("Play"),
            Action::Pause => f.write_str("Pause"),
            Action::TogglePlay => f.write_str("TogglePlay"),
            Action::Step => f.write_str("Step"),
            Action::ToggleHelp => f.write_str("ToggleHelp"),
            Action::CloseHelp => f.write_str("CloseHelp"),
            Action::DismissOutcome => f.write_str("DismissOutcome"),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    /// The engine. Only the reducer borrows it.
    runner: Rc<RefCell<Runner>>,
    pub scenario: Shared<LoadedScenario>,
    /// Rebuilt every `tuning.snapshot_every_ms` while playing, and after every command or step.
    pub snapshot: Shared<ClusterSnapshot>,
    /// Every frame.
    pub flights: Shared<Flights>,
    /// The newest `EVENTS_KEPT` events of every kind, and (`events.notable()`)
    /// the newest `EVENTS_KEPT` that are not data-path traffic (see `is_data_path`).
    pub events: RecentEvents,
    /// `events` and `events.notable()` as of the last snapshot rebuild: what the event
    /// log shows, so it re-renders with the snapshot rather than every frame.
    pub events_shown: (RecentEvents, RecentEvents),
    pub truncations: Shared<Truncations>,
    /// Sampled metrics and lag over time (see `history`).
    pub history: Shared<History>,
    /// Simulated now (every frame).
    pub now: Millis,
    /// The furthest simulated time this run has reached: the timeline's end
    /// (after rewinding, `now` is behind it).
    pub horizon: Millis,
    pub playing: bool,
    /// Simulation ms per wall ms.
    pub speed: f64,
    pub seed: u64,
    pub selection: Selection,
    pub help_open: bool,
    pub last_outcome: Option<Outcome>,
    /// The scenario's lesson, if it has one (the lesson panel shows only then).
    pub lesson: Option<Shared<Lesson>>,
    pub lesson_progress: LessonProgress,
    /// Why the last scenario load failed (the running cluster is unchanged).
    pub load_error: Option<String>,
    /// Wall time the app has run, ms (sum of frame dts).
    pub wall_ms: f64,
    /// Fraction of a simulated ms owed to the simulation.
    carry_ms: f64,
    since_snapshot_ms: f64,
    next_outcome_seq: u64,
    tuning: Rc<std::cell::Cell<Tuning>>,
}

impl PartialEq for AppState {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.runner, &other.runner)
            && self.snapshot == other.snapshot
            && self.flights == other.flights
            && self.events == other.events
            && self.now == other.now
            && self.horizon == other.horizon
            && self.playing == other.playing
            && self.speed == other.speed
            && self.selection == other.selection
            && self.help_open == other.help_open
            && self.last_outcome == other.last_outcome
            && self.lesson_progress == other.lesson_progress
            && self.load_error == other.load_error
    }
}

impl fmt::Debug for AppState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppState")
            .field("scenario", &self.scenario.id)
            .field("now", &self.now)
            .field("playing", &self.playing)
            .field("speed", &self.speed)
            .field("seed", &self.seed)
            .finish_non_exhaustive()
    }
}

impl Default for AppState {
    /// The default scenario (`scenarios::DEFAULT_ID`), playing at 1×.
    fn default() -> Self {
        AppState::load(scenarios::DEFAULT_ID, None).expect("the built-in default scenario loads")
    }
}

impl AppState {
    /// A built-in scenario, with its own seed unless `seed` is given.
    pub fn load(id: &str, seed: Option<u64>) -> Result<AppState, String> {
        let built_in = scenarios::find(id).ok_or_else(|| format!("no built-in scenario named {id:?}"))?;
        let scenario = built_in.scenario()?;
        let script = scenario.actions.clone();
        AppState::start(built_in.id.to_string(), scenario, seed).map(|state| state.with_script(script))
    }

    /// A running cluster for `scenario`, paused at time 0 until `Play`.
    pub fn start(id: String, scenario: Scenario, seed: Option<u64>) -> Result<AppState, String> {
        let seed = seed.unwrap_or(scenario.seed);
        let mut runner = Runner::new(&scenario, seed).map_err(|e| e.to_string())?;
        // Every message sent is drawn (the newest FLIGHTS_MAX of each frame).
        runner.sim.record_wire(FLIGHTS_MAX);
        let snapshot = runner.sim.snapshot(SnapshotOptions { max_records_per_partition: SNAPSHOT_RECORDS });
        let lesson = scenario.lesson.clone().map(Shared::new);
        // No script until the caller says which commands are the scenario's own (`with_script`).
        let loaded = LoadedScenario {
            id,
            name: scenario.name.clone(),
            description: scenario.description.clone(),
            scenario,
            script: Vec::new(),
        };
        let mut state = AppState {
            runner: Rc::new(RefCell::new(runner)),
            scenario: Shared::new(loaded),
            snapshot: Shared::new(snapshot),
            flights: Shared::default(),
            events: RecentEvents::default(),
            events_shown: Default::default(),
            truncations: Shared::default(),
            history: Shared::default(),
            now: 0,
            horizon: 0,
            playing: true,
            speed: 1.0,
            seed,
            selection: Selection::default(),
            help_open: false,
            last_outcome: None,
            lesson,
            lesson_progress: LessonProgress::default(),
            load_error: None,
            wall_ms: 0.0,
            carry_ms: 0.0,
            since_snapshot_ms: 0.0,
            next_outcome_seq: 1,
            tuning: Rc::default(),
        };
        state.after_sim_moved(true);
        state.selection.topic = state.default_topic();
        Ok(state)
    }

    /// What the URL asked for: a speed, starting paused.
    pub fn apply_boot(&mut self, boot: &super::Boot) {
        if let Some(speed) = boot.speed {
            self.speed = clamp_speed(speed);
        }
        if boot.paused {
            self.playing = false;
        }
    }

    /// What the frame loop measured (the snapshot interval and its cost).
    pub fn tuning(&self) -> Tuning {
        self.tuning.get()
    }

    /// The engine, read-only (tests and the bench read it; views must not).
    pub fn runner(&self) -> std::cell::Ref<'_, Runner> {
        self.runner.borrow()
    }

    /// The session as a scenario file: the loaded scenario with this run's
    /// seed and, as its timed actions, every command applied so far
    /// (scheduled ones included) then those still pending. Loading it (a
    /// file or a share link) replays the same run: same seed, same
    /// commands at the same times, the same trace.
    pub fn session_scenario(&self) -> Scenario {
        let runner = self.runner.borrow();
        let mut scenario = self.scenario.scenario.clone();
        scenario.seed = self.seed;
        scenario.actions = runner.log().iter().chain(runner.pending()).cloned().collect();
        scenario
    }

    /// The first non-internal topic, the log view's default.
    fn default_topic(&self) -> Option<String> {
        self.snapshot.metadata.topics.values().find(|t| !t.is_internal).map(|t| t.name.clone())
    }

    /// Drains the simulation's new events into the rings, refreshes flights,
    /// and rebuilds the snapshot when `refresh` (or when it is due).
    fn after_sim_moved(&mut self, refresh: bool) {
        let events = self.runner.borrow_mut().sim.drain_events();
        self.take_events(events);
        let (now, sent) = {
            let mut runner = self.runner.borrow_mut();
            (runner.sim.now(), runner.sim.drain_wire_log())
        };
        self.now = now;
        self.horizon = self.horizon.max(now);
        if let Some(lesson) = &self.lesson {
            self.lesson_progress = LessonProgress::at(lesson, now, self.lesson_progress.chosen);
        }
        self.update_flights(sent);
        let mut tuning = self.tuning.get();
        tuning.refreshed = refresh || self.since_snapshot_ms >= tuning.snapshot_every_ms;
        self.tuning.set(tuning);
        if tuning.refreshed {
            self.refresh_snapshot();
        }
    }

    fn refresh_snapshot(&mut self) {
        let snapshot =
            self.runner.borrow().sim.snapshot(SnapshotOptions { max_records_per_partition: SNAPSHOT_RECORDS });
        let mut history = (*self.history).clone();
        if history.observe(&snapshot) {
            self.history = Shared::new(history);
        }
        self.snapshot = Shared::new(snapshot);
        self.events_shown = (self.events.clone(), self.events.notable());
        self.since_snapshot_ms = 0.0;
        if self.selection.topic.as_ref().is_none_or(|t| !self.snapshot.metadata.topics.contains_key(t)) {
            self.selection.topic = self.default_topic();
        }
    }

    fn take_events(&mut self, events: Vec<TimedEvent>) {
        if events.is_empty() {
            return;
        }
        let mut truncations: Option<Truncations> = None;
        for e in &events {
            if let Event::Log(LogEvent::LogTruncated { tp, broker, truncated_to, lost }) = &e.event {
                let map = truncations.get_or_insert_with(|| (*self.truncations).clone());
                let list = map.entry(tp.clone()).or_default();
                list.retain(|t| t.broker != *broker);
                let skip = lost.len().saturating_sub(TRUNCATED_KEPT as usize);
                list.push(Truncation {
                    time: e.time,
                    broker: *broker,
                    truncated_to: *truncated_to,
                    lost: lost[skip..].to_vec(),
                    lost_count: lost.len() as u32,
                });
            }
        }
        if let Some(map) = truncations {
            self.truncations = Shared::new(map);
        }
        self.events.push(events);
    }

    /// Drops the flights that arrived (and were drawn long enough) and adds `sent`.
    fn update_flights(&mut self, sent: Vec<InFlight>) {
        let wall = self.wall_ms;
        let sim_now = self.now as f64 + self.carry_ms;
        let old = &self.flights.items;
        if sent.is_empty() && old.is_empty() {
            return;
        }
        let mut items: Vec<Flight> = old
            .iter()
            .filter(|f| f.deliver_at as f64 > sim_now || wall - f.seen_wall_ms < FLIGHT_VISIBLE_MS)
            .cloned()
            .collect();
        let skip = sent.len().saturating_sub(FLIGHTS_MAX as usize);
        items.extend(sent.into_iter().skip(skip).map(|m| Flight {
            from: m.from,
            to: m.to,
            kind: m.kind,
            records: m.records,
            sent_at: m.sent_at,
            deliver_at: m.deliver_at,
            seen_wall_ms: wall,
        }));
        let excess = items.len().saturating_sub(FLIGHTS_MAX as usize);
        items.drain(..excess);
        self.flights = Shared::new(Flights { items, sim_now, wall_ms: wall });
    }

    fn tick(&mut self, dt_ms: f64) {
        let dt = if dt_ms.is_finite() { dt_ms.clamp(0.0, FRAME_DT_MAX_MS) } else { 0.0 };
        self.wall_ms += dt;
        if self.last_outcome.as_ref().is_some_and(|o| o.error.is_none() && self.wall_ms - o.wall_ms > OUTCOME_SHOWN_MS)
        {
            self.last_outcome = None;
        }
        if !self.playing {
            self.update_flights(Vec::new());
            return;
        }
        self.since_snapshot_ms += dt;
        self.carry_ms += dt * self.speed;
        let whole = self.carry_ms.floor();
        self.carry_ms -= whole;
        let mut stopped = false;
        if whole >= 1.0 {
            let mut target = self.now + whole as Millis;
            // Frames advance in jumps: stop exactly where the lesson asks or checks.
            if let Some(stop) = self.lesson_stop().filter(|s| *s <= target) {
                target = stop;
                stopped = true;
                self.playing = false;
                self.carry_ms = 0.0;
            }
            let rejected = self.runner.borrow_mut().run_until(target);
            if let Some(r) = rejected.into_iter().last() {
                self.last_outcome = Some(Outcome {
                    seq: self.next_outcome_seq,
                    label: r.command.label(),
                    time: r.at,
                    error: Some(r.error),
                    wall_ms: self.wall_ms,
                });
                self.next_outcome_seq += 1;
            }
        }
        self.after_sim_moved(stopped);
    }

    /// The next moment the run must pause for the lesson: the question's
    /// `at`, then its `check_at`, whichever is still ahead.
    fn lesson_stop(&self) -> Option<Millis> {
        let question = self.lesson.as_ref()?.question.as_ref()?;
        [question.at, question.check_at].into_iter().find(|t| *t > self.now)
    }

    /// Runs the simulation to `time` at once (resuming a saved session,
    /// the timeline): the same run the clock would have played, commands
    /// included. The lag chart's window before `time` is sampled on the
    /// way, once a simulated second.
    pub fn run_to(&mut self, time: Millis) {
        let window = HISTORY_EVERY_MS * HISTORY_KEPT as Millis;
        let _ = self.runner.borrow_mut().run_until((time - window).max(self.now));
        loop {
            let next = (self.now + REPLAY_SAMPLE_MS).min(time);
            let _ = self.runner.borrow_mut().run_until(next);
            self.after_sim_moved(true);
            if next >= time {
                break;
            }
        }
        self.carry_ms = 0.0;
    }

    /// The commands given after now in this run (not a built-in's own
    /// script): what `Fork` forgets.
    pub fn later_commands(&self) -> usize {
        let runner = self.runner.borrow();
        runner.pending().iter().filter(|c| !self.scenario.script.contains(c)).count()
    }

    /// This run, rebuilt and replayed to `time` (clamped to what it has
    /// reached); the scenario, seed, selection and timeline end are kept
    /// (`restart` keeps the rest).
    fn seek(&self, time: Millis) -> Result<AppState, String> {
        let time = time.clamp(0, self.horizon);
        let mut next = AppState::start(self.scenario.id.clone(), self.session_scenario(), Some(self.seed))?;
        // The same loaded scenario (the same run for autosave and the picker, the same script).
        next.scenario = self.scenario.clone();
        // The learner's prediction survives rewinding to watch it again.
        next.lesson_progress.chosen = self.lesson_progress.chosen;
        next.run_to(time);
        next.horizon = self.horizon;
        next.selection = self.selection.clone();
        next.next_outcome_seq = self.next_outcome_seq;
        Ok(next)
    }

    /// The same run with `script` as its scenario's own commands (what Fork keeps).
    pub fn with_script(mut self, script: Vec<TimedCommand>) -> AppState {
        let mut loaded = (*self.scenario.0).clone();
        loaded.script = script;
        self.scenario = Shared::new(loaded);
        self
    }

    fn fork(&mut self) {
        let script = &self.scenario.script;
        self.runner.borrow_mut().retain_pending(|c| script.contains(c));
        // Nothing after now has happened in this version of the run.
        self.horizon = self.now;
    }

    /// Runs to the next time anything is due (a message, a timer or a
    /// scheduled command), so each step shows one moment of the cluster.
    fn step(&mut self) {
        self.playing = false;
        self.carry_ms = 0.0;
        let next = {
            let runner = self.runner.borrow();
            let queued = runner.sim.next_due();
            let scheduled = runner.pending().first().map(|c| c.at);
            match (queued, scheduled) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            }
        };
        let target = next.map_or(self.now + 1, |n| n.max(self.now));
        let target = self.lesson_stop().map_or(target, |stop| target.min(stop));
        let rejected = self.runner.borrow_mut().run_until(target);
        if let Some(r) = rejected.into_iter().last() {
            self.set_outcome(r.command.label(), Err(r.error));
        }
        self.after_sim_moved(true);
    }

    fn apply(&mut self, command: Command) -> Result<(), CommandError> {
        let label = command.label();
        let result = self.runner.borrow_mut().apply_now(command);
        self.set_outcome(label, result.clone());
        self.after_sim_moved(true);
        result
    }

    fn set_outcome(&mut self, label: String, result: Result<(), CommandError>) {
        self.last_outcome = Some(Outcome {
            seq: self.next_outcome_seq,
            label,
            time: self.now,
            error: result.err(),
            wall_ms: self.wall_ms,
        });
        self.next_outcome_seq += 1;
    }

    /// Replaces the running cluster, keeping the speed and play state; on
    /// failure the running cluster stays and `load_error` says why.
    fn restart(&self, fresh: Result<AppState, String>) -> AppState {
        match fresh {
            Ok(mut next) => {
                next.speed = self.speed;
                next.playing = self.playing;
                next.tuning = self.tuning.clone();
                next.wall_ms = self.wall_ms;
                next
            }
            Err(message) => {
                let mut same = self.clone();
                same.load_error = Some(message);
                same
            }
        }
    }

    fn select(&mut self, select: Select) {
        let s = &mut self.selection;
        match select {
            Select::Topic(topic) => {
                if s.partition.as_ref().is_some_and(|p| p.topic != topic) {
                    s.partition = None;
                }
                s.topic = Some(topic);
            }
            Select::Partition(tp) => {
                s.topic = Some(tp.topic.clone());
                s.partition = if s.partition.as_ref() == Some(&tp) { None } else { Some(tp) };
            }
            Select::Record(tp, offset) => {
                let same = s.record.as_ref().is_some_and(|(t, o)| *t == tp && *o == offset);
                s.topic = Some(tp.topic.clone());
                s.record = if same { None } else { Some((tp, offset)) };
            }
            Select::Broker(b) => s.broker = if s.broker == Some(b) { None } else { Some(b) },
            Select::Client(c) => s.client = if s.client.as_deref() == Some(c.as_str()) { None } else { Some(c) },
            Select::Clear => {
                s.record = None;
                s.broker = None;
                s.client = None;
            }
        }
    }
}

/// Clamps a requested speed into range (NaN becomes 1×).
pub fn clamp_speed(speed: f64) -> f64 {
    if speed.is_finite() {
        speed.clamp(SPEED_MIN, SPEED_MAX)
    } else {
        1.0
    }
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            // Paused with nothing moving: no new state, so nothing re-renders.
            Action::Tick { .. }
                if !self.playing
                    && self.flights.items.is_empty()
                    && self.last_outcome.as_ref().is_none_or(|o| o.error.is_some()) =>
            {
                return self
            }
            Action::Tick { dt_ms } => next.tick(dt_ms),
            Action::Export(reply) => {
                reply.emit(Rc::new(self.session_scenario()));
                return self;
            }
            Action::FrameCost { work_ms } => {
                let mut tuning = self.tuning.get();
                tuning.observe(work_ms);
                self.tuning.set(tuning);
                return self;
            }
            Action::Play => next.playing = true,
            Action::Pause => next.playing = false,
            Action::TogglePlay => next.playing = !next.playing,
            Action::Step => next.step(),
            Action::SetSpeed(speed) => next.speed = clamp_speed(speed),
            Action::Apply(command) => {
                let _ = next.apply(command);
            }
            Action::ApplyThen(command, reply) => {
                let result = next.apply(command);
                reply.emit(result);
            }
            Action::LoadScenario { id, seed } => return Rc::new(self.restart(AppState::load(&id, seed))),
            Action::LoadScenarioJson { json, seed } => {
                let fresh = scenarios::parse(&json)
                    .map_err(|e| format!("scenario file: {e}"))
                    .and_then(|s| AppState::start("imported".to_string(), s, seed));
                return Rc::new(self.restart(fresh));
            }
            Action::Seek(time) => {
                let fresh = self.seek(time);
                let rewound = fresh.is_ok();
                let mut next = self.restart(fresh);
                if rewound {
                    // A rewound run waits for Play.
                    next.playing = false;
                }
                return Rc::new(next);
            }
            Action::Fork => next.fork(),
            Action::LoadScenarioText { id, json, seed } => {
                let file = scenarios::find(&id).map_or_else(|| id.clone(), |b| b.file());
                let fresh = scenarios::parse(&json).map_err(|e| format!("{file}: {e}")).and_then(|scenario| {
                    // The file's own timed commands are the lesson's script (kept by Fork).
                    let script = scenario.actions.clone();
                    AppState::start(id, scenario, seed).map(|state| state.with_script(script))
                });
                return Rc::new(self.restart(fresh));
            }
            Action::LoadFailed(message) => return Rc::new(self.restart(Err(message))),
            Action::SetSeed(seed) => {
                let fresh = AppState::start(self.scenario.id.clone(), self.scenario.scenario.clone(), Some(seed))
                    .map(|state| state.with_script(self.scenario.script.clone()));
                return Rc::new(self.restart(fresh));
            }
            Action::Select(select) => next.select(select),
            Action::Answer(choice) => {
                let open = next.lesson_progress.phase == QuestionPhase::Asked;
                let count = next.lesson.as_ref().and_then(|l| l.question.as_ref()).map_or(0, |q| q.choices.len());
                if !open || choice as usize >= count {
                    return self;
                }
                next.lesson_progress.chosen = Some(choice);
            }
            Action::ToggleHelp => next.help_open = !next.help_open,
            Action::CloseHelp => next.help_open = false,
            Action::DismissOutcome => {
                next.last_outcome = None;
                next.load_error = None;
            }
        }
        Rc::new(next)
    }
}
