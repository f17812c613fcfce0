#!/usr/bin/env bash
# Runs the test suite: installs what is missing, builds (RelWithDebInfo unless BUILD_TYPE is set;
# warnings are errors, as everywhere: AUCTION_WERROR=OFF to relax), starts PostgreSQL (5433) and RabbitMQ (5672), recreates the
# database auction_test and runs ctest. The tests start their own server in-process.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"


auction_install_deps
bash "$ROOT/scripts/lint.sh"
auction_build "${BUILD_TYPE:-RelWithDebInfo}"
# The compose file and Dockerfile checked against pkg/config and the design (no Docker engine needed).
bash "$ROOT/scripts/compose_check.sh"
auction_start_postgres
auction_start_rabbitmq
auction_start_s3
auction_reset_database auction_test
auction_rabbitmq_vhost auction_test

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

# The hand-written parsers are fuzzed for a bounded time first (scripts/fuzz.sh), so that ctest's summary
# ("100% tests passed, 0 tests failed out of N") is the last thing this command prints.
fuzz_status=0
bash "$ROOT/scripts/fuzz.sh" || fuzz_status=$?
log "fuzz exit status $fuzz_status"
# The same tests built with ASan+UBSan (scripts/sanitize.sh), before the main run for the same reason.
sanitize_status=0
if [[ ${AUCTION_SANITIZE_RUN:-1} != 0 ]]; then
  bash "$ROOT/scripts/sanitize.sh" || sanitize_status=$?
  log "sanitizer run exit status $sanitize_status"
  ((fuzz_status != 0)) || fuzz_status=$sanitize_status  # either failure fails the command
fi
# The chaos test (scripts/chaos.sh, docs/CHAOS.md): a private PostgreSQL (5434) and RabbitMQ node (5673), the
# API and 3 workers under load, kill -9 nemesis, then a Jepsen-style check of both directions.
chaos_status=0
AUCTION_BUILD_DIR="$ROOT/build" bash "$ROOT/scripts/chaos.sh" || chaos_status=$?
log "chaos test exit status $chaos_status"
((fuzz_status != 0)) || fuzz_status=$chaos_status
# The main run records every HTTP exchange and event for the contract checks (ContractCheck.* in ctest).
export AUCTION_CONTRACT_DIR="$RUN_DIR/contract"
rm -rf "$AUCTION_CONTRACT_DIR" && mkdir -p "$AUCTION_CONTRACT_DIR"
status=0
ctest --test-dir "$ROOT/build" --output-on-failure -j1 || status=$?
((status != 0)) || status=$fuzz_status
exit "$status"
