#!/usr/bin/env bash
# Rolling restart test (docs/DEPLOYMENT.md "Rolling restarts"): HAProxy (tests/rolling/haproxy.cfg) in front of
# 3 auction-api replicas under a steady wrk load of item reads and writes (tests/rolling/load.lua), while each
# replica in turn gets SIGTERM, drains (SHUTDOWN_DRAIN: /readyz 503, still serving), stops, exits and is started
# again; the next one goes once HAProxy has it UP again.
#
#   scripts/rolling_restart.sh        (scripts/test.sh runs it; AUCTION_ROLLING_RUN=0 skips it there)
#
# Verdict (exit 1 otherwise): zero failed requests (an answer other than 200/201, a socket error or a timeout, as
# wrk sees them through HAProxy); HAProxy never had to retry or redispatch a request (none met a closed replica:
# its retries would hide a replica that stops too early, so they must not be what saves the run); every replica
# exited 0 on SIGTERM, HAProxy marked each DOWN within its drain, and each took requests again after its restart.
# Figures: requests and failures in all; per restart the time from SIGTERM to DOWN in HAProxy, to the exit, from
# the exit to UP again, the requests answered meanwhile, and HAProxy's 5xx, retries and redispatches.
#
# Settings: ROLLING_DRAIN (SHUTDOWN_DRAIN of the replicas, default 2s: the test's budget is short; production's
# default is 5s; 0 shows what happens without one), ROLLING_RATE (~150 req/s), ROLLING_CONNECTIONS (6),
# ROLLING_BUILD_DIR (build/), ROLLING_HAPROXY_CFG (tests/rolling/haproxy.cfg; another one to compare settings).
# Own database and RabbitMQ vhost (auction_drain), own ports: HAProxy 18400, its stats 18401, replicas
# 18411..18413.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DRAIN=${ROLLING_DRAIN:-2s}
RATE=${ROLLING_RATE:-150}
CONNECTIONS=${ROLLING_CONNECTIONS:-6}
BUILD_DIR=${ROLLING_BUILD_DIR:-$ROOT/build}
HAPROXY_CFG=${ROLLING_HAPROXY_CFG:-$ROOT/tests/rolling/haproxy.cfg}
SEED_ITEMS=200
REPLICAS=3
DB=auction_drain
VHOST=auction_drain
export ROLLING_LB_PORT=18400 ROLLING_STATS_PORT=18401
API_PORTS=(18411 18412 18413)
export ROLLING_API1_PORT=${API_PORTS[0]} ROLLING_API2_PORT=${API_PORTS[1]} ROLLING_API3_PORT=${API_PORTS[2]}

TMP=$(mktemp -d /tmp/auction-rolling.XXXXXX)
PIDS=()        # the replicas' current processes, by index 0..2
HAPROXY_PID=""
WRK_PID=""
cleanup() {
  local pid
  [[ -z $WRK_PID ]] || kill -INT "$WRK_PID" 2>/dev/null || true
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  [[ -z $HAPROXY_PID ]] || kill -TERM "$HAPROXY_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  if [[ ${ROLLING_KEEP_LOGS:-0} == 1 ]]; then
    log "logs kept in $TMP"
  else
    rm -rf "$TMP"
  fi
}
trap cleanup EXIT

for tool in haproxy wrk curl; do
  command -v "$tool" >/dev/null || {
    log "ERROR: $tool is not installed (scripts/lib.sh auction_install_deps installs it)"
    exit 2
  }
done
[[ -x $BUILD_DIR/auction-api ]] || {
  log "ERROR: $BUILD_DIR/auction-api is not built"
  exit 2
}
for port in "$ROLLING_LB_PORT" "$ROLLING_STATS_PORT" "${API_PORTS[@]}"; do
  if _auction_port_open 127.0.0.1 "$port"; then
    log "ERROR: port $port is taken (another rolling restart run?)"
    exit 2
  fi
done
# A run copy: a rebuild of BUILD_DIR during the test must not change the program the restarts start.
mkdir -p "$TMP/bin"
cp "$BUILD_DIR/auction-api" "$TMP/bin/"

auction_start_postgres
auction_start_rabbitmq
auction_reset_database "$DB"
auction_rabbitmq_vhost "$VHOST"
# The replicas run as a local run does (scripts/local.env; nothing here stores images, but the API requires a bucket),
# on their own database and vhost, small (three share the machine) and with the drain under test.
auction_program_env --vhost "$VHOST" POSTGRES_DATABASE="$DB" SERVICE_NAME=auction-rolling LOG_LEVEL=info \
  SHUTDOWN_DRAIN="$DRAIN" HTTP_THREADS=1 DB_READ_CONNS=1 DB_MAX_OPEN_CONNS=4 DB_MAX_IDLE_CONNS=4
export PGPASSWORD=postgres

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# The drain in ms (SHUTDOWN_DRAIN's forms: 0, or a sum of numbers with ms, s, m).
drain_ms=$(awk -v d="$DRAIN" 'BEGIN {
  if (d == "0") { print 0; exit }
  t = 0
  while (match(d, /^[0-9.]+(ms|s|m)/)) {
    part = substr(d, 1, RLENGTH); d = substr(d, RLENGTH + 1)
    n = part + 0
    t += part ~ /ms$/ ? n : part ~ /m$/ ? n * 60000 : n * 1000
  }
  printf "%d\n", t }')

# start_replica N: starts replica N (0-based) on its port, log appended to $TMP/api-N.log.
start_replica() {
  local n=$1
  PORT=${API_PORTS[$n]} "$TMP/bin/auction-api" >>"$TMP/api-$n.log" 2>&1 </dev/null &
  PIDS[n]=$!
}

# HAProxy's statistics as CSV, the header's "# " dropped.
stats_csv() { curl -fsS --max-time 2 "http://127.0.0.1:$ROLLING_STATS_PORT/stats;csv" | sed '1s/^# //'; }
# lb_stat PROXY SERVER FIELD: one field of HAProxy's statistics (e.g. auction_api api1 status).
lb_stat() {
  stats_csv | awk -F, -v px="$1" -v sv="$2" -v f="$3" '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    $1 == px && $2 == sv { print $col[f]; exit }'
}
# wait_status SERVER STATUS SECONDS: waits until HAProxy reports the server's status as exactly STATUS.
wait_status() {
  local deadline=$((SECONDS + $3))
  until [[ $(lb_stat auction_api "$1" status 2>/dev/null || true) == "$2" ]]; do
    ((SECONDS < deadline)) || return 1
    sleep 0.05
  done
}
# counters: the backend's answered requests (req_tot counts what reached HAProxy's backend), 5xx, retries and
# redispatches, as "req 5xx retries redispatches".
counters() {
  stats_csv | awk -F, '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    $1 == "auction_api" && $2 == "BACKEND" { print $col["req_tot"], $col["hrsp_5xx"], $col["wretr"], $col["wredis"] }'
}

# --- the replicas: the first applies the migrations, the others start once it is ready --------------------
start_replica 0
auction_wait_http "http://127.0.0.1:${API_PORTS[0]}/readyz" "${PIDS[0]}" "$TMP/api-0.log" 60 || exit 1
for n in 1 2; do start_replica "$n"; done
for n in 1 2; do
  auction_wait_http "http://127.0.0.1:${API_PORTS[$n]}/readyz" "${PIDS[$n]}" "$TMP/api-$n.log" 60 || exit 1
done
psql -h 127.0.0.1 -p 5433 -U postgres -d "$DB" -v ON_ERROR_STOP=1 -qAtX <<SQL
INSERT INTO items (id, name, seller_id, currency_code, start_price, current_price, bid_increment, start_date, end_date)
SELECT gen_random_uuid(), 'Rolling lot ' || g, 'rolling-seller', 'USD', 100, 100, 1, now(), now() + interval '30 days'
FROM generate_series(1, $SEED_ITEMS) g;
SQL
psql -h 127.0.0.1 -p 5433 -U postgres -d "$DB" -qAtX -c "SELECT id FROM items" >"$TMP/items.txt"

# --- HAProxy -------------------------------------------------------------------------------------------------
haproxy -f "$HAPROXY_CFG" -db >"$TMP/haproxy.log" 2>&1 </dev/null &
HAPROXY_PID=$!
auction_wait_port 127.0.0.1 "$ROLLING_STATS_PORT" 10 || { cat "$TMP/haproxy.log" >&2; exit 1; }
for n in 1 2 3; do
  wait_status "api$n" UP 10 || { log "ERROR: HAProxy does not see api$n UP"; cat "$TMP/haproxy.log" >&2; exit 1; }
done
log "rolling restart: HAProxy $(haproxy -v | sed -n '1s/^HAProxy version \([^ ]*\).*/\1/p') on :$ROLLING_LB_PORT" \
  "in front of $REPLICAS replicas (pids ${PIDS[*]}), SHUTDOWN_DRAIN=$DRAIN, ~$RATE req/s over $CONNECTIONS connections"

# --- load, then the restarts one after another ---------------------------------------------------------------
delay_ms=$((CONNECTIONS * 1000 / RATE))
wrk -t2 -c"$CONNECTIONS" -d300s --timeout 5s -s "$ROOT/tests/rolling/load.lua" "http://127.0.0.1:$ROLLING_LB_PORT" \
  -- "$TMP/items.txt" "$delay_ms" >"$TMP/wrk.txt" 2>&1 &
WRK_PID=$!
sleep 2
verdict=0
: >"$TMP/restarts"
for n in 0 1 2; do
  name="api$((n + 1))"
  read -r req0 e0 r0 d0 < <(counters)
  pid=${PIDS[$n]}
  t0=$(now_ms)
  kill -TERM "$pid"
  down_ms=-1
  if wait_status "$name" DOWN 10; then
    down_ms=$(($(now_ms) - t0))
  fi
  deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.02; done
  t_exit=$(now_ms)
  rc=0
  if kill -0 "$pid" 2>/dev/null; then
    log "ERROR: $name (pid $pid) still runs 30 s after SIGTERM"
    kill -KILL "$pid" 2>/dev/null || true
    verdict=1
  fi
  wait "$pid" || rc=$?
  start_replica "$n"
  up_ms=-1
  if wait_status "$name" UP 30; then
    up_ms=$(($(now_ms) - t_exit))
  fi
  t_up=$(now_ms)
  read -r req1 e1 r1 d1 < <(counters)
  echo "$name $pid $rc $down_ms $((t_exit - t0)) $up_ms $((t_up - t0)) $((req1 - req0)) $((e1 - e0)) $((r1 - r0)) $((d1 - d0))" \
    >>"$TMP/restarts"
  ((rc == 0)) || { log "ERROR: $name exited $rc on SIGTERM"; verdict=1; }
  ((down_ms >= 0 && down_ms < drain_ms)) || {
    log "ERROR: HAProxy did not mark $name DOWN within its drain (${down_ms} ms, drain ${drain_ms} ms)"
    verdict=1
  }
  ((up_ms >= 0)) || { log "ERROR: $name did not come back UP in HAProxy"; tail -n 20 "$TMP/api-$n.log" >&2; verdict=1; }
done
# A little more load on the restarted set, so each replica shows it takes requests again.
before_end=$(stats_csv)
sleep 2
kill -INT "$WRK_PID" 2>/dev/null || true
wait "$WRK_PID" || true
WRK_PID=""
after_end=$(stats_csv)

# --- report ------------------------------------------------------------------------------------------------
result=$(auction_wrk_result "$TMP/wrk.txt") || exit 1
field() { auction_result_field "$1" "$result"; }
# Per restart: exit status; ms from SIGTERM until HAProxy marked it DOWN, until the process exited; ms from the
# exit until HAProxy had the new process UP; ms in all; requests HAProxy's backend answered meanwhile, its 5xx,
# retries and redispatches.
printf '\n%-7s %4s %10s %10s %11s %9s %9s %4s %7s %11s\n' replica exit "TERM→DOWN" "TERM→exit" "exit→UP" total \
  requests 5xx retries redispatches
awk '{ printf "%-7s %4d %8d ms %8d ms %9d ms %6d ms %9d %4d %7d %11d\n", $1, $3, $4, $5, $6, $7, $8, $9, $10, $11 }' \
  "$TMP/restarts"
echo
for n in 1 2 3; do
  taken=$(awk -F, -v sv="api$n" 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    $1 == "auction_api" && $2 == sv { print $col["stot"] }' <<<"$after_end")
  before=$(awk -F, -v sv="api$n" 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    $1 == "auction_api" && $2 == sv { print $col["stot"] }' <<<"$before_end")
  printf 'api%d: %d requests in all, %d in the last 2 s\n' "$n" "$taken" $((taken - before))
  ((taken - before > 0)) || { log "ERROR: api$n took no request after the restarts"; verdict=1; }
done
bad=$(field bad_status)
sock=$(field socket_errors)
tmo=$(field timeouts)
printf 'requests    %d answered (%s GET, %s POST sent) in %s s, %s req/s, p99 %s ms, max %s ms\n' "$(field requests)" \
  "$(field gets)" "$(field posts)" "$(field duration_s)" "$(field rps)" "$(field p99_ms)" "$(field max_ms)"
if ((bad + sock + tmo > 0)); then
  printf 'failures    %d bad answers, %d socket errors, %d timeouts  FAILED\n' "$bad" "$sock" "$tmo"
  sed -n '1,20p' "$TMP/haproxy.log" >&2
  verdict=1
else
  printf 'failures    0\n'
fi
read -r _ _ retries redispatches < <(counters)  # the whole run's
if ((retries + redispatches > 0)); then
  printf 'HAProxy     %d retries, %d redispatches: requests met a closed replica  FAILED\n' "$retries" "$redispatches"
  verdict=1
else
  printf 'HAProxy     no retry, no redispatch\n'
fi
if ((verdict == 0)); then
  log "rolling restart: PASS (3 replicas restarted one after another, no request failed)"
else
  ROLLING_KEEP_LOGS=1
  log "rolling restart: FAIL"
fi
exit "$verdict"
