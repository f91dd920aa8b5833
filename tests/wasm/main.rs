//! Browser tests: the engine and the app running as WebAssembly in headless
//! Chromium, driven by `wasm-bindgen-test-runner` (see `scripts/test.sh`).
//!
//! Run with `cargo test --target wasm32-unknown-unknown --features web --test wasm`.
//! Add a module per area next to the ones below.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::wasm_bindgen_test_configure;

wasm_bindgen_test_configure!(run_in_browser);

mod determinism;
mod engine_in_browser;
#[cfg(feature = "web")]
mod panels;
#[cfg(feature = "web")]
mod ui_actions;
#[cfg(feature = "web")]
mod ui_autosave;
mod ui_lesson;
#[cfg(feature = "web")]
mod ui_log_view;
#[cfg(feature = "web")]
mod ui_renders;
#[cfg(feature = "web")]
mod ui_session;
#[cfg(feature = "web")]
mod ui_state;
#[cfg(feature = "web")]
mod ui_timeline;
