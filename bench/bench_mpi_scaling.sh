#!/usr/bin/env bash
# Strong scaling of the MPI back end (issue 9): the same sampler run with a likelihood costing COST ms of CPU per
# point (`--likelihood-cost-ms`: a busy wait on the thread's CPU clock, standing for a model-as-likelihood) on
# 1 process and on 2 MPI ranks (one thread each); speed-up and parallel efficiency. The serial part (Amdahl) is
# measured directly: the identical run with a free likelihood (cost 0 evaluates the same points: bit for bit the
# same run) takes T_serial, so T(P) ~ T_serial + (T1 - T_serial) / P. Outputs are checked bitwise equal across rank
# counts. Times are of the whole command (process and MPI start-up included).
# Usage: bash bench/bench_mpi_scaling.sh [build-dir=build] [cost-ms=10]
set -euo pipefail
build=${1:-build}
cost=${2:-10}
bin=$build/flowprior
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_rmaps_base_oversubscribe=1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
num() { grep "\"$1\":" "$2" | head -1 | sed 's/.*: *//; s/,$//'; }

# timed NAME RANKS COST OUT args...: whole-command wall time -> $tmp/NAME.time, summary -> $tmp/NAME.json
timed() {
  local name=$1 ranks=$2 c=$3 out=$4; shift 4
  # Every process in its own session: with the kernel's autogroup scheduling (sched_autogroup_enabled = 1 here) all
  # processes of one session share ONE fair share of the CPU, so on a machine loaded by other sessions K ranks in
  # our session would get no more CPU than one process. setsid gives each rank, and the single process, its own.
  local launcher=(setsid -w)
  [ "$ranks" = 1 ] || launcher=(mpirun -n "$ranks" setsid -w)
  local t0 t1
  t0=$(date +%s%N)
  "${launcher[@]}" "$bin" "$@" --likelihood-cost-ms "$c" --out "$tmp/$name.$out" --json "$tmp/$name.json" \
    --no-progress 2>/dev/null
  t1=$(date +%s%N)
  echo $(( (t1 - t0) / 1000 )) > "$tmp/$name.time"  # microseconds
}

# scale LABEL NAME EXT CALLS-KEY ITERATIONS args...: the four runs and one table row
scale() {
  local label=$1 name=$2 ext=$3 key=$4 iterations=$5; shift 5
  timed "${name}_1" 1 "$cost" "$ext" "$@"
  timed "${name}_2" 2 "$cost" "$ext" "$@"
  timed "${name}_s1" 1 0 "$ext" "$@"
  timed "${name}_s2" 2 0 "$ext" "$@"
  local a="$tmp/${name}_1.$ext" b="$tmp/${name}_2.$ext"
  if [ "$ext" = h5 ]; then  # HDF5 files carry times: compare the chain summaries (17 digits)
    "$bin" chain "$a" --json "$a.json" >/dev/null 2>&1; "$bin" chain "$b" --json "$b.json" >/dev/null 2>&1
    a="$a.json"; b="$b.json"
  fi
  cmp -s "$a" "$b" || { echo "FAIL: $label: 1 and 2 ranks differ" >&2; exit 1; }
  awk -v l="$label" -v t1="$(cat "$tmp/${name}_1.time")" -v t2="$(cat "$tmp/${name}_2.time")" \
      -v ts="$(cat "$tmp/${name}_s1.time")" -v ts2="$(cat "$tmp/${name}_s2.time")" \
      -v n="$(num "$key" "$tmp/${name}_1.json")" -v it="$iterations" 'BEGIN {
    t1 /= 1e6; t2 /= 1e6; ts /= 1e6; ts2 /= 1e6;
    s = t1 / t2; f = ts / t1;
    printf "| %s | %d | %.1f ms | %.2f s | %.2f s | **%.2fx** | **%.0f%%** | %.2f s / %.2f s | %.0f ms | %.2fx |\n",
           l, n, 1000 * (t1 - ts) / n, t1, t2, s, 50 * s, ts, ts2, 1000 * ts / it, 1 / (f + (1 - f) / 2) }'
}

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(getconf _NPROCESSORS_ONLN) cores;" \
     "load average before: $(cut -d' ' -f1-3 /proc/loadavg); likelihood cost $cost ms per point"
echo "| run | points | measured cost per point | 1 process | 2 ranks | speed-up | efficiency | serial part (cost 0) 1 process / 2 ranks | serial per iteration | Amdahl bound for 2 |"
echo "|---|---|---|---|---|---|---|---|---|---|"
scale "SMC, random-walk moves (32 particles, 4 iterations)" smc csv likelihood_calls 4 \
  sample --target mixture --dim 3 --sampler smc --no-flow --particles 32 --max-steps 6 --max-iterations 4 --seed 1
scale "SMC, flow-preconditioned t-pCN (flow trained on rank 0)" flow csv likelihood_calls 4 \
  sample --target mixture --dim 3 --sampler smc --particles 32 --max-steps 6 --max-iterations 4 --flow-epochs 100 \
  --evidence-samples 0 --seed 1
scale "ensemble (16 walkers, 30 steps: half-batches of 8)" ens h5 log_prob_calls 30 \
  sample --target mixture --dim 3 --sampler ensemble --walkers 16 --steps 30 --seed 1

# What limits scaling at a realistic size: the serial part per iteration of a flow-preconditioned SMC run with 512
# particles (flow training on rank 0, resampling, weights), measured with a free likelihood, against the likelihood
# work of the same iterations at COST ms per point; Amdahl's bound for K ranks is 1 / (f + (1 - f) / K).
real=(sample --target mixture --dim 3 --sampler smc --particles 512 --max-iterations 4 --seed 1)
timed real_s1 1 0 csv "${real[@]}"
s_real=$(cat "$tmp/real_s1.time"); n_real=$(num likelihood_calls "$tmp/real_s1.json")
awk -v ts="$s_real" -v n="$n_real" -v c="$cost" 'BEGIN {
  ts /= 1e6; work = n * c / 1000; f = ts / (ts + work);
  printf "\nrealistic size (512 particles, flow-preconditioned, 4 iterations): serial part %.2f s (%.2f s per iteration),", ts, ts / 4;
  printf " likelihood work at %g ms per point %.1f s (%d points): serial fraction %.3f;\n", c, work, n, f;
  printf "Amdahl bound on the speed-up: 2 ranks %.2fx, 4 ranks %.2fx, 16 ranks %.1fx, 64 ranks %.1fx\n",
         1 / (f + (1 - f) / 2), 1 / (f + (1 - f) / 4), 1 / (f + (1 - f) / 16), 1 / (f + (1 - f) / 64) }'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
