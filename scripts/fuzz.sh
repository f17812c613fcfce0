#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (-fsanitize=fuzzer,address,undefined) into build-fuzz/ and runs
# each for a bounded time (FUZZ_SECONDS, default 30) from the seeds in tests/fuzz/corpus/. New inputs go
# to build-fuzz/corpus/, so the committed seeds change only by hand. Exits non-zero when a target
# crashes, leaks or trips a sanitizer; the input that did it is in build-fuzz/artifacts/.
# Run by scripts/test.sh after ctest.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FUZZ_SECONDS=${FUZZ_SECONDS:-30}
CXX_FUZZ=${CXX_FUZZ:-clang++}
BUILD="$ROOT/build-fuzz"
command -v "$CXX_FUZZ" >/dev/null 2>&1 || { log "ERROR: $CXX_FUZZ not found (Debian packages clang, libclang-rt-14-dev)"; exit 1; }
mkdir -p "$BUILD/artifacts"

# target name -> sources (the target file first)
declare -A TARGETS=(
  [multipart]="tests/fuzz/multipart_fuzz.cpp pkg/multipart/multipart.cpp"
)
# shellcheck disable=SC2054 # the commas belong to -fsanitize
flags=(-std=c++20 -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined
  -fno-sanitize-recover=undefined -Wall -Wextra -Werror -I"$ROOT")

status=0
for name in "${!TARGETS[@]}"; do
  read -r -a sources <<<"${TARGETS[$name]}"
  bin="$BUILD/${name}_fuzz"
  rebuild=0
  [[ -x $bin ]] || rebuild=1
  for src in "${sources[@]}" pkg/multipart/multipart.hpp; do
    [[ $ROOT/$src -nt $bin ]] && rebuild=1
  done
  if ((rebuild)); then
    log "building $bin"
    (cd "$ROOT" && "$CXX_FUZZ" "${flags[@]}" "${sources[@]}" -o "$bin")
  fi
  corpus="$BUILD/corpus/$name"
  mkdir -p "$corpus"
  log "fuzzing $name for ${FUZZ_SECONDS}s (log $BUILD/$name.log)"
  if "$bin" -max_total_time="$FUZZ_SECONDS" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$BUILD/artifacts/${name}-" \
    "$corpus" "$ROOT/tests/fuzz/corpus/$name" >"$BUILD/$name.log" 2>&1; then
    log "fuzz $name: $(grep -E '^stat::number_of_executed_units' "$BUILD/$name.log" | awk '{print $2}') runs, no failure"
  else
    status=1
    log "ERROR: fuzz target $name failed; last lines of $BUILD/$name.log:"
    tail -n 40 "$BUILD/$name.log" >&2
  fi
done
exit "$status"
