#!/usr/bin/env bash
# Worker drain benchmark, measured side by side with its two limits in one run.
#
#   bench/worker_bench.sh
#
# 1. Publishes BENCH_EVENTS bid.placed.v1 events (over BENCH_BID_ITEMS items) to auction.bid with no worker
#    running, starts BENCH_REPLICAS auction-worker processes and times the drain (until every event is
#    recorded in processed_bid_events). Reports events/s and each worker's peak RSS.
# 2. RabbitMQ's own limit: the same number of the same messages, consumed and acked by BENCH_REPLICAS
#    plain consumers with the same prefetch and no other work (bench/bid_flood.cpp consume).
# 3. PostgreSQL's one-commit-per-event limit: pgbench running the per-event transaction
#    (bench/pgbench_bid_placed.sql) with as many clients as the workers have messages in flight
#    (replicas x prefetch), for BENCH_PG_DURATION seconds.
# Uses its own database and RabbitMQ vhost (auction_bench_worker), loopback only, bounded in time.
#
# Environment: BENCH_EVENTS (100000), BENCH_BID_ITEMS (1000), BENCH_REPLICAS (3), BENCH_PREFETCH (10),
# BENCH_POOL (20), BENCH_PG_DURATION (15), BENCH_TIMEOUT (600 s for one drain), BENCH_SKIP_BUILD=1.
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=../scripts/lib.sh
. "$BENCH_DIR/../scripts/lib.sh"

EVENTS=${BENCH_EVENTS:-100000}
ITEMS=${BENCH_BID_ITEMS:-1000}
REPLICAS=${BENCH_REPLICAS:-3}
PREFETCH=${BENCH_PREFETCH:-10}
POOL=${BENCH_POOL:-20}
PG_DURATION=${BENCH_PG_DURATION:-15}
TIMEOUT=${BENCH_TIMEOUT:-600}
DB=auction_bench_worker
VHOST=auction_bench_worker
TMP=$(mktemp -d /tmp/worker_bench.XXXXXX)
WORKER_PIDS=()

cleanup() {
  for pid in "${WORKER_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${WORKER_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT

if [[ ${BENCH_SKIP_BUILD:-0} != 1 ]]; then
  auction_install_deps
  auction_build RelWithDebInfo
fi
auction_start_postgres
auction_start_rabbitmq
auction_reset_database "$DB"
auction_rabbitmq_vhost "$VHOST"

export POSTGRES_HOST=127.0.0.1 POSTGRES_PORT=5433 POSTGRES_DATABASE=$DB POSTGRES_USERNAME=postgres \
  POSTGRES_PASSWORD=postgres RABBITMQ_URL=amqp://guest:guest@127.0.0.1:5672/$VHOST SERVICE_NAME=auction-bench \
  LOG_LEVEL=warn PREFETCH_COUNT=$PREFETCH WORKER_POOL_SIZE=$POOL
psql_bench() { psql -h 127.0.0.1 -p 5433 -U postgres -d "$DB" -v ON_ERROR_STOP=1 -qAtX "$@"; }

# Migrations: one worker start applies them; it exits on SIGTERM once started.
"$ROOT/build/auction-worker" > "$TMP/migrate.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do grep -q "started successfully" "$TMP/migrate.log" && break; sleep 0.1; done
kill -TERM "$pid"; wait "$pid" || true

psql_bench <<SQL
INSERT INTO items (id, name, seller_id, currency_code, start_price, current_price, bid_increment, start_date, end_date)
SELECT gen_random_uuid(), 'Bench lot ' || g, 'bench-seller', 'USD', 100, 100, 1, now(), now() + interval '7 days'
FROM generate_series(1, $ITEMS) g;
CREATE TABLE bench_bid_items AS SELECT row_number() OVER (ORDER BY id) AS n, id FROM items;
CREATE UNIQUE INDEX ON bench_bid_items (n);
ANALYZE;
SQL
psql_bench -c "SELECT id FROM items" > "$TMP/items.txt"

queue_depth() {
  rabbitmqctl -q list_queues -p "$VHOST" name messages 2>/dev/null | awk '$1 == "auction.bid.all.v1" {print $2}'
}
now_ms() { date +%s%3N; }

# --- 2. RabbitMQ's own consume-and-ack rate -------------------------------------------------------
log "publishing $EVENTS events for the raw consumers"
"$ROOT/build/bench/bid_flood" publish "$EVENTS" "$TMP/items.txt"
start=$(now_ms)
consumer_pids=()
for _ in $(seq 1 "$REPLICAS"); do
  "$ROOT/build/bench/bid_flood" consume "$EVENTS" > /dev/null &
  consumer_pids+=($!)
done
for pid in "${consumer_pids[@]}"; do wait "$pid"; done
raw_ms=$(( $(now_ms) - start - 5000 ))  # each consumer waits 5 s on an empty queue before it exits
raw_rate=$(awk -v n="$EVENTS" -v ms="$raw_ms" 'BEGIN { printf "%.0f", n * 1000 / ms }')
log "RabbitMQ consume+ack: $EVENTS in ${raw_ms} ms = $raw_rate/s (left in queue: $(queue_depth))"

# --- 1. The worker drain ------------------------------------------------------------------------------
log "publishing $EVENTS events to a stopped worker set"
"$ROOT/build/bench/bid_flood" publish "$EVENTS" "$TMP/items.txt"
log "queue depth before start: $(queue_depth)"
cpu_before=$(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $5 + $6}' /proc/stat)
start=$(now_ms)
for n in $(seq 1 "$REPLICAS"); do
  WORKER_ID=$n LOG_LEVEL=info "$ROOT/build/auction-worker" > "$TMP/worker-$n.log" 2>&1 &
  WORKER_PIDS+=($!)
done
deadline=$(( $(date +%s) + TIMEOUT ))
while :; do
  done_count=$(psql_bench -c "SELECT count(*) FROM processed_bid_events")
  ((done_count >= EVENTS)) && break
  if (( $(date +%s) > deadline )); then log "ERROR: drain timed out at $done_count/$EVENTS"; exit 1; fi
  sleep 0.2
done
drain_ms=$(( $(now_ms) - start ))
cpu_after=$(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $5 + $6}' /proc/stat)
cpu_busy=$(awk -v a="$cpu_before" -v b="$cpu_after" 'BEGIN { split(a, x, " "); split(b, y, " ");
  printf "%.0f", 100 * (y[1] - x[1]) / ((y[1] - x[1]) + (y[2] - x[2])) }')
rss=()
for pid in "${WORKER_PIDS[@]}"; do
  rss+=("$(awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$pid/status") MiB")
done
for pid in "${WORKER_PIDS[@]}"; do kill -TERM "$pid"; done
for pid in "${WORKER_PIDS[@]}"; do wait "$pid" || true; done
WORKER_PIDS=()
batches=$(cat "$TMP"/worker-*.log | grep -o '"batches":[0-9]*' | awk -F: '{s += $2} END {print s}')
drain_rate=$(awk -v n="$EVENTS" -v ms="$drain_ms" 'BEGIN { printf "%.0f", n * 1000 / ms }')
dead=$(rabbitmqctl -q list_queues -p "$VHOST" name messages | awk '$1 == "auction.bid.all.v1.dlq" {print $2}')
log "worker drain: $EVENTS in ${drain_ms} ms = $drain_rate/s, dead-lettered: $dead"

# --- 3. PostgreSQL, one commit per event -------------------------------------------------------------
clients=$((REPLICAS * PREFETCH))
pg_out=$(pgbench -h 127.0.0.1 -p 5433 -U postgres -n -M prepared -c "$clients" -j 2 -T "$PG_DURATION" \
  -D items="$ITEMS" -f "$BENCH_DIR/pgbench_bid_placed.sql" "$DB" 2>&1)
pg_tps=$(awk '/^tps/ {printf "%.0f", $3}' <<< "$pg_out")
log "pgbench per-event transaction, $clients clients: $pg_tps tps"

printf '\n%-38s %12s\n' "measure" "events/s"
printf '%-38s %12s\n' "worker drain ($REPLICAS replicas)" "$drain_rate"
printf '%-38s %12s\n' "RabbitMQ consume+ack ($REPLICAS consumers)" "$raw_rate"
printf '%-38s %12s\n' "pgbench per-event tx ($clients clients)" "$pg_tps"
printf '\nratio to RabbitMQ: %s   ratio to pgbench one-commit-per-event: %s\n' \
  "$(awk -v a="$drain_rate" -v b="$raw_rate" 'BEGIN { printf "%.2f", a / b }')" \
  "$(awk -v a="$drain_rate" -v b="$pg_tps" 'BEGIN { printf "%.2f", a / b }')"
printf 'worker peak RSS: %s\n' "${rss[*]}"
printf 'batches: %s (%.1f events per transaction)\n' "$batches" "$(awk -v n="$EVENTS" -v b="$batches" 'BEGIN { print n / b }')"
printf 'dead-lettered: %s (must be 0)\n' "${dead:-0}"
printf 'machine CPU busy during the drain: %s%% of both cores\n' "$cpu_busy"
