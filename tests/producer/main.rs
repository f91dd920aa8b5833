//! The producer end to end, through the whole simulated cluster: what
//! `acks`, retries, idempotence and transactions guarantee, checked against
//! the partition logs the brokers hold.

use std::collections::BTreeMap;

use kafka_playground::engine::client::{KeyPattern, ProducerRecord, Workload};
use kafka_playground::engine::command::Command;
use kafka_playground::engine::config::{BrokerConfig, ProducerConfig, TopicConfig};
use kafka_playground::engine::error::KafkaError;
use kafka_playground::engine::event::{ClusterEvent, Event, ProducerEvent, TimedEvent, TxnEvent};
use kafka_playground::engine::ids::{BrokerId, TopicPartition};
use kafka_playground::engine::net::{Fault, LinkMatch};
use kafka_playground::engine::record::{ControlType, RecordBatch};
use kafka_playground::engine::sim::{ClusterSpec, NodeStatus, Simulation};
use kafka_playground::engine::time::Millis;

struct Test {
    sim: Simulation,
    trace: Vec<TimedEvent>,
}

impl Test {
    /// Three brokers and `orders` with `partitions` partitions, replication factor 3.
    fn new(partitions: i32, seed: u64) -> Self {
        let mut spec = ClusterSpec::with_brokers(3);
        spec.broker_config = BrokerConfig {
            offsets_topic_num_partitions: 3,
            transaction_state_log_num_partitions: 3,
            ..BrokerConfig::default()
        };
        let mut sim = Simulation::new(&spec, seed).unwrap();
        sim.apply(Command::CreateTopic {
            replica_assignment: None,
            name: "orders".into(),
            partitions,
            replication_factor: Some(3),
            config: TopicConfig::default(),
        })
        .unwrap();
        let mut test = Test { sim, trace: Vec::new() };
        test.run_until(1_000); // leaders elected, metadata everywhere
        test
    }

    fn apply(&mut self, command: Command) {
        self.sim.apply(command).unwrap();
        self.trace.extend(self.sim.drain_events());
    }

    fn run_until(&mut self, time: Millis) {
        self.sim.run_until(time);
        self.trace.extend(self.sim.drain_events());
    }

    fn add_producer(&mut self, name: &str, config: ProducerConfig, workload: Workload) {
        self.apply(Command::AddProducer { name: name.into(), config, workload: Some(workload) });
    }

    fn leader(&self, tp: &TopicPartition) -> BrokerId {
        self.sim.controller().image().partition(&tp.topic, tp.partition).and_then(|p| p.leader).expect("a leader")
    }

    /// The committed part of a partition's log (below the high watermark) on its leader.
    fn committed_batches(&self, tp: &TopicPartition) -> Vec<RecordBatch> {
        let broker = self.sim.broker(self.leader(tp)).unwrap();
        let replica = broker.replica(tp).expect("the leader hosts the partition");
        replica.log.read(replica.log.log_start_offset(), u32::MAX, replica.high_watermark()).unwrap().batches
    }

    /// Values of the data records below the high watermark, in offset order.
    fn committed_values(&self, tp: &TopicPartition) -> Vec<String> {
        self.committed_batches(tp)
            .iter()
            .filter(|b| !b.is_control())
            .flat_map(|b| b.records.iter().map(|r| r.value.as_ref().unwrap().to_text_lossy()).collect::<Vec<_>>())
            .collect()
    }

    fn producer_events<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a ProducerEvent> + 'a {
        let id = self.sim.client_id(name).unwrap();
        self.trace.iter().filter_map(move |e| match &e.event {
            Event::Producer(p) if e.node == kafka_playground::engine::ids::NodeId::Client(id) => Some(p),
            _ => None,
        })
    }
}

fn workload(records: u64) -> Workload {
    Workload {
        topic: "orders".into(),
        rate_per_sec: 100.0,
        key: KeyPattern::None,
        value_bytes: 8,
        max_records: Some(records),
        records_per_transaction: None,
        abort_every: 0,
    }
}

fn drop_one_produce_response() -> Command {
    Command::AddFault {
        fault: Fault::Drop {
            link: LinkMatch { kind: Some("ProduceResponse".into()), ..LinkMatch::default() },
            count: Some(1),
            probability: 1.0,
        },
    }
}

/// Values that occur more than once in the log.
fn duplicates(values: &[String]) -> Vec<String> {
    let mut counts: BTreeMap<&String, u32> = BTreeMap::new();
    for v in values {
        *counts.entry(v).or_default() += 1;
    }
    counts.into_iter().filter(|(_, n)| *n > 1).map(|(v, _)| v.clone()).collect()
}

fn orders0() -> TopicPartition {
    TopicPartition::new("orders", 0)
}

/// Runs 200 records through a lost acknowledgement; returns the committed log values.
fn lost_ack_run(enable_idempotence: bool) -> (Test, Vec<String>) {
    let mut t = Test::new(1, 7);
    let config = ProducerConfig { enable_idempotence, request_timeout_ms: 5_000, ..ProducerConfig::default() };
    t.add_producer("p", config, workload(200));
    t.run_until(1_500);
    t.apply(drop_one_produce_response());
    t.run_until(30_000);
    let values = t.committed_values(&orders0());
    (t, values)
}

#[test]
fn idempotence_dedups_the_retry_of_a_batch_whose_acknowledgement_was_lost() {
    let (t, values) = lost_ack_run(true);
    let dropped = t.trace.iter().any(
        |e| matches!(&e.event, Event::Cluster(ClusterEvent::MessageDropped { kind, .. }) if kind == "ProduceResponse"),
    );
    assert!(dropped, "the fault dropped an acknowledgement");
    let retried = t.producer_events("p").any(|e| matches!(e, ProducerEvent::ProduceFailed { will_retry: true, .. }));
    assert!(retried, "the lost acknowledgement made the producer retry");
    assert_eq!(duplicates(&values), Vec::<String>::new(), "the broker dropped the retried batch");
    assert_eq!(values.len(), 200);
    let expected: Vec<String> = (0..200).map(|n| format!("{:.<8}", format!("v-{n}"))).collect();
    assert_eq!(values, expected, "every record once, in order");
}

#[test]
fn without_idempotence_the_retry_of_a_batch_whose_acknowledgement_was_lost_is_a_duplicate() {
    let (t, values) = lost_ack_run(false);
    let dups = duplicates(&values);
    assert!(!dups.is_empty(), "the retried batch was appended a second time");
    let mut distinct = values.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 200, "nothing lost either");
    assert_eq!(t.sim.producer("p").unwrap().stats().records_acknowledged, 200, "the producer saw each record once");
}

#[test]
fn every_acknowledged_record_is_in_the_log_after_the_leader_crashes() {
    let mut t = Test::new(3, 11);
    let config = ProducerConfig { request_timeout_ms: 5_000, ..ProducerConfig::default() };
    t.add_producer(
        "p",
        config,
        Workload { key: KeyPattern::Sequential { prefix: "k".into(), cardinality: 50 }, ..workload(1_000) },
    );
    t.run_until(4_000);
    let victim = t.leader(&orders0());
    t.apply(Command::KillBroker { broker: victim });
    t.run_until(40_000);
    assert_ne!(t.leader(&orders0()), victim, "a new leader was elected");
    let producer = t.sim.producer("p").unwrap();
    assert_eq!(producer.stats().records_acknowledged, 1_000);
    assert_eq!(producer.stats().records_failed, 0);
    for range in producer.acknowledged() {
        let batches = t.committed_batches(&range.tp);
        for offset in range.base_offset..range.base_offset + range.count as i64 {
            let present =
                batches.iter().any(|b| !b.is_control() && b.base_offset <= offset && offset <= b.last_offset());
            assert!(present, "acknowledged {}@{offset} is missing from the log", range.tp);
        }
    }
    for p in 0..3 {
        let tp = TopicPartition::new("orders", p);
        assert!(duplicates(&t.committed_values(&tp)).is_empty(), "idempotence: no duplicate in {tp}");
    }
}

#[test]
fn a_transactional_workload_commits_and_aborts_with_markers_in_the_log() {
    let mut t = Test::new(2, 3);
    let config = ProducerConfig { transactional_id: Some("tx-1".into()), ..ProducerConfig::default() };
    t.add_producer(
        "p",
        config,
        Workload {
            records_per_transaction: Some(10),
            abort_every: 3,
            key: KeyPattern::Sequential { prefix: "k".into(), cardinality: 10 },
            ..workload(90)
        },
    );
    t.run_until(30_000);
    let ended: Vec<bool> = t
        .trace
        .iter()
        .filter_map(|e| match &e.event {
            Event::Txn(TxnEvent::TransactionEnded { commit, .. }) => Some(*commit),
            _ => None,
        })
        .collect();
    assert_eq!(ended, vec![true, true, false, true, true, false, true, true, false], "every third transaction aborts");
    let mut markers: BTreeMap<&str, u32> = BTreeMap::new();
    let mut data = 0;
    for p in 0..2 {
        for batch in t.committed_batches(&TopicPartition::new("orders", p)) {
            match batch.control {
                Some(ControlType::Commit) => *markers.entry("commit").or_default() += 1,
                Some(ControlType::Abort) => *markers.entry("abort").or_default() += 1,
                None => {
                    assert!(batch.is_transactional);
                    data += batch.record_count();
                }
            }
        }
    }
    // Records still queued when the application aborts are purged, never
    // sent (Java: TransactionAbortedException; librdkafka: _PURGE_QUEUE);
    // aborted records that were sent stay in the log (read_committed skips them).
    let stats = t.sim.producer("p").unwrap().snapshot().stats;
    let purged = stats.failed_by_error.get("_PURGE_QUEUE").copied().unwrap_or(0);
    assert_eq!(data as u64 + purged, 90);
    assert_eq!(stats.records_acknowledged, data as u64, "every acknowledged record is in the log");
    assert_eq!(markers.get("commit"), Some(&12), "6 committed transactions, a marker in each of 2 partitions");
    assert_eq!(markers.get("abort"), Some(&6));
}

#[test]
fn a_second_producer_with_the_same_transactional_id_fences_the_first() {
    let mut t = Test::new(1, 5);
    let config = ProducerConfig { transactional_id: Some("shared".into()), ..ProducerConfig::default() };
    t.apply(Command::AddProducer { name: "old".into(), config: config.clone(), workload: None });
    t.run_until(2_000);
    t.apply(Command::BeginTransaction { producer: "old".into() });
    let record = ProducerRecord {
        topic: "orders".into(),
        partition: None,
        key: None,
        value: Some("from-old".into()),
        headers: vec![],
        timestamp: None,
    };
    t.apply(Command::Produce { producer: "old".into(), record: record.clone() });
    t.run_until(3_000);
    t.apply(Command::AddProducer { name: "new".into(), config, workload: None });
    t.run_until(6_000);
    let new_epoch = t.sim.producer("new").unwrap().producer_id().1;
    let old_epoch = t.sim.producer("old").unwrap().producer_id().1;
    assert!(new_epoch > old_epoch, "the new producer has a newer epoch ({new_epoch} > {old_epoch})");
    // The old producer's open transaction was aborted by the coordinator.
    assert!(t.committed_batches(&orders0()).iter().any(|b| b.control == Some(ControlType::Abort)));
    let err = t.sim.apply(Command::CommitTransaction { producer: "old".into() });
    assert!(err.is_ok(), "commit is accepted locally, the coordinator refuses it");
    t.run_until(8_000);
    let fenced = t
        .producer_events("old")
        .any(|e| matches!(e, ProducerEvent::ProducerFatalError { error: KafkaError::ProducerFenced, .. }));
    assert!(fenced, "the old producer learns it was fenced");
}

#[test]
fn an_open_transaction_is_aborted_after_transaction_timeout_ms() {
    let mut t = Test::new(1, 9);
    let config = ProducerConfig {
        transactional_id: Some("slow".into()),
        transaction_timeout_ms: 5_000,
        ..ProducerConfig::default()
    };
    t.apply(Command::AddProducer { name: "p".into(), config, workload: None });
    t.run_until(2_000);
    t.apply(Command::BeginTransaction { producer: "p".into() });
    let record = ProducerRecord {
        topic: "orders".into(),
        partition: None,
        key: None,
        value: Some("never-committed".into()),
        headers: vec![],
        timestamp: None,
    };
    t.apply(Command::Produce { producer: "p".into(), record });
    t.run_until(10_000);
    assert!(t.trace.iter().any(|e| matches!(&e.event, Event::Txn(TxnEvent::TransactionTimedOut { .. }))));
    assert!(t.committed_batches(&orders0()).iter().any(|b| b.control == Some(ControlType::Abort)));
    t.apply(Command::CommitTransaction { producer: "p".into() });
    t.run_until(12_000);
    assert!(
        t.producer_events("p").any(|e| matches!(e, ProducerEvent::ProducerFatalError { .. })),
        "the producer is fenced by the epoch bump"
    );
}

#[test]
fn close_flushes_and_stops_the_producer() {
    let mut t = Test::new(1, 13);
    let config = ProducerConfig { linger_ms: 60_000, delivery_timeout_ms: 120_000, ..ProducerConfig::default() };
    t.add_producer("p", config, Workload { rate_per_sec: 1_000.0, ..workload(50) });
    t.run_until(1_200);
    assert!(t.committed_values(&orders0()).len() < 50, "linger.ms holds the batch");
    t.apply(Command::CloseProducer { producer: "p".into() });
    t.run_until(2_000);
    assert_eq!(t.sim.client_status("p"), Some(NodeStatus::Stopped));
    assert_eq!(t.committed_values(&orders0()).len(), 50, "close sent what was queued");
    assert!(t.producer_events("p").any(|e| matches!(e, ProducerEvent::ProducerClosed { .. })));
}
