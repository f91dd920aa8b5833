//! The same scenario and seed give the same trace in the browser as
//! natively: each example's trace hash, computed here in wasm32, must equal
//! the golden hash the native test suite pins (tests/scenarios/main.rs).

use kafka_playground::engine::runner::scenario_trace_hash;
use kafka_playground::engine::scenario::Scenario;
use wasm_bindgen_test::wasm_bindgen_test;

macro_rules! examples {
    ($($name:literal),* $(,)?) => {
        [$((
            $name,
            include_str!(concat!("../../scenarios/", $name, ".json")),
            include_str!(concat!("../golden/", $name, ".hash")),
        )),*]
    };
}

#[wasm_bindgen_test]
fn example_traces_hash_the_same_in_the_browser_as_natively() {
    for (name, json, golden) in examples!(
        "quickstart",
        "acks1-leader-crash",
        "min-isr-not-enough-replicas",
        "retention-out-of-range",
        "compaction",
        "offset-reset-replay",
        "unclean-election",
        "idempotence",
        "read-committed",
        "crash-vs-close",
        "delivery-semantics",
        "auto-commit-loss",
        "idle-consumer",
        "cooperative-sticky",
        "two-groups",
        "keys-and-ordering",
        "add-partitions-moves-keys",
    ) {
        let scenario = Scenario::from_json(json).unwrap();
        let hash = scenario_trace_hash(&scenario, scenario.seed, scenario.until).unwrap();
        assert_eq!(format!("{hash:016x}"), golden.trim(), "{name}: wasm32 trace differs from native");
    }
}
