#!/usr/bin/env bash
# examples/hotspot_upc/new_parameter.toml at reduced size (issue 17): stage 1 (H1 gamma+p) fixes the K-factor at 1,
# stage 2 (ALICE gamma+Pb t-spectra and the ALICE and CMS sigma(W), pseudo-data at K = 1.3) frees it. Checks: the
# gamma+p run has no K column, the gamma+Pb run and the joint run have one; stage 2's flow covers the seven shared
# parameters; K in stage 2 agrees with the joint run within 4 combined sd/sqrt(ESS) + 0.1 sd (the verdict's margin)
# and covers the pseudo-data's K within 4 sd.
# Usage: test_example_hotspot_new_parameter.sh <path-to-flowprior> <source-dir>
set -uo pipefail
bin=$1
src=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/examples/hotspot_upc"
ln -s "$src/data" "$work/data"
sed -e 's/^design_points = 400/design_points = 80/' -e 's/^validation_points = 150/validation_points = 30/' \
  -e 's/^n_active = 400/n_active = 128/' -e 's/^n_effective = 800/n_effective = 256/' \
  -e 's/^n_total = 4000/n_total = 1024/' -e 's/^epochs = 300/epochs = 60/' \
  -e 's/^tension = true/tension = false/' -e 's/^lost_modes = true/lost_modes = false/' -e 's/^plots = true/plots = false/' \
  "$src/examples/hotspot_upc/new_parameter.toml" > "$work/examples/hotspot_upc/n.toml"
grep -q '^n_total = 1024' "$work/examples/hotspot_upc/n.toml" || { echo "FAIL: the reduction did not apply"; exit 1; }
"$bin" run "$work/examples/hotspot_upc/n.toml" --out "$work/run" --threads 2 --no-plots > "$work/out.txt" 2> "$work/log.txt" ||
  { echo "FAIL: run exited: $(tail -3 "$work/log.txt")"; exit 1; }
/usr/bin/python3 - "$work/run" <<'PY'
import csv, json, math, sys
run = sys.argv[1]
def moments(name, column):
    rows = list(csv.DictReader(open(f"{run}/{name}.csv")))
    if column not in rows[0]:
        return None
    w = [float(r["weight"]) for r in rows]; W = sum(w)
    x = [float(r[column]) for r in rows]
    m = sum(a * b for a, b in zip(w, x)) / W
    sd = math.sqrt(sum(a * (b - m) ** 2 for a, b in zip(w, x)) / W)
    return m, sd, W * W / sum(a * a for a in w)
assert moments("gamma_p", "K") is None, "stage 1 must not sample K (fixed at 1)"
stage, joint = moments("gamma_pb", "K"), moments("joint", "K")
assert stage and joint, "K missing from stage 2 or the joint run"
flow = json.load(open(f"{run}/flow_gamma_pb.json"))
text = json.dumps(flow)
assert '"K"' not in text and '"B_G"' in text, "the flow must cover the seven gamma+p parameters, not K"
tol = 4 * math.hypot(stage[1] / math.sqrt(stage[2]), joint[1] / math.sqrt(joint[2])) + 0.1 * joint[1]
assert abs(stage[0] - joint[0]) < tol, f"K: stage 2 {stage[0]:.3f} vs joint {joint[0]:.3f} (tolerance {tol:.3f})"
assert abs(stage[0] - 1.3) < 4 * stage[1], f"K = {stage[0]:.3f} +- {stage[1]:.3f} does not cover 1.3"
s = json.load(open(f"{run}/summary.json"))
print(f"PASS: K stage 2 {stage[0]:.3f} +- {stage[1]:.3f}, joint {joint[0]:.3f} +- {joint[1]:.3f}; "
      f"verdict {s['comparison']['verdict']}")
PY
