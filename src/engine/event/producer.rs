//! What producers do and what they are told.

use serde::{Deserialize, Serialize};

use crate::engine::error::KafkaError;
use crate::engine::ids::{BrokerId, ClientId, TopicPartition};
use crate::engine::record::{Offset, ProducerEpoch, ProducerId};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ProducerEvent {
    ProducerStarted { client: ClientId, name: String },
    ProducerIdAssigned { client: ClientId, producer_id: ProducerId, producer_epoch: ProducerEpoch },
    /// A batch left the accumulator in a ProduceRequest.
    BatchSent { client: ClientId, tp: TopicPartition, broker: BrokerId, records: u32, attempt: u32 },
    /// The delivery report: acknowledged at these offsets.
    RecordsAcknowledged { client: ClientId, tp: TopicPartition, base_offset: Offset, count: u32 },
    /// A send failed. `will_retry` when the producer retries it.
    ProduceFailed { client: ClientId, tp: TopicPartition, error: KafkaError, records: u32, will_retry: bool },
    MetadataRefreshed { client: ClientId },
    ProducerClosed { client: ClientId },
    ProducerCrashed { client: ClientId },
}
