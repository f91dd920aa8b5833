//! Each example scenario teaches one thing; these tests check that the
//! simulation really shows it, on the events a learner would see.

use std::collections::BTreeSet;

use kafka_playground::engine::error::KafkaError;
use kafka_playground::engine::event::{ConsumerEvent, Event, LogEvent, ProducerEvent, ReplicationEvent, TimedEvent};
use kafka_playground::engine::ids::TopicPartition;
use kafka_playground::engine::runner::Runner;

use super::load;

fn run(name: &str) -> Vec<TimedEvent> {
    let scenario = load(name);
    let mut runner = Runner::new(&scenario, scenario.seed).unwrap();
    runner.run_until(scenario.until);
    runner.sim.drain_events()
}

/// Offsets the producer was told were written, per the delivery reports.
pub fn acknowledged(events: &[TimedEvent], tp: &TopicPartition, before: i64) -> BTreeSet<i64> {
    let mut offsets = BTreeSet::new();
    for e in events.iter().filter(|e| e.time < before) {
        if let Event::Producer(ProducerEvent::RecordsAcknowledged { tp: t, base_offset, count, .. }) = &e.event {
            if t == tp {
                offsets.extend(*base_offset..*base_offset + *count as i64);
            }
        }
    }
    offsets
}

#[test]
fn acks_1_leader_crash_loses_exactly_the_unreplicated_acknowledged_records() {
    let events = run("acks1-leader-crash");
    let tp = TopicPartition::new("orders", 0);
    let elected: Vec<_> = events
        .iter()
        .filter_map(|e| match &e.event {
            Event::Replication(ReplicationEvent::LeaderElected { tp: t, leader, unclean, .. }) if *t == tp => {
                Some((*leader, *unclean))
            }
            _ => None,
        })
        .collect();
    assert_eq!(elected.len(), 1, "one election after broker 2 (the leader) dies: {elected:?}");
    assert_ne!(elected[0].0, 2, "a follower takes over");
    assert!(!elected[0].1, "a clean election: the follower was in the ISR");

    let (truncated_to, lost): (i64, BTreeSet<i64>) = events
        .iter()
        .find_map(|e| match &e.event {
            Event::Log(LogEvent::LogTruncated { tp: t, broker: 2, truncated_to, lost }) if *t == tp => {
                Some((*truncated_to, lost.iter().map(|r| r.offset).collect()))
            }
            _ => None,
        })
        .expect("the returning old leader truncates its divergent suffix");
    assert!(!lost.is_empty(), "records are lost");

    // Everything acknowledged while the followers were cut off, and only that.
    let acked = acknowledged(&events, &tp, 8_000);
    let acked_after_cut: BTreeSet<i64> = acked.iter().copied().filter(|o| *o >= truncated_to).collect();
    assert_eq!(lost, acked_after_cut, "lost records are exactly the acknowledged ones the followers never fetched");
}

#[test]
fn min_insync_replicas_refuses_writes_only_when_the_isr_is_too_small() {
    let events = run("min-isr-not-enough-replicas");
    let tp = TopicPartition::new("payments", 0);
    let failures_with = |error: KafkaError, from: i64, to: i64| {
        events
            .iter()
            .filter(|e| e.time >= from && e.time < to)
            .filter(|e| matches!(&e.event, Event::Producer(ProducerEvent::ProduceFailed { tp: t, error: err, .. }) if *t == tp && *err == error))
            .count()
    };
    let acks_between =
        |from: i64, to: i64| acknowledged(&events, &tp, to).len() - acknowledged(&events, &tp, from).len();

    assert!(acks_between(0, 5_000) > 0, "writes succeed with a full ISR");
    assert!(acks_between(16_000, 20_000) > 0, "one broker down: the ISR of two still takes writes");
    assert_eq!(failures_with(KafkaError::NotEnoughReplicas, 0, 20_000), 0);
    assert!(
        failures_with(KafkaError::NotEnoughReplicas, 20_000, 40_000) > 0,
        "two brokers down: the leader refuses writes with NOT_ENOUGH_REPLICAS"
    );
    assert_eq!(acks_between(31_000, 40_000), 0, "nothing is acknowledged while the ISR is below the minimum");
    assert!(acks_between(45_000, 60_000) > 0, "writes resume once the brokers are back in the ISR");
}

#[test]
fn retention_passing_a_slow_consumer_resets_it_with_offset_out_of_range() {
    let events = run("retention-out-of-range");
    let deleted_by_retention = events.iter().any(
        |e| matches!(&e.event, Event::Log(LogEvent::SegmentDeleted { reason, .. }) if reason.contains("retention.ms")),
    );
    assert!(deleted_by_retention, "retention.ms deletes closed segments");
    let reset = events.iter().any(|e| {
        matches!(&e.event, Event::Consumer(ConsumerEvent::PositionReset { reason, .. }) if reason.contains("OFFSET_OUT_OF_RANGE"))
    });
    assert!(reset, "the slow consumer's position fell off the log and was reset");
}

#[test]
fn compaction_removes_superseded_values_and_keeps_offsets() {
    let events = run("compaction");
    let removed: u32 = events
        .iter()
        .filter_map(|e| match &e.event {
            Event::Log(LogEvent::LogCompacted { removed_records, .. }) => Some(*removed_records),
            _ => None,
        })
        .sum();
    assert!(removed > 0, "the cleaner removed superseded records");
}

#[test]
fn resetting_a_group_to_earliest_replays_every_retained_record() {
    let events = run("offset-reset-replay");
    let processed_by = |client: u32| -> BTreeSet<(i32, i64)> {
        let mut seen = BTreeSet::new();
        for e in &events {
            if let Event::Consumer(ConsumerEvent::RecordsProcessed {
                client: c, tp, first_offset, last_offset, ..
            }) = &e.event
            {
                if *c == client {
                    seen.extend((*first_offset..=*last_offset).map(|o| (tp.partition, o)));
                }
            }
        }
        seen
    };
    let first = processed_by(2);
    let replay = processed_by(3);
    assert_eq!(first.len(), 100, "the first consumer reads all 100 records");
    assert_eq!(replay, first, "after the reset the new member reads the same records again, not just new ones");
}

#[test]
fn offset_reset_is_refused_while_the_group_has_members() {
    let mut scenario = load("offset-reset-replay");
    scenario.actions.retain(|a| a.at != 12_000); // never close reports-1
    let mut runner = Runner::new(&scenario, scenario.seed).unwrap();
    let rejected = runner.run_until(15_500);
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert_eq!(rejected[0].error.field.as_deref(), Some("group"));
    assert!(rejected[0].error.message.contains("can only be reset if the group 'reports' is inactive"));
}

#[test]
fn delete_records_moves_the_log_start_offset_and_consumers_start_there() {
    use kafka_playground::engine::command::Command;
    let scenario = load("offset-reset-replay");
    let mut runner = Runner::new(&scenario, scenario.seed).unwrap();
    runner.run_until(10_000);
    let tp = TopicPartition::new("orders", 0);
    runner.apply_now(Command::DeleteRecords { tp: tp.clone(), before_offset: 10 }).unwrap();
    runner.run_until(10_100);
    let leader = runner.sim.controller().image().partition("orders", 0).unwrap().leader.unwrap();
    assert_eq!(runner.sim.broker(leader).unwrap().replica(&tp).unwrap().log.log_start_offset(), 10);
    let err = runner.apply_now(Command::DeleteRecords { tp, before_offset: 1_000_000 }).unwrap_err();
    assert_eq!(err.field.as_deref(), Some("before_offset"), "beyond the high watermark: {err}");
}
