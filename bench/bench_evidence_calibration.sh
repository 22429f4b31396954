#!/usr/bin/env bash
# Issue 18: calibration of the evidence that `flowprior sample --sampler smc` reports (log_z, log_z_err) at the
# default settings (256 particles, flow preconditioning + t-pCN, importance sampling from the final flow and three
# wider copies of it, 4096-32768 draws sized by a pilot of 1024, and a second batch of up to 131072 where the first
# batch's error exceeds twice its plan), with
# the persistent-sampling estimate (log_z_ps) recorded alongside. One run per (target, d, seed), each a JSON file
# in OUT_DIR; runs whose JSON exists are skipped, so the script can be stopped and started again and fills in what
# is missing. Order: seeds 1-5 at d = 10, 20, 30 first, then seeds 6-20 at d = 10, 20 (a partial run stays balanced).
# Summarise with bench/evidence_calibration_table.py OUT_DIR.
# Usage: bench/bench_evidence_calibration.sh BUILD_DIR OUT_DIR [max_seed=20] [max_seed_d30=5]
# DIMS="10 20 30" (environment) restricts the dimensions, e.g. to run a second worker on d = 10 into another
# OUT_DIR (the table script merges folders).
# CHECKPOINTS=DIR (environment) keeps each run's final state in DIR/<target>-d<d>-s<seed>.ckpt; with the checkpoints
# of an earlier pass, a new OUT_DIR repeats only the evidence step (the sampling is resumed bitwise at its end), which
# is how an evidence-only change is recalibrated in minutes.
# The runs are single-threaded (--threads 1, OpenBLAS/OpenMP pinned to 1); run it niced on a shared machine.
set -euo pipefail
build=${1:?usage: bench_evidence_calibration.sh BUILD_DIR OUT_DIR [max_seed] [max_seed_d30]}
out=${2:?usage: bench_evidence_calibration.sh BUILD_DIR OUT_DIR [max_seed] [max_seed_d30]}
max_seed=${3:-20}; max_seed_30=${4:-5}
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
mkdir -p "$out"
targets="gaussian mixture gaussian-shells half-gaussian"
{ echo "start $(date -u +%FT%TZ)  $(uptime)"; lscpu | grep -E 'Model name|^CPU\(s\)'; } >> "$out/machine.txt"
one() {  # target dim seed
  local f="$out/$1-d$2-s$3.json"
  [ -f "$f" ] && return 0
  local ck=()
  [ -n "${CHECKPOINTS:-}" ] && mkdir -p "$CHECKPOINTS" && ck=(--checkpoint "$CHECKPOINTS/$1-d$2-s$3.ckpt" --resume)
  "$build/flowprior" sample --target "$1" --dim "$2" --sampler smc --seed "$3" --threads 1 \
    --out "$out/tmp-posterior.csv" --json "$f.tmp" --no-progress "${ck[@]}"
  mv "$f.tmp" "$f"
  echo "$(date -u +%T) $1 d=$2 seed=$3 done"
}
for seed in $(seq 1 "$max_seed"); do
  for d in ${DIMS:-10 20 30}; do
    if [ "$d" = 30 ] && [ "$seed" -gt "$max_seed_30" ]; then continue; fi
    for t in $targets; do one "$t" "$d" "$seed"; done
  done
done
rm -f "$out/tmp-posterior.csv"
echo "end $(date -u +%FT%TZ)  $(uptime)" >> "$out/machine.txt"
