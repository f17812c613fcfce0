#!/usr/bin/env bash
# The real services the integration tests run against, started if needed and reset: PostgreSQL (5433) with a
# fresh database auction_test, RabbitMQ (5672) with a fresh vhost auction_test, and the local S3 (9000). Run by
# scripts/test.sh, and by ctest as the setup of the `services` fixture every integration test requires, so
# `ctest --preset integration` works from a fresh checkout (as root, like the test command).
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
auction_start_postgres
auction_start_rabbitmq
auction_start_s3
auction_reset_database auction_test
auction_rabbitmq_vhost auction_test
