#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/*_fuzz.cpp, a CMake project of their own compiled by clang with
# -fsanitize=fuzzer,address,undefined) into build-fuzz/ and runs each for a bounded time from its seeds in
# tests/fuzz/corpus/<name>/, with tests/fuzz/<name>.dict when there is one. New inputs go to
# build-fuzz/corpus/<name>/, so the committed seeds change only by hand. Prints executions and coverage
# per target; exits non-zero when any target crashes, leaks, times out or trips a sanitizer, and the input
# that did it is kept in build-fuzz/artifacts/.
#
#   FUZZ_SECONDS   seconds per target (default: 80 s shared by all targets, so with start-up the whole
#                  run stays within 90 s in CI)
#   FUZZ_TARGETS   space-separated subset to run (default: all), e.g. "json_body bid_event"
#
# Run by scripts/test.sh after ctest. Reproduce a failure with: build-fuzz/<name>_fuzz <artifact>.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CXX_FUZZ=${CXX_FUZZ:-clang++}
BUILD="$ROOT/build-fuzz"
command -v "$CXX_FUZZ" >/dev/null 2>&1 || { log "ERROR: $CXX_FUZZ not found (Debian packages clang, libclang-rt-14-dev)"; exit 1; }
mkdir -p "$BUILD/artifacts"

# Longest input per target: room for a request with headers and a small body, short strings elsewhere.
declare -A MAX_LEN=([http_router]=4096 [json_body]=4096 [list_query]=512 [list_cursor]=256 [bid_event]=1024 [multipart]=8192 [entity_tag]=1024)

all=()
for src in "$ROOT"/tests/fuzz/*_fuzz.cpp; do
  name=${src##*/}
  all+=("${name%_fuzz.cpp}")
done
read -r -a targets <<<"${FUZZ_TARGETS:-${all[*]}}"
FUZZ_SECONDS=${FUZZ_SECONDS:-$((80 / ${#targets[@]}))}

if [[ ! -f $BUILD/build.ninja ]]; then
  log "configuring the fuzz build in $BUILD"
  launcher=()
  command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -S "$ROOT/tests/fuzz" -B "$BUILD" -G Ninja -DCMAKE_CXX_COMPILER="$CXX_FUZZ" "${launcher[@]}" >/dev/null
fi
log "building the fuzz targets: ${targets[*]}"
cmake --build "$BUILD" -j2 --target "${targets[@]/%/_fuzz}"

status=0
for name in "${targets[@]}"; do
  bin="$BUILD/${name}_fuzz"
  corpus="$BUILD/corpus/$name"
  mkdir -p "$corpus"
  args=(-max_total_time="$FUZZ_SECONDS" -max_len="${MAX_LEN[$name]:-4096}" -timeout=10 -rss_limit_mb=2048
    -print_final_stats=1 -artifact_prefix="$BUILD/artifacts/${name}-")
  [[ -f $ROOT/tests/fuzz/$name.dict ]] && args+=(-dict="$ROOT/tests/fuzz/$name.dict")
  log "fuzzing $name for ${FUZZ_SECONDS}s (log $BUILD/$name.log)"
  if "$bin" "${args[@]}" "$corpus" "$ROOT/tests/fuzz/corpus/$name" >"$BUILD/$name.log" 2>&1; then
    runs=$(awk '/^stat::number_of_executed_units/ {v = $2} END {print v}' "$BUILD/$name.log")
    speed=$(awk '/^stat::average_exec_per_sec/ {v = $2} END {print v}' "$BUILD/$name.log")
    # The last status line: "#N DONE cov: C ft: F corp: ..."
    cov=$({ grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$BUILD/$name.log" || true; } | tail -n 1 |
      sed -E 's/.*cov: ([0-9]+) ft: ([0-9]+) corp: ([0-9]+).*/cov \1, features \2, corpus \3/')
    log "fuzz $name: $runs runs ($speed/s), $cov, no failure"
  else
    status=1
    log "ERROR: fuzz target $name failed; input kept in $BUILD/artifacts/; last lines of $BUILD/$name.log:"
    tail -n 60 "$BUILD/$name.log" >&2
  fi
done
exit "$status"
