#!/usr/bin/env bash
# The main job until the physics example exists (issue 2): train a flow prior on the 7-D IP-Glasma posterior
# (arXiv:2202.01998, 1000 draws) inside its prior box, then print the `flow check` report: every quality metric
# next to its noise floor (the same metric between two halves of the posterior draws).
# Architecture: realnvp, the best of realnvp/maf/nsf on this data (comparison in bench/RESULTS.md,
# "Flow quality: 7-D IP-Glasma posterior"). A few minutes at most on 2 cores.
# Usage: scripts/main_job.sh [build-dir=build] [out-dir=<build-dir>/main_job]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
bin="$build/flowprior"
[ -x "$bin" ] || { echo "main_job: $bin not found; build first (scripts/setup.sh $build)" >&2; exit 1; }
out=${2:-$build/main_job}
mkdir -p "$out"
samples=data/ipglasma_2022_posterior.csv
box=data/ipglasma_2022_box.toml

"$bin" flow train --samples "$samples" --params "$box" --arch realnvp --loss nll \
  --batch 128 --epochs 400 --patience 30 --seed 1 --threads 2 --quiet --out "$out/ipglasma_2022_flow.json"
# The reference is the training data itself (in-sample), as in the paper's model selection; the validation
# loss printed by `flow train` above is the held-out figure (10 % of the draws).
"$bin" flow check --flow "$out/ipglasma_2022_flow.json" --samples "$samples" --seed 1 --threads 2 \
  --json "$out/ipglasma_2022_check.json"
echo "main_job: flow file and JSON report in $out" >&2
