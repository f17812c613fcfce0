#!/bin/sh
# HEALTHCHECK of the runtime image: GET /healthz (liveness) of the program the container runs: auction-api
# answers on PORT (default 8080), auction-worker on HEALTH_PORT (default 8090). A container runs one of
# them, so the other port is closed and refuses at once; asking both needs no process table (pid 1 is not
# the program under `--pid=host`, a shared process namespace or `buildah run`, which the image check uses).
# Readiness (/readyz: PostgreSQL, migrations, RabbitMQ) is left to the orchestrator, because an unhealthy
# dependency must not mark the process itself for replacement.
set -eu
curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:${PORT:-8080}/healthz" 2>/dev/null ||
  exec curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:${HEALTH_PORT:-8090}/healthz"
