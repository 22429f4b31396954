#!/usr/bin/env bash
# End-to-end `flowprior flow`: train (few epochs) -> sample -> logpdf -> check on a small banana CSV, then the bad
# inputs of issue 2; each must fail with exit code 1 (no crash) and one error line naming the culprit.
# Usage: test_cli_flow.sh <path-to-flowprior> <source-dir>
set -uo pipefail
bin=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# Exact banana draws (x1 ~ N(1, 1/2), x2 | x1 ~ N(x1^2, 1/40)) inside [-2,3] x [-1,8]; awk's seeded rand.
awk -v n=2000 'BEGIN { srand(7); print "x1,x2"; c = 0
  while (c < n) { u1 = rand(); u2 = rand(); if (u1 <= 0) continue
    r = sqrt(-2 * log(u1)); x1 = 1 + sqrt(0.5) * r * cos(6.283185307179586 * u2)
    x2 = x1 * x1 + sqrt(1 / 40) * r * sin(6.283185307179586 * u2)
    if (x1 > -2 && x1 < 3 && x2 > -1 && x2 < 8) { printf "%.6f,%.6f\n", x1, x2; c++ } } }' > banana.csv
printf '[parameters]\nx1 = [-2.0, 3.0]\nx2 = [-1.0, 8.0]\n' > box.toml

# --- the happy path -------------------------------------------------------------------------------------------
"$bin" flow train --samples banana.csv --params box.toml --arch maf --loss nll --epochs 5 --layers 2 --hidden 16 \
  --out flow.json --seed 3 2> train.log || fail "train exited $?"
grep -q "epoch" train.log || fail "train printed no progress on stderr"
[ -s flow.json ] || fail "no flow file"

"$bin" flow sample --flow flow.json -n 500 --out draws.csv --seed 4 || fail "sample exited $?"
[ "$(head -1 draws.csv)" = "x1,x2" ] || fail "sample header: $(head -1 draws.csv)"
[ "$(wc -l < draws.csv)" -eq 501 ] || fail "sample rows: $(wc -l < draws.csv)"
# every draw inside the box
awk -F, 'NR > 1 && !($1 > -2 && $1 < 3 && $2 > -1 && $2 < 8) { bad = 1 } END { exit bad }' draws.csv \
  || fail "a draw left the box"
"$bin" flow sample --flow flow.json -n 500 --out draws2.csv --seed 4
cmp -s draws.csv draws2.csv || fail "same seed gave different draws"

# logpdf with the columns in another order and an extra column: matched by name
awk -F, 'BEGIN { OFS = "," } NR == 1 { print "extra", "x2", "x1"; next } { print 0, $2, $1 }' banana.csv > points.csv
"$bin" flow logpdf --flow flow.json --points points.csv --out logp.csv || fail "logpdf exited $?"
[ "$(head -1 logp.csv)" = "log_prob" ] || fail "logpdf header"
[ "$(wc -l < logp.csv)" -eq 2001 ] || fail "logpdf rows"
awk 'NR > 1 && ($1 == "nan" || $1 == "-nan" || $1 == "inf" || $1 == "-inf") { bad = 1 } END { exit bad }' logp.csv \
  || fail "non-finite log density inside the box"

"$bin" flow check --flow flow.json --samples banana.csv --json report.json --seed 5 > report.txt \
  || fail "check exited $?"
for word in "D_KL" "C2ST" "noise floor" "NLL on reference" "x1 x x2\|x2 x x1"; do
  grep -q "$word" report.txt || fail "check table lacks '$word'"
done
grep -q '"noise_floor"' report.json || fail "JSON report lacks noise_floor"
grep -q '"c2st"' report.json || fail "JSON report lacks c2st"

# An ensemble of 3 flows in one file: member 1 is the single flow of the same seed, and every command reads it.
"$bin" flow train --samples banana.csv --params box.toml --arch maf --loss nll --epochs 5 --layers 2 --hidden 16 \
  --out ensemble.json --seed 3 --ensemble 3 --quiet 2> ens.log || fail "ensemble train exited $?"
[ "$(grep -c 'member [123]/3' ens.log)" -eq 3 ] || fail "ensemble train did not report 3 members: $(cat ens.log)"
grep -q '"flowprior.flow_ensemble"' ensemble.json || fail "ensemble file has not the ensemble format"
"$bin" flow sample --flow ensemble.json -n 500 --out ens_draws.csv --seed 4 --with-log-density \
  || fail "ensemble sample exited $?"
awk -F, 'NR > 1 && !($1 > -2 && $1 < 3 && $2 > -1 && $2 < 8) { bad = 1 } END { exit bad }' ens_draws.csv \
  || fail "an ensemble draw left the box"
"$bin" flow logpdf --flow ensemble.json --points points.csv --out ens_logp.csv || fail "ensemble logpdf exited $?"
cmp -s logp.csv ens_logp.csv && fail "the ensemble's density equals the single flow's"
"$bin" flow check --flow ensemble.json --samples banana.csv --seed 5 > ens_report.txt || fail "ensemble check exited $?"

# --- bad inputs: exit 1, one line on stderr, naming the culprit ---------------------------------------------------
expect_error() {  # expect_error <culprit-regex> <description> <command...>
  local culprit=$1 what=$2
  shift 2
  "$@" > out.txt 2> err.txt
  local rc=$?
  if [ "$rc" -ne 1 ]; then fail "$what: exit code $rc (want 1)"; return; fi
  [ "$(wc -l < err.txt)" -eq 1 ] || fail "$what: $(wc -l < err.txt) stderr lines: $(cat err.txt)"
  grep -q "^flowprior: error: " err.txt || fail "$what: not an error line: $(cat err.txt)"
  grep -q "$culprit" err.txt || fail "$what: message does not name '$culprit': $(cat err.txt)"
}
train() { "$bin" flow train --quiet --epochs 2 --out bad.json "$@"; }

sed '5s/.*/0.5,nan/' banana.csv > nan.csv
expect_error "x2" "NaN in samples" train --samples nan.csv --params box.toml
cut -d, -f1 banana.csv > missing.csv
expect_error "x2" "column missing" train --samples missing.csv --params box.toml
printf '[parameters]\nx1 = [-2.0, 3.0]\nx2 = [8.0, -1.0]\n' > inverted.toml
expect_error "x2" "bounds low >= high" train --samples banana.csv --params inverted.toml
printf '[parameters]\nx1 = [-2.0, 3.0]\nx2 = [1.0, 1.0]\n' > equal.toml
expect_error "x2" "bounds low == high" train --samples banana.csv --params equal.toml
sed '7s/.*/5.0,1.0/' banana.csv > outside.csv
expect_error "x1" "sample outside the box" train --samples outside.csv --params box.toml
expect_error "log_density" "kl without log_density" train --samples banana.csv --params box.toml --loss kl
head -c 300 flow.json > truncated.json
expect_error "truncated.json" "truncated flow file (sample)" "$bin" flow sample --flow truncated.json -n 5 --out x.csv
expect_error "truncated.json" "truncated flow file (check)" "$bin" flow check --flow truncated.json --samples banana.csv
expect_error "x2" "logpdf points without a column" "$bin" flow logpdf --flow flow.json --points missing.csv --out x.csv
expect_error "outside.csv" "check with a sample outside the box" \
  "$bin" flow check --flow flow.json --samples outside.csv
expect_error "no_such_file.csv" "missing samples file" train --samples no_such_file.csv --params box.toml
expect_error "ensemble" "ensemble of zero flows" train --samples banana.csv --params box.toml --ensemble 0

if [ "$failures" -ne 0 ]; then echo "test_cli_flow: $failures failure(s)" >&2; exit 1; fi
echo "test_cli_flow: all checks passed"
