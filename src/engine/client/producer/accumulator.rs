//! The record accumulator (`RecordAccumulator`): one queue of batches per
//! partition. `send()` appends to the newest batch of the partition; the
//! sender takes batches from the front.

use std::collections::VecDeque;

use super::batch::ProducerBatch;
use crate::collections::VecMap;
use crate::engine::blob::Blob;
use crate::engine::ids::{PartitionId, TopicPartition};
use crate::engine::record::Header;
use crate::engine::time::Millis;

/// What one append did, for the sticky partitioner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Appended {
    pub bytes: u32,
    /// The partition's newest batch is full (Java's `enableSwitch`).
    pub last_batch_full: bool,
}

/// Queues by topic, then partition: appends look a partition up by `&str`
/// without building a `TopicPartition` per record, and iteration follows
/// `TopicPartition` order.
type Queues = VecMap<String, VecMap<PartitionId, VecDeque<ProducerBatch>>>;

#[derive(Debug, Default)]
pub(crate) struct Accumulator {
    /// `batch.size`.
    batch_size: u32,
    /// Never holds an empty queue or an empty topic map.
    queues: Queues,
}

impl Accumulator {
    pub fn new(batch_size: i32) -> Self {
        assert!(batch_size >= 0, "batch.size is validated to be >= 0");
        Accumulator { batch_size: batch_size as u32, queues: VecMap::new() }
    }

    pub fn batch_size(&self) -> u32 {
        self.batch_size
    }

    /// Appends to the partition's newest batch, or opens a new one.
    #[allow(clippy::too_many_arguments)]
    pub fn append(
        &mut self,
        topic: &str,
        partition: PartitionId,
        key: Option<Blob>,
        value: Option<Blob>,
        headers: Vec<Header>,
        timestamp: Millis,
        now: Millis,
        transactional: bool,
    ) -> Appended {
        if !self.queues.contains_key(topic) {
            self.queues.insert(topic.to_string(), VecMap::new());
        }
        let partitions = self.queues.get_mut(topic).expect("inserted above");
        let queue = partitions.entry(partition).or_default();
        // Only an open (never drained) batch takes more records.
        let fits_last = queue.back().filter(|last| !last.is_sealed()).map(|last| {
            let bytes = last.record_bytes(key.as_ref(), value.as_ref(), &headers, timestamp);
            (last.fits(bytes, self.batch_size), bytes)
        });
        let bytes = match fits_last {
            Some((true, bytes)) => {
                queue.back_mut().expect("checked").append(key, value, headers, timestamp, bytes);
                bytes
            }
            _ => {
                let mut batch = ProducerBatch::new(TopicPartition::new(topic, partition), now, transactional);
                let bytes = batch.record_bytes(key.as_ref(), value.as_ref(), &headers, timestamp);
                batch.reserve_for(self.batch_size, bytes);
                batch.append(key, value, headers, timestamp, bytes);
                queue.push_back(batch);
                bytes
            }
        };
        let last = queue.back().expect("just appended");
        Appended { bytes, last_batch_full: queue.len() > 1 || last.is_full(self.batch_size) }
    }

    pub fn queue(&self, tp: &TopicPartition) -> Option<&VecDeque<ProducerBatch>> {
        self.queues.get(tp.topic.as_str())?.get(&tp.partition)
    }

    pub fn front(&self, tp: &TopicPartition) -> Option<&ProducerBatch> {
        self.queue(tp).and_then(VecDeque::front)
    }

    pub fn pop_front(&mut self, tp: &TopicPartition) -> Option<ProducerBatch> {
        let partitions = self.queues.get_mut(tp.topic.as_str())?;
        let queue = partitions.get_mut(&tp.partition)?;
        let batch = queue.pop_front();
        if queue.is_empty() {
            partitions.remove(&tp.partition);
            if partitions.is_empty() {
                self.queues.remove(tp.topic.as_str());
            }
        }
        batch
    }

    fn all_queues(&self) -> impl Iterator<Item = &VecDeque<ProducerBatch>> {
        self.queues.values().flat_map(VecMap::values)
    }

    /// Partitions with queued batches, in order.
    pub fn partitions(&self) -> impl Iterator<Item = &TopicPartition> {
        self.all_queues().map(|q| &q.front().expect("queues are never empty").tp)
    }

    pub fn is_empty(&self) -> bool {
        self.queues.is_empty()
    }

    /// Records queued in every partition.
    #[cfg(test)]
    pub fn queued_records(&self) -> u64 {
        self.all_queues().flatten().map(|b| b.record_count() as u64).sum()
    }

    /// Puts a failed batch back for a retry (`RecordAccumulator.reenqueue`).
    /// A batch with a sequence number goes before every queued batch with a
    /// higher one (`insertInSequenceOrder`), so an idempotent producer
    /// resends in order. A batch without one goes to the very front, which
    /// is how a non-idempotent producer with several requests in flight
    /// reorders records when more than one of them fails.
    pub fn reenqueue(&mut self, batch: ProducerBatch) {
        let queue = self.queues.entry(batch.tp.topic.clone()).or_default().entry(batch.tp.partition).or_default();
        if !batch.has_sequence() {
            queue.push_front(batch);
            return;
        }
        let position = queue
            .iter()
            .position(|queued| !queued.has_sequence() || queued.base_sequence > batch.base_sequence)
            .unwrap_or(queue.len());
        queue.insert(position, batch);
    }

    /// Removes batches whose `delivery.timeout.ms` passed. Like Java, each
    /// queue is scanned from the front up to the first batch still in time.
    pub fn expire(&mut self, now: Millis, delivery_timeout_ms: Millis) -> Vec<ProducerBatch> {
        let mut expired = Vec::new();
        for partitions in self.queues.values_mut() {
            for queue in partitions.values_mut() {
                while queue.front().is_some_and(|b| now - b.created_at >= delivery_timeout_ms) {
                    expired.push(queue.pop_front().expect("checked"));
                }
            }
            partitions.retain(|_, q| !q.is_empty());
        }
        self.queues.retain(|_, p| !p.is_empty());
        expired
    }

    /// Earliest time any queued batch reaches its delivery timeout.
    pub fn next_expiry(&self, delivery_timeout_ms: Millis) -> Option<Millis> {
        self.all_queues().filter_map(|q| q.iter().map(|b| b.created_at).min()).min().map(|c| c + delivery_timeout_ms)
    }

    /// Takes every queued batch out (abort, fatal error).
    pub fn drain_all(&mut self) -> Vec<ProducerBatch> {
        std::mem::take(&mut self.queues).into_values().flat_map(VecMap::into_values).flatten().collect()
    }

    /// Forgets the sequence numbers of queued batches: an epoch bump
    /// restarts sequences at 0, so they are reassigned on drain.
    pub fn reset_sequences(&mut self) {
        for batch in self.queues.values_mut().flat_map(VecMap::values_mut).flatten() {
            batch.base_sequence = crate::engine::record::NO_SEQUENCE;
        }
    }

    /// Queued records and batches per partition, for the snapshot.
    pub fn sizes(&self) -> impl Iterator<Item = (&TopicPartition, u32, u32)> {
        self.all_queues().map(|q| {
            let tp = &q.front().expect("queues are never empty").tp;
            (tp, q.iter().map(|b| b.record_count()).sum(), q.len() as u32)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tp() -> TopicPartition {
        TopicPartition::new("t", 0)
    }

    fn append(acc: &mut Accumulator, bytes: usize) -> Appended {
        acc.append("t", 0, None, Some(Blob::from("x".repeat(bytes))), vec![], 0, 0, false)
    }

    #[test]
    fn records_fill_a_batch_then_open_the_next() {
        let mut acc = Accumulator::new(200);
        let first = append(&mut acc, 50);
        assert!(!first.last_batch_full);
        append(&mut acc, 50);
        let third = append(&mut acc, 50);
        assert!(third.last_batch_full, "a second batch was opened, so the first is full");
        assert_eq!(acc.queue(&tp()).unwrap().len(), 2);
        assert_eq!(acc.queued_records(), 3);
    }

    #[test]
    fn reenqueue_keeps_sequence_order() {
        let mut acc = Accumulator::new(100);
        let make = |seq: i32| {
            let mut b = ProducerBatch::new(tp(), 0, false);
            b.try_append(None, Some(Blob::from("v")), vec![], 0, 100).unwrap();
            b.seal();
            b.base_sequence = seq;
            b
        };
        acc.reenqueue(make(5));
        acc.reenqueue(make(10));
        acc.reenqueue(make(0));
        let order: Vec<i32> = acc.queue(&tp()).unwrap().iter().map(|b| b.base_sequence).collect();
        assert_eq!(order, vec![0, 5, 10]);
    }

    #[test]
    fn reenqueue_without_sequence_goes_to_the_front() {
        let mut acc = Accumulator::new(100);
        for created_at in [1, 2] {
            let mut b = ProducerBatch::new(tp(), created_at, false);
            b.try_append(None, Some(Blob::from("v")), vec![], 0, 100).unwrap();
            b.seal();
            acc.reenqueue(b);
        }
        let order: Vec<i64> = acc.queue(&tp()).unwrap().iter().map(|b| b.created_at).collect();
        assert_eq!(order, vec![2, 1], "the batch that failed last is resent first");
    }
}
