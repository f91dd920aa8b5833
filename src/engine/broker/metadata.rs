//! Metadata (API key 3): answered from the last metadata image this broker
//! applied. Only unfenced brokers are listed (Kafka lists live brokers); a
//! partition without a leader carries `LEADER_NOT_AVAILABLE`; a replica on
//! a fenced or unregistered broker is listed in `offline_replicas`; an
//! unknown topic is `UNKNOWN_TOPIC_OR_PARTITION` (topics are not created
//! automatically). `controller_id` is, as in KRaft, a live broker (the
//! controllers are not reachable by clients): the lowest id.

use super::replica_manager::ReplicaManager;
use crate::engine::error::KafkaError;
use crate::engine::ids::NodeId;
use crate::engine::node::Ctx;
use crate::engine::protocol::{
    BrokerMetadata, CorrelationId, MetadataImage, MetadataRequest, MetadataResponse, PartitionMetadata, Response,
    TopicImage, TopicMetadata,
};

pub(super) fn handle(
    rm: &mut ReplicaManager,
    ctx: &mut Ctx,
    from: NodeId,
    correlation_id: CorrelationId,
    request: MetadataRequest,
) {
    ctx.respond(from, correlation_id, Response::Metadata(describe(&rm.image, &request)));
}

pub fn describe(image: &MetadataImage, request: &MetadataRequest) -> MetadataResponse {
    let brokers: Vec<BrokerMetadata> =
        image.live_brokers().map(|b| BrokerMetadata { node_id: b.id, rack: b.rack.clone() }).collect();
    let controller_id = brokers.first().map_or(-1, |b| b.node_id);
    let topics = match &request.topics {
        None => image.topics.values().map(|t| describe_topic(image, t)).collect(),
        Some(names) => names
            .iter()
            .map(|name| match image.topics.get(name) {
                Some(topic) => describe_topic(image, topic),
                None => TopicMetadata {
                    name: name.clone(),
                    error: Some(KafkaError::UnknownTopicOrPartition),
                    is_internal: false,
                    partitions: Vec::new(),
                },
            })
            .collect(),
    };
    MetadataResponse { brokers, controller_id, topics }
}

fn describe_topic(image: &MetadataImage, topic: &TopicImage) -> TopicMetadata {
    let live = |b: &i32| image.brokers.get(b).is_some_and(|r| !r.fenced);
    TopicMetadata {
        name: topic.name.clone(),
        error: None,
        is_internal: topic.is_internal,
        partitions: topic
            .partitions
            .iter()
            .map(|p| PartitionMetadata {
                partition: p.partition,
                error: p.leader.is_none().then_some(KafkaError::LeaderNotAvailable),
                leader: p.leader,
                leader_epoch: p.leader_epoch,
                replicas: p.replicas.clone(),
                isr: p.isr.clone(),
                offline_replicas: p.replicas.iter().filter(|b| !live(b)).copied().collect(),
            })
            .collect(),
    }
}
