#!/usr/bin/env bash
# Installs everything the build and the tests need on a fresh machine. Idempotent: each step
# checks first, so a machine that kept its cargo installs (the cache) skips them.
# Usage: scripts/setup.sh [build|test]   (test adds the browsers and their drivers)
#
# On a fresh machine the time is the cargo installs (compiling on 2 cores): the network and dpkg
# work (npm ci, apt-get) runs beside them, and the test-only tools build side by side, so the
# machine's cores stay busy. wasm-pack is not needed: wasm-bindgen-cli ships the test runner
# that scripts/test.sh calls directly.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-build}"
WASM_BINDGEN_VERSION="$(sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p; s/^wasm-bindgen = "=\([0-9.]*\)"/\1/p' Cargo.toml | head -n1)"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH" # where cargo install puts its tools
logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT

log() { printf '[setup] %s\n' "$*" >&2; }

# Runs "$@" in the background, its output kept in $logs/<name>; `finish` waits for every one and
# fails (printing the output) if any did.
jobs_started=()
background() {
  local name="$1"; shift
  log "$name (in the background)"
  ("$@") >"$logs/$name" 2>&1 &
  jobs_started+=("$name:$!")
}
finish() {
  local failed=0 entry name
  for entry in "${jobs_started[@]}"; do
    name="${entry%%:*}"
    if ! wait "${entry##*:}"; then
      log "$name failed:"; tail -n 40 "$logs/$name" >&2; failed=1
    fi
  done
  return "$failed"
}

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  background "npm ci" npm ci --no-audit --no-fund
fi

if [ "$mode" = test ]; then
  need_apt=()
  command -v chromium >/dev/null || need_apt+=(chromium)
  command -v chromedriver >/dev/null || need_apt+=(chromium-driver)
  command -v firefox >/dev/null || need_apt+=(firefox-esr)
  if [ ${#need_apt[@]} -gt 0 ]; then
    apt_install() {
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq && apt-get install -y -qq "${need_apt[@]}"
    }
    background "apt-get install ${need_apt[*]}" apt_install
  fi
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [ "$mode" = test ]; then
  # libFuzzer's runner and Firefox's WebDriver: only from crates.io here (about 2 and 3.5 minutes).
  cargo fuzz --version >/dev/null 2>&1 || background "cargo install cargo-fuzz" cargo install cargo-fuzz
  command -v geckodriver >/dev/null || background "cargo install geckodriver" cargo install geckodriver
fi

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  log "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 3 minutes, once per machine)"
  # No --locked: one crate its lock file names is missing from the registry here.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

finish
