//! The engine: a deterministic discrete-event simulation of a Kafka cluster.
//!
//! No I/O, no clocks, no OS randomness: time and randomness are inputs, so
//! the same seed, scenario and commands give the same event trace on native
//! and on wasm32. Ordered collections wherever anything is iterated.
//!
//! Map of the modules:
//! - `time`, `ids`, `blob`, `record`, `error`, `config`: vocabulary types.
//! - `log`: one replica's partition log (segments, retention, compaction,
//!   time index, leader-epoch cache, producer state, transaction index).
//! - `partitioner`: the Java client's murmur2 partitioner, bit for bit.
//! - `group::assignor`: range, roundrobin, sticky, cooperative-sticky.

pub mod admin;
pub mod blob;
pub mod broker;
pub mod client;
pub mod command;
pub mod commands;
pub mod config;
pub mod controller;
pub mod error;
pub mod event;
pub mod group;
pub mod hash;
pub mod ids;
pub mod json;
pub mod log;
pub mod metrics;
pub mod net;
pub mod node;
pub mod partitioner;
pub mod protocol;
pub mod read;
pub mod record;
pub mod runner;
pub mod scenario;
pub mod sim;
pub mod snapshot;
pub mod time;
pub mod txn;
pub mod write;
