//! The controller driven alone through `TestCtx`: messages in, effects out,
//! timers fired by a small clock of the test's own.

use std::collections::BTreeMap;

use super::*;
use crate::engine::config::TopicConfig;
use crate::engine::event::{ClusterEvent, Event};
use crate::engine::node::{Effect, TestCtx, Timer};
use crate::engine::protocol::{
    AlterPartitionRequest, AlterPartitionResponse, BrokerHeartbeatRequest, BrokerHeartbeatResponse,
    BrokerRegistrationRequest, BrokerRegistrationResponse, ControlledShutdownRequest, ControlledShutdownResponse,
};

pub(super) struct Harness {
    pub controller: Controller,
    t: TestCtx,
    pub now: Millis,
    timers: Vec<(Millis, ControllerTimer)>,
    pub events: Vec<Event>,
    pub sent: Vec<(NodeId, Message)>,
    incarnations: BTreeMap<BrokerId, u32>,
}

const HEARTBEAT_MS: Millis = 2_000;

impl Harness {
    pub fn new(brokers: &[BrokerId]) -> Self {
        let racks: Vec<(BrokerId, Option<&str>)> = brokers.iter().map(|&b| (b, None)).collect();
        Harness::with_racks(BrokerConfig::default(), &racks)
    }

    pub fn with_racks(config: BrokerConfig, brokers: &[(BrokerId, Option<&str>)]) -> Self {
        let mut h = Harness {
            controller: Controller::new(config),
            t: TestCtx::new(7),
            now: 0,
            timers: Vec::new(),
            events: Vec::new(),
            sent: Vec::new(),
            incarnations: BTreeMap::new(),
        };
        h.with(|c, ctx| c.start(ctx));
        for &(id, rack) in brokers {
            h.controller.bootstrap_broker(id, rack.map(str::to_string));
            h.incarnations.insert(id, 1);
        }
        h
    }

    pub fn with<R>(&mut self, f: impl FnOnce(&mut Controller, &mut Ctx) -> R) -> R {
        let result = {
            let mut ctx = self.t.ctx(self.now, NodeId::Controller);
            f(&mut self.controller, &mut ctx)
        };
        for effect in std::mem::take(&mut self.t.effects) {
            match effect {
                Effect::SetTimer { after_ms, timer: Timer::Controller(timer) } => {
                    self.timers.push((self.now + after_ms, timer))
                }
                Effect::Send { to, message } => self.sent.push((to, message)),
                Effect::Emit(event) => self.events.push(event),
                other => panic!("the controller asked for {other:?}"),
            }
        }
        result
    }

    /// Moves the clock to `time`, firing due timers in time order.
    pub fn run_until(&mut self, time: Millis) {
        loop {
            let next = self.timers.iter().enumerate().filter(|(_, (due, _))| *due <= time).min_by_key(|(_, t)| t.0);
            let Some((index, _)) = next else { break };
            let (due, timer) = self.timers.remove(index);
            self.now = due;
            self.with(|c, ctx| c.on_timer(ctx, timer));
        }
        self.now = time;
    }

    /// Runs to `time` with `alive` heartbeating every 2 s (on multiples of 2000 ms).
    pub fn run_with_heartbeats(&mut self, time: Millis, alive: &[BrokerId]) {
        let mut next = (self.now / HEARTBEAT_MS + 1) * HEARTBEAT_MS;
        while next <= time {
            self.run_until(next);
            for &b in alive {
                self.heartbeat(b);
            }
            next += HEARTBEAT_MS;
        }
        self.run_until(time);
    }

    pub fn request(&mut self, from: BrokerId, body: Request) -> Response {
        let message = Message::Request { correlation_id: 4242, body };
        self.with(|c, ctx| c.on_message(ctx, NodeId::Broker(from), message));
        let is_answer = |(to, m): &(NodeId, Message)| {
            *to == NodeId::Broker(from) && matches!(m, Message::Response { correlation_id: 4242, .. })
        };
        let index = self.sent.iter().position(is_answer).expect("the controller answers");
        match self.sent.remove(index).1 {
            Message::Response { body, .. } => body,
            _ => unreachable!(),
        }
    }

    pub fn heartbeat_at_version(&mut self, b: BrokerId, metadata_version: i64) -> BrokerHeartbeatResponse {
        let incarnation = self.incarnations[&b];
        let body = BrokerHeartbeatRequest { broker_id: b, incarnation, metadata_version, want_shutdown: false };
        match self.request(b, Request::BrokerHeartbeat(body)) {
            Response::BrokerHeartbeat(r) => r,
            other => panic!("{other:?}"),
        }
    }

    /// A heartbeat from a broker that applied the current image.
    pub fn heartbeat(&mut self, b: BrokerId) -> BrokerHeartbeatResponse {
        let version = self.controller.image().version;
        self.heartbeat_at_version(b, version)
    }

    /// The broker's process restarts and registers with its next incarnation.
    pub fn restart(&mut self, b: BrokerId) -> BrokerRegistrationResponse {
        let incarnation = self.incarnations.get(&b).map_or(1, |i| i + 1);
        self.incarnations.insert(b, incarnation);
        let body = BrokerRegistrationRequest { broker_id: b, rack: None, incarnation };
        match self.request(b, Request::BrokerRegistration(body)) {
            Response::BrokerRegistration(r) => r,
            other => panic!("{other:?}"),
        }
    }

    pub fn controlled_shutdown(&mut self, b: BrokerId) -> ControlledShutdownResponse {
        match self.request(b, Request::ControlledShutdown(ControlledShutdownRequest { broker_id: b })) {
            Response::ControlledShutdown(r) => r,
            other => panic!("{other:?}"),
        }
    }

    pub fn alter(
        &mut self,
        leader: BrokerId,
        tp: &TopicPartition,
        epochs: (i32, i32),
        isr: &[BrokerId],
    ) -> AlterPartitionResponse {
        let body = AlterPartitionRequest {
            broker_id: leader,
            tp: tp.clone(),
            leader_epoch: epochs.0,
            partition_epoch: epochs.1,
            new_isr: isr.to_vec(),
        };
        match self.request(leader, Request::AlterPartition(body)) {
            Response::AlterPartition(r) => r,
            other => panic!("{other:?}"),
        }
    }

    /// The leader of `tp` asks to shrink its ISR to `isr`, with current epochs.
    pub fn shrink(&mut self, tp: &TopicPartition, isr: &[BrokerId]) {
        let p = self.partition(tp);
        let response = self.alter(p.leader.unwrap(), tp, (p.leader_epoch, p.partition_epoch), isr);
        assert_eq!(response.error, None);
    }

    pub fn create(&mut self, name: &str, partitions: i32, rf: i32, config: TopicConfig) {
        self.with(|c, ctx| c.create_topic(ctx, name, partitions, rf, config)).expect("topic created");
    }

    pub fn partition(&self, tp: &TopicPartition) -> PartitionImage {
        self.controller.image().partition(&tp.topic, tp.partition).expect("partition exists").clone()
    }

    pub fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    fn fenced(&self, b: BrokerId) -> bool {
        self.controller.image().brokers[&b].fenced
    }
}

fn orders(partition: i32) -> TopicPartition {
    TopicPartition::new("orders", partition)
}

fn unclean() -> TopicConfig {
    TopicConfig { unclean_leader_election_enable: true, ..TopicConfig::default() }
}

fn elections(events: &[Event]) -> Vec<&ReplicationEvent> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Replication(r @ ReplicationEvent::LeaderElected { .. }) => Some(r),
            _ => None,
        })
        .collect()
}

#[test]
fn broker_silent_for_session_timeout_is_fenced_and_loses_leadership() {
    let mut h = Harness::new(&[1, 2, 3]);
    h.create("orders", 1, 3, TopicConfig::default());
    let before = h.partition(&orders(0));
    let leader = before.leader.unwrap();
    let others: Vec<BrokerId> = [1, 2, 3].into_iter().filter(|&b| b != leader).collect();
    h.run_with_heartbeats(4_000, &[1, 2, 3]);
    h.take_events();

    // Last heard from at 4000 ms: the session (9000 ms) ends at 13000 ms.
    h.run_with_heartbeats(12_999, &others);
    assert!(!h.fenced(leader), "still within its session");
    assert_eq!(h.partition(&orders(0)).leader, Some(leader));
    h.run_with_heartbeats(13_000, &others);

    assert!(h.fenced(leader));
    let after = h.partition(&orders(0));
    let new_leader = after.leader.unwrap();
    assert_ne!(new_leader, leader);
    assert!(!after.isr.contains(&leader), "a fenced broker leaves the ISR");
    assert_eq!((after.leader_epoch, after.partition_epoch), (before.leader_epoch + 1, before.partition_epoch + 1));
    let events = h.take_events();
    assert_eq!(
        events[0],
        Event::Cluster(ClusterEvent::BrokerFenced { broker: leader, reason: "no heartbeat for 9000 ms".into() })
    );
    assert_eq!(
        elections(&events),
        vec![&ReplicationEvent::LeaderElected {
            tp: orders(0),
            leader: new_leader,
            epoch: after.leader_epoch,
            isr: after.isr.clone(),
            unclean: false
        }]
    );
}

#[test]
fn leader_comes_from_the_isr_only_when_unclean_election_is_disabled() {
    let mut h = Harness::new(&[1, 2, 3]);
    h.create("orders", 1, 3, TopicConfig::default());
    let p = h.partition(&orders(0));
    let (leader, first_follower, last_follower) = (p.replicas[0], p.replicas[1], p.replicas[2]);
    // The first follower in assignment order falls behind and leaves the ISR.
    h.shrink(&orders(0), &[leader, last_follower]);
    h.run_with_heartbeats(2_000, &[1, 2, 3]);
    h.take_events();

    h.run_with_heartbeats(11_000, &[first_follower, last_follower]);
    let p = h.partition(&orders(0));
    assert_eq!(p.leader, Some(last_follower), "the in-sync follower leads, not the first replica");
    assert_eq!(p.isr, vec![last_follower]);

    // Now the last in-sync replica dies too: the live out-of-sync one may not lead.
    h.run_with_heartbeats(20_000, &[first_follower]);
    let p = h.partition(&orders(0));
    assert_eq!(p.leader, None);
    assert_eq!(p.isr, vec![last_follower], "KRaft keeps the last in-sync replica in the ISR");
    assert!(!h.fenced(first_follower));
}

#[test]
fn unclean_election_picks_a_live_out_of_sync_replica() {
    let mut h = Harness::new(&[1, 2, 3]);
    h.create("orders", 1, 3, unclean());
    let p = h.partition(&orders(0));
    let leader = p.replicas[0];
    h.shrink(&orders(0), &[leader]);
    let before = h.partition(&orders(0));
    h.run_with_heartbeats(2_000, &[1, 2, 3]);
    h.take_events();

    let followers = [p.replicas[1], p.replicas[2]];
    h.run_with_heartbeats(11_000, &followers);

    let after = h.partition(&orders(0));
    assert_eq!(after.leader, Some(p.replicas[1]), "the first live replica in assignment order");
    assert_eq!(after.isr, vec![p.replicas[1]], "the ISR is just the unclean leader");
    assert_eq!(after.leader_epoch, before.leader_epoch + 1);
    let events = h.take_events();
    assert_eq!(
        elections(&events),
        vec![&ReplicationEvent::LeaderElected {
            tp: orders(0),
            leader: p.replicas[1],
            epoch: after.leader_epoch,
            isr: vec![p.replicas[1]],
            unclean: true
        }]
    );
    assert_eq!(h.controller.snapshot().unclean_leader_election_count, 1);
}

#[test]
fn partition_goes_offline_when_the_last_isr_member_dies() {
    let mut h = Harness::new(&[1, 2]);
    h.create("orders", 1, 2, TopicConfig::default());
    let p = h.partition(&orders(0));
    let (leader, follower) = (p.replicas[0], p.replicas[1]);
    h.shrink(&orders(0), &[leader]);
    h.run_with_heartbeats(2_000, &[1, 2]);
    h.take_events();

    h.run_with_heartbeats(11_000, &[follower]);

    let after = h.partition(&orders(0));
    assert_eq!(after.leader, None);
    assert_eq!(after.isr, vec![leader]);
    let events = h.take_events();
    let offline = ReplicationEvent::PartitionOffline { tp: orders(0), epoch: after.leader_epoch };
    assert!(events.contains(&Event::Replication(offline)), "{events:?}");
    assert!(elections(&events).is_empty(), "the out-of-sync follower is not elected");
    assert_eq!(h.controller.snapshot().offline_partitions_count, 1);
}

#[test]
fn returning_last_isr_member_becomes_leader_again() {
    let mut h = Harness::new(&[1, 2]);
    h.create("orders", 1, 2, TopicConfig::default());
    let p = h.partition(&orders(0));
    let (leader, follower) = (p.replicas[0], p.replicas[1]);
    h.shrink(&orders(0), &[leader]);
    h.run_with_heartbeats(2_000, &[1, 2]);
    h.run_with_heartbeats(11_000, &[follower]);
    let offline = h.partition(&orders(0));
    assert_eq!(offline.leader, None);
    h.take_events();

    // The broker restarts: registered, but fenced until it has the image that carries its registration.
    assert_eq!(h.restart(leader).error, None);
    assert!(h.fenced(leader));
    let registration_version = h.controller.image().version;
    assert!(h.heartbeat_at_version(leader, registration_version - 1).is_fenced, "not caught up yet");
    assert_eq!(h.partition(&orders(0)).leader, None);
    let response = h.heartbeat(leader);
    assert!(!response.is_fenced);

    let after = h.partition(&orders(0));
    assert_eq!(after.leader, Some(leader));
    assert_eq!(after.isr, vec![leader]);
    assert_eq!(after.leader_epoch, offline.leader_epoch + 1);
    let events = h.take_events();
    assert_eq!(events[0], Event::Cluster(ClusterEvent::BrokerUnfenced { broker: leader }));
    assert_eq!(
        elections(&events),
        vec![&ReplicationEvent::LeaderElected {
            tp: orders(0),
            leader,
            epoch: after.leader_epoch,
            isr: vec![leader],
            unclean: false
        }]
    );
}

#[test]
fn rack_aware_placement_spreads_replicas_over_racks() {
    let brokers = [(1, Some("a")), (2, Some("a")), (3, Some("b")), (4, Some("b")), (5, Some("c")), (6, Some("c"))];
    let mut h = Harness::with_racks(BrokerConfig::default(), &brokers);
    h.create("orders", 12, 3, TopicConfig::default());
    let rack: BTreeMap<BrokerId, &str> = brokers.iter().map(|&(b, r)| (b, r.unwrap())).collect();
    let mut leaders: BTreeMap<BrokerId, u32> = BTreeMap::new();
    for p in &h.controller.image().topics["orders"].partitions {
        let mut racks: Vec<&str> = p.replicas.iter().map(|b| rack[b]).collect();
        racks.sort_unstable();
        assert_eq!(racks, vec!["a", "b", "c"], "partition {} has one replica per rack", p.partition);
        assert_eq!(p.isr, p.replicas);
        assert_eq!(p.leader, Some(p.replicas[0]));
        *leaders.entry(p.replicas[0]).or_default() += 1;
    }
    assert_eq!(leaders.values().copied().collect::<Vec<_>>(), vec![2; 6], "leaders spread evenly");
}

#[test]
fn replication_factor_larger_than_brokers_is_refused() {
    let mut h = Harness::new(&[1, 2]);
    let version = h.controller.image().version;
    let err = h.with(|c, ctx| c.create_topic(ctx, "orders", 3, 3, TopicConfig::default())).unwrap_err();
    assert_eq!(err.error, KafkaError::InvalidReplicationFactor);
    assert_eq!(err.message, "Replication factor: 3 larger than available brokers: 2.");
    assert!(h.controller.image().topics.is_empty());
    assert_eq!(h.controller.image().version, version + 1, "only the bootstrap registrations were published");
    assert!(h.take_events().is_empty());
}

#[test]
fn fenced_brokers_do_not_count_as_available_for_new_topics() {
    let mut h = Harness::new(&[1, 2, 3]);
    h.run_with_heartbeats(9_000, &[1, 2]);
    assert!(h.fenced(3));
    let err = h.with(|c, ctx| c.create_topic(ctx, "orders", 1, 3, TopicConfig::default())).unwrap_err();
    assert_eq!(err.message, "Replication factor: 3 larger than available brokers: 2.");
}

#[test]
fn controlled_shutdown_moves_leadership_first() {
    let mut h = Harness::new(&[1, 2, 3]);
    h.create("orders", 6, 3, TopicConfig::default());
    h.run_with_heartbeats(2_000, &[1, 2, 3]);
    let led: Vec<i32> = (0..6).filter(|&p| h.partition(&orders(p)).leader == Some(2)).collect();
    assert!(!led.is_empty());
    h.take_events();

    assert_eq!(h.controlled_shutdown(2).error, None);

    for p in 0..6 {
        let p = h.partition(&orders(p));
        assert_ne!(p.leader, Some(2));
        assert!(!p.isr.contains(&2));
    }
    let events = h.take_events();
    let moved: Vec<i32> = elections(&events)
        .iter()
        .map(|e| match e {
            ReplicationEvent::LeaderElected { tp, .. } => tp.partition,
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(moved, led, "one election per partition it led");
    assert_eq!(
        events.last(),
        Some(&Event::Cluster(ClusterEvent::BrokerFenced { broker: 2, reason: "controlled shutdown".into() }))
    );

    // It stops heartbeating: no second round of fencing when its session would have ended.
    h.run_with_heartbeats(30_000, &[1, 3]);
    assert!(h.take_events().is_empty());
    // And a restart registers at once.
    assert_eq!(h.restart(2).error, None);
}

#[test]
fn stale_alter_partition_is_fenced() {
    let mut h = Harness::new(&[1, 2, 3]);
    h.create("orders", 1, 3, TopicConfig::default());
    let tp = orders(0);
    let p = h.partition(&tp);
    let leader = p.leader.unwrap();
    let (f1, f2) = (p.replicas[1], p.replicas[2]);
    h.take_events();

    // A valid shrink: applied, reported, epochs answered.
    let response = h.alter(leader, &tp, (0, 0), &[leader, f1]);
    assert_eq!((response.error, response.isr.clone(), response.partition_epoch), (None, vec![leader, f1], 1));
    let shrunk = ReplicationEvent::IsrShrunk { tp: tp.clone(), leader, removed: vec![f2], isr: vec![leader, f1] };
    assert_eq!(h.take_events(), vec![Event::Replication(shrunk)]);

    // The same request again carries an old partition epoch.
    assert_eq!(h.alter(leader, &tp, (0, 0), &[leader]).error, Some(KafkaError::InvalidUpdateVersion));
    // A follower is not the leader.
    assert_eq!(h.alter(f1, &tp, (0, 1), &[f1]).error, Some(KafkaError::InvalidRequest));
    // The new ISR must hold the leader and only live replicas.
    assert_eq!(h.alter(leader, &tp, (0, 1), &[f1]).error, Some(KafkaError::InvalidRequest));
    h.run_with_heartbeats(9_000, &[leader, f1]);
    assert!(h.fenced(f2));
    let p = h.partition(&tp);
    let expand = h.alter(leader, &tp, (p.leader_epoch, p.partition_epoch), &[leader, f1, f2]);
    assert_eq!(expand.error, Some(KafkaError::IneligibleReplica));

    // Leadership moves: the old leader's requests carry a fenced leader epoch.
    h.run_with_heartbeats(20_000, &[f1, f2]);
    let p = h.partition(&tp);
    assert_ne!(p.leader, Some(leader));
    let response = h.alter(leader, &tp, (0, 1), &[leader]);
    assert_eq!(response.error, Some(KafkaError::FencedLeaderEpoch));
    assert_eq!((response.leader_epoch, response.partition_epoch), (p.leader_epoch, p.partition_epoch));
    assert_eq!(h.partition(&tp), p, "refused requests change nothing");
}

#[test]
fn isr_expansion_is_applied_and_reported_by_the_controller() {
    let mut h = Harness::new(&[1, 2]);
    h.create("orders", 1, 2, TopicConfig::default());
    let tp = orders(0);
    let p = h.partition(&tp);
    let (leader, follower) = (p.replicas[0], p.replicas[1]);
    h.shrink(&tp, &[leader]);
    h.take_events();
    let response = h.alter(leader, &tp, (0, 1), &[leader, follower]);
    assert_eq!((response.error, response.partition_epoch), (None, 2));
    let expanded = ReplicationEvent::IsrExpanded { tp, leader, added: vec![follower], isr: vec![leader, follower] };
    assert_eq!(h.take_events(), vec![Event::Replication(expanded)]);
}

#[test]
fn restarted_broker_is_refused_while_its_old_session_lives() {
    let mut h = Harness::new(&[1, 2]);
    h.run_with_heartbeats(4_000, &[1, 2]);
    // Broker 2 crashed right after its heartbeat at 4000 ms and restarts at once.
    assert_eq!(h.restart(2).error, Some(KafkaError::DuplicateBrokerRegistration));
    h.run_with_heartbeats(12_999, &[1]);
    assert_eq!(h.restart(2).error, Some(KafkaError::DuplicateBrokerRegistration));
    h.run_with_heartbeats(13_000, &[1]);
    assert!(h.fenced(2));
    assert_eq!(h.restart(2).error, None);
    assert!(!h.heartbeat(2).is_fenced);
}

#[test]
fn a_broker_cut_off_by_the_network_is_unfenced_when_its_heartbeats_return() {
    let mut h = Harness::new(&[1, 2]);
    h.run_with_heartbeats(10_000, &[1]);
    assert!(h.fenced(2));
    assert!(!h.heartbeat(2).is_fenced, "same incarnation, caught up: unfenced");
    assert_eq!(h.take_events().last(), Some(&Event::Cluster(ClusterEvent::BrokerUnfenced { broker: 2 })));
}

#[test]
fn every_change_is_pushed_to_every_registered_broker_with_a_new_version() {
    let mut h = Harness::new(&[1, 2, 3]);
    h.sent.clear();
    let version = h.controller.image().version;
    h.create("orders", 2, 2, TopicConfig::default());
    let pushes: Vec<(NodeId, i64)> = h
        .sent
        .iter()
        .filter_map(|(to, m)| match m {
            Message::Request { body: Request::UpdateMetadata(u), .. } => Some((*to, u.image.version)),
            _ => None,
        })
        .collect();
    let expected: Vec<(NodeId, i64)> = [1, 2, 3].iter().map(|&b| (NodeId::Broker(b), version + 1)).collect();
    assert_eq!(pushes, expected);
    // A heartbeat changes nothing and pushes nothing to an up-to-date broker.
    h.sent.clear();
    h.heartbeat(1);
    assert!(h.sent.is_empty());
    // A broker that missed an image gets it again.
    h.heartbeat_at_version(2, version);
    assert!(matches!(
        h.sent.as_slice(),
        [(NodeId::Broker(2), Message::Request { body: Request::UpdateMetadata(_), .. })]
    ));
}

#[test]
fn leadership_returns_to_the_preferred_replica_after_the_imbalance_check_interval() {
    let mut h = Harness::new(&[1, 2]);
    h.create("orders", 1, 2, TopicConfig::default());
    let p = h.partition(&orders(0));
    let (preferred, other) = (p.replicas[0], p.replicas[1]);
    h.run_with_heartbeats(12_000, &[other]);
    assert_eq!(h.partition(&orders(0)).leader, Some(other));
    // The preferred replica comes back (same process, network healed) and catches up.
    h.heartbeat(preferred);
    let p = h.partition(&orders(0));
    let expand = h.alter(other, &orders(0), (p.leader_epoch, p.partition_epoch), &[other, preferred]);
    assert_eq!(expand.error, None);
    h.take_events();

    // Imbalance appeared when broker `preferred` was fenced (at 9000 ms): checked 300 s later.
    h.run_with_heartbeats(9_000 + 299_999, &[1, 2]);
    assert_eq!(h.partition(&orders(0)).leader, Some(other));
    h.run_with_heartbeats(9_000 + 300_000, &[1, 2]);
    assert_eq!(h.partition(&orders(0)).leader, Some(preferred));
    let events = h.take_events();
    assert_eq!(elections(&events).len(), 1);
}

#[test]
fn topics_are_created_with_every_replica_in_sync_and_epochs_at_zero() {
    let mut h = Harness::new(&[1, 2, 3]);
    h.create("orders", 3, 2, TopicConfig::default());
    let topic = &h.controller.image().topics["orders"];
    assert_eq!(topic.partitions.len(), 3);
    for (i, p) in topic.partitions.iter().enumerate() {
        assert_eq!(p.partition, i as i32);
        assert_eq!(p.replicas.len(), 2);
        assert_eq!(
            (p.isr.clone(), p.leader, p.leader_epoch, p.partition_epoch),
            (p.replicas.clone(), Some(p.replicas[0]), 0, 0)
        );
    }
    let created = ClusterEvent::TopicCreated { topic: "orders".into(), partitions: 3, replication_factor: 2 };
    assert_eq!(h.take_events(), vec![Event::Cluster(created)]);
    let err = h.with(|c, ctx| c.create_topic(ctx, "orders", 1, 1, TopicConfig::default())).unwrap_err();
    assert_eq!((err.error, err.message.as_str()), (KafkaError::TopicAlreadyExists, "Topic 'orders' already exists."));
}

#[test]
fn partitions_can_only_be_added() {
    let mut h = Harness::new(&[1, 2, 3]);
    h.create("orders", 3, 2, TopicConfig::default());
    let err = h.with(|c, ctx| c.create_partitions(ctx, "orders", 2)).unwrap_err();
    assert_eq!(err.error, KafkaError::InvalidPartitions);
    assert_eq!(err.message, "The topic orders currently has 3 partition(s); 2 would not be an increase.");
    let err = h.with(|c, ctx| c.create_partitions(ctx, "orders", 3)).unwrap_err();
    assert_eq!(err.message, "Topic already has 3 partition(s).");
    h.take_events();
    h.with(|c, ctx| c.create_partitions(ctx, "orders", 5)).unwrap();
    let topic = &h.controller.image().topics["orders"];
    assert_eq!(topic.partitions.len(), 5);
    assert!(topic.partitions[3..].iter().all(|p| p.replicas.len() == 2 && p.isr == p.replicas));
    let added = ClusterEvent::PartitionsAdded { topic: "orders".into(), from: 3, to: 5 };
    assert_eq!(h.take_events(), vec![Event::Cluster(added)]);
}

#[test]
fn internal_topics_are_compacted_and_cannot_be_deleted() {
    let mut h = Harness::new(&[1]);
    h.with(|c, ctx| c.create_internal_topics(ctx));
    let image = h.controller.image().clone();
    let offsets = &image.topics["__consumer_offsets"];
    assert!(offsets.is_internal);
    assert_eq!(offsets.partitions.len(), 50);
    assert_eq!(offsets.partitions[0].replicas.len(), 1, "RF capped at the one broker");
    assert_eq!(offsets.config.cleanup_policy, crate::engine::config::CleanupPolicy::Compact);
    assert_eq!(offsets.config.segment_bytes, 104_857_600);
    let txn = &image.topics["__transaction_state"];
    assert_eq!((txn.partitions.len(), txn.config.min_insync_replicas), (50, 1));

    let err = h.with(|c, ctx| c.delete_topic(ctx, "__consumer_offsets")).unwrap_err();
    assert_eq!(
        err.message,
        "Topic __consumer_offsets is a kafka internal topic and is not allowed to be marked for deletion."
    );
    let err = h.with(|c, ctx| c.delete_topic(ctx, "nope")).unwrap_err();
    assert_eq!(err.error, KafkaError::UnknownTopicOrPartition);
}

#[test]
fn enabling_unclean_election_revives_an_offline_partition() {
    let mut h = Harness::new(&[1, 2]);
    h.create("orders", 1, 2, TopicConfig::default());
    let p = h.partition(&orders(0));
    h.shrink(&orders(0), &[p.replicas[0]]);
    h.run_with_heartbeats(10_000, &[p.replicas[1]]);
    assert_eq!(h.partition(&orders(0)).leader, None);
    h.with(|c, ctx| c.alter_topic_config(ctx, "orders", unclean())).unwrap();
    let after = h.partition(&orders(0));
    assert_eq!((after.leader, after.isr), (Some(p.replicas[1]), vec![p.replicas[1]]));
}

#[test]
fn snapshot_reports_sessions_and_survives_json() {
    let mut h = Harness::new(&[1, 2]);
    h.run_with_heartbeats(10_000, &[1]);
    let snapshot = h.controller.snapshot();
    let json = serde_json::to_string(&snapshot).unwrap();
    let back: ControllerSnapshot = serde_json::from_str(&json).unwrap();
    assert_eq!(back, snapshot);
    assert_eq!(snapshot.brokers[0].session_expires_at_ms, Some(10_000 + 9_000));
    assert!(snapshot.brokers[1].fenced && snapshot.brokers[1].session_expires_at_ms.is_none());
    assert_eq!(snapshot.brokers[0].incarnation, Some(1));
}
