//! Topic administration: create, add partitions, delete, alter config, and
//! the two internal topics. Called directly by `commands.rs` (an admin
//! client with zero latency); results reach brokers in the next image.
//!
//! Refusals use Kafka's error codes and messages. A new partition's replicas
//! come from `placement` over the live brokers (registered, unfenced, not
//! shutting down); its first replica leads, its ISR is all replicas, its
//! epochs start at 0.

use rand::Rng;

use super::placement::{self, Candidate, Start};
use super::{AdminError, Controller};
use crate::engine::config::{CleanupPolicy, TopicConfig};
use crate::engine::error::KafkaError;
use crate::engine::event::ClusterEvent;
use crate::engine::ids::{BrokerId, PartitionId};
use crate::engine::node::Ctx;
use crate::engine::protocol::{PartitionImage, TopicImage};

/// `__consumer_offsets`: committed offsets and group metadata.
pub const CONSUMER_OFFSETS: &str = "__consumer_offsets";
/// `__transaction_state`: the transaction coordinator's log.
pub const TRANSACTION_STATE: &str = "__transaction_state";

fn unknown_topic() -> AdminError {
    AdminError::new(KafkaError::UnknownTopicOrPartition, "This server does not host this topic-partition.")
}

impl Controller {
    /// Brokers new replicas may go to, by id.
    fn placement_candidates(&self) -> Vec<Candidate> {
        let live = self.live_brokers();
        let registered = self.image.brokers.values().filter(|b| live.contains(&b.id));
        registered.map(|b| Candidate { id: b.id, rack: b.rack.clone() }).collect()
    }

    fn check_replication_factor(&self, replication_factor: i32, candidates: &[Candidate]) -> Result<(), AdminError> {
        if replication_factor < 1 {
            return Err(AdminError::new(
                KafkaError::InvalidReplicationFactor,
                "Replication factor must be larger than 0.",
            ));
        }
        if usize::try_from(replication_factor).expect("positive") > candidates.len() {
            return Err(AdminError::new(
                KafkaError::InvalidReplicationFactor,
                format!(
                    "Replication factor: {replication_factor} larger than available brokers: {}.",
                    candidates.len()
                ),
            ));
        }
        Ok(())
    }

    pub fn create_topic(
        &mut self,
        ctx: &mut Ctx,
        name: &str,
        partitions: PartitionId,
        replication_factor: i32,
        config: TopicConfig,
    ) -> Result<(), AdminError> {
        let result = self.create_topic_inner(ctx, name, partitions, replication_factor, config, false);
        self.finish(ctx);
        result
    }

    fn create_topic_inner(
        &mut self,
        ctx: &mut Ctx,
        name: &str,
        partitions: PartitionId,
        replication_factor: i32,
        config: TopicConfig,
        is_internal: bool,
    ) -> Result<(), AdminError> {
        if self.image.topics.contains_key(name) {
            return Err(AdminError::new(KafkaError::TopicAlreadyExists, format!("Topic '{name}' already exists.")));
        }
        if partitions < 1 {
            return Err(AdminError::new(KafkaError::InvalidPartitions, "Number of partitions must be larger than 0."));
        }
        let candidates = self.placement_candidates();
        self.check_replication_factor(replication_factor, &candidates)?;
        config.validate().map_err(|m| AdminError::new(KafkaError::InvalidConfig, m))?;

        // Drawn as u32: `gen_range` over usize samples differently on wasm32
        // (32-bit) and native, and the trace must be the same on both.
        let n = u32::try_from(candidates.len()).expect("fewer than 2^32 brokers");
        let mut draw = || usize::try_from(ctx.rng.gen_range(0..n)).expect("fits");
        let start = Start { start_index: draw(), replica_shift: draw() };
        let assignment = placement::assign(&candidates, 0, partitions, replication_factor, start);
        let partitions_image = new_partitions(0, assignment);
        let topic = TopicImage { name: name.to_string(), is_internal, config, partitions: partitions_image };
        self.image_mut().topics.insert(name.to_string(), topic);
        ctx.emit(ClusterEvent::TopicCreated { topic: name.to_string(), partitions, replication_factor });
        Ok(())
    }

    /// CreateTopics with a manual `replica_assignment` (`kafka-topics
    /// --replica-assignment 2:1:3,3:2:1`): partition i gets `assignment[i]`,
    /// whose first broker is the preferred leader.
    pub fn create_topic_with_assignment(
        &mut self,
        ctx: &mut Ctx,
        name: &str,
        assignment: Vec<Vec<BrokerId>>,
        config: TopicConfig,
    ) -> Result<(), AdminError> {
        let result = self.create_topic_with_assignment_inner(ctx, name, assignment, config);
        self.finish(ctx);
        result
    }

    fn create_topic_with_assignment_inner(
        &mut self,
        ctx: &mut Ctx,
        name: &str,
        assignment: Vec<Vec<BrokerId>>,
        config: TopicConfig,
    ) -> Result<(), AdminError> {
        if self.image.topics.contains_key(name) {
            return Err(AdminError::new(KafkaError::TopicAlreadyExists, format!("Topic '{name}' already exists.")));
        }
        let invalid = |m: String| Err(AdminError::new(KafkaError::InvalidReplicaAssignment, m));
        let Some(first) = assignment.first() else {
            return invalid("The replica assignment must name at least one partition.".into());
        };
        let replication_factor = first.len();
        for (partition, replicas) in assignment.iter().enumerate() {
            if replicas.is_empty() || replicas.len() != replication_factor {
                return invalid(format!(
                    "Partition {partition} has {} replica(s); every partition needs the same replication factor ({replication_factor}) and at least one replica.",
                    replicas.len()
                ));
            }
            let mut seen = crate::collections::VecSet::new();
            for broker in replicas {
                if !seen.insert(broker) {
                    return invalid(format!("Partition {partition} lists broker {broker} twice."));
                }
                if !self.image.brokers.contains_key(broker) {
                    return invalid(format!("Partition {partition} names unknown broker {broker}."));
                }
            }
        }
        config.validate().map_err(|m| AdminError::new(KafkaError::InvalidConfig, m))?;
        let partitions = i32::try_from(assignment.len()).expect("fewer than 2^31 partitions");
        let replication_factor = i32::try_from(replication_factor).expect("small");
        let partitions_image = new_partitions(0, assignment);
        let topic = TopicImage { name: name.to_string(), is_internal: false, config, partitions: partitions_image };
        self.image_mut().topics.insert(name.to_string(), topic);
        ctx.emit(ClusterEvent::TopicCreated { topic: name.to_string(), partitions, replication_factor });
        Ok(())
    }

    /// Creates `__consumer_offsets` (`offsets.topic.num.partitions`,
    /// `offsets.topic.replication.factor`, `offsets.topic.segment.bytes`) and
    /// `__transaction_state` (`transaction.state.log.*`), both internal and
    /// compacted; called once after the bootstrap brokers registered.
    ///
    /// Deviation from Kafka: the replication factor is capped by the number
    /// of live brokers (and `__transaction_state`'s `min.insync.replicas`,
    /// `transaction.state.log.min.isr`, by that replication factor), so a one-
    /// or two-broker playground works with default settings. Kafka would
    /// instead refuse to create the topic (and fail every group or
    /// transactional request) until enough brokers are up. A topic that
    /// cannot be created at all (no live broker, a partition count below 1)
    /// is skipped.
    pub fn create_internal_topics(&mut self, ctx: &mut Ctx) {
        let live = i32::try_from(self.placement_candidates().len()).expect("fits");
        let d = self.defaults.clone();
        let offsets = TopicConfig {
            cleanup_policy: CleanupPolicy::Compact,
            segment_bytes: d.offsets_topic_segment_bytes,
            min_insync_replicas: d.min_insync_replicas,
            unclean_leader_election_enable: d.unclean_leader_election_enable,
            ..TopicConfig::default()
        };
        let offsets_rf = d.offsets_topic_replication_factor.min(live);
        let txn_rf = d.transaction_state_log_replication_factor.min(live);
        let txn = TopicConfig {
            cleanup_policy: CleanupPolicy::Compact,
            segment_bytes: d.transaction_state_log_segment_bytes,
            min_insync_replicas: d.transaction_state_log_min_isr.min(txn_rf).max(1),
            unclean_leader_election_enable: d.unclean_leader_election_enable,
            ..TopicConfig::default()
        };
        let topics = [
            (CONSUMER_OFFSETS, d.offsets_topic_num_partitions, offsets_rf, offsets),
            (TRANSACTION_STATE, d.transaction_state_log_num_partitions, txn_rf, txn),
        ];
        for (name, partitions, rf, config) in topics {
            // Refusals are the documented skips (already there, no broker, no partition).
            let _ = self.create_topic_inner(ctx, name, partitions, rf, config, true);
        }
        self.finish(ctx);
    }

    /// Raises a topic's partition count to `total` (partitions are never
    /// removed). New partitions get the topic's replication factor and
    /// continue the assignment round robin from where Kafka's
    /// `addPartitions` would: the first replica of partition 0.
    pub fn create_partitions(&mut self, ctx: &mut Ctx, topic: &str, total: PartitionId) -> Result<(), AdminError> {
        let result = self.create_partitions_inner(ctx, topic, total);
        self.finish(ctx);
        result
    }

    fn create_partitions_inner(&mut self, ctx: &mut Ctx, topic: &str, total: PartitionId) -> Result<(), AdminError> {
        let existing = self.image.topics.get(topic).ok_or_else(unknown_topic)?;
        let current = PartitionId::try_from(existing.partitions.len()).expect("fits");
        if total == current {
            return Err(AdminError::new(
                KafkaError::InvalidPartitions,
                format!("Topic already has {current} partition(s)."),
            ));
        }
        if total < current {
            return Err(AdminError::new(
                KafkaError::InvalidPartitions,
                format!("The topic {topic} currently has {current} partition(s); {total} would not be an increase."),
            ));
        }
        let first = &existing.partitions[0];
        let replication_factor = i32::try_from(first.replicas.len()).expect("fits");
        let candidates = self.placement_candidates();
        self.check_replication_factor(replication_factor, &candidates)?;
        // Kafka: start at the first broker (by id) not below partition 0's first replica.
        let anchor = first.replicas[0];
        let index = candidates.iter().position(|c| c.id >= anchor).unwrap_or(0);
        let start = Start { start_index: index, replica_shift: index };
        let assignment = placement::assign(&candidates, current, total - current, replication_factor, start);
        let added = new_partitions(current, assignment);
        self.image_mut().topics.get_mut(topic).expect("checked").partitions.extend(added);
        ctx.emit(ClusterEvent::PartitionsAdded { topic: topic.to_string(), from: current, to: total });
        Ok(())
    }

    /// Deletes a topic. The internal topics cannot be deleted (the message
    /// is `kafka-topics`'), which Kafka answers with a refusal too.
    pub fn delete_topic(&mut self, ctx: &mut Ctx, topic: &str) -> Result<(), AdminError> {
        let existing = self.image.topics.get(topic).ok_or_else(unknown_topic)?;
        if existing.is_internal {
            return Err(AdminError::new(
                KafkaError::InvalidRequest,
                format!("Topic {topic} is a kafka internal topic and is not allowed to be marked for deletion."),
            ));
        }
        self.image_mut().topics.remove(topic);
        ctx.emit(ClusterEvent::TopicDeleted { topic: topic.to_string() });
        self.finish(ctx);
        Ok(())
    }

    /// Replaces a topic's configuration. Turning
    /// `unclean.leader.election.enable` on elects a leader at once for its
    /// offline partitions that have a live replica (KRaft checks for such
    /// partitions periodically; the playground does it on the change).
    pub fn alter_topic_config(&mut self, ctx: &mut Ctx, topic: &str, config: TopicConfig) -> Result<(), AdminError> {
        let existing = self.image.topics.get(topic).ok_or_else(unknown_topic)?;
        config.validate().map_err(|m| AdminError::new(KafkaError::InvalidConfig, m))?;
        if existing.config != config {
            self.image_mut().topics.get_mut(topic).expect("checked").config = config;
            ctx.emit(ClusterEvent::TopicConfigChanged { topic: topic.to_string() });
            self.elect_leaderless(ctx);
        }
        self.finish(ctx);
        Ok(())
    }
}

/// Fresh partitions `first..` for an assignment: led by the first replica,
/// every replica in sync, epochs 0.
fn new_partitions(first: PartitionId, assignment: Vec<Vec<BrokerId>>) -> Vec<PartitionImage> {
    (first..)
        .zip(assignment)
        .map(|(partition, replicas)| PartitionImage {
            partition,
            leader: Some(replicas[0]),
            isr: replicas.clone(),
            replicas,
            leader_epoch: 0,
            partition_epoch: 0,
        })
        .collect()
}
