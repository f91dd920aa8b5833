//! Random kill / stop / restart / isolate / slow schedules under an acks=all
//! idempotent producer, with `min.insync.replicas=2` and no unclean
//! election. After each run, the invariants Kafka promises:
//! - every acknowledged record is in the committed log, at its offset, from
//!   the leader epoch that appended it;
//! - acknowledgements arrive in offset order (per partition, per producer);
//! - at most one leader per leader epoch;
//! - `log_start <= hw <= leo` on every replica (also asserted inside the
//!   broker after every change).
//!
//! `REPLICATION_SEEDS=<n>` runs more seeds (default 60); a failure prints
//! its seed, and `REPLICATION_SEED=<s>` replays one.

use std::collections::BTreeMap;

use kafka_playground::engine::client::{KeyPattern, Workload};
use kafka_playground::engine::command::Command;
use kafka_playground::engine::config::{Acks, ProducerConfig, TopicConfig};
use kafka_playground::engine::event::{Event, LogEvent, ProducerEvent, ReplicationEvent};
use kafka_playground::engine::ids::{BrokerId, NodeId};
use kafka_playground::engine::net::{Fault, LinkMatch};
use kafka_playground::engine::record::Offset;
use kafka_playground::engine::sim::NodeStatus;

use super::harness::*;

/// splitmix64: the schedule's own deterministic randomness.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn run(seed: u64) -> Result<(), String> {
    let brokers = 3 + (seed % 2) as i32;
    let config = TopicConfig { min_insync_replicas: 2, ..TopicConfig::default() };
    let mut c = Cluster::new(brokers, 3, config, seed);
    let mut dice = Dice(seed);
    let workload = Workload {
        topic: "orders".into(),
        rate_per_sec: 100.0,
        key: KeyPattern::None,
        value_bytes: 16,
        max_records: None,
        records_per_transaction: None,
        abort_every: 0,
    };
    let producer = ProducerConfig { acks: Acks::All, enable_idempotence: true, ..ProducerConfig::default() };
    c.apply(Command::AddProducer { name: "p".into(), config: producer, workload: Some(workload) });

    let ids: Vec<BrokerId> = (1..=brokers).collect();
    for _ in 0..12 {
        let broker = ids[dice.below(ids.len() as u64) as usize];
        let status = c.sim.broker_status(broker).unwrap();
        let command = match dice.below(6) {
            0 if status == NodeStatus::Running => Command::KillBroker { broker },
            1 if status == NodeStatus::Running => Command::StopBroker { broker },
            2 if matches!(status, NodeStatus::Crashed | NodeStatus::Stopped) => Command::RestartBroker { broker },
            3 => Command::IsolateBroker { broker, from: None },
            4 => {
                let other = ids[dice.below(ids.len() as u64) as usize];
                let link = LinkMatch {
                    from: Some(NodeId::Broker(broker)),
                    to: Some(NodeId::Broker(other)),
                    both_ways: true,
                    kind: None,
                };
                Command::AddFault { fault: Fault::Delay { link, extra_ms: 500 + dice.below(40_000) as i64 } }
            }
            _ => Command::HealBroker { broker },
        };
        if std::env::var("REPLICATION_SEED").is_ok() {
            println!("{:>7} command {command:?}", c.sim.now());
        }
        c.sim.apply(command).map_err(|e| format!("command refused: {e}"))?;
        c.run_for(500 + dice.below(6_000) as i64);
    }
    // Heal the world, bring everyone back, stop producing, let it settle.
    for &broker in &ids {
        c.apply(Command::HealBroker { broker });
    }
    c.apply(Command::PauseProducer { producer: "p".into() });
    // A controlled shutdown may finish only now that the controller is reachable.
    for _ in 0..3 {
        c.run_for(15_000);
        for &broker in &ids {
            if !c.sim.broker_status(broker).unwrap().is_up() {
                c.apply(Command::RestartBroker { broker });
            }
        }
    }
    c.run_for(60_000);
    if std::env::var("REPLICATION_SEED").is_ok() {
        print_story(&c);
    }
    check(&c)
}

/// With `REPLICATION_SEED`: what happened to `orders-0` and the brokers.
fn print_story(c: &Cluster) {
    for e in &c.events {
        let interesting = match &e.event {
            Event::Cluster(_) => true,
            Event::Replication(r) => !matches!(r, ReplicationEvent::HwAdvanced { .. }),
            Event::Log(l) => matches!(l, LogEvent::LogTruncated { .. } | LogEvent::LogReset { .. }),
            _ => false,
        };
        if interesting {
            println!("{:>7} {:<12} {:?}", e.time, e.node.to_string(), e.event);
        }
    }
}

fn check(c: &Cluster) -> Result<(), String> {
    // At most one leader per epoch.
    let mut leaders: BTreeMap<i32, BrokerId> = BTreeMap::new();
    for e in &c.events {
        if let Event::Replication(ReplicationEvent::BecameLeader { tp, broker, epoch }) = &e.event {
            if *tp == orders() {
                if let Some(other) = leaders.insert(*epoch, *broker) {
                    if other != *broker {
                        return Err(format!("epoch {epoch} led by {other} and {broker}"));
                    }
                }
            }
        }
    }

    // Which leader epoch appended each base offset, latest first at ack time.
    let mut appended: BTreeMap<Offset, i32> = BTreeMap::new();
    let mut acked: Vec<(Offset, u32, i32)> = Vec::new();
    for e in &c.events {
        match &e.event {
            Event::Log(LogEvent::RecordsAppended { tp, base_offset, is_leader: true, leader_epoch, .. })
                if *tp == orders() =>
            {
                appended.insert(*base_offset, *leader_epoch);
            }
            Event::Producer(ProducerEvent::RecordsAcknowledged { tp, base_offset, count, .. }) if *tp == orders() => {
                let epoch = *appended.get(base_offset).ok_or(format!("ack at {base_offset} never appended"))?;
                acked.push((*base_offset, *count, epoch));
            }
            _ => {}
        }
    }
    for pair in acked.windows(2) {
        if pair[1].0 <= pair[0].0 {
            return Err(format!("acknowledged out of order: {} after {}", pair[1].0, pair[0].0));
        }
    }

    let leader = c.leader().ok_or("no leader after settling")?;
    let replica = c.sim.broker(leader).unwrap().replica(&orders()).unwrap();
    let log = &replica.log;
    let committed = log.read(log.log_start_offset(), u32::MAX, replica.high_watermark()).map_err(|e| e.to_string())?;
    let epoch_of: BTreeMap<Offset, (i32, Offset)> =
        committed.batches.iter().map(|b| (b.base_offset, (b.partition_leader_epoch, b.last_offset()))).collect();
    for (base, count, epoch) in &acked {
        match epoch_of.get(base) {
            Some((e, last)) if e == epoch && *last == base + *count as Offset - 1 => {}
            found => {
                return Err(format!(
                    "acknowledged batch at {base} (epoch {epoch}, {count} records) is not in the committed log \
                     (found {found:?}, hw {}, leader {leader})",
                    replica.high_watermark()
                ))
            }
        }
    }

    for broker in c.sim.broker_ids() {
        if let Some(r) = c.sim.broker(broker).and_then(|b| b.replica(&orders())) {
            let (start, hw, leo) = (r.log.log_start_offset(), r.high_watermark(), r.log_end_offset());
            if !(start <= hw && hw <= leo) {
                return Err(format!("broker {broker}: log start {start}, hw {hw}, leo {leo}"));
            }
        }
    }
    if acked.is_empty() {
        return Err("nothing was acknowledged: the schedule proves nothing".into());
    }
    Ok(())
}

#[test]
fn acknowledged_records_survive_random_broker_failures() {
    let seeds: Vec<u64> = match std::env::var("REPLICATION_SEED") {
        Ok(one) => vec![one.parse().expect("a seed")],
        Err(_) => {
            let n = std::env::var("REPLICATION_SEEDS").ok().and_then(|n| n.parse().ok()).unwrap_or(60);
            (0..n).collect()
        }
    };
    let mut failures = Vec::new();
    for seed in seeds {
        let outcome = std::panic::catch_unwind(|| run(seed)).unwrap_or_else(|panic| {
            let text = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(format!("panicked: {text}"))
        });
        if let Err(why) = outcome {
            failures.push(format!("seed {seed}: {why}"));
        }
    }
    assert!(failures.is_empty(), "replay with REPLICATION_SEED=<seed>:\n{}", failures.join("\n"));
}
