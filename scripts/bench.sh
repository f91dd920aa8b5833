#!/usr/bin/env bash
# Runs the benchmarks whose figures are in BENCHMARKS.md.
#
#   scripts/bench.sh            native criterion benchmark, quick driver, memory probe, wasm benchmark
#   scripts/bench.sh native     criterion benchmark of the data path (cargo bench --bench data_path)
#   scripts/bench.sh quick      the same workloads once each, without criterion (examples/quickbench.rs)
#   scripts/bench.sh memory     live heap and RSS at 100K..1M records with retention (examples/memory.rs)
#   scripts/bench.sh wasm       the data path in headless Chromium (tests/wasm_bench, release build)
#
# The machine is shared: figures vary with its load; BENCHMARKS.md notes the load average.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/env.sh
source "$ROOT/scripts/env.sh"

what="${1:-all}"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), cores: $(nproc)"

native() {
  cargo bench --bench data_path
}

quick() {
  cargo build --profile bench --example quickbench
  for rf in 1 3; do
    for bytes in 100 1024; do
      target/release/examples/quickbench "$rf" "$bytes" 2000000 2000
    done
  done
}

memory() {
  cargo build --profile bench --example memory
  target/release/examples/memory 3 1024 1000000
  target/release/examples/memory 1 100 1000000
}

wasm() {
  CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}" \
    WASM_BINDGEN_TEST_WEBDRIVER_JSON="$ROOT/tests/wasm/webdriver.json" \
    cargo test --release --target wasm32-unknown-unknown --features web --test wasm_bench -- --nocapture
}

case "$what" in
  native) native ;;
  quick) quick ;;
  memory) memory ;;
  wasm) wasm ;;
  all) native; quick; memory; wasm ;;
  *) echo "usage: scripts/bench.sh [all|native|quick|memory|wasm]" >&2; exit 2 ;;
esac
