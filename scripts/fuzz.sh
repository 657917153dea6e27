#!/usr/bin/env bash
# Fuzzes the request parsers, the token codec, the host inputs and the engine with cargo-fuzz
# (libFuzzer). Targets live in fuzz/fuzz_targets/, their corpora in fuzz/corpus/<target>/.
#
# Usage: scripts/fuzz.sh [seconds-per-target]      (default 60: the test command's bounded run)
#
# Longer run (documented; not part of the test command), e.g. one hour per target, keeping the
# inputs that found new coverage in the repo's corpus (review and commit fuzz/corpus/ after):
#     FUZZ_MERGE=1 scripts/fuzz.sh 3600
# Environment:
#   FUZZ_TARGETS="token_codec engine_ops"   run only these targets (default: all of them)
#   FUZZ_MERGE=1                            merge new coverage into fuzz/corpus/<target>/
#   FUZZ_SANITIZER=address                  rebuild with ASan (default none: src/ has no unsafe
#                                           code, and without ASan a run does about 5x the
#                                           executions; panics and overflows are caught either way)
#
# A crash fails the script and leaves its input in fuzz/artifacts/<target>/. Reproduce with
#     RUSTC_BOOTSTRAP=1 cargo fuzz run -O -a -s none <target> fuzz/artifacts/<target>/crash-<hash>
# (it prints the panic and, for engine_ops, the sequence of calls) and minimise with
#     RUSTC_BOOTSTRAP=1 cargo fuzz tmin -O -a -s none <target> fuzz/artifacts/<target>/crash-<hash>
#
# cargo-fuzz needs nightly-only rustc features; the stable toolchain allows them with
# RUSTC_BOOTSTRAP=1, set below. libFuzzer itself is C++ (built by libfuzzer-sys): needs a C++
# compiler (g++ or clang++).
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH" # where cargo install puts its tools

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: scripts/fuzz.sh [seconds-per-target]" >&2
  exit 2
fi
all_targets=(invalidate_request token_request token_codec host_inputs engine_ops)
read -r -a targets <<<"${FUZZ_TARGETS:-${all_targets[*]}}"
sanitizer="${FUZZ_SANITIZER:-none}"

log() { printf '[fuzz] %s\n' "$*" >&2; }
started=$SECONDS

if ! cargo fuzz --version >/dev/null 2>&1; then
  log "cargo install cargo-fuzz (about 1 minute, once per machine)"
  cargo install cargo-fuzz --locked || cargo install cargo-fuzz || { log "cannot install cargo-fuzz"; exit 1; }
fi

export RUSTC_BOOTSTRAP=1
build=(--sanitizer "$sanitizer" --release --debug-assertions)

log "building ${#targets[@]} target(s) (sanitizer: $sanitizer)"
if ! cargo fuzz build "${build[@]}"; then
  log "build failed"
  exit 1
fi
log "built in $((SECONDS - started)) s"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=()
summary=()
total=0

for target in "${targets[@]}"; do
  corpus="fuzz/corpus/$target"
  fresh="$work/$target"
  mkdir -p "$corpus" "$fresh" "fuzz/artifacts/$target"
  flags=(-max_total_time="$seconds" -print_final_stats=1 -timeout=30 -rss_limit_mb=2048)
  case "$target" in
    invalidate_request | token_request | host_inputs) flags+=(-dict=fuzz/json.dict) ;;
  esac
  touch "$work/$target.start"
  log "$target: ${seconds} s"
  # New inputs go to a scratch directory first (the first corpus directory is the writable
  # one), so a routine run leaves the repo's corpus untouched. The outer timeout is a guard
  # against a hung libFuzzer, well beyond -max_total_time.
  timeout --kill-after=30 "$((seconds * 2 + 300))" \
    cargo fuzz run "${build[@]}" "$target" "$fresh" "$corpus" -- "${flags[@]}" >"$work/$target.log" 2>&1
  status=$?
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$target.log" | tail -n1)"
  artifacts="$(find "fuzz/artifacts/$target" -type f -newer "$work/$target.start")"
  if [ "$status" -ne 0 ] || [ -n "$artifacts" ] || [ -z "$execs" ]; then
    failed+=("$target")
    summary+=("$(printf '%-20s FAILED (exit %s)' "$target" "$status")")
    log "$target failed (exit $status); the end of its log:"
    tail -n 40 "$work/$target.log" >&2
    log "$target: the failure:"
    grep -m1 -A3 -E 'panicked at|ERROR: libFuzzer|==[0-9]+==ERROR' "$work/$target.log" >&2
    [ -z "$artifacts" ] || printf '[fuzz] artifact: %s\n' $artifacts >&2
  else
    total=$((total + execs))
    summary+=("$(printf '%-20s %12s executions' "$target" "$execs")")
  fi
  if [ "${FUZZ_MERGE:-0}" = 1 ] && [ -n "$(ls -A "$fresh")" ]; then
    log "$target: merging new coverage into $corpus"
    cargo fuzz run "${build[@]}" "$target" "$corpus" "$fresh" -- -merge=1 >"$work/$target.merge.log" 2>&1 ||
      log "$target: merge failed (see cargo fuzz cmin)"
  fi
done

printf '\nfuzzing, %s s per target:\n' "$seconds"
printf '  %s\n' "${summary[@]}"
printf '  %-20s %12s executions\n' total "$total"
printf 'fuzz: %s target(s), %s failed, %s s in all\n' "${#targets[@]}" "${#failed[@]}" "$((SECONDS - started))"
[ ${#failed[@]} -eq 0 ]
