//! The data-path workload the benchmarks measure, shared by the native
//! criterion benchmark (`benches/data_path.rs`) and the wasm one
//! (`tests/wasm/bench.rs`), so both run exactly the same simulation.
//!
//! One producer at a fixed simulated rate, one consumer (assign mode,
//! processing time 0) reading every partition: produce -> append ->
//! (replicate) -> fetch -> consume, end to end.

use crate::engine::event::{ConsumerEvent, Event};
use crate::engine::runner::Runner;
use crate::engine::scenario::Scenario;

/// A data-path scenario: `replication_factor` brokers (1 or 3), records of `record_bytes` values.
pub fn data_path_scenario(record_bytes: u32, replication_factor: i32, rate_per_sec: u32) -> Scenario {
    let brokers: Vec<String> = (1..=replication_factor.max(1)).map(|id| format!("{{\"id\": {id}}}")).collect();
    let acks = if replication_factor > 1 { "\"all\"" } else { "1" };
    let idempotence = replication_factor > 1;
    let text = format!(
        r#"{{
        "name": "data path",
        "cluster": {{"brokers": [{brokers}],
                     "broker_config": {{"offsets.topic.num.partitions": 1, "transaction.state.log.num.partitions": 1}}}},
        "topics": [{{"name": "bench", "partitions": 4, "replication_factor": {replication_factor},
                     "config": {{"retention.bytes": 67108864, "segment.bytes": 8388608, "min.insync.replicas": 1}}}}],
        "producers": [{{"name": "p", "config": {{"acks": {acks}, "enable.idempotence": {idempotence}, "linger.ms": 5}},
                        "workload": {{"topic": "bench", "rate_per_sec": {rate_per_sec}, "value_bytes": {record_bytes},
                                      "key": {{"type": "none"}}}}}}],
        "consumers": [{{"name": "c", "config": {{"auto.offset.reset": "earliest", "enable.auto.commit": false}},
                        "app": {{"subscription": {{"assign": [{{"topic": "bench", "partition": 0}}, {{"topic": "bench", "partition": 1}},
                                                             {{"topic": "bench", "partition": 2}}, {{"topic": "bench", "partition": 3}}]}},
                                 "processing_ms_per_record": 0, "commit_mode": "sync_after_processing"}}}}]
    }}"#,
        brokers = brokers.join(", ")
    );
    Scenario::from_json(&text).expect("the benchmark scenario is valid")
}

/// Runs the data path for `sim_ms` simulated milliseconds after a warm-up
/// and returns the number of records the consumer processed in that time.
pub fn run_data_path(runner: &mut Runner, sim_ms: i64) -> u64 {
    let end = runner.sim.now() + sim_ms;
    let mut consumed = 0u64;
    // Step in slices so the event buffer stays small (the UI drains it every frame too).
    while runner.sim.now() < end {
        let next = (runner.sim.now() + 100).min(end);
        runner.run_until(next);
        for event in runner.sim.drain_events() {
            if let Event::Consumer(ConsumerEvent::RecordsProcessed { count, .. }) = event.event {
                consumed += count as u64;
            }
        }
    }
    consumed
}
