//! Requests the leader holds before answering (Kafka's `DelayedOperationPurgatory`):
//! - delayed appends: `acks=all` produces and transaction markers waiting
//!   for the high watermark to pass what they appended, up to their timeout;
//! - delayed fetches: fetches waiting for `min_bytes` up to `max_wait_ms`.
//!
//! Each operation is watched by the partitions it waits on. When a
//! partition changes (the replica manager's outbox names it) its watchers
//! are checked; an expired operation is completed by its timer. Watch
//! lists are cleaned lazily: a completed operation's id simply no longer
//! resolves.

use crate::collections::VecMap;
use crate::engine::error::KafkaError;
use crate::engine::ids::{NodeId, TopicPartition};
use crate::engine::protocol::{CorrelationId, FetchRequest};
use crate::engine::record::{Offset, ProducerId};
use crate::engine::time::Millis;

/// How a delayed append is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppendReply {
    Produce,
    /// WriteTxnMarkers, answered with this producer id.
    TxnMarkers {
        producer_id: ProducerId,
    },
}

/// One partition of a delayed append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendStatus {
    pub tp: TopicPartition,
    pub error: Option<KafkaError>,
    pub base_offset: Offset,
    pub log_append_time_ms: Millis,
    pub log_start_offset: Offset,
    /// `Some(offset)` while waiting for the high watermark to reach it.
    pub required_offset: Option<Offset>,
    /// For `ProduceRejected` events.
    pub records: u32,
    pub producer_id: ProducerId,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DelayedAppend {
    pub to: NodeId,
    pub correlation_id: CorrelationId,
    pub reply: AppendReply,
    pub partitions: Vec<AppendStatus>,
}

impl DelayedAppend {
    pub fn is_complete(&self) -> bool {
        self.partitions.iter().all(|p| p.required_offset.is_none())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DelayedFetch {
    pub from: NodeId,
    pub correlation_id: CorrelationId,
    pub request: FetchRequest,
}

#[derive(Debug, Default)]
pub struct Purgatory {
    next_id: u64,
    appends: VecMap<u64, DelayedAppend>,
    fetches: VecMap<u64, DelayedFetch>,
    append_watchers: VecMap<TopicPartition, Vec<u64>>,
    fetch_watchers: VecMap<TopicPartition, Vec<u64>>,
}

impl Purgatory {
    /// Parks an append; returns its id (for the expiry timer).
    pub fn add_append(&mut self, op: DelayedAppend) -> u64 {
        let id = self.take_id();
        for p in op.partitions.iter().filter(|p| p.required_offset.is_some()) {
            self.append_watchers.entry(p.tp.clone()).or_default().push(id);
        }
        self.appends.insert(id, op);
        id
    }

    /// Parks a fetch; returns its id (for the expiry timer).
    pub fn add_fetch(&mut self, op: DelayedFetch) -> u64 {
        let id = self.take_id();
        for p in &op.request.partitions {
            self.fetch_watchers.entry(p.tp.clone()).or_default().push(id);
        }
        self.fetches.insert(id, op);
        id
    }

    fn take_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Ids of the live appends watching `tp`, oldest first.
    pub fn appends_watching(&mut self, tp: &TopicPartition) -> Vec<u64> {
        live_watchers(&mut self.append_watchers, tp, |id| self.appends.contains_key(id))
    }

    /// Ids of the live fetches watching `tp`, oldest first.
    pub fn fetches_watching(&mut self, tp: &TopicPartition) -> Vec<u64> {
        live_watchers(&mut self.fetch_watchers, tp, |id| self.fetches.contains_key(id))
    }

    pub fn append_mut(&mut self, id: u64) -> Option<&mut DelayedAppend> {
        self.appends.get_mut(&id)
    }

    pub fn remove_append(&mut self, id: u64) -> Option<DelayedAppend> {
        self.appends.remove(&id)
    }

    pub fn fetch(&self, id: u64) -> Option<&DelayedFetch> {
        self.fetches.get(&id)
    }

    pub fn remove_fetch(&mut self, id: u64) -> Option<DelayedFetch> {
        self.fetches.remove(&id)
    }

    pub fn len(&self) -> (u32, u32) {
        (self.appends.len() as u32, self.fetches.len() as u32)
    }

    /// The process died: every held request dies with it.
    pub fn clear(&mut self) {
        *self = Purgatory { next_id: self.next_id, ..Purgatory::default() };
    }
}

fn live_watchers(
    watchers: &mut VecMap<TopicPartition, Vec<u64>>,
    tp: &TopicPartition,
    live: impl Fn(&u64) -> bool,
) -> Vec<u64> {
    let Some(ids) = watchers.get_mut(tp) else {
        return Vec::new();
    };
    ids.retain(|id| live(id));
    if ids.is_empty() {
        watchers.remove(tp);
        return Vec::new();
    }
    ids.clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::config::IsolationLevel;

    fn fetch_for(tps: &[TopicPartition]) -> DelayedFetch {
        DelayedFetch {
            from: NodeId::Client(1),
            correlation_id: 7,
            request: FetchRequest {
                replica_id: None,
                max_wait_ms: 500,
                min_bytes: 1,
                max_bytes: 1 << 20,
                isolation_level: IsolationLevel::ReadUncommitted,
                partitions: tps
                    .iter()
                    .map(|tp| crate::engine::protocol::FetchPartition {
                        tp: tp.clone(),
                        current_leader_epoch: -1,
                        fetch_offset: 0,
                        last_fetched_epoch: -1,
                        log_start_offset: -1,
                        partition_max_bytes: 1 << 20,
                    })
                    .collect(),
            },
        }
    }

    #[test]
    fn a_completed_fetch_stops_being_a_watcher_of_every_partition() {
        let (a, b) = (TopicPartition::new("t", 0), TopicPartition::new("t", 1));
        let mut purgatory = Purgatory::default();
        let first = purgatory.add_fetch(fetch_for(&[a.clone(), b.clone()]));
        let second = purgatory.add_fetch(fetch_for(std::slice::from_ref(&b)));
        assert_eq!(purgatory.fetches_watching(&b), vec![first, second]);
        purgatory.remove_fetch(first);
        assert_eq!(purgatory.fetches_watching(&a), Vec::<u64>::new());
        assert_eq!(purgatory.fetches_watching(&b), vec![second]);
    }

    #[test]
    fn an_append_watches_only_the_partitions_it_waits_for() {
        let (a, b) = (TopicPartition::new("t", 0), TopicPartition::new("t", 1));
        let status = |tp: &TopicPartition, required: Option<Offset>| AppendStatus {
            tp: tp.clone(),
            error: None,
            base_offset: 0,
            log_append_time_ms: -1,
            log_start_offset: 0,
            required_offset: required,
            records: 1,
            producer_id: -1,
        };
        let mut purgatory = Purgatory::default();
        let id = purgatory.add_append(DelayedAppend {
            to: NodeId::Client(1),
            correlation_id: 1,
            reply: AppendReply::Produce,
            partitions: vec![status(&a, Some(5)), status(&b, None)],
        });
        assert_eq!(purgatory.appends_watching(&a), vec![id]);
        assert!(purgatory.appends_watching(&b).is_empty());
        assert!(!purgatory.append_mut(id).unwrap().is_complete());
    }
}
