pub mod benchmark;
pub mod collections;
pub mod engine;

#[cfg(feature = "web")]
pub mod ui;
