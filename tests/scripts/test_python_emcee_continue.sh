#!/usr/bin/env bash
# A flowprior chain continued by emcee itself (issue 19): emcee's run_mcmc(None, 100) on our HDF5 file grows
# `chain`, `log_prob` and `accepted` but not our per-step `accepted_steps`; `flowprior chain` must still read it,
# with every step, and with emcee's acceptance totals.
# Usage: bash test_python_emcee_continue.sh <path-to-flowprior> <source-dir>
set -euo pipefail
FLOWPRIOR=$1
PY=/usr/bin/python3
"$PY" -c 'import emcee, h5py' 2>/dev/null || { echo "SKIP: python3-emcee/python3-h5py missing"; exit 0; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1

"$FLOWPRIOR" sample --target gaussian --dim 2 --sampler ensemble --walkers 8 --steps 300 --seed 3 \
  --out "$TMP/chain.h5" --no-progress
"$PY" - "$TMP/chain.h5" <<'PYEOF'
import sys
import numpy as np, emcee
b = emcee.backends.HDFBackend(sys.argv[1])
assert b.iteration == 300, b.iteration
def log_prob(x):  # the standard normal; a continuation only has to be a valid emcee run on this file
    return -0.5 * float(np.dot(x, x))
s = emcee.EnsembleSampler(8, 2, log_prob, backend=b)
s.run_mcmc(None, 100, progress=False)
assert b.iteration == 400, b.iteration
np.savetxt(sys.argv[1] + ".accepted", b.accepted)
np.savetxt(sys.argv[1] + ".last", b.get_chain()[-1])
PYEOF
"$FLOWPRIOR" chain "$TMP/chain.h5" --json "$TMP/summary.json"
"$PY" - "$TMP/chain.h5" "$TMP/summary.json" <<'PYEOF'
import json, sys
import numpy as np
j = json.load(open(sys.argv[2]))
assert j["steps"] == 400, j["steps"]
acc = np.loadtxt(sys.argv[1] + ".accepted")
np.testing.assert_allclose(j["acceptance_fraction"], acc / 400, rtol=1e-12)
print("emcee-continued chain read: 400 steps, acceptance", np.round(acc / 400, 3))
PYEOF
