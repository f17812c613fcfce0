#!/usr/bin/env bash
# CI check of the event contract, docs/asyncapi.yaml (AsyncAPI 3.0):
#   1. installs the pinned tools when missing (npm ci in tools/asyncapi);
#   2. validates the document with @asyncapi/parser and its Spectral ruleset (zero errors and warnings), and
#      its message examples against their payload schemas (tools/asyncapi/validate.mjs);
#   3. proves the event check can fail (tools/asyncapi/events.selftest.mjs: deliberately wrong events must be
#      refused; the document's currency list must be domain/money.cpp's);
#   4. when AUCTION_CONTRACT_DIR is set and holds events.jsonl (the integration tests record every event
#      they receive or publish there), checks each recorded event against the document
#      (tools/asyncapi/events.mjs): known routing key on its exchange, body valid against the payload
#      schema, content type, message_id and the other AMQP properties.
# Exits non-zero when any step fails.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ASYNCAPI_TOOL="$ROOT/tools/asyncapi"

# npm ci when node_modules is missing or older than the lock file (same rule as tools/s3rver).
auction_install_asyncapi_tools() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    auction_install_deps
  fi
  local stamp="$ASYNCAPI_TOOL/node_modules/.package-lock.json"
  if [[ -f $stamp && ! $ASYNCAPI_TOOL/package-lock.json -nt $stamp ]]; then
    return 0
  fi
  mkdir -p "$LOG_DIR"
  log "installing the AsyncAPI tools (npm ci in tools/asyncapi, log $LOG_DIR/npm-asyncapi.log)"
  if ! (cd "$ASYNCAPI_TOOL" && npm ci --no-audit --no-fund) >"$LOG_DIR/npm-asyncapi.log" 2>&1; then
    tail -n 30 "$LOG_DIR/npm-asyncapi.log" >&2
    _auction_die "npm ci failed in $ASYNCAPI_TOOL"
    return 1
  fi
}

auction_install_asyncapi_tools

status=0
step() {
  local name=$1
  shift
  log "asyncapi: $name"
  if "$@"; then
    log "asyncapi: $name: ok"
  else
    log "asyncapi: $name: FAILED"
    status=1
  fi
}

step "validate docs/asyncapi.yaml" node "$ASYNCAPI_TOOL/validate.mjs" "$ROOT/docs/asyncapi.yaml"
step "event check self-test" node "$ASYNCAPI_TOOL/events.selftest.mjs"
if [[ -n ${AUCTION_CONTRACT_DIR:-} && -f $AUCTION_CONTRACT_DIR/events.jsonl ]]; then
  step "recorded events of $AUCTION_CONTRACT_DIR/events.jsonl" \
    node "$ASYNCAPI_TOOL/events.mjs" "$AUCTION_CONTRACT_DIR/events.jsonl" --doc "$ROOT/docs/asyncapi.yaml"
elif [[ -n ${AUCTION_CONTRACT_DIR:-} ]]; then
  log "asyncapi: WARNING: $AUCTION_CONTRACT_DIR holds no events.jsonl (no test recorded an event): nothing to check"
else
  log "asyncapi: AUCTION_CONTRACT_DIR not set: no recorded events to check"
fi
exit "$status"
