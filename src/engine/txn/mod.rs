//! Transactions, broker side: the transaction coordinator and the state it
//! keeps in `__transaction_state`.
pub mod coordinator;
pub mod state;
