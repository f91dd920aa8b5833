//! Every example scenario's lesson asks one predict-then-check question.
//! These tests run each scenario to the question's `check_at`, work out from
//! the trace and the cluster's state which choice describes what happened,
//! and check that the lesson marks that choice right. A wrong answer key, or
//! a behaviour change that makes another choice true, fails here.

use std::collections::BTreeSet;

use kafka_playground::engine::blob::Blob;
use kafka_playground::engine::error::KafkaError;
use kafka_playground::engine::event::{
    ConsumerEvent, Event, GroupEvent, LogEvent, ProducerEvent, ReplicationEvent, TimedEvent,
};
use kafka_playground::engine::ids::TopicPartition;
use kafka_playground::engine::record::Offset;
use kafka_playground::engine::runner::Runner;
use kafka_playground::engine::scenario::Question;
use kafka_playground::engine::time::Millis;

use super::lessons::acknowledged;
use super::lessons_replication::{
    committed_batches, committed_values, duplicated, processed_offsets, transaction_outcomes,
};
use super::{example_names, load};

/// A scenario built and its question, before running.
fn start(name: &str) -> (Runner, Question) {
    let scenario = load(name);
    let question =
        scenario.lesson.as_ref().and_then(|l| l.question.clone()).unwrap_or_else(|| panic!("{name}: no question"));
    (Runner::new(&scenario, scenario.seed).unwrap(), question)
}

/// Runs to `check_at`; the whole trace so far.
fn run_to_check(runner: &mut Runner, question: &Question) -> Vec<TimedEvent> {
    let rejected = runner.run_until(question.check_at);
    assert!(rejected.is_empty(), "actions refused: {rejected:?}");
    runner.sim.drain_events()
}

fn at_check(name: &str) -> (Runner, Question, Vec<TimedEvent>) {
    let (mut runner, question) = start(name);
    let events = run_to_check(&mut runner, &question);
    (runner, question, events)
}

fn assert_answer(name: &str, question: &Question, observed: u32) {
    assert_eq!(
        question.answer, observed,
        "{name}: at check_at the run shows choice {observed} ({:?}), the lesson marks {} right",
        question.choices[observed as usize], question.answer
    );
}

fn between(events: &[TimedEvent], from: Millis, to: Millis) -> impl Iterator<Item = &Event> {
    events.iter().filter(move |e| e.time >= from && e.time <= to).map(|e| &e.event)
}

/// `PositionReset`s of `client`: (time, partition, offset, reason).
fn resets(events: &[TimedEvent], client: u32) -> Vec<(Millis, TopicPartition, Offset, String)> {
    events
        .iter()
        .filter_map(|e| match &e.event {
            Event::Consumer(ConsumerEvent::PositionReset { client: c, tp, offset, reason }) if *c == client => {
                Some((e.time, tp.clone(), *offset, reason.clone()))
            }
            _ => None,
        })
        .collect()
}

/// Offsets `broker` cut from its replica of `tp`.
fn truncated(events: &[TimedEvent], tp: &TopicPartition, broker: i32) -> BTreeSet<Offset> {
    events
        .iter()
        .filter_map(|e| match &e.event {
            Event::Log(LogEvent::LogTruncated { tp: t, broker: b, lost, .. }) if t == tp && *b == broker => {
                Some(lost.iter().map(|r| r.offset))
            }
            _ => None,
        })
        .flatten()
        .collect()
}

/// When `client` was first assigned a set containing `tp` after `after`.
fn assigned(events: &[TimedEvent], client: u32, tp: &TopicPartition, after: Millis) -> Option<Millis> {
    events.iter().find_map(|e| match &e.event {
        Event::Group(GroupEvent::AssignmentReceived { client: c, partitions, .. })
            if *c == client && e.time > after && partitions.contains(tp) =>
        {
            Some(e.time)
        }
        _ => None,
    })
}

/// Every example ships a lesson of the shape the app expects, and its
/// question names the Kafka setting or error it is about.
#[test]
fn every_example_scenario_has_a_lesson_naming_kafka_settings() {
    const KAFKA_NAMES: &[&str] = &[
        "acks",
        "min.insync.replicas",
        "NOT_ENOUGH_REPLICAS",
        "enable.auto.commit",
        "auto.offset.reset",
        "isolation.level",
        "unclean.leader.election.enable",
        "enable.idempotence",
        "retention.ms",
        "OFFSET_OUT_OF_RANGE",
        "cleanup.policy",
        "session.timeout.ms",
        "partition.assignment.strategy",
        "commit",
        "metadata.max.age.ms",
        "partitioner.class",
    ];
    for name in example_names() {
        let scenario = load(&name);
        let lesson = scenario.lesson.as_ref().unwrap_or_else(|| panic!("{name}: no lesson"));
        assert!((2..=5).contains(&lesson.steps.len()), "{name}: {} steps", lesson.steps.len());
        let q = lesson.question.as_ref().unwrap_or_else(|| panic!("{name}: no question"));
        assert_eq!(q.choices.len(), 3, "{name}");
        let text = format!("{} {} {}", q.prompt, q.choices.join(" "), q.explanation);
        assert!(KAFKA_NAMES.iter().any(|k| text.contains(k)), "{name}: the question names no Kafka setting or error");
        assert!(q.explanation.contains("common mistake"), "{name}: the explanation names the common mistake");
    }
}

#[test]
fn quickstart_consumers_start_at_offset_0_with_earliest() {
    let (runner, q, events) = at_check("quickstart");
    let clients = [runner.sim.client_id("billing-1").unwrap(), runner.sim.client_id("billing-2").unwrap()];
    let all: Vec<_> = clients.iter().flat_map(|c| resets(&events, *c)).collect();
    let when = all.iter().map(|r| r.0).min().expect("the consumers got their partitions");
    let already = acknowledged(&events, &TopicPartition::new("orders", 0), when).len()
        + acknowledged(&events, &TopicPartition::new("orders", 1), when).len()
        + acknowledged(&events, &TopicPartition::new("orders", 2), when).len();
    assert!((100..=140).contains(&already), "about 120 orders were written before the group formed: {already}");
    let observed = if all.is_empty() {
        2
    } else if all.len() == 3 && all.iter().all(|r| r.2 == 0 && r.3.contains("earliest")) {
        0
    } else {
        1
    };
    assert_answer("quickstart", &q, observed);
}

#[test]
fn acks1_leader_crash_truncates_acknowledged_records() {
    let (_, q, events) = at_check("acks1-leader-crash");
    let tp = TopicPartition::new("orders", 0);
    let lost = truncated(&events, &tp, 2);
    let acked_while_cut_off: BTreeSet<Offset> =
        acknowledged(&events, &tp, 8_000).difference(&acknowledged(&events, &tp, 5_000)).copied().collect();
    let observed = if lost.is_empty() {
        0
    } else if lost.iter().any(|o| acked_while_cut_off.contains(o))
        && lost.iter().all(|o| acknowledged(&events, &tp, 8_000).contains(o))
    {
        1
    } else {
        2
    };
    assert_answer("acks1-leader-crash", &q, observed);
}

#[test]
fn min_isr_refuses_writes_with_not_enough_replicas() {
    let (_, q, events) = at_check("min-isr-not-enough-replicas");
    let tp = TopicPartition::new("payments", 0);
    let alone_since = events
        .iter()
        .find_map(|e| match &e.event {
            Event::Replication(ReplicationEvent::LeaderElected { tp: t, isr, .. }) if *t == tp && isr == &[1] => {
                Some(e.time)
            }
            _ => None,
        })
        .expect("broker 1 ends up leading alone");
    let rejected = between(&events, q.at, q.check_at)
        .filter(|e| matches!(e, Event::Log(LogEvent::ProduceRejected { tp: t, error: KafkaError::NotEnoughReplicas, .. }) if *t == tp))
        .count();
    let acked_alone = acknowledged(&events, &tp, q.check_at + 1).len() - acknowledged(&events, &tp, alone_since).len();
    let observed = if acked_alone > 0 {
        0
    } else if rejected > 0 {
        1
    } else {
        2
    };
    assert_answer("min-isr-not-enough-replicas", &q, observed);
}

#[test]
fn compaction_keeps_offsets_and_leaves_gaps() {
    let (runner, q, events) = at_check("compaction");
    let compacted = between(&events, q.at, q.check_at)
        .any(|e| matches!(e, Event::Log(LogEvent::LogCompacted { removed_records, .. }) if *removed_records > 0));
    let offsets: Vec<Offset> = committed_batches(&runner, &TopicPartition::new("customer-addresses", 0))
        .iter()
        .flat_map(|b| b.records.iter().map(|r| b.offset_of(r)).collect::<Vec<_>>())
        .collect();
    // Renumbered would mean offsets 0, 1, 2, ... with no hole.
    let kept = offsets.first().is_some_and(|o| *o > 0) || offsets.windows(2).any(|w| w[1] > w[0] + 1);
    let observed = match (compacted, kept) {
        (false, _) => 2,
        (true, true) => 1,
        (true, false) => 0,
    };
    assert_answer("compaction", &q, observed);
}

#[test]
fn retention_resets_the_slow_consumer_past_deleted_records() {
    let (mut runner, q) = start("retention-out-of-range");
    runner.run_until(q.at);
    let reader = runner.sim.client_id("slow-reader").unwrap();
    let processed = runner.sim.consumer("slow-reader").unwrap().snapshot().counters.records_processed;
    assert!((15..=30).contains(&processed), "slow-reader has processed about 20 records: {processed}");
    let events = run_to_check(&mut runner, &q);
    let reset = resets(&events, reader).into_iter().find(|r| r.3.contains("OFFSET_OUT_OF_RANGE"));
    let read = processed_offsets(&events, reader);
    let observed = match reset {
        Some((_, _, offset, _)) => {
            let highest_read = read.iter().copied().max().unwrap_or(-1);
            assert!(offset > highest_read + 1, "records between {highest_read} and {offset} are skipped");
            1
        }
        None if runner.sim.consumer("slow-reader").is_some() => 0,
        None => 2,
    };
    assert_answer("retention-out-of-range", &q, observed);
}

#[test]
fn auto_commit_loss_takes_over_after_the_record_in_progress() {
    let (mut runner, q) = start("auto-commit-loss");
    runner.run_until(10_009);
    let in_progress = runner.sim.consumer("slow-1").unwrap().snapshot().processing.current.expect("processing").offset;
    assert_eq!(in_progress, 3, "the prompt names offset 3");
    let events = run_to_check(&mut runner, &q);
    let slow_2 = runner.sim.client_id("slow-2").unwrap();
    let start_at = resets(&events, slow_2).first().map(|r| r.2).expect("slow-2 took over before check_at");
    let observed = match start_at {
        o if o == in_progress => 0,
        o if o == in_progress + 1 => 1,
        0 => 2,
        o => panic!("slow-2 started at {o}"),
    };
    assert_answer("auto-commit-loss", &q, observed);
}

#[test]
fn cooperative_sticky_revokes_only_what_moves() {
    let (runner, q, events) = at_check("cooperative-sticky");
    let revoked: Vec<TopicPartition> = between(&events, q.at, q.check_at)
        .filter_map(|e| match e {
            Event::Group(GroupEvent::PartitionsRevoked { partitions, .. }) => Some(partitions.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    let newcomer = runner.sim.consumer("member-3").unwrap().snapshot().assignment;
    let observed = if revoked.len() >= 6 {
        0
    } else if newcomer.is_empty() {
        2
    } else {
        let mut moved = revoked.clone();
        moved.sort();
        assert_eq!(moved, newcomer, "the revoked partitions are exactly member-3's");
        assert_eq!(revoked.len(), 2);
        1
    };
    assert_answer("cooperative-sticky", &q, observed);
}

#[test]
fn crash_waits_for_the_session_timeout() {
    let (runner, q, events) = at_check("crash-vs-close");
    let crasher_2 = runner.sim.client_id("crasher-2").unwrap();
    let observed = match assigned(&events, crasher_2, &TopicPartition::new("clicks", 0), 20_000) {
        None => 2,
        Some(t) if t - 20_000 < 2_000 => 0,
        Some(t) if t - 20_000 >= 40_000 => 1,
        Some(t) => panic!("taken over at {t}"),
    };
    assert_answer("crash-vs-close", &q, observed);
}

#[test]
fn delivery_semantics_duplicates_one_group_and_loses_in_the_other() {
    let (runner, q, _) = at_check("delivery-semantics");
    let alo = runner.sim.delivery_report("at-least-once");
    let amo = runner.sim.delivery_report("at-most-once");
    let observed = if alo.duplicates > 0 && alo.losses == 0 && amo.losses > 0 && amo.duplicates == 0 {
        0
    } else if alo.duplicates + alo.losses + amo.duplicates + amo.losses == 0 {
        1
    } else if alo.losses > 0 && amo.duplicates > 0 {
        2
    } else {
        panic!("at-least-once {alo:?}, at-most-once {amo:?}")
    };
    assert_answer("delivery-semantics", &q, observed);
}

#[test]
fn idempotence_keeps_one_copy_only_for_the_idempotent_producer() {
    let (runner, q, _) = at_check("idempotence");
    let twice = |topic: &str| !duplicated(&committed_values(&runner, &TopicPartition::new(topic, 0))).is_empty();
    let observed = match (twice("payments-safe"), twice("payments-legacy")) {
        (true, true) => 0,
        (false, true) => 1,
        (false, false) => 2,
        (true, false) => panic!("only the idempotent producer wrote twice"),
    };
    assert_answer("idempotence", &q, observed);
}

#[test]
fn idle_consumer_gets_nothing() {
    let (runner, q, _) = at_check("idle-consumer");
    let newcomer = runner.sim.consumer("worker-4").unwrap().snapshot();
    assert!(newcomer.generation.is_some(), "worker-4 is a member");
    let observed = if newcomer.assignment.is_empty() { 1 } else { 0 };
    for name in ["worker-1", "worker-2", "worker-3"] {
        assert_eq!(runner.sim.consumer(name).unwrap().snapshot().assignment.len(), 1, "{name} keeps its partition");
    }
    assert_answer("idle-consumer", &q, observed);
}

#[test]
fn offset_reset_replays_from_the_committed_offsets_despite_latest() {
    let (runner, q, events) = at_check("offset-reset-replay");
    let reports_2 = runner.sim.client_id("reports-2").unwrap();
    let starts = resets(&events, reports_2);
    let replayed: u32 = events
        .iter()
        .filter_map(|e| match &e.event {
            Event::Consumer(ConsumerEvent::RecordsProcessed { client, count, .. }) if *client == reports_2 => {
                Some(*count)
            }
            _ => None,
        })
        .sum();
    let observed = if starts.is_empty() || replayed == 0 {
        2
    } else if starts.iter().all(|r| r.2 == 0 && r.3 == "committed offset") {
        assert_eq!(replayed, 100, "reports-2 reads all 100 orders again by check_at");
        1
    } else {
        0
    };
    assert_answer("offset-reset-replay", &q, observed);
}

#[test]
fn read_committed_skips_aborted_records_and_read_uncommitted_does_not() {
    let (runner, q, events) = at_check("read-committed");
    let (_, aborted) = transaction_outcomes(&committed_batches(&runner, &TopicPartition::new("orders", 0)));
    assert!(!aborted.is_empty(), "transactions were aborted by check_at");
    let saw = |name: &str| !processed_offsets(&events, runner.sim.client_id(name).unwrap()).is_disjoint(&aborted);
    let observed = match (saw("auditor"), saw("naive")) {
        (false, false) => 0,
        (false, true) => 1,
        (true, true) => 2,
        (true, false) => panic!("read_committed processed aborted records"),
    };
    assert_answer("read-committed", &q, observed);
}

#[test]
fn unclean_election_loses_what_only_the_old_leader_had() {
    let (_, q, events) = at_check("unclean-election");
    let tp = TopicPartition::new("orders", 0);
    let unclean = between(&events, q.at, q.check_at).any(|e| {
        matches!(e, Event::Replication(ReplicationEvent::LeaderElected { tp: t, unclean: true, leader, .. }) if *t == tp && *leader != 1)
    });
    let lost = truncated(&events, &tp, 1);
    let observed = match (unclean, lost.is_empty()) {
        (false, _) => 0,
        (true, false) => {
            assert!(lost.is_subset(&acknowledged(&events, &tp, 25_000)), "the lost records had been acknowledged");
            1
        }
        (true, true) => 2,
    };
    assert_answer("unclean-election", &q, observed);
}

/// (partition, offset) of every record `client` processed.
fn processed_records(events: &[TimedEvent], client: u32) -> BTreeSet<(i32, Offset)> {
    events
        .iter()
        .filter_map(|e| match &e.event {
            Event::Consumer(ConsumerEvent::RecordsProcessed { client: c, tp, first_offset, last_offset, .. })
                if *c == client =>
            {
                Some((*first_offset..=*last_offset).map(|o| (tp.partition, o)))
            }
            _ => None,
        })
        .flatten()
        .collect()
}

#[test]
fn two_groups_each_read_every_record() {
    let (runner, q, events) = at_check("two-groups");
    let billing = processed_records(&events, runner.sim.client_id("billing-1").unwrap());
    let analytics_id = runner.sim.client_id("analytics-1").unwrap();
    let analytics = processed_records(&events, analytics_id);
    assert_eq!(billing.len(), 100, "billing read all 100 orders before analytics joined");
    let log_kept = (0..3).all(|p| {
        let leader = runner.sim.controller().image().partition("orders", p).unwrap().leader.unwrap();
        runner.sim.broker(leader).unwrap().replica(&TopicPartition::new("orders", p)).unwrap().log.log_start_offset()
            == 0
    });
    let starts = resets(&events, analytics_id);
    assert_eq!(starts.len(), 3, "analytics-1 got a position on each partition: {starts:?}");
    let observed = if !log_kept {
        0
    } else if starts.iter().all(|r| r.2 == 0 && r.3.contains("earliest")) && analytics == billing {
        1
    } else if starts.iter().all(|r| billing.range((r.1.partition, r.2)..(r.1.partition + 1, 0)).next().is_none()) {
        2
    } else {
        panic!("analytics-1 started at {starts:?} and read {} records", analytics.len())
    };
    assert_answer("two-groups", &q, observed);
}

#[test]
fn adding_partitions_moves_a_key_and_leaves_its_old_records() {
    let (runner, q, events) = at_check("add-partitions-moves-keys");
    let producer = runner.sim.client_id("ledger-api").unwrap();
    let refreshed = events
        .iter()
        .find_map(|e| match &e.event {
            Event::Producer(ProducerEvent::MetadataRefreshed { client }) if *client == producer && e.time > q.at => {
                Some(e.time)
            }
            _ => None,
        })
        .expect("ledger-api refreshes its metadata before check_at");
    // (partition, offset, timestamp) of every committed account-2 record.
    let account_2: Vec<(i32, Offset, Millis)> = (0..6)
        .filter(|p| runner.sim.controller().image().partition("accounts", *p).is_some())
        .flat_map(|p| {
            committed_batches(&runner, &TopicPartition::new("accounts", p))
                .into_iter()
                .flat_map(move |b| {
                    b.records
                        .iter()
                        .filter(|r| r.key.as_ref().map(Blob::to_text_lossy).as_deref() == Some("account-2"))
                        .map(|r| (p, b.offset_of(r), b.timestamp_of(r)))
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let partitions_of = |from: Millis, to: Millis| -> BTreeSet<i32> {
        account_2.iter().filter(|r| r.2 >= from && r.2 < to).map(|r| r.0).collect()
    };
    let before = partitions_of(0, 12_000);
    let after = partitions_of(refreshed, q.check_at);
    assert!(!after.is_empty(), "account-2 events were written between the refresh and the check");
    let observed = if after == BTreeSet::from([1]) {
        0
    } else if before.contains(&1) {
        assert_eq!(before, BTreeSet::from([1]), "account-2's early events are all on accounts-1");
        assert!(!after.contains(&1), "after the refresh account-2 is written only to its new partition: {after:?}");
        1
    } else {
        // Its early events are no longer on accounts-1: moved along.
        2
    };
    assert_answer("add-partitions-moves-keys", &q, observed);
}

#[test]
fn a_key_keeps_records_on_one_partition_and_a_null_key_spreads_them() {
    let (_, q, events) = at_check("keys-and-ordering");
    // Records acknowledged in each partition of `topic` by check_at.
    let spread = |topic: &str| -> Vec<usize> {
        (0..3).map(|p| acknowledged(&events, &TopicPartition::new(topic, p), q.check_at).len()).collect()
    };
    let (keyed, unkeyed) = (spread("orders-keyed"), spread("orders-unkeyed"));
    let used = |counts: &[usize]| counts.iter().filter(|n| **n > 0).count();
    let observed = match (used(&keyed), used(&unkeyed)) {
        (1, 3) => 1,
        (1, 1) => 2,
        (3, 3) => 0,
        _ => panic!("orders-keyed {keyed:?}, orders-unkeyed {unkeyed:?}"),
    };
    if observed == 1 {
        // The runs: unkeyed fills one partition, then the next, not one record each in turn.
        assert!(unkeyed.iter().all(|n| *n >= 10), "a run of records in each partition: {unkeyed:?}");
    }
    assert_answer("keys-and-ordering", &q, observed);
}

/// The step at 3.43 s: unkeyed's records on orders-unkeyed-1 are processed
/// before earlier ones still waiting on orders-unkeyed-0.
#[test]
fn keys_and_ordering_later_records_overtake_earlier_ones_across_partitions() {
    let (runner, _, events) = at_check("keys-and-ordering");
    let processed_at = |client: &str, partition: i32| -> Vec<(Offset, Millis)> {
        let id = runner.sim.client_id(client).unwrap();
        events
            .iter()
            .filter_map(|e| match &e.event {
                Event::Consumer(ConsumerEvent::RecordsProcessed {
                    client: c, tp, first_offset, last_offset, ..
                }) if *c == id && tp.topic == "orders-unkeyed" && tp.partition == partition => {
                    Some((*first_offset..=*last_offset).map(move |o| (o, e.time)))
                }
                _ => None,
            })
            .flatten()
            .collect()
    };
    let first_on_1 = processed_at("shipping-2", 1).first().copied().expect("shipping-2 read orders-unkeyed-1");
    let last_on_0 = processed_at("shipping-1", 0).last().copied().expect("shipping-1 read orders-unkeyed-0");
    assert_eq!(first_on_1.0, 0);
    assert!(last_on_0.0 >= 30, "shipping-1 reached the end of unkeyed's first run: {last_on_0:?}");
    assert!(
        last_on_0.1 > first_on_1.1 + 1_500,
        "records sent earlier (orders-unkeyed-0) are processed well after later ones (orders-unkeyed-1): {last_on_0:?} vs {first_on_1:?}"
    );
}
