//! What producers do and what they are told.

use serde::{Deserialize, Serialize};

use crate::engine::error::KafkaError;
use crate::engine::ids::{BrokerId, ClientId, TopicPartition};
use crate::engine::record::{Offset, ProducerEpoch, ProducerId};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ProducerEvent {
    ProducerStarted {
        client: ClientId,
        name: String,
    },
    ProducerIdAssigned {
        client: ClientId,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
    },
    /// A batch left the accumulator in a ProduceRequest.
    BatchSent {
        client: ClientId,
        tp: TopicPartition,
        broker: BrokerId,
        records: u32,
        attempt: u32,
    },
    /// The delivery report: acknowledged at these offsets (`base_offset` -1 with `acks=0`:
    /// the producer never learns the offset).
    RecordsAcknowledged {
        client: ClientId,
        tp: TopicPartition,
        base_offset: Offset,
        count: u32,
    },
    /// A send failed. `will_retry` when the producer retries it. `tp.partition` is -1 for
    /// records that never got a partition (their topic never appeared in the metadata).
    ProduceFailed {
        client: ClientId,
        tp: TopicPartition,
        error: KafkaError,
        records: u32,
        will_retry: bool,
    },
    MetadataRefreshed {
        client: ClientId,
    },
    /// The idempotent producer must start a new epoch (a batch with a sequence number failed,
    /// or the broker reported OUT_OF_ORDER_SEQUENCE_NUMBER / UNKNOWN_PRODUCER_ID): sequence
    /// numbers restart at 0 under a new producer id or epoch.
    EpochBumpRequested {
        client: ClientId,
        tp: TopicPartition,
        error: KafkaError,
    },
    /// An error the producer cannot recover from (e.g. PRODUCER_FENCED): every record
    /// still queued fails, and every later send fails with the same error.
    ProducerFatalError {
        client: ClientId,
        error: KafkaError,
    },
    /// `close()` was called: the producer flushes, then stops.
    ProducerClosing {
        client: ClientId,
    },
    ProducerClosed {
        client: ClientId,
    },
    ProducerCrashed {
        client: ClientId,
    },
}
