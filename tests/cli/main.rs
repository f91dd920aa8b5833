//! The native command line, run as a user runs it.

use std::process::Command;

fn cli(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kafka-playground"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs")
}

fn temp_file(name: &str, text: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("kafka-playground-cli-{}-{name}", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn partition_prints_the_java_default_partitioner_choice() {
    // murmur2("foobar") = -790332482 (Kafka's UtilsTest); toPositive % 6 = 0, % 7 = 1357151166 % 7.
    let out = cli(&["partition", "--key", "foobar", "--partitions", "7"]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), (1_357_151_166 % 7).to_string());
}

#[test]
fn partition_without_a_count_is_a_usage_error_with_exit_code_2() {
    let out = cli(&["partition", "--key", "k"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--partitions"));
}

#[test]
fn simulate_prints_snapshot_and_trace_as_json() {
    let out = cli(&["simulate", "scenarios/quickstart.json", "--until", "3000"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(json["until"], 3000);
    assert_eq!(json["seed"], 1);
    assert_eq!(json["trace_hash"].as_str().unwrap().len(), 16);
    assert!(json["snapshot"]["metadata"]["topics"]["orders"].is_object());
    let events = json["events"].as_array().unwrap();
    assert!(events.iter().any(|e| e["type"] == "TopicCreated"));
    assert!(events.iter().all(|e| e["time"].as_i64().unwrap() <= 3000));
}

#[test]
fn simulate_with_the_same_seed_prints_the_same_trace_hash() {
    let hash = |seed: &str| {
        let out = cli(&["simulate", "scenarios/quickstart.json", "--until", "5000", "--seed", seed]);
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        json["trace_hash"].as_str().unwrap().to_string()
    };
    assert_eq!(hash("42"), hash("42"));
}

#[test]
fn a_malformed_scenario_names_the_field_and_exits_with_2() {
    let path = temp_file(
        "bad.json",
        r#"{"name": "bad", "cluster": {"brokers": [{"id": 1}]},
            "topics": [{"name": "orders", "partitions": 3, "config": {"retention.ms": "soon"}}]}"#,
    );
    let out = cli(&["simulate", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("topics[0].config.retention.ms"), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing on stdout for a bad file");
}

#[test]
fn a_scenario_that_is_not_json_says_so() {
    let path = temp_file("notjson.json", "name: orders");
    let out = cli(&["simulate", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not valid JSON"));
}

#[test]
fn a_missing_scenario_file_is_reported_with_its_path() {
    let out = cli(&["simulate", "no/such/file.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such/file.json"));
}
