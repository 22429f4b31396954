#!/usr/bin/env python3
"""Issue 18: the evidence calibration table from the JSON files of bench/bench_evidence_calibration.sh.

Per target and dimension: seeds run, mean error, max |error|, rms pull and mean pull (pull = error / reported sd) of
the reported evidence (log_z, log_z_err), then the same error figures for the persistent-sampling estimate
(log_z_ps). Usage: bench/evidence_calibration_table.py OUT_DIR [OUT_DIR ...] (a run found twice counts once)
"""
import glob
import json
import math
import os
import sys
from collections import defaultdict


def main(folders):
    runs = defaultdict(list)
    seen = set()
    for folder in folders:
        for path in sorted(glob.glob(os.path.join(folder, "*.json"))):
            j = json.load(open(path))
            if (j["target"], j["dim"], j["seed"]) in seen:
                continue
            seen.add((j["target"], j["dim"], j["seed"]))
            runs[(j["target"], j["dim"])].append(j)
    print("| target | d | seeds | method | mean error | max \\|error\\| | rms pull | mean pull | mean sd "
          "| PS mean error | PS max \\|error\\| | PS rms pull | calls / run | wall s / run |")
    print("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    order = {"gaussian": 0, "mixture": 1, "gaussian-shells": 2, "half-gaussian": 3}
    for (target, d), js in sorted(runs.items(), key=lambda kv: (kv[0][1], order.get(kv[0][0], 9), kv[0][0])):
        exact = js[0]["exact_log_z"]
        err = [j["log_z"] - exact for j in js]
        pull = [(j["log_z"] - exact) / j["log_z_err"] for j in js]
        ps = [j["log_z_ps"] - exact for j in js]
        ps_pull = [(j["log_z_ps"] - exact) / j["log_z_ps_err"] for j in js]
        methods = sorted({j.get("log_z_method", "?") for j in js})
        n = len(js)
        rms = lambda v: math.sqrt(sum(x * x for x in v) / len(v))
        print(f"| {target} ({exact:.3f}) | {d} | {n} | {','.join(methods)} | {sum(err) / n:+.3f} | "
              f"{max(abs(e) for e in err):.3f} | {rms(pull):.2f} | {sum(pull) / n:+.2f} | "
              f"{sum(j['log_z_err'] for j in js) / n:.3f} | {sum(ps) / n:+.3f} | {max(abs(e) for e in ps):.3f} | "
              f"{rms(ps_pull):.2f} | {sum(j['likelihood_calls'] for j in js) / n:.0f} | "
              f"{sum(j['wall_seconds'] for j in js) / n:.0f} |")


if __name__ == "__main__":
    main(sys.argv[1:] or ["evidence_calibration"])
