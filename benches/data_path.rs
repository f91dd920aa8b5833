//! Criterion benchmark of the data path: produce -> append -> (replicate)
//! -> fetch -> consume, with 100-byte and 1 KB records, RF 1 (acks=1) and
//! RF 3 (acks=all, idempotent). Throughput is printed as records/s
//! (criterion's "elem/s"). Figures go to BENCHMARKS.md.
//!
//! cargo bench --bench data_path

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use kafka_playground::benchmark::{data_path_scenario, run_data_path};
use kafka_playground::engine::runner::Runner;

/// Simulated milliseconds per measured iteration.
const SLICE_MS: i64 = 1_000;
/// Simulated producer rate: far above what the machine can do in real
/// time, so each iteration is a fixed amount of work.
const RATE: u32 = 2_000_000;

fn data_path(c: &mut Criterion) {
    let mut group = c.benchmark_group("data_path");
    group.sample_size(10);
    for (rf, label) in [(1, "rf1_acks1"), (3, "rf3_acks_all")] {
        for record_bytes in [100u32, 1_024] {
            let scenario = data_path_scenario(record_bytes, rf, RATE);
            // Each iteration runs one simulated second: RATE records produced and consumed.
            let mut runner = Runner::new(&scenario, 1).expect("scenario builds");
            let warm = run_data_path(&mut runner, 2 * SLICE_MS);
            assert!(warm > 0, "the consumer must receive records during warm-up");
            group.throughput(Throughput::Elements(RATE as u64 * SLICE_MS as u64 / 1_000));
            group.bench_function(BenchmarkId::new(label, format!("{record_bytes}B")), |b| {
                b.iter(|| {
                    let consumed = run_data_path(&mut runner, SLICE_MS);
                    assert!(consumed > 0);
                    consumed
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, data_path);
criterion_main!(benches);
