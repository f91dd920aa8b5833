//! What a coordinator hosted on a broker (group or transaction) may ask of
//! the broker's replica manager. The broker implements it on its replica
//! state, a field separate from the coordinators, so both can be borrowed.

use crate::engine::blob::Blob;
use crate::engine::error::KafkaError;
use crate::engine::ids::{BrokerId, TopicPartition};
use crate::engine::node::Ctx;
use crate::engine::protocol::MetadataImage;
use crate::engine::record::{ControlType, Offset, ProducerEpoch, ProducerId, RecordBatch};

pub trait CoordinatorHost {
    fn broker_id(&self) -> BrokerId;
    /// The metadata image this broker has applied.
    fn metadata(&self) -> &MetadataImage;
    /// Whether this broker currently leads `tp`.
    fn is_leader(&self, tp: &TopicPartition) -> bool;
    /// Appends (key, value) records to a partition this broker leads, as
    /// the leader (acks=all semantics: the caller waits for the high
    /// watermark to pass the returned last offset, via `on_high_watermark`).
    fn append_internal(
        &mut self,
        ctx: &mut Ctx,
        tp: &TopicPartition,
        records: Vec<(Option<Blob>, Option<Blob>)>,
    ) -> Result<Offset, KafkaError>;
    /// Every batch of a partition this broker holds, up to its high watermark (to load state on failover).
    fn read_committed_batches(&self, tp: &TopicPartition) -> Vec<RecordBatch>;
    /// Writes a transaction marker to a partition this broker leads.
    fn write_txn_marker(
        &mut self,
        ctx: &mut Ctx,
        tp: &TopicPartition,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        marker: ControlType,
    ) -> Result<Offset, KafkaError>;
    /// A fresh producer id (unique in the cluster: block allocation per broker).
    fn allocate_producer_id(&mut self) -> ProducerId;
}
