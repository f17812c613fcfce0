#!/usr/bin/env bash
# Redraws docs/images/{items,worker}_bench.png from bench/results/{items,worker}.dat without measuring
# again (after a change to bench/plot/*.gp). The benchmark scripts draw them themselves after a run.
#   bench/plot/replot.sh [RESULTS_DIR [PLOT_DIR]]
set -euo pipefail
PLOT_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$PLOT_SRC/../.." && pwd)"
RESULTS_DIR=${1:-$ROOT/bench/results}
PLOT_DIR=${2:-$ROOT/docs/images}
command -v gnuplot >/dev/null 2>&1 || { echo "gnuplot missing: apt-get install -y gnuplot-nox" >&2; exit 1; }
mkdir -p "$PLOT_DIR"
for kind in items worker; do
  dat=$RESULTS_DIR/$kind.dat
  [[ -f $dat ]] || { echo "skip $kind: no $dat" >&2; continue; }
  # The run's time is on the data file's first line: "# bench/<kind>_bench.sh <UTC time>, ...".
  stamp=$(sed -n '1s/^# [^ ]* \([^,]*\),.*/\1/p' "$dat")
  gnuplot -e "datafile='$dat'; outfile='$PLOT_DIR/${kind}_bench.png'; stamp='$stamp'" \
    -e "load '$PLOT_SRC/common.gp'" "$PLOT_SRC/$kind.gp"
  echo "$PLOT_DIR/${kind}_bench.png"
done
