#!/usr/bin/env bash
# Soak test: runs the built auction-api and 3 auction-worker replicas under a steady, moderate load for
# SOAK_SECONDS and checks that memory stays flat and latency stays bounded (docs/SOAK.md).
#
#   scripts/soak.sh                    5 minutes (SOAK_SECONDS=300)
#   SOAK_SECONDS=60 scripts/soak.sh    the short mode scripts/test.sh runs
#
# Load, all the time: a mixed wrk load (scripts/soak_load.lua: 70% GET /items/:id, 20% list pages,
# 10% POST /items) paced to about SOAK_RATE requests/s over SOAK_CONNECTIONS connections, run as one wrk per
# SOAK_INTERVAL seconds (each run gives that interval's req/s and p99); plus SOAK_BID_RATE bid.placed.v1
# events/s published to auction.bid (bench/bid_flood, one batch a second) that the workers apply.
# Every ~2 s the RSS (VmRSS) of the API and of each worker is sampled; an interval's RSS is its samples' mean.
#
# Verdict (exit 1 when either fails, or on any non-2xx answer, socket error, timeout, or bid backlog):
#   memory flat:  after the warm-up (first SOAK_WARMUP_PCT % of the intervals), the mean RSS of the last
#                 third of the intervals exceeds that of the first third by at most
#                 max(SOAK_RSS_GROWTH_PCT %, SOAK_RSS_GROWTH_MIB MiB), for the API and for each worker;
#   p99 bounded:  every interval's p99 is under SOAK_P99_MAX_MS.
#
# Own database and RabbitMQ vhost (auction_soak), own ports: API 18281, workers' health 18291..18293.
# Uses the binaries in SOAK_BUILD_DIR (default build/, which scripts/test.sh builds; bench/bid_flood
# must be built: AUCTION_BUILD_BENCH=ON, the default). SOAK_BUILD=1 builds SOAK_BUILD_DIR first.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SECONDS_TOTAL=${SOAK_SECONDS:-300}
INTERVAL=${SOAK_INTERVAL:-$((SECONDS_TOTAL >= 300 ? 15 : 5))}
RATE=${SOAK_RATE:-200}
CONNECTIONS=${SOAK_CONNECTIONS:-8}
BID_RATE=${SOAK_BID_RATE:-50}
SEED_ITEMS=${SOAK_SEED_ITEMS:-500}
WARMUP_PCT=${SOAK_WARMUP_PCT:-20}
RSS_GROWTH_PCT=${SOAK_RSS_GROWTH_PCT:-5}
RSS_GROWTH_MIB=${SOAK_RSS_GROWTH_MIB:-4}
P99_MAX_MS=${SOAK_P99_MAX_MS:-250}
BUILD_DIR=${SOAK_BUILD_DIR:-$ROOT/build}
API_PORT=18281
WORKERS=3
DB=auction_soak
VHOST=auction_soak
INTERVALS=$((SECONDS_TOTAL / INTERVAL))
if ((INTERVALS < 6)); then
  log "ERROR: SOAK_SECONDS/SOAK_INTERVAL must give at least 6 intervals (got $INTERVALS)"
  exit 2
fi

TMP=$(mktemp -d /tmp/auction-soak.XXXXXX)
PIDS=()     # auction-api and the workers, in start order
BID_PID=""  # the bid publisher loop
cleanup() {
  local pid
  [[ -z $BID_PID ]] || kill -TERM "$BID_PID" 2>/dev/null || true
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  [[ -z $BID_PID ]] || wait "$BID_PID" 2>/dev/null || true
  if [[ ${SOAK_KEEP_LOGS:-0} == 1 ]]; then
    log "logs kept in $TMP"
  else
    rm -rf "$TMP"
  fi
}
trap cleanup EXIT

if [[ ${SOAK_BUILD:-0} == 1 ]]; then
  if [[ ! -f $BUILD_DIR/build.ninja ]]; then
    cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAUCTION_WERROR=ON >/dev/null
  fi
  cmake --build "$BUILD_DIR" -j2 --target auction-api auction-worker bid_flood
fi
for bin in auction-api auction-worker bench/bid_flood; do
  [[ -x $BUILD_DIR/$bin ]] || {
    log "ERROR: $BUILD_DIR/$bin is not built"
    exit 2
  }
done
# Run copies: a rebuild of SOAK_BUILD_DIR during the soak (the tree is shared) must not pull the binaries away.
mkdir -p "$TMP/bin"
cp "$BUILD_DIR/auction-api" "$BUILD_DIR/auction-worker" "$BUILD_DIR/bench/bid_flood" "$TMP/bin/"
BIN="$TMP/bin"
command -v wrk >/dev/null || {
  log "ERROR: wrk is not installed (apt-get install wrk)"
  exit 2
}
if auction_wait_port 127.0.0.1 "$API_PORT" 1; then
  log "ERROR: port $API_PORT is taken (another soak run?)"
  exit 2
fi

auction_start_postgres
auction_start_rabbitmq
auction_reset_database "$DB"
auction_rabbitmq_vhost "$VHOST"

# The programs run as a local run does (scripts/local.env), on their own database and vhost.
auction_program_env --vhost "$VHOST" POSTGRES_DATABASE="$DB" SERVICE_NAME=auction-soak LOG_LEVEL=warn
psql_soak() { psql -h 127.0.0.1 -p 5433 -U postgres -d "$DB" -v ON_ERROR_STOP=1 -qAtX "$@"; }
export PGPASSWORD=postgres

# --- start: the API (it applies the migrations), then the workers ---------------------------------------
# No load balancer here, so no drain on SIGTERM (SHUTDOWN_DRAIN=0): the stop at the end is immediate.
PORT=$API_PORT SHUTDOWN_DRAIN=0 "$BIN/auction-api" >"$TMP/api.log" 2>&1 &
PIDS+=($!)
auction_wait_http "http://127.0.0.1:$API_PORT/readyz" "${PIDS[0]}" "$TMP/api.log" || exit 1
for n in $(seq 1 "$WORKERS"); do
  WORKER_ID=$n HEALTH_PORT=$((18290 + n)) "$BIN/auction-worker" >"$TMP/worker-$n.log" 2>&1 &
  PIDS+=($!)
done
for n in $(seq 1 "$WORKERS"); do
  auction_wait_http "http://127.0.0.1:$((18290 + n))/readyz" "${PIDS[$n]}" "$TMP/worker-$n.log" || exit 1
done
log "auction-api (pid ${PIDS[0]}) and $WORKERS workers (pids ${PIDS[*]:1}) are ready"

# --- data: items to read and to bid on ----------------------------------------------------------------------
psql_soak <<SQL
INSERT INTO items (id, name, seller_id, currency_code, start_price, current_price, bid_increment, start_date, end_date)
SELECT gen_random_uuid(), 'Soak lot ' || g, 'soak-seller', 'USD', 100, 100, 1, now(), now() + interval '30 days'
FROM generate_series(1, $SEED_ITEMS) g;
ANALYZE;
SQL
psql_soak -c "SELECT id FROM items" >"$TMP/items.txt"

# --- the bid stream: BID_RATE events a second, in one confirmed batch a second -----------------------------
(
  next=$(date +%s%N)
  while :; do
    "$BIN/bid_flood" publish "$BID_RATE" "$TMP/items.txt" >>"$TMP/bid_flood.log" 2>&1 || exit 1
    echo "$BID_RATE" >>"$TMP/bids_published"
    next=$((next + 1000000000))
    wait_ns=$((next - $(date +%s%N)))
    ((wait_ns <= 0)) || sleep "$(awk -v n="$wait_ns" 'BEGIN { printf "%.3f", n / 1e9 }')"
  done
) &
BID_PID=$!

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
processed() { psql_soak -c "SELECT count(*) FROM processed_bid_events"; }
delay_ms=$((CONNECTIONS * 1000 / RATE))

log "soak: ${SECONDS_TOTAL} s in $INTERVALS intervals of ${INTERVAL} s; ~$RATE req/s over $CONNECTIONS connections" \
  "(pause ${delay_ms} ms), $BID_RATE bid events/s"
# One line per interval: n rps p99 api_mib w1_mib w2_mib w3_mib bids_per_s bad socket_errors timeouts load
# (load: the machine's 1-minute load average at the interval's end, to tell our latency from a busy box)
: >"$TMP/intervals"
bids_before=$(processed)
for i in $(seq 1 "$INTERVALS"); do
  wrk -t2 -c"$CONNECTIONS" -d"${INTERVAL}s" --timeout 5s --latency -s "$ROOT/scripts/soak_load.lua" \
    "http://127.0.0.1:$API_PORT" -- "$TMP/items.txt" "$delay_ms" >"$TMP/wrk-$i.txt" 2>&1 &
  wrk_pid=$!
  start_ns=$(date +%s%N)
  : >"$TMP/rss-$i"
  while kill -0 "$wrk_pid" 2>/dev/null; do
    line=""
    for pid in "${PIDS[@]}"; do line+="$(rss_kib "$pid") "; done
    echo "$line" >>"$TMP/rss-$i"
    sleep 2
  done
  wait "$wrk_pid" || true
  bids_now=$(processed)
  elapsed_ns=$(($(date +%s%N) - start_ns))
  if ! kill -0 "$BID_PID" 2>/dev/null; then
    log "ERROR: the bid publisher stopped during the soak:"
    tail -n 5 "$TMP/bid_flood.log" >&2
    exit 1
  fi
  for pid in "${PIDS[@]}"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "ERROR: process $pid exited during the soak"
      tail -n 30 "$TMP"/*.log >&2
      exit 1
    fi
  done
  result=$(auction_wrk_result "$TMP/wrk-$i.txt") || exit 1
  field() { auction_result_field "$1" "$result"; }
  rss=$(awk '{ for (c = 1; c <= NF; c++) s[c] += $c; n++ }
    END { for (c = 1; c <= NF; c++) printf "%.1f ", s[c] / n / 1024 }' "$TMP/rss-$i")
  bids_rate=$(awk -v a="$bids_before" -v b="$bids_now" -v ns="$elapsed_ns" 'BEGIN { printf "%.1f", (b - a) * 1e9 / ns }')
  echo "$i $(field rps) $(field p99_ms) $rss $bids_rate $(field bad_status) $(field socket_errors) $(field timeouts)" \
    "$(cut -d' ' -f1 /proc/loadavg)" \
    >>"$TMP/intervals"
  bids_before=$bids_now
done

kill -TERM "$BID_PID" 2>/dev/null || true
wait "$BID_PID" 2>/dev/null || true
BID_PID=""
published=$(awk '{ s += $1 } END { print s + 0 }' "$TMP/bids_published" 2>/dev/null || echo 0)
# The workers drain what is left (a few seconds' worth at most when they keep up).
deadline=$((SECONDS + 30))
while (($(processed) < published && SECONDS < deadline)); do sleep 0.5; done
applied=$(processed)

# --- report ------------------------------------------------------------------------------------------------
printf '\n%8s %9s %9s %9s %9s %9s %9s %10s %6s\n' interval "req/s" "p99 ms" "api MiB" "w1 MiB" "w2 MiB" "w3 MiB" \
  "bids/s" load
awk -v len="$INTERVAL" '{ printf "%4d-%-4d %9.1f %9.2f %9.1f %9.1f %9.1f %9.1f %10.1f %6.1f\n",
  ($1 - 1) * len, $1 * len, $2, $3, $4, $5, $6, $7, $8, $12 }' "$TMP/intervals"

verdict=0
warm=$(((INTERVALS * WARMUP_PCT + 99) / 100))
third=$(((INTERVALS - warm) / 3))
((third >= 1)) || third=1
names=(api w1 w2 w3)
echo
for c in 0 1 2 3; do
  read -r first last growth limit ok < <(awk -v col=$((c + 4)) -v warm="$warm" -v third="$third" -v n="$INTERVALS" \
    -v pct="$RSS_GROWTH_PCT" -v mib="$RSS_GROWTH_MIB" '
    $1 > warm && $1 <= warm + third { f += $col; nf++ }
    $1 > n - third { l += $col; nl++ }
    END {
      f /= nf; l /= nl; limit = f * pct / 100; if (limit < mib) limit = mib
      printf "%.1f %.1f %.1f %.1f %d\n", f, l, l - f, limit, (l - f <= limit) }' "$TMP/intervals")
  status=ok
  if ((ok != 1)); then
    status=GROWING
    verdict=1
  fi
  printf 'memory %-3s  first third %7.1f MiB  last third %7.1f MiB  growth %+6.1f MiB (limit %.1f)  %s\n' \
    "${names[$c]}" "$first" "$last" "$growth" "$limit" "$status"
done
read -r p99_max p99_at < <(awk '$3 > m { m = $3; at = $1 } END { printf "%.2f %d\n", m, at }' "$TMP/intervals")
if awk -v m="$p99_max" -v lim="$P99_MAX_MS" 'BEGIN { exit !(m < lim) }'; then
  printf 'p99 max     %.2f ms (interval %d) < %s ms  ok\n' "$p99_max" "$p99_at" "$P99_MAX_MS"
else
  printf 'p99 max     %.2f ms (interval %d) >= %s ms  TOO SLOW\n' "$p99_max" "$p99_at" "$P99_MAX_MS"
  verdict=1
fi
read -r bad sock tmo < <(awk '{ b += $9; s += $10; t += $11 } END { print b + 0, s + 0, t + 0 }' "$TMP/intervals")
if ((bad + sock + tmo > 0)); then
  printf 'errors      %d non-2xx, %d socket errors, %d timeouts  FAILED\n' "$bad" "$sock" "$tmo"
  verdict=1
else
  printf 'errors      none\n'
fi
expected=$((BID_RATE * INTERVALS * INTERVAL * 9 / 10))  # the stream kept (roughly) its rate
if ((applied >= published && published >= expected)); then
  printf 'bids        %d published, %d applied  ok\n' "$published" "$applied"
else
  printf 'bids        %d published (at least %d expected), %d applied within 30 s  FAILED\n' "$published" \
    "$expected" "$applied"
  verdict=1
fi
if ((verdict == 0)); then
  log "soak: PASS (memory flat, p99 bounded)"
else
  SOAK_KEEP_LOGS=1
  log "soak: FAIL"
fi
exit "$verdict"
