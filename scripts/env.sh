# Sourced by the other scripts (and usable in your shell: `source scripts/env.sh`):
# puts cargo-installed tools and the npm tools in tools/ on PATH.
ROOT="${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
TOOLS="$ROOT/tools"
export PATH="$TOOLS/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
