//! Criterion benchmark of the data path: produce -> append -> (replicate)
//! -> fetch -> consume, with 100-byte and 1 KB records, RF 1 (acks=1) and
//! RF 3 (acks=all, idempotent). The workload and its tuning are in
//! `src/benchmark.rs`. Figures go to BENCHMARKS.md.
//!
//! cargo bench --bench data_path
//!
//! One iteration runs `SLICE_MS` simulated milliseconds of the workload.
//! Criterion's throughput (elem/s) uses the records consumed in one slice
//! measured just before the benchmark; since a slice's count can vary a
//! little, the benchmark also prints records/s computed from the records
//! actually consumed over every measured iteration (`measured:` lines).

use std::cell::Cell;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput};
use kafka_playground::benchmark::{run_data_path_counts, DataPath};
use kafka_playground::engine::runner::Runner;

/// Simulated milliseconds per measured iteration (400K records at 2M records/s).
const SLICE_MS: i64 = 200;

fn data_path(c: &mut Criterion) {
    let mut group = c.benchmark_group("data_path");
    group.sample_size(10).sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_secs(2)).measurement_time(Duration::from_secs(10));
    for (rf, label) in [(1, "rf1_acks1"), (3, "rf3_acks_all")] {
        for record_bytes in [100u32, 1_024] {
            let workload = DataPath::new(rf, record_bytes);
            let mut runner = Runner::new(&workload.scenario(), 1).expect("scenario builds");
            let warm = run_data_path_counts(&mut runner, 1_000);
            assert!(warm.consumed > 0, "the consumer receives records during warm-up");
            // Calibration: records consumed per slice, averaged over 5 slices.
            let calibration = run_data_path_counts(&mut runner, 5 * SLICE_MS);
            let offered = u64::from(workload.rate_per_sec) * 5 * SLICE_MS as u64 / 1000;
            // The simulated cluster must sustain the offered rate, or the figure measures a bottleneck.
            assert!(calibration.consumed * 10 >= offered * 9, "consumed {} of {offered}", calibration.consumed);
            group.throughput(Throughput::Elements(calibration.consumed / 5));
            let consumed = Cell::new(0u64);
            let elapsed = Cell::new(Duration::ZERO);
            group.bench_function(BenchmarkId::new(label, format!("{record_bytes}B")), |b| {
                b.iter_custom(|iterations| {
                    let start = Instant::now();
                    let mut moved = 0;
                    for _ in 0..iterations {
                        moved += run_data_path_counts(&mut runner, SLICE_MS).consumed;
                    }
                    let time = start.elapsed();
                    consumed.set(consumed.get() + moved);
                    elapsed.set(elapsed.get() + time);
                    time
                })
            });
            println!(
                "measured: data_path/{label}/{record_bytes}B: {} records consumed in {:.3} s = {:.0} records/s \
                 (warm-up and measurement together)",
                consumed.get(),
                elapsed.get().as_secs_f64(),
                consumed.get() as f64 / elapsed.get().as_secs_f64()
            );
        }
    }
    group.finish();
}

criterion_group!(benches, data_path);
criterion_main!(benches);
