#!/bin/sh
# Entry point of the runtime image. The worker names itself by WORKER_ID, whose default is its pid; in
# a container every replica is pid 1, so replicas started by `deploy.replicas` would all be "1" in the
# logs and in PostgreSQL/RabbitMQ connection names. The container's hostname (its id) is unique.
set -eu
if [ "${1:-}" = auction-worker ] && [ -z "${WORKER_ID:-}" ]; then
  WORKER_ID=$(hostname)
  export WORKER_ID
fi
# exec: the program is pid 1 and gets SIGTERM from `docker stop` directly (it waits for it with
# sigwait, so pid 1's default-ignore of unhandled signals does not apply); it starts no children.
exec "$@"
