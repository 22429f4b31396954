#!/usr/bin/env bash
# The README's main job: installs what is missing, builds the command-line program, and runs the flagship example,
# HotSpot-UPC scenario U (examples/hotspot_upc/consistent.toml) into build/run_consistent.
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
start=$(date +%s)
SETUP_TARGETS=flowprior_cli scripts/setup.sh build
echo "main: set-up and build took $(( $(date +%s) - start )) s" >&2
exec bash scripts/main_job.sh build
