#!/usr/bin/env bash
# CI check of the API docs (docs/openapi.json, GET /openapi.json, GET /docs):
#   1. installs what is missing: tools/apidocs (npm ci) and Debian's chromium;
#   2. lints the document with the pinned redocly (tools/apidocs/redocly.yaml): zero problems;
#   3. proves the contract check can fail (node --test contract.test.mjs), then, when AUCTION_CONTRACT_DIR is
#      set, holds the integration suite's recorded HTTP exchanges against the document (contract.mjs);
#   4. starts the built auction-api (AUCTION_API_BIN, default build/auction-api) on a free port with the
#      environment it is given (scripts/test.sh exports the test env; else .run/auction.env), runs the
#      browser test of /docs (docs-page.test.mjs, screenshot to APIDOCS_SCREENSHOT, default a file under
#      .run/ so CI never dirties docs/images/docs-page.png), and stops the API.
# Exits non-zero when any step fails.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TOOLS="$ROOT/tools/apidocs"
API_BIN=${AUCTION_API_BIN:-$ROOT/build/auction-api}
SCREENSHOT=${APIDOCS_SCREENSHOT:-$RUN_DIR/apidocs/docs-page.png}
mkdir -p "$LOG_DIR" "$(dirname "$SCREENSHOT")"

auction_install_apidocs
if ! command -v chromium >/dev/null 2>&1; then
  log "installing chromium (browser test of /docs)"
  _auction_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
fi

status=0
step() {
  local name=$1
  shift
  log "apidocs: $name"
  if "$@"; then
    log "apidocs: $name: ok"
  else
    log "apidocs: $name: FAILED"
    status=1
  fi
}

step "redocly lint" bash -c \
  "cd '$TOOLS' && node_modules/.bin/redocly lint --config redocly.yaml ../../docs/openapi.json"
step "contract checker self-test" bash -c "cd '$TOOLS' && node --test contract.test.mjs"
if [[ -n ${AUCTION_CONTRACT_DIR:-} ]]; then
  step "contract check of $AUCTION_CONTRACT_DIR/http.jsonl" node "$TOOLS/contract.mjs" "$AUCTION_CONTRACT_DIR"
else
  log "apidocs: AUCTION_CONTRACT_DIR not set: no recorded exchanges to check"
fi

# The API under test, on a free port, with the caller's environment (or the local one).
if [[ ! -x $API_BIN ]]; then
  log "apidocs: $API_BIN not built"
  exit 1
fi
if [[ -z ${POSTGRES_HOST:-} ]]; then
  auction_env_file
  set -a
  # shellcheck disable=SC1091
  . "$RUN_DIR/auction.env"
  set +a
fi
# A port the kernel just handed out and released: free unless something grabs it in the next instant.
port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => {
  console.log(s.address().port); s.close(); })')
api_log="$LOG_DIR/apidocs-api.log"
log "apidocs: starting $API_BIN on 127.0.0.1:$port (log $api_log)"
PORT=$port SHUTDOWN_DRAIN=0 "$API_BIN" >"$api_log" 2>&1 </dev/null &
api_pid=$!
stop_api() {
  if kill -0 "$api_pid" 2>/dev/null; then
    kill -TERM "$api_pid" 2>/dev/null || true
    wait "$api_pid" 2>/dev/null || true
  fi
}
trap stop_api EXIT
auction_wait_http "http://127.0.0.1:$port/healthz" "$api_pid" "$api_log" || exit 1
step "browser test of /docs" node "$TOOLS/docs-page.test.mjs" "http://127.0.0.1:$port" "$SCREENSHOT"
stop_api
trap - EXIT
if ((status != 0)); then
  log "apidocs: FAILED"
else
  log "apidocs: all checks passed"
fi
exit "$status"
