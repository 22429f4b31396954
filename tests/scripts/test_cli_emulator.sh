#!/usr/bin/env bash
# flowprior emulator design | train | validate | predict on a small analytic model, plus bad inputs.
#   bash test_cli_emulator.sh <path-to-flowprior> <source-dir>
set -euo pipefail
exe="$1"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cat > "$tmp/params.toml" <<'TOML'
[parameters]
a = [0.0, 1.0]
b = [-1.0, 2.0]
c = [10.0, 20.0]
TOML

# The model: 6 smooth outputs of (a, b, c), computed with awk so the test needs no python.
model() {  # design.csv -> outputs.csv
  awk -F, 'NR == 1 { print "o0,o1,o2,o3,o4,o5"; next }
    { a = $1; b = $2; c = ($3 - 10) / 10;
      for (j = 0; j < 6; j++) { t = j / 5; v[j] = sin(2 * a + t * b) + c * b * (1 + t) + exp(-c * (0.5 + t)) }
      printf "%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n", v[0], v[1], v[2], v[3], v[4], v[5] }' "$1" > "$2"
}

"$exe" emulator design --params "$tmp/params.toml" -n 60 --out "$tmp/design.csv" --seed 3
"$exe" emulator design --params "$tmp/params.toml" -n 60 --out "$tmp/design_again.csv" --seed 3
cmp -s "$tmp/design.csv" "$tmp/design_again.csv" || fail "design is not reproducible for a fixed seed"
[ "$(head -1 "$tmp/design.csv")" = "a,b,c" ] || fail "design header is not the parameter names"
[ "$(wc -l < "$tmp/design.csv")" -eq 61 ] || fail "design does not have 60 rows"
"$exe" emulator design --params "$tmp/params.toml" -n 40 --out "$tmp/held.csv" --seed 4
model "$tmp/design.csv" "$tmp/outputs.csv"
model "$tmp/held.csv" "$tmp/held_outputs.csv"

"$exe" emulator train --design "$tmp/design.csv" --outputs "$tmp/outputs.csv" --out "$tmp/emu.json" \
  --variance 0.999 --kernel matern52 --restarts 2 --threads 2
grep -q '"format": "flowprior.emulator"' "$tmp/emu.json" || fail "emulator file lacks its format tag"

"$exe" emulator validate --emulator "$tmp/emu.json" --design "$tmp/held.csv" --outputs "$tmp/held_outputs.csv" \
  --json "$tmp/report.json" > "$tmp/report.txt"
grep -q "verdict:" "$tmp/report.txt" || fail "validation report has no verdict"
grep -q '"coverage95"' "$tmp/report.json" || fail "JSON report lacks coverage"

"$exe" emulator predict --emulator "$tmp/emu.json" --points "$tmp/held.csv" --out "$tmp/pred.csv" \
  --covariance "$tmp/cov.csv"
[ "$(head -1 "$tmp/pred.csv")" = "o0_mean,o0_sd,o1_mean,o1_sd,o2_mean,o2_sd,o3_mean,o3_sd,o4_mean,o4_sd,o5_mean,o5_sd" ] \
  || fail "prediction header is wrong: $(head -1 "$tmp/pred.csv")"
[ "$(wc -l < "$tmp/pred.csv")" -eq 41 ] || fail "prediction does not have 40 rows"
[ "$(head -1 "$tmp/cov.csv" | tr ',' '\n' | wc -l)" -eq 36 ] || fail "covariance file does not have 36 columns"
# Predictions are close to the model: mean absolute error of o0 below 0.05 (the outputs are O(1)).
paste -d, "$tmp/pred.csv" "$tmp/held_outputs.csv" | awk -F, 'NR > 1 { e += ($1 > $13 ? $1 - $13 : $13 - $1); n++ }
  END { if (e / n > 0.05) { print "mean abs error " e / n; exit 1 } }' || fail "predictions are far from the model"

# Bad inputs: outputs with a different number of rows; a duplicated design point; a wrong file.
head -n 30 "$tmp/outputs.csv" > "$tmp/short.csv"
if "$exe" emulator train --design "$tmp/design.csv" --outputs "$tmp/short.csv" --out "$tmp/bad.json" 2> "$tmp/err.txt"; then
  fail "row-count mismatch was accepted"
fi
grep -q "29 output rows but the design" "$tmp/err.txt" || fail "unclear row-count error: $(cat "$tmp/err.txt")"
[ ! -e "$tmp/bad.json" ] || fail "a failed train wrote an emulator file"
{ cat "$tmp/design.csv"; sed -n 2p "$tmp/design.csv"; } > "$tmp/dup.csv"
{ cat "$tmp/outputs.csv"; sed -n 2p "$tmp/outputs.csv"; } > "$tmp/dup_out.csv"
if "$exe" emulator train --design "$tmp/dup.csv" --outputs "$tmp/dup_out.csv" --out "$tmp/bad.json" 2> "$tmp/err.txt"; then
  fail "duplicated design point was accepted"
fi
grep -q "duplicates row 0" "$tmp/err.txt" || fail "unclear duplicate error: $(cat "$tmp/err.txt")"
if "$exe" emulator predict --emulator "$tmp/design.csv" --points "$tmp/held.csv" --out "$tmp/p.csv" 2> "$tmp/err.txt"; then
  fail "a CSV was accepted as an emulator"
fi
grep -q "not valid JSON" "$tmp/err.txt" || fail "unclear bad-file error: $(cat "$tmp/err.txt")"
echo "PASS"
