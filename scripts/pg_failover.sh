#!/usr/bin/env bash
# PostgreSQL failover test (docs/DEPLOYMENT.md, "PostgreSQL failover"). Two private PostgreSQL 15 clusters in
# .run/pgfailover: a primary (127.0.0.1:5441) and a synchronous streaming standby (5442, pg_basebackup -R,
# synchronous_standby_names). The built auction-api (18451) and two auction-worker replicas (health 18461, 18462)
# are given both hosts: POSTGRES_HOST=127.0.0.1,127.0.0.1 POSTGRES_PORT=5441,5442. The chaos test's load
# (tests/chaos/chaos_load: API writes, bid.placed and bid.won events) runs on the shared RabbitMQ (vhost
# auction_failover) with the shared S3 server (9000). Mid-load the primary is killed with SIGKILL and, a second
# later, the standby promoted (pg_ctl promote); no program is restarted, and worker 2 starts only after the
# promotion (a start, migrations included, whose first host is dead). Then the chaos checker reads the new
# primary: every acknowledged write and every confirmed bid must be there (lost = duplicated = unexpected = 0), and
# the API, the outbox relay and the workers must have resumed (writes acknowledged, events published and bids
# applied after the promotion). About 45 s.
#   scripts/pg_failover.sh                      exit 0 when valid, 1 otherwise
# Environment: FAILOVER_SECONDS (10: the load), FAILOVER_BIDS (2500), FAILOVER_KILL_AT (3: seconds into the load),
# FAILOVER_PROMOTE_AFTER (1: seconds between the kill and the promotion), FAILOVER_SEED, AUCTION_BUILD_DIR (build/,
# where auction-api, auction-worker and tests/chaos/chaos_load are; built there when missing), FAILOVER_WORKER_LOG_LEVEL
# (info; debug also logs the notices PostgreSQL sends the workers).
# Never touches the shared PostgreSQL (5433): its ports are 5441, 5442 and 18450..18499.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

: "${FAILOVER_SECONDS:=10}" "${FAILOVER_BIDS:=2500}" "${FAILOVER_KILL_AT:=3}" "${FAILOVER_PROMOTE_AFTER:=1}"
: "${FAILOVER_SEED:=$(date +%s)}"
BUILD_DIR=${AUCTION_BUILD_DIR:-$ROOT/build}
FAIL_DIR=$RUN_DIR/pgfailover
OUT=$FAIL_DIR/out
LOGS=$FAIL_DIR/logs
SOCK=$FAIL_DIR/sock
SVC_DIR=$FAIL_DIR/service # the programs' working directory and pid files
PRIMARY_PORT=5441
STANDBY_PORT=5442
API_PORT=18451
HEALTH_BASE=18460
DB=auction_failover
VHOST=auction_failover
STANDBY_NAME=pgfail_standby
AUCTION_PG_DIR=$FAIL_DIR # lib.sh's _auction_as_postgres runs its commands there
LOG_DIR=$LOGS            # lib.sh's auction_program_start writes the programs' logs there
START=$SECONDS

say() { printf '[pg-failover %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
now_us() { date +%s%6N; }

# ---------------------------------------------------------------------------
# The two PostgreSQL nodes (primary, standby): data in $FAIL_DIR/NODE, log $LOGS/NODE.log

node_port() { if [[ $1 == primary ]]; then echo "$PRIMARY_PORT"; else echo "$STANDBY_PORT"; fi; }

# The postmaster of node $1, when it runs (checked against its command line: pids get reused).
node_pid() { auction_postmaster_pid "$FAIL_DIR/$1"; }

# True while process $1 exists and has not exited (a zombie has: its sockets are closed, only its reaping is left).
alive() {
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || true)
  [[ -n $state && $state != Z ]]
}

# The processes of node $1: every process whose working directory is its data directory (the postmaster and all its
# children, including a backend it forked a moment ago).
node_procs() {
  find /proc -mindepth 2 -maxdepth 2 -name cwd -lname "$FAIL_DIR/$1" 2>/dev/null | cut -d/ -f3
}

# A crash of node $1: SIGSTOP to the postmaster (it forks no new backend from now on, and its children do not see it
# die), then SIGKILL to all its processes at once, nothing flushed or closed. (Children listed by parent pid while the
# postmaster still runs would miss a backend forked in between; such an orphan keeps its client's connection.)
node_kill9() {
  local pid procs
  pid=$(node_pid "$1")
  [[ -n $pid ]] || return 0
  kill -STOP "$pid" 2>/dev/null || true
  mapfile -t procs < <(node_procs "$1")
  kill -KILL "$pid" "${procs[@]}" 2>/dev/null || true
  for pid in "$pid" "${procs[@]}"; do
    while alive "$pid"; do sleep 0.01; done
  done
  KILLED=${#procs[@]}
}

node_start() {
  _auction_as_postgres "$AUCTION_PG_BIN/pg_ctl" -D "$FAIL_DIR/$1" -l "$LOGS/$1.log" -o "-p $(node_port "$1")" \
    -w -t 60 start >/dev/null || { tail -n 20 "$LOGS/$1.log" >&2; return 1; }
}

node_stop() {
  [[ -n $(node_pid "$1") ]] || return 0
  _auction_as_postgres "$AUCTION_PG_BIN/pg_ctl" -D "$FAIL_DIR/$1" -m immediate -w -t 30 stop >/dev/null 2>&1 ||
    node_kill9 "$1"
}

# node_psql NODE ARGS...
node_psql() {
  local port
  port=$(node_port "$1")
  shift
  psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres -tA "$@"
}

# wait_for SECONDS WHAT COMMAND...: polls COMMAND every 0.2 s.
wait_for() {
  local seconds=$1 what=$2 deadline=$((SECONDS + $1))
  shift 2
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      say "ERROR: $what after $seconds s"
      return 1
    fi
    sleep 0.2
  done
}

standby_is_sync() {
  [[ $(node_psql primary -c "SELECT sync_state FROM pg_stat_replication WHERE application_name = '$STANDBY_NAME'") == sync ]]
}

setup_nodes() {
  mkdir -p "$FAIL_DIR" "$SOCK" "$LOGS" "$OUT" "$SVC_DIR"
  chown postgres:postgres "$FAIL_DIR" "$SOCK" "$LOGS"
  _auction_make_traversable "$FAIL_DIR"
  # --no-sync: a test cluster, made again on every run; the servers themselves run with fsync on.
  _auction_as_postgres "$AUCTION_PG_BIN/initdb" -D "$FAIL_DIR/primary" --username=postgres --auth=trust \
    --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$LOGS/initdb.log" 2>&1 || { cat "$LOGS/initdb.log" >&2; return 1; }
  # The port comes from each node's command line (-p), so the standby's copy of this file serves it too.
  cat >>"$FAIL_DIR/primary/postgresql.conf" <<EOF

# scripts/pg_failover.sh
listen_addresses = '127.0.0.1'
unix_socket_directories = '$SOCK'
max_connections = 100
shared_buffers = 32MB
fsync = on
synchronous_commit = on
wal_level = replica
max_wal_senders = 4
wal_keep_size = 64MB
hot_standby = on
log_connections = on
EOF
  node_start primary
  node_psql primary -c "CREATE DATABASE $DB" >/dev/null
  # The standby: a base backup that streams its WAL (-X stream) and writes standby.signal and primary_conninfo
  # (-R), which names the standby so that synchronous_standby_names can require it.
  _auction_as_postgres "$AUCTION_PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres \
    -D "$FAIL_DIR/standby" -R -X stream -c fast >"$LOGS/basebackup.log" 2>&1 ||
    { cat "$LOGS/basebackup.log" >&2; return 1; }
  echo "primary_conninfo = 'host=127.0.0.1 port=$PRIMARY_PORT user=postgres application_name=$STANDBY_NAME'" \
    >>"$FAIL_DIR/standby/postgresql.auto.conf"
  node_start standby
  # Synchronous from now on: a commit returns once the standby has flushed it. Set after the base backup, so the
  # standby's copy of the configuration does not wait for a standby of its own once promoted.
  node_psql primary -c "ALTER SYSTEM SET synchronous_standby_names = '$STANDBY_NAME'" -c "SELECT pg_reload_conf()" \
    >/dev/null
  wait_for 30 "the standby is not synchronous" standby_is_sync
}

# ---------------------------------------------------------------------------
# The programs (pid files in $SVC_DIR), given both hosts: the local run's configuration (scripts/local.env) with the
# two nodes, their own database, vhost and service name, and no drain (no load balancer here). chaos_load reads the
# same environment.

auction_program_env --vhost "$VHOST" POSTGRES_HOST=127.0.0.1,127.0.0.1 POSTGRES_PORT="$PRIMARY_PORT,$STANDBY_PORT" \
  POSTGRES_DATABASE="$DB" SERVICE_NAME=auction-failover LOG_LEVEL=warn SHUTDOWN_DRAIN=0

proc_pid() { auction_program_pid "$SVC_DIR" "$1"; }

# proc_start api | worker-N. At info a worker logs little (start, stop with its counts, pool stats), and its counts
# tell a lost message from one it still held.
proc_start() {
  case $1 in
    api) auction_program_start "$SVC_DIR" api "$BUILD_DIR/auction-api" PORT="$API_PORT" HTTP_THREADS=2 ;;
    *) auction_program_start "$SVC_DIR" "$1" "$BUILD_DIR/auction-worker" WORKER_ID="${1#worker-}" \
      HEALTH_PORT=$((HEALTH_BASE + ${1#worker-})) LOG_LEVEL="${FAILOVER_WORKER_LOG_LEVEL:-info}" ;;
  esac
}

# proc_stop NAME...: SIGTERM to all of them at once, SIGKILL to what is left after 20 s.
proc_stop() {
  local name pid pids=()
  for name in "$@"; do
    pid=$(proc_pid "$name")
    [[ -z $pid ]] || { kill -TERM "$pid" 2>/dev/null || true; pids+=("$pid"); }
  done
  local deadline=$((SECONDS + 20))
  for pid in "${pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null; do
      ((SECONDS < deadline)) || kill -KILL "$pid" 2>/dev/null || true
      sleep 0.1
    done
  done
}

PROCS=(api worker-1 worker-2)

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  [[ -z ${LOAD_PID:-} ]] || kill -TERM "$LOAD_PID" 2>/dev/null || true
  proc_stop "${PROCS[@]}"
  node_stop standby
  node_stop primary
  # The data goes (two clusters, made again on every run) unless the check failed; the logs and the history stay.
  if ((status == 0)); then
    rm -rf "$FAIL_DIR/primary" "$FAIL_DIR/standby"
  else
    say "the clusters stay in $FAIL_DIR/{primary,standby} for a look (the next run removes them)"
  fi
  say "logs in $LOGS, history and checker output in $OUT; $((SECONDS - START)) s in all"
  exit "$status"
}

# ---------------------------------------------------------------------------

CHAOS_LOAD=$BUILD_DIR/tests/chaos/chaos_load
if [[ ! -x $BUILD_DIR/auction-api || ! -x $BUILD_DIR/auction-worker || ! -x $CHAOS_LOAD ]]; then
  say "building auction-api, auction-worker and chaos_load in $BUILD_DIR"
  [[ -f $BUILD_DIR/build.ninja ]] || cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DAUCTION_WERROR=ON >/dev/null
  cmake --build "$BUILD_DIR" -j2 --target auction-api auction-worker chaos_load
fi

# Leftovers of an interrupted run (ours only: our pid files, postmasters of our data directories).
proc_stop "${PROCS[@]}"
node_kill9 primary
node_kill9 standby
rm -rf "$FAIL_DIR/primary" "$FAIL_DIR/standby" "$OUT" "$LOGS" "$SVC_DIR"
trap cleanup EXIT INT TERM

say "primary on $PRIMARY_PORT, synchronous standby on $STANDBY_PORT (data in $FAIL_DIR)"
# rabbitmqctl takes seconds: the vhost is made meanwhile.
auction_rabbitmq_vhost "$VHOST" &
VHOST_PID=$!
setup_nodes
wait "$VHOST_PID" || { say "ERROR: cannot make the RabbitMQ vhost $VHOST"; exit 1; }
"$CHAOS_LOAD" setup

say "auction-api on $API_PORT and worker 1, both hosts: POSTGRES_HOST=127.0.0.1,127.0.0.1 POSTGRES_PORT=$PRIMARY_PORT,$STANDBY_PORT"
proc_start api
# The pid as recorded: until the subshell has exec'd the program, its command line is not yet the program's.
auction_wait_http "http://127.0.0.1:$API_PORT/api/v1/categories" "$(cat "$SVC_DIR/api.pid")" "$LOGS/api.log" 60
proc_start worker-1
auction_wait_http "http://127.0.0.1:$((HEALTH_BASE + 1))/readyz" "$(cat "$SVC_DIR/worker-1.pid")" "$LOGS/worker-1.log" 60

say "load: ${FAILOVER_SECONDS}s, $FAILOVER_BIDS bid events, 2 API writers (seed $FAILOVER_SEED)"
CHAOS_API_URL=http://127.0.0.1:$API_PORT CHAOS_SECONDS=$FAILOVER_SECONDS \
  CHAOS_BIDS=$FAILOVER_BIDS CHAOS_BID_ITEMS=30 CHAOS_WRITERS=2 CHAOS_WRITE_PAUSE_MS=60 CHAOS_SEED=$FAILOVER_SEED \
  "$CHAOS_LOAD" run "$OUT" &
LOAD_PID=$!
until [[ -f $OUT/ready ]] || ! kill -0 "$LOAD_PID" 2>/dev/null; do sleep 0.1; done
sleep "$FAILOVER_KILL_AT"

FAULT_US=$(now_us)
node_kill9 primary
say "primary killed with SIGKILL ($KILLED processes)"
sleep "$FAILOVER_PROMOTE_AFTER"
# From here the standby may become the primary: nothing could succeed between the kill and this moment (the primary is
# dead, the standby read-only), so every success after it came through a reconnected pool.
HEAL_US=$(now_us)
_auction_as_postgres "$AUCTION_PG_BIN/pg_ctl" -D "$FAIL_DIR/standby" -w -t 30 promote >/dev/null
PROMOTED_US=$(now_us)
seconds_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e6 }'; }
say "standby promoted: pg_ctl promote began $(seconds_between "$FAULT_US" "$HEAL_US") s after the kill and took $(seconds_between "$HEAL_US" "$PROMOTED_US") s; no program restarted"
[[ $(node_psql standby -c "SELECT pg_is_in_recovery()") == f ]] || { say "ERROR: the standby still recovers"; exit 1; }
proc_start worker-2

load_status=0
wait "$LOAD_PID" || load_status=$?
LOAD_PID=
((load_status == 0)) || { say "ERROR: the load failed (status $load_status)"; exit 1; }
for p in "${PROCS[@]}"; do
  [[ -n $(proc_pid "$p") ]] || { say "ERROR: $p is not running (log $LOGS/$p.log)"; tail -n 20 "$LOGS/$p.log" >&2; exit 1; }
done

# Quiescence and the check read the new primary itself (the old one is gone either way).
NEW_PRIMARY_ENV=(POSTGRES_HOST=127.0.0.1 POSTGRES_PORT="$STANDBY_PORT")
say "waiting for quiescence (outbox empty, bid queue drained, no bid applied for 8 s)"
env "${NEW_PRIMARY_ENV[@]}" "$CHAOS_LOAD" quiet 60 || say "no quiescence: the check will show what is missing"
status=0
env "${NEW_PRIMARY_ENV[@]}" "$CHAOS_LOAD" check "$OUT" || status=$?
env "${NEW_PRIMARY_ENV[@]}" "$CHAOS_LOAD" after "$OUT" "$FAULT_US" "$HEAL_US" || status=1
if ((status != 0)); then
  # Quiescence counts ready messages only: a message a worker still holds shows here.
  say "bid queue now: $(curl -s -u guest:guest "http://127.0.0.1:$AUCTION_RABBIT_UI_PORT/api/queues/$VHOST/auction.bid.all.v1" |
    grep -o '"messages[a-z_]*":[0-9]*' | tr '\n' ' ')"
fi
say "exit $status"
exit "$status"
