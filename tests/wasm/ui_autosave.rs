//! Autosave and `?embed`: the app keeps its session in `localStorage` and a
//! reload resumes the same run at the same moment; a damaged saved session
//! is discarded with a message; the embedded view shows the clock, the
//! cluster and the log, saves nothing, and links to the full playground.

use std::time::Duration;

use kafka_playground::engine::command::Command;
use kafka_playground::engine::snapshot::SnapshotOptions;
use kafka_playground::ui::autosave::{self, Saved};
use kafka_playground::ui::Boot;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::panels::{apply, fresh, run_for};

fn storage() -> web_sys::Storage {
    web_sys::window().unwrap().local_storage().unwrap().expect("localStorage")
}

use crate::panels::mount_app as mount;

fn has(root: &web_sys::Element, test_id: &str) -> bool {
    root.query_selector(&format!("[data-testid={test_id}]")).unwrap().is_some()
}

fn engine_json(state: &kafka_playground::ui::AppState) -> String {
    let runner = state.runner();
    serde_json::to_string(&runner.sim.snapshot(SnapshotOptions { max_records_per_partition: 50 })).unwrap()
}

#[wasm_bindgen_test]
fn a_saved_session_text_reads_back_and_a_damaged_one_names_the_problem() {
    let saved =
        Saved { id: "quickstart".into(), now: 12_345, scenario_json: "{\"name\": \"x\"}\n".into(), script: vec![0, 2] };
    let text = autosave::encode(&saved);
    assert_eq!(text, "quickstart\t12345\t0,2\n{\"name\": \"x\"}\n");
    assert_eq!(autosave::decode(&text), Ok(saved));
    assert_eq!(autosave::decode("q\t5\n{}").map(|s| s.script), Ok(vec![]), "no script field: no script");
    assert_eq!(autosave::decode("q\t5\t1,x\n{}").unwrap_err(), "bad script index \"x\"");
    assert_eq!(autosave::decode("{}").unwrap_err(), "it has no header line");
    assert_eq!(autosave::decode("quickstart\n{}").unwrap_err(), "its header has no time");
    assert_eq!(autosave::decode("quickstart\tsoon\n{}").unwrap_err(), "bad time \"soon\"");
    assert_eq!(autosave::decode("quickstart\t-5\n{}").unwrap_err(), "bad time \"-5\"");
    assert_eq!(autosave::decode("\t5\n{}").unwrap_err(), "it has no scenario id");
}

#[wasm_bindgen_test]
fn a_resumed_session_is_the_same_run_at_the_same_moment_and_paused() {
    let state = run_for(fresh(), 2_000);
    let state = apply(state, Command::KillBroker { broker: 2 });
    let state = run_for(state, 3_000);
    let json = serde_json::to_string(&state.session_scenario()).unwrap();
    let saved = Saved { id: state.scenario.id.clone(), now: state.now, scenario_json: json, script: vec![] };

    let resumed = Boot { saved: Some(Ok(saved)), ..Boot::default() }.initial_state();
    assert_eq!(resumed.now, state.now);
    assert!(!resumed.playing, "a resumed run waits for Play");
    assert_eq!(resumed.scenario.id, "new-cluster");
    assert_eq!(resumed.runner().log().len(), state.runner().log().len());
    assert_eq!(engine_json(&resumed), engine_json(&state), "the same run: same engine state at the same time");
    assert_eq!(resumed.load_error, None);
}

#[wasm_bindgen_test]
fn a_saved_session_that_cannot_be_replayed_is_discarded_and_the_app_says_why() {
    storage().set_item(autosave::KEY, "quickstart\t100\n{\"name\": 5}").unwrap();
    let saved = autosave::load().expect("something was saved");
    let state = Boot { saved: Some(saved), ..Boot::default() }.initial_state();
    let error = state.load_error.clone().expect("an error is shown");
    assert!(error.starts_with("the session saved in this browser could not be resumed ("), "{error}");
    assert!(error.contains("invalid type"), "{error}");
    assert_eq!(state.scenario.id, "new-cluster");
    assert_eq!(storage().get_item(autosave::KEY).unwrap(), None, "the damaged session is forgotten");

    storage().set_item(autosave::KEY, "garbage").unwrap();
    assert_eq!(autosave::load(), Some(Err("it has no header line".to_string())));
    assert_eq!(storage().get_item(autosave::KEY).unwrap(), None);
}

#[wasm_bindgen_test]
async fn the_app_saves_its_session_as_it_changes_and_a_reload_resumes_it() {
    storage().remove_item(autosave::KEY).unwrap();
    let root = mount(Boot::default()).await;
    // Kill broker 1 from its card: a command, saved at once.
    root.query_selector("[data-testid=kill-1]")
        .unwrap()
        .expect("kill button")
        .unchecked_into::<web_sys::HtmlElement>()
        .click();
    yew::platform::time::sleep(Duration::from_millis(150)).await;
    let saved = autosave::load().expect("saved").expect("readable");
    assert_eq!(saved.id, "new-cluster");
    let scenario = kafka_playground::ui::scenarios::parse(&saved.scenario_json).expect("an ordinary scenario file");
    assert!(
        scenario.actions.iter().any(|a| a.command == Command::KillBroker { broker: 1 }),
        "the kill is in the saved command log: {:?}",
        scenario.actions
    );

    // "Reload": a page with no parameters resumes it, says so, and "Start fresh" leaves it.
    let again = mount(Boot { saved: autosave::load(), ..Boot::default() }).await;
    let note =
        again.query_selector("[data-testid=resumed]").unwrap().expect("the resumed note").text_content().unwrap();
    assert!(note.starts_with("Resumed your last session from this browser: "), "{note}");
    again
        .query_selector("[data-testid=resumed-fresh]")
        .unwrap()
        .unwrap()
        .unchecked_into::<web_sys::HtmlElement>()
        .click();
    yew::platform::time::sleep(Duration::from_millis(150)).await;
    assert!(!has(&again, "resumed"), "the note goes with the resumed run");
    let name = again.query_selector("[data-testid=scenario-name]").unwrap().unwrap().text_content().unwrap();
    assert!(name.starts_with("New cluster"), "{name}");
}

#[wasm_bindgen_test]
async fn the_embedded_view_shows_the_clock_the_cluster_and_the_log_and_saves_nothing() {
    storage().set_item(autosave::KEY, "untouched\t1\n{}").unwrap();
    let boot = Boot::from_query("?scenario=quickstart&embed&seed=4");
    assert!(boot.embed && !boot.autosaves());
    let root = mount(boot).await;
    for present in
        ["play-pause", "step", "sim-clock", "timeline", "scenario-name", "open-full", "lesson", "broker-1-state"]
    {
        assert!(has(&root, present), "{present} is shown");
    }
    for absent in ["scenario", "seed", "session", "event-log", "actions-panel", "clients-panel", "metrics-panel"] {
        assert!(!has(&root, absent), "{absent} is not part of the embedded view");
    }
    assert!(has(&root, "log-view"), "the log view is shown");
    yew::platform::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(storage().get_item(autosave::KEY).unwrap().as_deref(), Some("untouched\t1\n{}"));
    storage().remove_item(autosave::KEY).unwrap();
}

#[wasm_bindgen_test]
fn the_full_playground_link_is_the_same_url_without_embed() {
    assert_eq!(
        Boot::full_app_url("https://docs.example/kafka/play/?scenario=quickstart&embed&seed=3#s=%7B%7D"),
        "https://docs.example/kafka/play/?scenario=quickstart&seed=3#s=%7B%7D"
    );
    assert_eq!(Boot::full_app_url("http://127.0.0.1:8080/?embed=1"), "http://127.0.0.1:8080/");
    assert_eq!(Boot::full_app_url("http://h/?embedded=x&embed"), "http://h/?embedded=x");
}
