//! The durability lessons (unclean election, idempotence, transactions):
//! each scenario's claim checked on its trace and on the replicas' logs.

use std::collections::{BTreeMap, BTreeSet};

use kafka_playground::engine::blob::Blob;
use kafka_playground::engine::event::{
    ClusterEvent, ConsumerEvent, Event, LogEvent, ProducerEvent, ReplicationEvent, TimedEvent,
};
use kafka_playground::engine::ids::{NodeId, TopicPartition};
use kafka_playground::engine::record::{ControlType, Offset, RecordBatch};
use kafka_playground::engine::runner::Runner;

use super::load;

/// Runs a scenario to its end; returns the runner (for state) and the whole trace.
pub fn run_scenario(name: &str) -> (Runner, Vec<TimedEvent>) {
    let scenario = load(name);
    let mut runner = Runner::new(&scenario, scenario.seed).unwrap();
    let rejected = runner.run_until(scenario.until);
    assert!(rejected.is_empty(), "{name}: actions refused: {rejected:?}");
    let events = runner.sim.drain_events();
    (runner, events)
}

/// The batches of the current leader's replica of `tp` below its high watermark.
pub fn committed_batches(runner: &Runner, tp: &TopicPartition) -> Vec<RecordBatch> {
    let leader = runner.sim.controller().image().partition(&tp.topic, tp.partition).unwrap().leader.unwrap();
    let replica = runner.sim.broker(leader).unwrap().replica(tp).unwrap();
    let log = &replica.log;
    log.read(log.log_start_offset(), u32::MAX, replica.high_watermark()).unwrap().batches
}

/// Values of the data records in `tp`'s committed log, in offset order.
pub fn committed_values(runner: &Runner, tp: &TopicPartition) -> Vec<String> {
    committed_batches(runner, tp)
        .iter()
        .filter(|b| !b.is_control())
        .flat_map(|b| b.records.iter().map(|r| r.value.as_ref().map(Blob::to_text_lossy).unwrap_or_default()))
        .collect()
}

/// Values that occur more than once.
pub fn duplicated(values: &[String]) -> Vec<String> {
    let mut seen: BTreeMap<&str, u32> = BTreeMap::new();
    for v in values {
        *seen.entry(v).or_default() += 1;
    }
    seen.into_iter().filter(|(_, n)| *n > 1).map(|(v, _)| v.to_string()).collect()
}

#[test]
fn unclean_election_elects_an_out_of_sync_replica_and_acknowledged_records_are_truncated() {
    let (_, events) = run_scenario("unclean-election");
    let tp = TopicPartition::new("orders", 0);
    const KILL: i64 = 25_000;

    let shrunk_to_leader = events.iter().any(|e| {
        e.time < KILL
            && matches!(&e.event, Event::Replication(ReplicationEvent::IsrShrunk { tp: t, isr, .. }) if *t == tp && *isr == vec![1])
    });
    assert!(shrunk_to_leader, "the cut-off followers leave the ISR before the leader dies");

    let elections: Vec<(i64, i32, bool)> = events
        .iter()
        .filter_map(|e| match &e.event {
            Event::Replication(ReplicationEvent::LeaderElected { tp: t, leader, unclean, .. }) if *t == tp => {
                Some((e.time, *leader, *unclean))
            }
            _ => None,
        })
        .collect();
    let unclean: Vec<_> = elections.iter().filter(|(_, _, unclean)| *unclean).collect();
    assert_eq!(unclean.len(), 1, "exactly one unclean election: {elections:?}");
    let (elected_at, new_leader, _) = *unclean[0];
    assert!(elected_at > KILL && [2, 3].contains(&new_leader), "a lagging follower takes over: {elections:?}");

    let (truncated_to, lost): (Offset, BTreeSet<Offset>) = events
        .iter()
        .find_map(|e| match &e.event {
            Event::Log(LogEvent::LogTruncated { tp: t, broker: 1, truncated_to, lost }) if *t == tp => {
                Some((*truncated_to, lost.iter().map(|r| r.offset).collect()))
            }
            _ => None,
        })
        .expect("the returning old leader truncates what only it had");

    // Offsets broker 1 acknowledged before it died (acks=1: the leader alone).
    let mut acked = BTreeSet::new();
    for e in events.iter().filter(|e| e.time <= KILL) {
        if let Event::Producer(ProducerEvent::RecordsAcknowledged { tp: t, base_offset, count, .. }) = &e.event {
            if *t == tp {
                acked.extend(*base_offset..*base_offset + *count as Offset);
            }
        }
    }
    let acked_then_lost: BTreeSet<Offset> = acked.iter().copied().filter(|o| *o >= truncated_to).collect();
    assert!(acked_then_lost.len() > 100, "~20 s of acknowledged writes only broker 1 had: {}", acked_then_lost.len());
    assert!(
        acked_then_lost.is_subset(&lost),
        "every acknowledged record above the new leader's end is truncated: acked {acked_then_lost:?}, lost {lost:?}"
    );
    assert!(lost.iter().all(|o| *o >= truncated_to));
}

#[test]
fn idempotence_keeps_one_copy_of_a_retried_batch_and_its_absence_writes_it_twice() {
    let (runner, events) = run_scenario("idempotence");
    let safe = committed_values(&runner, &TopicPartition::new("payments-safe", 0));
    let legacy = committed_values(&runner, &TopicPartition::new("payments-legacy", 0));

    let drops_to = |client: u32| {
        events
            .iter()
            .filter(|e| {
                matches!(&e.event, Event::Cluster(ClusterEvent::MessageDropped { to: NodeId::Client(c), kind, .. })
                    if *c == client && kind == "ProduceResponse")
            })
            .count()
    };
    assert_eq!((drops_to(1), drops_to(2)), (1, 1), "each producer lost exactly one acknowledgement");

    assert_eq!(safe.len(), 20, "idempotent: every record once: {:?}", duplicated(&safe));
    assert!(duplicated(&safe).is_empty(), "idempotent: no duplicate: {:?}", duplicated(&safe));
    assert!(
        events.iter().any(
            |e| matches!(&e.event, Event::Log(LogEvent::DuplicateBatch { tp, .. }) if tp.topic == "payments-safe")
        ),
        "the leader recognised the retry by its sequence number"
    );

    let twice = duplicated(&legacy);
    assert!(!twice.is_empty(), "without idempotence the retried batch is appended again");
    assert_eq!(legacy.len(), 20 + twice.len(), "each retried value once more, nothing else: {twice:?}");
    let distinct: BTreeSet<&String> = legacy.iter().collect();
    assert_eq!(distinct.len(), 20, "nothing was lost either");
}

/// Offsets of the data records of committed and of aborted transactions, from the markers in the log.
pub fn transaction_outcomes(batches: &[RecordBatch]) -> (BTreeSet<Offset>, BTreeSet<Offset>) {
    let mut open: BTreeMap<i64, Vec<Offset>> = BTreeMap::new();
    let (mut committed, mut aborted) = (BTreeSet::new(), BTreeSet::new());
    for batch in batches {
        match batch.control {
            Some(kind) => {
                let offsets = open.remove(&batch.producer_id).unwrap_or_default();
                match kind {
                    ControlType::Commit => committed.extend(offsets),
                    ControlType::Abort => aborted.extend(offsets),
                }
            }
            None => {
                assert!(batch.is_transactional, "only the transactional producer writes here");
                let offsets = open.entry(batch.producer_id).or_default();
                offsets.extend(batch.records.iter().map(|r| batch.offset_of(r)));
            }
        }
    }
    (committed, aborted)
}

pub fn processed_offsets(events: &[TimedEvent], client: u32) -> BTreeSet<Offset> {
    let mut offsets = BTreeSet::new();
    for e in events {
        if let Event::Consumer(ConsumerEvent::RecordsProcessed { client: c, first_offset, last_offset, gaps, .. }) =
            &e.event
        {
            if *c == client {
                offsets.extend(
                    (*first_offset..=*last_offset).filter(|o| !gaps.iter().any(|g| g.first <= *o && *o <= g.last)),
                );
            }
        }
    }
    offsets
}

#[test]
fn read_committed_never_processes_a_record_of_an_aborted_transaction_and_read_uncommitted_does() {
    let (runner, events) = run_scenario("read-committed");
    let tp = TopicPartition::new("orders", 0);
    let (committed, aborted) = transaction_outcomes(&committed_batches(&runner, &tp));
    assert!(committed.len() >= 90 && aborted.len() >= 80, "committed {committed:?}, aborted {aborted:?}");

    let auditor = processed_offsets(&events, runner.sim.client_id("auditor").unwrap());
    let naive = processed_offsets(&events, runner.sim.client_id("naive").unwrap());
    assert!(auditor.is_disjoint(&aborted), "read_committed saw aborted records: {:?}", auditor.intersection(&aborted));
    assert_eq!(auditor, committed, "read_committed processes exactly the committed transactions' records");
    assert!(aborted.is_subset(&naive), "read_uncommitted processes the aborted records too");
    assert_eq!(naive, committed.union(&aborted).copied().collect(), "and every data record once");
}

/// Responses on one connection come back in request order, so a producer
/// sending 20 records a second notices a lost acknowledgement when the next
/// response overtakes it — in milliseconds, not after request.timeout.ms
/// (30 s) — and retries everything in flight while the leader still
/// remembers those batches (its last five per producer). Before this rule
/// the retry came 30 s later, long after five newer batches, and the leader
/// answered OUT_OF_ORDER_SEQUENCE_NUMBER hundreds of times.
#[test]
fn a_lost_acknowledgement_is_noticed_by_the_next_response_and_deduplicated_at_full_rate() {
    let mut scenario = load("quickstart");
    scenario.until = 20_000;
    scenario.actions.push(
        kafka_playground::engine::read::parse(
            r#"{"at": 5000, "do": {"type": "add_fault",
                "fault": {"type": "drop", "to": {"client": 1}, "kind": "ProduceResponse", "count": 1}}}"#,
        )
        .unwrap(),
    );
    let mut runner = Runner::new(&scenario, scenario.seed).unwrap();
    assert!(runner.run_until(scenario.until).is_empty());
    let events = runner.sim.drain_events();

    let dropped_at = events
        .iter()
        .find(|e| matches!(&e.event, Event::Cluster(ClusterEvent::MessageDropped { kind, .. }) if kind == "ProduceResponse"))
        .map(|e| e.time)
        .expect("the acknowledgement was dropped");
    let failures: Vec<(i64, String)> = events
        .iter()
        .filter_map(|e| match &e.event {
            Event::Producer(ProducerEvent::ProduceFailed { error, .. }) => Some((e.time, error.name().to_string())),
            _ => None,
        })
        .collect();
    assert!(!failures.is_empty(), "the lost acknowledgement made the producer retry");
    assert!(
        failures.iter().all(|(t, error)| error == "NETWORK_EXCEPTION" && *t < dropped_at + 1_000),
        "closed the connection within a second of the loss, nothing else failed: {failures:?}"
    );
    assert!(failures.len() <= 5, "at most max.in.flight.requests.per.connection retries: {failures:?}");
    assert!(
        events.iter().any(|e| matches!(&e.event, Event::Log(LogEvent::DuplicateBatch { .. }))),
        "the leader recognised the retried batch"
    );
    for partition in 0..3 {
        let values = committed_values(&runner, &TopicPartition::new("orders", partition));
        assert!(duplicated(&values).is_empty(), "orders-{partition}: {:?}", duplicated(&values));
    }
}
