#!/usr/bin/env bash
# Installs what building the playground needs, each step skipped when it is
# already done:
#   scripts/setup.sh              the wasm32 target, wasm-bindgen-cli (the
#                                 version in Cargo.lock), Trunk, wasm-opt
#   scripts/setup.sh --for-tests  the same, plus Chromium, chromedriver and
#                                 playwright-core (browser tests)
# npm packages go into tools/ (git-ignored). Source this file's sibling
# scripts/env.sh to get the same PATH in your own shell.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/env.sh
source "$ROOT/scripts/env.sh"

TRUNK_VERSION="0.21.14"
BINARYEN_VERSION="132.0.0"        # npm binaryen@132 ships wasm-opt version 132
PLAYWRIGHT_CORE_VERSION="1.65.1"

FOR_TESTS=0
for arg in "$@"; do
  case "$arg" in
    --for-tests) FOR_TESTS=1 ;;
    *) echo "usage: scripts/setup.sh [--for-tests]" >&2; exit 2 ;;
  esac
done

say() { printf '[setup] %s\n' "$*"; }

# fail STEP HINT: stop with which step failed and what to try.
fail() {
  printf '\n[setup] FAILED: %s\n[setup] try: %s\n' "$1" "$2" >&2
  exit 1
}

# run STEP HINT COMMAND...: run an install command, failing with STEP and HINT.
run() {
  local step="$1" hint="$2"
  shift 2
  "$@" || fail "$step" "$hint"
}

need() {
  command -v "$1" >/dev/null 2>&1 || fail "checking for $1" "$2"
}

need cargo "install Rust with rustup (https://rustup.rs), then open a new shell"
need rustup "install Rust with rustup (https://rustup.rs); Debian's cargo cannot add the wasm32 target"
need npm "install Node.js 20 and npm (apt-get install -y nodejs npm)"

# The version of the wasm-bindgen crate in Cargo.lock: the CLI must match it.
WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock")"
[ -n "$WASM_BINDGEN_VERSION" ] || fail "reading wasm-bindgen's version from Cargo.lock" \
  "run 'cargo generate-lockfile' in $ROOT, and check Cargo.toml pins wasm-bindgen with '='"

# 1. The wasm32 target.
if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "wasm32-unknown-unknown target: present"
else
  say "wasm32-unknown-unknown target: installing (rustup target add)"
  run "rustup target add wasm32-unknown-unknown" \
    "check network access to static.rust-lang.org, or see TOOLCHAIN notes on the build-std fallback" \
    rustup target add wasm32-unknown-unknown
fi

# 2. wasm-bindgen-cli at exactly the locked version (also gives wasm-bindgen-test-runner).
if [ "$(wasm-bindgen --version 2>/dev/null)" = "wasm-bindgen $WASM_BINDGEN_VERSION" ] \
  && command -v wasm-bindgen-test-runner >/dev/null 2>&1; then
  say "wasm-bindgen-cli $WASM_BINDGEN_VERSION: present"
else
  say "wasm-bindgen-cli $WASM_BINDGEN_VERSION: installing with cargo install (about 8 minutes, once)"
  # No --locked: the CLI's own lock names a crate version this registry lacks.
  run "cargo install wasm-bindgen-cli --version $WASM_BINDGEN_VERSION" \
    "check network access to crates.io and free disk space; re-run scripts/setup.sh (finished steps are skipped)" \
    cargo install --force wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

# 3. Trunk.
if [ "$(trunk --version 2>/dev/null)" = "trunk $TRUNK_VERSION" ]; then
  say "trunk $TRUNK_VERSION: present"
else
  say "trunk $TRUNK_VERSION: installing with cargo install (about 15 minutes, once)"
  # 0.22 needs a newer rustc than 1.95.
  run "cargo install --locked trunk --version $TRUNK_VERSION" \
    "check network access to crates.io and free disk space; re-run scripts/setup.sh (finished steps are skipped)" \
    cargo install --force --locked trunk --version "$TRUNK_VERSION"
fi

# npm_install STEP PACKAGE@VERSION: install one npm package into tools/.
npm_install() {
  mkdir -p "$TOOLS"
  [ -f "$TOOLS/package.json" ] || printf '{ "private": true }\n' >"$TOOLS/package.json"
  run "$1" "check network access to registry.npmjs.org; or delete $TOOLS and re-run scripts/setup.sh" \
    npm install --prefix "$TOOLS" --no-audit --no-fund --loglevel=error --save-exact "$2"
}

# 4. wasm-opt from npm binaryen (Debian's binaryen is too old for rustc 1.95's output).
if wasm-opt --version 2>/dev/null | grep -q "version ${BINARYEN_VERSION%%.*}\b"; then
  say "wasm-opt ${BINARYEN_VERSION%%.*} (npm binaryen): present"
else
  say "wasm-opt ${BINARYEN_VERSION%%.*}: installing npm binaryen@$BINARYEN_VERSION into tools/"
  npm_install "npm install binaryen@$BINARYEN_VERSION" "binaryen@$BINARYEN_VERSION"
fi

if [ "$FOR_TESTS" = 1 ]; then
  # 5. Chromium and chromedriver, from Debian (versions match each other).
  if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    say "chromium and chromedriver: present ($(/usr/bin/chromium --version 2>/dev/null | head -n1))"
  else
    say "chromium and chromedriver: installing with apt-get (about a minute)"
    SUDO=""
    if [ "$(id -u)" != 0 ]; then
      need sudo "run scripts/setup.sh --for-tests as root, or: apt-get install -y chromium chromium-driver"
      SUDO="sudo"
    fi
    run "apt-get update" "check network access to the Debian mirrors" \
      $SUDO apt-get update -q
    run "apt-get install chromium chromium-driver" \
      "run: apt-get install -y chromium chromium-driver (Debian 12 package names)" \
      env DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium chromium-driver
  fi

  # 6. playwright-core (drives the system Chromium; never downloads a browser).
  installed="$(node -p "require('$TOOLS/node_modules/playwright-core/package.json').version" 2>/dev/null || true)"
  if [ "$installed" = "$PLAYWRIGHT_CORE_VERSION" ]; then
    say "playwright-core $PLAYWRIGHT_CORE_VERSION: present"
  else
    say "playwright-core $PLAYWRIGHT_CORE_VERSION: installing from npm into tools/"
    npm_install "npm install playwright-core@$PLAYWRIGHT_CORE_VERSION" "playwright-core@$PLAYWRIGHT_CORE_VERSION"
  fi
fi

say "done"
