//! Property test: over random sequences of silence (session expiry),
//! heartbeats, restarts, controlled shutdowns, AlterPartition requests
//! (current or stale), config flips and rebalances, the controller keeps
//! KRaft's invariants: at most one leader per (partition, leader epoch); a
//! leader is always in the ISR, registered, unfenced and not shutting down;
//! the ISR is never empty and stays within the replicas; epochs never go back.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::tests::Harness;
use super::*;
use crate::engine::config::TopicConfig;
use crate::engine::event::Event;

#[derive(Debug, Clone)]
enum Op {
    /// Time passes; brokers in the `alive` bit mask heartbeat every 2 s.
    Tick {
        ms: Millis,
        alive: u8,
    },
    Restart(BrokerId),
    Shutdown(BrokerId),
    /// The leader of partition `index` asks for the replicas in `mask` (plus itself).
    Alter {
        index: u8,
        mask: u8,
        stale: bool,
    },
    Unclean(bool),
    Rebalance,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..12_000i64, 0..16u8).prop_map(|(ms, alive)| Op::Tick { ms, alive }),
        1 => (1..=4i32).prop_map(Op::Restart),
        1 => (1..=4i32).prop_map(Op::Shutdown),
        4 => (0..5u8, 0..16u8, any::<bool>()).prop_map(|(index, mask, stale)| Op::Alter { index, mask, stale }),
        1 => any::<bool>().prop_map(Op::Unclean),
        1 => Just(Op::Rebalance),
    ]
}

const PARTITIONS: [(&str, i32); 5] = [("a", 0), ("a", 1), ("a", 2), ("b", 0), ("b", 1)];

fn apply(h: &mut Harness, op: &Op) {
    match *op {
        Op::Tick { ms, alive } => {
            let brokers: Vec<BrokerId> = (1..=4).filter(|b| alive & (1 << (b - 1)) != 0).collect();
            h.run_with_heartbeats(h.now + ms, &brokers);
        }
        Op::Restart(b) => {
            h.restart(b);
        }
        Op::Shutdown(b) => {
            h.controlled_shutdown(b);
        }
        Op::Alter { index, mask, stale } => {
            let (topic, partition) = PARTITIONS[usize::from(index)];
            let tp = TopicPartition::new(topic, partition);
            let p = h.partition(&tp);
            let Some(leader) = p.leader else { return };
            let mut isr: Vec<BrokerId> =
                p.replicas.iter().copied().filter(|&b| b == leader || mask & (1 << (b - 1)) != 0).collect();
            isr.dedup();
            let lag = i32::from(stale);
            h.alter(leader, &tp, (p.leader_epoch - lag, p.partition_epoch - lag), &isr);
        }
        Op::Unclean(on) => {
            let config = TopicConfig { unclean_leader_election_enable: on, ..TopicConfig::default() };
            h.with(|c, ctx| c.alter_topic_config(ctx, "a", config)).unwrap();
        }
        Op::Rebalance => h.with(|c, ctx| {
            c.balance_leaders(ctx);
            c.finish(ctx);
        }),
    }
}

/// Leader (or none) seen for each (partition, leader epoch), and the last epochs.
#[derive(Default)]
struct History {
    leaders: BTreeMap<(TopicPartition, i32), Option<BrokerId>>,
    epochs: BTreeMap<TopicPartition, (i32, i32)>,
}

fn check(h: &Harness, history: &mut History) -> Result<(), TestCaseError> {
    let image = h.controller.image();
    for topic in image.topics.values() {
        for p in &topic.partitions {
            let tp = TopicPartition::new(&topic.name, p.partition);
            prop_assert!(!p.isr.is_empty(), "{tp}: empty ISR");
            prop_assert!(p.isr.iter().all(|b| p.replicas.contains(b)), "{tp}: ISR {:?} outside replicas", p.isr);
            prop_assert!(p.isr.iter().enumerate().all(|(i, b)| !p.isr[..i].contains(b)), "{tp}: duplicate in ISR");
            if let Some(leader) = p.leader {
                prop_assert!(p.isr.contains(&leader), "{tp}: leader {leader} not in ISR {:?}", p.isr);
                let registration = image.brokers.get(&leader);
                prop_assert!(
                    registration.is_some_and(|r| !r.fenced && !r.in_controlled_shutdown),
                    "{tp}: leader {leader} is not live: {registration:?}"
                );
            }
            let seen = history.leaders.entry((tp.clone(), p.leader_epoch)).or_insert(p.leader);
            prop_assert_eq!(*seen, p.leader, "{} had two leaders in epoch {}", tp, p.leader_epoch);
            let last = history.epochs.entry(tp.clone()).or_insert((p.leader_epoch, p.partition_epoch));
            prop_assert!(p.leader_epoch >= last.0 && p.partition_epoch >= last.1, "{tp}: epochs went back");
            *last = (p.leader_epoch, p.partition_epoch);
        }
    }
    // Every election announced a distinct (partition, epoch).
    let mut announced = BTreeMap::new();
    for event in &h.events {
        if let Event::Replication(ReplicationEvent::LeaderElected { tp, leader, epoch, .. }) = event {
            let previous = announced.insert((tp.clone(), *epoch), *leader);
            prop_assert!(previous.is_none(), "two elections for {tp} in epoch {epoch}");
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn one_live_in_sync_leader_per_partition_and_epoch(ops in proptest::collection::vec(op(), 1..40)) {
        let mut h = Harness::new(&[1, 2, 3, 4]);
        h.create("a", 3, 3, TopicConfig::default());
        let unclean = TopicConfig { unclean_leader_election_enable: true, ..TopicConfig::default() };
        h.create("b", 2, 2, unclean);
        let mut history = History::default();
        check(&h, &mut history)?;
        for op in &ops {
            apply(&mut h, op);
            check(&h, &mut history)?;
        }
    }
}
