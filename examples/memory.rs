//! Memory probe for the "memory stays flat when retention is set" target:
//! runs the data-path workload (src/benchmark.rs) with a small retention and
//! prints the engine's live heap (a counting global allocator) and the
//! process RSS after every 100K records consumed.
//!
//! cargo run --profile bench --example memory -- [rf] [record_bytes] [records]
//!
//! Live bytes = bytes allocated and not yet freed by the whole process (the
//! engine is all there is besides this loop, which drains events each
//! 100 ms of simulated time as the UI does every frame).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicI64, Ordering};

use kafka_playground::benchmark::{run_data_path_counts, DataPath};
use kafka_playground::engine::runner::Runner;

struct Counting;

static LIVE: AtomicI64 = AtomicI64::new(0);
static PEAK: AtomicI64 = AtomicI64::new(0);

fn add(bytes: i64) {
    let live = LIVE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        add(layout.size() as i64);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        add(-(layout.size() as i64));
        System.dealloc(ptr, layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        add(layout.size() as i64);
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        add(new_size as i64 - layout.size() as i64);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize| args.get(i).map(|s| s.parse::<i64>().expect("numeric argument"));
    let rf = arg(1).unwrap_or(3) as i32;
    let record_bytes = arg(2).unwrap_or(1_024) as u32;
    let records = arg(3).unwrap_or(1_000_000) as u64;
    let workload = DataPath {
        rate_per_sec: 100_000,
        partitions: 4,
        retention_bytes: 1 << 20,
        segment_bytes: 256 << 10,
        ..DataPath::new(rf, record_bytes)
    };
    println!(
        "rf={rf} record_bytes={record_bytes} partitions={} rate={}/s retention.bytes={} segment.bytes={} \
         log.retention.check.interval.ms={}",
        workload.partitions,
        workload.rate_per_sec,
        workload.retention_bytes,
        workload.segment_bytes,
        kafka_playground::benchmark::RETENTION_CHECK_INTERVAL_MS
    );
    let mut runner = Runner::new(&workload.scenario(), 1).expect("scenario builds");
    let mut consumed = 0u64;
    let mut acknowledged = 0u64;
    let mut next_report = 100_000u64;
    println!(
        "{:>10} {:>10} {:>8} {:>14} {:>14} {:>10}",
        "consumed", "acked", "sim_s", "live_bytes", "peak_bytes", "rss_kib"
    );
    while consumed < records {
        let moved = run_data_path_counts(&mut runner, 100);
        consumed += moved.consumed;
        acknowledged += moved.acknowledged;
        if consumed >= next_report {
            println!(
                "{consumed:>10} {acknowledged:>10} {:>8.1} {:>14} {:>14} {:>10}",
                runner.sim.now() as f64 / 1000.0,
                LIVE.load(Ordering::Relaxed),
                PEAK.load(Ordering::Relaxed),
                rss_kib()
            );
            next_report += 100_000;
        }
    }
}
