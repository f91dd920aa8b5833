//! The consumer-group lessons: crash vs close, delivery semantics,
//! auto-commit loss, idle members, cooperative rebalancing.

use std::collections::BTreeMap;

use kafka_playground::engine::event::{ConsumerEvent, Event, GroupEvent, TimedEvent};
use kafka_playground::engine::ids::TopicPartition;
use kafka_playground::engine::runner::Runner;
use kafka_playground::engine::time::Millis;

use super::lessons_replication::run_scenario;
use super::load;

/// First `Rebalance` (a new generation) of `group` after `after`.
fn next_rebalance(events: &[TimedEvent], group: &str, after: Millis) -> Option<Millis> {
    events.iter().find_map(|e| match &e.event {
        Event::Group(GroupEvent::Rebalance { group: g, .. }) if g == group && e.time > after => Some(e.time),
        _ => None,
    })
}

#[test]
fn close_rebalances_at_once_but_a_crash_waits_for_the_session_timeout() {
    let (runner, events) = run_scenario("crash-vs-close");
    const AT: Millis = 20_000;
    let session_timeout = runner.sim.consumer("crasher-2").unwrap().snapshot().config.session_timeout_ms;
    assert_eq!(session_timeout, 45_000, "Kafka's default session.timeout.ms");

    let triggered = |group: &str| {
        events.iter().find_map(|e| match &e.event {
            Event::Group(GroupEvent::RebalanceTriggered { group: g, .. }) if g == group && e.time >= AT => Some(e.time),
            _ => None,
        })
    };
    let close_trigger = triggered("closers").expect("LeaveGroup starts a rebalance") - AT;
    let crash_trigger = triggered("crashers").expect("the session expiry starts a rebalance") - AT;
    assert!(close_trigger < 1_000, "close: the coordinator hears LeaveGroup at once ({close_trigger} ms)");

    // The dead member's last heartbeat was at most heartbeat.interval.ms (3 s) before the crash.
    assert!(
        (session_timeout - 3_000..=session_timeout + 100).contains(&crash_trigger),
        "crash: nothing happens until session.timeout.ms without a heartbeat ({crash_trigger} ms)"
    );

    // The survivors rejoin on their next heartbeat; then the new generation is complete.
    let close_gap = next_rebalance(&events, "closers", AT).unwrap() - AT;
    let crash_gap = next_rebalance(&events, "crashers", AT).unwrap() - AT;
    assert!(close_gap < 3_500, "close: the group has a new generation within a heartbeat ({close_gap} ms)");
    assert!(
        (session_timeout - 3_000..=session_timeout + 3_500).contains(&crash_gap),
        "crash: the new generation comes about session.timeout.ms later ({crash_gap} ms)"
    );

    // Until then the crashed member's partition has no reader in its group.
    for survivor in ["crasher-2", "closer-2"] {
        assert_eq!(runner.sim.consumer(survivor).unwrap().snapshot().assignment.len(), 2, "{survivor} ends with both");
    }
}

#[test]
fn commit_after_processing_duplicates_and_commit_before_processing_loses_when_a_consumer_crashes() {
    let (runner, _) = run_scenario("delivery-semantics");
    let at_least_once = runner.sim.delivery_report("at-least-once");
    let at_most_once = runner.sim.delivery_report("at-most-once");
    for name in ["alo-2", "amo-2"] {
        assert!(runner.sim.consumer(name).unwrap().snapshot().counters.records_processed > 0, "{name} took over");
    }
    assert!(
        at_least_once.duplicates > 0 && at_least_once.duplicates < 100,
        "re-read part of one batch: {at_least_once:?}"
    );
    assert_eq!(at_least_once.losses, 0, "{at_least_once:?}");
    assert_eq!(at_least_once.distinct, 2_000, "{at_least_once:?}");
    assert!(at_most_once.losses > 0 && at_most_once.losses < 100, "skipped the rest of one batch: {at_most_once:?}");
    assert_eq!(at_most_once.duplicates, 0, "{at_most_once:?}");
    assert_eq!(at_most_once.distinct + at_most_once.losses, 2_000, "{at_most_once:?}");
}

#[test]
fn auto_commit_during_slow_processing_then_a_crash_skips_the_record_in_progress() {
    let scenario = load("auto-commit-loss");
    let mut runner = Runner::new(&scenario, scenario.seed).unwrap();
    runner.run_until(10_009);
    let before = runner.sim.consumer("slow-1").unwrap().snapshot();
    let in_progress = before.processing.current.expect("slow-1 is processing a record").offset;
    assert!(runner.run_until(scenario.until).is_empty());
    let events = runner.sim.drain_events();
    let committed_at_crash = events.iter().any(|e| {
        matches!(&e.event, Event::Consumer(ConsumerEvent::OffsetsCommitted { offsets, .. })
            if (10_000..10_010).contains(&e.time) && offsets.iter().any(|(_, o)| *o == in_progress + 1))
    });
    assert!(committed_at_crash, "the auto-commit timer committed past the record in progress ({in_progress})");
    let report = runner.sim.delivery_report("mailer");
    assert_eq!(report.losses, 1, "exactly the record in progress is never processed: {report:?}");
    assert_eq!((report.distinct, report.duplicates), (49, 0), "{report:?}");
}

#[test]
fn a_fourth_consumer_on_three_partitions_gets_an_empty_assignment() {
    let (runner, events) = run_scenario("idle-consumer");
    let newcomer = runner.sim.client_id("worker-4").unwrap();
    let assigned_nothing = events.iter().any(|e| {
        matches!(&e.event, Event::Group(GroupEvent::AssignmentReceived { client, partitions, .. })
            if *client == newcomer && partitions.is_empty())
    });
    assert!(assigned_nothing, "worker-4 joined and was assigned nothing");
    let mut owned = Vec::new();
    for name in ["worker-1", "worker-2", "worker-3"] {
        let assignment = runner.sim.consumer(name).unwrap().snapshot().assignment;
        assert_eq!(assignment.len(), 1, "{name}: {assignment:?}");
        owned.extend(assignment);
    }
    owned.sort();
    assert_eq!(owned, (0..3).map(|p| TopicPartition::new("orders", p)).collect::<Vec<_>>());
    let idle = runner.sim.consumer("worker-4").unwrap().snapshot();
    assert!(idle.assignment.is_empty() && idle.counters.records_processed == 0, "{idle:?}");
    assert!(idle.generation.is_some(), "it is a member of the group, only idle");
}

fn owners(runner: &Runner, names: &[&str]) -> BTreeMap<TopicPartition, String> {
    let mut owners = BTreeMap::new();
    for name in names {
        if let Some(consumer) = runner.sim.consumer(name) {
            for tp in consumer.snapshot().assignment {
                assert!(owners.insert(tp.clone(), name.to_string()).is_none(), "{tp:?} owned twice");
            }
        }
    }
    owners
}

#[test]
fn cooperative_sticky_moves_only_the_partitions_the_newcomer_gets() {
    let scenario = load("cooperative-sticky");
    let mut runner = Runner::new(&scenario, scenario.seed).unwrap();
    let names = ["member-1", "member-2", "member-3"];
    runner.run_until(14_999);
    let before = owners(&runner, &names);
    assert_eq!(before.len(), 6, "two members own all six partitions: {before:?}");
    runner.sim.drain_events();
    assert!(runner.run_until(scenario.until).is_empty());
    let events = runner.sim.drain_events();
    let after = owners(&runner, &names);
    assert_eq!(after.len(), 6, "{after:?}");

    let moved: Vec<TopicPartition> =
        after.iter().filter(|(tp, o)| before[*tp] != **o).map(|(tp, _)| tp.clone()).collect();
    let newcomers: Vec<TopicPartition> =
        after.iter().filter(|(_, o)| o.as_str() == "member-3").map(|(tp, _)| tp.clone()).collect();
    for name in names {
        assert_eq!(after.values().filter(|o| o.as_str() == name).count(), 2, "balanced, two each: {after:?}");
    }
    assert_eq!(moved, newcomers, "no partition moved between the old members: before {before:?}, after {after:?}");

    let mut revoked: Vec<(String, TopicPartition)> = Vec::new();
    for e in &events {
        match &e.event {
            Event::Group(GroupEvent::PartitionsRevoked { client, partitions, .. }) => {
                let name = names.iter().find(|n| runner.sim.client_id(n) == Some(*client)).unwrap();
                revoked.extend(partitions.iter().map(|tp| (name.to_string(), tp.clone())));
            }
            Event::Group(GroupEvent::PartitionsLost { .. }) => panic!("nothing is lost: {:?}", e.event),
            _ => {}
        }
    }
    revoked.sort_by(|a, b| a.1.cmp(&b.1));
    let expected: Vec<(String, TopicPartition)> = moved.iter().map(|tp| (before[tp].clone(), tp.clone())).collect();
    assert_eq!(revoked, expected, "only the moving partitions are revoked, each once, by its old owner");
}
