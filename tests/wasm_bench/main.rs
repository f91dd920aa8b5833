//! The data-path benchmark in the browser: the same workload as
//! `benches/data_path.rs` (see `src/benchmark.rs`), as WebAssembly in
//! headless Chromium, timed with `performance.now()`. A separate test target
//! so the normal browser test run (`--test wasm`) stays fast; run it with
//! `scripts/bench.sh wasm`, or:
//!
//! source scripts/env.sh; CHROMEDRIVER=/usr/bin/chromedriver \
//!   WASM_BINDGEN_TEST_WEBDRIVER_JSON=$PWD/tests/wasm/webdriver.json \
//!   cargo test --release --target wasm32-unknown-unknown --features web --test wasm_bench -- --nocapture
//!
//! Figures are printed with `console_log!` and go to BENCHMARKS.md.
#![cfg(all(target_arch = "wasm32", feature = "web"))]

use std::time::Duration;

use kafka_playground::benchmark::{run_data_path_counts, DataPath};
use kafka_playground::engine::runner::Runner;
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// Simulated milliseconds measured per run (after a 500 ms warm-up).
const MEASURED_MS: i64 = 1_000;
/// Measured runs per workload; the best is reported (as criterion's
/// estimate is robust to a noisy, shared machine).
const RUNS: u32 = 3;

fn now_ms() -> f64 {
    web_sys::window().expect("a window").performance().expect("performance").now()
}

/// Gives the page back to the browser between runs: the test runner polls
/// the page over WebDriver and gives up when it does not answer for 20 s.
async fn yield_to_browser() {
    yew::platform::time::sleep(Duration::from_millis(1)).await;
}

#[wasm_bindgen_test]
async fn data_path_throughput_in_the_browser() {
    for (rf, label) in [(1, "rf1_acks1"), (3, "rf3_acks_all")] {
        for record_bytes in [100u32, 1_024] {
            let workload = DataPath::new(rf, record_bytes);
            let mut runner = Runner::new(&workload.scenario(), 1).expect("scenario builds");
            let warm = run_data_path_counts(&mut runner, 500);
            yield_to_browser().await;
            assert!(warm.consumed > 0, "the consumer receives records during warm-up");
            let mut best = 0.0f64;
            let (mut total_offered, mut total_consumed) = (0u64, 0u64);
            for _ in 0..RUNS {
                let start = now_ms();
                let moved = run_data_path_counts(&mut runner, MEASURED_MS);
                let secs = (now_ms() - start) / 1000.0;
                let offered = u64::from(workload.rate_per_sec) * MEASURED_MS as u64 / 1000;
                total_offered += offered;
                total_consumed += moved.consumed;
                let rate = moved.consumed as f64 / secs;
                console_log!(
                    "wasm data_path/{label}/{record_bytes}B: consumed {} records in {secs:.3} s = {rate:.0} records/s",
                    moved.consumed
                );
                best = best.max(rate);
                yield_to_browser().await;
            }
            // The simulated cluster must sustain the offered rate, or the figure measures a bottleneck
            // (one run can fall a little short while RF 3 consumes in bursts; all runs together may not).
            assert!(total_consumed * 10 >= total_offered * 9, "consumed {total_consumed} of {total_offered}");
            console_log!("wasm data_path/{label}/{record_bytes}B best: {best:.0} records/s");
        }
    }
}
