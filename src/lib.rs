pub mod benchmark;
pub mod collections;
pub mod engine;
pub mod float_text;
pub mod sort;

#[cfg(feature = "web")]
pub mod ui;
