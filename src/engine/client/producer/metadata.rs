//! The producer's view of the cluster (`ProducerMetadata`): the topics it
//! uses, their partitions and leaders, learnt from Metadata responses.
//!
//! The producer asks only for the topics it sends to. It refreshes when
//! told a leader moved (`NOT_LEADER_OR_FOLLOWER` and the other
//! `InvalidMetadataException`s), on a disconnect, while a topic or leader is
//! unknown, and every `metadata.max.age.ms`.

use crate::collections::{VecMap, VecSet};
use crate::engine::ids::{BrokerId, PartitionId, TopicPartition};
use crate::engine::protocol::MetadataResponse;
use crate::engine::protocol::{CorrelationId, MetadataRequest};
use crate::engine::time::Millis;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PartitionLeader {
    pub leader: Option<BrokerId>,
    pub leader_epoch: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TopicInfo {
    pub partitions: Vec<PartitionLeader>,
    /// Partitions with a leader, in order (what the partitioners choose among).
    pub available: Vec<PartitionId>,
}

impl TopicInfo {
    pub fn partition_count(&self) -> i32 {
        self.partitions.len() as i32
    }
}

#[derive(Debug, Default)]
pub(crate) struct ClientMetadata {
    pub topics: VecMap<String, TopicInfo>,
    /// Topics the producer sends to (asked for in every Metadata request).
    pub wanted: VecSet<String>,
    /// Brokers named in the last response.
    pub brokers: VecSet<BrokerId>,
    /// A refresh was asked for.
    pub need_update: bool,
    /// When the last successful response arrived.
    pub last_refresh: Option<Millis>,
    /// The Metadata request on the wire, if any.
    pub in_flight: Option<CorrelationId>,
    /// Do not send another Metadata request before this time.
    pub next_attempt_at: Millis,
}

impl ClientMetadata {
    pub fn leader(&self, tp: &TopicPartition) -> Option<BrokerId> {
        let topic = self.topics.get(&tp.topic)?;
        topic.partitions.get(usize::try_from(tp.partition).ok()?)?.leader
    }

    /// Starts using a topic: it is fetched with the next request.
    pub fn add_topic(&mut self, topic: &str) {
        if self.wanted.insert(topic.to_string()) {
            self.need_update = true;
        }
    }

    pub fn request_update(&mut self) {
        self.need_update = true;
    }

    /// Whether a Metadata request should go out now.
    pub fn should_refresh(&self, now: Millis, max_age_ms: Millis) -> bool {
        if self.in_flight.is_some() || self.wanted.is_empty() || now < self.next_attempt_at {
            return false;
        }
        self.need_update || self.last_refresh.is_none_or(|t| now >= t + max_age_ms)
    }

    /// When a refresh becomes due (for the sender's wake-up).
    pub fn next_refresh_at(&self, max_age_ms: Millis) -> Option<Millis> {
        if self.in_flight.is_some() || self.wanted.is_empty() {
            return None;
        }
        if self.need_update {
            return Some(self.next_attempt_at);
        }
        Some(self.last_refresh.map_or(self.next_attempt_at, |t| t + max_age_ms).max(self.next_attempt_at))
    }

    pub fn request(&self) -> MetadataRequest {
        // The Java producer sets allow_auto_topic_creation (the broker's
        // `auto.create.topics.enable` decides).
        MetadataRequest { topics: Some(self.wanted.iter().cloned().collect()), allow_auto_topic_creation: true }
    }

    /// Applies a response. A partition keeps its cached leader when the
    /// response carries an older leader epoch (KIP-320: a broker with a stale
    /// image must not move the producer backwards).
    pub fn update(&mut self, response: &MetadataResponse, now: Millis) {
        self.brokers = response.brokers.iter().map(|b| b.node_id).collect();
        let mut missing = false;
        for topic in &response.topics {
            if !self.wanted.contains(&topic.name) {
                continue;
            }
            // UNKNOWN_TOPIC_OR_PARTITION, or LEADER_NOT_AVAILABLE while the
            // broker auto-creates the topic: wait and ask again.
            if topic.error.is_some() || topic.partitions.is_empty() {
                self.topics.remove(&topic.name);
                missing = true;
                continue;
            }
            let old = self.topics.get(&topic.name);
            let mut partitions: Vec<PartitionLeader> =
                vec![PartitionLeader { leader: None, leader_epoch: -1 }; topic.partitions.len()];
            for p in &topic.partitions {
                let Some(slot) = usize::try_from(p.partition).ok().and_then(|i| partitions.get_mut(i)) else {
                    continue;
                };
                let cached = old.and_then(|o| o.partitions.get(p.partition as usize));
                *slot = match cached {
                    Some(c) if c.leader_epoch > p.leader_epoch => c.clone(),
                    _ => PartitionLeader { leader: p.leader, leader_epoch: p.leader_epoch },
                };
            }
            if partitions.iter().any(|p| p.leader.is_none()) {
                missing = true;
            }
            let available = partitions
                .iter()
                .enumerate()
                .filter(|(_, p)| p.leader.is_some())
                .map(|(i, _)| i as PartitionId)
                .collect();
            self.topics.insert(topic.name.clone(), TopicInfo { partitions, available });
        }
        if self.wanted.iter().any(|t| !self.topics.contains_key(t)) {
            missing = true;
        }
        self.last_refresh = Some(now);
        // Keep asking while something we need is unknown (after a backoff).
        self.need_update = missing;
    }
}
