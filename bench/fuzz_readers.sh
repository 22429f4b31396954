#!/usr/bin/env bash
# Fuzzing the file readers with libFuzzer (issue 19): every target of fuzz/ for SECONDS each, one at a time, niced,
# from the seeds of fuzz/make_seeds.sh plus the corpus of earlier runs; prints total executions and coverage per
# target. A crash leaves crash-* in the corpus folder and makes the script fail.
# FUZZ_TARGETS="fuzz_csv ..." runs only those.
# Usage: bench/fuzz_readers.sh <fuzz-build-dir> <release flowprior binary> [SECONDS per target, default 600]
# The fuzz build: CXX=clang++ cmake -S . -B build-fuzz -DFLOWPRIOR_FUZZ=ON -DFLOWPRIOR_TESTS=OFF -DFLOWPRIOR_BENCH=OFF
#   -DFLOWPRIOR_PYTHON=OFF -DFLOWPRIOR_MPI=OFF && cmake --build build-fuzz --target fuzz_csv ... (fuzz/README.md)
set -uo pipefail
fuzz_dir=$(cd "$1" && pwd)
bin=$(realpath "$2")
seconds=${3:-600}
src=$(cd "$(dirname "$0")/.." && pwd)
seeds="$fuzz_dir/fuzz-seeds"
[ -d "$seeds" ] || bash "$src/fuzz/make_seeds.sh" "$bin" "$seeds" || { echo "seeds failed" >&2; exit 1; }
status=0
for target in ${FUZZ_TARGETS:-fuzz_csv fuzz_box_toml fuzz_analysis_config fuzz_flow_file fuzz_emulator_file fuzz_hdf5_chain}; do
  [ -x "$fuzz_dir/$target" ] || { echo "$target: not built" >&2; status=1; continue; }
  corpus="$fuzz_dir/fuzz-corpus/$target"
  artifacts="$fuzz_dir/fuzz-artifacts/$target/"
  mkdir -p "$corpus" "$artifacts"
  log="$fuzz_dir/fuzz-logs/$target.log"
  mkdir -p "$(dirname "$log")"
  ASAN_OPTIONS=detect_leaks=0 nice "$fuzz_dir/$target" "$corpus" "$seeds/$target" -max_total_time="$seconds" \
    -max_len=8192 -timeout=20 -rss_limit_mb=2048 -malloc_limit_mb=1024 -print_final_stats=1 \
    -artifact_prefix="$artifacts" > "$log" 2>&1
  rc=$?
  runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{ print $2 }')
  cov=$(grep -E '^#[0-9]+' "$log" | tail -1 | grep -o 'cov: [0-9]*' | awk '{ print $2 }')
  ft=$(grep -E '^#[0-9]+' "$log" | tail -1 | grep -o 'ft: [0-9]*' | awk '{ print $2 }')
  corp=$(ls "$corpus" | wc -l)
  printf '%-22s exit %d  executions %s  coverage %s edges  features %s  corpus %s files  (%s s)\n' \
    "$target" "$rc" "${runs:-?}" "${cov:-?}" "${ft:-?}" "$corp" "$seconds"
  [ "$rc" -eq 0 ] || { status=1; grep -m3 -E 'ERROR|SUMMARY|deadly|crash-|oom-|timeout-' "$log" >&2; }
done
exit $status
