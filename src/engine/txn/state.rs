//! What the transaction coordinator knows of one `transactional.id`
//! (`TransactionMetadata` in the Java broker), and how it is written to
//! `__transaction_state`: key = the transactional id, value = the metadata
//! as JSON (Kafka writes a binary schema; JSON keeps the simulated log
//! readable in the UI). The topic is compacted, so the last record per
//! transactional id is its state.

use serde::{Deserialize, Serialize};

use crate::collections::VecSet;
use crate::engine::blob::Blob;
use crate::engine::ids::TopicPartition;
use crate::engine::record::{ProducerEpoch, ProducerId, RecordBatch};
use crate::engine::time::Millis;

/// `TransactionState`, with Kafka's names. Kafka's `Dead` (expired ids)
/// and `PrepareEpochFence` are not modelled: fencing an open transaction
/// goes straight to `PrepareAbort` under the bumped epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TxnState {
    /// A producer id is assigned; no transaction is open.
    Empty,
    /// Partitions were added: the transaction is open.
    Ongoing,
    /// Commit decided and durable; markers are being written.
    PrepareCommit,
    /// Abort decided and durable; markers are being written.
    PrepareAbort,
    /// Every commit marker is written.
    CompleteCommit,
    /// Every abort marker is written.
    CompleteAbort,
}

impl TxnState {
    pub fn name(self) -> &'static str {
        match self {
            TxnState::Empty => "Empty",
            TxnState::Ongoing => "Ongoing",
            TxnState::PrepareCommit => "PrepareCommit",
            TxnState::PrepareAbort => "PrepareAbort",
            TxnState::CompleteCommit => "CompleteCommit",
            TxnState::CompleteAbort => "CompleteAbort",
        }
    }

    /// Kafka's `TransactionState.validPreviousStates`, inverted.
    pub fn can_transition_to(self, to: TxnState) -> bool {
        use TxnState::*;
        match to {
            Empty => matches!(self, Empty | CompleteCommit | CompleteAbort),
            Ongoing => matches!(self, Ongoing | Empty | CompleteCommit | CompleteAbort),
            PrepareCommit => self == Ongoing,
            PrepareAbort => self == Ongoing,
            CompleteCommit => self == PrepareCommit,
            CompleteAbort => self == PrepareAbort,
        }
    }

    /// Markers are being written (`PrepareCommit` / `PrepareAbort`).
    pub fn is_preparing(self) -> bool {
        matches!(self, TxnState::PrepareCommit | TxnState::PrepareAbort)
    }
}

/// One transactional id's state, as written to `__transaction_state`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxnMetadata {
    pub producer_id: ProducerId,
    pub producer_epoch: ProducerEpoch,
    /// `transaction.timeout.ms` the producer asked for.
    pub timeout_ms: Millis,
    pub state: TxnState,
    /// Partitions in the open (or ending) transaction.
    pub partitions: VecSet<TopicPartition>,
    /// When the open transaction's first partition was added, -1 when none is open.
    pub txn_start_ms: Millis,
    pub last_update_ms: Millis,
}

impl TxnMetadata {
    pub fn new(producer_id: ProducerId, timeout_ms: Millis, now: Millis) -> Self {
        TxnMetadata {
            producer_id,
            producer_epoch: 0,
            timeout_ms,
            state: TxnState::Empty,
            partitions: VecSet::new(),
            txn_start_ms: -1,
            last_update_ms: now,
        }
    }

    /// The state with `to`, checked against Kafka's transition table.
    pub fn transition(&self, to: TxnState, now: Millis) -> TxnMetadata {
        assert!(
            self.state.can_transition_to(to),
            "illegal transaction state transition {} -> {}",
            self.state.name(),
            to.name()
        );
        let mut next = self.clone();
        next.state = to;
        next.last_update_ms = now;
        if matches!(to, TxnState::Empty | TxnState::CompleteCommit | TxnState::CompleteAbort) {
            next.partitions.clear();
            next.txn_start_ms = -1;
        }
        next
    }

    pub fn encode(&self, transactional_id: &str) -> (Option<Blob>, Option<Blob>) {
        // Not `expect`: it would keep serde_json::Error's `Debug` in the wasm (~1 KB).
        let value = serde_json::to_string(self).unwrap_or_else(|_| panic!("transaction metadata serializes"));
        (Some(Blob::from(transactional_id)), Some(Blob::from(value)))
    }

    /// Rebuilds the latest state per transactional id from the log (a tombstone removes one).
    pub fn load(batches: &[RecordBatch]) -> Vec<(String, Option<TxnMetadata>)> {
        let mut out = Vec::new();
        for batch in batches.iter().filter(|b| !b.is_control()) {
            for record in batch.records.iter() {
                let Some(key) = &record.key else { continue };
                let id = key.to_text_lossy();
                // `encode` wrote text: read back by the crate's one JSON parser and reader
                // (`engine::json`, `engine::read`), not serde_json's deserializer.
                let text = record.value.as_ref().and_then(|v| std::str::from_utf8(v.as_bytes()).ok());
                let metadata = text.and_then(|t| crate::engine::read::parse(t).ok());
                out.push((id, metadata));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions_follow_kafkas_table() {
        use TxnState::*;
        assert!(Empty.can_transition_to(Ongoing));
        assert!(Ongoing.can_transition_to(PrepareCommit));
        assert!(PrepareCommit.can_transition_to(CompleteCommit));
        assert!(CompleteCommit.can_transition_to(Ongoing));
        assert!(!Empty.can_transition_to(PrepareCommit), "EndTxn with no transaction open");
        assert!(!PrepareCommit.can_transition_to(CompleteAbort));
        assert!(!Ongoing.can_transition_to(Empty));
    }

    #[test]
    fn completing_a_transaction_clears_its_partitions() {
        let mut m = TxnMetadata::new(7, 60_000, 0);
        m = m.transition(TxnState::Ongoing, 1);
        m.partitions.insert(TopicPartition::new("t", 0));
        m.txn_start_ms = 1;
        let done = m.transition(TxnState::PrepareCommit, 2).transition(TxnState::CompleteCommit, 3);
        assert!(done.partitions.is_empty());
        assert_eq!(done.txn_start_ms, -1);
    }

    #[test]
    fn metadata_round_trips_through_the_log_encoding() {
        let mut m = TxnMetadata::new(42, 30_000, 5);
        m.producer_epoch = 3;
        let (key, value) = m.encode("tx-1");
        let batch = RecordBatch {
            base_offset: 0,
            last_offset_delta: 0,
            partition_leader_epoch: 0,
            first_timestamp: 0,
            max_timestamp: 0,
            timestamp_type: Default::default(),
            producer_id: -1,
            producer_epoch: -1,
            base_sequence: -1,
            is_transactional: false,
            control: None,
            records: std::sync::Arc::new(vec![crate::engine::record::Record {
                offset_delta: 0,
                timestamp_delta: 0,
                key,
                value,
                headers: vec![],
            }]),
        };
        assert_eq!(TxnMetadata::load(&[batch]), vec![("tx-1".to_string(), Some(m))]);
    }
}
