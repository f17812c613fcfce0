#!/usr/bin/env bash
# HTTP benchmark of the items API as scripts/run.sh runs it (request log at info, metrics, trace ids), measured
# side by side with its limit: pgbench running the same SQL, at its best over a sweep of client counts.
#
#   bench/items_bench.sh
#
# Builds (RelWithDebInfo), starts PostgreSQL and RabbitMQ through scripts/lib.sh, recreates the
# database auction_bench (and a RabbitMQ vhost of the same name, so the events go nowhere near other
# consumers), starts its own auction-api on 127.0.0.1:18081 with the environment of scripts/run.sh
# (.run/auction.env; only the port, database, vhost and service name differ), loads BENCH_ITEMS items with
# bench/load_items.sql, then measures, for every concurrency C of BENCH_SWEEP (wrk -t1 -c C), and for every
# client count of BENCH_PG_SWEEP (pgbench):
#
#   GET  /api/v1/items/:id  wrk (random loaded id per request)     vs  pgbench, bench/pgbench_get_item.sql
#   POST /api/v1/items      wrk (fixed body, non-201 = error)      vs  pgbench, bench/pgbench_create_item.sql
#
# The limit each figure is compared with is pgbench's best over its sweep, printed beside it. Every run
# reports the API's CPU microseconds per request and peak RSS.
#
# Writes one row per concurrency to bench/results/items.dat and draws docs/images/items_bench.png with
# gnuplot (bench/plot/items.gp): throughput and p99 by concurrency, the API beside pgbench. About
# 2 minutes at the defaults.
#
# Each measured run follows a warm-up run and a CHECKPOINT; the auction-api stays up (idle) during
# the pgbench runs, so its outbox relay publishes and deletes pgbench's outbox rows exactly as it
# does for the API's own. Prints a table (req/s, p50/p99, pgbench tps, ratio, the API's peak RSS)
# and the CPU split between the processes for every measured run; stops the API it started.
#
# Environment:
#   BENCH_SWEEP         wrk connections                                     (default "4 16 64")
#   BENCH_CONNECTIONS   one concurrency only (the former single-run mode)
#   BENCH_PG_SWEEP      pgbench client counts                               (default "1 2 4 8 16 32 64")
#   BENCH_DURATION      seconds per measured run                            (default 5; 15 for steadier figures)
#   BENCH_WARMUP        seconds of warm-up before each measured run         (default 2)
#   BENCH_ITEMS         items loaded for the GET scenario                   (default 100000)
#   BENCH_HTTP_THREADS  HTTP_THREADS of the API                             (default: the API's, = cores)
#   BENCH_DB_CONNS      DB_MAX_OPEN_CONNS of the API                        (default: the API's, 16)
#   BENCH_PORT          port of the API                                     (default 18081)
#   BENCH_DB            database and RabbitMQ vhost                         (default auction_bench)
#   BENCH_VHOST         RabbitMQ vhost instead                              (default BENCH_DB)
#   BENCH_BIN_DIR       where auction-api is; not build/ = used as it is    (default build/)
#   BENCH_SKIP_BUILD=1  use build/auction-api as it is
#   BENCH_RESULTS_DIR   data file directory                                 (default bench/results)
#   BENCH_PLOT_DIR      picture directory                                   (default docs/images)
#   BENCH_NO_PLOT=1     no picture (no gnuplot needed)
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=../scripts/lib.sh
. "$BENCH_DIR/../scripts/lib.sh"

SWEEP=${BENCH_CONNECTIONS:-${BENCH_SWEEP:-4 16 64}}
DURATION=${BENCH_DURATION:-5}
DURATION=${DURATION%s}
WARMUP=${BENCH_WARMUP:-2}
WARMUP=${WARMUP%s}
ITEMS=${BENCH_ITEMS:-100000}
HTTP_THREADS=${BENCH_HTTP_THREADS:-}
DB_CONNS=${BENCH_DB_CONNS:-}
PORT=${BENCH_PORT:-18081}
DB=${BENCH_DB:-auction_bench}
VHOST=${BENCH_VHOST:-$DB}
# The process name keys .run/<name>.pid: a bench on another database must not stop this one's API.
PROC=bench-api${BENCH_DB:+-$BENCH_DB}
BIN_DIR=${BENCH_BIN_DIR:-$ROOT/build}
RESULTS_DIR=${BENCH_RESULTS_DIR:-$BENCH_DIR/results}
PLOT_DIR=${BENCH_PLOT_DIR:-$ROOT/docs/images}
URL=http://127.0.0.1:$PORT
WRK_THREADS=1
PG_SWEEP=${BENCH_PG_SWEEP:-1 2 4 8 16 32 64}
PG_JOBS=2
CONNS=
PG_CLIENTS=

auction_positive_ints DURATION WARMUP ITEMS PORT SWEEP PG_SWEEP
for pg_c in $PG_SWEEP; do
  ((pg_c <= 150)) || { log "ERROR: pgbench clients above 150 would exhaust the cluster's max_connections"; exit 2; }
done
[[ -z $HTTP_THREADS || $HTTP_THREADS =~ ^[1-9][0-9]*$ ]] || { log "ERROR: bad BENCH_HTTP_THREADS"; exit 2; }
[[ -z $DB_CONNS || $DB_CONNS =~ ^[1-9][0-9]*$ ]] || { log "ERROR: bad BENCH_DB_CONNS"; exit 2; }

TMP=$(mktemp -d /tmp/items_bench.XXXXXX)
API_PID=
cleanup() {
  local rc=$?
  [[ -z $API_PID ]] || auction_bench_api_stop "$PROC" "$BIN_DIR" "$API_PID"
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

psql_bench() { _auction_psql -d "$DB" "$@"; }

# ---------------------------------------------------------------------------------------------------
# CPU accounting from /proc: clock ticks used by a process (all its threads; lib.sh's auction_proc_ticks), by the
# PostgreSQL cluster (postmaster, its live children, and its reaped children), by RabbitMQ, and by the machine.

HZ=$(getconf CLK_TCK)
NCPU=$(nproc)

_pg_children() {
  local pm
  pm=$(head -n1 "$AUCTION_PG_DATA/postmaster.pid" 2>/dev/null || true)
  [[ $pm =~ ^[0-9]+$ ]] || { echo 0; return; }
  ps -o pid= --ppid "$pm" 2>/dev/null | wc -l
}

# _pg_settle N: waits (up to 10 s) until the cluster has at most N child processes again. pgbench's
# backends exit after pgbench itself; until the postmaster has reaped them their CPU time is neither
# in a live process nor in the postmaster's children's total.
_pg_settle() {
  local i
  for ((i = 0; i < 100; i++)); do
    (($(_pg_children) <= $1)) && return 0
    sleep 0.1
  done
  log "WARNING: PostgreSQL still has more than $1 processes 10 s after pgbench ended"
}

_pg_ticks() {
  local pm total c
  pm=$(head -n1 "$AUCTION_PG_DATA/postmaster.pid" 2>/dev/null || true)
  [[ $pm =~ ^[0-9]+$ ]] || { echo 0; return; }
  total=$(auction_proc_ticks "$pm" 1)
  for c in $(ps -o pid= --ppid "$pm" 2>/dev/null); do
    total=$((total + $(auction_proc_ticks "$c")))
  done
  echo "$total"
}

RABBIT_PID=
CPU_END_NS=
_rabbit_ticks() { [[ -n $RABBIT_PID ]] && auction_proc_ticks "$RABBIT_PID" 1 || echo 0; }

_machine_ticks() { # "busy total"
  local user nice system idle iowait irq softirq steal rest
  read -r _ user nice system idle iowait irq softirq steal rest </proc/stat
  echo "$((user + nice + system + irq + softirq + steal)) $((user + nice + system + idle + iowait + irq + softirq + steal))"
}

# Every process: "pid ppid comm ticks", ticks including reaped children (compilers reaped by a make
# that is still running count for the make). Used to name what else kept the CPUs busy.
_all_ticks() {
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk '{
    line = $0; lp = index(line, "("); rp = 0
    for (i = length(line); i > lp; i--) if (substr(line, i, 1) == ")") { rp = i; break }
    if (lp == 0 || rp == 0) next
    comm = substr(line, lp + 1, rp - lp - 1); gsub(/[[:space:]]/, "_", comm)
    split(substr(line, rp + 2), f, " ")
    print substr(line, 1, lp - 2), f[2], comm, f[12] + f[13] + f[14] + f[15]
  }'
}

CPU_SNAP=()
cpu_snapshot() {
  local machine
  read -ra machine <<<"$(_machine_ticks)"
  _all_ticks >"$TMP/procs.before"
  CPU_SNAP=("$(auction_proc_ticks "$API_PID")" "$(_pg_ticks)" "$(_rabbit_ticks)" "${machine[@]}" "$(date +%s%N)")
}

# cpu_report NAME CLIENT_CPU_SECONDS: % of one core used since the last snapshot by the API, the
# PostgreSQL cluster, the client, RabbitMQ, every other process (with the three biggest named), and
# the whole machine; "machine" minus the rest is interrupts, steal and processes that came and went.
declare -A CPU_LINE CPU_TOP
cpu_report() {
  local name=$1 client_s=$2 before=("${CPU_SNAP[@]}")
  mv "$TMP/procs.before" "$TMP/procs.window"
  cpu_snapshot
  local after=("${CPU_SNAP[@]}")
  # The window ends when the client exited (CPU_END_NS), even when the counters were read later.
  local wall_ns=$((${CPU_END_NS:-${after[5]}} - before[5]))
  CPU_END_NS=
  local api=$((after[0] - before[0])) pg=$((after[1] - before[1])) rmq=$((after[2] - before[2]))
  local busy=$((after[3] - before[3])) total=$((after[4] - before[4]))
  local pm others
  pm=$(head -n1 "$AUCTION_PG_DATA/postmaster.pid" 2>/dev/null || echo 0)
  others=$(awk -v excl="$API_PID $pm ${RABBIT_PID:-0} $$" -v hz="$HZ" -v wall="$wall_ns" '
    BEGIN { n = split(excl, e, " "); for (i = 1; i <= n; i++) skip[e[i]] = 1 }
    FNR == NR { b[$1] = $4; bparent[$1] = $2; next }
    { parent[$1] = $2; comm[$1] = $3; a[$1] = $4 }
    END {
      f = 100 / (hz * wall / 1e9)
      # A process that ended in the window moved all its time into its parent: keep only the part
      # spent in the window by taking off what it had used before.
      for (p in b) if (!(p in a) && (bparent[p] in a)) a[bparent[p]] -= b[p]
      for (p in a) {
        q = p; out = 0
        for (d = 0; d < 12 && q != "" && q != "0"; d++) { if (q in skip) { out = 1; break } q = parent[q] }
        if (out) continue
        delta = a[p] - ((p in b) ? b[p] : 0)
        if (delta <= 0) continue
        sum += delta; byname[comm[p]] += delta
      }
      top = ""
      for (k = 0; k < 3; k++) {
        best = ""; bv = 0
        for (c in byname) if (byname[c] > bv) { bv = byname[c]; best = c }
        if (best == "" || bv * f < 2) break
        top = top (top == "" ? "" : ", ") best " " int(bv * f + 0.5) "%"
        delete byname[best]
      }
      printf "%d|%s\n", sum, top
    }' "$TMP/procs.window" "$TMP/procs.before")
  CPU_TOP[$name]=${others#*|}
  CPU_LINE[$name]=$(awk -v api="$api" -v pg="$pg" -v rmq="$rmq" -v oth="${others%%|*}" -v busy="$busy" \
    -v total="$total" -v client="$client_s" -v hz="$HZ" -v ncpu="$NCPU" -v wall="$wall_ns" 'BEGIN {
      w = wall / 1e9; f = 100 / (hz * w)
      a = api * f; p = pg * f; r = rmq * f; o = oth * f; c = client * 100 / w
      m = total > 0 ? busy / total * 100 * ncpu : 0
      # A make reaping compilers that ran before the window overstates "others": cap it.
      u = m - a - p - r - c; if (u < 0) u = 0
      if (o > u) o = u
      u -= o
      printf "%6.0f %6.0f %6.0f %6.0f %6.0f %6.0f %8.0f", a, p, c, r, o, u, m
    }')
}

# ---------------------------------------------------------------------------------------------------
# Runs

declare -A RPS P50 P99 EXTRA TPS PGP50 PGP99 RSS CTX USPR
# Context switches (voluntary and not) of all the API's threads so far.
_api_ctx_switches() {
  cat "/proc/$API_PID"/task/*/status 2>/dev/null | awk '/ctxt_switches:/ { s += $2 } END { print s + 0 }'
}
WRK_ERRORS=0

# wrk_run NAME LUA_SCRIPT URL_PATH [SCRIPT ARGS...]: warm-up, then the measured run; fills RPS/P50/P99.
wrk_run() {
  local name=$1 script=$2 path=$3
  shift 3
  local args=(-t"$WRK_THREADS" -c"$CONNS" --timeout 10s -s "$script" "$URL$path")
  (($# == 0)) || args+=(-- "$@")
  log "$name: wrk warm-up ${WARMUP}s"
  timeout $((WARMUP + 60)) wrk -d"${WARMUP}s" "${args[@]}" >"$TMP/$name.warmup.out" 2>&1 ||
    { cat "$TMP/$name.warmup.out" >&2; return 1; }
  psql_bench -c CHECKPOINT >/dev/null
  log "$name: wrk ${DURATION}s, $CONNS connections"
  local ctx_before api_ticks
  ctx_before=$(_api_ctx_switches)
  api_ticks=$(auction_proc_ticks "$API_PID")
  cpu_snapshot
  timeout $((DURATION + 60)) /usr/bin/time -f '%U %S' -o "$TMP/$name.time" \
    wrk -d"${DURATION}s" "${args[@]}" >"$TMP/$name.out" 2>&1 || { cat "$TMP/$name.out" >&2; return 1; }
  cpu_report "$name" "$(awk '{ print $1 + $2 }' "$TMP/$name.time")"
  sed 's/^/    /' "$TMP/$name.out" >&2
  local line
  line=$(grep '^RESULT ' "$TMP/$name.out" | tail -n1)
  [[ -n $line ]] || { log "ERROR: no RESULT line from wrk"; return 1; }
  _kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }
  RPS[$name]=$(_kv rps)
  P50[$name]=$(_kv p50_ms)
  P99[$name]=$(_kv p99_ms)
  local bad
  bad=$(_kv bad_status)  # create_item.lua counts every answer other than 201
  EXTRA[$name]="errors=$bad socket_errors=$(_kv socket_errors) timeouts=$(_kv timeouts)"
  WRK_ERRORS=$((WRK_ERRORS + bad + $(_kv socket_errors) + $(_kv timeouts)))
  USPR[$name]=$(awk -v t="$(($(auction_proc_ticks "$API_PID") - api_ticks))" -v hz="$HZ" -v n="$(_kv requests)" \
    'BEGIN { printf "%.1f", (n > 0 ? t / hz * 1e6 / n : 0) }')
  RSS[$name]=$(awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$API_PID/status")
  CTX[$name]=$(awk -v d="$(($(_api_ctx_switches) - ctx_before))" -v n="$(_kv requests)" \
    'BEGIN { printf "%.1f", (n > 0 ? d / n : 0) }')
}

# pgbench_run NAME SQL_FILE [pgbench options...]: warm-up, then the measured run with per-transaction
# logs (kept in $TMP, deleted at exit); fills TPS/PGP50/PGP99.
PGBENCH_CMDS=()
pgbench_run() {
  local name=$1 file=$2
  shift 2
  local args=(-n -M prepared -c "$PG_CLIENTS" -j "$((PG_CLIENTS < PG_JOBS ? PG_CLIENTS : PG_JOBS))" -h 127.0.0.1 -p "$AUCTION_PG_PORT" -U postgres
    -f "$file" "$@" "$DB")
  PGBENCH_CMDS+=("$name: pgbench ${args[*]} -T $DURATION")
  local children
  children=$(_pg_children)
  log "$name: pgbench warm-up ${WARMUP}s"
  timeout $((WARMUP + 60)) pgbench "${args[@]}" -T "$WARMUP" >"$TMP/$name.warmup.out" 2>&1 ||
    { cat "$TMP/$name.warmup.out" >&2; return 1; }
  psql_bench -c CHECKPOINT >/dev/null
  _pg_settle "$children"
  log "$name: pgbench ${DURATION}s, $PG_CLIENTS clients"
  mkdir -p "$TMP/$name.log"
  cpu_snapshot
  timeout $((DURATION + 60)) /usr/bin/time -f '%U %S' -o "$TMP/$name.time" \
    pgbench "${args[@]}" -T "$DURATION" -l --log-prefix="$TMP/$name.log/tx" >"$TMP/$name.out" 2>&1 ||
    { cat "$TMP/$name.out" >&2; return 1; }
  CPU_END_NS=$(date +%s%N)
  _pg_settle "$children"
  cpu_report "$name" "$(awk '{ print $1 + $2 }' "$TMP/$name.time")"
  grep -E '^(number of (transactions actually processed|failed)|latency average|tps)' "$TMP/$name.out" |
    sed 's/^/    /' >&2
  TPS[$name]=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' "$TMP/$name.out")
  [[ -n ${TPS[$name]} ]] || { cat "$TMP/$name.out" >&2; log "ERROR: no tps from pgbench"; return 1; }
  # Per-transaction log lines: client_id transaction_no latency_us script_no epoch epoch_us.
  local p50 p99
  read -r p50 p99 < <(cat "$TMP/$name.log"/tx* | awk '{ print $3 }' | sort -n |
    awk '{ v[NR] = $1 } END {
      if (NR == 0) { print "nan nan"; exit }
      i50 = int(NR * 0.50 + 0.999999); i99 = int(NR * 0.99 + 0.999999)
      printf "%.3f %.3f\n", v[i50] / 1000, v[i99] / 1000 }')
  PGP50[$name]=$p50
  PGP99[$name]=$p99
  rm -rf "$TMP/$name.log"
}

# drain_outbox NAME: waits (bounded) until the relay has published and deleted every outbox row;
# records the backlog left when the run ended and how long the relay took to clear it.
declare -A BACKLOG
drain_outbox() {
  local name=$1 n start=$SECONDS deadline=$((SECONDS + 120))
  n=$(psql_bench -tAc "SELECT count(*) FROM outbox_events")
  log "outbox backlog: $n rows"
  BACKLOG[$name]="$n rows"
  while ((n > 0)); do
    if ((SECONDS >= deadline)); then
      log "WARNING: outbox still holds $n rows after 120 s"
      BACKLOG[$name]+=", $n left after 120 s"
      return 0
    fi
    sleep 0.5
    n=$(psql_bench -tAc "SELECT count(*) FROM outbox_events")
  done
  ((SECONDS == start)) || BACKLOG[$name]+=" (cleared in $((SECONDS - start)) s)"
}

# ---------------------------------------------------------------------------------------------------
# 1. Tools, build, PostgreSQL, RabbitMQ, database

auction_apt_install wrk wrk
[[ ${BENCH_NO_PLOT:-0} == 1 ]] || auction_apt_install gnuplot gnuplot-nox
command -v pgbench >/dev/null 2>&1 || { log "ERROR: pgbench missing (Debian package postgresql-15)"; exit 1; }

auction_bench_api_build "$BIN_DIR"

auction_start_postgres
auction_start_rabbitmq
auction_env_file
RABBIT_PID=$(pgrep -u rabbitmq -x beam.smp | head -n1 || true)

if declare -F auction_rabbitmq_vhost >/dev/null; then
  auction_rabbitmq_vhost "$VHOST"
else
  if ! _auction_as_root rabbitmqctl -q list_vhosts 2>/dev/null | grep -qx "$VHOST"; then
    log "creating RabbitMQ vhost $VHOST"
    _auction_as_root rabbitmqctl -q add_vhost "$VHOST" >/dev/null
  fi
  _auction_as_root rabbitmqctl -q set_permissions -p "$VHOST" guest '.*' '.*' '.*' >/dev/null
fi

# A previous run's API (recorded in .run/bench-api.pid) goes first.
auction_proc_stop -t 20 "$PROC"
if _auction_port_open 127.0.0.1 "$PORT"; then
  log "ERROR: port $PORT is taken by another process; set BENCH_PORT"
  exit 1
fi
auction_reset_database "$DB"

# ---------------------------------------------------------------------------------------------------
# 2. The API, then the data

api_env=(PORT="$PORT" POSTGRES_HOST=127.0.0.1 POSTGRES_PORT="$AUCTION_PG_PORT" POSTGRES_DATABASE="$DB"
  POSTGRES_USERNAME=postgres POSTGRES_PASSWORD=postgres SERVICE_NAME=auction-bench
  RABBITMQ_URL="amqp://guest:guest@127.0.0.1:$AUCTION_AMQP_PORT/$VHOST")
[[ -z $HTTP_THREADS ]] || api_env+=(HTTP_THREADS="$HTTP_THREADS")
[[ -z $DB_CONNS ]] || api_env+=(DB_MAX_OPEN_CONNS="$DB_CONNS" DB_MAX_IDLE_CONNS="$DB_CONNS")
auction_proc_start "$PROC" "$BIN_DIR/auction-api" "${api_env[@]}"
API_PID=$(cat "$RUN_DIR/$PROC.pid")
auction_wait_http "$URL/api/v1/categories" "$API_PID" "$LOG_DIR/$PROC.log" || exit 1
log "auction-api up (pid $API_PID), migrations applied"

log "loading $ITEMS items"
load_start=$SECONDS
psql_bench -v items="$ITEMS" -f "$BENCH_DIR/load_items.sql" >/dev/null
psql_bench -c "VACUUM ANALYZE items" -c "VACUUM ANALYZE item_categories" -c "VACUUM ANALYZE bench_ids" >/dev/null
psql_bench -tAc "SELECT id FROM bench_ids ORDER BY n" >"$TMP/ids.txt"
loaded=$(wc -l <"$TMP/ids.txt")
((loaded == ITEMS)) || { log "ERROR: loaded $loaded items, expected $ITEMS"; exit 1; }
log "loaded $loaded items in $((SECONDS - load_start)) s"
IDLE_RSS=$(awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$API_PID/status")

# Smoke checks: a loaded item reads back, a create answers 201.
first_id=$(head -n1 "$TMP/ids.txt")
curl -fsS --max-time 5 -o /dev/null "$URL/api/v1/items/$first_id" ||
  { log "ERROR: GET $URL/api/v1/items/$first_id failed"; exit 1; }
code=$(curl -sS --max-time 5 -o "$TMP/post.json" -w '%{http_code}' -X POST "$URL/api/v1/items" \
  -H 'Content-Type: application/json' -H 'X-User-ID: bench-user' \
  -d '{"name":"Vintage Camera","description":"Rare 1960s camera","currencyCode":"USD","startPrice":"100.00","bidIncrement":"5.00","startDate":"'"$(date -u +%Y-%m-%dT%H:%M:%SZ)"'","endDate":"'"$(date -u -d '+7 days' +%Y-%m-%dT%H:%M:%SZ)"'"}')
[[ $code == 201 ]] || { log "ERROR: POST answered $code: $(head -c 300 "$TMP/post.json")"; exit 1; }

# The pgbench read must run the API's column list; warn when item_repository.cpp changed it.
api_cols=$(awk '/constexpr const char\* kColumns =/ { on = 1 } on { print } on && /;[[:space:]]*$/ { exit }' \
  "$ROOT/infra/postgres/item_repository.cpp" | grep -o '"[^"]*"' | tr -d '"' | tr -d '\n')
bench_cols=$(sed -n 's/^SELECT \(.*\) FROM items i WHERE .*/\1/p' "$BENCH_DIR/pgbench_get_item.sql")
if [[ $api_cols != "$bench_cols" ]]; then
  log "WARNING: bench/pgbench_get_item.sql no longer selects the columns of kColumns in item_repository.cpp"
fi

# ---------------------------------------------------------------------------------------------------
# 3-4. Measurements: each scenario through the API at every concurrency, then the limit: pgbench at every
# client count of its sweep.

for c in $SWEEP; do
  CONNS=$c
  log "=== API, $CONNS connections"
  wrk_run "get_$c" "$BENCH_DIR/get_item.lua" /api/v1/items "$TMP/ids.txt"
  drain_outbox "start_$c"
  wrk_run "post_$c" "$BENCH_DIR/create_item.lua" /api/v1/items
  drain_outbox "post_$c"
done
for pc in $PG_SWEEP; do
  PG_CLIENTS=$pc
  log "=== pgbench, $PG_CLIENTS clients"
  pgbench_run "pg_get_$pc" "$BENCH_DIR/pgbench_get_item.sql" -D items="$ITEMS"
  pgbench_run "pg_post_$pc" "$BENCH_DIR/pgbench_create_item.sql"
  drain_outbox "pg_post_$pc"
done

# best_pg SCENARIO: "tps clients" of pgbench's best run of the sweep.
best_pg() {
  local pc best=0 at=0
  for pc in $PG_SWEEP; do
    if awk -v a="${TPS[pg_${1}_$pc]}" -v b="$best" 'BEGIN { exit !(a > b) }'; then
      best=${TPS[pg_${1}_$pc]}
      at=$pc
    fi
  done
  echo "$best $at"
}

# ---------------------------------------------------------------------------------------------------
# 5-6. Peak RSS, the summary, the data file and the picture

PEAK_RSS=$(awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$API_PID/status")
api_threads=$(awk '/^Threads:/ { print $2 }' "/proc/$API_PID/status")
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
stamp=$(date -u +%Y-%m-%dT%H:%M:%SZ)


{
  echo
  echo "items_bench $stamp  $(nproc) cores (${cpu_model:-unknown CPU}), $(uname -r)"
  echo "auction-api as scripts/run.sh runs it (request log on): wrk -t$WRK_THREADS -c<C> -d${DURATION}s (after ${WARMUP}s warm-up);" \
    "$ITEMS items; HTTP_THREADS=${HTTP_THREADS:-default} DB_MAX_OPEN_CONNS=${DB_CONNS:-default}, $api_threads threads"
  echo "limit: pgbench -M prepared -T $DURATION, the same SQL, best of clients $PG_SWEEP"
  echo
  printf '%-22s %5s %9s %8s %8s %10s %12s %16s %7s\n' scenario C "req/s" "p50 ms" "p99 ms" "us CPU/req" \
    "peak RSS MiB" "limit (clients)" ratio
  for scenario in get post; do
    read -r best at <<<"$(best_pg "$scenario")"
    for c in $SWEEP; do
      r=${scenario}_$c
      label="GET /api/v1/items/:id"
      [[ $scenario == get ]] || label="POST /api/v1/items"
      printf '%-22s %5s %9.0f %8.2f %8.2f %10s %12s %16s %7s\n' "$label" "$c" \
        "${RPS[$r]}" "${P50[$r]}" "${P99[$r]}" "${USPR[$r]}" "${RSS[$r]}" "$(printf '%.0f (%s)' "$best" "$at")" \
        "$(auction_ratio "${RPS[$r]}" "$best")"
    done
  done
  echo
  echo "pgbench sweep (the limit):"
  printf '  %7s %10s %9s %9s %10s %9s %9s\n' clients "get tps" "p50 ms" "p99 ms" "post tps" "p50 ms" "p99 ms"
  for pc in $PG_SWEEP; do
    printf '  %7s %10.0f %9.2f %9.2f %10.0f %9.2f %9.2f\n' "$pc" "${TPS[pg_get_$pc]}" "${PGP50[pg_get_$pc]}" \
      "${PGP99[pg_get_$pc]}" "${TPS[pg_post_$pc]}" "${PGP50[pg_post_$pc]}" "${PGP99[pg_post_$pc]}"
  done
  echo
  for c in $SWEEP; do
    echo "C=$c wrk errors: GET ${EXTRA[get_$c]}; POST ${EXTRA[post_$c]} (POST counts every non-201 answer)"
  done
  echo "auction-api RSS: ${IDLE_RSS} MiB after start and data load, peak (VmHWM) ${PEAK_RSS} MiB at the end"
  for c in $SWEEP; do
    echo "C=$c auction-api context switches per request (all its threads): GET ${CTX[get_$c]}, POST ${CTX[post_$c]};" \
      "outbox rows not yet published when the run ended: POST ${BACKLOG[post_$c]}"
  done
  echo
  echo "CPU during each measured run, % of one core (the machine has $NCPU, so $((NCPU * 100))% is all of it):"
  printf '  %-12s %6s %6s %6s %6s %6s %6s %8s   %s\n' run api pg client rabbit others rest machine "biggest others"
  for r in $(for c in $SWEEP; do echo "get_$c post_$c"; done) $(for pc in $PG_SWEEP; do echo "pg_get_$pc pg_post_$pc"; done); do
    printf '  %-12s %s   %s\n' "$r" "${CPU_LINE[$r]}" "${CPU_TOP[$r]:--}"
  done
  echo "  (client = wrk or pgbench; pg = every process of the PostgreSQL cluster; others = every other process;"
  echo "   rest = interrupts, steal and short-lived processes; the machine is shared, so others/rest are noise)"
  echo
  echo "pgbench ran:"
  for cmd in "${PGBENCH_CMDS[@]}"; do
    echo "  $cmd"
  done
  echo "  bench/pgbench_get_item.sql:    $(grep -v '^--' "$BENCH_DIR/pgbench_get_item.sql" | tr '\n' ' ')"
  echo "  bench/pgbench_create_item.sql: $(grep -v '^--' "$BENCH_DIR/pgbench_create_item.sql" | tr '\n' ' ')"
  echo "  The API runs: SELECT <same columns> FROM items i WHERE i.id = \$1::uuid (prepared item_get), and"
  echo "  item_create: the same inserts for one or more items at once, their rows as array parameters."
  echo
  for scenario in get post; do
    read -r best at <<<"$(best_pg "$scenario")"
    for c in $SWEEP; do
      r=${scenario}_$c
      printf 'RESULT scenario=%s conns=%s rps=%s p50_ms=%s p99_ms=%s us_cpu_per_request=%s peak_rss_mib=%s limit_tps=%s limit_clients=%s ratio=%s\n' \
        "$scenario" "$c" "${RPS[$r]}" "${P50[$r]}" "${P99[$r]}" "${USPR[$r]}" "${RSS[$r]}" "$best" "$at" \
        "$(auction_ratio "${RPS[$r]}" "$best")"
    done
  done
  printf 'RESULT peak_rss_mib=%s\n' "$PEAK_RSS"
}

log "stopping auction-api"
auction_bench_api_stop "$PROC" "$BIN_DIR" "$API_PID"
API_PID=

mkdir -p "$RESULTS_DIR"
DAT=$RESULTS_DIR/items.dat
{
  echo "# bench/items_bench.sh $stamp, $(nproc) cores (${cpu_model:-unknown CPU}), shared machine"
  echo "# wrk -t$WRK_THREADS -d${DURATION}s, pgbench -M prepared -j $PG_JOBS -T $DURATION (clients = conns; nan when not in the pgbench sweep), $ITEMS items"
  printf '# conns\tget_rps\tget_p50_ms\tget_p99_ms\tpg_get_tps\tpg_get_p50_ms\tpg_get_p99_ms'
  printf '\tpost_rps\tpost_p50_ms\tpost_p99_ms\tpg_post_tps\tpg_post_p50_ms\tpg_post_p99_ms\n'
  for c in $SWEEP; do
    printf '%s' "$c"
    for scenario in get post; do
      r=${scenario}_$c
      p=pg_${scenario}_$c
      printf '\t%.0f\t%.2f\t%.2f\t%.0f\t%.2f\t%.2f' "${RPS[$r]}" "${P50[$r]}" "${P99[$r]}" "${TPS[$p]:-nan}" \
        "${PGP50[$p]:-nan}" "${PGP99[$p]:-nan}"
    done
    printf '\n'
  done
} >"$DAT"
log "results: $DAT"
if [[ ${BENCH_NO_PLOT:-0} != 1 ]]; then
  mkdir -p "$PLOT_DIR"
  gnuplot -e "datafile='$DAT'; outfile='$PLOT_DIR/items_bench.png'; stamp='$stamp'" \
    -e "load '$BENCH_DIR/plot/common.gp'" "$BENCH_DIR/plot/items.gp"
  log "picture: $PLOT_DIR/items_bench.png"
fi

if ((WRK_ERRORS > 0)); then
  log "ERROR: $WRK_ERRORS failed requests (see wrk errors above): the numbers are not a valid measurement"
  exit 1
fi
