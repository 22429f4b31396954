#!/usr/bin/env bash
# The flagship example: HotSpot-UPC scenario U on real H1 (gamma+p) and ALICE (gamma+Pb) J/psi data.
# Design and emulators per system, stage 1 (gamma+p, uniform prior), the flow prior, stage 2 (gamma+Pb), the joint
# run, the reverse order, the checks, plots and the report, all by one `flowprior run`. Progress on stderr.
# Usage: scripts/main_job.sh [build-dir=build] [run-dir=<build-dir>/run_consistent]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
bin="$build/flowprior"
[ -x "$bin" ] || { echo "main_job: $bin not found; build first (scripts/setup.sh $build)" >&2; exit 1; }
out=${2:-$build/run_consistent}
start=$(date +%s)
"$bin" run examples/hotspot_upc/consistent.toml --out "$out" --threads 2
echo "main_job: scenario U finished in $(( $(date +%s) - start )) s; run folder $out (summary.json, *.png)" >&2
