#!/usr/bin/env bash
# Hostile but realistic inputs (issue 19): every case gives one error line "flowprior: error: ...", a non-zero exit,
# and no partial or replaced file; the data-loss cases leave the user's files byte-identical (checksums), and
# /dev/null, /dev/full, a symlink and a read-only file are still what they were after every command is pointed at
# them. CI runs as root: /dev/null is checked after every command and restored (mknod) if it were ever replaced.
# Usage: test_hostile_inputs.sh <path-to-flowprior> <source-dir>
set -uo pipefail
bin=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# The special files every command is pointed at, and the proof that they are unchanged.
devices_ok() {
  local ok=0
  if [ ! -c /dev/null ] || [ "$(stat -c %t:%T /dev/null)" != "1:3" ]; then
    ok=1
    if [ "$(id -u)" -eq 0 ]; then rm -f /dev/null; mknod -m 666 /dev/null c 1 3; fi
  fi
  if [ ! -c /dev/full ] || [ "$(stat -c %t:%T /dev/full)" != "1:7" ]; then ok=1; fi
  return $ok
}
echo "target before" > target.txt
ln -s target.txt link.out
echo "read-only content" > readonly.out
chmod 444 readonly.out
specials_ok() {  # $1: what ran
  devices_ok || fail "$1: /dev/null or /dev/full is no longer the device"
  [ -L link.out ] || fail "$1: the symlink was replaced"
  [ "$(readlink link.out)" = target.txt ] || fail "$1: the symlink points elsewhere"
  [ -f target.txt ] || fail "$1: the symlink's target is gone"
  [ "$(cat readonly.out)" = "read-only content" ] || fail "$1: the read-only file was changed"
  [ "$(stat -c %a readonly.out)" = 444 ] || fail "$1: the read-only file's mode changed"
  ls -A | grep -q '^\.fp.*\.tmp$' && fail "$1: a temporary file was left behind"
  return 0
}

# expect_error NAME PATTERN CMD...: non-zero exit, exactly one error line, matching PATTERN.
expect_error() {
  local name=$1 pattern=$2
  shift 2
  "$@" > out.log 2> err.log
  local rc=$?
  [ $rc -ne 0 ] || fail "$name: exit code 0"
  [ "$(grep -c '^flowprior: error:' err.log)" -eq 1 ] || fail "$name: not one error line: $(cat err.log)"
  grep -q -- "$pattern" err.log || fail "$name: error does not say '$pattern': $(cat err.log)"
  grep -q 'terminate\|bad_alloc\|Aborted\|what()' err.log && fail "$name: crash text: $(cat err.log)"
  specials_ok "$name"
}
sums() { sha256sum "$@" 2> /dev/null; }

# --- inputs ---------------------------------------------------------------------------------------------------
awk 'BEGIN { srand(11); print "x1,x2"; for (i = 0; i < 400; i++) printf "%.6f,%.6f\n", 0.5 * rand(), rand() - 0.5 }' > s.csv
printf '[parameters]\nx1 = [0.0, 1.0]\nx2 = [-1.0, 1.0]\n' > box.toml
"$bin" flow train --samples s.csv --params box.toml --arch maf --layers 1 --hidden 8 --epochs 2 --quiet --out flow.json \
  2> /dev/null || fail "training the test flow"
"$bin" flow sample --flow flow.json -n 50 --out points.csv --seed 2 || fail "sampling the test points"
"$bin" emulator design --params box.toml -n 16 --out design.csv --seed 1 2> /dev/null
awk -F, 'NR == 1 { print "y0,y1"; next } { printf "%.6f,%.6f\n", $1 + $2, $1 - $2 * $2 }' design.csv > y.csv
"$bin" emulator train --design design.csv --outputs y.csv --out emu.json --restarts 1 2> /dev/null || fail "emulator train"
"$bin" sample --target gaussian --dim 2 --walkers 8 --steps 50 --seed 1 --out chain.h5 --no-progress 2> /dev/null \
  || fail "test chain"

# --- 1. outputs at devices, a symlink, a read-only file -------------------------------------------------------
# Whole-file writers: /dev/null takes the bytes (exit 0), /dev/full gives ENOSPC, the symlink's target is written,
# the read-only file is refused.
writers=(
  "flow sample --flow flow.json -n 20 --seed 3 --out"
  "flow logpdf --flow flow.json --points points.csv --out"
  "emulator design --params box.toml -n 8 --seed 1 --out"
  "emulator predict --emulator emu.json --points design.csv --out"
  "chain chain.h5 --json"
  "compare s.csv points.csv --params box.toml --json"
)
for w in "${writers[@]}"; do
  # shellcheck disable=SC2086
  "$bin" $w /dev/null > /dev/null 2> err.log || fail "$w /dev/null: exit $? $(cat err.log)"
  specials_ok "$w /dev/null"
  # shellcheck disable=SC2086
  expect_error "$w /dev/full" "No space left on device" "$bin" $w /dev/full
  cp target.txt target.before
  # shellcheck disable=SC2086
  "$bin" $w link.out > /dev/null 2> err.log || fail "$w link.out: exit $? $(cat err.log)"
  cmp -s target.txt target.before && fail "$w link.out: the symlink's target was not written"
  echo "target before" > target.txt
  specials_ok "$w link.out"
  # shellcheck disable=SC2086
  expect_error "$w readonly.out" "read-only" "$bin" $w readonly.out
done
# /dev/stdout (a pipe here) is a stream: written in place.
"$bin" chain chain.h5 --json /dev/stdout 2> /dev/null | grep -q '"steps": 50' || fail "chain --json /dev/stdout"
specials_ok "chain --json /dev/stdout"
# HDF5 outputs need a regular file: a device is refused, never replaced.
for out in /dev/null /dev/full; do
  expect_error "sample --out $out" "not a regular file" \
    "$bin" sample --target gaussian --dim 2 --walkers 8 --steps 5 --out $out --no-progress
  expect_error "smc --out $out.h5" "" \
    "$bin" sample --target gaussian --dim 1 --sampler smc --particles 16 --out $out --no-progress
done
expect_error "sample --out readonly" "read-only" \
  "$bin" sample --target gaussian --dim 2 --walkers 8 --steps 5 --out readonly.out --no-progress
# The mode of an existing (writable) output is kept.
echo old > private.csv
chmod 600 private.csv
"$bin" flow sample --flow flow.json -n 5 --out private.csv 2> /dev/null || fail "rewrite private.csv"
[ "$(stat -c %a private.csv)" = 600 ] || fail "mode of a rewritten file: $(stat -c %a private.csv), expected 600"
# A 252-character file name (the old ".tmp" suffix made it 256, over NAME_MAX).
long=$(printf 'n%.0s' $(seq 248)).csv
"$bin" flow sample --flow flow.json -n 5 --out "$long" 2> err.log || fail "252-character name: $(cat err.log)"
[ -s "$long" ] || fail "252-character name: no file"
# A folder as output.
mkdir adir
expect_error "output is a folder" "folder" "$bin" flow sample --flow flow.json -n 5 --out adir

# --- 2. the same path for input and output --------------------------------------------------------------------
cp s.csv s_copy.csv
ln -s s_copy.csv s_link.csv
before=$(sums s.csv box.toml flow.json points.csv chain.h5 s_copy.csv)
expect_error "train --samples X --out X" "same file as --samples" \
  "$bin" flow train --samples s.csv --params box.toml --epochs 1 --out s.csv
expect_error "train via a symlink" "same file as --samples" \
  "$bin" flow train --samples s_link.csv --params box.toml --epochs 1 --out s_copy.csv
expect_error "train --params P --out P" "same file as --params" \
  "$bin" flow train --samples s.csv --params box.toml --epochs 1 --out box.toml
expect_error "logpdf --points X --out X" "same file as --points" \
  "$bin" flow logpdf --flow flow.json --points points.csv --out points.csv
expect_error "sample --flow F --out F" "same file as --flow" "$bin" flow sample --flow flow.json -n 5 --out flow.json
expect_error "sample --flow F --out ./F" "same file as --flow" "$bin" flow sample --flow flow.json -n 5 --out ./flow.json
expect_error "compare A B --json A" "same file as A" "$bin" compare s.csv points.csv --params box.toml --json s.csv
expect_error "sample --out C.h5 --json C.h5" "same file as --json" \
  "$bin" sample --target gaussian --dim 2 --walkers 8 --steps 5 --out c.h5 --json c.h5 --no-progress
[ -e c.h5 ] && fail "sample --out C.h5 --json C.h5 created c.h5"
expect_error "chain F --json F" "same file as file" "$bin" chain chain.h5 --json chain.h5
[ "$(sums s.csv box.toml flow.json points.csv chain.h5 s_copy.csv)" = "$before" ] || fail "an input file was changed"

# --- 3. threads ------------------------------------------------------------------------------------------------
"$bin" flow train --samples s.csv --params box.toml --arch maf --layers 1 --hidden 8 --epochs 1 --quiet --threads 100000 \
  --out f2.json 2> err.log || fail "--threads 100000: exit $?"
grep -q "100000 threads requested.*using" err.log || fail "--threads 100000: no warning: $(cat err.log)"
expect_error "--threads -1" "--threads" "$bin" flow train --samples s.csv --params box.toml --threads -1 --out f3.json

# --- 4. one run per folder ------------------------------------------------------------------------------------
cp "$src"/examples/linear_gaussian/{analysis.toml,data_a.csv,data_b.csv} .
mkdir busy
printf 'pid 4242 on elsewhere, started earlier\n' > busy/.flowprior.lock
flock busy/.flowprior.lock sleep 60 &
holder=$!
sleep 0.5
expect_error "second run on a busy folder" "pid 4242" "$bin" run analysis.toml --out busy --no-plots
kill "$holder" 2> /dev/null
wait "$holder" 2> /dev/null
[ "$(ls busy | wc -l)" -eq 0 ] || fail "the refused run wrote into the busy folder: $(ls busy)"

# --- 5. parameter names with a comma or a quote ---------------------------------------------------------------
printf '[parameters]\n"a,b" = [0.0, 1.0]\n'"'"'q"x'"'"' = [-1.0, 1.0]\n' > odd.toml
awk 'BEGIN { srand(4); print "\"a,b\",\"q\"\"x\""; for (i = 0; i < 300; i++) printf "%.5f,%.5f\n", rand(), rand() - 0.5 }' \
  > odd.csv
"$bin" flow train --samples odd.csv --params odd.toml --arch maf --layers 1 --hidden 8 --epochs 1 --quiet --out odd.json \
  2> err.log || fail "names with comma and quote: train: $(cat err.log)"
"$bin" flow sample --flow odd.json -n 10 --out odd_draws.csv || fail "names with comma and quote: sample"
[ "$(head -1 odd_draws.csv)" = '"a,b","q""x"' ] || fail "quoted header written as: $(head -1 odd_draws.csv)"
"$bin" flow logpdf --flow odd.json --points odd_draws.csv --out odd_lp.csv 2> err.log \
  || fail "names with comma and quote: the tool cannot read its own file: $(cat err.log)"
[ "$(wc -l < odd_lp.csv)" -eq 11 ] || fail "names with comma and quote: logpdf rows"

# --- strict values --------------------------------------------------------------------------------------------
expect_error "--walkers 0" "--walkers" "$bin" sample --target gaussian --dim 2 --walkers 0 --out w.h5
expect_error "--walkers -4" "--walkers" "$bin" sample --target gaussian --dim 2 --walkers -4 --out w.h5
expect_error "--walkers 3 in 2-D" "--walkers" "$bin" sample --target gaussian --dim 2 --walkers 3 --out w.h5
expect_error "--layers 0" "--layers" "$bin" flow train --samples s.csv --params box.toml --layers 0 --out f4.json
expect_error "--components 0" "--components" \
  "$bin" emulator train --design design.csv --outputs y.csv --components 0 --out e2.json
expect_error "--bins -3" "--bins" "$bin" flow train --samples s.csv --params box.toml --arch nsf --bins -3 --out f4.json
expect_error "--clip nan" "--clip" "$bin" flow train --samples s.csv --params box.toml --clip nan --out f4.json
expect_error "--lr 1e9" "--lr" "$bin" flow train --samples s.csv --params box.toml --lr 1e9 --out f4.json
for seed in -1 18446744073709551616 1e23 1.5; do
  expect_error "--seed $seed" "--seed" "$bin" flow sample --flow flow.json -n 5 --seed "$seed" --out x.csv
done
"$bin" flow sample --flow flow.json -n 5 --seed 18446744073709551615 --out x.csv || fail "--seed 2^64-1 refused"
expect_error "-n 99999999999" "-n" "$bin" flow sample --flow flow.json -n 99999999999 --out x.csv
expect_error "--discard > --steps" "--discard" \
  "$bin" sample --target gaussian --dim 2 --steps 10 --discard 20 --out d.h5 --no-progress
[ -e d.h5 ] && fail "--discard > --steps: the chain was written before the error"
[ -e f4.json ] && fail "a refused flow train wrote its output"

# --- degenerate training data -----------------------------------------------------------------------------------
printf 'x1,x2\n0.2,0.1\n' > one.csv
expect_error "one sample" "at least 2" "$bin" flow train --samples one.csv --params box.toml --out f5.json
printf '[parameters]\na = [0, 1]\nb = [0, 1]\nc = [0, 1]\n' > box3.toml
printf 'a,b,c\n0.1,0.2,0.3\n0.4,0.5,0.6\n' > two3.csv
expect_error "2 samples in 3-D" "more samples than parameters" \
  "$bin" flow train --samples two3.csv --params box3.toml --out f5.json
awk 'BEGIN { print "x1,x2"; for (i = 0; i < 50; i++) print "0.25,0.5" }' > same.csv
expect_error "identical samples" "same value in every sample" \
  "$bin" flow train --samples same.csv --params box.toml --out f5.json
awk 'BEGIN { srand(2); print "x1,x2,weight"; for (i = 0; i < 50; i++) printf "%.4f,%.4f,%s\n", 0.5 * rand(), rand() - 0.5, i ? "0" : "1" }' \
  > ess1.csv
expect_error "ESS of 1" "effective sample size" "$bin" flow train --samples ess1.csv --params box.toml --out f5.json
[ -e f5.json ] && fail "degenerate data: a flow was written"
# A training that never sees a finite loss is an error, and no flow is written.
expect_error "non-finite loss" "non-finite loss" \
  "$bin" flow train --samples s.csv --params box.toml --arch realnvp --lr 1000 --clip 0 --epochs 30 --quiet --out nf.json
[ -e nf.json ] && fail "non-finite loss: a flow was written"
for w in 1e308 4e-320; do
  awk -v w=$w 'BEGIN { srand(2); print "x1,x2,weight"; for (i = 0; i < 300; i++) printf "%.4f,%.4f,%s\n", 0.5 * rand(), rand() - 0.5, w }' \
    > w.csv
  "$bin" flow train --samples w.csv --params box.toml --arch maf --layers 1 --hidden 8 --epochs 1 --quiet --out fw.json \
    2> err.log || fail "weights all $w: $(cat err.log)"
done
awk 'BEGIN { srand(2); print "x1,x2,weight"; for (i = 0; i < 300; i++) printf "%.4f,%.4f,%s\n", 0.5 * rand(), rand() - 0.5, i < 30 ? 1 : 1e-9 }' \
  > lowess.csv
"$bin" flow train --samples lowess.csv --params box.toml --arch maf --layers 1 --hidden 8 --epochs 1 --quiet --out fl.json \
  2> err.log || fail "low ESS: exit $?"
grep -q "effective sample size of the weights is only" err.log || fail "low ESS: no warning"

# --- configuration errors of later stages, before any work ----------------------------------------------------
config_case() {  # name, pattern, sed expression applied to the example
  sed "$3" analysis.toml > bad.toml
  rm -rf badrun
  expect_error "config: $1" "$2" "$bin" run bad.toml --out badrun --no-plots
  [ -e badrun ] && fail "config: $1: the run folder was created before the error"
}
config_case "epochs = 0" "flow.epochs" 's/^epochs = .*/epochs = 0/'
config_case "n_effective = 0" "n_effective" '0,/^n_effective = .*/s//n_effective = 0/'
config_case "walkers = 3" "walkers" 's/^sampler = "smc"\(.*\)/sampler = "ensemble"\nwalkers = 3/'
config_case "unknown correlated column" "calibrationX" 's/correlated = \["calibration"\]/correlated = ["calibrationX"]/'
sed 's/^threads = 1/threads = 100000/; s/^epochs = .*/epochs = 0/' analysis.toml > bad.toml
"$bin" run bad.toml --out badrun --no-plots 2> err.log
grep -q "100000 threads requested" err.log || fail "config threads = 100000: no warning: $(cat err.log)"

# --- clearer messages -------------------------------------------------------------------------------------------
printf '\xEF\xBB\xBFx1,x2\n0.1,0.2\n0.3,0.4\n0.2,0.1\n0.15,0.3\n' > bom.csv
"$bin" flow logpdf --flow flow.json --points bom.csv --out bom_lp.csv 2> err.log || fail "BOM: $(cat err.log)"
printf 'x1,x2\n"0,5",0.1\n' > decimal_comma.csv
expect_error "quoted 0,5" "not a number: '0,5'" "$bin" flow logpdf --flow flow.json --points decimal_comma.csv --out q.csv
printf 'x1,x3\n0.1,0.2\n0.2,0.3\n0.3,0.1\n' > wrongcols.csv
expect_error "compare names the file" "wrongcols.csv" "$bin" compare wrongcols.csv s.csv --params box.toml
expect_error "write error gives the reason" "No such file or directory" \
  "$bin" flow sample --flow flow.json -n 5 --out no/such/folder/x.csv
printf 'x1,x2\n9.0,9.0\n' > far.csv
expect_error "emulator predict far outside" "outside the emulator's design box" \
  "$bin" emulator predict --emulator emu.json --points far.csv --out far_pred.csv
printf 'x1,x2\n1.02,0.5\n' > near.csv
"$bin" emulator predict --emulator emu.json --points near.csv --out near_pred.csv 2> err.log || fail "predict near"
grep -q "outside the design box" err.log || fail "emulator predict slightly outside: no warning"
mkdir empty_folder
expect_error "report on an empty folder" "holds no flowprior run" "$bin" report empty_folder
[ -e empty_folder/report.html ] && fail "report on an empty folder wrote a page"
expect_error "report on a mistyped folder" "no such folder" "$bin" report no_such_folder

specials_ok "end"
[ "$(cat target.txt)" = "target before" ] || fail "symlink target"
if [ $failures -ne 0 ]; then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "all hostile-input cases passed"
