#!/usr/bin/env bash
# emcee interop (issue 3, item 4): emcee's HDFBackend reads a flowprior chain and gets the same numbers, and
# `flowprior chain` reads a chain written by emcee and gets the same numbers.
# Usage: bash test_python_emcee_interop.sh <path-to-flowprior> <source-dir>
set -euo pipefail
FLOWPRIOR=$1
PY=/usr/bin/python3
if ! "$PY" -c 'import emcee, h5py' 2>/dev/null; then
  echo "installing python3-emcee and python3-h5py (Debian packages)"
  if [ "$(id -u)" = 0 ]; then apt-get install -y python3-emcee python3-h5py >/dev/null; else sudo -n apt-get install -y python3-emcee python3-h5py >/dev/null; fi
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1

# 1. flowprior writes, emcee reads.
"$FLOWPRIOR" sample --target gaussian --dim 4 --sampler ensemble --walkers 16 --steps 3000 --seed 7 \
  --moves stretch:0.7,de:0.3 --out "$TMP/ours.h5" --no-progress
"$FLOWPRIOR" chain "$TMP/ours.h5" --discard 500 --json "$TMP/ours.json" 2>/dev/null
"$PY" - "$TMP/ours.h5" "$TMP/ours.json" <<'PYEOF'
import json, sys
import numpy as np, emcee
b = emcee.backends.HDFBackend(sys.argv[1], read_only=True)
j = json.load(open(sys.argv[2]))
assert b.shape == (16, 4), b.shape
assert b.iteration == 3000 == j["steps"], (b.iteration, j["steps"])
chain = b.get_chain(discard=500)
flat = b.get_chain(discard=500, flat=True)
def close(a, b, what, rtol=1e-12):
    a, b = np.asarray(a, float), np.asarray(b, float)
    if not np.allclose(a, b, rtol=rtol, atol=1e-12):
        sys.exit(f"MISMATCH {what}: emcee {a} vs flowprior {b}")
close(flat.mean(axis=0), j["mean"], "mean")
close(np.cov(flat, rowvar=False), j["covariance"], "covariance")
close(b.accepted / b.iteration, j["acceptance_fraction"], "acceptance fraction")
close(b.get_autocorr_time(discard=500, quiet=True), j["autocorr_time"], "autocorr time", rtol=1e-9)
full = b.get_chain()
assert np.isfinite(b.get_log_prob()).all()
last = b.get_last_sample()
assert last.coords.shape == (16, 4)
print("emcee reads the flowprior chain: mean, covariance, acceptance, tau agree")
PYEOF

# 2. emcee writes, flowprior reads.
"$PY" - "$TMP/emcee.h5" "$TMP/emcee_ref.json" <<'PYEOF'
import json, sys
import numpy as np, emcee
ndim, nwalkers = 3, 12
cov = 0.9 ** np.abs(np.subtract.outer(np.arange(ndim), np.arange(ndim)))
prec = np.linalg.inv(cov)
def log_prob(x):
    return -0.5 * x @ prec @ x
rng = np.random.default_rng(3)
backend = emcee.backends.HDFBackend(sys.argv[1])
backend.reset(nwalkers, ndim)
np.random.seed(3)
s = emcee.EnsembleSampler(nwalkers, ndim, log_prob, backend=backend)
s.run_mcmc(rng.normal(size=(nwalkers, ndim)), 2000, progress=False)
flat = s.get_chain(discard=200, flat=True)
json.dump({"mean": flat.mean(axis=0).tolist(), "covariance": np.cov(flat, rowvar=False).tolist(),
           "acceptance_fraction": s.acceptance_fraction.tolist(),
           "autocorr_time": s.get_autocorr_time(discard=200, quiet=True).tolist(),
           "log_prob_sum": float(s.get_log_prob().sum()), "steps": int(backend.iteration)}, open(sys.argv[2], "w"))
PYEOF
"$FLOWPRIOR" chain "$TMP/emcee.h5" --discard 200 --json "$TMP/emcee_ours.json" 2>/dev/null
"$PY" - "$TMP/emcee_ref.json" "$TMP/emcee_ours.json" <<'PYEOF'
import json, sys
import numpy as np
ref, ours = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert ours["flowprior_file"] is False
assert ours["steps"] == ref["steps"] == 2000
for key, rtol in [("mean", 1e-12), ("covariance", 1e-12), ("acceptance_fraction", 1e-12), ("autocorr_time", 1e-9),
                  ("log_prob_sum", 1e-12)]:
    if not np.allclose(np.asarray(ours[key], float), np.asarray(ref[key], float), rtol=rtol, atol=1e-12):
        sys.exit(f"MISMATCH {key}: flowprior {ours[key]} vs emcee {ref[key]}")
print("flowprior reads the emcee chain: mean, covariance, acceptance, tau, log_prob agree")
PYEOF
echo PASS
