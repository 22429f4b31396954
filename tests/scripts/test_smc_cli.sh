#!/usr/bin/env bash
# `flowprior sample --sampler smc`: evidence of the 2-D Gaussian shells within max(0.1, 3 sigma) of the exact value,
# CSV header x1,x2, JSON keys, checkpoint resume giving the same evidence, and a bad --out or
# --evidence-retry-max-draws as a one-line error naming the option.
set -euo pipefail
bin=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
run() { "$bin" sample --target gaussian-shells --dim 2 --sampler smc --no-flow --particles 200 --seed 4 --no-progress "$@"; }
run --out "$tmp/post.csv" --json "$tmp/r.json"
[ "$(head -1 "$tmp/post.csv")" = "x1,x2" ] || { echo "bad CSV header"; exit 1; }
[ "$(wc -l < "$tmp/post.csv")" -gt 100 ] || { echo "posterior too small"; exit 1; }
num() { grep "\"$1\":" "$2" | head -1 | sed 's/.*: *//; s/,$//'; }
for key in log_z log_z_err log_z_method log_z_ps log_z_ps_err log_z_is log_z_is_batches likelihood_calls wall_seconds iterations posterior_mean; do
  grep -q "\"$key\":" "$tmp/r.json" || { echo "JSON lacks $key"; exit 1; }
done
awk -v z="$(num log_z "$tmp/r.json")" -v e="$(num log_z_err "$tmp/r.json")" -v x=-1.746 'BEGIN {
  t = 3 * e; if (t < 0.1) t = 0.1; d = z - x; if (d < 0) d = -d;
  if (d > t) { print "log Z " z " off the exact " x " by " d " > " t; exit 1 } }'
# Interrupted after 3 iterations, then resumed: the same evidence to the last digit.
run --out "$tmp/run.h5" --json "$tmp/a.json" --checkpoint "$tmp/c.ckpt" --max-iterations 3
run --out "$tmp/run.h5" --json "$tmp/b.json" --checkpoint "$tmp/c.ckpt" --resume
[ "$(num log_z "$tmp/b.json")" = "$(num log_z "$tmp/r.json")" ] || { echo "resume changed log Z"; exit 1; }
[ -s "$tmp/run.h5" ] || { echo "no HDF5 output"; exit 1; }
if run --out "$tmp/post.txt" 2> "$tmp/err"; then echo "bad --out accepted"; exit 1; fi
grep -q -- "--out" "$tmp/err" || { echo "error does not name --out"; cat "$tmp/err"; exit 1; }
if run --out "$tmp/post.csv" --evidence-retry-max-draws -1 2> "$tmp/err"; then echo "retry -1 accepted"; exit 1; fi
grep -q -- "--evidence-retry-max-draws" "$tmp/err" || { echo "error does not name the option"; cat "$tmp/err"; exit 1; }
[ "$(wc -l < "$tmp/err")" -eq 1 ] || { echo "not a one-line error"; cat "$tmp/err"; exit 1; }
echo "ok"
