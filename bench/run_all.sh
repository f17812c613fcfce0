#!/usr/bin/env bash
# Every figure of docs/PERFORMANCE.md's summary in one run, each beside its limit, as one table:
#
#   GET  /api/v1/items/:id   wrk -t1 -c64, ids drawn from 10,000 items   bench/items_bench.sh
#   POST /api/v1/items       wrk -t1 -c32                               bench/items_bench.sh
#        limit: pgbench's best over clients 1..64 running the same SQL (printed by items_bench.sh)
#   worker drain, 3 replicas, PREFETCH_COUNT 10, WORKER_POOL_SIZE 20, quorum and classic queue
#        limits: pgbench's best for one commit per event; RabbitMQ's raw consume+ack   bench/worker_bench.sh
#   the request log's cost, the same binary with it on and off in alternating rounds   bench/access_log_cost.sh
#   peak RSS of the API (under the GET load) and of each worker (during the drain)
#
# Each script runs the programs with scripts/run.sh's configuration (request log at info, metrics, trace ids),
# never a benchmark-only one. The Go column is the Go build of the design as measured on this machine for the
# issue (gin + pgx + amqp091; no Go build runs here), so its ratio is indicative; the ratio to the limit measured
# in the same run is the steadier figure on a shared machine.
#
#   bench/run_all.sh                        about 12 minutes (builds first if needed)
#   BENCH_QUICK=1 bench/run_all.sh          shorter runs (5 s, 30,000 events, 3 rounds): about 6 minutes
#
# Every script's own output is kept in bench/results/run_all/ (its tables, CPU splits and RESULT lines); the table
# is also written to bench/results/run_all.txt. The pictures (docs/images/items_bench.png, worker_bench.png) are
# redrawn by the scripts from the data files of this run. Exits 1 if any script failed.
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=../scripts/lib.sh
. "$BENCH_DIR/../scripts/lib.sh"

OUT=${BENCH_RESULTS_DIR:-$BENCH_DIR/results}/run_all
mkdir -p "$OUT"
if [[ ${BENCH_QUICK:-0} == 1 ]]; then
  DURATION=5 EVENTS=30000 ROUNDS=3 PG_DURATION=3
else
  DURATION=10 EVENTS=100000 ROUNDS=5 PG_DURATION=5
fi
# The design's Go build on this machine (the issue's figures).
GO_GET=9900 GO_POST=750 GO_DRAIN=1570 GO_RSS_API=23.0 GO_RSS_WORKER=14.7

failed=0
step() {
  local name=$1 start=$SECONDS rc=0
  shift
  log "run_all: $name"
  "$@" >"$OUT/$name.log" 2>&1 || rc=$?
  log "run_all: $name done in $((SECONDS - start)) s (exit $rc; output in $OUT/$name.log)"
  ((rc == 0)) || failed=1
}

auction_bench_api_build "$ROOT/build"
step items env BENCH_SKIP_BUILD=1 BENCH_SWEEP="32 64" BENCH_ITEMS=10000 BENCH_DURATION="$DURATION" \
  bash "$BENCH_DIR/items_bench.sh"
for type in quorum classic; do
  step "worker_$type" env BENCH_SKIP_BUILD=1 BENCH_QUEUE_TYPE="$type" BENCH_REPLICAS=3 BENCH_EVENTS="$EVENTS" \
    BENCH_PG_DURATION="$PG_DURATION" bash "$BENCH_DIR/worker_bench.sh"
done
step access_log env BENCH_ROUNDS="$ROUNDS" BENCH_DURATION="$DURATION" bash "$BENCH_DIR/access_log_cost.sh"

# field LOG KEY [MATCH]: the value of KEY= on the last RESULT line of LOG that contains MATCH.
field() {
  grep '^RESULT ' "$OUT/$1.log" 2>/dev/null | grep -e "${3:-RESULT}" | tail -n1 | tr ' ' '\n' |
    sed -n "s/^$2=//p"
}
round() { awk -v v="$1" 'BEGIN { if (v == "") print "-"; else printf "%.0f", v }'; }
max_rss() { tr '/' '\n' <<<"$1" | sort -g | tail -n1; }

get_rps=$(round "$(field items rps "scenario=get conns=64")")
post_rps=$(round "$(field items rps "scenario=post conns=32")")
{
  echo "bench/run_all.sh $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)), load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "the programs as scripts/run.sh runs them; limit = the limit tool's best over its sweep, in this run"
  echo
  printf '| %-44s | %12s | %-34s | %8s | %8s | %8s | %14s | %9s |\n' figure value "limit (tool, best of sweep)" \
    "vs limit" "Go" "vs Go" "peak RSS MiB" "us CPU/op"
  printf '|%s|%s|%s|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..46})" "$(printf -- '-%.0s' {1..14})" \
    "$(printf -- '-%.0s' {1..36})" "$(printf -- '-%.0s' {1..10})" "$(printf -- '-%.0s' {1..10})" \
    "$(printf -- '-%.0s' {1..10})" "$(printf -- '-%.0s' {1..16})" "$(printf -- '-%.0s' {1..11})"
  printf '| %-44s | %12s | %-34s | %8s | %8s | %8s | %14s | %9s |\n' \
    "GET /api/v1/items/:id req/s (-c64, p99 $(field items p99_ms "scenario=get conns=64") ms)" "$get_rps" \
    "pgbench $(round "$(field items limit_tps "scenario=get conns=64")") tps ($(field items limit_clients "scenario=get conns=64") clients)" \
    "$(field items ratio "scenario=get conns=64")" "$GO_GET" "$(auction_ratio "$get_rps" "$GO_GET")" \
    "$(field items peak_rss_mib "scenario=get conns=64")" "$(field items us_cpu_per_request "scenario=get conns=64")"
  printf '| %-44s | %12s | %-34s | %8s | %8s | %8s | %14s | %9s |\n' \
    "POST /api/v1/items /s (-c32, p99 $(field items p99_ms "scenario=post conns=32") ms)" "$post_rps" \
    "pgbench $(round "$(field items limit_tps "scenario=post conns=32")") tps ($(field items limit_clients "scenario=post conns=32") clients)" \
    "$(field items ratio "scenario=post conns=32")" "$GO_POST" "$(auction_ratio "$post_rps" "$GO_POST")" \
    "$(field items peak_rss_mib "scenario=post conns=32")" "$(field items us_cpu_per_request "scenario=post conns=32")"
  for type in quorum classic; do
    drain=$(field "worker_$type" drain_eps)
    pg=$(field "worker_$type" pgbench_best_tps)
    rmq=$(field "worker_$type" rabbitmq_eps)
    printf '| %-44s | %12s | %-34s | %8s | %8s | %8s | %14s | %9s |\n' \
      "drain ev/s, 3 workers, $type queue, $EVENTS events" "$drain" "pgbench $pg tps; RabbitMQ $rmq/s" \
      "$(auction_ratio "$drain" "$pg")" "$GO_DRAIN" "$(auction_ratio "$drain" "$GO_DRAIN")" "$(field "worker_$type" peak_rss_mib)" \
      "$(field "worker_$type" us_cpu_per_event)"
  done
  printf '| %-44s | %12s | %-34s | %8s | %8s | %8s | %14s | %9s |\n' \
    "request log on/off, same binary (GET -c64)" "$(field access_log ratio)" \
    "$(field access_log log_off_rps) req/s with it off" "-" "-" "-" "-" "-"
  echo
  echo "peak RSS against Go: API $(field items peak_rss_mib "scenario=get conns=64") MiB (Go $GO_RSS_API," \
    "ratio $(auction_ratio "$(field items peak_rss_mib "scenario=get conns=64")" "$GO_RSS_API")); worker" \
    "$(max_rss "$(field worker_quorum peak_rss_mib)") MiB at most (Go $GO_RSS_WORKER," \
    "ratio $(auction_ratio "$(max_rss "$(field worker_quorum peak_rss_mib)")" "$GO_RSS_WORKER"))"
  echo "drain CPU per event by process (us): quorum: $(sed -n 's/^CPU us per event during the drain, by process: //p' "$OUT/worker_quorum.log")"
  echo "                                     classic: $(sed -n 's/^CPU us per event during the drain, by process: //p' "$OUT/worker_classic.log")"
  echo "request lines: $(field access_log lines) written for $(field access_log requests) requests, dropped $(field access_log dropped)"
} | tee "$OUT/../run_all.txt"
((failed == 0)) || { log "ERROR: a benchmark failed (see $OUT)"; exit 1; }
