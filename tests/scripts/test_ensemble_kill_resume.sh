#!/usr/bin/env bash
# Issue 3, item 5: a run killed with SIGKILL mid-way resumes from its file and finishes with exactly the chain of
# an uninterrupted run with the same seed (compared bitwise through the digest of every stored value).
# Usage: bash test_ensemble_kill_resume.sh <path-to-flowprior> <source-dir>
set -euo pipefail
FLOWPRIOR=$1
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
ARGS=(sample --target gaussian-shells --dim 3 --sampler ensemble --walkers 8 --steps 150000 --seed 11
      --moves stretch:0.6,de:0.2,walk:0.2 --burn-in 200 --flush-steps 500 --flush-seconds 0.05 --no-progress)

"$FLOWPRIOR" "${ARGS[@]}" --out "$TMP/reference.h5"
"$FLOWPRIOR" chain "$TMP/reference.h5" --json "$TMP/reference.json" 2>/dev/null

# Start the same run, kill it once the file holds some steps but before it finishes.
"$FLOWPRIOR" "${ARGS[@]}" --out "$TMP/killed.h5" &
PID=$!
for _ in $(seq 1 400); do
  sleep 0.02
  SIZE=$(stat -c %s "$TMP/killed.h5" 2>/dev/null || echo 0)
  [ "$SIZE" -gt 0 ] && break
done
sleep 0.3
kill -9 "$PID" 2>/dev/null || { echo "FAIL: the run finished before it could be killed; make it longer"; exit 1; }
wait "$PID" 2>/dev/null || true

STEPS=$("$FLOWPRIOR" chain "$TMP/killed.h5" --json /dev/stdout 2>/dev/null | sed -n 's/^  "steps": \([0-9]*\),*$/\1/p')
echo "killed run left a readable file with $STEPS steps"
if [ -z "$STEPS" ] || [ "$STEPS" -ge 150000 ]; then echo "FAIL: expected a partial chain"; exit 1; fi

"$FLOWPRIOR" "${ARGS[@]}" --out "$TMP/killed.h5" --resume
"$FLOWPRIOR" chain "$TMP/killed.h5" --json "$TMP/resumed.json" 2>/dev/null

digest() { sed -n 's/^  "digest": "\([0-9a-f]*\)",*$/\1/p' "$1"; }
A=$(digest "$TMP/reference.json"); B=$(digest "$TMP/resumed.json")
echo "reference digest $A, resumed digest $B"
[ -n "$A" ] && [ "$A" = "$B" ] || { echo "FAIL: the resumed chain differs from the uninterrupted one"; exit 1; }

# Continuing a finished run to more steps ("continue to N") also matches a single longer run.
"$FLOWPRIOR" "${ARGS[@]/150000/160000}" --out "$TMP/killed.h5" --resume
"$FLOWPRIOR" "${ARGS[@]/150000/160000}" --out "$TMP/longer.h5"
"$FLOWPRIOR" chain "$TMP/killed.h5" --json "$TMP/a.json" 2>/dev/null
"$FLOWPRIOR" chain "$TMP/longer.h5" --json "$TMP/b.json" 2>/dev/null
[ "$(digest "$TMP/a.json")" = "$(digest "$TMP/b.json")" ] || { echo "FAIL: continue-to-N differs"; exit 1; }

# A resume with a different seed is refused with a message naming it.
if "$FLOWPRIOR" "${ARGS[@]/11/12}" --out "$TMP/killed.h5" --resume 2>"$TMP/err"; then echo "FAIL: seed mismatch accepted"; exit 1; fi
grep -q "seed" "$TMP/err" || { echo "FAIL: the error does not name the seed"; cat "$TMP/err"; exit 1; }
echo PASS
