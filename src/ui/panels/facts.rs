//! What an event is about — its area and type, and the brokers, partition,
//! topic, clients and group it involves — for the event log's filters and
//! for selecting what a clicked row names. One exhaustive match, so a new
//! event variant does not compile until it is placed here.

use crate::engine::event::{
    ClusterEvent, ConsumerEvent, Event, GroupEvent, LogEvent, ProducerEvent, ReplicationEvent, TimedEvent, TxnEvent,
};
use crate::engine::ids::{BrokerId, ClientId, NodeId, TopicPartition};
use crate::engine::net::Fault;

/// The event areas, as the filter lists them.
pub const AREAS: [&str; 7] = ["cluster", "log", "replication", "producer", "consumer", "group", "txn"];

/// The subjects of one event.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Facts<'a> {
    /// `cluster`, `log`, `replication`, `producer`, `consumer`, `group`, `txn`.
    pub area: &'static str,
    /// The variant's name (`IsrShrunk`).
    pub kind: &'static str,
    /// Every broker involved: the one it happened on, leaders, replicas added or removed.
    pub brokers: Vec<BrokerId>,
    pub tp: Option<&'a TopicPartition>,
    /// The topic (of `tp`, or named by the event).
    pub topic: Option<&'a str>,
    pub clients: Vec<ClientId>,
    pub group: Option<&'a str>,
}

impl Facts<'_> {
    fn broker(&mut self, b: BrokerId) {
        if !self.brokers.contains(&b) {
            self.brokers.push(b);
        }
    }
    fn brokers(&mut self, bs: &[BrokerId]) {
        for b in bs {
            self.broker(*b);
        }
    }
    fn client(&mut self, c: ClientId) {
        if !self.clients.contains(&c) {
            self.clients.push(c);
        }
    }
    fn node(&mut self, n: NodeId) {
        match n {
            NodeId::Broker(b) => self.broker(b),
            NodeId::Client(c) => self.client(c),
            NodeId::Controller => {}
        }
    }
}

pub fn facts(e: &TimedEvent) -> Facts<'_> {
    let mut f = Facts::default();
    f.node(e.node);
    let (area, kind) = match &e.event {
        Event::Cluster(c) => ("cluster", cluster(c, &mut f)),
        Event::Log(l) => ("log", log(l, &mut f)),
        Event::Replication(r) => ("replication", replication(r, &mut f)),
        Event::Producer(p) => ("producer", producer(p, &mut f)),
        Event::Consumer(c) => ("consumer", consumer(c, &mut f)),
        Event::Group(g) => ("group", group(g, &mut f)),
        Event::Txn(t) => ("txn", txn(t, &mut f)),
    };
    f.area = area;
    f.kind = kind;
    if let Some(tp) = f.tp {
        // A producer's record that never got a partition has partition -1: the topic still counts.
        f.topic = Some(tp.topic.as_str());
        if tp.partition < 0 {
            f.tp = None;
        }
    }
    f
}

fn cluster<'a>(e: &'a ClusterEvent, f: &mut Facts<'a>) -> &'static str {
    match e {
        ClusterEvent::BrokerStarted { broker, .. } => {
            f.broker(*broker);
            "BrokerStarted"
        }
        ClusterEvent::BrokerCrashed { broker } => {
            f.broker(*broker);
            "BrokerCrashed"
        }
        ClusterEvent::BrokerShuttingDown { broker } => {
            f.broker(*broker);
            "BrokerShuttingDown"
        }
        ClusterEvent::BrokerStopped { broker } => {
            f.broker(*broker);
            "BrokerStopped"
        }
        ClusterEvent::BrokerRemoved { broker } => {
            f.broker(*broker);
            "BrokerRemoved"
        }
        ClusterEvent::BrokerFenced { broker, .. } => {
            f.broker(*broker);
            "BrokerFenced"
        }
        ClusterEvent::BrokerUnfenced { broker } => {
            f.broker(*broker);
            "BrokerUnfenced"
        }
        ClusterEvent::TopicCreated { topic, .. } => {
            f.topic = Some(topic);
            "TopicCreated"
        }
        ClusterEvent::PartitionsAdded { topic, .. } => {
            f.topic = Some(topic);
            "PartitionsAdded"
        }
        ClusterEvent::TopicDeleted { topic } => {
            f.topic = Some(topic);
            "TopicDeleted"
        }
        ClusterEvent::TopicConfigChanged { topic } => {
            f.topic = Some(topic);
            "TopicConfigChanged"
        }
        ClusterEvent::FaultAdded { fault, .. } => {
            match fault {
                Fault::Drop { link, .. } | Fault::Delay { link, .. } => {
                    for n in [link.from, link.to].into_iter().flatten() {
                        f.node(n);
                    }
                }
                Fault::Partition { side_a, side_b } => {
                    for n in side_a.iter().chain(side_b) {
                        f.node(*n);
                    }
                }
                Fault::Isolate { node, .. } => f.node(*node),
            }
            "FaultAdded"
        }
        ClusterEvent::FaultHealed { .. } => "FaultHealed",
        ClusterEvent::MessageDropped { from, to, .. } => {
            f.node(*from);
            f.node(*to);
            "MessageDropped"
        }
        ClusterEvent::CommandRejected { .. } => "CommandRejected",
    }
}

fn log<'a>(e: &'a LogEvent, f: &mut Facts<'a>) -> &'static str {
    let (tp, broker, kind) = match e {
        LogEvent::RecordsAppended { tp, broker, .. } => (tp, broker, "RecordsAppended"),
        LogEvent::SegmentRolled { tp, broker, .. } => (tp, broker, "SegmentRolled"),
        LogEvent::SegmentDeleted { tp, broker, .. } => (tp, broker, "SegmentDeleted"),
        LogEvent::LogStartOffsetAdvanced { tp, broker, .. } => (tp, broker, "LogStartOffsetAdvanced"),
        LogEvent::LogCompacted { tp, broker, .. } => (tp, broker, "LogCompacted"),
        LogEvent::LogTruncated { tp, broker, .. } => (tp, broker, "LogTruncated"),
        LogEvent::DuplicateBatch { tp, broker, .. } => (tp, broker, "DuplicateBatch"),
        LogEvent::ProduceRejected { tp, broker, .. } => (tp, broker, "ProduceRejected"),
        LogEvent::LogReset { tp, broker, .. } => (tp, broker, "LogReset"),
    };
    f.tp = Some(tp);
    f.broker(*broker);
    kind
}

fn replication<'a>(e: &'a ReplicationEvent, f: &mut Facts<'a>) -> &'static str {
    match e {
        ReplicationEvent::LeaderElected { tp, leader, .. } => {
            f.tp = Some(tp);
            f.broker(*leader);
            "LeaderElected"
        }
        ReplicationEvent::PartitionOffline { tp, .. } => {
            f.tp = Some(tp);
            "PartitionOffline"
        }
        ReplicationEvent::BecameLeader { tp, broker, .. } => {
            f.tp = Some(tp);
            f.broker(*broker);
            "BecameLeader"
        }
        ReplicationEvent::BecameFollower { tp, broker, leader, .. } => {
            f.tp = Some(tp);
            f.broker(*broker);
            if let Some(l) = leader {
                f.broker(*l);
            }
            "BecameFollower"
        }
        ReplicationEvent::IsrShrunk { tp, leader, removed, .. } => {
            f.tp = Some(tp);
            f.broker(*leader);
            f.brokers(removed);
            "IsrShrunk"
        }
        ReplicationEvent::IsrExpanded { tp, leader, added, .. } => {
            f.tp = Some(tp);
            f.broker(*leader);
            f.brokers(added);
            "IsrExpanded"
        }
        ReplicationEvent::RemovedFromIsr { tp, broker, leader, .. } => {
            f.tp = Some(tp);
            f.broker(*broker);
            if let Some(l) = leader {
                f.broker(*l);
            }
            "RemovedFromIsr"
        }
        ReplicationEvent::HwAdvanced { tp, broker, .. } => {
            f.tp = Some(tp);
            f.broker(*broker);
            "HwAdvanced"
        }
        ReplicationEvent::LsoAdvanced { tp, broker, .. } => {
            f.tp = Some(tp);
            f.broker(*broker);
            "LsoAdvanced"
        }
        ReplicationEvent::IsrChangeRequested { tp, leader, .. } => {
            f.tp = Some(tp);
            f.broker(*leader);
            "IsrChangeRequested"
        }
        ReplicationEvent::IsrChangeFailed { tp, leader, .. } => {
            f.tp = Some(tp);
            f.broker(*leader);
            "IsrChangeFailed"
        }
        ReplicationEvent::ReplicaDeleted { tp, broker } => {
            f.tp = Some(tp);
            f.broker(*broker);
            "ReplicaDeleted"
        }
        ReplicationEvent::FetcherBackedOff { broker, leader, .. } => {
            f.broker(*broker);
            f.broker(*leader);
            "FetcherBackedOff"
        }
    }
}

fn producer<'a>(e: &'a ProducerEvent, f: &mut Facts<'a>) -> &'static str {
    match e {
        ProducerEvent::ProducerStarted { client, .. } => {
            f.client(*client);
            "ProducerStarted"
        }
        ProducerEvent::ProducerIdAssigned { client, .. } => {
            f.client(*client);
            "ProducerIdAssigned"
        }
        ProducerEvent::BatchSent { client, tp, broker, .. } => {
            f.client(*client);
            f.tp = Some(tp);
            f.broker(*broker);
            "BatchSent"
        }
        ProducerEvent::RecordsAcknowledged { client, tp, .. } => {
            f.client(*client);
            f.tp = Some(tp);
            "RecordsAcknowledged"
        }
        ProducerEvent::ProduceFailed { client, tp, .. } => {
            f.client(*client);
            f.tp = Some(tp);
            "ProduceFailed"
        }
        ProducerEvent::MetadataRefreshed { client } => {
            f.client(*client);
            "MetadataRefreshed"
        }
        ProducerEvent::EpochBumpRequested { client, tp, .. } => {
            f.client(*client);
            f.tp = Some(tp);
            "EpochBumpRequested"
        }
        ProducerEvent::ProducerFatalError { client, .. } => {
            f.client(*client);
            "ProducerFatalError"
        }
        ProducerEvent::ProducerClosing { client } => {
            f.client(*client);
            "ProducerClosing"
        }
        ProducerEvent::ProducerClosed { client } => {
            f.client(*client);
            "ProducerClosed"
        }
        ProducerEvent::ProducerCrashed { client } => {
            f.client(*client);
            "ProducerCrashed"
        }
    }
}

fn consumer<'a>(e: &'a ConsumerEvent, f: &mut Facts<'a>) -> &'static str {
    match e {
        ConsumerEvent::ConsumerStarted { client, group, .. } => {
            f.client(*client);
            f.group = group.as_deref();
            "ConsumerStarted"
        }
        ConsumerEvent::RecordsFetched { client, tp, .. } => {
            f.client(*client);
            f.tp = Some(tp);
            "RecordsFetched"
        }
        ConsumerEvent::RecordsProcessed { client, group, tp, .. } => {
            f.client(*client);
            f.group = group.as_deref();
            f.tp = Some(tp);
            "RecordsProcessed"
        }
        ConsumerEvent::PositionReset { client, tp, .. } => {
            f.client(*client);
            f.tp = Some(tp);
            "PositionReset"
        }
        ConsumerEvent::FetchError { client, tp, .. } => {
            f.client(*client);
            f.tp = Some(tp);
            "FetchError"
        }
        ConsumerEvent::OffsetsCommitted { client, group, offsets, .. } => {
            f.client(*client);
            f.group = Some(group);
            if let [(tp, _)] = offsets.as_slice() {
                f.tp = Some(tp);
            } else if let Some((tp, _)) = offsets.first() {
                if offsets.iter().all(|(t, _)| t.topic == tp.topic) {
                    f.topic = Some(&tp.topic);
                }
            }
            "OffsetsCommitted"
        }
        ConsumerEvent::CoordinatorDiscovered { client, group, coordinator } => {
            f.client(*client);
            f.group = Some(group);
            f.broker(*coordinator);
            "CoordinatorDiscovered"
        }
        ConsumerEvent::JoiningGroup { client, group, .. } => {
            f.client(*client);
            f.group = Some(group);
            "JoiningGroup"
        }
        ConsumerEvent::LeftGroup { client, group, .. } => {
            f.client(*client);
            f.group = Some(group);
            "LeftGroup"
        }
        ConsumerEvent::ConsumerFailed { client, .. } => {
            f.client(*client);
            "ConsumerFailed"
        }
        ConsumerEvent::ConsumerClosed { client } => {
            f.client(*client);
            "ConsumerClosed"
        }
        ConsumerEvent::ConsumerCrashed { client } => {
            f.client(*client);
            "ConsumerCrashed"
        }
    }
}

fn group<'a>(e: &'a GroupEvent, f: &mut Facts<'a>) -> &'static str {
    match e {
        GroupEvent::GroupStateChanged { group, coordinator, .. } => {
            f.group = Some(group);
            f.broker(*coordinator);
            "GroupStateChanged"
        }
        GroupEvent::MemberJoined { group, client, .. } => {
            f.group = Some(group);
            if let Some(c) = client {
                f.client(*c);
            }
            "MemberJoined"
        }
        GroupEvent::MemberLeft { group, .. } => {
            f.group = Some(group);
            "MemberLeft"
        }
        GroupEvent::Rebalance { group, .. } => {
            f.group = Some(group);
            "Rebalance"
        }
        GroupEvent::AssignmentReceived { group, client, .. } => {
            f.group = Some(group);
            f.client(*client);
            "AssignmentReceived"
        }
        GroupEvent::PartitionsRevoked { group, client, .. } => {
            f.group = Some(group);
            f.client(*client);
            "PartitionsRevoked"
        }
        GroupEvent::OffsetCommitted { group, tp, client, .. } => {
            f.group = Some(group);
            f.tp = Some(tp);
            if let Some(c) = client {
                f.client(*c);
            }
            "OffsetCommitted"
        }
        GroupEvent::CommitFailed { group, client, .. } => {
            f.group = Some(group);
            f.client(*client);
            "CommitFailed"
        }
        GroupEvent::CoordinatorMoved { group, coordinator } => {
            f.group = Some(group);
            if let Some(c) = coordinator {
                f.broker(*c);
            }
            "CoordinatorMoved"
        }
        GroupEvent::AssignmentComputed { group, client, .. } => {
            f.group = Some(group);
            f.client(*client);
            "AssignmentComputed"
        }
        GroupEvent::PartitionsLost { group, client, .. } => {
            f.group = Some(group);
            f.client(*client);
            "PartitionsLost"
        }
        GroupEvent::RebalanceTriggered { group, .. } => {
            f.group = Some(group);
            "RebalanceTriggered"
        }
    }
}

fn txn<'a>(e: &'a TxnEvent, f: &mut Facts<'a>) -> &'static str {
    match e {
        TxnEvent::TransactionBegun { client, .. } => {
            f.client(*client);
            "TransactionBegun"
        }
        TxnEvent::PartitionAddedToTransaction { tp, .. } => {
            f.tp = Some(tp);
            "PartitionAddedToTransaction"
        }
        TxnEvent::TransactionCommitted { .. } => "TransactionCommitted",
        TxnEvent::TransactionAborted { .. } => "TransactionAborted",
        TxnEvent::MarkerWritten { tp, .. } => {
            f.tp = Some(tp);
            "MarkerWritten"
        }
        TxnEvent::TransactionEndRequested { client, .. } => {
            f.client(*client);
            "TransactionEndRequested"
        }
        TxnEvent::TransactionEnded { client, .. } => {
            f.client(*client);
            "TransactionEnded"
        }
        TxnEvent::TransactionError { client, .. } => {
            f.client(*client);
            "TransactionError"
        }
        TxnEvent::TransactionStateChanged { broker, .. } => {
            f.broker(*broker);
            "TransactionStateChanged"
        }
        TxnEvent::TransactionTimedOut { broker, .. } => {
            f.broker(*broker);
            "TransactionTimedOut"
        }
    }
}
