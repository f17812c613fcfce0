#!/usr/bin/env bash
# Worker replicas benchmark (docs/DEPLOYMENT.md, "Connection budget"): drains the same bid.placed.v1 events with 1,
# 2, 3, 4 and 6 auction-worker replicas (the run configuration's workers: PREFETCH_COUNT 10, WORKER_POOL_SIZE 20,
# DB_MAX_OPEN_CONNS 15) and shows where PostgreSQL becomes the limit.
#
#   bench/replicas_bench.sh
#
# For every replica count R of BENCH_REPLICAS_SWEEP: the items' prices and processed_bid_events are reset, BENCH_EVENTS
# events (over BENCH_BID_ITEMS items) are published to auction.bid with no worker running (bench/bid_flood), R workers
# start and the drain is timed until every event is in processed_bid_events. Meanwhile one psql samples the
# workers' backends in pg_stat_activity every 0.2 s (psql's \watch): connections open, active, and what the active
# ones wait for (nothing: on CPU; IO: mostly the WAL flush of a commit; Lock / LWLock: each other). At the end of the
# drain it reads the CPU time of the workers and of their PostgreSQL backends (/proc). The table shows events/s,
# the speedup over one replica, the connections (the budget R x (DB_MAX_OPEN_CONNS + 1) against max_connections)
# and where the time goes. PostgreSQL is the limit where more replicas stop adding events/s while the active
# backends, and their waits, keep growing.
# Uses its own database and RabbitMQ vhost on the run configuration's PostgreSQL (5433) and RabbitMQ (5672); worker
# replica n serves its health endpoints on BENCH_HEALTH_PORT + n - 1. About 2 minutes at the defaults.
#
# Environment: BENCH_REPLICAS_SWEEP ("1 2 3 4 6"), BENCH_EVENTS (30000), BENCH_BID_ITEMS (10000), BENCH_PREFETCH
# (10), BENCH_POOL (20), BENCH_MAX_OPEN (15), BENCH_TIMEOUT (300 s for one drain), BENCH_DB (auction_bench_replicas,
# also the vhost; BENCH_VHOST to differ), BENCH_HEALTH_PORT (18470), BENCH_BIN_DIR (build/; another directory is
# used as it is), BENCH_SKIP_BUILD=1.
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=../scripts/lib.sh
. "$BENCH_DIR/../scripts/lib.sh"

EVENTS=${BENCH_EVENTS:-30000}
ITEMS=${BENCH_BID_ITEMS:-10000}
SWEEP=${BENCH_REPLICAS_SWEEP:-1 2 3 4 6}
PREFETCH=${BENCH_PREFETCH:-10}
POOL=${BENCH_POOL:-20}
MAX_OPEN=${BENCH_MAX_OPEN:-15}
TIMEOUT=${BENCH_TIMEOUT:-300}
DB=${BENCH_DB:-auction_bench_replicas}
VHOST=${BENCH_VHOST:-$DB}
HEALTH_BASE=${BENCH_HEALTH_PORT:-18470}
BIN_DIR=${BENCH_BIN_DIR:-$ROOT/build}
auction_positive_ints EVENTS ITEMS SWEEP PREFETCH POOL MAX_OPEN TIMEOUT HEALTH_BASE
TMP=$(mktemp -d /tmp/replicas_bench.XXXXXX)
WORKER_PIDS=()
WATCH_PID=

cleanup() {
  [[ -z $WATCH_PID ]] || kill -TERM "$WATCH_PID" 2>/dev/null || true
  auction_bench_workers_stop
  rm -rf "$TMP"
}
trap cleanup EXIT

auction_bench_worker_setup "$BIN_DIR" "$DB" "$VHOST" "$TMP" "$PREFETCH" "$POOL"
export DB_MAX_OPEN_CONNS=$MAX_OPEN
auction_bench_items "$ITEMS" "$TMP/items.txt"
read -r MAX_CONNECTIONS RESERVED < <(auction_bench_psql -F ' ' -c \
  "SELECT current_setting('max_connections'), current_setting('superuser_reserved_connections')")

# One sample every 0.2 s of the workers' backends: open, active, and the active ones by what they wait for.
SAMPLE_SQL="SELECT 'S', count(*), count(*) FILTER (WHERE state = 'active'),
  count(*) FILTER (WHERE state = 'active' AND wait_event_type IS NULL),
  count(*) FILTER (WHERE state = 'active' AND wait_event_type = 'IO'),
  count(*) FILTER (WHERE state = 'active' AND wait_event_type IN ('Lock', 'LWLock')),
  string_agg(pid::text, ' ')
FROM pg_stat_activity WHERE datname = '$DB' AND application_name LIKE 'auction-bench-worker-%'"

declare -A EPS CONNS ACTIVE ONCPU IOWAIT LOCKWAIT PGCPU WCPU BUSY LEFT
HZ=$(getconf CLK_TCK)
measure() {
  local replicas=$1 pid
  auction_bench_psql -c "TRUNCATE processed_bid_events" -c "UPDATE items SET current_price = start_price, bid_count = 0 WHERE current_price <> start_price OR bid_count <> 0" \
    -c "CHECKPOINT" >/dev/null
  log "[$replicas] publishing $EVENTS events to a stopped worker set"
  "$FLOOD_BIN" publish "$EVENTS" "$TMP/items.txt"

  printf '%s \\watch 0.2\n' "$SAMPLE_SQL" | psql -h 127.0.0.1 -p 5433 -U postgres -d "$DB" -qAtX -F '|' \
    >"$TMP/samples-$replicas.txt" 2>/dev/null &
  WATCH_PID=$!
  auction_bench_drain "$replicas" "$EVENTS" "$HEALTH_BASE" "$TIMEOUT" "$TMP"
  kill -TERM "$WATCH_PID" 2>/dev/null || true
  wait "$WATCH_PID" 2>/dev/null || true
  WATCH_PID=
  # CPU: the workers', and their backends' (every pid the samples saw; they live as long as the pools hold them).
  local wticks=0 pticks=0
  for pid in "${WORKER_PIDS[@]}"; do wticks=$((wticks + $(auction_proc_ticks "$pid"))); done
  for pid in $(grep '^S|' "$TMP/samples-$replicas.txt" | cut -d'|' -f7 | tr ' ' '\n' | sort -u); do
    [[ $pid =~ ^[0-9]+$ ]] && pticks=$((pticks + $(auction_proc_ticks "$pid")))
  done
  auction_bench_workers_stop

  EPS[$replicas]=$(awk -v n="$EVENTS" -v ms="$DRAIN_MS" 'BEGIN { printf "%.0f", n * 1000 / ms }')
  local secs
  secs=$(awk -v ms="$DRAIN_MS" 'BEGIN { print ms / 1000 }')
  WCPU[$replicas]=$(awk -v t="$wticks" -v hz="$HZ" -v s="$secs" 'BEGIN { printf "%.0f", 100 * t / hz / s }')
  PGCPU[$replicas]=$(awk -v t="$pticks" -v hz="$HZ" -v s="$secs" 'BEGIN { printf "%.0f", 100 * t / hz / s }')
  BUSY[$replicas]=$BUSY_PCT
  # Means over the samples taken while the drain ran (at least one active backend); peak of the open connections.
  read -r CONNS[$replicas] ACTIVE[$replicas] ONCPU[$replicas] IOWAIT[$replicas] LOCKWAIT[$replicas] < <(
    awk -F'|' '$1 == "S" { if ($2 > peak) peak = $2; if ($3 > 0) { n++; a += $3; c += $4; i += $5; l += $6 } }
      END { if (n == 0) n = 1; printf "%d %.1f %.1f %.1f %.1f\n", peak, a / n, c / n, i / n, l / n }' \
      "$TMP/samples-$replicas.txt")
  # What each replica saw left of the budget at its start (the smallest), from its "PostgreSQL connection budget" line.
  LEFT[$replicas]=$(cat "$TMP"/worker-"$replicas"-*.log | grep -o '"leftConnections":[0-9]*' | cut -d: -f2 |
    sort -n | head -n1)
  log "[$replicas] drain: $EVENTS in ${DRAIN_MS} ms = ${EPS[$replicas]}/s; backends: ${CONNS[$replicas]} open (peak), ${ACTIVE[$replicas]} active"
}

for r in $SWEEP; do
  measure "$r"
done

first=${SWEEP%% *}
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
stamp=$(date -u +%Y-%m-%dT%H:%M:%SZ)
printf '\nreplicas_bench %s  %s cores (%s); %s events over %s items; PREFETCH_COUNT=%s WORKER_POOL_SIZE=%s DB_MAX_OPEN_CONNS=%s\n' \
  "$stamp" "$(nproc)" "${cpu_model:-unknown CPU}" "$EVENTS" "$ITEMS" "$PREFETCH" "$POOL" "$MAX_OPEN"
printf 'PostgreSQL max_connections=%s (superuser_reserved_connections=%s); budget per replica: DB_MAX_OPEN_CONNS + 1 (outbox relay)\n' \
  "$MAX_CONNECTIONS" "$RESERVED"
printf '\n%8s %8s %8s %9s %10s %6s %7s %7s %8s %8s %8s %9s %9s %7s\n' replicas "ev/s" speedup "budget" "left@start" \
  "conns" active "on CPU" "IO wait" "lock wt" "PG CPU%" "PG us/ev" "wrk CPU%" "busy %"
for r in $SWEEP; do
  printf '%8s %8s %8s %9s %10s %6s %7s %7s %8s %8s %8s %9s %9s %7s\n' "$r" "${EPS[$r]}" \
    "$(awk -v a="${EPS[$r]}" -v b="${EPS[$first]}" 'BEGIN { printf "%.2f", a / b }')" \
    "$((r * (MAX_OPEN + 1)))/$MAX_CONNECTIONS" "${LEFT[$r]:-?}" "${CONNS[$r]}" "${ACTIVE[$r]}" "${ONCPU[$r]}" \
    "${IOWAIT[$r]}" "${LOCKWAIT[$r]}" "${PGCPU[$r]}" \
    "$(awk -v c="${PGCPU[$r]}" -v e="${EPS[$r]}" 'BEGIN { printf "%.0f", c * 10000 / e }')" "${WCPU[$r]}" "${BUSY[$r]}"
done
printf '\n(budget = replicas x (DB_MAX_OPEN_CONNS + 1) / max_connections; left@start = the least a replica saw left at\n'
printf ' its start; conns = peak backends the workers held; active, on CPU, IO wait, lock wt = mean backends per 0.2 s\n'
printf ' sample while draining; PG CPU%% / wrk CPU%% = the backends'"'"' / workers'"'"' CPU, 100 = one core; PG us/ev = the\n'
printf ' backends'"'"' CPU per event; busy %% = the whole machine, both cores; the machine is shared, so runs beside a\n'
printf ' build are noisy)\n'
for r in $SWEEP; do
  printf 'RESULT replicas=%s eps=%s conns_peak=%s active=%s on_cpu=%s io_wait=%s lock_wait=%s pg_cpu=%s worker_cpu=%s busy=%s\n' \
    "$r" "${EPS[$r]}" "${CONNS[$r]}" "${ACTIVE[$r]}" "${ONCPU[$r]}" "${IOWAIT[$r]}" "${LOCKWAIT[$r]}" "${PGCPU[$r]}" \
    "${WCPU[$r]}" "${BUSY[$r]}"
done
