#!/usr/bin/env bash
# examples/from_chain at reduced size (issue 17): emcee itself writes the stage-1 chain (make_chain.py), the run
# takes it as stage 1's posterior (discard, thin), trains the flow prior on it and samples stage 2. Checks: stage 1 is
# the imported chain, the verdict against the joint run is "consistent", and stage 2's weighted means and sds match
# the closed-form linear-Gaussian posterior of A and B (correlated calibration error included) within 4 Monte
# Carlo sigma (sd / sqrt(ESS), plus the chain's own error, sd / sqrt(its draws / tau)).
# Usage: test_example_from_chain_python.sh <path-to-flowprior> <source-dir>
set -uo pipefail
bin=$1
src=$2
PY=/usr/bin/python3
"$PY" -c 'import emcee, h5py' 2>/dev/null || { echo "python3-emcee / python3-h5py missing"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
cp "$src"/examples/from_chain/{analysis.toml,data_a.csv,data_b.csv,make_chain.py} "$work"/
"$PY" "$work/make_chain.py" --steps 3000 --out "$work/chain.h5" > "$work/chain.txt" || { echo "FAIL: make_chain.py"; exit 1; }
sed -i -e 's/^n_total = 4096/n_total = 2048/' -e 's/^epochs = 200/epochs = 80/' "$work/analysis.toml"
grep -q '^n_total = 2048' "$work/analysis.toml" || { echo "FAIL: the reduction did not apply"; exit 1; }
"$bin" run "$work/analysis.toml" --out "$work/run" --threads 2 --no-plots > "$work/stdout.txt" 2> "$work/log.txt" ||
  { echo "FAIL: run exited: $(tail -3 "$work/log.txt")"; exit 1; }
"$PY" - "$work" <<'PY'
import csv, json, math, re, sys
import numpy as np
work = sys.argv[1]
s = json.load(open(f"{work}/run/summary.json"))
assert s["stages"]["stage1"]["prior"] == "file", s["stages"]["stage1"]
assert s["comparison"]["verdict"] == "consistent", s["comparison"]
# The exact posterior of A and B under the (wide) uniform box: Gaussian, covariance with the calibration term.
def data(name):
    rows = list(csv.DictReader(open(f"{work}/{name}")))
    return rows
a_rows, b_rows = data("data_a.csv"), data("data_b.csv")
A = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]); oa = np.array([0.5, 0.0, -0.5])
B = np.array([[1.0, -1.0], [2.0, 1.0], [0.5, 0.0]]); ob = np.array([0.0, 1.0, 0.0])
ya = np.array([float(r["value"]) for r in a_rows]); ea = np.array([float(r["error"]) for r in a_rows])
yb = np.array([float(r["value"]) for r in b_rows]); eb = np.array([float(r["error"]) for r in b_rows])
cal = np.array([float(r["calibration"]) for r in b_rows])
Ca, Cb = np.diag(ea**2), np.diag(eb**2) + np.outer(cal, cal)
P = A.T @ np.linalg.solve(Ca, A) + B.T @ np.linalg.solve(Cb, B)
h = A.T @ np.linalg.solve(Ca, ya - oa) + B.T @ np.linalg.solve(Cb, yb - ob)
cov = np.linalg.inv(P); mean = cov @ h
rows = list(csv.DictReader(open(f"{work}/run/stage2.csv")))
x = np.array([[float(r["slope"]), float(r["intercept"])] for r in rows]); w = np.array([float(r["weight"]) for r in rows])
w /= w.sum(); ess = 1 / np.sum(w**2)
m = w @ x; sd = np.sqrt(w @ (x - m) ** 2)
tau = float(re.search(r"autocorrelation time ([0-9.]+)", open(f"{work}/chain.txt").read()).group(1))
chain_ess = 32 * (3000 - 1000) / tau
for j, name in enumerate(["slope", "intercept"]):
    exact_sd = math.sqrt(cov[j, j])
    tol = 4 * exact_sd * math.sqrt(1 / ess + 1 / chain_ess)
    assert abs(m[j] - mean[j]) < tol, f"{name}: mean {m[j]:.4f} vs exact {mean[j]:.4f} (tolerance {tol:.4f})"
    tol_sd = 4 * exact_sd * math.sqrt(0.5 / ess + 0.5 / chain_ess)
    assert abs(sd[j] - exact_sd) < tol_sd, f"{name}: sd {sd[j]:.4f} vs exact {exact_sd:.4f} (tolerance {tol_sd:.4f})"
print(f"stage 2 matches the exact posterior (ESS {ess:.0f}, chain draws/tau {chain_ess:.0f}); verdict consistent")
PY
