//! Logical time. The engine never reads a clock: time is an input, advanced
//! only by `Simulation::step` / `run_until`.

/// Simulated milliseconds since the simulation started. Also used as the
/// record timestamp, so `offsetsForTimes` and `retention.ms` work on it.
pub type Millis = i64;
