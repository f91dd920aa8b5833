//! Metrics and consumer lag sampled over simulated time, for the metrics
//! panel and the lag-over-time chart. A sample is taken from a snapshot at
//! most every `HISTORY_EVERY_MS` of simulated time; the last
//! `HISTORY_KEPT` are kept.

use std::collections::VecDeque;
use std::rc::Rc;

use super::model;
use crate::engine::ids::TopicPartition;
use crate::engine::snapshot::ClusterSnapshot;
use crate::engine::time::Millis;

/// Simulated ms between two samples.
pub const HISTORY_EVERY_MS: Millis = 250;
/// Samples kept (2 minutes of simulated time at the default interval).
pub const HISTORY_KEPT: u32 = 480;

/// A group's lag at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupLagSample {
    pub group: String,
    /// Sum over its partitions.
    pub total: i64,
    /// Per partition, as `kafka-consumer-groups --describe` prints LAG.
    pub partitions: Vec<(TopicPartition, i64)>,
}

/// The cluster's numbers at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub time: Millis,
    pub groups: Vec<GroupLagSample>,
    /// `MessagesInPerSec` (records appended by leaders over the last simulated second).
    pub messages_in_per_sec: u64,
    pub bytes_in_per_sec: u64,
    pub failed_produce_requests_per_sec: u64,
    pub under_replicated_partitions: u32,
    pub offline_partitions_count: u32,
    /// The largest `records-lag-max` over live consumers.
    pub records_lag_max: i64,
}

impl Sample {
    pub fn of(snap: &ClusterSnapshot) -> Sample {
        let groups = model::groups(snap)
            .into_iter()
            .map(|g| {
                let lags = model::group_lag(snap, g);
                GroupLagSample {
                    group: g.group_id.clone(),
                    total: lags.iter().map(|l| l.lag).sum(),
                    partitions: lags.into_iter().map(|l| (l.tp, l.lag)).collect(),
                }
            })
            .collect();
        let m = &snap.metrics;
        Sample {
            time: snap.time,
            groups,
            messages_in_per_sec: m.messages_in_per_sec.per_sec,
            bytes_in_per_sec: m.bytes_in_per_sec.per_sec,
            failed_produce_requests_per_sec: m.failed_produce_requests_per_sec.per_sec,
            under_replicated_partitions: m.under_replicated_partitions,
            offline_partitions_count: m.offline_partitions_count,
            records_lag_max: snap
                .consumers
                .iter()
                .filter(|c| c.status.is_up())
                .filter_map(|c| c.consumer.records_lag_max)
                .max()
                .unwrap_or(0),
        }
    }
}

/// Samples, oldest first. Cloning is cheap (samples are shared).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct History {
    pub samples: VecDeque<Rc<Sample>>,
}

impl History {
    /// Adds a sample of `snap` when `HISTORY_EVERY_MS` passed since the last
    /// one. Returns whether it did.
    pub fn observe(&mut self, snap: &ClusterSnapshot) -> bool {
        if self.samples.back().is_some_and(|last| snap.time < last.time + HISTORY_EVERY_MS) {
            return false;
        }
        if self.samples.len() as u32 == HISTORY_KEPT {
            self.samples.pop_front();
        }
        self.samples.push_back(Rc::new(Sample::of(snap)));
        true
    }

    pub fn latest(&self) -> Option<&Sample> {
        self.samples.back().map(|s| &**s)
    }
}
