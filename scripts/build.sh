#!/usr/bin/env bash
# Builds the npm package's wasm: cargo (wasm32) -> wasm-bindgen --target web -> wasm-opt -Oz,
# into dist/wasm/. Re-running with nothing changed only costs cargo's own no-op check.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

bash scripts/setup.sh build

log() { printf '[build] %s\n' "$*" >&2; }

cargo build --release --target wasm32-unknown-unknown --lib

input=target/wasm32-unknown-unknown/release/edge_token.wasm
out=dist/wasm
wasm="$out/edge_token_bg.wasm"

# Skip wasm-bindgen and wasm-opt when their output is newer than both cargo's output and this
# script (whose flags decide the output).
if [ -f "$wasm" ] && [ -f "$out/edge_token.js" ] && [ "$wasm" -nt "$input" ] && [ "$wasm" -nt scripts/build.sh ]; then
  log "dist/wasm is up to date"
else
  # Build into a scratch folder and swap it in, so a failed step never leaves a half-made
  # dist/wasm that the up-to-date check above would then trust.
  mkdir -p dist
  tmp="$(mktemp -d dist/.wasm.XXXXXX)"
  chmod 755 "$tmp"
  trap 'rm -rf "$tmp"' EXIT
  # --experimental-reset-state-function exports __wbg_reset_state(), which www/engine/bind.js calls to
  # re-instantiate the module after a trap (see bindGlue).
  wasm-bindgen --target web --experimental-reset-state-function --out-dir "$tmp" "$input"
  node_modules/.bin/wasm-opt -Oz \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
    --strip-producers --strip-target-features \
    "$tmp/edge_token_bg.wasm" -o "$tmp/edge_token_bg.wasm"
  grep -q '^export function __wbg_reset_state' "$tmp/edge_token.js" ||
    { log "the glue has no __wbg_reset_state export"; exit 1; }
  rm -rf "$out"
  mv "$tmp" "$out"
  trap - EXIT
fi

raw=$(wc -c <"$wasm")
gz=$(gzip -9c "$wasm" | wc -c)
log "$wasm: $raw bytes raw, $gz bytes gzipped"

# The operator console's files, as one module of strings (scripts/console-assets.mjs).
node scripts/console-assets.mjs
