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

/// JSON numbers read the same in the browser (JavaScript's `parseFloat` behind
/// `engine::json`) as natively (`str::parse`): the nearest `f64`, compared by bits
/// against the literals rustc rounds at compile time.
#[wasm_bindgen_test]
fn json_numbers_read_the_same_in_the_browser_as_natively() {
    use kafka_playground::engine::json::parse;
    let text = "[0.1, 1e23, 2.2250738585072014e-308, 5e-324, 9007199254740993, 0.30000000000000004, \
                1.7976931348623157e308, 123456789012345678901234567890, -0, -0.0, 1e-400, 2.5E+3, \
                -9223372036854775809, 18446744073709551616]";
    let expected = [
        0.1,
        1e23,
        2.2250738585072014e-308,
        5e-324,
        9007199254740993.0,
        0.30000000000000004,
        1.7976931348623157e308,
        123456789012345678901234567890.0,
        -0.0,
        -0.0,
        0.0,
        2.5e3,
        -9223372036854775809.0,
        18446744073709551616.0,
    ];
    let value = parse(text).unwrap();
    let read: Vec<u64> = value.as_array().unwrap().iter().map(|n| n.as_f64().unwrap().to_bits()).collect();
    let expected: Vec<u64> = expected.iter().map(|x: &f64| x.to_bits()).collect();
    assert_eq!(read, expected);
    assert_eq!(parse("[1, -1, 18446744073709551615]").unwrap(), serde_json::json!([1, -1, u64::MAX]));
    assert_eq!(parse("1e400").unwrap_err().to_string(), "number out of range at line 1 column 5");
    assert_eq!(parse("[1,]").unwrap_err().to_string(), "trailing comma at line 1 column 4");
}
