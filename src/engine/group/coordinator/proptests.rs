//! Random join / leave / crash schedules against one coordinator, with a
//! small model of the Java consumer's side of the protocol (rejoin on
//! REBALANCE_IN_PROGRESS, the leader assigning with the real assignors).
//! After every completed rebalance the stored assignment gives each
//! partition to at most one member, and to someone.

use proptest::prelude::*;

use super::tests::{tp, Harness, TOPIC};
use super::*;
use crate::collections::{VecMap, VecSet};
use crate::engine::config::AssignorName;
use crate::engine::event::GroupEvent;
use crate::engine::group::assignor::{assign, MemberSubscription};
use crate::engine::protocol::group::*;

const PARTITIONS: i32 = 4;
const GROUP: &str = "g";
const HEARTBEAT_MS: Millis = 3_000;
const PROTOCOL_CHOICES: [&[&str]; 4] =
    [&["range"], &["roundrobin", "range"], &["cooperative-sticky", "range"], &["range", "roundrobin"]];

#[derive(Debug, Clone)]
enum Op {
    /// A fresh consumer process in this slot subscribes (dynamic, or static with instance id `i<slot>`).
    Start { slot: u8, protocols: u8, is_static: bool },
    /// `close()`: LeaveGroup (a static Java consumer sends none).
    Close { slot: u8 },
    /// The process dies: it sends nothing more.
    Crash { slot: u8 },
    /// Time passes; live consumers heartbeat.
    Wait { ms: u16 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..5u8, 0..4u8, any::<bool>()).prop_map(|(slot, protocols, s)| Op::Start { slot, protocols, is_static: s && slot % 2 == 0 }),
        1 => (0..5u8).prop_map(|slot| Op::Close { slot }),
        1 => (0..5u8).prop_map(|slot| Op::Crash { slot }),
        4 => (100..15_000u16).prop_map(|ms| Op::Wait { ms }),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    Joining,
    Syncing,
    Stable,
}

#[derive(Debug)]
struct Consumer {
    client: ClientId,
    instance: Option<String>,
    protocols: Vec<&'static str>,
    member_id: String,
    generation: i32,
    phase: Phase,
    last_heartbeat: Millis,
}

#[derive(Debug, Clone, Copy)]
enum Pending {
    Join,
    Sync,
    Heartbeat,
    Other,
}

struct Driver {
    h: Harness,
    consumers: VecMap<u8, Consumer>,
    next_client: ClientId,
    inflight: VecMap<CorrelationId, (ClientId, Pending)>,
    /// What each generation's leader sent in SyncGroup.
    leader_assignments: VecMap<i32, VecMap<String, Vec<TopicPartition>>>,
    stable_checks: u32,
}

fn assignor(name: &str) -> AssignorName {
    match name {
        "range" => AssignorName::Range,
        "roundrobin" => AssignorName::RoundRobin,
        "sticky" => AssignorName::Sticky,
        "cooperative-sticky" => AssignorName::CooperativeSticky,
        other => panic!("unknown assignor {other}"),
    }
}

impl Driver {
    fn new() -> Self {
        Driver {
            h: Harness::new(),
            consumers: VecMap::new(),
            next_client: 1,
            inflight: VecMap::new(),
            leader_assignments: VecMap::new(),
            stable_checks: 0,
        }
    }

    fn slot_of(&self, client: ClientId) -> Option<u8> {
        self.consumers.iter().find(|(_, c)| c.client == client).map(|(s, _)| *s)
    }

    fn send(&mut self, client: ClientId, kind: Pending, request: Request) {
        let correlation = self.h.send(client, request);
        self.inflight.insert(correlation, (client, kind));
        self.check();
    }

    fn join(&mut self, slot: u8) {
        let c = &self.consumers[&slot];
        let mut request = self.h.join_request(GROUP, &c.member_id, &c.protocols);
        request.group_instance_id = c.instance.clone();
        let client = c.client;
        self.consumers.get_mut(&slot).unwrap().phase = Phase::Joining;
        self.send(client, Pending::Join, Request::JoinGroup(request));
    }

    fn apply(&mut self, op: Op) {
        match op {
            Op::Start { slot, protocols, is_static } => {
                if self.consumers.contains_key(&slot) {
                    return;
                }
                let client = self.next_client;
                self.next_client += 1;
                self.consumers.insert(
                    slot,
                    Consumer {
                        client,
                        instance: is_static.then(|| format!("i{slot}")),
                        protocols: PROTOCOL_CHOICES[protocols as usize].to_vec(),
                        member_id: String::new(),
                        generation: -1,
                        phase: Phase::Joining,
                        last_heartbeat: self.h.now,
                    },
                );
                self.join(slot);
            }
            Op::Close { slot } => {
                if let Some(c) = self.consumers.remove(&slot) {
                    if c.instance.is_none() && !c.member_id.is_empty() {
                        let request = LeaveGroupRequest {
                            group_id: GROUP.into(),
                            member_id: c.member_id,
                            group_instance_id: None,
                            reason: None,
                        };
                        self.send(c.client, Pending::Other, Request::LeaveGroup(request));
                    }
                }
            }
            Op::Crash { slot } => {
                self.consumers.remove(&slot);
            }
            Op::Wait { ms } => {
                let target = self.h.now + Millis::from(ms);
                while self.h.now < target {
                    let step = (target - self.h.now).min(500);
                    self.h.advance(step);
                    self.check();
                    self.deliver();
                    self.heartbeats();
                }
            }
        }
        self.deliver();
    }

    fn heartbeats(&mut self) {
        let due: Vec<u8> = self
            .consumers
            .iter()
            .filter(|(_, c)| c.phase == Phase::Stable && self.h.now - c.last_heartbeat >= HEARTBEAT_MS)
            .map(|(s, _)| *s)
            .collect();
        for slot in due {
            let c = self.consumers.get_mut(&slot).unwrap();
            c.last_heartbeat = self.h.now;
            let request = HeartbeatRequest {
                group_id: GROUP.into(),
                generation_id: c.generation,
                member_id: c.member_id.clone(),
                group_instance_id: c.instance.clone(),
            };
            let client = c.client;
            self.send(client, Pending::Heartbeat, Request::Heartbeat(request));
            self.deliver();
        }
    }

    /// Hands responses to live consumers until none are left.
    fn deliver(&mut self) {
        while let Some((&correlation, _)) = self.h.responses.iter().next() {
            let (_, response) = self.h.responses.remove(&correlation).unwrap();
            let (client, kind) = self.inflight.remove(&correlation).expect("a response to a request sent");
            let Some(slot) = self.slot_of(client) else {
                continue; // The process is gone.
            };
            self.on_response(slot, kind, response);
        }
    }

    fn on_response(&mut self, slot: u8, kind: Pending, response: Response) {
        match (kind, response) {
            (Pending::Join, Response::JoinGroup(r)) => match r.error {
                Some(KafkaError::MemberIdRequired) => {
                    self.consumers.get_mut(&slot).unwrap().member_id = r.member_id;
                    self.join(slot);
                }
                Some(KafkaError::InconsistentGroupProtocol) | Some(KafkaError::FencedInstanceId) => {
                    self.consumers.remove(&slot); // The consumer fails and stops.
                }
                Some(KafkaError::UnknownMemberId) => {
                    self.consumers.get_mut(&slot).unwrap().member_id.clear();
                    self.join(slot);
                }
                Some(_) => self.join(slot),
                None => {
                    let c = self.consumers.get_mut(&slot).unwrap();
                    c.member_id = r.member_id.clone();
                    c.generation = r.generation_id;
                    c.phase = Phase::Syncing;
                    let mut assignments = Vec::new();
                    if r.leader == r.member_id && !r.members.is_empty() {
                        let members: Vec<MemberSubscription> =
                            r.members.iter().map(MemberSubscription::from_join_member).collect();
                        let protocol = assignor(r.protocol_name.as_deref().expect("a protocol"));
                        let result = assign(protocol, &members, &VecMap::from([(TOPIC.to_string(), PARTITIONS)]));
                        self.leader_assignments.insert(r.generation_id, result.clone());
                        assignments = result
                            .into_iter()
                            .map(|(member_id, partitions)| SyncGroupAssignment { member_id, partitions })
                            .collect();
                    }
                    let request = SyncGroupRequest {
                        group_id: GROUP.into(),
                        generation_id: r.generation_id,
                        member_id: r.member_id,
                        group_instance_id: c.instance.clone(),
                        assignments,
                    };
                    let client = c.client;
                    self.send(client, Pending::Sync, Request::SyncGroup(request));
                }
            },
            (Pending::Sync, Response::SyncGroup(r)) => match r.error {
                None => {
                    let now = self.h.now;
                    let c = self.consumers.get_mut(&slot).unwrap();
                    c.phase = Phase::Stable;
                    c.last_heartbeat = now;
                }
                Some(KafkaError::UnknownMemberId) => {
                    self.consumers.get_mut(&slot).unwrap().member_id.clear();
                    self.join(slot);
                }
                Some(KafkaError::FencedInstanceId) => {
                    self.consumers.remove(&slot);
                }
                Some(_) => self.join(slot),
            },
            (Pending::Heartbeat, Response::Heartbeat(r)) => match r.error {
                None => {}
                Some(KafkaError::UnknownMemberId) => {
                    self.consumers.get_mut(&slot).unwrap().member_id.clear();
                    self.join(slot);
                }
                Some(KafkaError::FencedInstanceId) => {
                    self.consumers.remove(&slot);
                }
                Some(_) if self.consumers[&slot].phase == Phase::Stable => self.join(slot),
                Some(_) => {}
            },
            (Pending::Other, _) => {}
            (kind, response) => panic!("{kind:?} answered with {response:?}"),
        }
    }

    /// After any step: a group that completed a rebalance holds a valid assignment.
    fn check(&mut self) {
        let reached_stable = self
            .h
            .take_events()
            .iter()
            .any(|e| matches!(e, GroupEvent::GroupStateChanged { to, .. } if to == "Stable"));
        let Some(g) = self.h.group(GROUP) else { return };
        if reached_stable {
            assert_eq!(g.state, GroupState::Stable, "nothing moves a group on within the step it became Stable");
        }
        if g.state != GroupState::Stable {
            return;
        }
        self.stable_checks += u32::from(reached_stable);
        let mut owners: VecMap<TopicPartition, &str> = VecMap::new();
        for m in &g.members {
            for tp in &m.assignment {
                if let Some(other) = owners.insert(tp.clone(), &m.member_id) {
                    panic!("{tp} is owned by {other} and {} in generation {}", m.member_id, g.generation);
                }
            }
        }
        let all: VecSet<TopicPartition> = (0..PARTITIONS).map(tp).collect();
        assert_eq!(owners.keys().cloned().collect::<VecSet<_>>(), all, "every partition has an owner: {g:?}");
        // What members hold is what the leader of that generation sent (static
        // members that restarted hold it under their new member id).
        let sent = &self.leader_assignments[&g.generation];
        let held: VecSet<&Vec<TopicPartition>> = g.members.iter().map(|m| &m.assignment).collect();
        let given: VecSet<&Vec<TopicPartition>> = sent.values().collect();
        assert_eq!(held, given);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn after_every_completed_rebalance_each_partition_has_exactly_one_owner(
        ops in proptest::collection::vec(op(), 1..40),
    ) {
        let mut driver = Driver::new();
        for op in ops {
            driver.apply(op);
        }
        // Let everything settle: survivors end up Stable with a valid assignment.
        driver.apply(Op::Wait { ms: 60_000 });
        driver.apply(Op::Wait { ms: 60_000 });
        if !driver.consumers.is_empty() {
            let g = driver.h.group(GROUP).expect("the group exists");
            prop_assert_eq!(g.state, GroupState::Stable);
            prop_assert_eq!(g.members.len(), driver.consumers.len(), "{:?}", g);
        }
    }
}

#[test]
fn the_driver_reaches_stable_with_several_consumers() {
    let mut driver = Driver::new();
    for slot in 0..3 {
        driver.apply(Op::Start { slot, protocols: slot, is_static: false });
    }
    driver.apply(Op::Wait { ms: 10_000 });
    driver.apply(Op::Crash { slot: 1 });
    driver.apply(Op::Wait { ms: 15_000 });
    let g = driver.h.group(GROUP).unwrap();
    assert_eq!((g.state, g.members.len()), (GroupState::Stable, 2));
    assert_eq!(driver.stable_checks, 2, "two completed rebalances were checked");
}
