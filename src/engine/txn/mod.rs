//! Transactions, broker side.
pub mod coordinator;
