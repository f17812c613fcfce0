#!/usr/bin/env bash
# The clang-tidy part of the lint step (.clang-tidy's checks), run by scripts/test.sh right after the build, whose
# compile_commands.json it needs. It checks the C++ files the commit under test changes (its diff against
# AUCTION_TIDY_BASE, default HEAD~1, including uncommitted edits); `--all` checks every file (about 15 minutes of
# CPU here, too long for the test command). A warning located in the repository's own files fails the step;
# ones inside system headers (Boost's coroutine internals trip the static analyzer) are not ours and ignored.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
build=${AUCTION_BUILD_DIR:-$ROOT/build}

auction_apt_install clang-tidy clang-tidy
[[ -f $build/compile_commands.json ]] || { log "clang-tidy: no $build/compile_commands.json (build first)"; exit 1; }

if [[ ${1:-} == --all ]]; then
  mapfile -t candidates < <(git ls-files '*.cpp')
else
  base=${AUCTION_TIDY_BASE:-HEAD~1}
  if ! git rev-parse -q --verify "$base^{commit}" >/dev/null; then
    log "clang-tidy: no $base to compare with: nothing to check"
    exit 0
  fi
  mapfile -t candidates < <(git diff --name-only --diff-filter=ACMR "$base" -- '*.cpp')
fi
# Only files of this build (the fuzz targets are a project of their own).
files=()
for f in "${candidates[@]}"; do
  if grep -qF "\"file\": \"$ROOT/$f\"" "$build/compile_commands.json"; then
    files+=("$f")
  fi
done
if ((${#files[@]} == 0)); then
  echo "clang-tidy: no changed C++ file to check"
  exit 0
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
printf '%s\0' "${files[@]}" | xargs -0 -n1 -P2 clang-tidy -p "$build" --quiet >"$out" 2>/dev/null || true
findings=$(grep -E "^$ROOT/[^:]+:[0-9]+:[0-9]+: (warning|error):" "$out" || true)
if [[ -n $findings ]]; then
  echo "$findings"
  echo "clang-tidy: $(grep -c . <<<"$findings") finding(s) in ${#files[@]} file(s)"
  exit 1
fi
echo "clang-tidy: ${#files[@]} file(s) clean"
