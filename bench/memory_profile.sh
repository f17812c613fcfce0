#!/usr/bin/env bash
# Where the programs' memory goes, under the loads of docs/PERFORMANCE.md's summary, with the programs configured as
# scripts/run.sh runs them (request log at info; only the port, database, vhost and service name differ):
#
#   bench/memory_profile.sh
#
# 1. auction-api: loads BENCH_ITEMS items (bench/load_items.sql), then GET /api/v1/items/:id with ids drawn at random
#    from them (wrk -t1 -c BENCH_CONNECTIONS, BENCH_DURATION s; the item cache ends up holding them all). Prints the
#    peak RSS (VmHWM) after start and after the load, and bench/smaps_summary.py's breakdown of /proc/PID/smaps at
#    the end of the load: shared libraries and the program, malloc arenas, thread stacks, other mappings. Then, on
#    the same process, POST /api/v1/items (wrk -t1 -c BENCH_POST_CONNECTIONS, BENCH_DURATION s), the peak after it
#    and the breakdown again.
# 2. auction-worker: BENCH_EVENTS bid.placed.v1 events (bench/bid_flood) drained by 3 replicas (PREFETCH_COUNT 10,
#    WORKER_POOL_SIZE 20); prints each replica's peak RSS and the breakdown of the first one's smaps after the drain.
#
# Needs a build (build/auction-api, build/auction-worker, build/bench/bid_flood; BENCH_BIN_DIR for another
# directory) and PostgreSQL and RabbitMQ, started here if they do not run. Uses the database and vhost BENCH_DB
# (auction_memory; the worker's: BENCH_DB_worker), recreated, the API on BENCH_PORT (18181) and the workers' health
# ports from BENCH_HEALTH_PORT (18191). About a minute. Environment: BENCH_ITEMS (10000), BENCH_CONNECTIONS (64),
# BENCH_POST_CONNECTIONS (32), BENCH_DURATION (10), BENCH_EVENTS (30000), BENCH_SKIP_API=1, BENCH_SKIP_WORKER=1.
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=../scripts/lib.sh
. "$BENCH_DIR/../scripts/lib.sh"

ITEMS=${BENCH_ITEMS:-10000}
CONNS=${BENCH_CONNECTIONS:-64}
POST_CONNS=${BENCH_POST_CONNECTIONS:-32}
DURATION=${BENCH_DURATION:-10}
EVENTS=${BENCH_EVENTS:-30000}
PORT=${BENCH_PORT:-18181}
HEALTH_BASE=${BENCH_HEALTH_PORT:-18191}
DB=${BENCH_DB:-auction_memory}
BIN_DIR=${BENCH_BIN_DIR:-$ROOT/build}
auction_positive_ints ITEMS CONNS POST_CONNS DURATION EVENTS PORT HEALTH_BASE
for b in auction-api auction-worker bench/bid_flood; do
  [[ -x $BIN_DIR/$b ]] || { log "ERROR: $BIN_DIR/$b missing (cmake --preset default && cmake --build --preset default)"; exit 1; }
done
command -v wrk >/dev/null || { log "ERROR: wrk missing (Debian package wrk)"; exit 1; }

TMP=$(mktemp -d /tmp/memory_profile.XXXXXX)
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT

_auction_port_open 127.0.0.1 "$AUCTION_PG_PORT" || auction_start_postgres
_auction_port_open 127.0.0.1 "$AUCTION_AMQP_PORT" || auction_start_rabbitmq
psql_db() { _auction_psql -d "$1" "${@:2}"; }
rss() { awk -v k="$2:" '$1 == k { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

if [[ ${BENCH_SKIP_API:-0} != 1 ]]; then
  auction_reset_database "$DB"
  auction_rabbitmq_vhost "$DB"
  (
    auction_program_env --vhost "$DB" PORT="$PORT" POSTGRES_DATABASE="$DB" SERVICE_NAME=auction-memory LOG_LEVEL=info
    exec "$BIN_DIR/auction-api" >"$TMP/api.log" 2>&1 </dev/null
  ) &
  api=$!
  PIDS+=("$api")
  auction_wait_http "http://127.0.0.1:$PORT/healthz" "$api" "$TMP/api.log" || exit 1
  psql_db "$DB" -v items="$ITEMS" -f "$BENCH_DIR/load_items.sql" >/dev/null
  psql_db "$DB" -c "VACUUM ANALYZE items" >/dev/null
  psql_db "$DB" -tAc "SELECT id FROM bench_ids ORDER BY n" >"$TMP/ids.txt"
  idle=$(rss "$api" VmHWM)
  log "auction-api: $ITEMS items loaded; GET load, wrk -t1 -c$CONNS -d${DURATION}s"
  wrk -t1 -c"$CONNS" -d"${DURATION}s" --timeout 10s -s "$BENCH_DIR/get_item.lua" "http://127.0.0.1:$PORT" \
    -- "$TMP/ids.txt" >"$TMP/wrk.out" 2>&1 || { cat "$TMP/wrk.out" >&2; exit 1; }
  peak=$(rss "$api" VmHWM)
  cp "/proc/$api/smaps" "$TMP/api.smaps"
  entries=$(curl -fsS "http://127.0.0.1:$PORT/metrics" | awk '$1 == "auction_item_cache_entries" { print $2 }')
  cache=$(curl -fsS "http://127.0.0.1:$PORT/metrics" | awk '$1 == "auction_item_cache_bytes" { print $2 }')
  echo
  echo "auction-api: peak RSS $idle MiB after start and data load, $peak MiB after the GET load" \
    "($(grep -o 'rps=[0-9.]*' "$TMP/wrk.out"), $(grep -o 'bad_status=[0-9]*' "$TMP/wrk.out")); item cache: $entries entries, $cache bytes counted"
  python3 "$BENCH_DIR/smaps_summary.py" "$TMP/api.smaps"
  # Then the write load on the same process (a replica serves both): what it adds to the peak, and where.
  log "auction-api: POST load after the GET load, wrk -t1 -c$POST_CONNS -d${DURATION}s"
  wrk -t1 -c"$POST_CONNS" -d"${DURATION}s" --timeout 10s -s "$BENCH_DIR/create_item.lua" \
    "http://127.0.0.1:$PORT/api/v1/items" >"$TMP/wrk-post.out" 2>&1 || { cat "$TMP/wrk-post.out" >&2; exit 1; }
  post_peak=$(rss "$api" VmHWM)
  cp "/proc/$api/smaps" "$TMP/api-post.smaps"
  echo
  echo "auction-api: peak RSS $post_peak MiB after the POST load that followed" \
    "($(grep -o 'rps=[0-9.]*' "$TMP/wrk-post.out"), $(grep -o 'bad_status=[0-9]*' "$TMP/wrk-post.out"))"
  if grep '^BAD' "$TMP/wrk-post.out"; then
    log "ERROR: the POST load got answers other than 201"
    exit 1
  fi
  python3 "$BENCH_DIR/smaps_summary.py" "$TMP/api-post.smaps"
  printf 'RESULT program=api idle_peak_rss_mib=%s peak_rss_mib=%s post_peak_rss_mib=%s cache_entries=%s cache_bytes=%s\n' \
    "$idle" "$peak" "$post_peak" "$entries" "$cache"
  kill -TERM "$api"
  kill -TERM "$api"  # the second signal cuts SHUTDOWN_DRAIN short
  wait "$api" || true
  PIDS=()
fi

if [[ ${BENCH_SKIP_WORKER:-0} != 1 ]]; then
  wdb=${DB}_worker
  auction_reset_database "$wdb"
  auction_rabbitmq_vhost "$wdb"
  auction_program_env --vhost "$wdb" POSTGRES_DATABASE="$wdb" SERVICE_NAME=auction-memory LOG_LEVEL=info \
    PREFETCH_COUNT=10 WORKER_POOL_SIZE=20
  HEALTH_PORT=0 "$BIN_DIR/auction-worker" >"$TMP/migrate.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do grep -q "started successfully" "$TMP/migrate.log" && break; sleep 0.1; done
  kill -TERM "$pid"
  wait "$pid" || true
  psql_db "$wdb" -c "INSERT INTO items (id, name, seller_id, currency_code, start_price, current_price, bid_increment,
    start_date, end_date) SELECT gen_random_uuid(), 'Lot ' || g, 'seller', 'USD', 100, 100, 1, now() - interval '1 hour',
    now() + interval '7 days' FROM generate_series(1, 100000) g" -c ANALYZE >/dev/null
  psql_db "$wdb" -tAc "SELECT id FROM items" >"$TMP/items.txt"
  "$BIN_DIR/bench/bid_flood" publish "$EVENTS" "$TMP/items.txt"
  log "auction-worker: 3 replicas draining $EVENTS events"
  for n in 1 2 3; do
    WORKER_ID=$n HEALTH_PORT=$((HEALTH_BASE + n - 1)) "$BIN_DIR/auction-worker" >"$TMP/worker-$n.log" 2>&1 &
    PIDS+=($!)
  done
  start=$SECONDS
  until (($(psql_db "$wdb" -tAc "SELECT count(*) FROM processed_bid_events") >= EVENTS)); do
    ((SECONDS - start < 300)) || { log "ERROR: the drain did not finish in 300 s"; exit 1; }
    sleep 0.5
  done
  peaks=()
  for pid in "${PIDS[@]}"; do peaks+=("$(rss "$pid" VmHWM)"); done
  cp "/proc/${PIDS[0]}/smaps" "$TMP/worker.smaps"
  echo
  echo "auction-worker: peak RSS $(IFS=/; echo "${peaks[*]}") MiB (3 replicas, $EVENTS events drained in" \
    "$((SECONDS - start)) s); the first replica after the drain:"
  python3 "$BENCH_DIR/smaps_summary.py" "$TMP/worker.smaps"
  printf 'RESULT program=worker peak_rss_mib=%s\n' "$(IFS=/; echo "${peaks[*]}")"
fi
