#!/usr/bin/env bash
# The README's main job: installs what is missing, builds, and runs the flagship example.
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
scripts/setup.sh build
exec bash scripts/main_job.sh build
