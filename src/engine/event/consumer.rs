//! What consumers fetch, process and commit.

use serde::{Deserialize, Serialize};

use crate::engine::error::KafkaError;
use crate::engine::ids::{ClientId, TopicPartition};
use crate::engine::record::Offset;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ConsumerEvent {
    ConsumerStarted { client: ClientId, name: String, group: Option<String> },
    RecordsFetched { client: ClientId, tp: TopicPartition, first_offset: Offset, last_offset: Offset, count: u32 },
    /// The application finished processing these records (a range of one partition).
    RecordsProcessed {
        client: ClientId,
        group: Option<String>,
        tp: TopicPartition,
        first_offset: Offset,
        last_offset: Offset,
        count: u32,
    },
    /// The position moved by reset (`auto.offset.reset`, seek, or offsets for times).
    PositionReset { client: ClientId, tp: TopicPartition, offset: Offset, reason: String },
    FetchError { client: ClientId, tp: TopicPartition, error: KafkaError },
    ConsumerClosed { client: ClientId },
    ConsumerCrashed { client: ClientId },
}
