//! The actions panel's forms, one concern a file. Each parses its own
//! input (a bad number never becomes a `Command`), sends the command
//! through `ApplyThen`, and shows the engine's refusal next to the field it
//! names; a refused command leaves the cluster as it was.

pub mod broker;
pub mod consumer;
pub mod fault;
pub mod producer;
pub mod records;
pub mod reset;
pub mod seek;
pub mod topic;

pub use broker::{AddBrokerForm, RemoveBrokerForm};
pub use consumer::AddConsumerForm;
pub use fault::FaultForm;
pub use producer::{AddProducerForm, WorkloadForm};
pub use records::DeleteRecordsForm;
pub use reset::ResetOffsetsForm;
pub use seek::SeekForm;
pub use topic::{AddPartitionsForm, AlterConfigForm, CreateTopicForm, DeleteTopicForm};
