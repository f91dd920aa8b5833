//! A quick (non-criterion) run of the data-path benchmark, for profiling:
//!
//! cargo run --profile bench --example quickbench -- [rf] [record_bytes] [rate_per_sec] [sim_ms] [partitions]
//!
//! Prints records acknowledged and consumed in `sim_ms` simulated
//! milliseconds (after a 500 ms warm-up) and the wall-clock records/s.

use kafka_playground::benchmark::{run_data_path_counts, DataPath};
use kafka_playground::engine::runner::Runner;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize| args.get(i).map(|s| s.parse::<i64>().expect("numeric argument"));
    let mut workload = DataPath::new(arg(1).unwrap_or(1) as i32, arg(2).unwrap_or(100) as u32);
    workload.rate_per_sec = arg(3).unwrap_or(2_000_000) as u32;
    let sim_ms = arg(4).unwrap_or(1_000);
    workload.partitions = arg(5).unwrap_or(i64::from(workload.partitions)) as i32;
    let mut runner = Runner::new(&workload.scenario(), 1).expect("scenario builds");
    let warm = run_data_path_counts(&mut runner, 500);
    let start = std::time::Instant::now();
    let moved = run_data_path_counts(&mut runner, sim_ms);
    let secs = start.elapsed().as_secs_f64();
    let offered = u64::from(workload.rate_per_sec) * sim_ms as u64 / 1000;
    println!(
        "rf={} bytes={} partitions={} rate={} sim_ms={sim_ms}: warm-up consumed {}; offered {offered}, acknowledged {}, \
         consumed {} in {secs:.3}s wall = {:.0} records/s",
        workload.replication_factor,
        workload.record_bytes,
        workload.partitions,
        workload.rate_per_sec,
        warm.consumed,
        moved.acknowledged,
        moved.consumed,
        moved.consumed as f64 / secs
    );
}
