//! View state of the app, owned by one reducer. Everything the views show is
//! computed here by the engine; the views only render it.

use std::rc::Rc;
use std::sync::Arc;

use yew::Reducible;

use crate::engine::blob::Blob;
use crate::engine::record::{Record, RecordBatch, TimestampType, NO_PRODUCER_EPOCH, NO_PRODUCER_ID, NO_SEQUENCE};

/// A batch being written by hand: the record in the form and the records
/// already appended.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Draft {
    /// Key typed in the form; empty means a null key.
    pub key: String,
    /// Value typed in the form.
    pub value: String,
    /// Records appended so far, in order.
    pub records: Vec<Record>,
}

/// Everything a person can do to the draft.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    SetKey(String),
    SetValue(String),
    /// Append the record in the form to the batch.
    Append,
    /// Start a new, empty batch.
    Clear,
}

impl Draft {
    /// The record the form describes, placed after the records already appended.
    pub fn record(&self) -> Record {
        Record {
            offset_delta: self.records.len() as i32,
            timestamp_delta: 0,
            key: if self.key.is_empty() { None } else { Some(Blob::from(self.key.as_str())) },
            value: Some(Blob::from(self.value.as_str())),
            headers: vec![],
        }
    }

    /// The appended records as one v2 record batch at offset 0.
    pub fn batch(&self) -> RecordBatch {
        RecordBatch {
            base_offset: 0,
            last_offset_delta: (self.records.len() as i32 - 1).max(0),
            partition_leader_epoch: 0,
            first_timestamp: 0,
            max_timestamp: 0,
            timestamp_type: TimestampType::CreateTime,
            producer_id: NO_PRODUCER_ID,
            producer_epoch: NO_PRODUCER_EPOCH,
            base_sequence: NO_SEQUENCE,
            is_transactional: false,
            control: None,
            records: Arc::new(self.records.clone()),
        }
    }
}

impl Reducible for Draft {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::SetKey(key) => next.key = key,
            Action::SetValue(value) => next.value = value,
            Action::Append => {
                let record = next.record();
                next.records.push(record);
            }
            Action::Clear => next.records.clear(),
        }
        Rc::new(next)
    }
}
