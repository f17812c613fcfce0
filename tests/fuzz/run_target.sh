#!/usr/bin/env bash
# A fuzz target's ctest entry (tests/fuzz/CMakeLists.txt): runs libFuzzer binary BIN for FUZZ_SECONDS (default 16)
# with the given libFuzzer arguments and corpus directories, its output in LOG; on failure prints the end of LOG.
#   run_target.sh BIN LOG ARGS... CORPUS_DIRS...
set -uo pipefail
bin=$1 log=$2
shift 2
"$bin" -max_total_time="${FUZZ_SECONDS:-16}" "$@" >"$log" 2>&1
status=$?
if ((status != 0)); then
  echo "fuzz target $(basename "$bin") failed (exit $status); the input is kept in the artifacts directory; end of $log:" >&2
  tail -n 60 "$log" >&2
fi
exit "$status"
