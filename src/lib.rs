pub mod benchmark;
pub mod engine;

#[cfg(feature = "web")]
pub mod ui;
