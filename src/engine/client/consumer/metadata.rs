//! The consumer's view of the cluster, from Metadata responses: who leads
//! each partition (and in which epoch), how many partitions each topic has,
//! which brokers exist.
//!
//! The consumer asks for every topic (`topics: None`), as the Java client
//! does for pattern subscriptions: the group leader needs the partition
//! counts of all members' topics, not only its own. It refreshes when a
//! request meets NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION,
//! LEADER_NOT_AVAILABLE or a dead broker, and every `metadata.max.age.ms`.

use crate::collections::VecMap;
use crate::engine::ids::{BrokerId, TopicPartition};
use crate::engine::protocol::MetadataResponse;
use crate::engine::time::Millis;

/// The leader of a partition as the last metadata response said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct LeaderInfo {
    pub leader: Option<BrokerId>,
    pub epoch: i32,
}

#[derive(Debug, Default)]
pub(super) struct ClientMetadata {
    pub leaders: VecMap<TopicPartition, LeaderInfo>,
    /// Partition count of every topic the cluster has.
    pub partition_counts: VecMap<String, i32>,
    /// Brokers the last response named; the bootstrap list until then.
    pub brokers: Vec<BrokerId>,
    pub in_flight: bool,
    /// A refresh was asked for (an error, a dead broker, a new subscription).
    pub refresh_needed: bool,
    /// No request before this time (`retry.backoff.ms` after a failure).
    pub retry_at: Millis,
    /// When the last response arrived.
    pub updated_at: Option<Millis>,
    /// Counts the responses applied, so a partition can wait for fresher metadata.
    pub version: u64,
    /// Which known broker to ask next; moves on after a failure.
    next_broker: u32,
}

impl ClientMetadata {
    pub fn new(bootstrap: &[BrokerId], start_index: u32) -> Self {
        ClientMetadata {
            brokers: bootstrap.to_vec(),
            next_broker: start_index,
            refresh_needed: true,
            ..ClientMetadata::default()
        }
    }

    /// The broker to send the next cluster-wide request to (Metadata,
    /// FindCoordinator): Kafka's "least loaded node", here a rotation that
    /// moves past a broker once it failed.
    pub fn pick_broker(&self) -> Option<BrokerId> {
        if self.brokers.is_empty() {
            return None;
        }
        Some(self.brokers[(self.next_broker as usize) % self.brokers.len()])
    }

    /// The broker just asked did not answer: try the next one.
    pub fn broker_failed(&mut self, broker: BrokerId) {
        if self.pick_broker() == Some(broker) {
            self.next_broker = self.next_broker.wrapping_add(1);
        }
    }

    pub fn request_refresh(&mut self) {
        self.refresh_needed = true;
    }

    /// Whether a refresh is due now.
    pub fn due(&self, now: Millis, max_age_ms: Millis) -> bool {
        if self.in_flight || now < self.retry_at {
            return false;
        }
        self.refresh_needed || self.updated_at.is_none_or(|t| now - t >= max_age_ms)
    }

    pub fn leader(&self, tp: &TopicPartition) -> Option<LeaderInfo> {
        self.leaders.get(tp).copied()
    }

    /// Applies a response. The next refresh waits `backoff_ms` at least, as
    /// the Java client's metadata backoff, so a partition without a leader
    /// does not turn into a storm of requests.
    pub fn update(&mut self, now: Millis, response: &MetadataResponse, backoff_ms: Millis) {
        self.in_flight = false;
        self.refresh_needed = false;
        self.updated_at = Some(now);
        self.version += 1;
        self.retry_at = now + backoff_ms;
        if !response.brokers.is_empty() {
            self.brokers = response.brokers.iter().map(|b| b.node_id).collect();
        }
        self.leaders.clear();
        self.partition_counts.clear();
        for topic in &response.topics {
            if topic.error.is_some() {
                continue;
            }
            self.partition_counts.insert(topic.name.clone(), topic.partitions.len() as i32);
            for p in &topic.partitions {
                let leader = if p.error.is_some() { None } else { p.leader };
                self.leaders.insert(
                    TopicPartition::new(topic.name.as_str(), p.partition),
                    LeaderInfo { leader, epoch: p.leader_epoch },
                );
            }
        }
    }

    /// The request failed: back off, then ask another broker.
    pub fn failed(&mut self, now: Millis, broker: BrokerId, backoff_ms: Millis) {
        self.in_flight = false;
        self.refresh_needed = true;
        self.retry_at = now + backoff_ms;
        self.broker_failed(broker);
    }
}
