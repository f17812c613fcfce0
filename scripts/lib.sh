# shellcheck shell=bash
# Shared helpers for the project's scripts. Source it:  . "$(dirname "$0")/lib.sh"
# Safe under `set -euo pipefail`. The functions that start or stop the services are idempotent (run them again, or
# while the services already run); those that start a program (auction_proc_start, auction_program_start) start one.
#
#   auction_install_deps            install the Debian packages that are missing, and the API docs tools
#   auction_install_apidocs         npm ci in tools/apidocs when node_modules is missing or stale
#   auction_build [build_type]      configure (if needed) and build into $ROOT/build
#   auction_start_postgres          project-owned PostgreSQL 15 cluster on 127.0.0.1:5433
#   auction_stop_postgres
#   auction_start_rabbitmq          RabbitMQ on 5672, management UI on 15672 (guest/guest)
#   auction_stop_rabbitmq
#   auction_stop_rabbitmq_app       rabbitmqctl stop_app  (simulates a broker outage)
#   auction_start_rabbitmq_app      rabbitmqctl start_app, waits until AMQP accepts again
#   auction_env_file                writes $ROOT/.run/auction.env (a copy of scripts/local.env) if missing
#   auction_env_get NAME            prints NAME's value from $ROOT/.run/auction.env
#   auction_program_env [--vhost VHOST] [NAME=value...]
#                                   exports that configuration for the programs a check or benchmark starts, with
#                                   the check's own settings (database, vhost, ports, service name, knobs)
#   auction_program_start DIR NAME BINARY [NAME=value...]   starts one of them, pid in DIR/NAME.pid
#   auction_program_pid DIR NAME    its pid while it runs
#   auction_start_s3                local S3 server (s3rver) on 127.0.0.1:9000 with the bucket of auction.env
#   auction_stop_s3
#   auction_wait_port HOST PORT SECONDS
#   log MESSAGE...

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN_DIR="$ROOT/.run"
LOG_DIR="$RUN_DIR/logs"

AUCTION_PG_BIN=/usr/lib/postgresql/15/bin
AUCTION_PG_PORT=5433
AUCTION_PG_DIR="$RUN_DIR/pg"
AUCTION_PG_DATA="$AUCTION_PG_DIR/data"
AUCTION_PG_SOCK="$AUCTION_PG_DIR/sock"
AUCTION_PG_LOG="$LOG_DIR/postgres.log"
AUCTION_AMQP_PORT=5672
AUCTION_RABBIT_UI_PORT=15672
AUCTION_S3_PORT=9000
AUCTION_S3_DIR="$RUN_DIR/s3"
AUCTION_S3_TOOL="$ROOT/tools/s3rver"

AUCTION_DEB_PACKAGES=(
  g++ cmake ninja-build pkg-config ccache
  libboost1.81-all-dev libpq-dev librabbitmq-dev libcurl4-openssl-dev libssl-dev liblz4-dev
  libgtest-dev libgmock-dev libbenchmark-dev clang-format clang libclang-rt-14-dev
  postgresql-15 postgresql-client-15 rabbitmq-server
  wrk curl nodejs npm procps iproute2
)
# Installed with the above, but only the tests use them (scripts/rolling_restart.sh runs HAProxy in front of the
# API replicas); kept apart so that the image's inputs (scripts/image_check.sh hashes AUCTION_DEB_PACKAGES) and the
# Dockerfile's package lists are unaffected.
AUCTION_TEST_DEB_PACKAGES=(haproxy)

# The compiler cache lives outside the checkout so that a fresh clone on this machine (CI's) finds the objects of
# the last build; paths are hashed relative to the checkout, and the build directory is not part of the hash.
export CCACHE_DIR=${CCACHE_DIR:-/var/cache/auction/ccache}
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$ROOT}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-true}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-10G}

log() {
  printf '[auction %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

_auction_die() {
  log "ERROR: $*"
  return 1
}

# auction_apt_install PROGRAM PACKAGE: installs Debian's PACKAGE unless PROGRAM is on the PATH (apt's lists are
# refreshed only when the first try fails). For the tools of a single check, kept out of auction_install_deps.
auction_apt_install() {
  command -v "$1" >/dev/null 2>&1 && return 0
  log "installing $2 (Debian package)"
  _auction_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null ||
    { _auction_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null &&
      _auction_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null; }
}

# Runs a command as root (directly when we are root, else through sudo).
_auction_as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    _auction_die "need root (or sudo) for: $*"
  fi
}

# auction_wait_port HOST PORT SECONDS: waits until a TCP connect succeeds.
auction_wait_port() {
  local host=$1 port=$2 seconds=${3:-30}
  local deadline=$((SECONDS + seconds))
  while ((SECONDS < deadline)); do
    if timeout 2 bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null; then
      return 0
    fi
    sleep 0.5
  done
  return 1
}

# auction_wait_http URL PID LOGFILE [SECONDS]: waits (default 60 s) until URL answers 2xx while process PID
# lives; otherwise logs why, shows LOGFILE's last lines and returns 1.
auction_wait_http() {
  local url=$1 pid=$2 logfile=$3 deadline=$((SECONDS + ${4:-60}))
  until curl -fsS --max-time 2 -o /dev/null "$url" 2>/dev/null; do
    if ((SECONDS >= deadline)) || ! kill -0 "$pid" 2>/dev/null; then
      log "ERROR: $url did not answer (pid $pid); last lines of $logfile:"
      tail -n 40 "$logfile" >&2 || true
      return 1
    fi
    sleep 0.3
  done
}

# True when something accepts TCP connections on HOST:PORT right now.
_auction_port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

# ---------------------------------------------------------------------------
# Packages

# True when package $1 is installed, or provided by an installed package
# (e.g. a nodejs build that bundles npm and Provides/Conflicts: npm).
_auction_pkg_present() {
  local status
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null || true)
  [[ $status == ii* ]] && return 0
  [[ " ${_AUCTION_PROVIDED:-} " == *" $1 "* ]]
}

_auction_provided_list() {
  dpkg-query -W -f='${db:Status-Abbrev}|${Provides}\n' 2>/dev/null |
    awk -F'|' '$1 ~ /^ii/ && $2 != "" { n = split($2, a, ","); for (i = 1; i <= n; i++) { sub(/\(.*\)/, "", a[i]); gsub(/ /, "", a[i]); if (a[i] != "") printf "%s ", a[i] } }' || true
}

auction_install_deps() {
  if [[ ${AUCTION_SKIP_DEPS:-0} == 1 ]]; then
    log "AUCTION_SKIP_DEPS=1: not checking packages"
    return 0
  fi
  local missing=() p
  _AUCTION_PROVIDED=$(_auction_provided_list)
  for p in "${AUCTION_DEB_PACKAGES[@]}" "${AUCTION_TEST_DEB_PACKAGES[@]}"; do
    _auction_pkg_present "$p" || missing+=("$p")
  done
  if ((${#missing[@]} == 0)); then
    log "all Debian packages present"
  else
    log "installing missing packages: ${missing[*]}"
    if [[ -z ${_AUCTION_APT_UPDATED:-} ]]; then
      _auction_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
      _AUCTION_APT_UPDATED=1
    fi
    _auction_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
      "${missing[@]}"
  fi
  # The build embeds Swagger UI from tools/apidocs/node_modules (cmake/EmbedApiDocs.cmake).
  auction_install_apidocs
}

# auction_install_apidocs: `npm ci` in tools/apidocs (Swagger UI, redocly, ajv, playwright-core, pinned by its
# package-lock.json) unless node_modules already matches the lock file.
auction_install_apidocs() {
  local dir="$ROOT/tools/apidocs" stamp="$ROOT/tools/apidocs/node_modules/.package-lock.json"
  if [[ -f $stamp && ! $dir/package-lock.json -nt $stamp ]]; then
    return 0
  fi
  mkdir -p "$LOG_DIR"
  log "installing the API docs tools (npm ci in tools/apidocs, log $LOG_DIR/npm-apidocs.log)"
  # SCARF_ANALYTICS=false: swagger-ui-dist's install-time analytics stay off (no call home from CI).
  if ! (cd "$dir" && SCARF_ANALYTICS=false npm ci --no-audit --no-fund) >"$LOG_DIR/npm-apidocs.log" 2>&1; then
    tail -n 30 "$LOG_DIR/npm-apidocs.log" >&2
    _auction_die "npm ci failed in $dir"
    return 1
  fi
}

# ---------------------------------------------------------------------------
# Build

# Prints the value of cache entry $1 from $ROOT/build/CMakeCache.txt (empty if absent).
_auction_cmake_cache_get() {
  local cache="$ROOT/build/CMakeCache.txt"
  [[ -f $cache ]] || return 0
  sed -n "s/^$1:[A-Z]*=//p" "$cache" | head -n1
}

auction_build() {
  local build_type=${1:-Release} werror=${AUCTION_WERROR:-ON} build="$ROOT/build"
  local need_configure=0
  if [[ ! -f $build/CMakeCache.txt || ! -f $build/build.ninja ]]; then
    need_configure=1
  else
    if [[ $(_auction_cmake_cache_get CMAKE_GENERATOR) != Ninja ]]; then
      log "build/ was configured with another generator; starting it afresh"
      rm -rf "$build/CMakeCache.txt" "$build/CMakeFiles"
      need_configure=1
    elif [[ $(_auction_cmake_cache_get CMAKE_BUILD_TYPE) != "$build_type" ||
      $(_auction_cmake_cache_get AUCTION_WERROR) != "$werror" ]]; then
      need_configure=1
    fi
  fi
  if ((need_configure)); then
    log "configuring ($build_type, AUCTION_WERROR=$werror)"
    cmake -S "$ROOT" -B "$build" -G Ninja \
      -DCMAKE_BUILD_TYPE="$build_type" -DAUCTION_WERROR="$werror"
  fi
  log "building"
  cmake --build "$build" -j2
}

# ---------------------------------------------------------------------------
# PostgreSQL (project cluster on 127.0.0.1:5433, run as the OS user postgres)

_auction_as_postgres() {
  if [[ $(id -un) == postgres ]]; then
    (cd "$AUCTION_PG_DIR" && "$@")
  elif [[ $(id -u) -eq 0 ]]; then
    (cd "$AUCTION_PG_DIR" && runuser -u postgres -- "$@")
  else
    (cd "$AUCTION_PG_DIR" && sudo -u postgres -- "$@")
  fi
}

_auction_pg_ready() {
  pg_isready -q -h 127.0.0.1 -p "$AUCTION_PG_PORT" -U postgres -d postgres >/dev/null 2>&1
}

_auction_psql() {
  psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$AUCTION_PG_PORT" -U postgres "$@"
}

# Makes every directory from $1 up to / traversable by others (so postgres can reach its data).
_auction_make_traversable() {
  local d=$1
  while [[ $d != / && -n $d ]]; do
    if ! runuser -u postgres -- test -x "$d" 2>/dev/null; then
      log "chmod o+x $d (so the postgres user can reach the cluster)"
      chmod o+x "$d"
    fi
    d=$(dirname "$d")
  done
}

_auction_pg_prepare() {
  if ! id -u postgres >/dev/null 2>&1; then
    log "creating OS user postgres"
    _auction_as_root useradd --system --user-group --home-dir /var/lib/postgresql \
      --shell /bin/bash postgres
  fi
  mkdir -p "$AUCTION_PG_DIR" "$AUCTION_PG_SOCK" "$LOG_DIR"
  touch "$AUCTION_PG_LOG"
  if [[ $(id -u) -eq 0 ]]; then
    chown postgres:postgres "$AUCTION_PG_DIR" "$AUCTION_PG_SOCK" "$AUCTION_PG_LOG"
    if [[ -d $AUCTION_PG_DATA && $(stat -c %U "$AUCTION_PG_DATA") != postgres ]]; then
      chown -R postgres:postgres "$AUCTION_PG_DATA"
    fi
    _auction_make_traversable "$AUCTION_PG_DIR"
  fi
}

_auction_pg_initdb() {
  if [[ -s $AUCTION_PG_DATA/PG_VERSION ]]; then
    return 0
  fi
  log "initdb $AUCTION_PG_DATA"
  rm -rf "$AUCTION_PG_DATA" # a half-made data dir from an interrupted initdb
  local pwfile="$AUCTION_PG_DIR/.pwfile"
  printf 'postgres\n' >"$pwfile"
  chmod 600 "$pwfile"
  [[ $(id -u) -ne 0 ]] || chown postgres:postgres "$pwfile"
  if ! _auction_as_postgres "$AUCTION_PG_BIN/initdb" -D "$AUCTION_PG_DATA" \
    --username=postgres --pwfile="$pwfile" --auth=trust \
    --encoding=UTF8 --locale=C.UTF-8 >"$LOG_DIR/initdb.log" 2>&1; then
    rm -f "$pwfile"
    cat "$LOG_DIR/initdb.log" >&2
    _auction_die "initdb failed"
    return 1
  fi
  rm -f "$pwfile"
  printf "\n# project settings (written by scripts/lib.sh)\ninclude_if_exists = 'auction.conf'\n" \
    >>"$AUCTION_PG_DATA/postgresql.conf"
}

_auction_pg_write_conf() {
  local conf="$AUCTION_PG_DATA/auction.conf"
  cat >"$conf" <<EOF
# Written by scripts/lib.sh on every start; edit there.
port = $AUCTION_PG_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$AUCTION_PG_SOCK'
max_connections = 200
shared_buffers = 256MB
fsync = on
synchronous_commit = on
EOF
  [[ $(id -u) -ne 0 ]] || chown postgres:postgres "$conf"
}

# auction_postmaster_pid DATA_DIR: the pid of the postmaster serving DATA_DIR, while it runs (its pid file, checked
# against its command line: pids get reused). For the checks' private clusters.
auction_postmaster_pid() {
  local pid
  pid=$(head -n1 "$1/postmaster.pid" 2>/dev/null || true)
  if [[ $pid =~ ^[0-9]+$ ]] && [[ $({ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null || true) == *"$1"* ]]; then
    echo "$pid"
  fi
}

# Removes postmaster.pid when the process it names is not a postgres (container restarts
# reuse pids, and postgres then refuses to start).
_auction_pg_clear_stale_pid() {
  local pidfile="$AUCTION_PG_DATA/postmaster.pid" pid comm
  [[ -f $pidfile ]] || return 0
  pid=$(head -n1 "$pidfile" 2>/dev/null || true)
  comm=$(cat "/proc/$pid/comm" 2>/dev/null || true)
  if [[ -z $pid || $comm != postgres* ]]; then
    log "removing stale $pidfile (pid ${pid:-?} is not postgres)"
    rm -f "$pidfile"
  fi
}

auction_start_postgres() {
  if _auction_pg_ready; then
    log "PostgreSQL already accepting on 127.0.0.1:$AUCTION_PG_PORT"
  else
    _auction_pg_prepare
    _auction_pg_initdb
    _auction_pg_write_conf
    if _auction_as_postgres "$AUCTION_PG_BIN/pg_ctl" -D "$AUCTION_PG_DATA" status >/dev/null 2>&1; then
      log "PostgreSQL cluster running but not ready yet"
    else
      _auction_pg_clear_stale_pid
      log "starting PostgreSQL 15 on 127.0.0.1:$AUCTION_PG_PORT (log $AUCTION_PG_LOG)"
      if ! _auction_as_postgres "$AUCTION_PG_BIN/pg_ctl" -D "$AUCTION_PG_DATA" \
        -l "$AUCTION_PG_LOG" -w -t 30 start >/dev/null; then
        tail -n 30 "$AUCTION_PG_LOG" >&2 || true
        _auction_die "pg_ctl start failed"
        return 1
      fi
    fi
  fi
  local deadline=$((SECONDS + 30))
  until _auction_pg_ready; do
    if ((SECONDS >= deadline)); then
      tail -n 30 "$AUCTION_PG_LOG" >&2 || true
      _auction_die "PostgreSQL not ready on 127.0.0.1:$AUCTION_PG_PORT after 30 s"
      return 1
    fi
    sleep 0.5
  done
  _auction_psql -d postgres -c "ALTER USER postgres PASSWORD 'postgres'" >/dev/null
  local db
  for db in auction auction_test; do
    if [[ -z $(_auction_psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'") ]]; then
      log "creating database $db"
      _auction_psql -d postgres -c "CREATE DATABASE $db" >/dev/null
    fi
  done
  log "PostgreSQL ready: 127.0.0.1:$AUCTION_PG_PORT user postgres"
}

auction_stop_postgres() {
  if [[ ! -s $AUCTION_PG_DATA/PG_VERSION ]]; then
    log "no project PostgreSQL cluster at $AUCTION_PG_DATA"
    return 0
  fi
  if _auction_as_postgres "$AUCTION_PG_BIN/pg_ctl" -D "$AUCTION_PG_DATA" status >/dev/null 2>&1; then
    log "stopping PostgreSQL"
    _auction_as_postgres "$AUCTION_PG_BIN/pg_ctl" -D "$AUCTION_PG_DATA" -m fast -w -t 60 stop >/dev/null
  else
    log "PostgreSQL not running"
  fi
}

# Drops and recreates database $1 (default auction_test).
auction_reset_database() {
  local db=${1:-auction_test}
  log "recreating database $db"
  _auction_psql -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
  _auction_psql -d postgres -c "CREATE DATABASE $db" >/dev/null
}

# ---------------------------------------------------------------------------
# RabbitMQ (Debian package, node data in /var/lib/rabbitmq)

# The Debian wrappers in /usr/sbin switch to the rabbitmq user when run as root.
_auction_rabbit_ping() {
  rabbitmq-diagnostics -q ping >/dev/null 2>&1
}

_auction_rabbit_app_running() {
  rabbitmq-diagnostics -q check_running >/dev/null 2>&1
}

_auction_rabbit_enable_management() {
  local f=/etc/rabbitmq/enabled_plugins
  if [[ -f $f ]] && grep -q rabbitmq_management "$f"; then
    return 0
  fi
  log "enabling rabbitmq_management"
  if _auction_rabbit_ping; then
    _auction_as_root rabbitmq-plugins -q enable rabbitmq_management >/dev/null
  else
    _auction_as_root rabbitmq-plugins -q enable --offline rabbitmq_management >/dev/null
  fi
}

_auction_rabbit_wait_up() {
  local seconds=${1:-60} deadline
  deadline=$((SECONDS + seconds))
  until _auction_rabbit_ping; do
    if ((SECONDS >= deadline)); then
      tail -n 30 /var/log/rabbitmq/startup_err /var/log/rabbitmq/startup_log "$LOG_DIR/rabbitmq.log" 2>/dev/null >&2 || true
      _auction_die "RabbitMQ node not answering after ${seconds} s (see /var/log/rabbitmq/)"
      return 1
    fi
    sleep 1
  done
  local left=$((deadline - SECONDS))
  ((left > 5)) || left=5
  _auction_as_root rabbitmqctl -q await_startup --timeout "$left" >/dev/null 2>&1 || true
  left=$((deadline - SECONDS))
  ((left > 5)) || left=5
  auction_wait_port 127.0.0.1 "$AUCTION_AMQP_PORT" "$left" ||
    { _auction_die "AMQP port $AUCTION_AMQP_PORT not accepting"; return 1; }
  auction_wait_port 127.0.0.1 "$AUCTION_RABBIT_UI_PORT" 15 ||
    { _auction_die "management UI port $AUCTION_RABBIT_UI_PORT not accepting"; return 1; }
}

auction_start_rabbitmq() {
  _auction_rabbit_enable_management
  if _auction_rabbit_ping; then
    if _auction_rabbit_app_running; then
      log "RabbitMQ already running"
    else
      log "RabbitMQ node up but app stopped: start_app"
      _auction_as_root rabbitmqctl -q start_app >/dev/null
    fi
  else
    mkdir -p "$LOG_DIR"
    log "starting RabbitMQ (node log in /var/log/rabbitmq/)"
    # -detached: the Erlang VM daemonizes itself, so it outlives this script.
    # +sbwt none (and its dirty-scheduler twins): idle Erlang schedulers sleep instead of spinning for work, as
    # RabbitMQ's runtime guide advises where the broker shares its cores. On this 2-core machine, shared with
    # PostgreSQL, the API and the workers, the spinning took 17 us of CPU per drained bid and the drain ran 12%
    # slower (bench/worker_bench.sh, docs/PERFORMANCE.md). RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS overrides it.
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=${RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS:-+sbwt none +sbwtdcpu none +sbwtdio none} \
      _auction_as_root rabbitmq-server -detached >"$LOG_DIR/rabbitmq.log" 2>&1 </dev/null ||
      { cat "$LOG_DIR/rabbitmq.log" >&2; _auction_die "rabbitmq-server -detached failed"; return 1; }
  fi
  _auction_rabbit_wait_up 60
  log "RabbitMQ ready: amqp://guest:guest@127.0.0.1:$AUCTION_AMQP_PORT/, UI http://localhost:$AUCTION_RABBIT_UI_PORT"
}

auction_stop_rabbitmq() {
  if _auction_rabbit_ping; then
    local pid
    pid=$(_auction_as_root rabbitmqctl -q eval 'list_to_integer(os:getpid()).' 2>/dev/null || true)
    log "stopping RabbitMQ${pid:+ (pid $pid)}"
    _auction_as_root rabbitmqctl -q stop >/dev/null
    # `stop` returns before the VM has exited; wait for it so a restart does not race it.
    local deadline=$((SECONDS + 60))
    while [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
      sleep 0.5
    done
  else
    log "RabbitMQ not running"
  fi
}

# Stops the RabbitMQ application (AMQP and UI go away, the Erlang node stays): a broker outage.
auction_stop_rabbitmq_app() {
  log "rabbitmqctl stop_app"
  _auction_as_root rabbitmqctl -q stop_app >/dev/null
  local deadline=$((SECONDS + 30))
  while _auction_port_open 127.0.0.1 "$AUCTION_AMQP_PORT"; do
    ((SECONDS < deadline)) || { _auction_die "AMQP port still open after stop_app"; return 1; }
    sleep 0.2
  done
}

auction_start_rabbitmq_app() {
  log "rabbitmqctl start_app"
  _auction_as_root rabbitmqctl -q start_app >/dev/null
  auction_wait_port 127.0.0.1 "$AUCTION_AMQP_PORT" 60 ||
    { _auction_die "AMQP port $AUCTION_AMQP_PORT not accepting after start_app"; return 1; }
}

# ---------------------------------------------------------------------------
# Environment for the local processes

# A vhost of its own (tests use "auction_test"), so test traffic never meets a running service's queues.
auction_rabbitmq_vhost() {
  local vhost=$1
  if ! _auction_as_root rabbitmqctl -q list_vhosts 2>/dev/null | grep -qx "$vhost"; then
    log "creating RabbitMQ vhost $vhost"
    _auction_as_root rabbitmqctl -q add_vhost "$vhost" >/dev/null
  fi
  _auction_as_root rabbitmqctl -q set_permissions -p "$vhost" guest '.*' '.*' '.*' >/dev/null
}

auction_env_file() {
  local f="$RUN_DIR/auction.env"
  mkdir -p "$RUN_DIR"
  [[ -f $f ]] && return 0
  log "writing $f (from scripts/local.env)"
  {
    echo "# Local environment for auction-api / auction-worker (copied from scripts/local.env; edit freely)."
    grep -v '^#' "$ROOT/scripts/local.env"
  } >"$f"
}

# auction_env_get NAME: NAME's value in $RUN_DIR/auction.env (empty when absent).
auction_env_get() {
  sed -n "s/^$1=//p" "$RUN_DIR/auction.env" 2>/dev/null | tail -n1
}

# auction_program_env [--vhost VHOST] [NAME=value...]: exports the environment of the programs a check or a benchmark
# starts, so that it says only what it runs differently: the local run's configuration ($RUN_DIR/auction.env, the copy
# of scripts/local.env, written when missing) without PORT and HOST_PORT (a check picks its own ports), then
# --vhost VHOST (RABBITMQ_URL names that vhost on the configuration's broker) and each NAME=value as given.
auction_program_env() {
  local line setting
  auction_env_file
  unset PORT HOST_PORT
  while IFS= read -r line; do
    if [[ $line =~ ^[A-Z][A-Z0-9_]*= && ! $line =~ ^(HOST_)?PORT= ]]; then
      export "${line?}"
    fi
  done <"$RUN_DIR/auction.env"
  if [[ ${1:-} == --vhost ]]; then
    export RABBITMQ_URL="${RABBITMQ_URL%/*}/$2"
    shift 2
  fi
  for setting in "$@"; do
    export "${setting?}"
  done
}

# ---------------------------------------------------------------------------
# Local S3 (s3rver from npm, pinned by tools/s3rver/package-lock.json; data in $RUN_DIR/s3).
# tools/s3rver/server.js accepts the key pair of auction.env (the design's minioadmin/minioadmin) and
# verifies SigV4 signatures, which s3rver alone does not.

# The pid of our s3rver, when it runs (checked against its command line: pids get reused).
_auction_s3_pid() {
  local pid
  pid=$(cat "$RUN_DIR/s3.pid" 2>/dev/null || true)
  if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null &&
    [[ $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true) == *tools/s3rver/server.js* ]]; then
    echo "$pid"
  fi
}

_auction_s3_install() {
  local stamp="$AUCTION_S3_TOOL/node_modules/.package-lock.json"
  if [[ -f $stamp && ! $AUCTION_S3_TOOL/package-lock.json -nt $stamp ]]; then
    return 0
  fi
  log "installing s3rver (npm ci in tools/s3rver, log $LOG_DIR/npm-s3rver.log)"
  if ! (cd "$AUCTION_S3_TOOL" && npm ci --no-audit --no-fund) >"$LOG_DIR/npm-s3rver.log" 2>&1; then
    tail -n 30 "$LOG_DIR/npm-s3rver.log" >&2
    _auction_die "npm ci failed in $AUCTION_S3_TOOL"
    return 1
  fi
}

# Creates the bucket through the S3 API (signed like the service signs), accepting one that exists.
_auction_s3_create_bucket() {
  local bucket=$1 region=$2 access=$3 secret=$4 code out="$RUN_DIR/s3-bucket.out"
  # The credentials go through stdin, not the command line (ps would show them).
  code=$(printf 'user = "%s:%s"\n' "$access" "$secret" |
    curl -sS --config - -o "$out" -w '%{http_code}' --max-time 10 --aws-sigv4 "aws:amz:$region:s3" -X PUT \
      -H 'x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' \
      "http://127.0.0.1:$AUCTION_S3_PORT/$bucket" 2>&1 || true)
  if [[ $code != 200 && $code != 409 ]]; then
    cat "$out" >&2 2>/dev/null || true
    _auction_die "creating bucket $bucket on 127.0.0.1:$AUCTION_S3_PORT failed (HTTP $code)"
    return 1
  fi
}

auction_start_s3() {
  auction_env_file
  mkdir -p "$LOG_DIR"
  local access secret region bucket
  access=$(auction_env_get AWS_ACCESS_KEY)
  secret=$(auction_env_get AWS_SECRET_KEY)
  region=$(auction_env_get AWS_DEFAULT_REGION)
  bucket=$(auction_env_get AWS_BUCKET)
  region=${region:-eu-central-1}
  bucket=${bucket:-auction-images}
  if _auction_port_open 127.0.0.1 "$AUCTION_S3_PORT"; then
    if [[ -n $(_auction_s3_pid) ]]; then
      log "s3rver already running on 127.0.0.1:$AUCTION_S3_PORT"
    else
      log "port $AUCTION_S3_PORT is served by another process (not $RUN_DIR/s3.pid): using it as the S3 server"
    fi
  else
    _auction_s3_install
    mkdir -p "$AUCTION_S3_DIR"
    log "starting s3rver on 127.0.0.1:$AUCTION_S3_PORT (data $AUCTION_S3_DIR, log $LOG_DIR/s3.log)"
    S3_ACCESS_KEY=$access S3_SECRET_KEY=$secret setsid node "$AUCTION_S3_TOOL/server.js" --address 127.0.0.1 \
      --port "$AUCTION_S3_PORT" --directory "$AUCTION_S3_DIR" >>"$LOG_DIR/s3.log" 2>&1 </dev/null &
    local started=$!
    echo "$started" >"$RUN_DIR/s3.pid"
    local deadline=$((SECONDS + 30))
    until _auction_port_open 127.0.0.1 "$AUCTION_S3_PORT"; do
      # Only "the process is gone" means it died: until the forked shell has exec'd node, its command line
      # is not yet server.js's (the race that made a loaded machine's restart look like a failed start).
      if ((SECONDS >= deadline)) || ! kill -0 "$started" 2>/dev/null; then
        tail -n 30 "$LOG_DIR/s3.log" >&2 || true
        _auction_die "s3rver not accepting on 127.0.0.1:$AUCTION_S3_PORT after 30 s"
        return 1
      fi
      sleep 0.2
    done
  fi
  _auction_s3_create_bucket "$bucket" "$region" "$access" "$secret"
  log "S3 ready: http://localhost:$AUCTION_S3_PORT, bucket $bucket"
}

auction_stop_s3() {
  local pid
  pid=$(_auction_s3_pid)
  if [[ -z $pid ]]; then
    log "s3rver not running"
    rm -f "$RUN_DIR/s3.pid"
    return 0
  fi
  log "stopping s3rver (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 10))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      log "s3rver did not exit after 10 s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
  done
  rm -f "$RUN_DIR/s3.pid"
  deadline=$((SECONDS + 10))
  while _auction_port_open 127.0.0.1 "$AUCTION_S3_PORT"; do
    ((SECONDS < deadline)) || { _auction_die "port $AUCTION_S3_PORT still open after stopping s3rver"; return 1; }
    sleep 0.1
  done
}

# ---------------------------------------------------------------------------
# Background processes recorded in $RUN_DIR/NAME.pid

# auction_proc_stop [-t SECONDS] NAME...: SIGTERMs the processes recorded in NAME.pid (all at
# once), waits up to SECONDS (default 15) for them to exit, then SIGKILLs what is left.
auction_proc_stop() {
  local seconds=15
  if [[ ${1:-} == -t ]]; then
    seconds=$2
    shift 2
  fi
  local name pidfile pid pids=() names=()
  for name in "$@"; do
    pidfile="$RUN_DIR/$name.pid"
    [[ -f $pidfile ]] || continue
    pid=$(cat "$pidfile" 2>/dev/null || true)
    # Only signal it when it still is one of ours (pids get reused).
    if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null &&
      [[ $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true) == */build/auction-* ]]; then
      log "stopping $name (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
      names+=("$name")
    fi
    rm -f "$pidfile"
  done
  local deadline=$((SECONDS + seconds)) i alive
  while :; do
    alive=0
    for i in "${!pids[@]}"; do
      if kill -0 "${pids[$i]}" 2>/dev/null; then
        alive=1
        if ((SECONDS >= deadline)); then
          log "${names[$i]} did not exit after ${seconds} s: SIGKILL"
          kill -KILL "${pids[$i]}" 2>/dev/null || true
        fi
      fi
    done
    ((alive && SECONDS < deadline)) || break
    sleep 0.2
  done
}

# Programs a check starts in a directory of its own (scripts/chaos.sh, scripts/pg_failover.sh): DIR is their working
# directory and holds their pid files; their logs go to $LOG_DIR.
# auction_program_start DIR NAME BINARY [VAR=value...]: starts BINARY in the background, in a session of its own, in
# the exported environment (auction_program_env) plus the given variables; pid in DIR/NAME.pid, log appended to
# $LOG_DIR/NAME.log. The job is disowned: a check that kills it with SIGKILL gets no notice from the shell.
auction_program_start() {
  local dir=$1 name=$2 bin=$3
  shift 3
  (
    cd "$dir" || exit 1
    exec env "$@" setsid "$bin" >>"$LOG_DIR/$name.log" 2>&1 </dev/null
  ) &
  echo $! >"$dir/$name.pid"
  disown $!
}

# auction_program_pid DIR NAME: the pid in DIR/NAME.pid while that process is a program started there (an auction-*
# binary working in DIR: pids get reused); nothing otherwise, also while the start has not yet exec'd the program.
auction_program_pid() {
  local pid argv0
  pid=$(cat "$1/$2.pid" 2>/dev/null || true)
  [[ $pid =~ ^[0-9]+$ && $(readlink "/proc/$pid/cwd" 2>/dev/null) == "$(cd "$1" && pwd -P)" ]] || return 0
  argv0=$({ tr '\0' '\n' <"/proc/$pid/cmdline"; } 2>/dev/null | head -n1 || true)
  [[ ${argv0##*/} != auction-* ]] || echo "$pid"
}

# Names (NAME of NAME.pid) of the workers recorded in $RUN_DIR.
auction_worker_names() {
  local f
  for f in "$RUN_DIR"/worker-*.pid; do
    [[ -e $f ]] && basename "$f" .pid
  done
  return 0
}

# auction_bench_api_build BIN_DIR: what the API benchmarks (bench/items_bench.sh, bench/list_bench.sh) share. Builds
# build/ (RelWithDebInfo) unless BENCH_SKIP_BUILD=1 or BIN_DIR is another directory (used as it is), first waiting
# (bounded, 15 min) for another build running in build/ (two ninjas in one directory race each other); then checks
# that BIN_DIR/auction-api exists.
auction_bench_api_build() {
  local bin_dir=$1 deadline p
  _build_running() {
    for p in $(pgrep -x ninja || true); do
      [[ $(readlink "/proc/$p/cwd" 2>/dev/null) == "$ROOT/build" ]] && return 0
    done
    return 1
  }
  if [[ ${BENCH_SKIP_BUILD:-0} == 1 || $bin_dir != "$ROOT/build" ]]; then
    log "using $bin_dir/auction-api as it is"
  else
    deadline=$((SECONDS + 900))
    while _build_running && ((SECONDS < deadline)); do
      log "another build is running in build/; waiting for it"
      sleep 10
    done
    auction_build RelWithDebInfo
  fi
  [[ -x $bin_dir/auction-api ]] || { log "ERROR: $bin_dir/auction-api missing"; return 1; }
}

# auction_bench_api_stop NAME BIN_DIR [PID]: stops the API benchmarks' auction-api: the one recorded as NAME
# (auction_proc_stop, which signals only programs under a build/ directory), and PID, the one the benchmark
# started, while it still runs BIN_DIR/auction-api (an API from a BENCH_BIN_DIR elsewhere), the same way: SIGTERM,
# SIGKILL after 20 s.
auction_bench_api_stop() {
  local name=$1 bin_dir=$2 pid=${3:-} i=0
  auction_proc_stop -t 20 "$name" || true
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null &&
    [[ $(readlink "/proc/$pid/exe" 2>/dev/null) == "$(readlink -f "$bin_dir/auction-api")" ]]; then
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null && ((i++ < 100)); do
      sleep 0.2
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
}

# auction_bench_worker_setup BIN_DIR DB VHOST TMP PREFETCH POOL: what the worker benchmarks (bench/worker_bench.sh,
# bench/close_bench.sh) share. Builds unless BENCH_SKIP_BUILD=1 (build/ only: another BIN_DIR is used as it is),
# checks the worker and bench/bid_flood binaries (sets WORKER_BIN and FLOOD_BIN), starts PostgreSQL and RabbitMQ,
# gives the benchmark database DB and vhost VHOST of their own, exports the run configuration's worker environment
# for them (request log at info), and applies the migrations by one worker start (log in TMP/migrate.log).
auction_bench_worker_setup() {
  local bin_dir=$1 db=$2 vhost=$3 tmp=$4 prefetch=$5 pool=$6 b pid
  if [[ ${BENCH_SKIP_BUILD:-0} != 1 && $bin_dir == "$ROOT/build" ]]; then
    auction_install_deps
    auction_build RelWithDebInfo
  fi
  WORKER_BIN=$bin_dir/auction-worker
  FLOOD_BIN=$bin_dir/bench/bid_flood
  for b in "$WORKER_BIN" "$FLOOD_BIN"; do
    [[ -x $b ]] || { log "ERROR: $b missing"; return 1; }
  done
  auction_start_postgres
  auction_start_rabbitmq
  auction_reset_database "$db"
  auction_rabbitmq_vhost "$vhost"
  auction_program_env --vhost "$vhost" POSTGRES_DATABASE="$db" SERVICE_NAME=auction-bench LOG_LEVEL=info \
    PREFETCH_COUNT="$prefetch" WORKER_POOL_SIZE="$pool"
  # One worker start applies the migrations; it exits on SIGTERM once started (the start line is what the loop
  # waits for).
  HEALTH_PORT=0 "$WORKER_BIN" >"$tmp/migrate.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do grep -q "started successfully" "$tmp/migrate.log" && break; sleep 0.1; done
  kill -TERM "$pid"
  wait "$pid" || true
}

# auction_bench_psql ARGS...: psql on the benchmark's database (POSTGRES_DATABASE, which auction_bench_worker_setup
# exports), unaligned, tuples only, stopping at the first error.
auction_bench_psql() {
  psql -h 127.0.0.1 -p "$AUCTION_PG_PORT" -U postgres -d "$POSTGRES_DATABASE" -v ON_ERROR_STOP=1 -qAtX "$@"
}

# auction_bench_items COUNT FILE [SQL]: loads COUNT items open for bids (started an hour ago, ending in 7 days) into
# the benchmark's database, runs SQL after them, analyzes, and writes the items' ids to FILE.
auction_bench_items() {
  auction_bench_psql <<SQL
INSERT INTO items (id, name, seller_id, currency_code, start_price, current_price, bid_increment, start_date, end_date)
SELECT gen_random_uuid(), 'Bench lot ' || g, 'bench-seller', 'USD', 100, 100, 1, now() - interval '1 hour', now() + interval '7 days'
FROM generate_series(1, $1) g;
${3:-}
ANALYZE;
SQL
  auction_bench_psql -c "SELECT id FROM items" >"$2"
}

# auction_bench_drain REPLICAS EVENTS HEALTH_BASE TIMEOUT DIR: starts REPLICAS workers ($WORKER_BIN; worker n serves its
# health endpoints on HEALTH_BASE + n - 1 and logs to DIR/worker-REPLICAS-n.log; their pids are appended to
# WORKER_PIDS) and waits until EVENTS bids are in processed_bid_events (exit 1 after TIMEOUT seconds). Sets DRAIN_MS,
# the time from the start until then, and BUSY_PCT, how busy the machine was meanwhile (both cores, /proc/stat).
# shellcheck disable=SC2034 # DRAIN_MS and BUSY_PCT are the caller's
auction_bench_drain() {
  local replicas=$1 events=$2 health_base=$3 timeout=$4 dir=$5 n start cpu_before done_count deadline
  cpu_before=$(_auction_cpu_times)
  start=$(date +%s%3N)
  for n in $(seq 1 "$replicas"); do
    WORKER_ID=$n HEALTH_PORT=$((health_base + n - 1)) "$WORKER_BIN" >"$dir/worker-$replicas-$n.log" 2>&1 &
    WORKER_PIDS+=($!)
  done
  deadline=$(($(date +%s) + timeout))
  # Polled on the workers' own counters (acknowledged after commit), read in this shell: a psql per poll forked a
  # backend and counted processed_bid_events, which took 7% of the machine's CPU during a drain and was charged
  # to PostgreSQL's CPU per event. The table is counted once the counters say done (an ack counts a redelivered
  # duplicate too), and polled until it agrees.
  while :; do
    done_count=0
    for ((n = 1; n <= replicas; n++)); do
      _auction_worker_acked $((health_base + n - 1))
      done_count=$((done_count + WORKER_ACKED))
    done
    ((done_count >= events)) && break
    if ((EPOCHSECONDS > deadline)); then log "ERROR: drain timed out at $done_count/$events acknowledged"; exit 1; fi
    sleep 0.1
  done
  while :; do
    done_count=$(auction_bench_psql -c "SELECT count(*) FROM processed_bid_events")
    ((done_count >= events)) && break
    if (($(date +%s) > deadline)); then log "ERROR: drain timed out at $done_count/$events"; exit 1; fi
    sleep 0.1
  done
  DRAIN_MS=$(($(date +%s%3N) - start))
  BUSY_PCT=$(awk -v a="$cpu_before" -v b="$(_auction_cpu_times)" 'BEGIN { split(a, x, " "); split(b, y, " ");
    printf "%.0f", 100 * (y[1] - x[1]) / ((y[1] - x[1]) + (y[2] - x[2])) }')
}

# _auction_worker_acked PORT: sets WORKER_ACKED to the worker's auction_worker_messages_acked_total from its /metrics
# on PORT, 0 while it does not answer; read with bash's /dev/tcp and parsed in the shell, so a poll forks nothing.
_auction_worker_acked() {
  local line value=0
  if exec 7<>"/dev/tcp/127.0.0.1/$1" 2>/dev/null; then
    printf 'GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&7
    while IFS= read -r line <&7; do
      if [[ $line == "auction_worker_messages_acked_total "* ]]; then
        value=${line#* }
        value=${value%%.*}
        value=${value%$'\r'}
      fi
    done
    exec 7<&-
  fi
  WORKER_ACKED=$value
}

# The machine's busy and idle CPU time so far (/proc/stat, all cores), as "busy idle".
_auction_cpu_times() {
  awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $5 + $6}' /proc/stat
}

# auction_bench_workers_stop: SIGTERM to the workers of WORKER_PIDS, waits for them and empties the list.
auction_bench_workers_stop() {
  local pid
  for pid in "${WORKER_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${WORKER_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  WORKER_PIDS=()
}

# auction_positive_ints NAME...: exits 2, naming the setting, unless each named variable holds a positive integer, or
# a list of them (a sweep such as "1 2 3").
auction_positive_ints() {
  local name word
  for name in "$@"; do
    [[ -n ${!name// /} ]] || { log "ERROR: $name is empty"; exit 2; }
    for word in ${!name}; do
      [[ $word =~ ^[1-9][0-9]*$ ]] || { log "ERROR: $name must be a positive integer or a list of them (got '${!name}')"; exit 2; }
    done
  done
}

# auction_wrk_result FILE: the RESULT line of the wrk run whose output is FILE (the project's wrk scripts end with one,
# bench/wrk_load.lua), and its BAD line, if any, on stderr; without a RESULT line, FILE on stderr and status 1.
auction_wrk_result() {
  local line
  line=$(grep '^RESULT' "$1" || true)
  if [[ -z $line ]]; then
    log "ERROR: wrk gave no result ($1):"
    cat "$1" >&2
    return 1
  fi
  grep '^BAD' "$1" >&2 || true
  echo "$line"
}

# auction_result_field NAME LINE: NAME's value in a RESULT line (NAME=value words; empty when absent).
auction_result_field() {
  sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"
}

# auction_ratio A B [DECIMALS]: A / B with DECIMALS places (2), or n/a when B is not positive. The benchmarks' ratios
# to their limits.
auction_ratio() {
  awk -v a="$1" -v b="$2" -v fmt="%.${3:-2}f" 'BEGIN { if (b + 0 > 0) printf fmt, a / b; else print "n/a" }'
}

# auction_proc_ticks PID [1]: CPU clock ticks (user + system) the process used so far, all its threads; with 1,
# its reaped children's too. 0 when the process is gone. For the benchmarks' CPU per request.
auction_proc_ticks() {
  local s f
  s=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  s=${s##*) }
  read -ra f <<<"$s"
  if [[ ${2:-0} == 1 ]]; then
    echo $((f[11] + f[12] + f[13] + f[14]))
  else
    echo $((f[11] + f[12]))
  fi
}

# auction_proc_start NAME BINARY [VAR=value...]: starts BINARY in the background with
# $RUN_DIR/auction.env exported plus the given variables; log $LOG_DIR/NAME.log.
auction_proc_start() {
  local name=$1 bin=$2
  shift 2
  mkdir -p "$LOG_DIR"
  (
    set -a
    # shellcheck disable=SC1091
    . "$RUN_DIR/auction.env"
    set +a
    cd "$ROOT" || exit 1
    exec env "$@" setsid "$bin" >>"$LOG_DIR/$name.log" 2>&1 </dev/null
  ) &
  echo $! >"$RUN_DIR/$name.pid"
  log "started $name (pid $!, log $LOG_DIR/$name.log)"
}
