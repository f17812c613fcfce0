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
setup_services() {
  auction_start_postgres
  auction_start_rabbitmq
  auction_start_s3
  auction_reset_database auction_test
  auction_rabbitmq_vhost auction_test
}

timed "install" auction_install_deps
timed "lint" bash "$ROOT/scripts/lint.sh"
timed "build" auction_build "${BUILD_TYPE:-RelWithDebInfo}"
# The compose file and Dockerfile checked against pkg/config and the design (no Docker engine needed).
timed "compose check" bash "$ROOT/scripts/compose_check.sh"
timed "services" setup_services

export POSTGRES_HOST=127.0.0.1
export POSTGRES_PORT=5433
export POSTGRES_DATABASE=auction_test
export POSTGRES_USERNAME=postgres
export POSTGRES_PASSWORD=postgres
export RABBITMQ_URL=amqp://guest:guest@127.0.0.1:5672/auction_test
export SERVICE_NAME=auction-test
export AUCTION_SCRIPTS_DIR="$ROOT/scripts"
# The local S3 server (s3rver) with the key pair and bucket of .run/auction.env.
export AWS_ENDPOINT=http://127.0.0.1:9000
AWS_ACCESS_KEY=$(auction_env_get AWS_ACCESS_KEY)
AWS_SECRET_KEY=$(auction_env_get AWS_SECRET_KEY)
AWS_DEFAULT_REGION=$(auction_env_get AWS_DEFAULT_REGION)
AWS_BUCKET=$(auction_env_get AWS_BUCKET)
export AWS_ACCESS_KEY AWS_SECRET_KEY AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-eu-central-1}"
export AWS_BUCKET="${AWS_BUCKET:-auction-images}"

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
# One minute of steady load on the built API and 3 workers (scripts/soak.sh): memory flat, p99 bounded.
if [[ ${AUCTION_SOAK_RUN:-1} != 0 ]]; then
  run_check "soak" env SOAK_SECONDS="${SOAK_SECONDS:-60}" bash "$ROOT/scripts/soak.sh"
fi
# The chaos test (docs/CHAOS.md) on a 3-node RabbitMQ cluster with quorum queues: a private PostgreSQL (5435), the
# API and 3 workers under load for 30 s, a kill -9 nemesis (the node leading the bid queue, the database, the API,
# the workers), a Jepsen-style check of both directions, then the consumer-timeout probe; about 1 min 35 s. The
# single-node run (a private RabbitMQ node, 5673) is `scripts/chaos.sh`, outside this command.
if [[ ${AUCTION_CHAOS_RUN:-1} != 0 ]]; then
  run_check "chaos test (cluster)" env AUCTION_BUILD_DIR="$ROOT/build" bash "$ROOT/scripts/chaos.sh" --cluster --short
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
ctest --test-dir "$ROOT/build" --output-on-failure -j1 || status=$?
((status != 0)) || status=$checks_status
exit "$status"
