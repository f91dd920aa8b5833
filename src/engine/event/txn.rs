//! Transactions: what a transactional producer does (`client`) and what the
//! transaction coordinator does (`broker`).

use serde::{Deserialize, Serialize};

use crate::engine::error::KafkaError;
use crate::engine::ids::{BrokerId, ClientId, TopicPartition};
use crate::engine::record::{ProducerEpoch, ProducerId};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum TxnEvent {
    TransactionBegun {
        client: ClientId,
        transactional_id: String,
    },
    PartitionAddedToTransaction {
        transactional_id: String,
        tp: TopicPartition,
    },
    TransactionCommitted {
        transactional_id: String,
        producer_id: ProducerId,
    },
    TransactionAborted {
        transactional_id: String,
        producer_id: ProducerId,
        reason: String,
    },
    MarkerWritten {
        tp: TopicPartition,
        producer_id: ProducerId,
        commit: bool,
    },
    /// The producer called `commitTransaction()` / `abortTransaction()`.
    TransactionEndRequested {
        client: ClientId,
        transactional_id: String,
        commit: bool,
    },
    /// The coordinator accepted the producer's EndTxn: the outcome is decided
    /// (markers may still be on their way to the partitions).
    TransactionEnded {
        client: ClientId,
        transactional_id: String,
        commit: bool,
    },
    /// A transactional error on the producer. Abortable errors need
    /// `abortTransaction()`; fatal ones (`PRODUCER_FENCED`) need a new producer.
    TransactionError {
        client: ClientId,
        transactional_id: String,
        error: KafkaError,
        fatal: bool,
    },
    /// The coordinator moved a transactional id to a new state (Kafka's
    /// `TransactionState`: Empty, Ongoing, PrepareCommit, PrepareAbort,
    /// CompleteCommit, CompleteAbort, PrepareEpochFence).
    TransactionStateChanged {
        broker: BrokerId,
        transactional_id: String,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        state: String,
    },
    /// The coordinator aborts a transaction open longer than `transaction.timeout.ms`,
    /// bumping the epoch so the late producer is fenced.
    TransactionTimedOut {
        broker: BrokerId,
        transactional_id: String,
        producer_id: ProducerId,
    },
}
