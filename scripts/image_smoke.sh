#!/usr/bin/env bash
# Runs auction-api and one auction-worker from a built image (scripts/image_check.sh builds it) with
# `buildah run --isolation chroot` on the host network, with the environment docker-compose.yaml gives
# them, against the local PostgreSQL, RabbitMQ and S3 server, and checks what a container user sees:
#
#   scripts/image_smoke.sh [IMAGE]      (default localhost/auction:image-check)
#
# Overrides of the compose environment (its host names and ports mapped to the local services):
#   POSTGRES_HOST=127.0.0.1  POSTGRES_PORT=5433  POSTGRES_DATABASE=auction_image (a database of its own)
#   RABBITMQ_URL=amqp://guest:guest@127.0.0.1:5672/auction_image (a vhost of its own)
#   AWS_ENDPOINT=http://127.0.0.1:9000, AWS_ACCESS_KEY/AWS_SECRET_KEY/AWS_BUCKET from .run/auction.env
#   PORT=18080 (API), HEALTH_PORT=18090 (worker): the host network is shared, so not the defaults
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

IMAGE=${1:-localhost/auction:image-check}
NAME=auction_image
API=http://127.0.0.1:18080
WORKER=http://127.0.0.1:18090
MGMT=http://127.0.0.1:$AUCTION_RABBIT_UI_PORT/api
QUEUE="image-check.item-created"
failures=0
ok() { log "ok: $*"; }
fail() { log "FAIL: $*"; failures=$((failures + 1)); }

# The `environment:` compose gives SERVICE (anchors and merges resolved), with the overrides above.
compose_env() {
  python3 - "$ROOT/docker-compose.yaml" "$1" <<'EOF'
import sys, yaml
for k, v in (yaml.safe_load(open(sys.argv[1]))["services"][sys.argv[2]].get("environment") or {}).items():
    print(f"{k}={v}")
EOF
  printf '%s\n' POSTGRES_HOST=127.0.0.1 POSTGRES_PORT="$AUCTION_PG_PORT" POSTGRES_DATABASE=$NAME \
    "RABBITMQ_URL=amqp://guest:guest@127.0.0.1:$AUCTION_AMQP_PORT/$NAME" \
    AWS_ENDPOINT="http://127.0.0.1:$AUCTION_S3_PORT" AWS_ACCESS_KEY="$(auction_env_get AWS_ACCESS_KEY)" \
    AWS_SECRET_KEY="$(auction_env_get AWS_SECRET_KEY)" AWS_BUCKET="$(auction_env_get AWS_BUCKET)" \
    PORT=18080 HEALTH_PORT=18090
}

# The pid of the process named COMM below process ROOT (buildah run starts it through its own helpers).
descendant() {
  ps -e -o pid=,ppid=,comm= | awk -v root="$1" -v name="$2" '
    { parent[$1] = $2; comm[$1] = $3 }
    END { for (p in comm) if (comm[p] == name) { q = p; while (q in parent && q != root && q > 1) q = parent[q]; if (q == root) print p } }'
}

declare -A CTR PID RUNNER ENVS
# start SERVICE PROGRAM: a working container of IMAGE, running the image's ENTRYPOINT with PROGRAM as
# compose's `command:` (as `docker run` would), in the background; log .run/logs/image-PROGRAM.log.
start() {
  local service=$1 program=$2 entry envs=() line deadline=$((SECONDS + 20))
  buildah rm "image-check-$program" >/dev/null 2>&1 || true
  CTR[$program]=$(buildah from --pull=never --name "image-check-$program" "$IMAGE")
  while IFS= read -r line; do envs+=(--env "$line"); done < <(compose_env "$service")
  read -r -a entry <<<"$(buildah inspect --type image --format '{{range .OCIv1.Config.Entrypoint}}{{.}} {{end}}' "$IMAGE")"
  ENVS[$program]=$(printf '%q ' "${envs[@]}")
  buildah run --isolation chroot --network host "${envs[@]}" "${CTR[$program]}" -- "${entry[@]}" "$program" \
    >"$LOG_DIR/image-$program.log" 2>&1 &
  RUNNER[$program]=$!
  until PID[$program]=$(descendant "${RUNNER[$program]}" "$program") && [[ -n ${PID[$program]} ]]; do
    if ((SECONDS >= deadline)) || ! kill -0 "${RUNNER[$program]}" 2>/dev/null; then
      tail -n 20 "$LOG_DIR/image-$program.log" >&2
      fail "$program did not start from $IMAGE"
      return 1
    fi
    sleep 0.2
  done
  log "$program runs from $IMAGE (pid ${PID[$program]}, log $LOG_DIR/image-$program.log)"
}

# stop PROGRAM: SIGTERM to the program itself; it must exit 0 (buildah run passes its status on).
stop() {
  local program=$1 rc=0
  [[ -n ${RUNNER[$program]:-} ]] || return 0
  kill -TERM "${PID[$program]}" 2>/dev/null || true
  timeout 45 tail --pid="${RUNNER[$program]}" -f /dev/null || kill -KILL "${PID[$program]}" 2>/dev/null || true
  wait "${RUNNER[$program]}" || rc=$?
  unset "RUNNER[$program]"
  if ((rc == 0)); then ok "$program stopped on SIGTERM with exit status 0"; else fail "$program exited $rc on SIGTERM"; fi
}

cleanup() {
  stop auction-api || true
  stop auction-worker || true
  curl -s -o /dev/null -u guest:guest -X DELETE "$MGMT/queues/$NAME/$QUEUE" || true
  local c
  for c in "${CTR[@]}"; do buildah rm "$c" >/dev/null 2>&1 || true; done
}

# uid PROGRAM: the program runs as the image's user (uid 10001), not root.
check_uid() {
  local uid
  uid=$(awk '/^Uid:/ { print $2 }' "/proc/${PID[$1]}/status")
  if [[ $uid == 10001 ]]; then ok "$1 runs as uid 10001 (auction)"; else fail "$1 runs as uid $uid, not 10001"; fi
}

# healthcheck PROGRAM: the image's HEALTHCHECK command, in the program's container and environment.
healthcheck() {
  local test envs
  test=$(buildah inspect --type image \
    --format '{{with .Docker.Config.Healthcheck}}{{range .Test}}{{.}} {{end}}{{end}}' "$IMAGE")
  test=${test% }
  [[ $test == "CMD "* ]] || { fail "the image has no HEALTHCHECK CMD (${test:-none})"; return 0; }
  eval "envs=(${ENVS[$1]})"
  # shellcheck disable=SC2154,SC2086 # envs is set by eval; the test's words split on purpose.
  if buildah run --isolation chroot --network host "${envs[@]}" "${CTR[$1]}" -- ${test#CMD } >/dev/null 2>&1; then
    ok "HEALTHCHECK (${test#CMD }) succeeds for $1"
  else
    fail "HEALTHCHECK (${test#CMD }) fails for $1"
  fi
}

# expect CODE DESCRIPTION CURL_ARGS...: the response body goes to $TMP/body.
expect() {
  local want=$1 what=$2 code
  shift 2
  code=$(curl -sS -o "$TMP/body" -w '%{http_code}' --max-time 10 "$@" || true)
  if [[ $code == "$want" ]]; then ok "$what: $code"; else fail "$what: $code, expected $want ($(head -c 300 "$TMP/body"))"; return 1; fi
}

json() {
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$TMP/body" "$1"
}

mgmt() {
  curl -fsS -u guest:guest -H 'content-type: application/json' --max-time 10 "$@"
}

TMP=$(mktemp -d /tmp/image_smoke.XXXXXX)
trap 'cleanup; rm -rf "$TMP"' EXIT
auction_reset_database $NAME
auction_rabbitmq_vhost $NAME
start auction-api auction-api
auction_wait_http "$API/readyz" "${RUNNER[auction-api]}" "$LOG_DIR/image-auction-api.log" 60 || fail "API /readyz"
expect 200 "API GET /readyz" "$API/readyz" || true
start auction-worker auction-worker
auction_wait_http "$WORKER/readyz" "${RUNNER[auction-worker]}" "$LOG_DIR/image-auction-worker.log" 60 ||
  fail "worker /readyz"
check_uid auction-api
check_uid auction-worker
healthcheck auction-api
healthcheck auction-worker

# A queue of our own on auction.item, bound before the item is created (the exchange declared as the API
# declares it, in case its relay has not yet).
mgmt -o /dev/null -X PUT -d '{"type":"topic","durable":true}' "$MGMT/exchanges/$NAME/auction.item"
mgmt -o /dev/null -X PUT -d '{"durable":false,"auto_delete":false}' "$MGMT/queues/$NAME/$QUEUE"
mgmt -o /dev/null -X POST -d '{"routing_key":"item.created.v1"}' "$MGMT/bindings/$NAME/e/auction.item/q/$QUEUE"

user=$(cat /proc/sys/kernel/random/uuid)
start_date=$(date -u -d '-1 minute' +%FT%TZ)
end_date=$(date -u -d '+1 day' +%FT%TZ)
expect 201 "POST /api/v1/items" -H "X-User-ID: $user" -H 'content-type: application/json' -d \
  "{\"name\":\"image check\",\"description\":\"from the image\",\"currencyCode\":\"USD\",\"startPrice\":\"100.00\",\"bidIncrement\":\"1.00\",\"startDate\":\"$start_date\",\"endDate\":\"$end_date\"}" \
  "$API/api/v1/items"
item=$(json id)
expect 200 "GET /api/v1/items/$item" "$API/api/v1/items/$item" || true
if expect 200 "GET /api/v1/items?sellerId=$user" "$API/api/v1/items?sellerId=$user&status=active"; then
  [[ $(json total) == 1 ]] || fail "the seller's list holds $(json total) items, not 1"
fi

deadline=$((SECONDS + 20))
until mgmt -X POST -d '{"count":10,"ackmode":"ack_requeue_false","encoding":"auto"}' \
  "$MGMT/queues/$NAME/$QUEUE/get" | grep -q "$item"; do
  ((SECONDS < deadline)) || { fail "no item.created.v1 for $item on auction.item within 20 s"; break; }
  sleep 0.5
done
((SECONDS >= deadline)) || ok "item.created.v1 for $item arrived on auction.item"

# A 1x1 PNG.
base64 -d >"$TMP/pixel.png" <<<'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=='
if expect 201 "POST /api/v1/items/$item/images" -H "X-User-ID: $user" -F "image=@$TMP/pixel.png" \
  "$API/api/v1/items/$item/images"; then
  image=$(json id)
  url=$(json imageUrl)
  if curl -fsS --max-time 10 "$url" | cmp -s - "$TMP/pixel.png"; then ok "the PNG is in S3 at $url"; else fail "$url does not serve the PNG"; fi
  expect 204 "DELETE /api/v1/items/$item/images/$image" -X DELETE -H "X-User-ID: $user" \
    "$API/api/v1/items/$item/images/$image" || true
fi

# A bid.placed.v1 as the bid service publishes it; the worker from the image raises currentPrice.
bid=$(python3 -c 'import json, sys, uuid
body = {"event": "bid.placed", "version": "v1", "timestamp": sys.argv[2], "payload": {"bidId": str(uuid.uuid4()),
        "itemId": sys.argv[1], "userId": str(uuid.uuid4()), "amount": "150.00", "currencyCode": "USD"}}
print(json.dumps({"routing_key": "bid.placed.v1", "payload": json.dumps(body), "payload_encoding": "string",
       "properties": {"content_type": "application/json", "delivery_mode": 2, "message_id": str(uuid.uuid4()),
                      "type": "bid.placed.v1"}}))' "$item" "$(date -u +%FT%TZ)")
mgmt -o /dev/null -X POST -d "$bid" "$MGMT/exchanges/$NAME/auction.bid/publish"
deadline=$((SECONDS + 20))
until curl -fsS --max-time 5 "$API/api/v1/items/$item" | grep -q '"currentPrice":"150.00"'; do
  ((SECONDS < deadline)) || { fail "the worker did not apply bid.placed.v1 (currentPrice not 150.00 after 20 s)"; break; }
  sleep 0.5
done
((SECONDS >= deadline)) || ok "the worker applied bid.placed.v1: currentPrice 100.00 -> 150.00"

expect 204 "DELETE /api/v1/items/$item" -X DELETE -H "X-User-ID: $user" "$API/api/v1/items/$item" || true
expect 404 "GET /api/v1/items/$item after the delete" "$API/api/v1/items/$item" || true

stop auction-worker
stop auction-api
if ((failures)); then
  log "image smoke test: $failures failure(s); logs $LOG_DIR/image-auction-*.log"
  exit 1
fi
log "image smoke test passed"
