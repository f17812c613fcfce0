#!/usr/bin/env bash
# Runs the test suite: installs what is missing, builds (RelWithDebInfo unless BUILD_TYPE is set;
# warnings are errors, as everywhere: AUCTION_WERROR=OFF to relax), starts PostgreSQL (5433) and RabbitMQ (5672), recreates the
# database auction_test and runs ctest. The tests start their own server in-process.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"


# Every step's wall time, printed before ctest runs (ctest reports its own).
STEP_TIMES=()
timed() {
  local name=$1 start=$SECONDS
  shift
  "$@"
  STEP_TIMES+=("$(printf '%-22s %4d s' "$name" $((SECONDS - start)))")
}
timed "install" auction_install_deps
timed "lint" bash "$ROOT/scripts/lint.sh"
timed "build" auction_build "${BUILD_TYPE:-RelWithDebInfo}"
# The lint step's clang-tidy part, on the files the commit under test changes (it needs the build's compile
# commands).
timed "clang-tidy" bash "$ROOT/scripts/tidy.sh"
# The compose file, Dockerfile and scripts/local.env checked against the programs' --config-table and the design
# (no Docker engine needed; the programs must be built).
timed "compose check" bash "$ROOT/scripts/compose_check.sh"
timed "services" bash "$ROOT/scripts/test_services.sh"

# The integration tests' environment (scripts/local.env with their own database and vhost), for the runs below
# that start the test programs directly; ctest's entries run through the same file.
# shellcheck source=../tests/test_env.sh
. "$ROOT/tests/test_env.sh"

# ctest with a test preset of CMakePresets.json (presets are found from the source directory).
ctest_preset() { (cd "$ROOT" && ctest --preset "$@"); }

# The checks that are not ctest entries run first, so that ctest's summary ("100% tests passed, 0 tests
# failed out of N") is the last thing this command prints; any failure fails the command all the same.
checks_status=0
run_check() {
  local name=$1 rc=0 start=$SECONDS
  shift
  "$@" || rc=$?
  STEP_TIMES+=("$(printf '%-22s %4d s (exit %d)' "$name" $((SECONDS - start)) "$rc")")
  log "$name exit status $rc"
  ((checks_status != 0)) || checks_status=$rc
}
# libFuzzer targets: the router and request parsing, every body decoder, list queries and cursors, bid events,
# multipart.
run_check "fuzz" bash "$ROOT/scripts/fuzz.sh"
# The suite built with ASan+UBSan (build-asan/).
if [[ ${AUCTION_SANITIZE_RUN:-1} != 0 ]]; then
  run_check "sanitizer run" bash "$ROOT/scripts/sanitize.sh"
fi
# The concurrency tests built with ThreadSanitizer (build-tsan/).
if [[ ${AUCTION_TSAN_RUN:-1} != 0 ]]; then
  run_check "ThreadSanitizer run" bash "$ROOT/scripts/tsan.sh"
fi
# One minute of steady load on the built API and 3 workers (scripts/soak.sh, ctest label soak): memory flat, p99
# bounded.
if [[ ${AUCTION_SOAK_RUN:-1} != 0 ]]; then
  export SOAK_SECONDS=${SOAK_SECONDS:-60}
  run_check "soak" ctest_preset soak
fi
# The chaos test (docs/CHAOS.md) on a 3-node RabbitMQ cluster with quorum queues: a private PostgreSQL (5435), the
# API and 3 workers under load for 30 s, a kill -9 nemesis (the node leading the bid queue, the database, the API,
# the workers), a Jepsen-style check of both directions, then the consumer-timeout probe; about 1 min 35 s. The
# single-node run (a private RabbitMQ node, 5673) is `scripts/chaos.sh`, outside this command. ctest label chaos:
# the checker's self-check, then the run (tests/CMakeLists.txt).
if [[ ${AUCTION_CHAOS_RUN:-1} != 0 ]]; then
  run_check "chaos test (cluster)" ctest_preset chaos
fi
# Rolling restart (docs/DEPLOYMENT.md "Rolling restarts"): HAProxy in front of 3 API replicas under load, each
# restarted with SIGTERM in turn after its drain; no request may fail.
if [[ ${AUCTION_ROLLING_RUN:-1} != 0 ]]; then
  run_check "rolling restart" bash "$ROOT/scripts/rolling_restart.sh"
fi
# PostgreSQL failover (docs/DEPLOYMENT.md): a primary (5441) and a synchronous standby (5442), the primary killed
# with SIGKILL under load and the standby promoted; every acknowledged write and bid must be on the new primary.
if [[ ${AUCTION_FAILOVER_RUN:-1} != 0 ]]; then
  run_check "pg failover test" env AUCTION_BUILD_DIR="$ROOT/build" bash "$ROOT/scripts/pg_failover.sh"
fi
# The container image built and run for real (scripts/image_check.sh), when what it is made of changed.
if [[ ${AUCTION_IMAGE_RUN:-1} != 0 ]]; then
  run_check "image check" bash "$ROOT/scripts/image_check.sh"
fi
# The main run records every HTTP exchange and event for the contract checks (ContractCheck.* in ctest).
export AUCTION_CONTRACT_DIR="$RUN_DIR/contract"
rm -rf "$AUCTION_CONTRACT_DIR" && mkdir -p "$AUCTION_CONTRACT_DIR"
log "step times so far:"
printf '  %s\n' "${STEP_TIMES[@]}" >&2
status=0
ctest_preset default || status=$?
((status != 0)) || status=$checks_status
exit "$status"
