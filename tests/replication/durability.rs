//! What acks, min.insync.replicas, unclean election and idempotence
//! guarantee — and the exact moments they do not.

use kafka_playground::engine::command::Command;
use kafka_playground::engine::config::{Acks, TopicConfig};
use kafka_playground::engine::error::KafkaError;
use kafka_playground::engine::event::{Event, LogEvent, ProducerEvent, ReplicationEvent};
use kafka_playground::engine::ids::NodeId;
use kafka_playground::engine::net::{Fault, LinkMatch};

use super::harness::*;

#[test]
fn acks_1_leader_crash_loses_exactly_the_unreplicated_acknowledged_records() {
    let mut c = Cluster::new(3, 3, TopicConfig::default(), 11);
    let leader = c.leader().expect("orders-0 has a leader");
    let followers = c.others(leader);
    c.add_producer("loose", Acks::Leader, false);
    for i in 0..5 {
        c.produce("loose", &format!("replicated-{i}"), 100);
    }
    c.run_for(1_000);
    let replicated = c.acknowledged_offsets();
    assert_eq!(replicated, vec![0, 1, 2, 3, 4]);

    // The followers stop hearing from the leader; the producer still reaches it.
    c.partition_brokers(&[leader], &followers);
    for i in 0..4 {
        c.produce("loose", &format!("doomed-{i}"), 100);
    }
    let acknowledged = c.acknowledged_offsets();
    assert_eq!(acknowledged, (0..9).collect::<Vec<_>>(), "acks=1: the leader alone acknowledges");

    c.apply(Command::KillBroker { broker: leader });
    c.apply(Command::HealBroker { broker: leader });
    c.run_for(15_000);
    let new_leader = c.leader().expect("a follower from the ISR took over");
    assert!(followers.contains(&new_leader));

    c.apply(Command::RestartBroker { broker: leader });
    c.run_for(10_000);
    let lost: Vec<(i64, String)> = c
        .log_events()
        .filter(|(e, _)| e.node == NodeId::Broker(leader))
        .filter_map(|(_, l)| match l {
            LogEvent::LogTruncated { tp, lost, .. } if *tp == orders() => Some(lost.clone()),
            _ => None,
        })
        .flatten()
        .map(|r| (r.offset, r.value.map(|v| v.to_text_lossy()).unwrap_or_default()))
        .collect();
    let doomed: Vec<(i64, String)> = (0..4).map(|i| (5 + i, format!("doomed-{i}"))).collect();
    assert_eq!(lost, doomed, "exactly the acknowledged records no follower had");
    assert_eq!(c.committed_values(new_leader)[..5], c.committed_values(leader)[..5]);
    assert!(!c.committed_values(new_leader).iter().any(|v| v.starts_with("doomed")));
}

#[test]
fn acks_all_with_min_isr_2_survives_one_broker_loss_and_refuses_writes_after_the_second() {
    let config = TopicConfig { min_insync_replicas: 2, ..TopicConfig::default() };
    let mut c = Cluster::new(3, 3, config, 12);
    let leader = c.leader().unwrap();
    let followers = c.others(leader);
    c.add_producer("safe", Acks::All, true);
    c.produce("safe", "a", 1_000);
    assert_eq!(c.acknowledged_offsets(), vec![0]);

    c.apply(Command::KillBroker { broker: followers[0] });
    c.run_for(12_000);
    assert_eq!(c.isr().len(), 2, "the controller fenced the dead follower out of the ISR");
    c.produce("safe", "b", 2_000);
    assert_eq!(c.acknowledged_offsets(), vec![0, 1], "two in-sync replicas still accept acks=all writes");

    c.apply(Command::KillBroker { broker: followers[1] });
    c.run_for(12_000);
    assert_eq!(c.isr(), vec![leader]);
    c.produce("safe", "c", 2_000);
    assert_eq!(c.acknowledged_offsets(), vec![0, 1]);
    assert!(c
        .log_events()
        .any(|(_, l)| matches!(l, LogEvent::ProduceRejected { error: KafkaError::NotEnoughReplicas, .. })));
    assert!(c.events.iter().any(|e| matches!(
        &e.event,
        Event::Producer(ProducerEvent::ProduceFailed { error: KafkaError::NotEnoughReplicas, .. })
    )));
    assert_eq!(c.log_end_offset(leader), 2, "nothing was appended: Kafka checks before appending");
}

#[test]
fn unclean_election_loses_records_and_the_returning_replica_truncates() {
    let config = TopicConfig { unclean_leader_election_enable: true, ..TopicConfig::default() };
    let mut c = Cluster::new(2, 2, config, 13);
    let leader = c.leader().unwrap();
    let follower = c.others(leader)[0];
    c.add_producer("p", Acks::Leader, false);
    c.produce("p", "both-have-it", 1_000);

    c.apply(Command::KillBroker { broker: follower });
    c.run_for(12_000);
    assert_eq!(c.isr(), vec![leader]);
    c.produce("p", "only-on-the-leader", 1_000);
    c.apply(Command::KillBroker { broker: leader });
    c.run_for(12_000);
    assert_eq!(c.leader(), None, "offline: the only ISR member is dead");

    c.apply(Command::RestartBroker { broker: follower });
    c.run_for(12_000);
    assert_eq!(c.leader(), Some(follower), "an out-of-sync replica was elected (unclean)");
    assert!(c
        .events
        .iter()
        .any(|e| matches!(&e.event, Event::Replication(ReplicationEvent::LeaderElected { unclean: true, .. }))));
    c.produce("p", "after-the-election", 1_000);

    c.apply(Command::RestartBroker { broker: leader });
    c.run_for(12_000);
    let lost: Vec<String> = c
        .log_events()
        .filter(|(e, _)| e.node == NodeId::Broker(leader))
        .filter_map(|(_, l)| match l {
            LogEvent::LogTruncated { lost, .. } => Some(lost.clone()),
            _ => None,
        })
        .flatten()
        .map(|r| r.value.map(|v| v.to_text_lossy()).unwrap_or_default())
        .collect();
    assert_eq!(lost, vec!["only-on-the-leader".to_string()]);
    assert_eq!(c.committed_values(leader), vec!["both-have-it", "after-the-election"]);
}

/// Drops the first ProduceResponse: the producer retries after
/// `request.timeout.ms`, and the broker either recognises the retry or not.
fn retried_after_a_lost_acknowledgement(idempotent: bool) -> Vec<String> {
    let mut c = Cluster::new(3, 3, TopicConfig::default(), 14);
    let leader = c.leader().unwrap();
    let acks = if idempotent { Acks::All } else { Acks::Leader };
    c.add_producer("p", acks, idempotent);
    c.run_for(1_000);
    c.add_fault(Fault::Drop {
        link: LinkMatch {
            from: Some(NodeId::Broker(leader)),
            kind: Some("ProduceResponse".into()),
            ..LinkMatch::default()
        },
        count: Some(1),
        probability: 1.0,
    });
    c.produce("p", "once", 40_000);
    c.committed_values(leader)
}

#[test]
fn idempotence_turns_a_retried_batch_into_one_record_and_its_absence_into_a_duplicate() {
    assert_eq!(retried_after_a_lost_acknowledgement(true), vec!["once"]);
    assert_eq!(retried_after_a_lost_acknowledgement(false), vec!["once", "once"]);
}
