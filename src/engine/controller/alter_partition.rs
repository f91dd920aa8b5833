//! AlterPartition: a partition leader asks the controller to change the ISR
//! (shrink a lagging follower out, expand a caught-up one in). The leader
//! never changes the ISR by itself; it waits for this answer.
//!
//! Validation follows KRaft's `validateAlterPartitionData`, in its order:
//! unknown partition; epochs ahead of the controller's (`NOT_CONTROLLER`);
//! a stale leader epoch (`FENCED_LEADER_EPOCH`); a sender that does not lead
//! (`INVALID_REQUEST`); a stale partition epoch (`INVALID_UPDATE_VERSION`, the
//! ISR changed meanwhile, e.g. the controller fenced a follower); an ISR
//! outside the replicas or without the leader (`INVALID_REQUEST`); a fenced,
//! shutting-down or unregistered replica in it (`INELIGIBLE_REPLICA`, KIP-841).
//!
//! The controller emits `IsrShrunk` / `IsrExpanded` when it applies the
//! change (brokers do not), then pushes the image; the response carries the
//! new ISR and epochs.

use super::{Cause, Controller};
use crate::engine::error::KafkaError;
use crate::engine::node::Ctx;
use crate::engine::protocol::{AlterPartitionRequest, AlterPartitionResponse, PartitionImage};

impl Controller {
    pub(super) fn on_alter_partition(
        &mut self,
        ctx: &mut Ctx,
        request: AlterPartitionRequest,
    ) -> AlterPartitionResponse {
        let refuse = |error: KafkaError, p: Option<&PartitionImage>| AlterPartitionResponse {
            tp: request.tp.clone(),
            error: Some(error),
            isr: p.map(|p| p.isr.clone()).unwrap_or_default(),
            leader_epoch: p.map_or(-1, |p| p.leader_epoch),
            partition_epoch: p.map_or(-1, |p| p.partition_epoch),
        };
        let Some(topic) = self.image.topics.get(&request.tp.topic) else {
            return refuse(KafkaError::UnknownTopicOrPartition, None);
        };
        let Some(p) = self.image.partition(&request.tp.topic, request.tp.partition) else {
            return refuse(KafkaError::UnknownTopicOrPartition, None);
        };
        if request.leader_epoch > p.leader_epoch || request.partition_epoch > p.partition_epoch {
            return refuse(KafkaError::NotController, Some(p));
        }
        if request.leader_epoch < p.leader_epoch {
            return refuse(KafkaError::FencedLeaderEpoch, Some(p));
        }
        if p.leader != Some(request.broker_id) {
            return refuse(KafkaError::InvalidRequest, Some(p));
        }
        if request.partition_epoch < p.partition_epoch {
            return refuse(KafkaError::InvalidUpdateVersion, Some(p));
        }
        let new_isr = &request.new_isr;
        let distinct = new_isr.iter().enumerate().all(|(i, b)| !new_isr[..i].contains(b));
        if new_isr.is_empty() || !distinct || !new_isr.iter().all(|b| p.replicas.contains(b)) {
            return refuse(KafkaError::InvalidRequest, Some(p));
        }
        if !new_isr.contains(&request.broker_id) {
            return refuse(KafkaError::InvalidRequest, Some(p));
        }
        let eligible = |b: &i32| self.image.brokers.get(b).is_some_and(|r| !r.fenced && !r.in_controlled_shutdown);
        if !new_isr.iter().all(eligible) {
            return refuse(KafkaError::IneligibleReplica, Some(p));
        }

        let election = self.election_for(topic);
        let live = self.live_brokers();
        if let Some(change) = super::election::change(p, new_isr, election, |b| live.contains(&b)) {
            assert_eq!(change.partition.leader, Some(request.broker_id), "the requesting leader stays leader");
            let topic = request.tp.topic.clone();
            self.apply(ctx, Cause::AlterPartition(request.broker_id), &topic, change);
        }
        let p = self.image.partition(&request.tp.topic, request.tp.partition).expect("still there");
        AlterPartitionResponse {
            tp: request.tp,
            error: None,
            isr: p.isr.clone(),
            leader_epoch: p.leader_epoch,
            partition_epoch: p.partition_epoch,
        }
    }
}
