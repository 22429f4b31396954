#!/usr/bin/env bash
# Scenario U (consistent.toml) with each of the paper's hand-over losses (arXiv:2509.14911, Sec. 3): nll, kl and
# jeffreys, the reverse order off (it does not change the forward stages). Prints the hand-over quality of each:
# the sequential-vs-joint verdict and its metrics, the flow-prior ESS fraction, the flow's epochs.
# Usage: examples/hotspot_upc/loss_comparison.sh <flowprior-binary> <output-folder>   (about 3 runs of scenario U)
set -euo pipefail
bin=$(realpath "$1")
out=$(realpath -m "$2")
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
for loss in nll kl jeffreys; do
  sed -e "s/^loss = \"nll\"/loss = \"$loss\"/" -e 's/^reverse_order = true/reverse_order = false/' \
    -e "s|\.\./\.\./data/|$here/../../data/|" "$here/consistent.toml" > "$out/loss_$loss.toml"
  grep -q "^loss = \"$loss\"" "$out/loss_$loss.toml" || { echo "the loss did not apply" >&2; exit 1; }
  "$bin" run "$out/loss_$loss.toml" --out "$out/run_$loss" --no-plots > "$out/run_$loss.log" 2>&1
done
/usr/bin/python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
print("| loss | verdict | C2ST (floor) | <D_KL> (floor) | largest mean shift [post. sd] | flow-prior ESS fraction | epochs |")
print("|---|---|---|---|---|---|---|")
for loss in ["nll", "kl", "jeffreys"]:
    s = json.load(open(f"{out}/run_{loss}/summary.json"))
    c = s["comparison"]
    shift = max(abs(v["mean_model"] - v["mean_reference"]) / v["sd_reference"] for v in c["shifts"].values())
    st = s["stages"]["gamma_pb"]
    print(f"| {loss} | {c['verdict']} | {c['c2st']:.3f} ({c['c2st_noise']:.3f}) | {c['d_kl']:.3f} ({c['d_kl_noise']:.3f}) "
          f"| {shift:.3f} | {s['flow_prior_check']['ess_fraction']:.3f} | {st['flow_epochs']} ({st['flow_stop_reason']}) |")
PY
