#!/usr/bin/env bash
# A thousand auctions closing at once (issue 11, README "Auction lifecycle"): BENCH_CLOSE_ITEMS items (default
# 100,000) without bids all end in the same second, while 3 worker replicas, configured as scripts/run.sh runs them
# (request log at info, PREFETCH_COUNT 10, WORKER_POOL_SIZE 20, AUCTION_CLOSE_GRACE 5s and the other closer
# defaults), apply a steady stream of bids (BENCH_BID_RATE per second, default 300, over 2,000 open items).
#
#   bench/close_bench.sh
#
# Prints, counted from the shared end second E:
#   closed     when the last of the items became `expired` (the closer starts at E + grace);
#   confirmed  when the outbox was empty again, i.e. every item.updated.v1 of the closing was confirmed by the
#              broker (the relay deletes an event once RabbitMQ confirmed it);
# the closing rate, and the bid latency p99 (receipt to ack, the workers' auction_worker_message_processing_seconds
# histogram, summed over the replicas; a bucket-interpolated estimate) in a window before E ("without") and during
# the closing ("during"). Target: confirmed within 60 s of E + grace. Also the workers' peak RSS and CPU us per
# closed item. Uses its own database and vhost (BENCH_DB, default auction_bench_close), loopback only.
#
# Environment: BENCH_CLOSE_ITEMS (100000), BENCH_BID_RATE (300), BENCH_LEAD (s from the load until E, 45),
# BENCH_REPLICAS (3), BENCH_TIMEOUT (300 s after E), BENCH_DB, BENCH_HEALTH_PORT (18191), BENCH_BIN_DIR (build/),
# BENCH_SKIP_BUILD=1.
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=../scripts/lib.sh
. "$BENCH_DIR/../scripts/lib.sh"

ITEMS=${BENCH_CLOSE_ITEMS:-100000}
RATE=${BENCH_BID_RATE:-300}
LEAD=${BENCH_LEAD:-45}
REPLICAS=${BENCH_REPLICAS:-3}
TIMEOUT=${BENCH_TIMEOUT:-300}
DB=${BENCH_DB:-auction_bench_close}
VHOST=${BENCH_VHOST:-$DB}
HEALTH_BASE=${BENCH_HEALTH_PORT:-18191}
BIN_DIR=${BENCH_BIN_DIR:-$ROOT/build}
GRACE_S=5  # AUCTION_CLOSE_GRACE's default, which scripts/run.sh keeps
auction_positive_ints ITEMS RATE LEAD REPLICAS TIMEOUT HEALTH_BASE
TMP=$(mktemp -d /tmp/close_bench.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT

auction_bench_worker_setup "$BIN_DIR" "$DB" "$VHOST" "$TMP" 10 20
now_ms() { date +%s%3N; }

# The shared end second E, LEAD seconds from now: the load and the workers' start happen before it.
E=$(( $(date +%s) + LEAD ))
log "loading $ITEMS items ending in the second $(date -u -d "@$E" +%H:%M:%S), and 2000 open items for the bids"
auction_bench_psql <<SQL
INSERT INTO items (id, name, seller_id, currency_code, start_price, current_price, bid_increment, start_date, end_date)
SELECT gen_random_uuid(), 'Evening sale lot ' || g, 'bench-seller', 'USD', 100, 100, 1, now() - interval '1 day',
       to_timestamp($E) + (g % 1000) * interval '1 millisecond'
FROM generate_series(1, $ITEMS) g;
INSERT INTO items (id, name, seller_id, currency_code, start_price, current_price, bid_increment, start_date, end_date)
SELECT gen_random_uuid(), 'Open lot ' || g, 'bench-bidders', 'USD', 100, 100, 1, now() - interval '1 hour',
       now() + interval '7 days'
FROM generate_series(1, 2000) g;
ANALYZE items;
SQL
auction_bench_psql -c "SELECT id FROM items WHERE seller_id = 'bench-bidders'" > "$TMP/open.txt"
loaded_at=$(date +%s)
((loaded_at + 15 < E)) || { log "ERROR: the load took too long for BENCH_LEAD=$LEAD (raise it)"; exit 1; }

for n in $(seq 1 "$REPLICAS"); do
  WORKER_ID=$n HEALTH_PORT=$((HEALTH_BASE + n - 1)) "$WORKER_BIN" > "$TMP/worker-$n.log" 2>&1 &
  PIDS+=($!)
done
for n in $(seq 1 "$REPLICAS"); do
  for _ in $(seq 1 300); do grep -q "started successfully" "$TMP/worker-$n.log" && break; sleep 0.1; done
done
# The stream runs until after the closing (stopped by cleanup or below).
"$FLOOD_BIN" steady "$RATE" $((E - $(date +%s) + TIMEOUT)) "$TMP/open.txt" > "$TMP/stream.out" &
STREAM_PID=$!
PIDS+=("$STREAM_PID")

scrape() {  # scrape <file>: every replica's processing histogram
  : > "$1"
  for n in $(seq 1 "$REPLICAS"); do
    curl -fsS --max-time 5 "http://127.0.0.1:$((HEALTH_BASE + n - 1))/metrics" |
      grep '^auction_worker_message_processing_seconds_bucket' >> "$1" || true
  done
}
# p99 of the observations between two scrapes, interpolated inside the bucket as histogram_quantile does (ms).
p99_between() {
  # The buckets come in increasing order of le (the exposition's order), the same in every scrape.
  awk '
    FNR == 1 { file++ }
    { match($0, /le="[^"]*"/); le = substr($0, RSTART + 4, RLENGTH - 5); v = $NF
      if (!(le in seen)) { seen[le] = 1; order[++n] = le }
      if (file == 1) a[le] += v; else b[le] += v }
    END {
      total = b["+Inf"] - a["+Inf"]; if (total <= 0) { print "n/a"; exit }
      target = 0.99 * total; prev_c = 0; prev_le = 0
      for (i = 1; i <= n; i++) {
        le = order[i]; if (le == "+Inf") continue
        c = b[le] - a[le]
        if (c >= target) { printf "%.1f", 1000 * (prev_le + (le - prev_le) * (target - prev_c) / (c - prev_c)); exit }
        prev_c = c; prev_le = le + 0
      }
      printf ">%g", 1000 * prev_le }' "$1" "$2"
}
wait_until() { while (( $(now_ms) < $1 )); do sleep 0.05; done; }

# "Without": from 10 s after the stream started until E (nothing is due before E + grace).
sleep 10
scrape "$TMP/m0"
wait_until $((E * 1000))
scrape "$TMP/m1"
wait_until $(( (E + GRACE_S) * 1000 ))
scrape "$TMP/m2"
ticks_before=0
for pid in "${PIDS[@]:0:$REPLICAS}"; do ticks_before=$((ticks_before + $(auction_proc_ticks "$pid"))); done
log "the closing is due now (E + ${GRACE_S}s)"

closed_ms=""
confirmed_ms=""
deadline=$(( (E + TIMEOUT) * 1000 ))
while :; do
  read -r expired outbox < <(auction_bench_psql -F ' ' -c \
    "SELECT (SELECT count(*) FROM items WHERE seller_id = 'bench-seller' AND status = 'expired'),
            (SELECT count(*) FROM outbox_events)")
  t=$(now_ms)
  if [[ -z $closed_ms ]] && ((expired >= ITEMS)); then closed_ms=$((t - E * 1000)); scrape "$TMP/m3"; fi
  if [[ -n $closed_ms ]] && ((outbox == 0)); then confirmed_ms=$((t - E * 1000)); break; fi
  ((t < deadline)) || { log "ERROR: timed out: $expired/$ITEMS expired, $outbox events in the outbox"; exit 1; }
  sleep 0.2
done
ticks_after=0
rss=()
for pid in "${PIDS[@]:0:$REPLICAS}"; do
  ticks_after=$((ticks_after + $(auction_proc_ticks "$pid")))
  rss+=("$(awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$pid/status")")
done
kill -TERM "$STREAM_PID" 2>/dev/null || true

HZ=$(getconf CLK_TCK)
p99_without=$(p99_between "$TMP/m0" "$TMP/m1")
p99_during=$(p99_between "$TMP/m2" "$TMP/m3")
bids_without=$(awk '/le="\+Inf"/ {s += $NF} END {print s + 0}' "$TMP/m1")
events_closed=$(auction_bench_psql -c "SELECT count(*) FROM items WHERE seller_id = 'bench-seller' AND status = 'expired'")
applied=$(auction_bench_psql -c "SELECT count(*) FROM processed_bid_events")
after_grace_ms=$((confirmed_ms - GRACE_S * 1000))
rate=$(awk -v n="$ITEMS" -v ms="$((closed_ms - GRACE_S * 1000))" 'BEGIN { printf "%.0f", n * 1000 / ms }')
us_per_item=$(awk -v t="$((ticks_after - ticks_before))" -v hz="$HZ" -v n="$ITEMS" 'BEGIN { printf "%.0f", t / hz * 1e6 / n }')
dead=$(rabbitmqctl -q list_queues -p "$VHOST" name messages 2>/dev/null | awk '$1 == "auction.bid.all.v1.dlq" {print $2}')
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
stamp=$(date -u +%Y-%m-%dT%H:%M:%SZ)

printf '\nclose_bench %s  %s cores (%s); %s items ending in one second, %s replicas, %s bids/s over 2000 items\n' \
  "$stamp" "$(nproc)" "${cpu_model:-unknown CPU}" "$ITEMS" "$REPLICAS" "$RATE"
printf '  all expired       %6.1f s after E  (%.1f s after E + grace; %s items/s)\n' \
  "$(awk -v m="$closed_ms" 'BEGIN { print m / 1000 }')" "$(awk -v m="$((closed_ms - GRACE_S * 1000))" 'BEGIN { print m / 1000 }')" "$rate"
printf '  all confirmed     %6.1f s after E  (%.1f s after E + grace; target 60 s)\n' \
  "$(awk -v m="$confirmed_ms" 'BEGIN { print m / 1000 }')" "$(awk -v m="$after_grace_ms" 'BEGIN { print m / 1000 }')"
printf '  bid p99, receipt to ack: %s ms without the closing, %s ms during it (histogram estimates)\n' \
  "$p99_without" "$p99_during"
printf '  expired: %s of %s; bids applied in all: %s; dead-lettered: %s; workers us CPU per closed item: %s\n' \
  "$events_closed" "$ITEMS" "$applied" "${dead:-0}" "$us_per_item"
printf '  workers peak RSS MiB: %s\n' "$(IFS=/; echo "${rss[*]}")"
printf 'RESULT items=%s replicas=%s bid_rate=%s closed_s=%.1f confirmed_s=%.1f confirmed_after_grace_s=%.1f close_rate=%s bid_p99_ms_without=%s bid_p99_ms_during=%s us_cpu_per_item=%s\n' \
  "$ITEMS" "$REPLICAS" "$RATE" "$(awk -v m="$closed_ms" 'BEGIN { print m / 1000 }')" \
  "$(awk -v m="$confirmed_ms" 'BEGIN { print m / 1000 }')" "$(awk -v m="$after_grace_ms" 'BEGIN { print m / 1000 }')" \
  "$rate" "$p99_without" "$p99_during" "$us_per_item"
((bids_without > 0)) || { log "ERROR: no bids were processed before the closing"; exit 1; }
((${dead:-0} == 0)) || { log "ERROR: bids were dead-lettered"; exit 1; }
