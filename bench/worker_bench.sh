#!/usr/bin/env bash
# Worker drain benchmark, measured side by side with its two limits, for 1, 2 and 3 replicas, with the workers
# configured as scripts/run.sh runs them (request log at info, PREFETCH_COUNT 10, WORKER_POOL_SIZE 20).
#
#   bench/worker_bench.sh
#
# For every replica count R of BENCH_REPLICAS_SWEEP (default "1 2 3"; the design runs 3):
# 1. Publishes BENCH_EVENTS bid.placed.v1 events (over BENCH_BID_ITEMS items) to auction.bid with no worker
#    running, starts R auction-worker processes and times the drain (until every event is recorded in
#    processed_bid_events). Reports events/s and each worker's peak RSS.
# 2. RabbitMQ's own limit: the same number of the same messages, consumed and acked by R plain consumers
#    with the same prefetch and no other work (bench/bid_flood.cpp consume).
# 3. PostgreSQL's one-commit-per-event limit: pgbench running the per-event transaction
#    (bench/pgbench_bid_placed.sql), BENCH_PG_DURATION seconds at each client count of BENCH_PG_SWEEP; the
#    limit is the best of them.
# Every drain reports each worker's peak RSS and the workers' CPU microseconds per event.
# Item prices and processed_bid_events are reset before every replica count, so each one does the same
# work. Writes one row per replica count to bench/results/worker.dat and draws
# docs/images/worker_bench.png with gnuplot (bench/plot/worker.gp). About 2 minutes at the defaults on
# a quiet machine (BENCH_EVENTS=100000 BENCH_PG_DURATION=15 for the longer runs of docs/PERFORMANCE.md).
# Uses its own database and RabbitMQ vhost, loopback only, bounded in time; worker replica n serves its
# health endpoints on BENCH_HEALTH_PORT + n - 1 (so it never collides with a running worker's 8090+).
#
# Environment: BENCH_REPLICAS_SWEEP ("1 2 3"; BENCH_REPLICAS=N runs only N), BENCH_EVENTS (100000),
# BENCH_BID_ITEMS (100000), BENCH_PREFETCH (10), BENCH_POOL (20), BENCH_PG_DURATION (5),
# BENCH_PG_SWEEP ("1 2 4 8 16 32 64"), BENCH_TIMEOUT
# (600 s for one drain), BENCH_QUEUE_TYPE (quorum, the run configuration's default; or classic: the type of
# auction.bid.all.v1, which lives in a vhost of that type's own, so the type is never a leftover of an earlier run),
# BENCH_DB (auction_bench_worker; the vhost is BENCH_DB_BENCH_QUEUE_TYPE, BENCH_VHOST to differ),
# BENCH_HEALTH_PORT (18091), BENCH_BIN_DIR (build/: auction-worker and bench/bid_flood; a directory
# other than build/ is used as it is), BENCH_SKIP_BUILD=1, BENCH_RESULTS_DIR (bench/results),
# BENCH_PLOT_DIR (docs/images), BENCH_NO_PLOT=1.
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=../scripts/lib.sh
. "$BENCH_DIR/../scripts/lib.sh"

EVENTS=${BENCH_EVENTS:-100000}
ITEMS=${BENCH_BID_ITEMS:-100000}
PG_SWEEP=${BENCH_PG_SWEEP:-1 2 4 8 16 32 64}
SWEEP=${BENCH_REPLICAS:-${BENCH_REPLICAS_SWEEP:-1 2 3}}
PREFETCH=${BENCH_PREFETCH:-10}
POOL=${BENCH_POOL:-20}
PG_DURATION=${BENCH_PG_DURATION:-5}
TIMEOUT=${BENCH_TIMEOUT:-600}
DB=${BENCH_DB:-auction_bench_worker}
QUEUE_TYPE=${BENCH_QUEUE_TYPE:-quorum}
[[ $QUEUE_TYPE == quorum || $QUEUE_TYPE == classic ]] ||
  { log "ERROR: BENCH_QUEUE_TYPE must be quorum or classic (got '$QUEUE_TYPE')"; exit 2; }
VHOST=${BENCH_VHOST:-${DB}_$QUEUE_TYPE}
export RABBITMQ_QUEUE_TYPE=$QUEUE_TYPE
HEALTH_BASE=${BENCH_HEALTH_PORT:-18091}
BIN_DIR=${BENCH_BIN_DIR:-$ROOT/build}
RESULTS_DIR=${BENCH_RESULTS_DIR:-$BENCH_DIR/results}
PLOT_DIR=${BENCH_PLOT_DIR:-$ROOT/docs/images}
auction_positive_ints EVENTS ITEMS SWEEP PREFETCH POOL PG_DURATION TIMEOUT HEALTH_BASE
TMP=$(mktemp -d /tmp/worker_bench.XXXXXX)
WORKER_PIDS=()

cleanup() {
  auction_bench_workers_stop
  rm -rf "$TMP"
}
trap cleanup EXIT

[[ ${BENCH_NO_PLOT:-0} == 1 ]] || auction_apt_install gnuplot gnuplot-nox
auction_bench_worker_setup "$BIN_DIR" "$DB" "$VHOST" "$TMP" "$PREFETCH" "$POOL"
# bench_bid_items numbers the items for pgbench (its variables can only be numbers).
auction_bench_items "$ITEMS" "$TMP/items.txt" "CREATE TABLE bench_bid_items AS SELECT row_number() OVER (ORDER BY id) AS n, id FROM items;
CREATE UNIQUE INDEX ON bench_bid_items (n);"

queue_depth() {
  rabbitmqctl -q list_queues -p "$VHOST" name messages 2>/dev/null | awk '$1 == "auction.bid.all.v1" {print $2}'
}
dlq_depth() {
  rabbitmqctl -q list_queues -p "$VHOST" name messages 2>/dev/null | awk '$1 == "auction.bid.all.v1.dlq" {print $2}'
}
now_ms() { date +%s%3N; }

declare -A DRAIN RAW PGTPS RSS BATCHES DEAD CPU USPE PG_USPE RMQ_USPE
HZ=$(getconf CLK_TCK)
# CPU ticks of every process named $1 (postgres: the server of 5433 and its backends, which live as long as the
# workers' connections; beam.smp: RabbitMQ), for where the drain's CPU goes. Other clusters' processes on the
# machine are counted too, so run it on a machine without them for a clean split.
server_ticks() {
  local pid t=0
  for pid in $(pgrep -x "$1"); do t=$((t + $(auction_proc_ticks "$pid"))); done
  echo "$t"
}
# measure R: the three measurements with R replicas / consumers / R x prefetch pgbench clients.
measure() {
  local replicas=$1 start pid n
  # The same starting state for every replica count: list prices, no processed events, the dead row versions of the
  # last round vacuumed (as autovacuum would have by then), nothing left to write back.
  auction_bench_psql -c "TRUNCATE processed_bid_events" \
    -c "UPDATE items SET current_price = start_price WHERE current_price <> start_price" \
    -c "VACUUM items" -c "CHECKPOINT" >/dev/null

  # --- 2. RabbitMQ's own consume-and-ack rate -----------------------------------------------------
  log "[$replicas] publishing $EVENTS events for the raw consumers"
  "$FLOOD_BIN" publish "$EVENTS" "$TMP/items.txt"
  start=$(now_ms)
  local consumer_pids=() last_ms=0 got end
  for n in $(seq 1 "$replicas"); do
    ( "$FLOOD_BIN" consume "$EVENTS" > "$TMP/raw-$n.got"; now_ms > "$TMP/raw-$n.end" ) &
    consumer_pids+=($!)
  done
  for pid in "${consumer_pids[@]}"; do wait "$pid"; done
  # A consumer that took fewer than all the events stopped after 5 s without a delivery; one that took
  # all of them stopped at its last ack. The rate ends at the latest last ack.
  for n in $(seq 1 "$replicas"); do
    got=$(cat "$TMP/raw-$n.got")
    end=$(cat "$TMP/raw-$n.end")
    ((got >= EVENTS)) || end=$((end - 5000))
    ((end > last_ms)) && last_ms=$end
  done
  local raw_ms=$((last_ms - start))
  RAW[$replicas]=$(awk -v n="$EVENTS" -v ms="$raw_ms" 'BEGIN { printf "%.0f", n * 1000 / ms }')
  log "[$replicas] RabbitMQ consume+ack: $EVENTS in ${raw_ms} ms = ${RAW[$replicas]}/s (left in queue: $(queue_depth))"

  # --- 1. The worker drain ----------------------------------------------------------------------------
  log "[$replicas] publishing $EVENTS events to a stopped worker set"
  "$FLOOD_BIN" publish "$EVENTS" "$TMP/items.txt"
  log "[$replicas] queue depth before start: $(queue_depth)"
  local dead_before
  dead_before=$(dlq_depth)
  local pg_before rmq_before
  pg_before=$(server_ticks postgres)
  rmq_before=$(server_ticks beam.smp)
  auction_bench_drain "$replicas" "$EVENTS" "$HEALTH_BASE" "$TIMEOUT" "$TMP"
  CPU[$replicas]=$BUSY_PCT
  local rss=()
  for pid in "${WORKER_PIDS[@]}"; do
    rss+=("$(awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$pid/status")")
  done
  RSS[$replicas]=$(IFS=/; echo "${rss[*]}")
  local ticks=0
  for pid in "${WORKER_PIDS[@]}"; do ticks=$((ticks + $(auction_proc_ticks "$pid"))); done
  USPE[$replicas]=$(awk -v t="$ticks" -v hz="$HZ" -v n="$EVENTS" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
  PG_USPE[$replicas]=$(awk -v t="$(( $(server_ticks postgres) - pg_before ))" -v hz="$HZ" -v n="$EVENTS" \
    'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
  RMQ_USPE[$replicas]=$(awk -v t="$(( $(server_ticks beam.smp) - rmq_before ))" -v hz="$HZ" -v n="$EVENTS" \
    'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
  auction_bench_workers_stop
  BATCHES[$replicas]=$(cat "$TMP"/worker-"$replicas"-*.log | grep -o '"batches":[0-9]*' | awk -F: '{s += $2} END {print s + 0}')
  DRAIN[$replicas]=$(awk -v n="$EVENTS" -v ms="$DRAIN_MS" 'BEGIN { printf "%.0f", n * 1000 / ms }')
  DEAD[$replicas]=$(( $(dlq_depth) - ${dead_before:-0} ))
  log "[$replicas] worker drain: $EVENTS in ${DRAIN_MS} ms = ${DRAIN[$replicas]}/s, dead-lettered: ${DEAD[$replicas]}"
}

for r in $SWEEP; do
  measure "$r"
done

# --- 3. PostgreSQL, one commit per event: pgbench over a sweep of client counts; the best is the limit ----
PG_BEST=0
PG_BEST_AT=0
for c in $PG_SWEEP; do
  auction_bench_psql -c "TRUNCATE processed_bid_events" -c "CHECKPOINT" >/dev/null
  pg_out=$(pgbench -h 127.0.0.1 -p 5433 -U postgres -n -M prepared -c "$c" -j "$((c < 2 ? c : 2))" \
    -T "$PG_DURATION" -D items="$ITEMS" -f "$BENCH_DIR/pgbench_bid_placed.sql" "$DB" 2>&1)
  PGTPS[$c]=$(awk '/^tps/ {printf "%.0f", $3}' <<< "$pg_out")
  log "pgbench per-event transaction, $c clients: ${PGTPS[$c]} tps"
  if ((PGTPS[$c] > PG_BEST)); then PG_BEST=${PGTPS[$c]}; PG_BEST_AT=$c; fi
done

per_commit() { awk -v n="$EVENTS" -v b="$1" 'BEGIN { if (b > 0) printf "%.1f", n / b; else print "n/a" }'; }
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
stamp=$(date -u +%Y-%m-%dT%H:%M:%SZ)

printf '\nworker_bench %s  %s cores (%s); %s events over %s items; PREFETCH_COUNT=%s WORKER_POOL_SIZE=%s; %s queue\n' \
  "$stamp" "$(nproc)" "${cpu_model:-unknown CPU}" "$EVENTS" "$ITEMS" "$PREFETCH" "$POOL" "$QUEUE_TYPE"
printf 'limit: pgbench best %s tps at %s clients (sweep %s); RabbitMQ: raw consume+ack with as many consumers\n' \
  "$PG_BEST" "$PG_BEST_AT" "$PG_SWEEP"
printf '\n%8s %12s %14s %9s %9s %10s %11s %8s %16s\n' replicas "drain ev/s" "RabbitMQ ev/s" \
  "vs rmq" "vs pg" "ev/commit" "us CPU/ev" "CPU %" "peak RSS MiB"
dead_total=0
for r in $SWEEP; do
  printf '%8s %12s %14s %9s %9s %10s %11s %8s %16s\n' "$r" "${DRAIN[$r]}" "${RAW[$r]}" \
    "$(auction_ratio "${DRAIN[$r]}" "${RAW[$r]}")" "$(auction_ratio "${DRAIN[$r]}" "$PG_BEST")" "$(per_commit "${BATCHES[$r]}")" \
    "${USPE[$r]}" "${CPU[$r]}" "${RSS[$r]}"
  dead_total=$((dead_total + DEAD[$r]))
done
printf '\npgbench sweep (one commit per event):'
for c in $PG_SWEEP; do printf ' %s:%s' "$c" "${PGTPS[$c]}"; done
printf '\nCPU us per event during the drain, by process:'
for r in $SWEEP; do printf ' [%s] workers %s, PostgreSQL %s, RabbitMQ %s;' "$r" "${USPE[$r]}" "${PG_USPE[$r]}" "${RMQ_USPE[$r]}"; done
printf '\n(us CPU/ev = all workers together; CPU %% = machine busy during the drain, both cores;\n'
printf ' the machine is shared, so runs beside a build are noisy)\n'
printf 'dead-lettered: %s (must be 0)\n' "$dead_total"
for r in $SWEEP; do
  printf 'RESULT replicas=%s queue_type=%s drain_eps=%s rabbitmq_eps=%s pgbench_best_tps=%s events_per_commit=%s us_cpu_per_event=%s pg_us_cpu_per_event=%s rabbitmq_us_cpu_per_event=%s peak_rss_mib=%s cpu_busy=%s\n' \
    "$r" "$QUEUE_TYPE" "${DRAIN[$r]}" "${RAW[$r]}" "$PG_BEST" "$(per_commit "${BATCHES[$r]}")" "${USPE[$r]}" \
    "${PG_USPE[$r]}" "${RMQ_USPE[$r]}" "${RSS[$r]}" "${CPU[$r]}"
done

# --- Data file and picture ---------------------------------------------------------------------------
mkdir -p "$RESULTS_DIR"
DAT=$RESULTS_DIR/worker.dat
{
  echo "# bench/worker_bench.sh $stamp, $(nproc) cores (${cpu_model:-unknown CPU}), shared machine"
  echo "# $EVENTS bid.placed.v1 events over $ITEMS items, PREFETCH_COUNT=$PREFETCH WORKER_POOL_SIZE=$POOL, pgbench best of $PG_SWEEP clients, $PG_DURATION s each"
  printf '# replicas\tdrain_eps\trabbitmq_eps\tpgbench_tps\tevents_per_commit\tcpu_busy_pct\n'
  for r in $SWEEP; do
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "${DRAIN[$r]}" "${RAW[$r]}" "$PG_BEST" \
      "$(per_commit "${BATCHES[$r]}")" "${CPU[$r]}"
  done
} >"$DAT"
log "results: $DAT"
if [[ ${BENCH_NO_PLOT:-0} != 1 ]]; then
  mkdir -p "$PLOT_DIR"
  gnuplot -e "datafile='$DAT'; outfile='$PLOT_DIR/worker_bench.png'; stamp='$stamp'" \
    -e "load '$BENCH_DIR/plot/common.gp'" "$BENCH_DIR/plot/worker.gp"
  log "picture: $PLOT_DIR/worker_bench.png"
fi
((dead_total == 0)) || { log "ERROR: $dead_total events were dead-lettered"; exit 1; }
