//! The example scenarios in `scenarios/`: each one's lesson is asserted on
//! its trace, and each trace is pinned by a golden hash
//! (`tests/golden/<scenario>.hash`). The wasm build checks the same hashes in
//! the browser (tests/wasm/determinism.rs), so native and wasm32 agree.
//!
//! After an intended behaviour change: `UPDATE_GOLDEN=1 cargo test --test scenarios`.

mod lesson_answers;
mod lessons;
mod lessons_groups;
mod lessons_replication;

use std::path::PathBuf;

use kafka_playground::engine::runner::scenario_trace_hash;
use kafka_playground::engine::scenario::Scenario;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn example_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("scenarios"))
        .expect("scenarios/ exists")
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".json").map(str::to_string)
        })
        .collect();
    names.sort();
    names
}

pub fn load(name: &str) -> Scenario {
    let text = std::fs::read_to_string(root().join("scenarios").join(format!("{name}.json"))).unwrap();
    Scenario::from_json(&text).unwrap_or_else(|e| panic!("scenarios/{name}.json: {e}"))
}

#[test]
fn every_example_scenario_loads_and_runs_without_rejected_actions() {
    let names = example_names();
    assert!(names.len() >= 3, "at least three example scenarios ship");
    for name in names {
        let scenario = load(&name);
        let mut runner = kafka_playground::engine::runner::Runner::new(&scenario, scenario.seed)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let rejected = runner.run_until(scenario.until);
        assert!(rejected.is_empty(), "{name}: actions refused: {rejected:?}");
    }
}

#[test]
fn the_same_seed_gives_the_same_trace() {
    for name in example_names() {
        let scenario = load(&name);
        let a = scenario_trace_hash(&scenario, scenario.seed, scenario.until).unwrap();
        let b = scenario_trace_hash(&scenario, scenario.seed, scenario.until).unwrap();
        assert_eq!(a, b, "{name}: two runs with one seed diverged");
    }
}

#[test]
fn traces_match_their_golden_hashes() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut mismatches = Vec::new();
    for name in example_names() {
        let scenario = load(&name);
        let hash = format!("{:016x}", scenario_trace_hash(&scenario, scenario.seed, scenario.until).unwrap());
        let path = root().join("tests/golden").join(format!("{name}.hash"));
        if update {
            std::fs::write(&path, format!("{hash}\n")).unwrap();
            continue;
        }
        let golden = std::fs::read_to_string(&path).unwrap_or_default();
        if golden.trim() != hash {
            mismatches.push(format!("{name}: golden {:?}, got {hash}", golden.trim()));
        }
    }
    assert!(mismatches.is_empty(), "traces changed (UPDATE_GOLDEN=1 if intended):\n{}", mismatches.join("\n"));
}
