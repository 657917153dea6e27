#!/usr/bin/env bash
# Builds the npm package's wasm: cargo (wasm32) -> wasm-bindgen --target web -> wasm-opt -Oz,
# into dist/wasm/. Re-running with nothing changed only costs cargo's own no-op check.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH" # where cargo install puts its tools

bash scripts/setup.sh build

log() { printf '[build] %s\n' "$*" >&2; }

# Without the reference-types and multivalue features (on by default for wasm32 since Rust
# 1.82): every export then takes and returns plain numbers, which V8 calls through its generic
# JS-to-wasm wrapper instead of compiling one wrapper per signature when it compiles the module
# (about half of that compile's CPU in Node 20; docs/wasm-size.md). --config adds these flags to
# the wasm32 rustflags of .cargo/config.toml; only this release build uses them, so the debug
# builds of clippy and wasm-pack keep their cache. scripts/drop-target-features.mjs explains the
# second half.
cargo build --release --target wasm32-unknown-unknown --lib \
  --config 'target.wasm32-unknown-unknown.rustflags=["-C", "target-feature=-reference-types,-multivalue"]'

cargo_out=target/wasm32-unknown-unknown/release/edge_token.wasm
input=target/wasm32-unknown-unknown/release/edge_token.bindgen.wasm
if [ ! -f "$input" ] || [ "$cargo_out" -nt "$input" ] || [ scripts/drop-target-features.mjs -nt "$input" ]; then
  node scripts/drop-target-features.mjs "$cargo_out" "$input"
fi
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
  wasm-bindgen --target web --experimental-reset-state-function --out-name edge_token --out-dir "$tmp" "$input"
  node_modules/.bin/wasm-opt -Oz \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
    --strip-producers --strip-target-features \
    "$tmp/edge_token_bg.wasm" -o "$tmp/edge_token_bg.wasm"
  grep -q '^export function __wbg_reset_state' "$tmp/edge_token.js" ||
    { log "the glue has no __wbg_reset_state export"; exit 1; }
  # The glue of an externref build keeps wasm-bindgen's externref table; this one must not.
  if grep -q '__wbindgen_externref' "$tmp/edge_token.js"; then
    log "the glue uses externref: the features above did not take"; exit 1
  fi
  rm -rf "$out"
  mv "$tmp" "$out"
  trap - EXIT
fi

raw=$(wc -c <"$wasm")
gz=$(gzip -9c "$wasm" | wc -c)
log "$wasm: $raw bytes raw, $gz bytes gzipped"

# The operator console's files, as one module of strings (scripts/console-assets.mjs).
node scripts/console-assets.mjs
