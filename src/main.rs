//! The native command line.
//!
//! ```text
//! kafka-playground simulate <scenario.json> [--seed N] [--until MS]
//! kafka-playground partition --key <key> --partitions <n>
//! ```
//!
//! Arguments are parsed by hand: two subcommands with four flags do not
//! justify a parser crate's compile time on every build.

use std::process::ExitCode;

use kafka_playground::engine::event::trace_hash;
use kafka_playground::engine::partitioner::{crc32_partition, partition_for_key};
use kafka_playground::engine::runner::Runner;
use kafka_playground::engine::scenario::Scenario;
use kafka_playground::engine::snapshot::SnapshotOptions;

const USAGE: &str = "usage:
  kafka-playground simulate <scenario.json> [--seed N] [--until MS]
      Runs a scenario and prints the final snapshot and the event trace as JSON.
  kafka-playground partition --key <key> --partitions <n>
      Prints the partition Kafka's default (murmur2) partitioner picks for a UTF-8 key.";

/// Exit code for bad input (usage or scenario errors), as documented.
const BAD_INPUT: u8 = 2;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("simulate") => simulate(&args[1..]),
        Some("partition") => partition(&args[1..]),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command {other:?}")),
        None => Err("no command given".to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            if !message.contains(':') || message.starts_with("unknown command") || message.starts_with("no command") {
                eprintln!("{USAGE}");
            }
            ExitCode::from(BAD_INPUT)
        }
    }
}

/// Positional arguments, and `--flag value` pairs.
type ParsedArgs<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>);

/// Splits `--flag value` pairs from positional arguments.
fn parse_flags<'a>(args: &'a [String], known: &[&str]) -> Result<ParsedArgs<'a>, String> {
    let mut positional = Vec::new();
    let mut flags = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if let Some(name) = arg.strip_prefix("--") {
            if !known.contains(&name) {
                return Err(format!("unknown flag --{name} (expected one of: --{})", known.join(", --")));
            }
            let value = iter.next().ok_or_else(|| format!("--{name} needs a value"))?;
            flags.push((name, value.as_str()));
        } else {
            positional.push(arg.as_str());
        }
    }
    Ok((positional, flags))
}

fn flag<'a>(flags: &[(&str, &'a str)], name: &str) -> Option<&'a str> {
    flags.iter().rev().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

fn parse_number<T: std::str::FromStr>(name: &str, text: &str) -> Result<T, String> {
    text.parse().map_err(|_| format!("--{name}: {text:?} is not a valid number"))
}

fn simulate(args: &[String]) -> Result<(), String> {
    let (positional, flags) = parse_flags(args, &["seed", "until"])?;
    let [path] = positional.as_slice() else {
        return Err("simulate takes exactly one scenario file".to_string());
    };
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: cannot read: {e}"))?;
    let scenario = Scenario::from_json(&text).map_err(|e| format!("{path}: {e}"))?;
    let seed = flag(&flags, "seed").map(|s| parse_number("seed", s)).transpose()?.unwrap_or(scenario.seed);
    let until: i64 = flag(&flags, "until").map(|s| parse_number("until", s)).transpose()?.unwrap_or(scenario.until);
    if until < 0 {
        return Err(format!("--until: must be >= 0, got {until}"));
    }
    let mut runner = Runner::new(&scenario, seed).map_err(|e| format!("{path}: {e}"))?;
    let rejected = runner.run_until(until);
    for r in &rejected {
        eprintln!("warning: action at {} ms ({}) was refused: {}", r.at, r.command.label(), r.error);
    }
    let events = runner.sim.drain_events();
    let output = serde_json::json!({
        "scenario": scenario.name,
        "seed": seed,
        "until": until,
        "trace_hash": format!("{:016x}", trace_hash(&events)),
        "rejected_actions": rejected,
        "snapshot": runner.sim.snapshot(SnapshotOptions::default()),
        "events": events,
    });
    println!("{}", serde_json::to_string_pretty(&output).expect("output serializes"));
    Ok(())
}

fn partition(args: &[String]) -> Result<(), String> {
    let (positional, flags) = parse_flags(args, &["key", "partitions"])?;
    if !positional.is_empty() {
        return Err(format!("partition takes no positional arguments, got {positional:?}"));
    }
    let key = flag(&flags, "key").ok_or("partition needs --key")?;
    let partitions: i32 =
        parse_number("partitions", flag(&flags, "partitions").ok_or("partition needs --partitions")?)?;
    if partitions < 1 {
        return Err(format!("--partitions: must be at least 1, got {partitions}"));
    }
    println!("{}", partition_for_key(key.as_bytes(), partitions));
    // librdkafka (Confluent.Kafka) hashes with CRC32 by default: say so on
    // stderr so the stdout answer stays machine-readable.
    eprintln!(
        "(Java client, murmur2: partition {}; librdkafka/Confluent.Kafka default consistent_random, CRC32: partition {})",
        partition_for_key(key.as_bytes(), partitions),
        crc32_partition(key.as_bytes(), partitions)
    );
    Ok(())
}
