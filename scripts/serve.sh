#!/usr/bin/env bash
# Sets up, builds the static release site into dist/ (scripts/build.sh) and
# serves it at http://127.0.0.1:8080 (PORT=... to change). What is served is
# exactly what gets hosted.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PORT="${PORT:-8080}"

scripts/build.sh
echo "[serve] serving dist/ at http://127.0.0.1:$PORT/ (Ctrl-C to stop)"
exec python3 -m http.server --bind 127.0.0.1 "$PORT" --directory dist
