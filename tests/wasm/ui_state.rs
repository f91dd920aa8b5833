//! The app's reducer (`ui::state::AppState`): the engine behind it moves
//! only through actions, and what the views read follows.

use std::cell::RefCell;
use std::rc::Rc;

use kafka_playground::engine::command::{Command, CommandError};
use kafka_playground::engine::sim::NodeStatus;
use kafka_playground::ui::model::{self, BrokerState};
use kafka_playground::ui::state::{Action, AppState, Select, FRAME_DT_MAX_MS, SPEED_MAX, SPEED_MIN};
use kafka_playground::ui::Boot;
use wasm_bindgen_test::wasm_bindgen_test;
use yew::{Callback, Reducible};

fn fresh() -> Rc<AppState> {
    Rc::new(AppState::load("new-cluster", None).expect("the default scenario loads"))
}

fn act(state: Rc<AppState>, action: Action) -> Rc<AppState> {
    state.reduce(action)
}

#[wasm_bindgen_test]
fn every_built_in_scenario_loads() {
    for b in kafka_playground::ui::scenarios::BUILT_IN.iter().filter(|b| b.build.is_some()) {
        let state = AppState::load(b.id, None).unwrap_or_else(|e| panic!("{}: {e}", b.id));
        assert!(!state.snapshot.brokers.is_empty(), "{} has brokers", b.id);
    }
}

#[wasm_bindgen_test]
fn tick_advances_sim_time_by_dt_times_speed() {
    let state = act(fresh(), Action::SetSpeed(2.0));
    let state = act(state, Action::Tick { dt_ms: 16.0 });
    assert_eq!(state.now, 32);
    let state = act(act(state, Action::SetSpeed(0.5)), Action::Tick { dt_ms: 16.0 });
    assert_eq!(state.now, 40);
}

#[wasm_bindgen_test]
fn fractions_of_a_millisecond_carry_over_to_the_next_tick() {
    let mut state = act(fresh(), Action::SetSpeed(0.1));
    for _ in 0..25 {
        state = act(state, Action::Tick { dt_ms: 4.0 });
    }
    assert_eq!(state.now, 10, "25 ticks of 0.4 simulated ms make 10 ms");
}

#[wasm_bindgen_test]
fn a_long_frame_is_clamped_so_a_background_tab_does_not_run_minutes_at_once() {
    let state = act(fresh(), Action::Tick { dt_ms: 120_000.0 });
    assert_eq!(state.now, FRAME_DT_MAX_MS as i64);
    let state = act(state, Action::Tick { dt_ms: f64::NAN });
    assert_eq!(state.now, FRAME_DT_MAX_MS as i64, "a NaN frame is no time at all");
}

#[wasm_bindgen_test]
fn paused_ticks_do_not_move_the_simulation() {
    let state = act(act(fresh(), Action::Pause), Action::Tick { dt_ms: 50.0 });
    assert_eq!(state.now, 0);
    assert!(!state.playing);
}

#[wasm_bindgen_test]
fn speed_is_clamped_to_its_log_scale_range() {
    assert_eq!(act(fresh(), Action::SetSpeed(1e9)).speed, SPEED_MAX);
    assert_eq!(act(fresh(), Action::SetSpeed(0.0)).speed, SPEED_MIN);
    assert_eq!(act(fresh(), Action::SetSpeed(f64::NAN)).speed, 1.0);
}

#[wasm_bindgen_test]
fn step_pauses_and_moves_to_the_next_moment_something_happens() {
    let state = fresh();
    let due = state.runner().sim.next_due().expect("a fresh cluster has work queued");
    let state = act(state, Action::Step);
    assert!(!state.playing);
    assert_eq!(state.now, due);
}

#[wasm_bindgen_test]
fn apply_kill_broker_marks_the_broker_crashed_in_the_snapshot() {
    let state = act(fresh(), Action::Tick { dt_ms: 50.0 });
    let state = act(state, Action::Apply(Command::KillBroker { broker: 2 }));
    let broker = model::broker(&state.snapshot, 2).expect("broker 2");
    assert_eq!(broker.status, NodeStatus::Crashed);
    assert_eq!(BrokerState::of(broker), BrokerState::Crashed);
    let outcome = state.last_outcome.clone().expect("an outcome");
    assert_eq!(outcome.label, "kill_broker");
    assert_eq!(outcome.error, None);
}

#[wasm_bindgen_test]
fn a_refused_command_reports_its_field_and_leaves_the_cluster_unchanged() {
    let state = act(fresh(), Action::Tick { dt_ms: 20.0 });
    let (now, applied) = (state.now, state.runner().log().len());
    let reply: Rc<RefCell<Option<Result<(), CommandError>>>> = Rc::default();
    let sink = reply.clone();
    let command = Command::SlowBroker { broker: 1, extra_ms: -5 };
    let state = act(state, Action::ApplyThen(command, Callback::from(move |r| *sink.borrow_mut() = Some(r))));
    let error = reply.borrow().clone().expect("the reply callback was called").expect_err("refused");
    assert_eq!(error.field.as_deref(), Some("extra_ms"));
    assert_eq!(state.runner().log().len(), applied, "nothing was applied");
    assert!(state.snapshot.faults.is_empty(), "no fault was installed");
    assert_eq!(state.now, now);
    assert!(state.last_outcome.as_ref().is_some_and(|o| o.error.is_some()));
}

#[wasm_bindgen_test]
fn a_broken_scenario_file_is_refused_and_the_running_cluster_stays() {
    let state = act(fresh(), Action::Tick { dt_ms: 30.0 });
    let state = act(state, Action::LoadScenarioJson { json: "{\"name\": ".to_string(), seed: None });
    assert!(state.load_error.as_deref().is_some_and(|e| e.contains("JSON")), "{:?}", state.load_error);
    assert_eq!(state.now, 30);
    assert_eq!(state.scenario.id, "new-cluster");
}

#[wasm_bindgen_test]
fn restarting_with_a_seed_starts_the_scenario_again_at_time_zero() {
    let state = act(fresh(), Action::Tick { dt_ms: 40.0 });
    let state = act(state, Action::SetSeed(7));
    assert_eq!(state.now, 0);
    assert_eq!(state.seed, 7);
    assert_eq!(state.snapshot.seed, 7);
}

#[wasm_bindgen_test]
fn events_are_drained_every_tick_and_only_the_newest_are_kept() {
    let mut state = act(fresh(), Action::SetSpeed(100.0));
    for _ in 0..60 {
        state = act(state, Action::Tick { dt_ms: 100.0 });
    }
    assert!(state.runner().sim.pending_events().is_empty(), "the simulation's buffer is drained");
    assert!(state.events.seen() > state.events.len() as u64, "more events happened than are kept");
    assert_eq!(state.events.len(), kafka_playground::ui::state::EVENTS_KEPT);
    let seqs: Vec<u64> = state.events.iter().map(|e| e.seq).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "oldest first, in trace order");
    assert_eq!(*seqs.last().unwrap() + 1, state.events.seen(), "the newest event is kept");
}

#[wasm_bindgen_test]
fn selecting_a_partition_twice_unselects_it() {
    let tp = kafka_playground::engine::ids::TopicPartition::new("orders", 1);
    let state = act(fresh(), Action::Select(Select::Partition(tp.clone())));
    assert_eq!(state.selection.partition, Some(tp.clone()));
    assert_eq!(state.selection.topic.as_deref(), Some("orders"));
    let state = act(state, Action::Select(Select::Partition(tp)));
    assert_eq!(state.selection.partition, None);
}

#[wasm_bindgen_test]
fn the_url_picks_scenario_seed_speed_and_bench_and_ignores_nonsense() {
    let boot = Boot::from_query("?scenario=quickstart&seed=9&speed=1000&paused&junk=%%");
    assert_eq!(boot.scenario.as_deref(), Some("quickstart"));
    assert_eq!(boot.seed, Some(9));
    assert_eq!(boot.speed, Some(SPEED_MAX));
    assert!(boot.paused);
    // A lesson is a file the mounted app fetches: until then the sandbox runs, without an error.
    let state = boot.initial_state();
    assert_eq!(state.scenario.id, "new-cluster");
    assert_eq!(state.load_error, None);
    assert!(!state.playing);
    let sandbox = Boot::from_query("?scenario=new-cluster&seed=9&paused").initial_state();
    assert_eq!((sandbox.scenario.id.as_str(), sandbox.seed, sandbox.playing), ("new-cluster", 9, false));

    let bad = Boot::from_query("?scenario=no-such-thing&seed=abc").initial_state();
    assert_eq!(bad.scenario.id, "new-cluster");
    assert!(bad.load_error.is_some());

    let bench = Boot::from_query("?bench=2,4,1,2,100").bench.expect("bench spec");
    assert_eq!((bench.brokers, bench.partitions, bench.groups, bench.consumers), (2, 4, 1, 2));
}

#[wasm_bindgen_test]
fn the_benchmark_cluster_loads_with_its_groups_and_producers() {
    let spec = kafka_playground::ui::scenarios::BenchSpec::default();
    let scenario = spec.scenario().expect("the bench scenario is valid");
    let state = AppState::start("bench".to_string(), scenario, None).expect("it starts");
    assert_eq!(state.snapshot.brokers.len(), 6);
    assert_eq!(state.snapshot.metadata.topics["events"].partitions.len(), 24);
    assert_eq!(state.snapshot.consumers.len(), 16);
    assert_eq!(state.snapshot.producers.len(), 2);
}

#[wasm_bindgen_test]
fn messages_sent_during_a_tick_are_drawn_in_flight() {
    let mut state = fresh();
    for _ in 0..30 {
        state = act(state, Action::Tick { dt_ms: 16.0 });
    }
    let flights = &state.flights.items;
    assert!(!flights.is_empty(), "brokers and the producer talk within half a second");
    assert!(flights.iter().all(|f| f.deliver_at >= f.sent_at));
    assert!(flights.len() as u32 <= kafka_playground::ui::state::FLIGHTS_MAX);
}

#[wasm_bindgen_test]
fn an_expensive_snapshot_is_rebuilt_less_often() {
    use kafka_playground::ui::state::{SNAPSHOT_EVERY_MS, SNAPSHOT_EVERY_MS_MAX};
    let state = act(fresh(), Action::Tick { dt_ms: 16.0 });
    assert_eq!(state.tuning().snapshot_every_ms, SNAPSHOT_EVERY_MS);
    // Frames that rebuilt the snapshot took 4 ms: rebuild every 4 / 0.2 = 20 ms, at least 50.
    let mut state = state;
    for _ in 0..40 {
        state = act(state, Action::Tick { dt_ms: 100.0 });
        state = act(state, Action::FrameCost { work_ms: 4.0 });
    }
    assert!((state.tuning().snapshot_every_ms - SNAPSHOT_EVERY_MS).abs() < 1.0, "{:?}", state.tuning());
    // They took 100 ms (longer than a frame): rebuild every 100 / 0.2 = 500 ms.
    for _ in 0..300 {
        state = act(state, Action::Tick { dt_ms: 100.0 });
        state = act(state, Action::FrameCost { work_ms: 100.0 });
    }
    assert!((state.tuning().snapshot_every_ms - 500.0).abs() < 5.0, "{:?}", state.tuning());
    // They took 12 ms: too long for a frame, so at most every SNAPSHOT_EVERY_MS_LONG.
    for _ in 0..200 {
        state = act(state, Action::Tick { dt_ms: 100.0 });
        state = act(state, Action::FrameCost { work_ms: 12.0 });
    }
    assert!(
        (state.tuning().snapshot_every_ms - kafka_playground::ui::state::SNAPSHOT_EVERY_MS_LONG).abs() < 1.0,
        "{:?}",
        state.tuning()
    );
    let before = state.snapshot.clone();
    let state = act(state, Action::Tick { dt_ms: 16.0 });
    assert!(before == state.snapshot, "16 ms later the snapshot is not rebuilt yet");
    let slow = act(state, Action::FrameCost { work_ms: 1e9 });
    assert!(slow.tuning().snapshot_every_ms <= SNAPSHOT_EVERY_MS_MAX);
}

#[wasm_bindgen_test]
fn a_success_message_fades_after_a_few_seconds_and_a_refusal_stays() {
    use kafka_playground::ui::state::OUTCOME_SHOWN_MS;
    let state = act(fresh(), Action::Apply(Command::SlowBroker { broker: 1, extra_ms: 50 }));
    assert!(state.last_outcome.as_ref().is_some_and(|o| o.error.is_none()));
    let mut state = act(state, Action::Pause);
    for _ in 0..=(OUTCOME_SHOWN_MS / 100.0) as u32 {
        state = act(state, Action::Tick { dt_ms: 100.0 });
    }
    assert_eq!(state.last_outcome, None, "the success message is gone");
    let mut state = act(state, Action::Apply(Command::SlowBroker { broker: 1, extra_ms: 0 }));
    for _ in 0..100 {
        state = act(state, Action::Tick { dt_ms: 100.0 });
    }
    assert!(state.last_outcome.as_ref().is_some_and(|o| o.error.is_some()), "a refusal stays until dismissed");
}
