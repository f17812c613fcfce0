#!/usr/bin/env bash
# Chaos test (docs/CHAOS.md): a private PostgreSQL (5434) and RabbitMQ node (chaos@localhost, 5673), the built
# auction-api (18181) and 3 auction-worker replicas (health 18191..18193), a load of API writes and bid events
# (tests/chaos/chaos_load), and a nemesis that kill -9s and restarts RabbitMQ, PostgreSQL, the API and the
# workers at random (seedable) moments. Then it heals everything, waits for quiescence and checks the history
# against the events on auction.item and the final database state (lost / duplicated / unexpected).
#   scripts/chaos.sh [--large | --short] [--seed N]   exit 0 when valid, 1 when the checker found anomalies
#   scripts/chaos.sh --cluster [...]           the broker is a 3-node cluster (scripts/cluster.sh, AMQP
#     5681..5683) with quorum queues; the nemesis kills the node leading the bid queue, or any node, one at a
#     time. Its own PostgreSQL (5435), API (18381) and workers (18391..18393), data in .run/chaos-cluster. The
#     nodes' consumer_timeout is lowered (CHAOS_CONSUMER_TIMEOUT_MS, 3 s), and after the check a probe holds bids
#     past it through a database outage: every one must be applied once.
# Loopback only; never touches the shared services (5433, 5672, 9000). Binaries from $AUCTION_BUILD_DIR
# (default build-chaos, built here when missing).
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SIZE=small
CLUSTER=0
SEED=${CHAOS_SEED:-$(date +%s)}
while (($#)); do
  case $1 in
    --large) SIZE=large ;;
    --small) SIZE=small ;;
    --short) SIZE=short ;;
    --cluster) CLUSTER=1 ;;
    --seed) SEED=$2; shift ;;
    *) echo "usage: $0 [--large | --short] [--cluster] [--seed N]" >&2; exit 2 ;;
  esac
  shift
done

if [[ $SIZE == large ]]; then
  : "${CHAOS_SECONDS:=240}" "${CHAOS_BIDS:=40000}" "${CHAOS_BID_ITEMS:=150}" "${CHAOS_WRITERS:=3}"
  : "${CHAOS_FAULT_GAP:=6}"  # seconds between the starts of two faults: 1..2*GAP, uniform
elif [[ $SIZE == short ]]; then
  # The test command's cluster run: the same first four faults (leader, database, API, worker) in half the time.
  : "${CHAOS_SECONDS:=30}" "${CHAOS_BIDS:=4000}" "${CHAOS_BID_ITEMS:=40}" "${CHAOS_WRITERS:=2}"
  : "${CHAOS_FAULT_GAP:=3}"
else
  : "${CHAOS_SECONDS:=45}" "${CHAOS_BIDS:=5000}" "${CHAOS_BID_ITEMS:=40}" "${CHAOS_WRITERS:=2}"
  : "${CHAOS_FAULT_GAP:=5}"
fi
: "${CHAOS_PG_DOWN_MIN:=1}"  # the database stays down CHAOS_PG_DOWN_MIN..+3 s (plus its crash recovery)
export CHAOS_SECONDS CHAOS_BIDS CHAOS_BID_ITEMS CHAOS_WRITERS CHAOS_SEED=$SEED

BUILD_DIR=${AUCTION_BUILD_DIR:-$ROOT/build-chaos}
[[ $BUILD_DIR == /* ]] || BUILD_DIR=$PWD/$BUILD_DIR # the programs run from $CHAOS_DIR
if ((CLUSTER)); then
  # Nothing shared with the single-node run, so both can run at once.
  CHAOS_DIR=$RUN_DIR/chaos-cluster
  API_PORT=18381
  HEALTH_BASE=18390
  : "${CHAOS_PG_PORT:=5435}"
else
  CHAOS_DIR=$RUN_DIR/chaos
  API_PORT=18181
  HEALTH_BASE=18190
fi
OUT=$CHAOS_DIR/out
WORKERS=3
DB=auction_chaos

# The private PostgreSQL cluster: lib.sh's functions, pointed at our own directory and port.
AUCTION_PG_PORT=${CHAOS_PG_PORT:-5434}
AUCTION_PG_DIR=$CHAOS_DIR/pg
AUCTION_PG_DATA=$AUCTION_PG_DIR/data
AUCTION_PG_SOCK=$AUCTION_PG_DIR/sock # used by lib.sh's PostgreSQL functions
export AUCTION_PG_SOCK
LOG_DIR=$CHAOS_DIR/logs
AUCTION_PG_LOG=$LOG_DIR/postgres.log

# The private RabbitMQ node.
RABBIT_DIR=$CHAOS_DIR/rabbit
RABBIT_NODE=chaos@localhost
RABBIT_PORT=${CHAOS_AMQP_PORT:-5673}
RABBIT_DIST_PORT=25673
AMQP_URL="amqp://guest:guest@127.0.0.1:$RABBIT_PORT/"

if ((CLUSTER)); then
  # The 3-node cluster of scripts/cluster.sh (its functions only), wiped at the start of every run. Its
  # consumer_timeout is lowered (checked every second) so that the database outages outlast it: the broker closes the
  # channels of workers that hold bids through an outage, and the probe after the check makes sure it does.
  : "${CHAOS_CONSUMER_TIMEOUT_MS:=3000}"
  # Read by cluster.sh.
  export AUCTION_CLUSTER_DIR=$CHAOS_DIR/cluster CLUSTER_LOG_DIR=$LOG_DIR CLUSTER_FUNCTIONS_ONLY=1 \
    AUCTION_CLUSTER_CONSUMER_TIMEOUT_MS=$CHAOS_CONSUMER_TIMEOUT_MS
  # shellcheck source=cluster.sh
  . "$ROOT/scripts/cluster.sh"
  RABBIT_DIR=$CHAOS_DIR/cluster
  RABBIT_NODE="auction-c1..3@localhost"
  RABBIT_PORT=$(cluster_port 1)
  AMQP_URL=$(cluster_url)
fi

if ((AUCTION_PG_PORT == 5433 || RABBIT_PORT == 5672)); then
  echo "chaos.sh must not use the shared services' ports" >&2
  exit 2
fi

# The programs (and chaos_load) run as a local run does (scripts/local.env), on the private PostgreSQL and RabbitMQ;
# S3 points nowhere (nothing here stores images, and the shared server stays untouched).
auction_program_env POSTGRES_PORT="$AUCTION_PG_PORT" POSTGRES_DATABASE="$DB" RABBITMQ_URL="$AMQP_URL" \
  SERVICE_NAME=auction-chaos AWS_ENDPOINT=http://127.0.0.1:9 AWS_BUCKET=chaos-unused LOG_LEVEL=warn

say() { printf '[chaos %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }

# ---------------------------------------------------------------------------
# PostgreSQL

pg_postmaster_pid() { auction_postmaster_pid "$AUCTION_PG_DATA"; }

pg_start() {
  _auction_pg_clear_stale_pid
  local _try
  for _try in 1 2 3 4 5; do
    if _auction_as_postgres "$AUCTION_PG_BIN/pg_ctl" -D "$AUCTION_PG_DATA" -l "$AUCTION_PG_LOG" -w -t 60 start \
      >/dev/null 2>&1; then
      return 0
    fi
    sleep 1
  done
  say "PostgreSQL did not restart"
  return 1
}

# kill -9 of the postmaster and its children (ours only: found by parent pid).
pg_kill9() {
  local pid kids
  pid=$(pg_postmaster_pid)
  [[ -n $pid ]] || return 0
  kids=$(ps -o pid= --ppid "$pid" 2>/dev/null || true)
  # shellcheck disable=SC2086
  kill -KILL "$pid" $kids 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
}

pg_stop() {
  if [[ -n $(pg_postmaster_pid) ]]; then
    _auction_as_postgres "$AUCTION_PG_BIN/pg_ctl" -D "$AUCTION_PG_DATA" -m fast -w -t 30 stop >/dev/null 2>&1 || pg_kill9
  fi
}

chaos_psql() {
  psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$AUCTION_PG_PORT" -U postgres "$@"
}

# ---------------------------------------------------------------------------
# RabbitMQ (second node, started with rabbitmq-server directly as the rabbitmq user)

# Printed as NAME=value words for `env -i` (values contain no spaces).
# shellcheck disable=SC2086
rabbit_env() {
  echo PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/var/lib/rabbitmq LANG=C.UTF-8 \
    RABBITMQ_NODENAME=$RABBIT_NODE RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=$RABBIT_PORT \
    RABBITMQ_DIST_PORT=$RABBIT_DIST_PORT RABBITMQ_MNESIA_BASE=$RABBIT_DIR/mnesia RABBITMQ_LOG_BASE=$RABBIT_DIR/log \
    RABBITMQ_CONFIG_FILE=$RABBIT_DIR/rabbitmq.conf RABBITMQ_ENABLED_PLUGINS_FILE=$RABBIT_DIR/enabled_plugins \
    RABBITMQ_PID_FILE=$RABBIT_DIR/beam.pid
}

rabbit_beam_pid() {
  local pid
  pid=$(cat "$RABBIT_DIR/beam.pid" 2>/dev/null || true)
  # The node name is not on beam's command line: it is in its environment.
  if [[ $pid =~ ^[0-9]+$ ]] && { tr '\0' '\n' <"/proc/$pid/environ"; } 2>/dev/null | grep -qx "RABBITMQ_NODENAME=$RABBIT_NODE"; then
    echo "$pid"
  fi
}

rabbit_prepare() {
  mkdir -p "$RABBIT_DIR/mnesia" "$RABBIT_DIR/log"
  cat >"$RABBIT_DIR/rabbitmq.conf" <<EOF
listeners.tcp.default = 127.0.0.1:$RABBIT_PORT
loopback_users.guest = true
disk_free_limit.absolute = 50MB
log.file.level = warning
EOF
  echo '[].' >"$RABBIT_DIR/enabled_plugins"
  chown -R rabbitmq:rabbitmq "$RABBIT_DIR"
  _auction_make_traversable "$CHAOS_DIR"
}

rabbit_ctl() {
  # shellcheck disable=SC2046
  runuser -u rabbitmq -- env -i $(rabbit_env) /usr/lib/rabbitmq/bin/rabbitmqctl -n "$RABBIT_NODE" "$@"
}

rabbit_start() {
  rm -f "$RABBIT_DIR/beam.pid"
  (
    cd "$RABBIT_DIR" || exit 1
    # shellcheck disable=SC2046
    exec setsid runuser -u rabbitmq -- env -i $(rabbit_env) /usr/lib/rabbitmq/bin/rabbitmq-server \
      >>"$LOG_DIR/rabbitmq.log" 2>&1 </dev/null
  ) &
  local deadline=$((SECONDS + 90))
  until _auction_port_open 127.0.0.1 "$RABBIT_PORT"; do
    if ((SECONDS >= deadline)); then
      say "RabbitMQ node $RABBIT_NODE not accepting on $RABBIT_PORT after 90 s"
      tail -n 20 "$LOG_DIR/rabbitmq.log" >&2 || true
      return 1
    fi
    sleep 0.3
  done
}

rabbit_kill9() {
  local pid
  pid=$(rabbit_beam_pid)
  [[ -n $pid ]] || return 0
  kill -KILL "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
}

rabbit_stop() {
  local pid
  pid=$(rabbit_beam_pid)
  [[ -n $pid ]] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null; do
    ((SECONDS < deadline)) || { kill -KILL "$pid" 2>/dev/null || true; }
    sleep 0.2
  done
}

if ((CLUSTER)); then
  # The same verbs for the whole cluster; the nemesis' broker faults hit single nodes (broker_fault below).
  rabbit_prepare() { cluster_prepare; }
  rabbit_start() { cluster_start; }
  rabbit_stop() { cluster_stop; }
  rabbit_kill9() { local n; for n in $(seq 1 "$CLUSTER_SIZE"); do cluster_kill9 "$n"; done; }
  # Non-empty only while every node runs.
  rabbit_beam_pid() {
    local n
    for n in $(seq 1 "$CLUSTER_SIZE"); do [[ -n $(cluster_pid "$n") ]] || return 0; done
    echo all
  }
fi

# kill -9 of one cluster node: the bid queue's leader (asked of the cluster) or any node; down $2 s, then restarted.
broker_fault() {
  local kind=$1 down=$2 n leader t
  if [[ $kind == rabbit-leader ]]; then
    leader=$(cluster_leader auction.bid.all.v1 / || true)
    n=$(cluster_number "${leader:-auction-c1@localhost}")
  else
    n=$((1 + RANDOM % CLUSTER_SIZE))
  fi
  t=$(awk -v s="$(date +%s.%N)" -v t0="$T0" 'BEGIN { printf "%.1f", s - t0 }')
  echo "[nemesis t=${t}s] $kind is $(cluster_node "$n")${leader:+ (leader)}: kill -9" | tee -a "$OUT/nemesis.log"
  cluster_kill9 "$n"
  sleep "$down"
  cluster_start_node "$n"
  cluster_wait_node "$n" 120 || true
}

# ---------------------------------------------------------------------------
# The service's processes (pid files in $CHAOS_DIR)

proc_pid() { auction_program_pid "$CHAOS_DIR" "$1"; }

# proc_start api | worker-N: the API (no load balancer to drain for) or worker N, in the environment exported above.
proc_start() {
  case $1 in
    api) auction_program_start "$CHAOS_DIR" api "$BUILD_DIR/auction-api" PORT="$API_PORT" HTTP_THREADS=2 SHUTDOWN_DRAIN=0 ;;
    *) auction_program_start "$CHAOS_DIR" "$1" "$BUILD_DIR/auction-worker" WORKER_ID="${1#worker-}" \
      HEALTH_PORT=$((HEALTH_BASE + ${1#worker-})) ;;
  esac
}

proc_kill() {
  local sig=$1 name=$2 pid
  pid=$(proc_pid "$name")
  [[ -n $pid ]] || return 0
  kill "-$sig" "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 20))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      kill -KILL "$pid" 2>/dev/null || true
    fi
    sleep 0.1
  done
}

api_wait() {
  local deadline=$((SECONDS + ${1:-60}))
  until curl -fsS -o /dev/null "http://127.0.0.1:$API_PORT/api/v1/categories" 2>/dev/null; do
    ((SECONDS < deadline)) || return 1
    sleep 0.3
  done
}

PROCS=(api)
for ((n = 1; n <= WORKERS; n++)); do PROCS+=("worker-$n"); done

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  [[ -z ${NEMESIS_PID:-} ]] || kill -TERM "$NEMESIS_PID" 2>/dev/null || true
  [[ -z ${LOAD_PID:-} ]] || kill -TERM "$LOAD_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  local p
  for p in "${PROCS[@]}"; do proc_kill TERM "$p"; done
  rabbit_stop
  pg_stop
  exit "$status"
}

# ---------------------------------------------------------------------------
# Nemesis: faults start every 1..2*GAP seconds; each kills one target with SIGKILL, keeps it down a
# while and restarts it. Faults overlap when a new one starts before the previous healed.

fault() {
  local target=$1 down=$2 t marker=$1
  [[ $target != rabbit-* ]] || marker=broker
  touch "$CHAOS_DIR/fault-$marker"
  case $target in
    rabbit-leader | rabbit-node)
      broker_fault "$target" "$down"
      down=0
      ;;
    rabbitmq) rabbit_kill9 ;;
    postgres) pg_kill9 ;;
    *) proc_kill KILL "$target" ;;
  esac
  sleep "$down"
  case $target in
    rabbit-leader | rabbit-node) ;;
    rabbitmq) rabbit_start || true ;;
    postgres) pg_start || true ;;
    *) proc_start "$target" ;;
  esac
  t=$(awk -v s="$(date +%s.%N)" -v t0="$T0" 'BEGIN { printf "%.1f", s - t0 }')
  echo "[nemesis t=${t}s] $target back up" | tee -a "$OUT/nemesis.log"
  rm -f "$CHAOS_DIR/fault-$marker"
}

nemesis() {
  trap 'wait; exit 0' TERM
  RANDOM=$SEED
  local targets=(rabbitmq postgres api worker-1 worker-2 worker-3) target down t gap n=0 marker
  # The first four faults hit each kind once (broker, database, API, a worker) in a random order, so even
  # the small run exercises them all; after that the targets are drawn at random.
  local first=(rabbitmq postgres api "worker-$((1 + RANDOM % 3))") i j tmp
  if ((CLUSTER)); then
    # Broker faults are node kills, the queue's leader twice as often as any node.
    targets=(rabbit-leader rabbit-leader rabbit-node postgres api worker-1 worker-2 worker-3)
    first=(rabbit-leader postgres api "worker-$((1 + RANDOM % 3))")
  fi
  for ((i = 3; i > 0; i--)); do
    j=$((RANDOM % (i + 1)))
    tmp=${first[i]}; first[i]=${first[j]}; first[j]=$tmp
  done
  while [[ ! -f $OUT/load.done ]]; do
    gap=$((1 + RANDOM % (2 * CHAOS_FAULT_GAP)))
    if ((n < 4)); then
      target=${first[n]}
    else
      target=${targets[RANDOM % ${#targets[@]}]}
    fi
    n=$((n + 1))
    case $target in
      rabbitmq | rabbit-*) down=$((1 + RANDOM % 5)) ;;
      postgres) down=$((CHAOS_PG_DOWN_MIN + RANDOM % 4)) ;;
      api) down=$((RANDOM % 3)) ;;
      *) down=$((RANDOM % 6)) ;;
    esac
    sleep "$gap" & wait $!
    [[ ! -f $OUT/load.done ]] || break
    t=$(awk -v s="$(date +%s.%N)" -v t0="$T0" 'BEGIN { printf "%.1f", s - t0 }')
    # One broker node down at a time: two of three would stop the quorum (safe, but no progress).
    marker=$target
    [[ $target != rabbit-* ]] || marker=broker
    if [[ -e $CHAOS_DIR/fault-$marker ]]; then
      echo "[nemesis t=${t}s] $target already down: skipped" | tee -a "$OUT/nemesis.log"
      continue
    fi
    echo "[nemesis t=${t}s] kill -9 $target, down ${down}s" | tee -a "$OUT/nemesis.log"
    fault "$target" "$down" &
  done
  wait
}

# ---------------------------------------------------------------------------
# The broker's consumer timeout (cluster run, after the check): PostgreSQL is killed, bids are published, the workers
# hold them (the database is unreachable) past consumer_timeout until the broker closes their channels; they reconnect
# and get the bids again. Then the database comes back: every bid must be applied, once.

worker_consumed() {
  local n sum=0 v
  for ((n = 1; n <= WORKERS; n++)); do
    v=$(curl -fsS "http://127.0.0.1:$((HEALTH_BASE + n))/metrics" 2>/dev/null |
      awk '$1 == "auction_worker_messages_consumed_total" { print $2 }' || true)
    sum=$((sum + ${v:-0}))
  done
  echo "$sum"
}

# The workers' "consumer lost RabbitMQ" lines for a channel the broker closed for the timeout.
timeout_closes() {
  cat "$LOG_DIR"/worker-*.log 2>/dev/null | grep -c "delivery acknowledgement" || true
}

timeout_probe() {
  local bids=${CHAOS_PROBE_BIDS:-60} item closes0 consumed0 down_at up_at closes deadline status=0
  say "consumer-timeout probe: $bids bids held while PostgreSQL is down, consumer_timeout ${CHAOS_CONSUMER_TIMEOUT_MS} ms"
  item=$(CHAOS_API_URL=http://127.0.0.1:$API_PORT "$CHAOS_LOAD" probe-item) || return 1
  closes0=$(timeout_closes)
  consumed0=$(worker_consumed)
  pg_kill9
  down_at=$SECONDS
  if "$CHAOS_LOAD" probe-publish "$item" "$bids" "$OUT/probe.ids"; then
    # The first close comes consumer_timeout plus at most a second after the delivery; the other workers' a moment
    # later.
    deadline=$((SECONDS + 20))
    while (($(timeout_closes) == closes0 && SECONDS < deadline)); do sleep 0.5; done
    sleep 2
  else
    status=1
  fi
  pg_start || true
  up_at=$SECONDS
  "$CHAOS_LOAD" probe-check "$item" "$OUT/probe.ids" || status=1
  closes=$(($(timeout_closes) - closes0))
  echo "probe: PostgreSQL down $((up_at - down_at)) s, every bid applied $((SECONDS - up_at)) s after it was back;" \
    "channels the broker closed for consumer_timeout: $closes; deliveries to the workers: $(($(worker_consumed) - consumed0))" \
    "for $bids bids"
  if ((closes == 0)); then
    echo "probe: INVALID, the broker closed no channel: the consumer timeout was not exercised"
    status=1
  fi
  return "$status"
}

# ---------------------------------------------------------------------------

# CHAOS_FUNCTIONS_ONLY=1: only define the functions above (to drive the private services by hand).
if [[ ${CHAOS_FUNCTIONS_ONLY:-0} == 1 ]]; then
  return 0 2>/dev/null || exit 0
fi

if [[ ! -x $BUILD_DIR/auction-api || ! -x $BUILD_DIR/auction-worker || ! -x $BUILD_DIR/tests/chaos/chaos_load ]]; then
  say "building auction-api, auction-worker and chaos_load in $BUILD_DIR"
  [[ -f $BUILD_DIR/build.ninja ]] || cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DAUCTION_WERROR=ON >/dev/null
  cmake --build "$BUILD_DIR" -j2 --target auction-api auction-worker chaos_load
fi
CHAOS_LOAD=$BUILD_DIR/tests/chaos/chaos_load

say "size $SIZE: ${CHAOS_SECONDS}s, $CHAOS_BIDS bid events on $CHAOS_BID_ITEMS items, $CHAOS_WRITERS API writers, seed $SEED"
"$CHAOS_LOAD" selfcheck >/dev/null || { say "checker self-check failed"; exit 1; }

mkdir -p "$CHAOS_DIR" "$LOG_DIR"
# Leftovers of an interrupted run (ours only: pid files and the node's own pid file).
for p in "${PROCS[@]}"; do proc_kill KILL "$p"; done
rabbit_kill9
pg_kill9
rm -f "$CHAOS_DIR"/fault-* "$LOG_DIR"/*.log
rm -rf "$OUT" "$RABBIT_DIR"
mkdir -p "$OUT"
trap cleanup EXIT INT TERM

if ((CLUSTER)); then
  say "starting PostgreSQL on $AUCTION_PG_PORT and the RabbitMQ cluster $RABBIT_NODE on $(cluster_url)"
else
  say "starting PostgreSQL on $AUCTION_PG_PORT and RabbitMQ $RABBIT_NODE on $RABBIT_PORT"
fi
auction_start_postgres >/dev/null 2>&1 || { tail -n 20 "$AUCTION_PG_LOG" >&2; exit 1; }
chaos_psql -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null
rabbit_prepare
rabbit_start
"$CHAOS_LOAD" setup

say "starting auction-api on $API_PORT and $WORKERS workers (logs in $LOG_DIR)"
proc_start api
api_wait 60 || { tail -n 20 "$LOG_DIR/api.log" >&2; exit 1; }
for ((n = 1; n <= WORKERS; n++)); do proc_start "worker-$n"; done

T0=$(date +%s.%N)
CHAOS_API_URL=http://127.0.0.1:$API_PORT "$CHAOS_LOAD" run "$OUT" &
LOAD_PID=$!
# The nemesis starts once the bid items exist.
until [[ -f $OUT/ready ]] || ! kill -0 "$LOAD_PID" 2>/dev/null; do sleep 0.2; done
T0=$(date +%s.%N)
nemesis &
NEMESIS_PID=$!
load_status=0
wait "$LOAD_PID" || load_status=$?
LOAD_PID=
touch "$OUT/load.done"
say "load finished (status $load_status); waiting for the nemesis' last faults to heal"
wait "$NEMESIS_PID" || true
NEMESIS_PID=
((load_status == 0)) || exit 1

say "healing: every process up"
[[ -n $(pg_postmaster_pid) ]] || pg_start
[[ -n $(rabbit_beam_pid) ]] || rabbit_start
for p in "${PROCS[@]}"; do
  [[ -n $(proc_pid "$p") ]] || { say "$p was down: restarting"; proc_start "$p"; }
done
api_wait 60 || say "API not answering after healing"

say "waiting for quiescence (outbox empty, bid queue drained, no bid applied for 8 s)"
"$CHAOS_LOAD" quiet 180 || say "no quiescence: the check will show what is missing"

echo
echo "Nemesis schedule (seed $SEED):"
cat "$OUT/nemesis.log" 2>/dev/null || echo "(no faults)"
echo
status=0
"$CHAOS_LOAD" check "$OUT" || status=$?
if ((CLUSTER)) && [[ ${CHAOS_TIMEOUT_PROBE:-1} != 0 ]]; then
  echo
  timeout_probe || status=1
fi
say "history, events and summary in $OUT; exit $status (reproduce the schedule with --seed $SEED)"
exit "$status"
