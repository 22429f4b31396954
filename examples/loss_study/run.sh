#!/usr/bin/env bash
# The loss study in one command: builds the program if needed, trains every architecture with every loss on the
# three inputs, writes results.csv, results.md and loss_study.png into this folder (or $LOSS_STUDY_OUT).
# Usage: bash examples/loss_study/run.sh [build-dir] [--quick] [--threads N] [--seed N]
# ~15 minutes on 2 cores shared with other work (see README.md); --quick is a few-second smoke run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-build}
shift || true
case $build in /*) ;; *) build=$PWD/$build ;; esac
out=${LOSS_STUDY_OUT:-$here}
if [ -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" > /dev/null  # picks up the example if the folder was configured before it existed
  cmake --build "$build" -j"$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)" --target loss_study
else
  SETUP_TARGETS=loss_study bash "$root/scripts/setup.sh" "$build"
fi
"$build/examples/loss_study" --out "$out" "$@"
/usr/bin/python3 "$here/plot.py" "$out/results.csv" "$out/loss_study.png"
