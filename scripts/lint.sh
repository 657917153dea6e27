#!/usr/bin/env bash
# The project's habits, checked without changing a file: Rust formatting (rustfmt.toml), the
# JavaScript's formatting and lint rules (biome.jsonc, which also names the folders it covers),
# and the types of www/ (tsc --checkJs, tsconfig.checkjs.json, against www/index.d.ts).
# Fixes: `cargo fmt`, `npx biome check --write` (formatting and safe fixes), type errors by hand.
# Needs `npm ci` and dist/wasm (scripts/build.sh: its .d.ts types the wasm glue).
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH" # where cargo install puts its tools
failed=()

check() {
  local name="$1"; shift
  printf -- '--- %s\n' "$name"
  "$@" || failed+=("$name")
}

[ -f dist/wasm/edge_token.d.ts ] || echo "lint: dist/wasm is missing, the type check will fail: run scripts/build.sh" >&2

check "cargo fmt --check" cargo fmt --check
# Warnings fail too: otherwise they pile up unseen.
check "biome check" node_modules/.bin/biome check --error-on-warnings --max-diagnostics=50
check "tsc checkJs" node_modules/.bin/tsc -p tsconfig.checkjs.json --pretty false

if [ ${#failed[@]} -gt 0 ]; then
  printf 'lint: failed: %s\n' "${failed[*]}"
  exit 1
fi
echo "lint: clean"
