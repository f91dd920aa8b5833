#!/usr/bin/env bash
# Sets up and builds the static release site into dist/. Extra arguments go
# to Trunk, e.g. `scripts/build.sh --public-url /some/path/` for hosting
# under a sub-path.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/env.sh
source "$ROOT/scripts/env.sh"

scripts/setup.sh
echo "[build] trunk build --release --offline $*"
trunk build --release --offline "$@"
echo "[build] the site is in dist/"
