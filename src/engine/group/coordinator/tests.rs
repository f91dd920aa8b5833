//! The coordinator driven alone, with an in-memory host standing in for the
//! broker's replica manager and a hand-advanced clock firing its timers.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::*;
use crate::engine::blob::Blob;
use crate::engine::config::TopicConfig;
use crate::engine::event::{Event, GroupEvent};
use crate::engine::node::{Effect, TestCtx};
use crate::engine::protocol::group::*;
use crate::engine::protocol::{
    BrokerRegistrationInfo, OffsetCommitRequest, OffsetFetchRequest, PartitionImage, TopicImage,
};
use crate::engine::record::{Record, RecordBatch, TimestampType};

pub(super) const TOPIC: &str = "orders";
pub(super) const SESSION_MS: Millis = 10_000;
pub(super) const REBALANCE_MS: Millis = 30_000;

/// The broker's side, in memory: a metadata image, one log per partition,
/// and a high watermark the test moves.
pub(super) struct FakeHost {
    pub broker: BrokerId,
    pub image: MetadataImage,
    pub logs: BTreeMap<TopicPartition, Vec<RecordBatch>>,
    pub hw: BTreeMap<TopicPartition, Offset>,
    /// Every append fails with this, when set.
    pub fail_appends: Option<KafkaError>,
}

impl FakeHost {
    /// `offsets_leaders[p]` leads `__consumer_offsets-p`; `orders` has `topic_partitions` partitions.
    pub fn new(broker: BrokerId, offsets_leaders: &[Option<BrokerId>], topic_partitions: i32) -> Self {
        let mut image = MetadataImage { version: 1, ..Default::default() };
        for id in 1..=3 {
            image
                .brokers
                .insert(id, BrokerRegistrationInfo { id, rack: None, fenced: false, in_controlled_shutdown: false });
        }
        let topic = |name: &str, leaders: Vec<Option<BrokerId>>| TopicImage {
            name: name.to_string(),
            is_internal: name.starts_with("__"),
            config: TopicConfig::default(),
            partitions: (0..)
                .zip(leaders)
                .map(|(partition, leader)| PartitionImage {
                    partition,
                    replicas: vec![1, 2, 3],
                    isr: vec![1, 2, 3],
                    leader,
                    leader_epoch: 0,
                    partition_epoch: 0,
                })
                .collect(),
        };
        image.topics.insert(CONSUMER_OFFSETS.into(), topic(CONSUMER_OFFSETS, offsets_leaders.to_vec()));
        image.topics.insert(TOPIC.into(), topic(TOPIC, vec![Some(1); topic_partitions as usize]));
        FakeHost { broker, image, logs: BTreeMap::new(), hw: BTreeMap::new(), fail_appends: None }
    }

    pub fn log_end(&self, tp: &TopicPartition) -> Offset {
        self.logs.get(tp).and_then(|b| b.last()).map_or(0, RecordBatch::next_offset)
    }

    /// Every record of `__consumer_offsets-<partition>`, with its offset.
    pub fn records(&self, partition: PartitionId) -> Vec<(Offset, Record)> {
        self.logs
            .get(&offsets_tp(partition))
            .into_iter()
            .flatten()
            .flat_map(|b| b.records.iter().map(move |r| (b.offset_of(r), r.clone())))
            .collect()
    }
}

impl CoordinatorHost for FakeHost {
    fn broker_id(&self) -> BrokerId {
        self.broker
    }
    fn metadata(&self) -> &MetadataImage {
        &self.image
    }
    fn is_leader(&self, tp: &TopicPartition) -> bool {
        self.image.partition(&tp.topic, tp.partition).is_some_and(|p| p.leader == Some(self.broker))
    }
    fn append_internal(
        &mut self,
        ctx: &mut Ctx,
        tp: &TopicPartition,
        records: Vec<(Option<Blob>, Option<Blob>)>,
    ) -> Result<Offset, KafkaError> {
        if let Some(error) = self.fail_appends {
            return Err(error);
        }
        if !self.is_leader(tp) {
            return Err(KafkaError::NotLeaderOrFollower);
        }
        let base_offset = self.log_end(tp);
        let count = records.len() as i32;
        let batch = RecordBatch {
            base_offset,
            last_offset_delta: count - 1,
            partition_leader_epoch: 0,
            first_timestamp: ctx.now,
            max_timestamp: ctx.now,
            timestamp_type: TimestampType::CreateTime,
            producer_id: -1,
            producer_epoch: -1,
            base_sequence: -1,
            is_transactional: false,
            control: None,
            records: Arc::new(
                (0..)
                    .zip(records)
                    .map(|(offset_delta, (key, value))| Record {
                        offset_delta,
                        timestamp_delta: 0,
                        key,
                        value,
                        headers: vec![],
                    })
                    .collect(),
            ),
        };
        let last = batch.last_offset();
        self.logs.entry(tp.clone()).or_default().push(batch);
        Ok(last)
    }
    fn read_committed_batches(&self, tp: &TopicPartition) -> Vec<RecordBatch> {
        let hw = self.hw.get(tp).copied().unwrap_or(0);
        self.logs.get(tp).into_iter().flatten().filter(|b| b.last_offset() < hw).cloned().collect()
    }
    fn write_txn_marker(
        &mut self,
        _ctx: &mut Ctx,
        _tp: &TopicPartition,
        _producer_id: crate::engine::record::ProducerId,
        _producer_epoch: crate::engine::record::ProducerEpoch,
        _marker: crate::engine::record::ControlType,
    ) -> Result<Offset, KafkaError> {
        unreachable!("the group coordinator writes no transaction markers")
    }
    fn allocate_producer_id(&mut self) -> crate::engine::record::ProducerId {
        unreachable!("the group coordinator allocates no producer ids")
    }
}

/// One coordinator, its host, a clock, the timers it set, and what it sent and emitted.
pub(super) struct Harness {
    pub coordinator: GroupCoordinator,
    pub host: FakeHost,
    pub tctx: TestCtx,
    pub now: Millis,
    /// (due, sequence, timer)
    timers: Vec<(Millis, u64, GroupTimer)>,
    timer_seq: u64,
    next_correlation: CorrelationId,
    pub responses: BTreeMap<CorrelationId, (NodeId, Response)>,
    pub events: Vec<GroupEvent>,
    /// Replicate every append at once (move the high watermark to the log end).
    pub auto_replicate: bool,
}

pub(super) fn test_config() -> BrokerConfig {
    BrokerConfig { offsets_topic_num_partitions: 3, ..BrokerConfig::default() }
}

impl Harness {
    /// Broker 1 leading every `__consumer_offsets` partition, loaded.
    pub fn new() -> Self {
        Self::with_host(FakeHost::new(1, &[Some(1), Some(1), Some(1)], 4), test_config())
    }

    pub fn with_host(host: FakeHost, config: BrokerConfig) -> Self {
        let mut h = Harness {
            coordinator: GroupCoordinator::new(host.broker, config),
            host,
            tctx: TestCtx::new(7),
            now: 0,
            timers: Vec::new(),
            timer_seq: 0,
            next_correlation: 0,
            responses: BTreeMap::new(),
            events: Vec::new(),
            // Not while loading: the high watermark stays where the host had it.
            auto_replicate: false,
        };
        let partitions = h.host.image.topics[CONSUMER_OFFSETS].partitions.len() as i32;
        for p in 0..partitions {
            if h.host.is_leader(&offsets_tp(p)) {
                h.become_leader(p);
            }
        }
        h.auto_replicate = true;
        h
    }

    fn me(&self) -> NodeId {
        NodeId::Broker(self.host.broker)
    }

    pub fn become_leader(&mut self, partition: PartitionId) {
        let me = self.me();
        let mut ctx = self.tctx.ctx(self.now, me);
        self.coordinator.on_became_leader(&mut ctx, &mut self.host, partition);
        self.settle();
    }

    /// Collects effects; replicates appends if `auto_replicate`.
    fn settle(&mut self) {
        loop {
            for effect in std::mem::take(&mut self.tctx.effects) {
                match effect {
                    Effect::Send {
                        to,
                        message: crate::engine::protocol::Message::Response { correlation_id, body },
                    } => {
                        let previous = self.responses.insert(correlation_id, (to, body));
                        assert!(previous.is_none(), "request {correlation_id} was answered twice");
                    }
                    Effect::SetTimer { after_ms, timer: Timer::Broker(BrokerTimer::Group(timer)) } => {
                        self.timer_seq += 1;
                        self.timers.push((self.now + after_ms, self.timer_seq, timer));
                    }
                    Effect::Emit(Event::Group(event)) => self.events.push(event),
                    other => panic!("unexpected effect {other:?}"),
                }
            }
            if !self.auto_replicate || !self.replicate() {
                break;
            }
        }
    }

    /// Moves every high watermark to its log end; true if one moved.
    pub fn replicate(&mut self) -> bool {
        let mut moved = false;
        let tps: Vec<TopicPartition> = self.host.logs.keys().cloned().collect();
        for tp in tps {
            let end = self.host.log_end(&tp);
            if self.host.hw.get(&tp).copied().unwrap_or(0) < end {
                self.host.hw.insert(tp.clone(), end);
                let me = self.me();
                let mut ctx = self.tctx.ctx(self.now, me);
                self.coordinator.on_high_watermark(&mut ctx, &mut self.host, tp.partition, end);
                moved = true;
            }
        }
        moved
    }

    pub fn send(&mut self, client: ClientId, request: Request) -> CorrelationId {
        self.next_correlation += 1;
        let correlation = self.next_correlation;
        let me = self.me();
        let mut ctx = self.tctx.ctx(self.now, me);
        self.coordinator.handle_request(&mut ctx, &mut self.host, NodeId::Client(client), correlation, request);
        self.settle();
        correlation
    }

    pub fn take_response(&mut self, correlation: CorrelationId) -> Option<Response> {
        self.responses.remove(&correlation).map(|(_, r)| r)
    }

    /// Advances the clock by `ms`, firing due timers in (time, order set).
    pub fn advance(&mut self, ms: Millis) {
        let target = self.now + ms;
        loop {
            self.timers.sort_by_key(|(due, seq, _)| (*due, *seq));
            match self.timers.first() {
                Some((due, _, _)) if *due <= target => {
                    let (due, _, timer) = self.timers.remove(0);
                    self.now = due;
                    let me = self.me();
                    let mut ctx = self.tctx.ctx(self.now, me);
                    self.coordinator.on_timer(&mut ctx, &mut self.host, timer);
                    self.settle();
                }
                _ => break,
            }
        }
        self.now = target;
    }

    pub fn group(&self, id: &str) -> Option<GroupSnapshot> {
        self.coordinator.snapshot().into_iter().find(|g| g.group_id == id)
    }

    pub fn state(&self, id: &str) -> Option<GroupState> {
        self.group(id).map(|g| g.state)
    }

    pub fn take_events(&mut self) -> Vec<GroupEvent> {
        std::mem::take(&mut self.events)
    }

    // ---- the client side of the protocol, step by step ----

    pub fn join_request(&self, group: &str, member_id: &str, protocols: &[&str]) -> JoinGroupRequest {
        JoinGroupRequest {
            group_id: group.into(),
            client_id: String::new(),
            session_timeout_ms: SESSION_MS,
            rebalance_timeout_ms: REBALANCE_MS,
            member_id: member_id.into(),
            group_instance_id: None,
            protocol_type: "consumer".into(),
            protocols: protocols
                .iter()
                .map(|name| JoinGroupProtocol {
                    name: name.to_string(),
                    metadata: Subscription { topics: vec![TOPIC.into()], owned_partitions: vec![], generation_id: -1 },
                })
                .collect(),
            reason: None,
        }
    }

    pub fn join(&mut self, client: ClientId, request: JoinGroupRequest) -> CorrelationId {
        self.send(client, Request::JoinGroup(request))
    }

    /// JoinGroup without a member id, then again with the one handed out;
    /// returns the member id and the correlation id of the parked rejoin.
    pub fn join_new(&mut self, client: ClientId, group: &str) -> (String, CorrelationId) {
        let first = self.join(client, self.join_request(group, "", &["range"]));
        let Some(Response::JoinGroup(r)) = self.take_response(first) else { panic!("JoinGroup is answered at once") };
        assert_eq!(r.error, Some(KafkaError::MemberIdRequired));
        let correlation = self.join(client, self.join_request(group, &r.member_id, &["range"]));
        (r.member_id, correlation)
    }

    pub fn join_response(&mut self, correlation: CorrelationId) -> JoinGroupResponse {
        match self.take_response(correlation) {
            Some(Response::JoinGroup(r)) => r,
            other => panic!("expected a JoinGroup response for {correlation}, got {other:?}"),
        }
    }

    pub fn sync(
        &mut self,
        client: ClientId,
        group: &str,
        member_id: &str,
        generation: i32,
        assignments: Vec<SyncGroupAssignment>,
    ) -> CorrelationId {
        self.send(
            client,
            Request::SyncGroup(SyncGroupRequest {
                group_id: group.into(),
                generation_id: generation,
                member_id: member_id.into(),
                group_instance_id: None,
                assignments,
            }),
        )
    }

    pub fn sync_response(&mut self, correlation: CorrelationId) -> SyncGroupResponse {
        match self.take_response(correlation) {
            Some(Response::SyncGroup(r)) => r,
            other => panic!("expected a SyncGroup response for {correlation}, got {other:?}"),
        }
    }

    pub fn heartbeat(&mut self, client: ClientId, group: &str, member_id: &str, generation: i32) -> Option<KafkaError> {
        let c = self.send(
            client,
            Request::Heartbeat(HeartbeatRequest {
                group_id: group.into(),
                generation_id: generation,
                member_id: member_id.into(),
                group_instance_id: None,
            }),
        );
        match self.take_response(c) {
            Some(Response::Heartbeat(r)) => r.error,
            other => panic!("expected a Heartbeat response, got {other:?}"),
        }
    }

    pub fn leave(&mut self, client: ClientId, group: &str, member_id: &str) -> Option<KafkaError> {
        let c = self.send(
            client,
            Request::LeaveGroup(LeaveGroupRequest {
                group_id: group.into(),
                member_id: member_id.into(),
                group_instance_id: None,
                reason: Some("the consumer is being closed".into()),
            }),
        );
        match self.take_response(c) {
            Some(Response::LeaveGroup(r)) => r.error,
            other => panic!("expected a LeaveGroup response, got {other:?}"),
        }
    }

    pub fn commit(
        &mut self,
        client: ClientId,
        group: &str,
        member_id: &str,
        generation: i32,
        offsets: Vec<(TopicPartition, Offset)>,
    ) -> CorrelationId {
        self.send(
            client,
            Request::OffsetCommit(OffsetCommitRequest {
                group_id: group.into(),
                generation_id: generation,
                member_id: member_id.into(),
                group_instance_id: None,
                offsets,
            }),
        )
    }

    pub fn commit_errors(&mut self, correlation: CorrelationId) -> Vec<Option<KafkaError>> {
        match self.take_response(correlation) {
            Some(Response::OffsetCommit(r)) => r.partitions.into_iter().map(|(_, e)| e).collect(),
            other => panic!("expected an OffsetCommit response for {correlation}, got {other:?}"),
        }
    }

    pub fn fetch_offsets(&mut self, client: ClientId, group: &str) -> OffsetFetchResponse {
        let c = self.send(
            client,
            Request::OffsetFetch(OffsetFetchRequest {
                group_id: group.into(),
                partitions: Some((0..4).map(tp).collect()),
                require_stable: false,
            }),
        );
        match self.take_response(c) {
            Some(Response::OffsetFetch(r)) => r,
            other => panic!("expected an OffsetFetch response, got {other:?}"),
        }
    }

    /// Two members (clients 1 and 2) through a full first rebalance with
    /// `range`: returns (leader id, follower id). The group is Stable in generation 1.
    pub fn stable_pair(&mut self, group: &str) -> (String, String) {
        let (a, ja) = self.join_new(1, group);
        let (b, jb) = self.join_new(2, group);
        self.advance(self.coordinator.config.group_initial_rebalance_delay_ms * 2);
        let ra = self.join_response(ja);
        let rb = self.join_response(jb);
        assert_eq!((ra.generation_id, rb.generation_id), (1, 1));
        let sb = self.sync(2, group, &b, 1, vec![]);
        let sa = self.sync(
            1,
            group,
            &a,
            1,
            vec![
                SyncGroupAssignment { member_id: a.clone(), partitions: vec![tp(0), tp(1)] },
                SyncGroupAssignment { member_id: b.clone(), partitions: vec![tp(2), tp(3)] },
            ],
        );
        assert_eq!(self.sync_response(sa).assignment, [tp(0), tp(1)]);
        assert_eq!(self.sync_response(sb).assignment, [tp(2), tp(3)]);
        assert_eq!(self.state(group), Some(GroupState::Stable));
        (a, b)
    }
}

pub(super) fn tp(partition: PartitionId) -> TopicPartition {
    TopicPartition::new(TOPIC, partition)
}

fn state_changes(events: &[GroupEvent]) -> Vec<(String, String)> {
    events
        .iter()
        .filter_map(|e| match e {
            GroupEvent::GroupStateChanged { from, to, .. } => Some((from.clone(), to.clone())),
            _ => None,
        })
        .collect()
}

fn left(events: &[GroupEvent]) -> Vec<(String, String)> {
    events
        .iter()
        .filter_map(|e| match e {
            GroupEvent::MemberLeft { member_id, reason, .. } => Some((member_id.clone(), reason.clone())),
            _ => None,
        })
        .collect()
}

fn pair(from: &str, to: &str) -> (String, String) {
    (from.to_string(), to.to_string())
}

#[test]
fn first_join_without_member_id_gets_member_id_required() {
    let mut h = Harness::new();
    let mut request = h.join_request("g", "", &["range"]);
    request.client_id = "billing".into();
    let c = h.join(1, request);
    let r = h.join_response(c);
    assert_eq!(r.error, Some(KafkaError::MemberIdRequired));
    assert_eq!(r.generation_id, -1);
    // `<client.id>-<uuid>`, a version-4 UUID.
    let uuid = r.member_id.strip_prefix("billing-").expect("the member id starts with the client id");
    assert_eq!(uuid.len(), 36);
    assert_eq!(uuid.as_bytes()[14], b'4');
    let g = h.group("g").unwrap();
    assert_eq!(g.state, GroupState::Empty);
    assert!(g.members.is_empty(), "the member is not in the group until it rejoins");
    assert_eq!(g.pending_members, std::slice::from_ref(&r.member_id));
    assert!(!h.events.iter().any(|e| matches!(e, GroupEvent::MemberJoined { .. })));

    // Rejoining with the id makes it a member and starts the first rebalance.
    h.join(1, h.join_request("g", &r.member_id, &["range"]));
    let g = h.group("g").unwrap();
    assert_eq!(g.members[0].member_id, r.member_id);
    assert_eq!(g.members[0].client_id, "consumer-g-1", "a client without client.id is named as Java names it");
    assert_eq!(g.state, GroupState::PreparingRebalance);
}

#[test]
fn unclaimed_member_id_expires_after_the_session_timeout() {
    let mut h = Harness::new();
    let c = h.join(1, h.join_request("g", "", &["range"]));
    let id = h.join_response(c).member_id;
    h.advance(SESSION_MS);
    assert!(h.group("g").unwrap().pending_members.is_empty());
    let c = h.join(1, h.join_request("g", &id, &["range"]));
    assert_eq!(h.join_response(c).error, Some(KafkaError::UnknownMemberId));
}

#[test]
fn group_goes_from_empty_to_stable_through_a_rebalance() {
    let mut h = Harness::new();
    let (a, ja) = h.join_new(1, "g");
    h.advance(1_000);
    let (b, jb) = h.join_new(2, "g");
    // group.initial.rebalance.delay.ms (3000) from the first join, extended
    // once by another 3000 because a member arrived during it.
    h.advance(1_999);
    assert!(h.responses.is_empty(), "the initial delay holds the JoinGroups");
    h.advance(3_000);
    assert!(h.responses.is_empty(), "a member joined during the delay: it is extended");
    h.advance(1);
    assert_eq!(h.now, 6_000);
    let ra = h.join_response(ja);
    let rb = h.join_response(jb);
    assert_eq!((ra.error, rb.error), (None, None));
    assert_eq!((ra.generation_id, rb.generation_id), (1, 1));
    assert_eq!(ra.protocol_name.as_deref(), Some("range"));
    assert_eq!(ra.leader, a, "the first member to join leads");
    assert_eq!(rb.leader, a);
    let ids: Vec<&str> = ra.members.iter().map(|m| m.member_id.as_str()).collect();
    assert_eq!(ids, [a.as_str(), b.as_str()], "the leader gets every member's subscription");
    assert!(rb.members.is_empty(), "followers get none");
    assert_eq!(ra.members[1].metadata.topics, [TOPIC]);
    assert_eq!(h.state("g"), Some(GroupState::CompletingRebalance));

    // The follower's SyncGroup waits for the leader's.
    let sb = h.sync(2, "g", &b, 1, vec![]);
    assert!(h.take_response(sb).is_none());
    h.auto_replicate = false;
    let sa = h.sync(
        1,
        "g",
        &a,
        1,
        vec![
            SyncGroupAssignment { member_id: a.clone(), partitions: vec![tp(0), tp(1)] },
            SyncGroupAssignment { member_id: b.clone(), partitions: vec![tp(2), tp(3)] },
        ],
    );
    assert!(h.responses.is_empty(), "the assignment is sent out once it is replicated");
    assert_eq!(h.state("g"), Some(GroupState::CompletingRebalance));
    h.replicate();
    h.settle();
    assert_eq!(h.sync_response(sa).assignment, [tp(0), tp(1)]);
    assert_eq!(h.sync_response(sb).assignment, [tp(2), tp(3)]);

    let g = h.group("g").unwrap();
    assert_eq!(g.state, GroupState::Stable);
    assert_eq!(g.generation, 1);
    assert_eq!(g.members[1].assignment, [tp(2), tp(3)]);
    assert_eq!(
        state_changes(&h.events),
        [
            pair("Empty", "PreparingRebalance"),
            pair("PreparingRebalance", "CompletingRebalance"),
            pair("CompletingRebalance", "Stable")
        ]
    );
    assert!(h.events.iter().any(|e| matches!(e, GroupEvent::Rebalance { generation: 1, members: 2, .. })));
    // The generation is in the group's partition, in Kafka's GroupMetadata schema.
    let partition = g.offsets_partition;
    let (_, record) = h.host.records(partition).pop().unwrap();
    let text = decode_offsets_record(record.key.as_ref(), record.value.as_ref()).unwrap();
    assert!(text.starts_with("g::GroupMetadata(protocolType=consumer, generation=1, protocol=range"), "{text}");
}

#[test]
fn crashed_member_is_removed_after_session_timeout() {
    let mut h = Harness::new();
    let (a, b) = h.stable_pair("g");
    h.take_events();
    let crashed_at = h.now;
    // Member a keeps heartbeating; b crashed and sends nothing.
    for _ in 0..3 {
        h.advance(3_000);
        assert_eq!(h.heartbeat(1, "g", &a, 1), None);
    }
    h.advance(crashed_at + SESSION_MS - 1 - h.now);
    assert_eq!(h.state("g"), Some(GroupState::Stable), "b still holds its partitions");
    assert_eq!(h.group("g").unwrap().members.len(), 2);
    h.advance(1);
    assert_eq!(left(&h.events), [(b.clone(), "session timeout expired".to_string())]);
    assert_eq!(h.state("g"), Some(GroupState::PreparingRebalance));
    // The survivor learns of the rebalance from its heartbeat and rejoins alone.
    assert_eq!(h.heartbeat(1, "g", &a, 1), Some(KafkaError::RebalanceInProgress));
    let c = h.join(1, h.join_request("g", &a, &["range"]));
    let r = h.join_response(c);
    assert_eq!((r.generation_id, r.members.len()), (2, 1));
}

#[test]
fn leave_group_rebalances_immediately() {
    let mut h = Harness::new();
    let (a, b) = h.stable_pair("g");
    h.take_events();
    let left_at = h.now;
    assert_eq!(h.leave(2, "g", &b), None);
    assert_eq!(
        left(&h.events),
        [(b.clone(), "left the group (LeaveGroup); client reason: the consumer is being closed".into())]
    );
    assert_eq!(h.state("g"), Some(GroupState::PreparingRebalance));
    assert_eq!(h.heartbeat(1, "g", &a, 1), Some(KafkaError::RebalanceInProgress));
    // Every remaining member rejoined: the rebalance completes at once.
    let c = h.join(1, h.join_request("g", &a, &["range"]));
    let r = h.join_response(c);
    assert_eq!(h.now, left_at, "no timeout was waited for");
    assert_eq!((r.generation_id, r.leader.as_str(), r.members.len()), (2, a.as_str(), 1));
    // The last member leaving empties the group.
    let s = h.sync(1, "g", &a, 2, vec![SyncGroupAssignment { member_id: a.clone(), partitions: vec![tp(0)] }]);
    assert_eq!(h.sync_response(s).error, None);
    assert_eq!(h.leave(1, "g", &a), None);
    let g = h.group("g").unwrap();
    assert_eq!((g.state, g.generation, g.members.len()), (GroupState::Empty, 3, 0));
}

#[test]
fn commit_from_an_old_generation_is_refused_with_illegal_generation() {
    let mut h = Harness::new();
    let (a, b) = h.stable_pair("g");
    let c = h.commit(2, "g", &b, 1, vec![(tp(2), 10)]);
    assert_eq!(h.commit_errors(c), [None]);
    // b leaves; a rejoins and generation 2 forms without b.
    h.leave(2, "g", &b);
    // While preparing the rebalance, the current generation may still commit (Kafka allows it).
    let c = h.commit(1, "g", &a, 1, vec![(tp(0), 5)]);
    assert_eq!(h.commit_errors(c), [None]);
    let j = h.join(1, h.join_request("g", &a, &["range"]));
    assert_eq!(h.join_response(j).generation_id, 2);
    // Generation 1 is over.
    let c = h.commit(1, "g", &a, 1, vec![(tp(0), 7)]);
    assert_eq!(h.commit_errors(c), [Some(KafkaError::IllegalGeneration)]);
    // Generation 2 before its assignment is out: rebalance in progress.
    let c = h.commit(1, "g", &a, 2, vec![(tp(0), 7)]);
    assert_eq!(h.commit_errors(c), [Some(KafkaError::RebalanceInProgress)]);
    // A member that left is unknown.
    let c = h.commit(2, "g", &b, 2, vec![(tp(2), 11)]);
    assert_eq!(h.commit_errors(c), [Some(KafkaError::UnknownMemberId)]);
    let s =
        h.sync(1, "g", &a, 2, vec![SyncGroupAssignment { member_id: a.clone(), partitions: (0..4).map(tp).collect() }]);
    h.sync_response(s);
    let c = h.commit(1, "g", &a, 2, vec![(tp(0), 7)]);
    assert_eq!(h.commit_errors(c), [None]);
    let offsets = h.fetch_offsets(1, "g").partitions;
    assert_eq!(offsets.iter().map(|(_, o, _)| *o).collect::<Vec<_>>(), [7, -1, 10, -1]);
}

#[test]
fn commit_is_answered_only_when_replicated() {
    let mut h = Harness::new();
    h.auto_replicate = false;
    let c = h.commit(1, "g", "", -1, vec![(tp(0), 3), (tp(1), 4)]);
    assert!(h.take_response(c).is_none(), "acks=all: the commit waits for the high watermark");
    assert_eq!(h.fetch_offsets(1, "g").partitions[0].1, -1, "not visible before it is durable");
    assert!(!h.events.iter().any(|e| matches!(e, GroupEvent::OffsetCommitted { .. })));
    h.replicate();
    h.settle();
    assert_eq!(h.commit_errors(c), [None, None]);
    let committed: Vec<Offset> = h
        .events
        .iter()
        .filter_map(|e| match e {
            GroupEvent::OffsetCommitted { offset, client: Some(1), .. } => Some(*offset),
            _ => None,
        })
        .collect();
    assert_eq!(committed, [3, 4], "one OffsetCommitted per partition");
    // One record per partition, keyed by (group, topic, partition).
    let g = h.group("g").unwrap();
    let records = h.host.records(g.offsets_partition);
    assert_eq!(records.len(), 2);
    assert_eq!(records[1].1.key.as_ref().unwrap().as_bytes(), offsets::encode_offset_key("g", &tp(1)));
    assert_eq!(
        records[1].1.value.as_ref().unwrap().as_bytes(),
        offsets::encode_offset_value(&CommittedOffset::new(4, 0))
    );
}

#[test]
fn commit_that_is_never_replicated_times_out() {
    let mut h = Harness::new();
    h.auto_replicate = false;
    let c = h.commit(1, "g", "", -1, vec![(tp(0), 3)]);
    h.advance(OFFSETS_COMMIT_TIMEOUT_MS);
    assert_eq!(h.commit_errors(c), [Some(KafkaError::RequestTimedOut)]);
    h.host.fail_appends = Some(KafkaError::NotEnoughReplicas);
    let c = h.commit(1, "g", "", -1, vec![(tp(0), 3)]);
    assert_eq!(h.commit_errors(c), [Some(KafkaError::CoordinatorNotAvailable)]);
}

#[test]
fn commit_from_outside_a_group_with_members_is_refused() {
    let mut h = Harness::new();
    h.stable_pair("g");
    let c = h.commit(9, "g", "", -1, vec![(tp(0), 1)]);
    assert_eq!(h.commit_errors(c), [Some(KafkaError::UnknownMemberId)]);
    // An unknown group with a generation is a stale member.
    let c = h.commit(9, "other", "m", 3, vec![(tp(0), 1)]);
    assert_eq!(h.commit_errors(c), [Some(KafkaError::IllegalGeneration)]);
    // Partitions that do not exist are refused one by one.
    let c = h.commit(9, "solo", "", -1, vec![(tp(0), 1), (TopicPartition::new("nope", 0), 1)]);
    assert_eq!(h.commit_errors(c), [None, Some(KafkaError::UnknownTopicOrPartition)]);
}

#[test]
fn offsets_survive_coordinator_failover() {
    let mut old = Harness::new();
    let (a, b) = old.stable_pair("g");
    let c = old.commit(1, "g", &a, 1, vec![(tp(0), 42), (tp(1), 7)]);
    assert_eq!(old.commit_errors(c), [None, None]);
    let c = old.commit(2, "g", &b, 1, vec![(tp(2), 9)]);
    old.commit_errors(c);
    let c = old.commit(2, "g", &b, 1, vec![(tp(2), 13)]);
    old.commit_errors(c);
    let partition = old.group("g").unwrap().offsets_partition;

    // Broker 1 dies; broker 2, a follower with the same log, takes the partition over.
    let mut leaders = vec![Some(1), Some(1), Some(1)];
    leaders[partition as usize] = Some(2);
    let mut host = FakeHost::new(2, &leaders, 4);
    host.logs = old.host.logs.clone();
    host.hw = old.host.hw.clone();
    let mut new = Harness::with_host(host, test_config());
    assert_eq!(new.coordinator.owned_partitions(), [partition]);
    assert!(new.events.contains(&GroupEvent::CoordinatorMoved { group: "g".into(), coordinator: Some(2) }));

    let fetched = new.fetch_offsets(1, "g");
    assert_eq!(fetched.error, None);
    assert_eq!(fetched.partitions.iter().map(|(_, o, _)| *o).collect::<Vec<_>>(), [42, 7, 13, -1]);
    // The group comes back in its last generation, with its members and assignment.
    let g = new.group("g").unwrap();
    assert_eq!((g.state, g.generation, g.leader.as_deref()), (GroupState::Stable, 1, Some(a.as_str())));
    assert_eq!(
        g.members.iter().map(|m| m.assignment.clone()).collect::<Vec<_>>(),
        [vec![tp(0), tp(1)], vec![tp(2), tp(3)]]
    );
    // Members that find the new coordinator carry on in the same generation.
    assert_eq!(new.heartbeat(1, "g", &a, 1), None);
    // b died with the old coordinator: it expires and the group rebalances.
    for _ in 0..4 {
        new.advance(3_000);
        new.heartbeat(1, "g", &a, 1);
    }
    assert_eq!(left(&new.events).len(), 1);
    assert_eq!(new.state("g"), Some(GroupState::PreparingRebalance));

    // The old coordinator, told it resigned, refuses the group.
    old.take_events();
    let me = NodeId::Broker(1);
    let mut ctx = old.tctx.ctx(old.now, me);
    old.coordinator.on_resigned(&mut ctx, partition);
    old.settle();
    assert_eq!(state_changes(&old.events), [pair("Stable", "Dead")]);
    old.host.image.topics.get_mut(CONSUMER_OFFSETS).unwrap().partitions[partition as usize].leader = Some(2);
    assert_eq!(old.heartbeat(1, "g", &a, 1), Some(KafkaError::NotCoordinator));
    assert_eq!(old.fetch_offsets(1, "g").error, Some(KafkaError::NotCoordinator));
}

#[test]
fn records_the_old_leader_wrote_above_the_high_watermark_are_loaded_when_committed() {
    let mut old = Harness::new();
    let c = old.commit(1, "g", "", -1, vec![(tp(0), 1)]);
    old.commit_errors(c);
    old.auto_replicate = false;
    old.commit(1, "g", "", -1, vec![(tp(0), 2)]);
    let partition = old.group("g").unwrap().offsets_partition;
    let mut leaders = vec![Some(1), Some(1), Some(1)];
    leaders[partition as usize] = Some(2);
    let mut host = FakeHost::new(2, &leaders, 4);
    host.logs = old.host.logs.clone();
    host.hw = old.host.hw.clone();
    let mut new = Harness::with_host(host, test_config());
    new.auto_replicate = false;
    assert_eq!(new.fetch_offsets(1, "g").partitions[0].1, 1);
    new.replicate();
    assert_eq!(new.fetch_offsets(1, "g").partitions[0].1, 2, "the inherited commit is replayed once committed");
}

#[test]
fn requests_for_groups_of_other_brokers_get_not_coordinator() {
    let host = FakeHost::new(1, &[Some(2), None, Some(1)], 4);
    let mut h = Harness::with_host(host, test_config());
    // Pick group ids landing on partitions 0 (led by 2) and 1 (no leader).
    let on = |p| (0..).map(|i| format!("g{i}")).find(|g| coordinator_partition_for(g, 3) == p).unwrap();
    let (elsewhere, leaderless, here) = (on(0), on(1), on(2));
    let c = h.join(1, h.join_request(&elsewhere, "", &["range"]));
    assert_eq!(h.join_response(c).error, Some(KafkaError::NotCoordinator));
    let c = h.join(1, h.join_request(&here, "", &["range"]));
    assert_eq!(h.join_response(c).error, Some(KafkaError::MemberIdRequired));
    let find = |h: &mut Harness, key: &str| {
        let c = h.send(
            1,
            Request::FindCoordinator(FindCoordinatorRequest { key: key.into(), key_type: CoordinatorType::Group }),
        );
        match h.take_response(c) {
            Some(Response::FindCoordinator(r)) => (r.error, r.node_id),
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(find(&mut h, &elsewhere), (None, 2));
    assert_eq!(find(&mut h, &here), (None, 1));
    assert_eq!(find(&mut h, &leaderless), (Some(KafkaError::CoordinatorNotAvailable), -1));
    // Leading the partition but not loaded yet: loading.
    h.host.image.topics.get_mut(CONSUMER_OFFSETS).unwrap().partitions[0].leader = Some(1);
    let c = h.join(1, h.join_request(&elsewhere, "", &["range"]));
    assert_eq!(h.join_response(c).error, Some(KafkaError::CoordinatorLoadInProgress));
    let c = h.join(1, h.join_request("", "", &["range"]));
    assert_eq!(h.join_response(c).error, Some(KafkaError::InvalidGroupId));
}

#[test]
fn session_timeout_outside_the_broker_limits_is_refused() {
    let mut h = Harness::new();
    let mut request = h.join_request("g", "", &["range"]);
    request.session_timeout_ms = 5_999;
    let c = h.join(1, request);
    assert_eq!(h.join_response(c).error, Some(KafkaError::InvalidSessionTimeout));
}

#[test]
fn the_protocol_is_the_most_voted_common_one_and_none_is_refused() {
    let mut h = Harness::new();
    let first = h.join(1, h.join_request("g", "", &["roundrobin", "range"]));
    let a = h.join_response(first).member_id;
    let ja = h.join(1, h.join_request("g", &a, &["roundrobin", "range"]));
    let first = h.join(2, h.join_request("g", "", &["range", "roundrobin"]));
    let b = h.join_response(first).member_id;
    let jb = h.join(2, h.join_request("g", &b, &["range", "sticky", "roundrobin"]));
    let first = h.join(3, h.join_request("g", "", &["range"]));
    let c = h.join_response(first).member_id;
    let jc = h.join(3, h.join_request("g", &c, &["range"]));
    // A member sharing no assignor with the group is refused.
    let bad = h.join(4, h.join_request("g", "", &["cooperative-sticky"]));
    assert_eq!(h.join_response(bad).error, Some(KafkaError::InconsistentGroupProtocol));
    h.advance(10_000);
    // Common: range only (c supports nothing else).
    for j in [ja, jb, jc] {
        assert_eq!(h.join_response(j).protocol_name.as_deref(), Some("range"));
    }
}

#[test]
fn member_that_does_not_rejoin_within_the_rebalance_timeout_is_removed() {
    let mut h = Harness::new();
    let (a, b) = h.stable_pair("g");
    let start = h.now;
    // a rejoins (say, its subscription changed); b keeps heartbeating but never rejoins.
    let j = h.join(1, h.join_request("g", &a, &["range"]));
    while h.now < start + REBALANCE_MS - 3_000 {
        h.advance(3_000);
        assert_eq!(h.heartbeat(2, "g", &b, 1), Some(KafkaError::RebalanceInProgress));
    }
    assert!(h.take_response(j).is_none());
    h.advance(start + REBALANCE_MS - h.now);
    let r = h.join_response(j);
    assert_eq!((r.generation_id, r.members.len()), (2, 1));
    assert_eq!(
        left(&h.events),
        [(b.clone(), "did not rejoin before the rebalance timeout (max.poll.interval.ms)".into())]
    );
    assert_eq!(h.heartbeat(2, "g", &b, 1), Some(KafkaError::UnknownMemberId));
}

#[test]
fn static_member_restarting_within_its_session_keeps_its_assignment_without_a_rebalance() {
    let mut h = Harness::new();
    let join_static = |h: &mut Harness, client: ClientId, instance: &str| {
        let mut r = h.join_request("g", "", &["range"]);
        r.group_instance_id = Some(instance.into());
        h.join(client, r)
    };
    // Static members join without MEMBER_ID_REQUIRED.
    let ja = join_static(&mut h, 1, "i-a");
    let jb = join_static(&mut h, 2, "i-b");
    h.advance(6_000);
    let (ra, rb) = (h.join_response(ja), h.join_response(jb));
    let (a, b) = (ra.member_id.clone(), rb.member_id.clone());
    let s = h.sync(
        1,
        "g",
        &a,
        1,
        vec![
            SyncGroupAssignment { member_id: a.clone(), partitions: vec![tp(0), tp(1)] },
            SyncGroupAssignment { member_id: b.clone(), partitions: vec![tp(2), tp(3)] },
        ],
    );
    h.sync_response(s);
    h.take_events();
    // b's process restarts (no LeaveGroup) and joins again with its instance id.
    h.advance(2_000);
    let j = join_static(&mut h, 5, "i-b");
    let r = h.join_response(j);
    assert_eq!(r.error, None);
    assert_ne!(r.member_id, b, "a new member id");
    assert_eq!((r.generation_id, r.leader.as_str()), (1, a.as_str()), "same generation: no rebalance");
    assert_eq!(h.state("g"), Some(GroupState::Stable));
    assert!(!state_changes(&h.events).iter().any(|(_, to)| to == "PreparingRebalance"));
    let s = h.sync(5, "g", &r.member_id, 1, vec![]);
    assert_eq!(h.sync_response(s).assignment, [tp(2), tp(3)], "it keeps its partitions");
    // The old instance is fenced.
    let mut hb = HeartbeatRequest {
        group_id: "g".into(),
        generation_id: 1,
        member_id: b.clone(),
        group_instance_id: Some("i-b".into()),
    };
    let c = h.send(2, Request::Heartbeat(hb.clone()));
    assert_eq!(
        h.take_response(c),
        Some(Response::Heartbeat(HeartbeatResponse { error: Some(KafkaError::FencedInstanceId) }))
    );
    hb.member_id = r.member_id.clone();
    let c = h.send(5, Request::Heartbeat(hb));
    assert_eq!(h.take_response(c), Some(Response::Heartbeat(HeartbeatResponse { error: None })));
}

#[test]
fn admin_reset_is_refused_while_the_group_has_members() {
    let mut h = Harness::new();
    let (a, b) = h.stable_pair("g");
    let me = NodeId::Broker(1);
    let mut ctx = h.tctx.ctx(h.now, me);
    assert_eq!(
        h.coordinator.reset_offsets(&mut ctx, &mut h.host, "g", vec![(tp(0), 0)]),
        Err(KafkaError::UnknownMemberId)
    );
    h.leave(1, "g", &a);
    h.leave(2, "g", &b);
    assert_eq!(h.state("g"), Some(GroupState::Empty));
    let mut ctx = h.tctx.ctx(h.now, me);
    assert_eq!(h.coordinator.reset_offsets(&mut ctx, &mut h.host, "g", vec![(tp(0), 0), (tp(3), 5)]), Ok(()));
    h.settle();
    assert_eq!(h.fetch_offsets(1, "g").partitions.iter().map(|(_, o, _)| *o).collect::<Vec<_>>(), [0, -1, -1, 5]);
    assert!(h.events.contains(&GroupEvent::OffsetCommitted { group: "g".into(), tp: tp(3), offset: 5, client: None }));
}

#[test]
fn a_failed_assignment_write_sends_members_back_to_rejoin() {
    let mut h = Harness::new();
    let (a, ja) = h.join_new(1, "g");
    h.advance(3_000);
    h.join_response(ja);
    h.host.fail_appends = Some(KafkaError::NotEnoughReplicas);
    let s = h.sync(1, "g", &a, 1, vec![SyncGroupAssignment { member_id: a.clone(), partitions: vec![tp(0)] }]);
    assert_eq!(h.sync_response(s).error, Some(KafkaError::CoordinatorNotAvailable));
    assert_eq!(h.state("g"), Some(GroupState::PreparingRebalance));
}
