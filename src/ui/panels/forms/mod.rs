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

pub use broker::{ADD_BROKER_FORM, REMOVE_BROKER_FORM};
pub use consumer::ADD_CONSUMER_FORM;
pub use fault::FAULT_FORM;
pub use producer::{ADD_PRODUCER_FORM, WORKLOAD_FORM};
pub use records::DELETE_RECORDS_FORM;
pub use reset::RESET_OFFSETS_FORM;
pub use seek::SEEK_FORM;
pub use topic::{ADD_PARTITIONS_FORM, ALTER_CONFIG_FORM, CREATE_TOPIC_FORM, DELETE_TOPIC_FORM};
