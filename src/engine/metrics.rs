//! Metrics with Kafka's own names, computed from the event stream (meters)
//! and from the metadata image (gauges).
//!
//! Kafka's meters (`kafka.server:type=BrokerTopicMetrics,name=MessagesInPerSec`,
//! ...) report exponentially weighted rates; the playground shows the plain
//! rate over the last simulated second, which is what a learner can check by
//! counting, plus the total since the start.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use super::event::{Event, LogEvent, ProducerEvent, ReplicationEvent, TimedEvent};
use super::protocol::MetadataImage;
use super::time::Millis;

const WINDOW_MS: Millis = 1_000;

/// One meter: occurrences (weighted) in the last second, and the total.
#[derive(Debug, Clone, Default)]
struct Meter {
    window: VecDeque<(Millis, u64)>,
    in_window: u64,
    total: u64,
}

impl Meter {
    fn mark(&mut self, now: Millis, amount: u64) {
        self.expire(now);
        self.window.push_back((now, amount));
        self.in_window += amount;
        self.total += amount;
    }

    fn expire(&mut self, now: Millis) {
        while let Some(&(t, n)) = self.window.front() {
            if t > now - WINDOW_MS {
                break;
            }
            self.window.pop_front();
            self.in_window -= n;
        }
    }

    fn reading(&self, now: Millis) -> MeterReading {
        let per_sec = self.window.iter().filter(|(t, _)| *t > now - WINDOW_MS).map(|(_, n)| n).sum();
        MeterReading { per_sec, total: self.total }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct MeterReading {
    /// Count over the last simulated second.
    pub per_sec: u64,
    pub total: u64,
}

#[derive(Debug, Clone, Default)]
pub struct Metrics {
    messages_in: Meter,
    bytes_in: Meter,
    failed_produce: Meter,
    isr_shrinks: Meter,
    isr_expands: Meter,
    leader_elections: Meter,
    unclean_leader_elections: Meter,
}

/// The readings, named as Kafka names them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct MetricsSnapshot {
    #[serde(rename = "UnderReplicatedPartitions")]
    pub under_replicated_partitions: u32,
    #[serde(rename = "OfflinePartitionsCount")]
    pub offline_partitions_count: u32,
    #[serde(rename = "MessagesInPerSec")]
    pub messages_in_per_sec: MeterReading,
    #[serde(rename = "BytesInPerSec")]
    pub bytes_in_per_sec: MeterReading,
    /// Produce requests the brokers refused, per partition (NOT_ENOUGH_REPLICAS, ...),
    /// as the producers saw them.
    #[serde(rename = "FailedProduceRequestsPerSec")]
    pub failed_produce_requests_per_sec: MeterReading,
    #[serde(rename = "IsrShrinksPerSec")]
    pub isr_shrinks_per_sec: MeterReading,
    #[serde(rename = "IsrExpandsPerSec")]
    pub isr_expands_per_sec: MeterReading,
    #[serde(rename = "LeaderElectionRateAndTimeMs")]
    pub leader_election_rate: MeterReading,
    #[serde(rename = "UncleanLeaderElectionsPerSec")]
    pub unclean_leader_elections_per_sec: MeterReading,
}

impl Metrics {
    pub fn observe(&mut self, event: &TimedEvent) {
        let now = event.time;
        match &event.event {
            Event::Log(LogEvent::RecordsAppended { is_leader: true, count, bytes, tp, .. })
                if !tp.topic.starts_with("__") =>
            {
                self.messages_in.mark(now, *count as u64);
                self.bytes_in.mark(now, *bytes as u64);
            }
            Event::Producer(ProducerEvent::ProduceFailed { .. }) => self.failed_produce.mark(now, 1),
            Event::Replication(ReplicationEvent::IsrShrunk { .. }) => self.isr_shrinks.mark(now, 1),
            Event::Replication(ReplicationEvent::IsrExpanded { .. }) => self.isr_expands.mark(now, 1),
            Event::Replication(ReplicationEvent::LeaderElected { unclean, .. }) => {
                self.leader_elections.mark(now, 1);
                if *unclean {
                    self.unclean_leader_elections.mark(now, 1);
                }
            }
            _ => {}
        }
    }

    pub fn snapshot(&self, now: Millis, image: &MetadataImage) -> MetricsSnapshot {
        let partitions = image.topics.values().flat_map(|t| t.partitions.iter());
        let (mut under_replicated, mut offline) = (0, 0);
        for p in partitions {
            if p.leader.is_none() {
                offline += 1;
            } else if p.isr.len() < p.replicas.len() {
                under_replicated += 1;
            }
        }
        MetricsSnapshot {
            under_replicated_partitions: under_replicated,
            offline_partitions_count: offline,
            messages_in_per_sec: self.messages_in.reading(now),
            bytes_in_per_sec: self.bytes_in.reading(now),
            failed_produce_requests_per_sec: self.failed_produce.reading(now),
            isr_shrinks_per_sec: self.isr_shrinks.reading(now),
            isr_expands_per_sec: self.isr_expands.reading(now),
            leader_election_rate: self.leader_elections.reading(now),
            unclean_leader_elections_per_sec: self.unclean_leader_elections.reading(now),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ids::{NodeId, TopicPartition};

    fn appended(time: Millis, count: u32) -> TimedEvent {
        TimedEvent {
            time,
            seq: 0,
            node: NodeId::Broker(1),
            event: Event::Log(LogEvent::RecordsAppended {
                tp: TopicPartition::new("orders", 0),
                broker: 1,
                base_offset: 0,
                last_offset: count as i64 - 1,
                count,
                bytes: 100,
                producer_id: -1,
                leader_epoch: 0,
                is_leader: true,
            }),
        }
    }

    #[test]
    fn messages_in_per_sec_counts_the_last_simulated_second_only() {
        let mut metrics = Metrics::default();
        metrics.observe(&appended(100, 10));
        metrics.observe(&appended(900, 5));
        metrics.observe(&appended(1_500, 7));
        let snap = metrics.snapshot(1_500, &MetadataImage::default());
        assert_eq!(snap.messages_in_per_sec, MeterReading { per_sec: 12, total: 22 });
        assert_eq!(snap.bytes_in_per_sec.total, 300);
    }
}
