use kafka_playground::benchmark::{data_path_scenario, run_data_path};
use kafka_playground::engine::runner::Runner;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rf: i32 = args.get(1).map(|s| s.parse().unwrap()).unwrap_or(1);
    let bytes: u32 = args.get(2).map(|s| s.parse().unwrap()).unwrap_or(100);
    let rate: u32 = args.get(3).map(|s| s.parse().unwrap()).unwrap_or(200_000);
    let ms: i64 = args.get(4).map(|s| s.parse().unwrap()).unwrap_or(200);
    let mut runner = Runner::new(&data_path_scenario(bytes, rf, rate), 1).unwrap();
    let warm = run_data_path(&mut runner, 500);
    let t = std::time::Instant::now();
    let n = run_data_path(&mut runner, ms);
    let dt = t.elapsed().as_secs_f64();
    println!("rf={rf} bytes={bytes} rate={rate} warm={warm} consumed={n} in {dt:.3}s = {:.0} rec/s", n as f64 / dt);
}
