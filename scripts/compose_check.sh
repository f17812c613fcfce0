#!/usr/bin/env bash
# Checks docker-compose.yaml, the Dockerfile and scripts/local.env against the programs' own configuration tables
# (`auction-api --config-table`, `auction-worker --config-table`) and the design, without a Docker engine: the
# test command's "compose check" step. The checks are scripts/compose_check.py (read its header); this installs
# what it needs (Debian's docker-compose 1.29 and python3-yaml) when missing.
#
#   scripts/compose_check.sh [--build-dir DIR] [--local-env FILE] [COMPOSE_FILE [DOCKERFILE]]
# The programs must be built (build/, or --build-dir / AUCTION_BUILD_DIR). Exits 1 listing every problem.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

auction_apt_install docker-compose docker-compose
# python3-yaml comes with docker-compose; the check reads docker-compose's resolved output with it.
python3 -c 'import yaml' 2>/dev/null ||
  _auction_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-yaml
exec python3 "$ROOT/scripts/compose_check.py" "$@"
