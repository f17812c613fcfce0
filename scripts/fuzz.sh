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
# The build is the `fuzz` preset of CMakePresets.json (tests/fuzz with clang; CXX_FUZZ for another compiler) and
# each target's run is its ctest entry (label fuzz, tests/fuzz/CMakeLists.txt: input bound, dictionary, corpora).
# Run by scripts/test.sh. Reproduce a failure with: build-fuzz/tests/fuzz/<name>_fuzz <artifact>.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CXX_FUZZ=${CXX_FUZZ:-clang++}
BUILD="$ROOT/build-fuzz"
command -v "$CXX_FUZZ" >/dev/null 2>&1 || { log "ERROR: $CXX_FUZZ not found (Debian packages clang, libclang-rt-14-dev)"; exit 1; }

all=()
for src in "$ROOT"/tests/fuzz/*_fuzz.cpp; do
  name=${src##*/}
  all+=("${name%_fuzz.cpp}")
done
read -r -a targets <<<"${FUZZ_TARGETS:-${all[*]}}"
export FUZZ_SECONDS=${FUZZ_SECONDS:-$((80 / ${#targets[@]}))}

# A build-fuzz/ configured before the preset existed (tests/fuzz as the source directory) is configured afresh.
if [[ -f $BUILD/CMakeCache.txt ]] && ! grep -qx "CMAKE_HOME_DIRECTORY:INTERNAL=$ROOT" "$BUILD/CMakeCache.txt"; then
  rm -rf "$BUILD"
fi
if [[ ! -f $BUILD/build.ninja ]]; then
  log "configuring the fuzz build (preset fuzz) in $BUILD"
  (cd "$ROOT" && cmake --preset fuzz -DCMAKE_CXX_COMPILER="$CXX_FUZZ" >/dev/null)
fi
log "building the fuzz targets: ${targets[*]}"
(cd "$ROOT" && cmake --build --preset fuzz --target "${targets[@]/%/_fuzz}")

log "fuzzing ${targets[*]} for ${FUZZ_SECONDS}s each (ctest --preset fuzz; logs $BUILD/<name>.log)"
pattern="^Fuzz\\.($(IFS='|'; echo "${targets[*]}"))\$"
status=0
(cd "$ROOT" && ctest --preset fuzz -R "$pattern") || status=$?
for name in "${targets[@]}"; do
  [[ -f $BUILD/$name.log ]] || continue
  if grep -q '^stat::number_of_executed_units' "$BUILD/$name.log"; then
    runs=$(awk '/^stat::number_of_executed_units/ {v = $2} END {print v}' "$BUILD/$name.log")
    speed=$(awk '/^stat::average_exec_per_sec/ {v = $2} END {print v}' "$BUILD/$name.log")
    # The last status line: "#N DONE cov: C ft: F corp: ..."
    cov=$({ grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$BUILD/$name.log" || true; } | tail -n 1 |
      sed -E 's/.*cov: ([0-9]+) ft: ([0-9]+) corp: ([0-9]+).*/cov \1, features \2, corpus \3/')
    log "fuzz $name: $runs runs ($speed/s), $cov"
  fi
done
((status == 0)) || log "ERROR: a fuzz target failed; its input is kept in $BUILD/artifacts/ (ctest printed the end of its log)"
exit "$status"
