#!/bin/sh
# HEALTHCHECK of the runtime image: GET /healthz (liveness) of the program running as pid 1, on PORT
# for auction-api (default 8080) and HEALTH_PORT for auction-worker (default 8090). Readiness
# (/readyz: PostgreSQL, migrations, RabbitMQ) is left to the orchestrator, because an unhealthy
# dependency must not mark the process itself for replacement.
set -eu
case "$(tr '\0' ' ' </proc/1/cmdline)" in
  *auction-worker*) port=${HEALTH_PORT:-8090} ;;
  *) port=${PORT:-8080} ;;
esac
exec curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:${port}/healthz"
