//! What a change to a partition asks of the rest of the broker, collected
//! while a message or timer is handled and acted on once it is done:
//! delayed requests to re-check, coordinators to notify. Collecting first
//! keeps the partition code free of callbacks, and lets a coordinator (which
//! borrows the replica manager) be called only when nothing else is borrowed.

use crate::collections::VecSet;
use crate::engine::ids::TopicPartition;
use crate::engine::record::Offset;

/// `__consumer_offsets`: committed offsets and group metadata.
pub const CONSUMER_OFFSETS_TOPIC: &str = "__consumer_offsets";
/// `__transaction_state`: the transaction coordinator's log.
pub const TRANSACTION_STATE_TOPIC: &str = "__transaction_state";

/// A change a hosted coordinator must hear about (internal topics only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CoordinatorNotice {
    BecameLeader(TopicPartition),
    Resigned(TopicPartition),
    HighWatermark(TopicPartition, Offset),
}

#[derive(Debug, Default)]
pub struct Outbox {
    /// Partitions whose high watermark, log end, ISR or role changed: the
    /// delayed produces and fetches watching them are checked again.
    pub touched: VecSet<TopicPartition>,
    pub notices: Vec<CoordinatorNotice>,
}

impl Outbox {
    pub fn touch(&mut self, tp: &TopicPartition) {
        if !self.touched.contains(tp) {
            self.touched.insert(tp.clone());
        }
    }

    pub fn notify(&mut self, notice: CoordinatorNotice) {
        self.notices.push(notice);
    }

    pub fn is_empty(&self) -> bool {
        self.touched.is_empty() && self.notices.is_empty()
    }
}

/// Whether a topic's leaders host a coordinator.
pub fn is_coordinator_topic(topic: &str) -> bool {
    topic == CONSUMER_OFFSETS_TOPIC || topic == TRANSACTION_STATE_TOPIC
}
