//! Admin operations that act on broker state directly, as an admin client
//! with a zero-latency connection would: DeleteRecords and offset resets
//! (`kafka-delete-records`, `kafka-consumer-groups --reset-offsets`).

use super::command::{Command, CommandError, OffsetResetSpec};
use super::group::coordinator::CONSUMER_OFFSETS;
use super::ids::{BrokerId, TopicPartition};

use super::sim::Simulation;

pub(crate) fn delete_records(sim: &mut Simulation, command: Command) -> Result<(), CommandError> {
    let Command::DeleteRecords { tp, before_offset } = command else { unreachable!("routed by type") };
    let leader = running_leader(sim, &tp, "tp")?;
    let response = sim.with_broker(leader, |broker, ctx, _| broker.delete_records(ctx, &tp, before_offset));
    match response.error {
        None => Ok(()),
        Some(error) => Err(CommandError::new("before_offset", format!("{error}: DeleteRecords on {tp} refused"))),
    }
}

pub(crate) fn reset_group_offsets(sim: &mut Simulation, command: Command) -> Result<(), CommandError> {
    let Command::ResetGroupOffsets { group, topic, spec } = command else { unreachable!("routed by type") };
    let image = sim.controller.image().clone();
    let Some(topic_image) = image.topics.get(&topic) else {
        return Err(CommandError::new("topic", format!("UNKNOWN_TOPIC_OR_PARTITION: no topic named {topic:?}")));
    };
    if group.trim().is_empty() {
        return Err(CommandError::new("group", "a group id is required"));
    }
    // Offsets per partition, read from each partition's leader as ListOffsets would.
    let mut offsets = Vec::new();
    for p in &topic_image.partitions {
        let tp = TopicPartition::new(topic.clone(), p.partition);
        let leader = running_leader(sim, &tp, "topic")?;
        let replica = sim.broker(leader).and_then(|b| b.replica(&tp)).ok_or_else(|| {
            CommandError::new("topic", format!("LEADER_NOT_AVAILABLE: broker {leader} does not host {tp} yet"))
        })?;
        let (start, end) = (replica.log.log_start_offset(), replica.high_watermark());
        let offset = match &spec {
            OffsetResetSpec::Earliest => start,
            OffsetResetSpec::Latest => end,
            OffsetResetSpec::Timestamp { timestamp } => {
                replica.log.offset_for_timestamp(*timestamp).map_or(end, |(o, _)| o.clamp(start, end))
            }
            // Kafka clamps an out-of-range target to the valid range, with a warning.
            OffsetResetSpec::Offset { offset } => (*offset).clamp(start, end),
        };
        offsets.push((tp, offset));
    }
    let configured = sim.controller.defaults.offsets_topic_num_partitions;
    let coordinator_tp =
        TopicPartition::new(CONSUMER_OFFSETS, image.coordinator_partition(CONSUMER_OFFSETS, &group, configured));
    let coordinator = running_leader(sim, &coordinator_tp, "group")?;
    let state = sim.broker(coordinator).and_then(|b| b.group_state_name(&group));
    sim.with_broker(coordinator, |broker, ctx, _| broker.reset_group_offsets(ctx, &group, offsets)).map_err(|error| {
        let message = match (error, state) {
            (super::error::KafkaError::UnknownMemberId, Some(state)) => format!(
                "Assignments can only be reset if the group '{group}' is inactive, but the current state is {state}."
            ),
            (error, _) => format!("{error}: the coordinator refused the reset"),
        };
        CommandError::new("group", message)
    })
}

fn running_leader(sim: &Simulation, tp: &TopicPartition, field: &str) -> Result<BrokerId, CommandError> {
    let image = sim.controller.image();
    let partition = image
        .partition(&tp.topic, tp.partition)
        .ok_or_else(|| CommandError::new(field, format!("UNKNOWN_TOPIC_OR_PARTITION: {tp} does not exist")))?;
    let leader = partition
        .leader
        .ok_or_else(|| CommandError::new(field, format!("LEADER_NOT_AVAILABLE: {tp} has no leader")))?;
    if !sim.broker_status(leader).is_some_and(|s| s.is_up()) {
        return Err(CommandError::new(
            field,
            format!("LEADER_NOT_AVAILABLE: the leader of {tp}, broker {leader}, is down"),
        ));
    }
    Ok(leader)
}
