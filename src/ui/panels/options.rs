//! The choices forms offer, read from the snapshot: topics, groups,
//! brokers, and a free client name to suggest.

use crate::collections::VecSet;
use crate::engine::client::Workload;
use crate::engine::config::TopicConfig;
use crate::engine::ids::{BrokerId, NodeId};
use crate::engine::snapshot::ClusterSnapshot;
use crate::ui::model;

/// User topics (internal ones left out), by name.
pub fn user_topics(snap: &ClusterSnapshot) -> Vec<String> {
    snap.metadata.topics.keys().filter(|t| !model::is_internal_topic(t)).cloned().collect()
}

/// A topic's partition count.
pub fn partition_count(snap: &ClusterSnapshot, topic: &str) -> Option<i32> {
    snap.metadata.topics.get(topic).map(|t| t.partitions.len() as i32)
}

/// Every group a coordinator holds or a consumer names, by name.
pub fn group_ids(snap: &ClusterSnapshot) -> Vec<String> {
    let mut ids: VecSet<String> = model::groups(snap).into_iter().map(|g| g.group_id.clone()).collect();
    ids.extend(snap.consumers.iter().filter_map(|c| c.consumer.group.clone()));
    ids.into_iter().collect()
}

pub fn broker_ids(snap: &ClusterSnapshot) -> Vec<BrokerId> {
    snap.brokers.iter().map(|b| b.id).collect()
}

/// Values as select options (value and text alike).
pub fn same(values: impl IntoIterator<Item = String>) -> Vec<(String, String)> {
    values.into_iter().map(|v| (v.clone(), v)).collect()
}

/// Static (value, text) pairs as select options.
pub fn fixed(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(v, t)| (v.to_string(), t.to_string())).collect()
}

/// `prefix-N` for the smallest N no client uses.
pub fn free_name(snap: &ClusterSnapshot, prefix: &str) -> String {
    let taken = |name: &str| {
        snap.producers.iter().any(|p| p.producer.name == name) || snap.consumers.iter().any(|c| c.consumer.name == name)
    };
    (1..).map(|n| format!("{prefix}-{n}")).find(|n| !taken(n)).unwrap_or_else(|| prefix.to_string())
}

/// What the actions panel's forms offer, taken from a snapshot. Compared
/// by value, so a form re-renders only when its choices changed, not on
/// every snapshot.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FormOptions {
    /// User topics and their partition counts, by name.
    pub topics: Vec<(String, i32)>,
    pub groups: Vec<String>,
    /// Broker ids, and whether each is up.
    pub brokers: Vec<(BrokerId, bool)>,
    /// Free client names to suggest.
    pub free_producer: String,
    pub free_consumer: String,
    /// Every node a fault can name: (value, label), controller and brokers first.
    pub nodes: Vec<(String, String)>,
    /// Active network faults: (id, the fault in a sentence).
    pub faults: Vec<(u32, String)>,
    /// Running producers and what their application sends.
    pub producers: Vec<(String, Option<Workload>)>,
    /// Each user topic's config.
    pub configs: Vec<(String, TopicConfig)>,
}

impl FormOptions {
    pub fn of(snap: &ClusterSnapshot) -> Self {
        FormOptions {
            topics: user_topics(snap)
                .into_iter()
                .map(|t| (partition_count(snap, &t).unwrap_or(0), t))
                .map(|(n, t)| (t, n))
                .collect(),
            groups: group_ids(snap),
            brokers: snap.brokers.iter().map(|b| (b.id, b.status.is_up())).collect(),
            free_producer: free_name(snap, "producer"),
            free_consumer: free_name(snap, "consumer"),
            nodes: node_options(snap),
            faults: snap.faults.iter().map(|f| (f.id, super::forms::fault::sentence(snap, &f.fault))).collect(),
            producers: snap
                .producers
                .iter()
                .filter(|p| p.status.is_up() && !p.producer.closing)
                .map(|p| (p.producer.name.clone(), p.producer.workload.clone()))
                .collect(),
            configs: snap
                .metadata
                .topics
                .iter()
                .filter(|(t, _)| !model::is_internal_topic(t))
                .map(|(t, image)| (t.clone(), image.config.clone()))
                .collect(),
        }
    }

    /// Topic names as select options.
    pub fn topic_options(&self) -> Vec<(String, String)> {
        same(self.topics.iter().map(|(t, _)| t.clone()))
    }

    pub fn partitions_of(&self, topic: &str) -> Option<i32> {
        self.topics.iter().find(|(t, _)| t == topic).map(|(_, n)| *n)
    }
}

/// A node as a select option's value (`controller`, `broker-1`, `client-3`: `NodeId`'s Display).
pub fn parse_node(value: &str) -> Option<NodeId> {
    match value {
        "controller" => Some(NodeId::Controller),
        _ => {
            let (kind, n) = value.rsplit_once('-')?;
            match kind {
                "broker" => n.parse().ok().map(NodeId::Broker),
                "client" => n.parse().ok().map(NodeId::Client),
                _ => None,
            }
        }
    }
}

/// A node as a person names it: "the controller", "broker 2", "producer p1", "consumer c1".
pub fn node_label(snap: &ClusterSnapshot, node: NodeId) -> String {
    match node {
        NodeId::Controller => "the controller".into(),
        NodeId::Broker(b) => format!("broker {b}"),
        NodeId::Client(id) => match snap.producers.iter().find(|p| p.producer.id == id) {
            Some(p) => format!("producer {}", p.producer.name),
            None => match snap.consumers.iter().find(|c| c.consumer.id == id) {
                Some(c) => format!("consumer {}", c.consumer.name),
                None => format!("client {id}"),
            },
        },
    }
}

fn node_options(snap: &ClusterSnapshot) -> Vec<(String, String)> {
    let mut nodes = vec![NodeId::Controller];
    nodes.extend(snap.brokers.iter().map(|b| NodeId::Broker(b.id)));
    nodes.extend(snap.producers.iter().filter(|p| p.status.is_up()).map(|p| NodeId::Client(p.producer.id)));
    nodes.extend(snap.consumers.iter().filter(|c| c.status.is_up()).map(|c| NodeId::Client(c.consumer.id)));
    nodes.into_iter().map(|n| (n.to_string(), node_label(snap, n))).collect()
}
