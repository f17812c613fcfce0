#!/usr/bin/env bash
# Builds the tests with ThreadSanitizer (build-tsan/) and runs the concurrency tests against the services
# scripts/test.sh started, with its environment: the worker pool and consumer (Worker.*), the outbox relay
# (ItemEvents.*), the PostgreSQL pool / DbExecutor / pipeline / BlockingPool and the HTTP server under
# concurrent clients (Concurrency.*) and while it drains and stops (Drain.*), plus the unit tests. Any
# ThreadSanitizer report fails the run, also one from a child process (the process tests start the TSan-built
# auction-api / auction-worker).
# Called by scripts/test.sh; AUCTION_TSAN_RUN=0 there skips it.
#
# Environment:
#   TSAN_GTEST_FILTER      integration tests to run (default: the concurrency set, ctest label `concurrency` of
#                          tests/CMakeLists.txt; '*' = all of them,
#                          about 35 s here); the service-restart tests stay excluded unless the next knob is 1
#   TSAN_SERVICE_RESTARTS  1 = also run the tests that stop/start PostgreSQL or RabbitMQ (only where the
#                          services are private to this run, e.g. CI); default 0 on a shared machine
#   TSAN_CC / TSAN_CXX     compilers for a fresh build-tsan/ (default gcc/g++ 12, the project's compiler: its
#                          libtsan runs the C++20 coroutines and Asio without false reports once Asio's
#                          fenced blocks are compiled out, see CMakeLists.txt; clang 14 is an alternative)
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# -O1 -g1 (the sanitizers' recommended optimisation, line tables for their stack traces) compiles about 3x
# faster than RelWithDebInfo's -O2 -g, which made these builds most of the test command's time.
build="$ROOT/build-tsan"
cxx=${TSAN_CXX:-g++}
cc=${TSAN_CC:-gcc}
if [[ ! -f $build/build.ninja ]]; then
  # The `tsan` preset of CMakePresets.json (-O1 -g1, AUCTION_SANITIZE=thread), with the compiler chosen above.
  log "configuring the ThreadSanitizer build (preset tsan) in $build ($cxx)"
  (cd "$ROOT" && CXX=$cxx CC=$cc cmake --preset tsan >/dev/null)
fi
log "building the ThreadSanitizer build"
(cd "$ROOT" && cmake --build --preset tsan)

# The concurrency set (what shares threads, pools, queues and connections) and the tests that stop or restart the
# shared services (they would break everyone else's runs on this machine) are declared once, in
# tests/CMakeLists.txt (ctest labels concurrency and restarts), which writes them into the build directory as gtest
# filters. One process runs them all (a process per test would start the in-process API over and over).
default_filter=$(<"$build/tests/concurrency_tests.txt")
restart_tests=$(<"$build/tests/restart_tests.txt")
filter=${TSAN_GTEST_FILTER:-$default_filter}
if [[ ${TSAN_SERVICE_RESTARTS:-0} == 1 ]]; then
  [[ -n ${TSAN_GTEST_FILTER:-} ]] || filter+=":$restart_tests"
elif [[ $filter == *-* ]]; then
  filter+=":$restart_tests"  # the filter already has its negative part
else
  filter+="-$restart_tests"
fi

reports=$(mktemp -d /tmp/tsan-reports.XXXXXX)
trap 'rm -rf "$reports"' EXIT
# halt_on_error: the first race fails the run. second_deadlock_stack: both stacks of a lock-order
# inversion. log_path: every process's reports (the test binaries' and their children's) land in
# files checked below, so a race in a child whose output a test swallows still fails the run.
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 history_size=4 suppressions=$ROOT/scripts/tsan.supp log_path=$reports/tsan"

# Some kernels randomize mmap more than TSan's fixed shadow layout allows (vm.mmap_rnd_bits > 28 on
# x86-64 breaks the libtsan of GCC 12 / clang 14 with "FATAL: ThreadSanitizer: unexpected memory
# mapping"). Then the programs run with address randomization off for themselves (setarch -R).
runner=()
probe_status=0
"$build/tests/unit_tests" --gtest_list_tests >/dev/null 2>"$reports/probe.err" || probe_status=$?
if ((probe_status != 0)) && grep -qs "unexpected memory mapping" "$reports"/tsan.* "$reports/probe.err"; then
  log "ThreadSanitizer cannot map its shadow memory here (vm.mmap_rnd_bits=$(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null)):" \
    "running through setarch -R"
  runner=(setarch "$(uname -m)" -R)
  rm -f "$reports"/tsan.* "$reports/probe.err"
  "${runner[@]}" "$build/tests/unit_tests" --gtest_list_tests >/dev/null
elif ((probe_status != 0)); then
  cat "$reports"/tsan.* "$reports/probe.err" 2>/dev/null >&2 || true
  log "ERROR: the ThreadSanitizer unit test binary does not start (exit status $probe_status)"
  exit 1
fi

status=0
log "unit tests under ThreadSanitizer"
"${runner[@]}" "$build/tests/unit_tests" --gtest_brief=1 || status=$?
if ((status == 0)); then
  log "integration tests under ThreadSanitizer: $filter"
  "${runner[@]}" "$build/tests/integration_tests" --gtest_brief=1 "--gtest_filter=$filter" || status=$?
fi
if compgen -G "$reports/tsan.*" >/dev/null; then
  for f in "$reports"/tsan.*; do
    log "ThreadSanitizer report ($(basename "$f")):"
    cat "$f" >&2
  done
  log "ERROR: ThreadSanitizer reported (see above)"
  exit 1
fi
if ((status != 0)); then
  log "ERROR: tests failed under ThreadSanitizer (exit status $status)"
  exit "$status"
fi
log "ThreadSanitizer: no report"
