#!/usr/bin/env bash
# Runs the service locally: installs what is missing, builds (RelWithDebInfo, shared with the tests), starts PostgreSQL (5433),
# RabbitMQ (5672, UI 15672) and the local S3 server (s3rver, 9000), then (re)starts auction-api and, when built, 3 auction-worker
# replicas in the background. Stop them with scripts/stop.sh (add --all for the databases too).
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

WORKERS=${AUCTION_WORKERS:-3}

auction_install_deps
auction_build "${BUILD_TYPE:-RelWithDebInfo}"
auction_start_postgres
auction_start_rabbitmq
auction_env_file
auction_start_s3
API_PORT=$(sed -n 's/^PORT=//p' "$RUN_DIR/auction.env" | tail -n1)
API_URL=http://127.0.0.1:${API_PORT:-8081}

# Previous processes first (workers, then the API).
mapfile -t old_workers < <(auction_worker_names)
auction_proc_stop -t 30 "${old_workers[@]}"
auction_proc_stop -t 30 api

if auction_wait_port 127.0.0.1 "${API_PORT:-8081}" 1; then
  log "port ${API_PORT:-8081} is taken by another process (not in $RUN_DIR/api.pid); stop it first:"
  ss -ltnp "sport = :${API_PORT:-8081}" >&2 || true
  exit 1
fi

# No load balancer in front of the local API: no drain on SIGTERM (docs/DEPLOYMENT.md "Rolling restarts").
auction_proc_start api "$ROOT/build/auction-api" SHUTDOWN_DRAIN=0
api_pid=$(cat "$RUN_DIR/api.pid")
if ! auction_wait_http "$API_URL/api/v1/categories" "$api_pid" "$LOG_DIR/api.log" 30; then
  auction_proc_stop -t 5 api
  exit 1
fi
log "auction-api is up"

have_workers=0
if [[ -x $ROOT/build/auction-worker ]]; then
  have_workers=1
  for ((n = 1; n <= WORKERS; n++)); do
    auction_proc_start "worker-$n" "$ROOT/build/auction-worker" "WORKER_ID=$n" "HEALTH_PORT=$((8090 + n))"
  done
  sleep 1
  for ((n = 1; n <= WORKERS; n++)); do
    if ! kill -0 "$(cat "$RUN_DIR/worker-$n.pid")" 2>/dev/null; then
      log "worker-$n exited at once; last lines of $LOG_DIR/worker-$n.log:"
      tail -n 20 "$LOG_DIR/worker-$n.log" >&2 || true
    fi
  done
fi

cat <<EOF

Auction service is running.
  API               http://localhost:${API_PORT:-8081}        (e.g. curl http://localhost:${API_PORT:-8081}/api/v1/categories)
  RabbitMQ UI       http://localhost:15672       user guest, password guest (AMQP on localhost:5672)
  PostgreSQL        localhost:5433               user postgres, password postgres, database auction
                    psql -h 127.0.0.1 -p 5433 -U postgres -d auction
  S3 (s3rver)       $(auction_env_get AWS_ENDPOINT)        bucket $(auction_env_get AWS_BUCKET), access key $(auction_env_get AWS_ACCESS_KEY)
                    images at <endpoint>/<bucket>/items/<itemId>/<imageId>.<png|jpg>
  Environment       $RUN_DIR/auction.env
Logs
  API               $LOG_DIR/api.log
EOF
if ((have_workers)); then
  cat <<EOF
  Workers           $LOG_DIR/worker-1.log .. worker-$WORKERS.log
                    grep "pool stats" .run/logs/worker-*.log
EOF
fi
cat <<EOF
  PostgreSQL        $LOG_DIR/postgres.log
  RabbitMQ          /var/log/rabbitmq/
  S3                $LOG_DIR/s3.log          (objects under $RUN_DIR/s3)
Stop with: scripts/stop.sh   (scripts/stop.sh --all also stops PostgreSQL, RabbitMQ and S3)
EOF
