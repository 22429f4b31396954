#!/usr/bin/env bash
# examples/own_model at reduced size: a user's simulator (sim.py) run as two command models, emulators built and
# validated by the run, two stages with a flow hand-over, the joint run and the report. Checks: the emulators are in
# summary.json and the report, the simulator ran exactly once per design (4 calls), the posterior covers the
# truth the data were made at, and a rerun in the same folder never calls the simulator again.
# Usage: test_cli_own_model.sh <path-to-flowprior> <source-dir>
set -uo pipefail
bin=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

cp "$src"/examples/own_model/{analysis.toml,sim.py,early.csv,late.csv} "$work"/
# Reduced size: fewer design points, particles and epochs.
sed -i -e 's/^design_points = 40/design_points = 24/' -e 's/^design_points = 80 /design_points = 48 /' \
  -e 's/^validation_points = 20/validation_points = 10/' -e 's/^validation_points = 30/validation_points = 12/' \
  -e 's/^n_active = 256/n_active = 96/' -e 's/^n_effective = 512/n_effective = 192/' \
  -e 's/^n_total = 4096/n_total = 1024/' -e 's/^epochs = 200/epochs = 40/' "$work/analysis.toml"
grep -q '^n_total = 1024' "$work/analysis.toml" || fail "the reduction did not apply"

"$bin" run "$work/analysis.toml" --out "$work/run" --threads 2 --no-plots > "$work/stdout.txt" 2> "$work/log.txt" ||
  fail "run exited $?: $(tail -3 "$work/log.txt")"
[ "$(cat "$work/run/sim_calls.log" 2>/dev/null)" = "early 24
early 10
late 48
late 12" ] || fail "the simulator calls: $(cat "$work/run/sim_calls.log" 2>/dev/null)"
/usr/bin/python3 - "$work/run" <<'PY' || fail "summary.json"
import csv, json, math, sys
run = sys.argv[1]
s = json.load(open(run + "/summary.json"))
for name, n in (("early", 24), ("late", 48)):
    e = s["emulators"][name]
    assert e["file"] == "emulator_%s.json" % name and e["design_points"] == n, e
assert set(s["stages"]) == {"early", "late"}, s["stages"].keys()
assert s["comparison"]["verdict"] in ("consistent", "inconsistent")
# The late stage's posterior covers the truth (A, k, B) = (1.2, 0.7, 0.15) the pseudo-data were made at.
rows = list(csv.DictReader(open(run + "/late.csv")))
w = [float(r.get("weight", 1)) for r in rows]
tw = sum(w)
for p, truth in (("A", 1.2), ("k", 0.7), ("B", 0.15)):
    m = sum(wi * float(r[p]) for wi, r in zip(w, rows)) / tw
    sd = math.sqrt(sum(wi * (float(r[p]) - m) ** 2 for wi, r in zip(w, rows)) / tw)
    assert abs(m - truth) < 4 * sd, (p, m, sd, truth)
PY
grep -q "emulator_late_validation.json" "$work/run/report.html" || fail "the report has no emulator row"

# A rerun in the same folder: everything loaded, the simulator is not called again.
"$bin" run "$work/analysis.toml" --out "$work/run" --threads 2 --no-plots > /dev/null 2> "$work/log2.txt" ||
  fail "rerun exited $?: $(tail -3 "$work/log2.txt")"
[ "$(wc -l < "$work/run/sim_calls.log")" -eq 4 ] || fail "the rerun called the simulator"
grep -q "emulator_early: loaded" "$work/log2.txt" || fail "the rerun rebuilt the emulator"

[ "$failures" -eq 0 ] && echo "PASS" || exit 1
