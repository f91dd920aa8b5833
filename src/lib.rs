pub mod benchmark;
pub mod engine;
pub mod sort;

#[cfg(feature = "web")]
pub mod ui;
