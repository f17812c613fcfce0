#!/usr/bin/env bash
# Builds the tests with AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/) and runs them against
# the services scripts/test.sh started, with its environment. Any sanitizer report fails the run.
# Called by scripts/test.sh; AUCTION_SANITIZE_RUN=0 skips it.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The build is the `asan` preset of CMakePresets.json: -O1 -g1 (the sanitizers' recommended optimisation, line tables
# for their stack traces) compiles about 3x faster than RelWithDebInfo's -O2 -g.
build="$ROOT/build-asan"
if [[ ! -f $build/build.ninja ]]; then
  log "configuring the sanitizer build (preset asan: address;undefined) in $build"
  (cd "$ROOT" && cmake --preset asan >/dev/null)
fi
log "building the sanitizer build"
(cd "$ROOT" && cmake --build --preset asan)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
log "unit tests under ASan+UBSan"
"$build/tests/unit_tests" --gtest_brief=1
log "integration tests under ASan+UBSan"
"$build/tests/integration_tests" --gtest_brief=1
log "sanitizers: no report"
