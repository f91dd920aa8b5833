//! The data-path workload the benchmarks measure, shared by the native
//! criterion benchmark (`benches/data_path.rs`), the quick driver
//! (`examples/quickbench.rs`), the memory probe (`examples/memory.rs`) and
//! the wasm benchmark (`tests/wasm/bench.rs`), so all run exactly the same
//! simulation.
//!
//! One producer at a fixed simulated rate, one consumer (assign mode,
//! processing time 0) reading every partition: produce -> append ->
//! (replicate) -> fetch -> consume, end to end.
//!
//! The producer and consumer use a realistic high-throughput tuning
//! (`batch.size` 1 MiB, `linger.ms` 5, `max.request.size` 8 MiB,
//! `max.partition.fetch.bytes` 4 MiB, `max.poll.records` 100 000) and the topic has
//! 8 partitions, so the simulated cluster sustains the offered rate (2M
//! records/s of 1 KB records is ~2 GB/s of simulated traffic). A broker
//! handles one request of a connection at a time (as Kafka does), and a
//! produce request carries one batch per partition, so one producer is
//! capped at about partitions per broker x `batch.size` per produce round
//! trip (~2 ms with acks=all: the followers' fetch and the answer); 1 MiB
//! batches keep that cap (~4M records/s of 1 KB) above the offered rate.
//! The figure therefore measures the engine's speed, not a simulated bottleneck.
//! Retention (16 MiB per partition, checked every 100 simulated ms) keeps
//! the log, and so the process's memory, bounded.

use crate::engine::event::{ConsumerEvent, Event, ProducerEvent};
use crate::engine::runner::Runner;
use crate::engine::scenario::Scenario;

/// `log.retention.check.interval.ms` of the benchmark's brokers (Kafka's
/// default is 5 minutes). At 2M records/s of 1 KB, a simulated second
/// produces 2 GB: retention must run often, or the log (and the process's
/// memory) grows by that much between checks.
pub const RETENTION_CHECK_INTERVAL_MS: i64 = 100;

/// One data-path workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataPath {
    /// Brokers and replication factor (1: acks=1 without idempotence; 3: acks=all, idempotent).
    pub replication_factor: i32,
    /// Value size of every record (the key is null).
    pub record_bytes: u32,
    /// Records per simulated second the producer application sends.
    pub rate_per_sec: u32,
    /// Partitions of the topic.
    pub partitions: i32,
    /// `retention.bytes` of the topic (per partition).
    pub retention_bytes: i64,
    /// `segment.bytes` of the topic.
    pub segment_bytes: i32,
}

impl DataPath {
    /// The benchmark's workload: 2M records/s, 8 partitions, 16 MiB retention per partition
    /// in 4 MiB segments.
    pub fn new(replication_factor: i32, record_bytes: u32) -> DataPath {
        DataPath {
            replication_factor,
            record_bytes,
            rate_per_sec: 2_000_000,
            partitions: 8,
            retention_bytes: 16 << 20,
            segment_bytes: 4 << 20,
        }
    }

    pub fn scenario(&self) -> Scenario {
        let rf = self.replication_factor.max(1);
        let brokers: Vec<String> = (1..=rf).map(|id| format!("{{\"id\": {id}}}")).collect();
        let acks = if rf > 1 { "\"all\"" } else { "1" };
        let idempotence = rf > 1;
        let assign: Vec<String> =
            (0..self.partitions).map(|p| format!("{{\"topic\": \"bench\", \"partition\": {p}}}")).collect();
        let text = format!(
            r#"{{
            "name": "data path",
            "cluster": {{"brokers": [{brokers}],
                         "broker_config": {{"offsets.topic.num.partitions": 1, "transaction.state.log.num.partitions": 1,
                                           "log.retention.check.interval.ms": {retention_check}}}}},
            "topics": [{{"name": "bench", "partitions": {partitions}, "replication_factor": {rf},
                         "config": {{"retention.bytes": {retention}, "segment.bytes": {segment}, "min.insync.replicas": 1}}}}],
            "producers": [{{"name": "p", "config": {{"acks": {acks}, "enable.idempotence": {idempotence}, "linger.ms": 5,
                                                   "batch.size": 1048576, "max.request.size": 8388608}},
                            "workload": {{"topic": "bench", "rate_per_sec": {rate}, "value_bytes": {bytes},
                                          "key": {{"type": "none"}}}}}}],
            "consumers": [{{"name": "c", "config": {{"auto.offset.reset": "earliest", "enable.auto.commit": false,
                                                   "max.partition.fetch.bytes": 4194304, "max.poll.records": 100000}},
                            "app": {{"subscription": {{"assign": [{assign}]}},
                                     "processing_ms_per_record": 0, "commit_mode": "sync_after_processing"}}}}]
        }}"#,
            brokers = brokers.join(", "),
            partitions = self.partitions,
            retention = self.retention_bytes,
            retention_check = RETENTION_CHECK_INTERVAL_MS,
            segment = self.segment_bytes,
            rate = self.rate_per_sec,
            bytes = self.record_bytes,
            assign = assign.join(", "),
        );
        Scenario::from_json(&text).expect("the benchmark scenario is valid")
    }
}

/// The benchmark scenario with the default tuning (see [`DataPath::new`]) and a given rate.
pub fn data_path_scenario(record_bytes: u32, replication_factor: i32, rate_per_sec: u32) -> Scenario {
    DataPath { rate_per_sec, ..DataPath::new(replication_factor, record_bytes) }.scenario()
}

/// Records moved through the data path in one run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Moved {
    /// Records the producer had acknowledged.
    pub acknowledged: u64,
    /// Records the consumer application processed.
    pub consumed: u64,
}

/// Runs the data path for `sim_ms` simulated milliseconds and counts the
/// records acknowledged and consumed in that time.
pub fn run_data_path_counts(runner: &mut Runner, sim_ms: i64) -> Moved {
    let end = runner.sim.now() + sim_ms;
    let mut moved = Moved::default();
    // Step in slices so the event buffer stays small (the UI drains it every frame too).
    while runner.sim.now() < end {
        let next = (runner.sim.now() + 100).min(end);
        runner.run_until(next);
        for event in runner.sim.drain_events() {
            match event.event {
                Event::Consumer(ConsumerEvent::RecordsProcessed { count, .. }) => moved.consumed += count as u64,
                Event::Producer(ProducerEvent::RecordsAcknowledged { count, .. }) => moved.acknowledged += count as u64,
                _ => {}
            }
        }
    }
    moved
}

/// Runs the data path for `sim_ms` simulated milliseconds and returns the
/// number of records the consumer processed in that time.
pub fn run_data_path(runner: &mut Runner, sim_ms: i64) -> u64 {
    run_data_path_counts(runner, sim_ms).consumed
}
