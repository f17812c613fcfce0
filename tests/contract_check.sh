#!/usr/bin/env bash
# Runs one contract check script (scripts/apidocs_check.sh or scripts/asyncapi_check.sh) as a ctest entry,
# or reports "skipped" (77) when no recordings are being made (AUCTION_CONTRACT_DIR unset).
set -euo pipefail
if [[ -z ${AUCTION_CONTRACT_DIR:-} ]]; then
  echo "AUCTION_CONTRACT_DIR is not set (scripts/test.sh sets it): nothing recorded to check"
  exit 77
fi
exec bash "$1"
