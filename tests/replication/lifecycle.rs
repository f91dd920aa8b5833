//! Brokers leaving and coming back: controlled shutdown, restart and catch
//! up, a slow follower.

use kafka_playground::engine::command::Command;
use kafka_playground::engine::config::{Acks, TopicConfig};
use kafka_playground::engine::event::{Event, LogEvent, ReplicationEvent};
use kafka_playground::engine::ids::NodeId;
use kafka_playground::engine::net::{Fault, LinkMatch};
use kafka_playground::engine::sim::NodeStatus;

use super::harness::*;

#[test]
fn controlled_shutdown_moves_leadership_first_then_stops_without_losing_anything() {
    let mut c = Cluster::new(3, 3, TopicConfig::default(), 21);
    let leader = c.leader().unwrap();
    c.add_producer("p", Acks::All, true);
    for i in 0..5 {
        c.produce("p", &format!("v{i}"), 50);
    }
    c.run_for(1_000);
    c.apply(Command::StopBroker { broker: leader });
    c.run_for(5_000);
    assert_eq!(c.sim.broker_status(leader), Some(NodeStatus::Stopped));
    let new_leader = c.leader().expect("leadership moved");
    assert_ne!(new_leader, leader);
    assert_eq!(c.committed_values(new_leader).len(), 5);
    assert!(!c.log_events().any(|(_, l)| matches!(l, LogEvent::LogTruncated { .. })));
}

#[test]
fn a_restarted_follower_catches_up_and_rejoins_the_isr() {
    let mut c = Cluster::new(3, 3, TopicConfig::default(), 22);
    let leader = c.leader().unwrap();
    let follower = c.others(leader)[0];
    c.add_producer("p", Acks::All, true);
    c.produce("p", "before", 500);
    c.apply(Command::KillBroker { broker: follower });
    c.run_for(12_000);
    assert!(!c.isr().contains(&follower));
    for i in 0..10 {
        c.produce("p", &format!("while-away-{i}"), 20);
    }
    c.run_for(1_000);
    c.apply(Command::RestartBroker { broker: follower });
    c.run_for(10_000);
    assert!(c.isr().contains(&follower), "back in the ISR: {:?}", c.isr());
    assert_eq!(c.log_end_offset(follower), c.log_end_offset(leader));
    assert_eq!(c.committed_values(follower), c.committed_values(leader));
    assert!(c.events.iter().any(|e| matches!(
        &e.event,
        Event::Replication(ReplicationEvent::IsrExpanded { added, .. }) if added.contains(&follower)
    )));
}

#[test]
fn a_slow_follower_drops_out_of_the_isr_and_returns_when_it_catches_up() {
    let mut c = Cluster::new(3, 3, TopicConfig::default(), 23);
    let leader = c.leader().unwrap();
    let slow = c.others(leader)[0];
    c.add_producer("p", Acks::Leader, false);
    // Only the replication link is slow: the follower still heartbeats in time.
    let link =
        LinkMatch { from: Some(NodeId::Broker(leader)), to: Some(NodeId::Broker(slow)), both_ways: true, kind: None };
    c.add_fault(Fault::Delay { link, extra_ms: 40_000 });
    for i in 0..50 {
        c.produce("p", &format!("v{i}"), 1_000);
    }
    assert!(!c.isr().contains(&slow), "not caught up for replica.lag.time.max.ms: {:?}", c.isr());
    assert!(c.events.iter().any(|e| matches!(
        &e.event,
        Event::Replication(ReplicationEvent::IsrShrunk { removed, .. }) if removed.contains(&slow)
    )));
    c.apply(Command::HealBroker { broker: slow });
    c.run_for(60_000);
    assert!(c.isr().contains(&slow), "caught up again: {:?}", c.isr());
}
