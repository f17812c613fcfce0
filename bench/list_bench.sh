#!/usr/bin/env bash
# What a page of GET /api/v1/items costs at depth, by page number and by cursor, over 1,000,000 items.
#
#   bench/list_bench.sh
#
# Builds (RelWithDebInfo), starts PostgreSQL and RabbitMQ through scripts/lib.sh when they are not running,
# recreates the database auction_listbench (and a RabbitMQ vhost of that name), starts its own auction-api on
# 127.0.0.1:18082 with the environment of scripts/run.sh (.run/auction.env; only the port, database, vhost and
# service name differ), loads BENCH_ITEMS items in one INSERT ... SELECT FROM generate_series
# (bench/load_list_items.sql), then, for two lists (the default one, newest first; and status=active sorted by
# -currentPrice), measures with wrk -t1 -c BENCH_CONNECTIONS (bench/list_page.lua: the same request over and over):
#
#   page mode     ?page=1                 and ?page=BENCH_DEEP_PAGE        (OFFSET, count(*) OVER ())
#   cursor mode   ?cursor= (the first)    and ?cursor=<after page BENCH_DEEP_PAGE - 1>   (keyset, no count)
#
# The deep cursor is the nextCursor of page BENCH_DEEP_PAGE - 1 in page mode (page mode answers carry the cursor
# of the page after them), and the deep page's rows are checked to be the same in both modes before measuring.
# Each measured run follows a warm-up run. Prints p50/p99 and req/s per scenario, the deep/first p99 ratio per mode,
# and PostgreSQL's EXPLAIN (ANALYZE, BUFFERS) of both deep pages of the default list (the API's statements, with
# the deep page's keyset values read from the table). About 3 minutes with the load (1,000,000 rows: about a
# minute on 2 cores), 1 minute with BENCH_KEEP_DATA=1 and the data already there.
#
# Environment:
#   BENCH_ITEMS         items loaded                                    (default 1000000)
#   BENCH_DEEP_PAGE     the deep page (page mode caps page at 100000)   (default 10000)
#   BENCH_LIMIT         page size                                       (default 20)
#   BENCH_CONNECTIONS   wrk connections                                 (default 2)
#   BENCH_DURATION      seconds per measured run                        (default 10)
#   BENCH_WARMUP        seconds of warm-up before each                  (default 2)
#   BENCH_PORT          port of the API                                 (default 18082)
#   BENCH_DB            database and RabbitMQ vhost                     (default auction_listbench)
#   BENCH_KEEP_DATA=1   reuse the database when it holds BENCH_ITEMS items, and keep it (default: load afresh,
#                       drop it at the end)
#   BENCH_BIN_DIR       where auction-api is; not build/ = used as it is (default build/)
#   BENCH_SKIP_BUILD=1  use build/auction-api as it is
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=../scripts/lib.sh
. "$BENCH_DIR/../scripts/lib.sh"

ITEMS=${BENCH_ITEMS:-1000000}
DEEP=${BENCH_DEEP_PAGE:-10000}
LIMIT=${BENCH_LIMIT:-20}
CONNS=${BENCH_CONNECTIONS:-2}
DURATION=${BENCH_DURATION:-10}
DURATION=${DURATION%s}
WARMUP=${BENCH_WARMUP:-2}
WARMUP=${WARMUP%s}
PORT=${BENCH_PORT:-18082}
DB=${BENCH_DB:-auction_listbench}
KEEP=${BENCH_KEEP_DATA:-0}
# The process name keys .run/<name>.pid: a bench on another database must not stop this one's API.
PROC=list-bench-api-$DB
BIN_DIR=${BENCH_BIN_DIR:-$ROOT/build}
URL=http://127.0.0.1:$PORT

auction_positive_ints ITEMS DEEP LIMIT CONNS DURATION WARMUP PORT
[[ $DB =~ ^[a-z_][a-z0-9_]*$ ]] || { log "ERROR: BENCH_DB must be a plain lower-case name (got '$DB')"; exit 2; }
((DEEP >= 2 && DEEP <= 100000)) || { log "ERROR: BENCH_DEEP_PAGE must be 2..100000 (the API's page cap)"; exit 2; }
((LIMIT <= 100)) || { log "ERROR: BENCH_LIMIT must be 1..100"; exit 2; }
((DEEP * LIMIT <= ITEMS)) || { log "ERROR: page $DEEP of $LIMIT needs at least $((DEEP * LIMIT)) items"; exit 2; }

TMP=$(mktemp -d /tmp/list_bench.XXXXXX)
API_PID=
cleanup() {
  local rc=$?
  [[ -z $API_PID ]] || auction_bench_api_stop "$PROC" "$BIN_DIR" "$API_PID"
  if [[ $KEEP != 1 && ${DB_CREATED:-0} == 1 ]]; then
    log "dropping database $DB (BENCH_KEEP_DATA=1 keeps it)"
    _auction_psql -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null || true
  fi
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

psql_bench() { _auction_psql -d "$DB" "$@"; }

# ---------------------------------------------------------------------------------------------------
# 1. Tools, build, services, database

if ! command -v wrk >/dev/null 2>&1; then
  log "installing wrk"
  _auction_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk ||
    { _auction_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q &&
      _auction_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk; }
fi

auction_bench_api_build "$BIN_DIR"

auction_start_postgres
auction_start_rabbitmq
auction_env_file
auction_rabbitmq_vhost "$DB"

auction_proc_stop -t 20 "$PROC"
if _auction_port_open 127.0.0.1 "$PORT"; then
  log "ERROR: port $PORT is taken by another process; set BENCH_PORT"
  exit 1
fi
loaded=0
if [[ $KEEP == 1 && -n $(_auction_psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'") ]]; then
  loaded=$(psql_bench -tAc "SELECT CASE WHEN to_regclass('items') IS NULL THEN 0 ELSE (SELECT count(*) FROM items) END")
fi
if ((loaded != ITEMS)); then
  auction_reset_database "$DB"
  loaded=0
fi
DB_CREATED=1

# ---------------------------------------------------------------------------------------------------
# 2. The API (it applies the migrations), then the data

api_env=(PORT="$PORT" POSTGRES_HOST=127.0.0.1 POSTGRES_PORT="$AUCTION_PG_PORT" POSTGRES_DATABASE="$DB"
  POSTGRES_USERNAME=postgres POSTGRES_PASSWORD=postgres SERVICE_NAME=auction-list-bench
  RABBITMQ_URL="amqp://guest:guest@127.0.0.1:$AUCTION_AMQP_PORT/$DB")
auction_proc_start "$PROC" "$BIN_DIR/auction-api" "${api_env[@]}"
API_PID=$(cat "$RUN_DIR/$PROC.pid")
auction_wait_http "$URL/api/v1/categories" "$API_PID" "$LOG_DIR/$PROC.log" || exit 1
log "auction-api up (pid $API_PID), migrations applied"

if ((loaded == ITEMS)); then
  log "database $DB already holds $ITEMS items (BENCH_KEEP_DATA=1)"
  LOAD_NOTE="reused"
else
  log "loading $ITEMS items"
  load_start=$SECONDS
  psql_bench -v items="$ITEMS" -f "$BENCH_DIR/load_list_items.sql" >/dev/null
  psql_bench -c "VACUUM ANALYZE items" >/dev/null
  LOAD_NOTE="loaded in $((SECONDS - load_start)) s (INSERT ... generate_series, then VACUUM ANALYZE)"
  log "$LOAD_NOTE"
fi
psql_bench -c CHECKPOINT >/dev/null

# ---------------------------------------------------------------------------------------------------
# 3. Measurements

get() { curl -fsS --max-time 30 "$URL$1"; }
ids_of() { grep -o '"id":"[0-9a-f-]*"' || true; }

# Waits (up to 120 s) until no statement runs in the database: a page-mode statement outlives the wrk run that
# sent it (PostgreSQL finishes it after the client left), and the reads pipeline would queue the next run's
# requests behind it on the same connection.
settle() {
  local i n
  for ((i = 0; i < 600; i++)); do
    n=$(psql_bench -tAc "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
                           AND state = 'active' AND pid <> pg_backend_pid()")
    ((n == 0)) && return 0
    sleep 0.2
  done
  log "WARNING: statements still running in $DB after 120 s"
}

declare -A P50 P99 RPS REQS
ROWS=()
measure() { # NAME PATH
  local name=$1 path=$2 line
  local args=(-t1 -c"$CONNS" --timeout 30s -s "$BENCH_DIR/list_page.lua" "$URL" -- "$path")
  settle
  log "$name: warm-up ${WARMUP}s"
  timeout $((WARMUP + 60)) wrk -d"${WARMUP}s" "${args[@]}" >"$TMP/$name.warmup" 2>&1 ||
    { cat "$TMP/$name.warmup" >&2; return 1; }
  settle
  log "$name: wrk -t1 -c$CONNS -d${DURATION}s $path"
  timeout $((DURATION + 60)) wrk -d"${DURATION}s" "${args[@]}" >"$TMP/$name.out" 2>&1 ||
    { cat "$TMP/$name.out" >&2; return 1; }
  line=$(grep '^RESULT ' "$TMP/$name.out" | tail -n1)
  [[ -n $line ]] || { cat "$TMP/$name.out" >&2; log "ERROR: no RESULT line from wrk"; return 1; }
  _kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }
  if (($(_kv bad_status) + $(_kv socket_errors) + $(_kv timeouts) > 0)); then
    cat "$TMP/$name.out" >&2
    log "ERROR: $name had failed requests: the figures are not a measurement"
    return 1
  fi
  P50[$name]=$(_kv p50_ms)
  P99[$name]=$(_kv p99_ms)
  RPS[$name]=$(_kv rps)
  REQS[$name]=$(_kv requests)
  ROWS+=("$name")
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
LISTS=("" "status=active&sort=-currentPrice")
LABELS=("default (-createdAt)" "status=active&sort=-currentPrice")
for i in "${!LISTS[@]}"; do
  filter=${LISTS[$i]}
  base="/api/v1/items?${filter:+$filter&}limit=$LIMIT"
  # The cursor of page DEEP: page DEEP - 1's nextCursor.
  cursor=$(get "$base&page=$((DEEP - 1))" | sed -n 's/.*"nextCursor":"\([A-Za-z0-9_-]*\)".*/\1/p')
  [[ -n $cursor ]] || { log "ERROR: page $((DEEP - 1)) of '$filter' has no nextCursor"; exit 1; }
  get "$base&page=$DEEP" | ids_of >"$TMP/deep_page.ids"
  get "$base&cursor=$cursor" >"$TMP/deep_cursor.json"
  ids_of <"$TMP/deep_cursor.json" >"$TMP/deep_cursor.ids"
  if [[ ! -s $TMP/deep_page.ids ]] || ! cmp -s "$TMP/deep_page.ids" "$TMP/deep_cursor.ids"; then
    log "ERROR: page $DEEP of '$filter' differs between page mode and cursor mode"
    exit 1
  fi
  if grep -q '"total"' "$TMP/deep_cursor.json"; then
    log "ERROR: a cursor-mode answer counted its rows"
    exit 1
  fi
  log "list ${LABELS[$i]}: page $DEEP has the same $(wc -l <"$TMP/deep_page.ids") rows in both modes"
  measure "$i.page.first" "$base&page=1"
  measure "$i.page.deep" "$base&page=$DEEP"
  measure "$i.cursor.first" "$base&cursor="
  measure "$i.cursor.deep" "$base&cursor=$cursor"
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# The API's statements for page DEEP of the default list, planned and run by PostgreSQL itself.
offset=$(((DEEP - 1) * LIMIT))
read -r key_ts key_id < <(psql_bench -tA -F ' ' -c \
  "SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), id FROM items ORDER BY created_at DESC, id DESC OFFSET $((offset - 1)) LIMIT 1")
explain() { # SQL -> "execution ms, buffers"
  # shellcheck disable=SC2016 # JavaScript template literals, not shell expansions
  psql_bench -tA -c "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) $1" | node -e '
    const plan = JSON.parse(require("fs").readFileSync(0, "utf8"))[0];
    const p = plan.Plan;
    const temp = (p["Temp Read Blocks"] || 0) + (p["Temp Written Blocks"] || 0);
    console.log(`${plan["Execution Time"].toFixed(2)} ms, ${p["Shared Hit Blocks"] + p["Shared Read Blocks"]} shared buffers` +
      (temp ? `, ${temp} temp blocks` : ""));'
}
# The API's column list (kColumns of infra/postgres/item_repository.cpp), categories subquery included.
cols=$(awk '/constexpr const char\* kColumns =/ { on = 1 } on { print } on && /;[[:space:]]*$/ { exit }' \
  "$ROOT/infra/postgres/item_repository.cpp" | grep -o '"[^"]*"' | tr -d '"' | tr -d '\n')
[[ $cols == i.id::text* ]] || { log "ERROR: could not read kColumns from infra/postgres/item_repository.cpp"; exit 1; }
EXPLAIN_PAGE=$(explain "SELECT $cols, count(*) OVER () FROM items i ORDER BY i.created_at DESC, i.id DESC LIMIT $LIMIT OFFSET $offset")
EXPLAIN_CURSOR=$(explain "SELECT $cols FROM items i WHERE (i.created_at, i.id) < ('$key_ts'::timestamptz, '$key_id'::uuid) ORDER BY i.created_at DESC, i.id DESC LIMIT $((LIMIT + 1))")

log "stopping auction-api"
auction_bench_api_stop "$PROC" "$BIN_DIR" "$API_PID"
API_PID=

# ---------------------------------------------------------------------------------------------------
# 4. The figures

cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
{
  echo
  echo "list_bench $(date -u +%Y-%m-%dT%H:%M:%SZ)  $(nproc) cores (${cpu_model:-unknown CPU}), $(uname -r)"
  echo "$ITEMS items ($LOAD_NOTE); limit=$LIMIT; wrk -t1 -c$CONNS -d${DURATION}s after ${WARMUP}s warm-up;" \
    "load average $LOAD_BEFORE before, $LOAD_AFTER after"
  echo
  printf '%-36s %-7s %-7s %9s %9s %8s %9s\n' list mode page "p50 ms" "p99 ms" "req/s" requests
  for i in "${!LISTS[@]}"; do
    for r in page.first page.deep cursor.first cursor.deep; do
      name=$i.$r
      page=1
      [[ $r != *deep ]] || page=$DEEP
      printf '%-36s %-7s %-7s %9.2f %9.2f %8.1f %9s\n' "${LABELS[$i]}" "${r%%.*}" "$page" "${P50[$name]}" \
        "${P99[$name]}" "${RPS[$name]}" "${REQS[$name]}"
    done
    echo "  p99 of page $DEEP / page 1: page mode $(auction_ratio "${P99[$i.page.deep]}" "${P99[$i.page.first]}" 1)x," \
      "cursor mode $(auction_ratio "${P99[$i.cursor.deep]}" "${P99[$i.cursor.first]}" 1)x;" \
      "page $DEEP by cursor is $(auction_ratio "${P99[$i.page.deep]}" "${P99[$i.cursor.deep]}" 1)x faster than by page number (p99)"
  done
  echo
  echo "PostgreSQL alone, page $DEEP of the default list (EXPLAIN ANALYZE of the API's statement):"
  echo "  page mode   (OFFSET $offset, count(*) OVER ()): $EXPLAIN_PAGE"
  echo "  cursor mode ((created_at, id) < keyset, LIMIT $((LIMIT + 1))): $EXPLAIN_CURSOR"
  echo
  for name in "${ROWS[@]}"; do
    printf 'RESULT scenario=%s p50_ms=%s p99_ms=%s rps=%s requests=%s\n' "$name" "${P50[$name]}" "${P99[$name]}" \
      "${RPS[$name]}" "${REQS[$name]}"
  done
}
