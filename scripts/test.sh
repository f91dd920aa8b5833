#!/usr/bin/env bash
# Sets up (scripts/setup.sh --for-tests) and runs every test, in order,
# stopping at the first stage that fails:
#   fmt, clippy (native), clippy (wasm32), native tests, browser tests
#   (wasm-bindgen-test in headless Chromium), end-to-end (release build in
#   headless Chromium; screenshot in target/e2e/app.png).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/env.sh
source "$ROOT/scripts/env.sh"

STARTED=$SECONDS
TIMINGS=()
STAGE=""
STAGE_STARTED=0

stage() {
  finish_stage
  STAGE="$1"
  STAGE_STARTED=$SECONDS
  printf '\n==================== %s ====================\n' "$STAGE"
}

finish_stage() {
  if [ -n "$STAGE" ]; then
    TIMINGS+=("$(printf '%5ss  %s' $((SECONDS - STAGE_STARTED)) "$STAGE")")
  fi
  STAGE=""
}

on_exit() {
  local rc=$?
  if [ "$rc" != 0 ] && [ -n "$STAGE" ]; then
    printf '\n[test] FAILED in stage: %s\n' "$STAGE" >&2
  fi
}
trap on_exit EXIT

stage "setup"
scripts/setup.sh --for-tests

stage "cargo fmt --check"
cargo fmt --all --check

stage "clippy (native, all targets)"
cargo clippy --all-targets -- -D warnings

stage "clippy (wasm32, web feature)"
cargo clippy --target wasm32-unknown-unknown --features web --lib --bin playground-web --test wasm -- -D warnings

stage "native tests (unit, integration, doc)"
cargo test

stage "browser tests (wasm-bindgen-test in headless Chromium)"
# The runner (.cargo/config.toml) drives Chromium through chromedriver; the
# browser flags it adds to its own live in tests/wasm/webdriver.json.
CHROMEDRIVER=/usr/bin/chromedriver \
  WASM_BINDGEN_TEST_WEBDRIVER_JSON="$ROOT/tests/wasm/webdriver.json" \
  cargo test --target wasm32-unknown-unknown --features web --test wasm

stage "end-to-end (release build in headless Chromium)"
trunk build --release --offline  # the same build scripts/build.sh makes
node tests/e2e/app.mjs      # the app: render, play/step, produce, kill a leader, sub-path
node tests/e2e/panels.mjs   # the panels: idle fourth consumer, refused input, forms
node tests/e2e/actions.mjs  # faults, transactions, config/seek/workload, keyboard access
node tests/e2e/lessons.mjs  # every scenario opens; a fetched lesson asks, pauses and checks

finish_stage
printf '\n==================== all tests passed ====================\n'
printf '%s\n' "${TIMINGS[@]}"
printf '%5ss  total\n' $((SECONDS - STARTED))
