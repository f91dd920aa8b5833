//! Transactions.

use serde::{Deserialize, Serialize};

use crate::engine::ids::{ClientId, TopicPartition};
use crate::engine::record::ProducerId;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum TxnEvent {
    TransactionBegun { client: ClientId, transactional_id: String },
    PartitionAddedToTransaction { transactional_id: String, tp: TopicPartition },
    TransactionCommitted { transactional_id: String, producer_id: ProducerId },
    TransactionAborted { transactional_id: String, producer_id: ProducerId, reason: String },
    MarkerWritten { tp: TopicPartition, producer_id: ProducerId, commit: bool },
}
