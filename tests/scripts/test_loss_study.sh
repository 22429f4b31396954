#!/usr/bin/env bash
# The loss study (examples/loss_study) in quick mode: it runs, its table has every run and every column, the
# supervised-KL rows equal the NLL rows (same gradient, see the example's README), and a second run with another
# thread count gives the same table apart from the wall-time column. The plot script draws it when matplotlib is there.
# Usage: test_loss_study.sh <path-to-flowprior> <source-dir>
set -uo pipefail
study="$(dirname "$1")/examples/loss_study"
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
[ -x "$study" ] || { echo "FAIL: $study not built (target loss_study)" >&2; exit 1; }

"$study" --quick --threads 2 --out "$work/a" 2> "$work/a.log" || fail "first run exited $?: $(tail -1 "$work/a.log")"
"$study" --quick --threads 1 --out "$work/b" 2> "$work/b.log" || fail "second run exited $?: $(tail -1 "$work/b.log")"
csv=$work/a/results.csv
header="dataset,dim,n_train,arch,loss,weights,epochs,best_epoch,stop,nll_heldout,nll_se,nll_floor,exact_kl,\
exact_kl_se,dkl,dkl_floor,c2st,c2st_floor,z_max,z_max_floor,z_rms,z_rms_floor,wall_s"
[ "$(head -1 "$csv")" = "$header" ] || fail "CSV header: $(head -1 "$csv")"

# Every run, once: banana (supervised, unweighted) 3 archs x 3 losses; ipglasma7d (no log-density) 3 x nll on each
# of its 4 splits (seeds 1-4); mixture4d (supervised, weighted) 3 x 3 x weights yes/no.
expected=$work/expected
for arch in realnvp maf nsf; do
  for loss in nll kl jeffreys; do echo "banana,$arch,$loss,-"; done
  for split in 1 2 3 4; do echo "ipglasma7d-$split,$arch,nll,-"; done
  for loss in nll kl jeffreys; do for w in yes no; do echo "mixture4d,$arch,$loss,$w"; done; done
done | sort > "$expected"
tail -n +2 "$csv" | cut -d, -f1,4,5,6 | sort > "$work/got"
diff "$expected" "$work/got" > /dev/null || fail "runs in the table differ from the grid: $(diff "$expected" "$work/got" | head -5)"
awk -F, 'NR > 1 && NF != 23 { bad = 1 } NR > 1 { for (i = 1; i <= NF; ++i) if ($i == "") bad = 1 }
         END { exit bad }' "$csv" || fail "a row has a missing field"
awk -F, 'NR > 1 && (($1 ~ /^ipglasma7d-/) != ($13 == "NA")) { bad = 1 } END { exit bad }' "$csv" ||
  fail "exact KL must be NA exactly for the dataset without a density"
awk -F, 'NR > 1 { for (i = 10; i <= 22; ++i) if ($i != "NA" && $i + 0 != $i + 0) bad = 1 } END { exit bad }' "$csv" ||
  fail "a metric is NaN"
md=$work/a/results.md
[ "$(grep -c '^| \(banana\|ipglasma7d-[1-4]\|mixture4d\) |' "$md")" -eq 39 ] || fail "Markdown table does not have 39 rows"

# Supervised KL has the NLL's gradient: its rows must equal the NLL rows in every metric.
awk -F, 'NR > 1 { key = $1 "," $4 "," $6; row = ""; for (i = 7; i <= 22; ++i) row = row "," $i
                  if ($5 == "nll") nll[key] = row; if ($5 == "kl") kl[key] = row }
         END { for (k in kl) if (kl[k] != nll[k]) { print "kl != nll for " k > "/dev/stderr"; bad = 1 }; exit bad }' \
  "$csv" || fail "kl rows differ from nll rows"

# Same seed -> same table, whatever the thread count; only wall time (the last column) may differ.
cut -d, -f1-22 "$work/a/results.csv" > "$work/a.cut"
cut -d, -f1-22 "$work/b/results.csv" > "$work/b.cut"
cmp -s "$work/a.cut" "$work/b.cut" || fail "two runs gave different CSV tables: $(diff "$work/a.cut" "$work/b.cut" | head -3)"
sed 's/| [^|]* |$/|/' "$work/a/results.md" > "$work/a.mdcut"
sed 's/| [^|]* |$/|/' "$work/b/results.md" > "$work/b.mdcut"
cmp -s "$work/a.mdcut" "$work/b.mdcut" || fail "two runs gave different Markdown tables"

if /usr/bin/python3 -c 'import matplotlib' 2> /dev/null; then
  /usr/bin/python3 "$src/examples/loss_study/plot.py" "$csv" "$work/plot.png" > /dev/null || fail "plot.py exited $?"
  [ -s "$work/plot.png" ] || fail "no plot written"
else
  echo "note: /usr/bin/python3 has no matplotlib; plot not checked" >&2
fi

"$study" --quick --datasets nonsense --out "$work/c" 2> "$work/c.log" && fail "unknown dataset accepted"
grep -q "unknown dataset 'nonsense'" "$work/c.log" || fail "unknown dataset error: $(cat "$work/c.log")"

[ "$failures" -eq 0 ] && echo "test_loss_study: all checks passed"
exit $((failures > 0))
