//! The consumer end to end, through the whole simulated cluster: brokers,
//! controller, group coordinator, a producer, and consumers whose deliveries
//! the `DeliveryLedger` counts from the trace.

mod rebalance_props;

use kafka_playground::engine::client::consumer::ConsumerState;
use kafka_playground::engine::client::delivery::{DeliveryLedger, DeliveryReport};
use kafka_playground::engine::client::{CommitMode, ConsumerApp, KeyPattern, Subscription, Workload};
use kafka_playground::engine::command::Command;
use kafka_playground::engine::config::{
    AssignorName, AutoOffsetReset, BrokerConfig, ConsumerConfig, IsolationLevel, TopicConfig,
};
use kafka_playground::engine::event::{ConsumerEvent, Event, GroupEvent, TimedEvent};
use kafka_playground::engine::ids::TopicPartition;
use kafka_playground::engine::sim::{ClusterSpec, NodeStatus, Simulation};
use kafka_playground::engine::time::Millis;

/// A cluster with `orders` (`partitions` partitions, replication factor 3)
/// and a producer writing `records` keyed records at 200 a second.
struct Test {
    sim: Simulation,
    trace: Vec<TimedEvent>,
}

impl Test {
    fn new(partitions: i32, records: u64) -> Self {
        let mut spec = ClusterSpec::with_brokers(3);
        spec.broker_config = BrokerConfig { offsets_topic_num_partitions: 3, ..BrokerConfig::default() };
        let mut sim = Simulation::new(&spec, 42).unwrap();
        sim.apply(Command::CreateTopic {
            replica_assignment: None,
            name: "orders".into(),
            partitions,
            replication_factor: Some(3),
            config: TopicConfig::default(),
        })
        .unwrap();
        sim.apply(Command::AddProducer {
            name: "producer".into(),
            config: Default::default(),
            workload: Some(Workload {
                topic: "orders".into(),
                rate_per_sec: 200.0,
                key: KeyPattern::Sequential { prefix: "order-".into(), cardinality: 1000 },
                value_bytes: 16,
                max_records: Some(records),
                records_per_transaction: None,
                abort_every: 0,
            }),
        })
        .unwrap();
        Test { sim, trace: Vec::new() }
    }

    fn add_consumer(&mut self, name: &str, config: ConsumerConfig, processing_ms: Millis, commit_mode: CommitMode) {
        let app = ConsumerApp {
            subscription: Subscription::Subscribe(vec!["orders".into()]),
            processing_ms_per_record: processing_ms,
            commit_mode,
        };
        self.sim.apply(Command::AddConsumer { name: name.into(), config, app }).unwrap();
    }

    fn run_until(&mut self, time: Millis) {
        self.sim.run_until(time);
        self.trace.extend(self.sim.drain_events());
    }

    fn apply(&mut self, command: Command) {
        self.sim.apply(command).unwrap();
        self.trace.extend(self.sim.drain_events());
    }

    fn report(&self, group: &str) -> DeliveryReport {
        let mut ledger = DeliveryLedger::new();
        for event in &self.trace {
            ledger.observe(event);
        }
        ledger.report(group)
    }

    fn events(&self) -> impl Iterator<Item = (Millis, &Event)> {
        self.trace.iter().map(|e| (e.time, &e.event))
    }

    /// The assignment each consumer received last, by client name.
    fn assignments(&self) -> Vec<(String, Vec<TopicPartition>)> {
        let mut names = Vec::new();
        for (_, e) in self.events() {
            if let Event::Consumer(ConsumerEvent::ConsumerStarted { client, name, .. }) = e {
                names.push((*client, name.clone()));
            }
        }
        names
            .into_iter()
            .filter(|(_, name)| self.sim.client_status(name) == Some(NodeStatus::Running))
            .map(|(_, name)| (name.clone(), self.sim.consumer(&name).unwrap().snapshot().assignment))
            .collect()
    }

    fn processed_by(&self, name: &str) -> u64 {
        self.sim.consumer(name).unwrap().snapshot().counters.records_processed
    }
}

fn group(name: &str) -> ConsumerConfig {
    ConsumerConfig {
        group_id: Some(name.into()),
        auto_offset_reset: AutoOffsetReset::Earliest,
        session_timeout_ms: 10_000,
        ..ConsumerConfig::default()
    }
}

fn all_partitions(n: i32) -> Vec<TopicPartition> {
    (0..n).map(|p| TopicPartition::new("orders", p)).collect()
}

/// Each partition is owned by exactly one running member.
fn assert_partitions_owned_once(test: &Test, partitions: i32) {
    let mut owned: Vec<TopicPartition> = test.assignments().into_iter().flat_map(|(_, a)| a).collect();
    owned.sort();
    assert_eq!(owned, all_partitions(partitions), "assignments: {:?}", test.assignments());
}

#[test]
fn a_group_of_two_shares_three_partitions_and_processes_every_record_once() {
    let mut t = Test::new(3, 600);
    t.add_consumer("c1", group("g"), 0, CommitMode::Auto);
    t.add_consumer("c2", group("g"), 0, CommitMode::Auto);
    t.run_until(20_000);
    assert_partitions_owned_once(&t, 3);
    let report = t.report("g");
    assert_eq!((report.distinct, report.duplicates, report.losses), (600, 0, 0), "{report:?}");
    assert!(t.processed_by("c1") > 0 && t.processed_by("c2") > 0, "both members work");
    // Everything processed is committed by the auto-commit timer: no lag left.
    for name in ["c1", "c2"] {
        for p in t.sim.consumer(name).unwrap().snapshot().partitions {
            assert_eq!(p.lag, Some(0), "{name} {p:?}");
            assert_eq!(p.records_lag, Some(0), "{name} {p:?}");
        }
    }
}

#[test]
fn a_fourth_consumer_on_three_partitions_sits_idle() {
    let mut t = Test::new(3, 100);
    for name in ["c1", "c2", "c3", "c4"] {
        t.add_consumer(name, group("g"), 0, CommitMode::Auto);
    }
    t.run_until(15_000);
    assert_partitions_owned_once(&t, 3);
    let states: Vec<_> = ["c1", "c2", "c3", "c4"].iter().map(|n| t.sim.consumer(n).unwrap().state()).collect();
    let idle = states.iter().filter(|s| **s == ConsumerState::Idle).count();
    assert_eq!(idle, 1, "{states:?}");
    assert_eq!(t.report("g").distinct, 100);
}

/// Crashes `c1` in the middle of its processing, lets `c2` take over, and returns the group's numbers.
/// Both join at once; with one partition `c1` (the first member id) reads and `c2` waits idle.
fn crash_mid_processing(commit_mode: CommitMode) -> (Test, DeliveryReport) {
    let mut t = Test::new(1, 2_000);
    let config = ConsumerConfig { max_poll_records: 100, ..group("g") };
    t.add_consumer("c1", config.clone(), 10, commit_mode);
    t.add_consumer("c2", config, 10, commit_mode);
    t.run_until(12_345);
    let processing = t.sim.consumer("c1").unwrap().snapshot().processing;
    assert!(processing.current.is_some() && processing.remaining_in_batch > 1, "c1 is mid-batch: {processing:?}");
    assert_eq!(t.processed_by("c2"), 0, "c2 is idle until c1 dies");
    t.apply(Command::CrashConsumer { consumer: "c1".into() });
    t.run_until(60_000);
    let report = t.report("g");
    (t, report)
}

#[test]
fn commit_after_processing_and_a_crash_gives_duplicates_and_no_losses() {
    let (t, report) = crash_mid_processing(CommitMode::SyncAfterProcessing);
    // Re-read: what c1 processed of its last batch (at most max.poll.records) before dying.
    assert!(report.duplicates > 0 && report.duplicates < 100, "{report:?}");
    assert_eq!(report.losses, 0, "{report:?}");
    assert_eq!(report.distinct, 2_000, "every record was processed at least once: {report:?}");
    assert!(t.processed_by("c2") > 0);
}

#[test]
fn commit_before_processing_and_a_crash_gives_losses() {
    let (_, report) = crash_mid_processing(CommitMode::SyncBeforeProcessing);
    // Skipped: what c1 had committed of its last batch but not processed yet.
    assert!(report.losses > 0 && report.losses < 100, "{report:?}");
    assert_eq!(report.duplicates, 0, "{report:?}");
    assert_eq!(report.distinct + report.losses, 2_000, "{report:?}");
}

#[test]
fn auto_commit_with_slow_processing_and_a_crash_skips_the_record_in_progress() {
    let mut t = Test::new(1, 50);
    let config = ConsumerConfig { auto_commit_interval_ms: 5_000, max_poll_records: 10, ..group("g") };
    t.add_consumer("c1", config.clone(), 1_000, CommitMode::Auto);
    t.add_consumer("c2", config, 1_000, CommitMode::Auto);
    // At 10 s the auto-commit timer fires while c1 processes a record: it commits the offset
    // after that record (librdkafka's stored offset). c1 dies before finishing it.
    t.run_until(10_000);
    let snapshot = t.sim.consumer("c1").unwrap().snapshot();
    let in_progress = snapshot.processing.current.expect("c1 is processing");
    assert_eq!(snapshot.partitions[0].stored_offset, Some(in_progress.offset + 1));
    assert!(in_progress.offset > 0);
    t.apply(Command::CrashConsumer { consumer: "c1".into() });
    t.run_until(120_000);
    let committed: Vec<i64> = t
        .events()
        .filter_map(|(_, e)| match e {
            Event::Group(GroupEvent::OffsetCommitted { offset, .. }) => Some(*offset),
            _ => None,
        })
        .collect();
    assert!(committed.contains(&(in_progress.offset + 1)), "the commit sent at the crash landed: {committed:?}");
    let report = t.report("g");
    assert_eq!(report.losses, 1, "exactly the record in progress is lost: {report:?}");
    assert_eq!((report.distinct, report.duplicates), (49, 0), "{report:?}");
}

/// When the survivor got the crashed (or closed) member's partition.
fn takeover_time(t: &Test, survivor: &str, after: Millis) -> Millis {
    let id = t.sim.client_id(survivor).unwrap();
    t.trace
        .iter()
        .find_map(|e| match &e.event {
            Event::Group(GroupEvent::AssignmentReceived { client, partitions, .. })
                if *client == id && e.time > after && partitions.len() == 2 =>
            {
                Some(e.time)
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("{survivor} never took over"))
}

#[test]
fn a_crash_waits_for_the_session_timeout_but_close_rebalances_at_once() {
    let mut crash = Test::new(2, 100);
    crash.add_consumer("c1", group("g"), 0, CommitMode::Auto);
    crash.add_consumer("c2", group("g"), 0, CommitMode::Auto);
    crash.run_until(15_000);
    crash.apply(Command::CrashConsumer { consumer: "c1".into() });
    crash.run_until(60_000);
    let crash_delay = takeover_time(&crash, "c2", 15_000) - 15_000;

    let mut close = Test::new(2, 100);
    close.add_consumer("c1", group("g"), 0, CommitMode::Auto);
    close.add_consumer("c2", group("g"), 0, CommitMode::Auto);
    close.run_until(15_000);
    close.apply(Command::CloseConsumer { consumer: "c1".into() });
    close.run_until(60_000);
    let close_delay = takeover_time(&close, "c2", 15_000) - 15_000;

    // The session expires 10 s after the dead member's last heartbeat, sent at most
    // heartbeat.interval.ms (3 s) before the crash.
    assert!((7_000..=10_500).contains(&crash_delay), "a crash waits for session.timeout.ms: took {crash_delay} ms");
    assert!(close_delay < 3_500, "close sends LeaveGroup: took {close_delay} ms");
    assert_eq!(close.sim.client_status("c1"), Some(NodeStatus::Stopped));
    assert!(close
        .events()
        .any(|(_, e)| matches!(e, Event::Consumer(ConsumerEvent::LeftGroup { sent_leave_group: true, .. }))));
}

#[test]
fn cooperative_sticky_moves_only_the_partitions_it_must() {
    let mut t = Test::new(6, 300);
    let config = ConsumerConfig { partition_assignment_strategy: vec![AssignorName::CooperativeSticky], ..group("g") };
    t.add_consumer("c1", config.clone(), 0, CommitMode::Auto);
    t.add_consumer("c2", config.clone(), 0, CommitMode::Auto);
    t.run_until(15_000);
    let before: Vec<_> = t.assignments();
    t.add_consumer("c3", config, 0, CommitMode::Auto);
    t.run_until(40_000);
    assert_partitions_owned_once(&t, 6);
    let after = t.assignments();
    assert!(after.iter().all(|(_, a)| a.len() == 2), "balanced: {after:?}");
    // Only two partitions changed owner, and only they were revoked.
    let revoked: Vec<TopicPartition> = t
        .events()
        .filter(|(time, _)| *time > 15_000)
        .flat_map(|(_, e)| match e {
            Event::Group(GroupEvent::PartitionsRevoked { partitions, .. }) => partitions.clone(),
            _ => vec![],
        })
        .collect();
    assert_eq!(revoked.len(), 2, "revoked {revoked:?}; before {before:?}, after {after:?}");
    for (name, partitions) in &before {
        let now = &after.iter().find(|(n, _)| n == name).unwrap().1;
        let kept = partitions.iter().filter(|tp| now.contains(tp)).count();
        assert_eq!(kept, 2, "{name} keeps two of its three partitions");
    }
    assert_eq!(t.report("g").duplicates, 0);
}

#[test]
fn a_consumer_follows_its_partition_to_the_new_leader_when_the_leader_dies() {
    let mut t = Test::new(1, 1_000);
    t.add_consumer("c1", group("g"), 0, CommitMode::Auto);
    t.run_until(4_000);
    let leader = t.sim.controller().image().partition("orders", 0).unwrap().leader.unwrap();
    t.apply(Command::KillBroker { broker: leader });
    t.run_until(40_000);
    let new_leader = t.sim.controller().image().partition("orders", 0).unwrap().leader.unwrap();
    assert_ne!(new_leader, leader);
    let snapshot = t.sim.consumer("c1").unwrap().snapshot();
    assert_eq!(snapshot.partitions[0].leader, Some(new_leader), "the consumer fetches from the new leader");
    let report = t.report("g");
    assert_eq!((report.distinct, report.duplicates, report.losses), (1_000, 0, 0), "{report:?}");
}

#[test]
fn retention_passing_the_position_resets_it_to_earliest() {
    let mut spec = ClusterSpec::with_brokers(1);
    spec.broker_config = BrokerConfig {
        offsets_topic_num_partitions: 1,
        log_retention_check_interval_ms: 1_000,
        ..BrokerConfig::default()
    };
    let mut sim = Simulation::new(&spec, 3).unwrap();
    let config = TopicConfig { retention_ms: 2_000, segment_ms: 1_000, ..TopicConfig::default() };
    sim.apply(Command::CreateTopic {
        replica_assignment: None,
        name: "orders".into(),
        partitions: 1,
        replication_factor: Some(1),
        config,
    })
    .unwrap();
    sim.apply(Command::AddProducer {
        name: "producer".into(),
        config: Default::default(),
        workload: Some(Workload {
            topic: "orders".into(),
            rate_per_sec: 100.0,
            key: KeyPattern::None,
            value_bytes: 16,
            max_records: None,
            records_per_transaction: None,
            abort_every: 0,
        }),
    })
    .unwrap();
    let app = ConsumerApp {
        subscription: Subscription::Assign(vec![TopicPartition::new("orders", 0)]),
        processing_ms_per_record: 0,
        commit_mode: CommitMode::Auto,
    };
    let config = ConsumerConfig { auto_offset_reset: AutoOffsetReset::Earliest, ..ConsumerConfig::default() };
    sim.apply(Command::AddConsumer { name: "c".into(), config, app }).unwrap();
    sim.run_until(10_000);
    let log_start = sim.consumer("c").unwrap().snapshot().partitions[0].log_start_offset.unwrap();
    assert!(log_start > 0, "retention deleted the first segments");
    sim.drain_events();
    sim.apply(Command::Seek { consumer: "c".into(), tp: TopicPartition::new("orders", 0), offset: 0 }).unwrap();
    sim.run_until(11_000);
    let resets: Vec<(i64, String)> = sim
        .drain_events()
        .into_iter()
        .filter_map(|e| match e.event {
            Event::Consumer(ConsumerEvent::PositionReset { offset, reason, .. }) => Some((offset, reason)),
            _ => None,
        })
        .collect();
    assert_eq!(resets.len(), 2, "{resets:?}");
    assert_eq!(resets[0], (0, "seek".to_string()));
    assert_eq!(resets[1].1, "OFFSET_OUT_OF_RANGE: reset to earliest");
    assert!(resets[1].0 >= log_start, "{resets:?}");
}

#[test]
fn read_committed_skips_aborted_transactions_and_read_uncommitted_does_not() {
    let mut t = Test::new(1, 0);
    t.apply(Command::AddProducer {
        name: "txn".into(),
        config: kafka_playground::engine::config::ProducerConfig {
            transactional_id: Some("tx-1".into()),
            ..Default::default()
        },
        workload: Some(Workload {
            topic: "orders".into(),
            rate_per_sec: 200.0,
            key: KeyPattern::None,
            value_bytes: 16,
            max_records: Some(300),
            records_per_transaction: Some(10),
            abort_every: 3,
        }),
    });
    for (name, isolation) in
        [("committed", IsolationLevel::ReadCommitted), ("uncommitted", IsolationLevel::ReadUncommitted)]
    {
        let app = ConsumerApp {
            subscription: Subscription::Assign(vec![TopicPartition::new("orders", 0)]),
            processing_ms_per_record: 0,
            commit_mode: CommitMode::Auto,
        };
        let config = ConsumerConfig {
            auto_offset_reset: AutoOffsetReset::Earliest,
            isolation_level: isolation,
            ..ConsumerConfig::default()
        };
        t.apply(Command::AddConsumer { name: name.into(), config, app });
    }
    t.run_until(30_000);
    // 30 transactions of 10 records, every third aborted; the abort purges the record still in
    // the accumulator, so the log holds 20 x 10 committed + 10 x 9 aborted records and 30 markers.
    let committed = t.sim.consumer("committed").unwrap().snapshot();
    let uncommitted = t.sim.consumer("uncommitted").unwrap().snapshot();
    assert_eq!(uncommitted.partitions[0].high_watermark, Some(320));
    assert_eq!(t.processed_by("uncommitted"), 290, "every data record, aborted ones included");
    assert_eq!(t.processed_by("committed"), 200, "only the committed transactions");
    assert_eq!(committed.partitions[0].position, uncommitted.partitions[0].position, "both step over the markers");
}

#[test]
fn a_batch_slower_than_max_poll_interval_gets_the_member_out_of_the_group() {
    let mut t = Test::new(1, 400);
    let config = ConsumerConfig { max_poll_records: 100, max_poll_interval_ms: 5_000, ..group("g") };
    t.add_consumer("c1", config.clone(), 100, CommitMode::SyncAfterProcessing);
    t.add_consumer("c2", config, 0, CommitMode::SyncAfterProcessing);
    t.run_until(60_000);
    let c1 = t.sim.client_id("c1").unwrap();
    let left = t.events().find_map(|(time, e)| match e {
        Event::Consumer(ConsumerEvent::LeftGroup { client, reason, sent_leave_group, .. }) if *client == c1 => {
            Some((time, reason.clone(), *sent_leave_group))
        }
        _ => None,
    });
    let (_, reason, sent) = left.expect("c1 left the group");
    assert!(reason.contains("max.poll.interval.ms"), "{reason}");
    assert!(sent, "a dynamic member sends LeaveGroup");
    // c2 took over and re-read what c1 had processed but could not commit.
    let report = t.report("g");
    assert!(report.duplicates > 0, "{report:?}");
    assert_eq!((report.distinct, report.losses), (400, 0), "{report:?}");
}
