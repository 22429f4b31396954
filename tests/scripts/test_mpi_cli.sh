#!/usr/bin/env bash
# MPI back end (issue 9), loopback only: `mpirun -n 2|4 flowprior ...` gives bitwise the same results as one process
# (SMC with and without flow preconditioning, ensemble, `flowprior run`); a likelihood that throws on rank 1 ends
# the run with a message naming the rank and leaves a checkpoint that resumes (on 1 process) to the uninterrupted
# result; a rank killed mid-run ends the job with a message and its checkpoint resumes on 4 ranks (`flowprior run`:
# on 1 process), same result.
# Exit 77 (skipped) without mpirun.
set -euo pipefail
bin=$1
src=$2
mpiexec=${FLOWPRIOR_MPIEXEC:-$(command -v mpirun || true)}
[ -n "$mpiexec" ] && [ -x "$mpiexec" ] || { echo "no mpirun: skipped"; exit 77; }
# Loopback only (shared memory), root allowed (containers), more ranks than cores allowed.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_hwloc_base_binding_policy=none OMPI_MCA_oob_tcp_if_include=lo OMPI_MCA_btl_tcp_if_include=lo
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mpi() { local n=$1; shift; timeout 300 "$mpiexec" -n "$n" "$bin" "$@"; }
same() { cmp -s "$1" "$2" || { echo "FAIL: $1 and $2 differ ($3)"; exit 1; }; }
num() { grep "\"$1\":" "$2" | head -1 | sed 's/.*: *//; s/,$//'; }

# SMC without a flow (random-walk Metropolis): 1 process, 2 ranks, 4 ranks. (Targets whose value of a row does not
# depend on the batch it comes in: the rule behind bitwise equality for any thread or rank count.)
smc=(sample --target mixture --dim 3 --sampler smc --no-flow --particles 64 --seed 3 --no-progress)
"$bin" "${smc[@]}" --out "$tmp/smc1.csv" --json "$tmp/smc1.json"
mpi 2 "${smc[@]}" --out "$tmp/smc2.csv" --json "$tmp/smc2.json"
mpi 4 "${smc[@]}" --out "$tmp/smc4.csv" --json "$tmp/smc4.json"
same "$tmp/smc1.csv" "$tmp/smc2.csv" "smc posterior, 1 vs 2 ranks"
same "$tmp/smc1.csv" "$tmp/smc4.csv" "smc posterior, 1 vs 4 ranks"
[ "$(num log_z "$tmp/smc1.json")" = "$(num log_z "$tmp/smc2.json")" ] || { echo "FAIL: log Z differs"; exit 1; }
[ "$(num mpi_ranks "$tmp/smc2.json")" = 2 ] || { echo "FAIL: the 2-rank run did not use 2 ranks"; exit 1; }

# SMC with flow preconditioning (flow trained on rank 0) and 2 threads per rank.
flow=(sample --target mixture --dim 2 --sampler smc --particles 64 --flow-epochs 15 --flow-layers 2 --flow-hidden 8
      --evidence-samples 256 --threads 2 --seed 5 --no-progress)
"$bin" "${flow[@]}" --out "$tmp/flow1.csv" --json "$tmp/flow1.json"
mpi 2 "${flow[@]}" --out "$tmp/flow2.csv" --json "$tmp/flow2.json"
same "$tmp/flow1.csv" "$tmp/flow2.csv" "flow-preconditioned smc, 1 vs 2 ranks"
[ "$(num log_z_is "$tmp/flow1.json")" = "$(num log_z_is "$tmp/flow2.json")" ] ||
  { echo "FAIL: log Z (IS) differs"; exit 1; }

# Ensemble: the chain summaries (every mean and autocorrelation time to 17 digits) agree.
ens=(sample --target rosenbrock --dim 2 --sampler ensemble --walkers 16 --steps 300 --seed 2 --no-progress)
"$bin" "${ens[@]}" --out "$tmp/ens1.h5"
mpi 2 "${ens[@]}" --out "$tmp/ens2.h5"
"$bin" chain "$tmp/ens1.h5" --json "$tmp/ens1.json" >/dev/null 2>&1
"$bin" chain "$tmp/ens2.h5" --json "$tmp/ens2.json" >/dev/null 2>&1
same "$tmp/ens1.json" "$tmp/ens2.json" "ensemble chain, 1 vs 2 ranks"

# A likelihood that throws on rank 1 (batch 40, iteration 3): a clear one-line error naming the rank; the
# checkpoint resumes on one process to exactly the uninterrupted result.
export FLOWPRIOR_MPI_TEST_FAULT=1:40:throw
if mpi 2 "${smc[@]}" --out "$tmp/f.csv" --checkpoint "$tmp/f.ckpt" 2> "$tmp/f.err"; then
  echo "FAIL: a throwing likelihood on rank 1 did not fail the run"; exit 1
fi
unset FLOWPRIOR_MPI_TEST_FAULT
grep -q "flowprior: error: .*MPI rank 1 of 2.*injected failure" "$tmp/f.err" ||
  { echo "FAIL: unclear message:"; cat "$tmp/f.err"; exit 1; }
[ -s "$tmp/f.ckpt" ] || { echo "FAIL: no checkpoint left"; exit 1; }
"$bin" "${smc[@]}" --out "$tmp/f.csv" --checkpoint "$tmp/f.ckpt" --resume
same "$tmp/smc1.csv" "$tmp/f.csv" "resumed on 1 process after a throw on rank 1"

# Rank 1 killed (SIGKILL) in batch 60: the job ends non-zero with a message; resumed on 4 ranks, same result.
export FLOWPRIOR_MPI_TEST_FAULT=1:60:die
if mpi 2 "${smc[@]}" --out "$tmp/k.csv" --checkpoint "$tmp/k.ckpt" > "$tmp/k.out" 2>&1; then
  echo "FAIL: a dead rank did not fail the job"; exit 1
fi
unset FLOWPRIOR_MPI_TEST_FAULT
grep -qi "rank 1.*signal 9\|another rank died" "$tmp/k.out" ||
  { echo "FAIL: no message about the dead rank:"; cat "$tmp/k.out"; exit 1; }
[ -s "$tmp/k.ckpt" ] || { echo "FAIL: no checkpoint left after the dead rank"; exit 1; }
mpi 4 "${smc[@]}" --out "$tmp/k.csv" --checkpoint "$tmp/k.ckpt" --resume
same "$tmp/smc1.csv" "$tmp/k.csv" "resumed on 4 ranks after rank 1 died"

# `flowprior run` of the linear-Gaussian example with reduced settings: every stage file is the same on 2 ranks.
mkdir -p "$tmp/lg"
cp "$src"/examples/linear_gaussian/data_*.csv "$tmp/lg/"
sed -e 's/^n_active = 128/n_active = 48/; s/^n_effective = 256/n_effective = 96/; s/^n_total = 1024/n_total = 192/' \
    -e 's/^epochs = 100/epochs = 20/; s/^plots = true/plots = false/' \
    "$src/examples/linear_gaussian/analysis.toml" > "$tmp/lg/analysis.toml"
"$bin" run "$tmp/lg/analysis.toml" --out "$tmp/run1" --no-plots > /dev/null 2> "$tmp/run1.err"
mpi 2 run "$tmp/lg/analysis.toml" --out "$tmp/run2" --no-plots > /dev/null 2> "$tmp/run2.err"
n=0
for f in "$tmp"/run1/*.csv; do
  same "$f" "$tmp/run2/$(basename "$f")" "flowprior run, 1 vs 2 ranks"
  n=$((n + 1))
done
[ "$n" -ge 4 ] || { echo "FAIL: only $n CSV files in the run folder"; exit 1; }
same "$tmp/run1/summary.json" "$tmp/run2/summary.json" "flowprior run summary, 1 vs 2 ranks"
# Stages with their own parameters (issue 17): stage 1 fixes the intercept, stage 2 adds it (the worker ranks rebuild
# each run's likelihood on its parameters, with the stage's fixed values).
mkdir -p "$tmp/lgp"
cp "$tmp"/lg/* "$tmp/lgp/"
sed -i 's/^name = "stage1"/name = "stage1"\nfixed = {intercept = -1.0}/' "$tmp/lgp/analysis.toml"
grep -q '^fixed = {intercept' "$tmp/lgp/analysis.toml" || { echo "FAIL: the stage parameters did not apply"; exit 1; }
"$bin" run "$tmp/lgp/analysis.toml" --out "$tmp/runp1" --no-plots > /dev/null 2> "$tmp/runp1.err"
mpi 2 run "$tmp/lgp/analysis.toml" --out "$tmp/runp2" --no-plots > /dev/null 2> "$tmp/runp2.err"
head -1 "$tmp/runp1/stage1.csv" | grep -q '^slope,weight' || { echo "FAIL: stage 1 is not on the slope alone"; exit 1; }
for f in "$tmp"/runp1/*.csv; do same "$f" "$tmp/runp2/$(basename "$f")" "stage parameters, 1 vs 2 ranks"; done
# ... and the run's likelihood really went to rank 1: a throw there stops it, naming the rank.
if FLOWPRIOR_MPI_TEST_FAULT=1:1:throw mpi 2 run "$tmp/lg/analysis.toml" --out "$tmp/run3" --no-plots \
     > /dev/null 2> "$tmp/run3.err"; then
  echo "FAIL: flowprior run did not send its likelihood to rank 1"; exit 1
fi
grep -q "MPI rank 1 of 2" "$tmp/run3.err" || { echo "FAIL: unclear message:"; cat "$tmp/run3.err"; exit 1; }
# Rank 1 killed during stage1 (after its first checkpoint); the same command on one process resumes stage1 from
# stage1.checkpoint and finishes with exactly the files of the uninterrupted run.
if FLOWPRIOR_MPI_TEST_FAULT=1:100:die mpi 2 run "$tmp/lg/analysis.toml" --out "$tmp/run4" --no-plots \
     > /dev/null 2>&1; then
  echo "FAIL: a dead rank did not stop flowprior run"; exit 1
fi
[ -s "$tmp/run4/stage1.checkpoint" ] || { echo "FAIL: no stage1 checkpoint after the dead rank"; exit 1; }
"$bin" run "$tmp/lg/analysis.toml" --out "$tmp/run4" --no-plots > /dev/null 2>&1
for f in "$tmp"/run1/*.csv "$tmp/run1/summary.json"; do
  same "$f" "$tmp/run4/$(basename "$f")" "flowprior run killed on 2 ranks, resumed on 1 process"
done
# Every likelihood evaluated outside a sampler goes through the run's evaluation, the reverse order's flow-prior
# check too (it once used plain threads on rank 0). A finished run resumed on 2 ranks evaluates only the checks:
# batch 1 on rank 1 is the forward flow-prior check, batch 2 the reverse order's; a throw in batch 2 must stop it.
sed -e 's/^lost_modes = true .*/lost_modes = false/' -e 's/^\[checks\]/[checks]\nreverse_order = true/' \
    "$tmp/lg/analysis.toml" > "$tmp/lg/reverse.toml"
mpi 2 run "$tmp/lg/reverse.toml" --out "$tmp/run5" --no-plots > /dev/null 2> "$tmp/run5.err" ||
  { echo "FAIL: reverse-order run on 2 ranks"; cat "$tmp/run5.err"; exit 1; }
grep -q '"reverse_order"' "$tmp/run5/summary.json" || { echo "FAIL: no reverse order in summary.json"; exit 1; }
if FLOWPRIOR_MPI_TEST_FAULT=1:2:throw mpi 2 run "$tmp/lg/reverse.toml" --out "$tmp/run5" --no-plots \
     > /dev/null 2> "$tmp/run6.err"; then
  echo "FAIL: the reverse order's flow-prior check did not run on rank 1"; exit 1
fi
grep -q "MPI rank 1 of 2" "$tmp/run6.err" || { echo "FAIL: unclear message:"; cat "$tmp/run6.err"; exit 1; }
echo "ok ($n run files identical)"
