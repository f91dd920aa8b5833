//! Export / import / share: the session as a scenario file replays the same
//! run; a bad or tampered file or link is refused with a message naming the
//! problem and the running cluster stays as it was.

use std::cell::RefCell;
use std::rc::Rc;

use kafka_playground::engine::command::Command;
use kafka_playground::engine::runner::Runner;
use kafka_playground::engine::scenario::Scenario;
use kafka_playground::engine::snapshot::SnapshotOptions;
use kafka_playground::ui::session;
use kafka_playground::ui::state::{Action, AppState};
use wasm_bindgen_test::wasm_bindgen_test;
use yew::Callback;

use crate::panels::{act, apply, fresh, run_for};

fn exported(state: &Rc<AppState>) -> Rc<Scenario> {
    let out: Rc<RefCell<Option<Rc<Scenario>>>> = Rc::default();
    let sink = out.clone();
    let same = act(state.clone(), Action::Export(Callback::from(move |s| *sink.borrow_mut() = Some(s))));
    assert!(Rc::ptr_eq(&same, state), "exporting changes nothing");
    let scenario = out.borrow().clone().expect("the reducer answered");
    scenario
}

/// The engine state at `time` as JSON, for comparing two runs.
fn state_at(scenario: &Scenario, seed: u64, time: i64) -> String {
    let mut runner = Runner::new(scenario, seed).expect("the scenario builds");
    runner.run_until(time);
    serde_json::to_string(&runner.sim.snapshot(SnapshotOptions { max_records_per_partition: 50 })).unwrap()
}

#[wasm_bindgen_test]
fn an_exported_session_replays_to_the_same_cluster_state() {
    let state = run_for(fresh(), 3_000);
    let killed_at = state.now;
    let state = apply(state, Command::KillBroker { broker: 2 });
    let state = run_for(state, 4_000);
    let scenario = exported(&state);
    assert_eq!(scenario.seed, state.seed);
    assert!(
        scenario.actions.iter().any(|a| a.at == killed_at && a.command == Command::KillBroker { broker: 2 }),
        "the command log is in the file: {:?}",
        scenario.actions
    );
    // The file replays: the same state as the live session at the same time.
    let live =
        serde_json::to_string(&state.runner().sim.snapshot(SnapshotOptions { max_records_per_partition: 50 })).unwrap();
    assert_eq!(state_at(&scenario, scenario.seed, state.now), live);

    // Through the share link's encoding and the app's import: the same schedule.
    let json = session::decode(&session::encode(&scenario)).expect("the link decodes");
    let imported = act(state.clone(), Action::LoadScenarioJson { json, seed: None });
    assert_eq!(imported.load_error, None);
    assert_eq!(imported.scenario.id, "imported");
    assert_eq!(imported.runner().pending(), &scenario.actions[..]);
    assert_eq!(imported.seed, state.seed);
}

#[wasm_bindgen_test]
fn a_tampered_session_is_refused_by_name_and_the_running_cluster_is_untouched() {
    let state = apply(run_for(fresh(), 2_000), Command::KillBroker { broker: 3 });
    let good = serde_json::to_value(&*exported(&state)).unwrap();
    // A command the engine does not have, in the command log.
    let mut value = good.clone();
    value["actions"][0]["do"]["type"] = serde_json::json!("explode_broker");
    let tampered = act(state.clone(), Action::LoadScenarioJson { json: value.to_string(), seed: None });
    let message = tampered.load_error.clone().expect("refused");
    assert!(message.contains("explode_broker"), "{message}");
    // The browser reads files with the native loader's reader (engine::read): the error names the field.
    assert!(message.contains("actions[0].do.type: unknown variant `explode_broker`"), "{message}");
    assert!(tampered.snapshot == state.snapshot, "the same snapshot: the cluster was left as it was");
    assert_eq!(tampered.now, state.now);
    // A value of the wrong type.
    let mut value = good;
    value["topics"][0]["partitions"] = serde_json::json!("three");
    let tampered = act(state.clone(), Action::LoadScenarioJson { json: value.to_string(), seed: None });
    let message = tampered.load_error.clone().expect("refused");
    assert!(message.contains("topics[0].partitions: invalid type: string \"three\", expected i32"), "{message}");
    assert!(tampered.snapshot == state.snapshot);

    let cut = act(state.clone(), Action::LoadScenarioJson { json: "{\"name\": \"x\", ".into(), seed: None });
    assert!(cut.load_error.as_deref().unwrap_or_default().contains("not valid JSON"), "{:?}", cut.load_error);
    assert!(cut.snapshot == state.snapshot);

    let damaged = session::decode("%7B%22name%E0%A4%A").unwrap_err();
    assert!(damaged.contains("not valid percent-encoding"), "{damaged}");
}
