#!/usr/bin/env bash
# What the access log costs: the same auction-api binary twice, side by side on one database, one with the
# request log on (LOG_LEVEL=info, as scripts/run.sh runs it) and one with it off (LOG_LEVEL=warn), measured
# with GET /api/v1/items/:id (wrk -t1 -c64, random ids of BENCH_ITEMS items) in alternating rounds.
#
#   bench/access_log_cost.sh        (BENCH_ROUNDS=5 BENCH_DURATION=10 BENCH_ITEMS=10000 BENCH_CONNECTIONS=64)
#
# Prints every round, the medians, their ratio (on/off; the aim is at least 0.95), each process's peak RSS and
# CPU microseconds per request, and checks that the request log lost no line: one "request" line per answered
# request, and auction_log_dropped_total 0. Uses build/auction-api as it is (run scripts/run.sh or
# auction_build first); database and vhost auction_logcost; stops what it started.
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=../scripts/lib.sh
. "$BENCH_DIR/../scripts/lib.sh"

ROUNDS=${BENCH_ROUNDS:-5}
DURATION=${BENCH_DURATION:-10}
ITEMS=${BENCH_ITEMS:-10000}
CONNS=${BENCH_CONNECTIONS:-64}
DB=auction_logcost
BIN=$ROOT/build/auction-api
HZ=$(getconf CLK_TCK)
auction_positive_ints ROUNDS DURATION ITEMS CONNS
[[ -x $BIN ]] || { log "ERROR: $BIN missing: build first (scripts/run.sh)"; exit 1; }
command -v wrk >/dev/null || { log "ERROR: wrk missing (Debian package wrk)"; exit 1; }

TMP=$(mktemp -d /tmp/access_log_cost.XXXXXX)
declare -A PORT=([on]=18082 [off]=18083) LEVEL=([on]=info [off]=warn) PID=()
cleanup() {
  auction_proc_stop -t 20 logcost-on logcost-off || true
  rm -rf "$TMP"
}
trap cleanup EXIT

auction_start_postgres
auction_start_rabbitmq
auction_env_file
auction_proc_stop -t 20 logcost-on logcost-off
auction_reset_database "$DB"
auction_rabbitmq_vhost "$DB"
for mode in on off; do
  : >"$LOG_DIR/logcost-$mode.log"
  auction_proc_start "logcost-$mode" "$BIN" PORT="${PORT[$mode]}" POSTGRES_DATABASE="$DB" LOG_LEVEL="${LEVEL[$mode]}" \
    RABBITMQ_URL="amqp://guest:guest@127.0.0.1:$AUCTION_AMQP_PORT/$DB" SERVICE_NAME="auction-logcost-$mode"
  PID[$mode]=$(cat "$RUN_DIR/logcost-$mode.pid")
  auction_wait_http "http://127.0.0.1:${PORT[$mode]}/api/v1/categories" "${PID[$mode]}" "$LOG_DIR/logcost-$mode.log" || exit 1
done
_auction_psql -d "$DB" -v items="$ITEMS" -f "$BENCH_DIR/load_items.sql" >/dev/null
_auction_psql -d "$DB" -c "VACUUM ANALYZE items" >/dev/null
_auction_psql -d "$DB" -tAc "SELECT id FROM bench_ids ORDER BY n" >"$TMP/ids.txt"
log "loaded $(wc -l <"$TMP/ids.txt") items"


declare -A RATES=() USPR=() REQUESTS=([on]=0 [off]=0)
run() { # MODE ROUND
  local mode=$1 round=$2 before after line requests rps
  wrk -t1 -c"$CONNS" -d2s -s "$BENCH_DIR/get_item.lua" "http://127.0.0.1:${PORT[$mode]}" -- "$TMP/ids.txt" \
    >"$TMP/warmup.out" 2>&1
  REQUESTS[$mode]=$((REQUESTS[$mode] + $(sed -n 's/^RESULT requests=\([0-9]*\).*/\1/p' "$TMP/warmup.out")))
  before=$(auction_proc_ticks "${PID[$mode]}")
  wrk -t1 -c"$CONNS" -d"${DURATION}s" -s "$BENCH_DIR/get_item.lua" "http://127.0.0.1:${PORT[$mode]}" -- \
    "$TMP/ids.txt" >"$TMP/run.out" 2>&1
  after=$(auction_proc_ticks "${PID[$mode]}")
  line=$(grep '^RESULT ' "$TMP/run.out")
  requests=$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' <<<"$line")
  rps=$(sed -n 's/.* rps=\([0-9.]*\).*/\1/p' <<<"$line")
  [[ $line == *" bad_status=0 socket_errors=0 timeouts=0"* ]] || { log "ERROR: failed requests: $line"; exit 1; }
  REQUESTS[$mode]=$((REQUESTS[$mode] + requests))
  RATES[$mode]+="$rps "
  USPR[$mode]+="$(awk -v t=$((after - before)) -v hz="$HZ" -v n="$requests" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }') "
  printf 'round %d  log %-3s  %9.0f req/s  p99 %6s ms  %s us CPU per request\n' "$round" "$mode" "$rps" \
    "$(sed -n 's/.*p99_ms=\([0-9.]*\).*/\1/p' <<<"$line")" "$(awk '{ print $NF }' <<<"${USPR[$mode]}")" >&2
}
for ((r = 1; r <= ROUNDS; r++)); do
  if ((r % 2)); then run on "$r"; run off "$r"; else run off "$r"; run on "$r"; fi
done

median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
on=$(median <<<"${RATES[on]}")
off=$(median <<<"${RATES[off]}")
sleep 0.5  # the writer thread empties its buffers every few milliseconds
lines=$(grep -c '"msg":"request"' "$LOG_DIR/logcost-on.log" || true)
dropped=$(curl -fsS "http://127.0.0.1:${PORT[on]}/metrics" | sed -n 's/^auction_log_dropped_total //p')
rss() { awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
{
  echo
  echo "access_log_cost $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores; wrk -t1 -c$CONNS -d${DURATION}s, $ROUNDS alternating rounds, $ITEMS items"
  printf '%-26s %12s %18s %14s\n' "" "median req/s" "median us CPU/req" "peak RSS MiB"
  printf '%-26s %12.0f %18s %14s\n' "request log on (info)" "$on" "$(median <<<"${USPR[on]}")" "$(rss "${PID[on]}")"
  printf '%-26s %12.0f %18s %14s\n' "request log off (warn)" "$off" "$(median <<<"${USPR[off]}")" "$(rss "${PID[off]}")"
  echo "ratio on/off: $(awk -v a="$on" -v b="$off" 'BEGIN { printf "%.3f", a / b }') (aim: at least 0.95)"
  echo "request lines written: $lines for ${REQUESTS[on]} requests wrk counted as answered; auction_log_dropped_total ${dropped:-?}"
  printf 'RESULT log_on_rps=%.0f log_off_rps=%.0f ratio=%s lines=%s requests=%s dropped=%s\n' "$on" "$off" \
    "$(awk -v a="$on" -v b="$off" 'BEGIN { printf "%.3f", a / b }')" "$lines" "${REQUESTS[on]}" "${dropped:-?}"
}
if ((lines < REQUESTS[on])) || [[ ${dropped:-x} != 0 ]]; then
  log "ERROR: request lines were lost"
  exit 1
fi
