//! The timeline: rewinding rebuilds the run from its scenario, seed and
//! command log and replays it to the moment asked for (the engine is
//! deterministic, so it is the same run); commands given later happen again
//! as it plays on, unless the learner forks from there.

use std::rc::Rc;

use kafka_playground::engine::command::Command;
use kafka_playground::engine::snapshot::SnapshotOptions;
use kafka_playground::ui::state::{Action, AppState};
use wasm_bindgen_test::wasm_bindgen_test;

use crate::panels::{act, apply, fresh, run_for};

fn engine_json(state: &AppState) -> String {
    let runner = state.runner();
    serde_json::to_string(&runner.sim.snapshot(SnapshotOptions { max_records_per_partition: 50 })).unwrap()
}

fn broker_state(state: &AppState, id: i32) -> String {
    let broker = state.snapshot.brokers.iter().find(|b| b.id == id).expect("broker in the snapshot");
    format!("{:?}", broker.status)
}

/// A run where broker 2 is killed at about 2 s and the clock goes on to about 7 s.
fn run_with_a_kill() -> (Rc<AppState>, i64) {
    let state = run_for(fresh(), 2_000);
    let killed_at = state.now;
    let state = apply(state, Command::KillBroker { broker: 2 });
    (run_for(state, 5_000), killed_at)
}

#[wasm_bindgen_test]
fn rewinding_replays_the_same_run_to_that_moment_and_pauses_there() {
    let (state, killed_at) = run_with_a_kill();
    let end = state.now;
    assert_eq!(state.horizon, end);
    assert_eq!(state.later_commands(), 0);

    let back = act(state.clone(), Action::Seek(killed_at - 500));
    assert_eq!(back.now, killed_at - 500);
    assert!(!back.playing, "rewinding pauses");
    assert_eq!(back.horizon, end, "the timeline still reaches the end of the run");
    assert_eq!(broker_state(&back, 2), "Running", "before the kill, broker 2 runs");
    assert_eq!(back.later_commands(), 1, "the kill is still to come");
    assert_eq!(back.load_error, None);

    // Forward again to the end: the kill happened again, and it is the same run.
    let forward = act(back, Action::Seek(end));
    assert_eq!(forward.now, end);
    assert_ne!(broker_state(&forward, 2), "Running");
    assert_eq!(engine_json(&forward), engine_json(&state), "the same engine state at the same time");
    assert_eq!(forward.later_commands(), 0);
}

#[wasm_bindgen_test]
fn forking_after_a_rewind_forgets_the_later_commands_and_the_run_goes_another_way() {
    let (state, killed_at) = run_with_a_kill();
    let back = act(state, Action::Seek(killed_at - 500));
    let forked = act(back, Action::Fork);
    assert_eq!(forked.later_commands(), 0);
    assert_eq!(forked.horizon, forked.now, "the old future is gone from the timeline");
    let later = run_for(act(forked, Action::Play), 5_000);
    assert_eq!(broker_state(&later, 2), "Running", "without the kill broker 2 keeps running");
    assert!(later.session_scenario().actions.iter().all(|a| a.command != Command::KillBroker { broker: 2 }));
}

#[wasm_bindgen_test]
fn a_seek_past_the_end_stops_at_the_end_and_before_the_start_at_zero() {
    let (state, _) = run_with_a_kill();
    let end = state.horizon;
    assert_eq!(act(state.clone(), Action::Seek(end + 60_000)).now, end);
    assert_eq!(act(state, Action::Seek(-5)).now, 0);
}

#[wasm_bindgen_test]
fn after_a_reload_the_learners_earlier_commands_can_still_be_forked_away_but_a_lessons_script_stays() {
    use kafka_playground::ui::autosave::Saved;
    use kafka_playground::ui::Boot;
    let (state, killed_at) = run_with_a_kill();
    let json = serde_json::to_string(&state.session_scenario()).unwrap();
    let saved = Saved { id: state.scenario.id.clone(), now: state.now, scenario_json: json, script: vec![] };
    let resumed = Rc::new(Boot { saved: Some(Ok(saved)), ..Boot::default() }.initial_state());
    let back = act(resumed, Action::Seek(killed_at - 500));
    assert_eq!(back.later_commands(), 1, "the kill was the learner's, not the scenario's");

    // A lesson's own timed commands are its script: rewinding before them forks nothing away.
    let lesson = crate::panels::lesson("acks1-leader-crash");
    let scripted = lesson.scenario.script.len();
    assert!(scripted > 0);
    let lesson = run_for(lesson, 1_000);
    assert_eq!(lesson.later_commands(), 0);
    let forked = act(lesson, Action::Fork);
    assert_eq!(forked.runner().pending().len() + forked.runner().log().len(), scripted);
}

#[wasm_bindgen_test]
fn a_fetched_lessons_script_survives_a_reload_so_fork_still_keeps_it() {
    use kafka_playground::ui::autosave::{self, Saved};
    use kafka_playground::ui::Boot;
    // A lesson served as a file (as the picker loads it), with its own timed commands.
    let json = include_str!("../../scenarios/idempotence.json");
    let lesson = act(fresh(), Action::LoadScenarioText { id: "idempotence".into(), json: json.into(), seed: None });
    assert_eq!(lesson.scenario.id, "idempotence");
    let scripted = lesson.scenario.script.len();
    assert!(scripted > 0, "the idempotence lesson drops acknowledgements on a schedule");
    let lesson = run_for(act(lesson, Action::Play), 1_000);
    let lesson = apply(lesson, Command::KillBroker { broker: 3 });
    let killed_at = lesson.now;
    let lesson = run_for(lesson, 2_000);

    let session = lesson.session_scenario();
    let saved = Saved {
        id: lesson.scenario.id.clone(),
        now: lesson.now,
        scenario_json: serde_json::to_string(&session).unwrap(),
        script: autosave::script_indices(&session.actions, &lesson.scenario.script),
    };
    assert_eq!(saved.script.len(), scripted);
    let text = autosave::encode(&saved);
    let resumed = Rc::new(Boot { saved: Some(autosave::decode(&text)), ..Boot::default() }.initial_state());
    assert_eq!(resumed.scenario.script, lesson.scenario.script, "the script is known again after the reload");
    let back = act(resumed, Action::Seek(killed_at - 500));
    assert_eq!(back.later_commands(), 1, "only the learner's kill is forgettable");
    let forked = act(back, Action::Fork);
    let runner = forked.runner();
    let kept: Vec<_> = runner.log().iter().chain(runner.pending()).cloned().collect();
    assert_eq!(kept.len(), scripted, "the lesson's own commands stay");
    assert!(kept.iter().all(|c| c.command != Command::KillBroker { broker: 3 }));
}

#[wasm_bindgen_test]
fn another_seed_keeps_the_lessons_script_so_fork_still_keeps_it() {
    let lesson = crate::panels::lesson("acks1-leader-crash");
    let script = lesson.scenario.script.clone();
    assert!(!script.is_empty());
    let reseeded = act(lesson, Action::SetSeed(99));
    assert_eq!(reseeded.seed, 99);
    assert_eq!(reseeded.scenario.script, script);
    let forked = act(run_for(reseeded, 1_000), Action::Fork);
    let runner = forked.runner();
    assert_eq!(runner.log().len() + runner.pending().len(), script.len(), "the lesson's commands stay");
}
