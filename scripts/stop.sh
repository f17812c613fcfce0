#!/usr/bin/env bash
# Stops the processes started by scripts/run.sh (SIGTERM, then waits).
# With --all it also stops the project's PostgreSQL cluster, RabbitMQ and the local S3 server.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

all=0
case "${1:-}" in
  --all) all=1 ;;
  "") ;;
  *) echo "usage: $0 [--all]" >&2; exit 2 ;;
esac

mapfile -t workers < <(auction_worker_names)
auction_proc_stop -t 30 "${workers[@]}"
auction_proc_stop -t 30 api

if ((all)); then
  auction_stop_s3
  auction_stop_rabbitmq
  auction_stop_postgres
fi
log "stopped"
