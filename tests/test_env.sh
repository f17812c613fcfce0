#!/usr/bin/env bash
# The environment of the integration tests, written once: the local run's configuration (.run/auction.env, the
# copy of scripts/local.env that the services were started with, else scripts/local.env itself), with the
# tests' own database, RabbitMQ vhost and service name, which scripts/test_services.sh resets.
#   . tests/test_env.sh                  exports it (scripts/test.sh, the sanitizer runs)
#   tests/test_env.sh PROGRAM ARGS...    runs PROGRAM in it (ctest runs the integration tests this way)
_auction_test_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
_auction_test_config="$_auction_test_root/.run/auction.env"
[[ -f $_auction_test_config ]] || _auction_test_config="$_auction_test_root/scripts/local.env"
while IFS='=' read -r _auction_name _auction_value; do
  [[ $_auction_name =~ ^[A-Z][A-Z0-9_]*$ ]] && export "$_auction_name=$_auction_value"
done <"$_auction_test_config"
export POSTGRES_DATABASE=auction_test
export RABBITMQ_URL="${RABBITMQ_URL%/*}/auction_test"
export SERVICE_NAME=auction-test
export AUCTION_SCRIPTS_DIR="$_auction_test_root/scripts"
unset PORT HOST_PORT  # the tests choose their own ports (0: any free one)
unset _auction_test_root _auction_test_config _auction_name _auction_value
if [[ ${BASH_SOURCE[0]} == "$0" && $# -gt 0 ]]; then
  exec "$@"
fi
