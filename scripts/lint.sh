#!/usr/bin/env bash
# The lint step of scripts/test.sh: every C++ file formatted as .clang-format says, and every shell script clean
# under shellcheck (warnings and errors; notes such as "unreachable" for trap handlers are not failures).
# clang-tidy, which needs the build's compile commands, is scripts/tidy.sh, run right after the build.
# Fix the formatting with: clang-format -i $(git ls-files '*.cpp' '*.hpp')
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' 2>/dev/null || find . -name '*.[ch]pp' -not -path './build/*')
clang-format --dry-run --Werror "${files[@]}"
echo "clang-format: ${#files[@]} files formatted"

# Debian's package; installed here rather than with the build dependencies (the image does not need it).
auction_apt_install shellcheck shellcheck
mapfile -t scripts < <(git ls-files '*.sh' .ci/run 2>/dev/null || find scripts bench -name '*.sh')
shellcheck -x -S warning "${scripts[@]}"
echo "shellcheck: ${#scripts[@]} scripts clean"
