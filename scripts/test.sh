#!/usr/bin/env bash
# Every test of the project, in order of cost. Installs what it needs first (scripts/setup.sh),
# so it runs on a fresh clone. Ends with one line "tests: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH" # where cargo install puts its tools
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
failed_steps=()

step() {
  local name="$1"; shift
  printf '\n=== %s\n' "$name"
  if ! "$@" 2>&1 | tee -a "$log"; then
    failed_steps+=("$name")
  fi
}

bash scripts/setup.sh test || { echo "setup failed"; exit 1; }
bash scripts/build.sh || { echo "build failed"; exit 1; }

step "lint (cargo fmt, biome, checkJs)" bash scripts/lint.sh
step "clippy (native, all targets)" cargo clippy --all-targets --quiet -- -D warnings
step "clippy (wasm32, all targets)" cargo clippy --target wasm32-unknown-unknown --all-targets --quiet -- -D warnings
step "cargo test (native)" cargo test --quiet
# The wasm tests run under wasm-bindgen's own runner (from wasm-bindgen-cli), as `wasm-pack test`
# would run them: the env var names the runtime (Node, or the browser's WebDriver), headless.
wasm_test() {
  local test="$1"; shift
  env CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner "$@" \
    cargo test --target wasm32-unknown-unknown --test "$test"
}
step "wasm in Node" wasm_test wasm_node WASM_BINDGEN_TEST_ONLY_NODE=1
step "wasm in headless Chromium" wasm_test wasm_browser CHROMEDRIVER="$(command -v chromedriver)"
step "wasm in headless Firefox" wasm_test wasm_browser GECKODRIVER="$(command -v geckodriver)"
# The trap-recovery test needs a build whose only extra is forceTrap() (feature trap-test).
# It is built as scripts/build.sh builds the shipped wasm (no reference-types or multivalue, the
# target_features section dropped), so that the glue it recovers is the shipped kind.
build_trap_test() {
  local release=target/trap-test/wasm32-unknown-unknown/release
  cargo build --quiet --release --target wasm32-unknown-unknown --lib --features trap-test --target-dir target/trap-test \
    --config 'target.wasm32-unknown-unknown.rustflags=["-C", "target-feature=-reference-types,-multivalue"]' &&
    node scripts/drop-target-features.mjs "$release/edge_token.wasm" "$release/edge_token.bindgen.wasm" &&
    wasm-bindgen --target web --experimental-reset-state-function --out-name edge_token --out-dir dist/wasm-trap-test \
      "$release/edge_token.bindgen.wasm"
}
step "build the trap-test wasm" build_trap_test
node_tests=(tests/js/)
[ -d tests/service ] && node_tests+=(tests/service/)
[ -d tests/consistency ] && node_tests+=(tests/consistency/)
[ -d tests/console ] && node_tests+=(tests/console/)
step "node --test (package, service, consistency, console; workerd, browsers)" node --test --test-concurrency=1 "${node_tests[@]}"

# The official Python client from PyPI, in a virtualenv kept under node_modules/.cache; the step
# fails if pip cannot install it.
step "Python client (elasticsearch from PyPI) on Node and workerd" node --test --test-concurrency=1 tests/python/

# The package as users get it (npm pack, installed into an empty project in .runtimes/app), with one
# suite (tests/runtimes/suite.mjs) under every runtime the README names; each runner ends with
# "runtimes-<name>: N passed, N failed". Deno may read only the .wasm, which its entry fetches, and
# listen and connect on 127.0.0.1 only (its own server, Deno.serve, in one scenario).
in_package_app() { (cd .runtimes/app && "$@"); }
step "pack and install the package for the runtime suites" node tests/runtimes/prepare.mjs .runtimes
step "package suite in Node" in_package_app node run-node.mjs
step "package suite in Deno" in_package_app "$PWD/node_modules/.bin/deno" run --no-prompt \
  --allow-read=node_modules/edge-token/dist/wasm --allow-net=127.0.0.1 run-deno.mjs
step "package suite in Bun" in_package_app "$PWD/node_modules/.bin/bun" run-bun.mjs

# A bounded fuzzing run of every cargo-fuzz target (scripts/fuzz.sh documents the long run).
step "fuzz (${FUZZ_SECONDS:-30} s per target)" bash scripts/fuzz.sh "${FUZZ_SECONDS:-30}"

# Sum what the runners reported: cargo/wasm-bindgen-test "test result:" lines, node's "# pass",
# and the runtime suites' "runtimes-<name>: N passed, N failed".
passed=$(grep -oE '(test result: [a-zA-Z]+\. [0-9]+ passed|^# pass [0-9]+|^runtimes-[a-z]+: [0-9]+ passed)' "$log" |
  grep -oE '[0-9]+ passed|[0-9]+$' | grep -oE '[0-9]+' | paste -sd+ | bc)
failed=$(grep -oE '([0-9]+ failed;|^# fail [0-9]+|^runtimes-[a-z]+: [0-9]+ passed, [0-9]+ failed$)' "$log" |
  grep -oE '[0-9]+ failed|[0-9]+$' | grep -oE '[0-9]+' | paste -sd+ | bc)
passed=${passed:-0}; failed=${failed:-0}
if [ ${#failed_steps[@]} -gt 0 ]; then
  printf '\nfailed steps: %s\n' "${failed_steps[*]}"
  [ "$failed" -gt 0 ] || failed=${#failed_steps[@]}
fi
printf '\ntests: %s passed, %s failed\n' "$passed" "$failed"
[ ${#failed_steps[@]} -eq 0 ]
