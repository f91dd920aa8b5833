#!/bin/bash
# Size of the release wasm the way Trunk builds it, for A/B measurements of
# bundle levers (BENCHMARKS.md, "Bundle size"):
#   scripts/measure-wasm.sh <label> [-g]
# builds playground-web for wasm32 (release, `web` feature), runs
# wasm-bindgen --target web and wasm-opt -Oz, and prints the raw and gzip -9
# sizes of /tmp/m/<label>/opt.wasm. `-g` keeps function names for
# `twiggy top` (larger; compare -g builds only with each other).
# CARGO_TARGET_DIR defaults to target/size so it does not disturb other builds.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/env.sh"
LABEL=${1:-current}
KEEP_NAMES=${2:-}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target/size}
(cd "$ROOT" && CARGO_TARGET_DIR="$TARGET" cargo build -q --release --target wasm32-unknown-unknown \
  --features web --bin playground-web)
OUT=/tmp/m/$LABEL
mkdir -p "$OUT"
wasm-bindgen --target web --out-dir "$OUT" "$TARGET/wasm32-unknown-unknown/release/playground-web.wasm"
wasm-opt -Oz $KEEP_NAMES --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  "$OUT/playground-web_bg.wasm" -o "$OUT/opt.wasm"
echo "$LABEL: raw $(stat -c %s "$OUT/opt.wasm") gz $(gzip -9 -c "$OUT/opt.wasm" | wc -c)"
