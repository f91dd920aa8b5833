//! What consumers fetch, process and commit.
//!
//! Ranges of offsets are inclusive (`first_offset..=last_offset`). A range can
//! hold offsets that are not data records the application sees — transaction
//! markers, records of aborted transactions (read_committed), offsets removed
//! by compaction — and those are listed in `gaps`, so `count` is exact and the
//! delivery ledger knows which offsets were real records.

use serde::{Deserialize, Serialize};

use crate::engine::error::KafkaError;
use crate::engine::ids::{BrokerId, ClientId, TopicPartition};
use crate::engine::record::Offset;

/// An inclusive range of offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct OffsetRange {
    pub first: Offset,
    pub last: Offset,
}

impl OffsetRange {
    pub fn new(first: Offset, last: Offset) -> Self {
        assert!(first <= last, "an offset range is not empty: {first}..={last}");
        OffsetRange { first, last }
    }
}

/// What made a consumer commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommitTrigger {
    /// The `auto.commit.interval.ms` timer (`enable.auto.commit=true`).
    Auto,
    /// The application's `commitSync()`.
    Sync,
    /// The application's `commitAsync()`.
    Async,
    /// `close()` committing before it leaves.
    Close,
    /// Committing the partitions about to be revoked in a rebalance.
    Revoke,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ConsumerEvent {
    ConsumerStarted {
        client: ClientId,
        name: String,
        group: Option<String>,
    },
    /// A fetch response brought these records (one partition, one response).
    RecordsFetched {
        client: ClientId,
        tp: TopicPartition,
        first_offset: Offset,
        last_offset: Offset,
        count: u32,
        /// Offsets in the range that are not records for the application.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        gaps: Vec<OffsetRange>,
    },
    /// The application finished processing these records (a range of one
    /// partition: one per partition per poll batch when processing is
    /// instant, one per record when each record takes time).
    RecordsProcessed {
        client: ClientId,
        group: Option<String>,
        tp: TopicPartition,
        first_offset: Offset,
        last_offset: Offset,
        count: u32,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        gaps: Vec<OffsetRange>,
    },
    /// The position moved by reset (`auto.offset.reset`, seek, the committed
    /// offset, or offsets for times).
    PositionReset {
        client: ClientId,
        tp: TopicPartition,
        offset: Offset,
        reason: String,
    },
    FetchError {
        client: ClientId,
        tp: TopicPartition,
        error: KafkaError,
    },
    /// The group coordinator acknowledged a commit of these offsets.
    OffsetsCommitted {
        client: ClientId,
        group: String,
        trigger: CommitTrigger,
        offsets: Vec<(TopicPartition, Offset)>,
    },
    /// FindCoordinator answered: this broker coordinates the consumer's group.
    CoordinatorDiscovered {
        client: ClientId,
        group: String,
        coordinator: BrokerId,
    },
    /// The consumer sent JoinGroup (`reason` as in KIP-800).
    JoiningGroup {
        client: ClientId,
        group: String,
        member_id: String,
        reason: String,
    },
    /// The consumer left its group: `close()`, or `max.poll.interval.ms`
    /// exceeded. `sent_leave_group` is false for static members, which
    /// stay in the group until `session.timeout.ms`.
    LeftGroup {
        client: ClientId,
        group: String,
        member_id: String,
        reason: String,
        sent_leave_group: bool,
    },
    /// An error the application cannot recover from (`FENCED_INSTANCE_ID`,
    /// `INCONSISTENT_GROUP_PROTOCOL`, ...): the consumer stops.
    ConsumerFailed {
        client: ClientId,
        error: KafkaError,
        message: String,
    },
    ConsumerClosed {
        client: ClientId,
    },
    ConsumerCrashed {
        client: ClientId,
    },
}
