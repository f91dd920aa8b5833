//! Property: whatever members join, close or crash, and whenever, the running
//! members of a group never own the same partition at once, and once the group
//! settles every partition is owned by someone (when anyone is left).

use proptest::prelude::*;

use super::*;

#[derive(Debug, Clone)]
enum Step {
    Join,
    /// Close the n-th running consumer (modulo how many run).
    Close(usize),
    /// Crash the n-th running consumer.
    Crash(usize),
    /// Let time pass.
    Wait(Millis),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => Just(Step::Join),
        1 => (0usize..8).prop_map(Step::Close),
        1 => (0usize..8).prop_map(Step::Crash),
        3 => (100i64..8_000).prop_map(Step::Wait),
    ]
}

fn running(t: &Test, names: &[String]) -> Vec<String> {
    names.iter().filter(|n| t.sim.client_status(n) == Some(NodeStatus::Running)).cloned().collect()
}

/// No partition is owned by two running members.
fn assert_exclusive(t: &Test, names: &[String]) {
    let mut seen: Vec<(TopicPartition, String)> = Vec::new();
    for name in running(t, names) {
        for tp in t.sim.consumer(&name).unwrap().snapshot().assignment {
            if let Some((_, other)) = seen.iter().find(|(p, _)| *p == tp) {
                panic!("{tp} owned by {other} and {name} at {}", t.sim.now());
            }
            seen.push((tp, name.clone()));
        }
    }
}

/// Runs `duration` in 50 ms slices, checking exclusivity after each.
fn run_checked(t: &mut Test, names: &[String], duration: Millis) {
    let end = t.sim.now() + duration;
    while t.sim.now() < end {
        let next = (t.sim.now() + 50).min(end);
        t.run_until(next);
        assert_exclusive(t, names);
    }
}

fn run_schedule(steps: Vec<Step>, cooperative: bool) {
    let mut t = Test::new(4, 0);
    let strategy = if cooperative { vec![AssignorName::CooperativeSticky] } else { vec![AssignorName::Range] };
    let config = ConsumerConfig {
        partition_assignment_strategy: strategy,
        session_timeout_ms: 6_000,
        heartbeat_interval_ms: 1_000,
        ..group("g")
    };
    let mut names: Vec<String> = Vec::new();
    for step in steps {
        let alive = running(&t, &names);
        match step {
            Step::Join => {
                let name = format!("c{}", names.len() + 1);
                t.add_consumer(&name, config.clone(), 0, CommitMode::Auto);
                names.push(name);
            }
            Step::Close(i) if !alive.is_empty() => {
                t.apply(Command::CloseConsumer { consumer: alive[i % alive.len()].clone() })
            }
            Step::Crash(i) if !alive.is_empty() => {
                t.apply(Command::CrashConsumer { consumer: alive[i % alive.len()].clone() })
            }
            Step::Wait(ms) => run_checked(&mut t, &names, ms),
            _ => {}
        }
        assert_exclusive(&t, &names);
    }
    // Settle: sessions of crashed members expire, rebalances finish.
    run_checked(&mut t, &names, 40_000);
    let alive = running(&t, &names);
    if !alive.is_empty() {
        let mut owned: Vec<TopicPartition> =
            alive.iter().flat_map(|n| t.sim.consumer(n).unwrap().snapshot().assignment).collect();
        owned.sort();
        assert_eq!(owned, all_partitions(4), "members {alive:?}");
        for name in &alive {
            let state = t.sim.consumer(name).unwrap().state();
            assert!(
                matches!(state, ConsumerState::Stable | ConsumerState::Idle),
                "{name} is {state:?} after the group settled"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn eager_members_never_share_a_partition_and_the_settled_group_owns_every_one(
        steps in proptest::collection::vec(step(), 1..14)
    ) {
        run_schedule(steps, false);
    }

    #[test]
    fn cooperative_members_never_share_a_partition_and_the_settled_group_owns_every_one(
        steps in proptest::collection::vec(step(), 1..14)
    ) {
        run_schedule(steps, true);
    }
}
