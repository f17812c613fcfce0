#!/usr/bin/env bash
# The lint step of scripts/test.sh: every C++ file formatted as .clang-format says, and every shell script clean
# under shellcheck (warnings and errors; notes such as "unreachable" for trap handlers are not failures).
# Fix the formatting with: clang-format -i $(git ls-files '*.cpp' '*.hpp')
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' 2>/dev/null || find . -name '*.[ch]pp' -not -path './build/*')
clang-format --dry-run --Werror "${files[@]}"
echo "clang-format: ${#files[@]} files formatted"

if ! command -v shellcheck >/dev/null 2>&1 && [[ $(id -u) == 0 ]]; then
  # Debian's package; installed here rather than with the build dependencies (the image does not need it).
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q shellcheck >/dev/null ||
    { DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q shellcheck >/dev/null; }
fi
mapfile -t scripts < <(git ls-files '*.sh' .ci/run 2>/dev/null || find scripts bench -name '*.sh')
shellcheck -x -S warning "${scripts[@]}"
echo "shellcheck: ${#scripts[@]} scripts clean"
