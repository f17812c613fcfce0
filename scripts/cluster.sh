#!/usr/bin/env bash
# A 3-node RabbitMQ cluster on this machine (docs/DEPLOYMENT.md, "A RabbitMQ cluster locally"): nodes
# auction-c1..3@localhost, AMQP 127.0.0.1:5681..5683, Erlang distribution 25681..25683, data and logs in
# .run/cluster/n1..n3, one Erlang cookie of its own (.run/cluster/home/.erlang.cookie). Never touches the shared
# node (rabbit@vm, 5672) nor the chaos test's node (chaos@localhost, 5673).
#   scripts/cluster.sh start     start the nodes that are down, join nodes 2 and 3 to node 1 (idempotent)
#   scripts/cluster.sh stop      stop every node (idempotent); `stop --wipe` also deletes the data
#   scripts/cluster.sh status    pids and cluster membership
#   scripts/cluster.sh url       the RABBITMQ_URL listing the three nodes
#   scripts/cluster.sh leader [QUEUE] [VHOST]   the node leading a quorum queue (auction.bid.all.v1 in /)
# As root the nodes run as the rabbitmq user (as lib.sh runs the shared node); otherwise as the caller.
# CLUSTER_FUNCTIONS_ONLY=1 when sourced: only define the functions (scripts/chaos.sh --cluster uses them).
# AUCTION_CLUSTER_CONSUMER_TIMEOUT_MS: the nodes' consumer_timeout (default RabbitMQ's, 30 min), checked every second
# (channel_tick_interval; RabbitMQ 3.10 checks it once a minute by default). Read when the node configs are written.
set -euo pipefail
# Sourced by chaos.sh, which has re-pointed lib.sh's settings at its private services: lib.sh is not read again.
if ! declare -F _auction_port_open >/dev/null; then
  # shellcheck source=lib.sh source-path=SCRIPTDIR
  . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fi

CLUSTER_DIR=${AUCTION_CLUSTER_DIR:-$RUN_DIR/cluster}
CLUSTER_SIZE=3
CLUSTER_AMQP_BASE=${AUCTION_CLUSTER_AMQP_BASE:-5680} # node i listens on base + i
CLUSTER_DIST_BASE=${AUCTION_CLUSTER_DIST_BASE:-25680}
CLUSTER_HOME=$CLUSTER_DIR/home # HOME of the nodes and of rabbitmqctl: the cookie lives there
CLUSTER_LOG_DIR=${CLUSTER_LOG_DIR:-$CLUSTER_DIR/logs}
for _n in $(seq 1 "$CLUSTER_SIZE"); do
  if ((CLUSTER_AMQP_BASE + _n == 5672 || CLUSTER_AMQP_BASE + _n == 5673)); then
    echo "cluster.sh must not use the shared node's or the chaos node's port" >&2
    exit 2
  fi
done

cluster_say() { printf '[cluster %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
cluster_node() { echo "auction-c$1@localhost"; }
cluster_port() { echo $((CLUSTER_AMQP_BASE + $1)); }

# RABBITMQ_URL with every node (guest may log in over loopback).
cluster_url() {
  local n url=""
  for n in $(seq 1 "$CLUSTER_SIZE"); do
    url+="${url:+,}amqp://guest:guest@127.0.0.1:$(cluster_port "$n")/"
  done
  echo "$url"
}

# Printed as NAME=value words for `env -i` (values contain no spaces).
cluster_env() {
  local n=$1 d=$CLUSTER_DIR/n$1
  echo PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=$CLUSTER_HOME LANG=C.UTF-8 \
    RABBITMQ_NODENAME="$(cluster_node "$n")" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    RABBITMQ_NODE_PORT="$(cluster_port "$n")" RABBITMQ_DIST_PORT=$((CLUSTER_DIST_BASE + n)) \
    RABBITMQ_MNESIA_BASE="$d/mnesia" RABBITMQ_LOG_BASE="$d/log" RABBITMQ_CONFIG_FILE="$d/rabbitmq.conf" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$d/enabled_plugins" RABBITMQ_PID_FILE="$d/beam.pid" \
    RABBITMQ_ADVANCED_CONFIG_FILE="$d/advanced.config"
}

# Runs a command with node n's environment, as the rabbitmq user when root.
cluster_as_rabbit() {
  local n=$1
  shift
  if [[ $(id -u) -eq 0 ]]; then
    # shellcheck disable=SC2046
    runuser -u rabbitmq -- env -i $(cluster_env "$n") "$@"
  else
    # shellcheck disable=SC2046
    env -i $(cluster_env "$n") "$@"
  fi
}

cluster_ctl() {
  local n=$1
  shift
  cluster_as_rabbit "$n" /usr/lib/rabbitmq/bin/rabbitmqctl -n "$(cluster_node "$n")" "$@"
}

# The node's beam pid, checked by the node name in its environment (never another node's process).
cluster_pid() {
  local pid
  pid=$(cat "$CLUSTER_DIR/n$1/beam.pid" 2>/dev/null || true)
  if [[ $pid =~ ^[0-9]+$ ]] && { tr '\0' '\n' <"/proc/$pid/environ"; } 2>/dev/null |
    grep -qx "RABBITMQ_NODENAME=$(cluster_node "$1")"; then
    echo "$pid"
  fi
}

cluster_prepare() {
  mkdir -p "$CLUSTER_HOME" "$CLUSTER_LOG_DIR"
  if [[ ! -s $CLUSTER_HOME/.erlang.cookie ]]; then
    # One cookie for the three nodes and their rabbitmqctl, unlike any other node's.
    head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' | head -c 40 >"$CLUSTER_HOME/.erlang.cookie"
  fi
  chmod 400 "$CLUSTER_HOME/.erlang.cookie"
  local n d
  for n in $(seq 1 "$CLUSTER_SIZE"); do
    d=$CLUSTER_DIR/n$n
    mkdir -p "$d/mnesia" "$d/log"
    cat >"$d/rabbitmq.conf" <<EOF
listeners.tcp.default = 127.0.0.1:$(cluster_port "$n")
loopback_users.guest = true
disk_free_limit.absolute = 50MB
log.file.level = warning
EOF
    echo '[].' >"$d/enabled_plugins"
    if [[ -n ${AUCTION_CLUSTER_CONSUMER_TIMEOUT_MS:-} ]]; then
      echo "consumer_timeout = $AUCTION_CLUSTER_CONSUMER_TIMEOUT_MS" >>"$d/rabbitmq.conf"
      echo '[{rabbit, [{channel_tick_interval, 1000}]}].' >"$d/advanced.config"
    else
      echo '[].' >"$d/advanced.config"
    fi
  done
  if [[ $(id -u) -eq 0 ]]; then
    chown -R rabbitmq:rabbitmq "$CLUSTER_DIR"
    _auction_make_traversable "$CLUSTER_DIR"
  fi
}

# Starts node n (detached, in its own session) unless it runs; does not wait.
cluster_start_node() {
  local n=$1
  [[ -z $(cluster_pid "$n") ]] || return 0
  rm -f "$CLUSTER_DIR/n$n/beam.pid"
  (
    cd "$CLUSTER_DIR/n$n" || exit 1
    if [[ $(id -u) -eq 0 ]]; then
      # shellcheck disable=SC2046
      exec setsid runuser -u rabbitmq -- env -i $(cluster_env "$n") /usr/lib/rabbitmq/bin/rabbitmq-server
    fi
    # shellcheck disable=SC2046
    exec setsid env -i $(cluster_env "$n") /usr/lib/rabbitmq/bin/rabbitmq-server
  ) >>"$CLUSTER_LOG_DIR/n$n.log" 2>&1 </dev/null &
  disown $! 2>/dev/null || true
}

cluster_wait_node() {
  local n=$1 deadline=$((SECONDS + ${2:-120}))
  until _auction_port_open 127.0.0.1 "$(cluster_port "$n")"; do
    if ((SECONDS >= deadline)); then
      cluster_say "node $(cluster_node "$n") not accepting on $(cluster_port "$n"); see $CLUSTER_LOG_DIR/n$n.log"
      tail -n 20 "$CLUSTER_LOG_DIR/n$n.log" >&2 || true
      return 1
    fi
    sleep 0.3
  done
}

cluster_kill9() {
  local pid
  pid=$(cluster_pid "$1")
  [[ -n $pid ]] || return 0
  kill -KILL "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
}

cluster_stop_node() {
  local pid
  pid=$(cluster_pid "$1")
  [[ -n $pid ]] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null; do
    ((SECONDS < deadline)) || kill -KILL "$pid" 2>/dev/null || true
    sleep 0.2
  done
}

# The nodes node 1's cluster counts among its disc nodes (one name a line).
cluster_members() {
  cluster_ctl 1 -q cluster_status --formatter json 2>/dev/null |
    python3 -c 'import json, sys; print("\n".join(json.load(sys.stdin)["disk_nodes"]))' 2>/dev/null || true
}

# Every rabbitmqctl call starts an Erlang VM (about a second here), so the joins make as few as they can: join_cluster
# resets the joining node itself, start_app returns once the node runs, and an open AMQP port means node 1 has booted.
cluster_start() {
  cluster_prepare
  local n members
  for n in $(seq 1 "$CLUSTER_SIZE"); do cluster_start_node "$n"; done
  for n in $(seq 1 "$CLUSTER_SIZE"); do cluster_wait_node "$n" || return 1; done
  members=$(cluster_members)
  for n in $(seq 2 "$CLUSTER_SIZE"); do
    ! grep -qx "$(cluster_node "$n")" <<<"$members" || continue
    cluster_say "joining $(cluster_node "$n") to $(cluster_node 1)"
    cluster_ctl "$n" -q stop_app >/dev/null 2>&1
    cluster_ctl "$n" -q join_cluster "$(cluster_node 1)" >/dev/null 2>&1
    cluster_ctl "$n" -q start_app >/dev/null 2>&1
  done
}

# The nodes stop together (each takes a few seconds); cluster_start starts them together too, so none waits at boot for
# a peer that stopped after it.
cluster_stop() {
  local n pids=()
  for n in $(seq "$CLUSTER_SIZE" -1 1); do
    cluster_stop_node "$n" &
    pids+=($!)
  done
  wait "${pids[@]}"
}

# The node leading a quorum queue, asked of any node that answers; empty when none knows.
cluster_leader() {
  local queue=${1:-auction.bid.all.v1} vhost=${2:-/} n
  for n in $(seq 1 "$CLUSTER_SIZE"); do
    [[ -n $(cluster_pid "$n") ]] || continue
    cluster_ctl "$n" -q list_queues -p "$vhost" name leader --no-table-headers 2>/dev/null |
      awk -v q="$queue" '$1 == q { print $2; found = 1 } END { exit !found }' && return 0
  done
  return 1
}

# Node number (1..3) of a node name.
cluster_number() { local name=${1%@*}; echo "${name#auction-c}"; }

cluster_status() {
  local n
  for n in $(seq 1 "$CLUSTER_SIZE"); do
    printf '%s  port %s  pid %s\n' "$(cluster_node "$n")" "$(cluster_port "$n")" "$(cluster_pid "$n" || true)"
  done
  for n in $(seq 1 "$CLUSTER_SIZE"); do
    if [[ -n $(cluster_pid "$n") ]]; then
      cluster_ctl "$n" -q cluster_status --formatter json 2>/dev/null |
        python3 -c 'import json, sys; d = json.load(sys.stdin); print("running:", " ".join(sorted(d["running_nodes"])))'
      break
    fi
  done
}

if [[ ${CLUSTER_FUNCTIONS_ONLY:-0} == 1 ]]; then
  return 0 2>/dev/null || exit 0
fi

case ${1:-} in
  start)
    cluster_start
    cluster_say "running: $(cluster_url)"
    ;;
  stop)
    cluster_stop
    [[ ${2:-} != --wipe ]] || rm -rf "$CLUSTER_DIR"
    cluster_say "stopped"
    ;;
  status) cluster_status ;;
  url) cluster_url ;;
  leader) cluster_leader "${2:-auction.bid.all.v1}" "${3:-/}" ;;
  *)
    echo "usage: $0 start | stop [--wipe] | status | url | leader [QUEUE] [VHOST]" >&2
    exit 2
    ;;
esac
