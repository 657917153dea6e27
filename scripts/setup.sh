#!/usr/bin/env bash
# Installs everything the build and the tests need on a fresh machine. Idempotent: each step
# checks first, so a machine that kept its cargo installs (the cache) skips them.
# Usage: scripts/setup.sh [build|test]   (test adds the browsers and their drivers)
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-build}"
WASM_BINDGEN_VERSION="$(sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p; s/^wasm-bindgen = "=\([0-9.]*\)"/\1/p' Cargo.toml | head -n1)"
export PATH="$HOME/.cargo/bin:$PATH"

log() { printf '[setup] %s\n' "$*" >&2; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! command -v wasm-pack >/dev/null; then
  log "cargo install wasm-pack (about 2 minutes, once per machine)"
  cargo install wasm-pack
fi

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  log "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 3 minutes, once per machine)"
  # No --locked: one crate its lock file names is missing from the registry here.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "npm ci"
  npm ci --no-audit --no-fund
fi

if [ "$mode" = test ]; then
  need_apt=()
  command -v chromium >/dev/null || need_apt+=(chromium)
  command -v chromedriver >/dev/null || need_apt+=(chromium-driver)
  command -v firefox >/dev/null || need_apt+=(firefox-esr)
  if [ ${#need_apt[@]} -gt 0 ]; then
    log "apt-get install ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need_apt[@]}" >/dev/null
  fi
  if ! command -v geckodriver >/dev/null; then
    log "cargo install geckodriver (about 3.5 minutes, once per machine)"
    cargo install geckodriver
  fi
  if ! cargo fuzz --version >/dev/null 2>&1; then
    log "cargo install cargo-fuzz"
    cargo install cargo-fuzz
  fi
fi
