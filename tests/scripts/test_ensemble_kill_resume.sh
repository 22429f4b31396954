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

START=$(date +%s%N)
"$FLOWPRIOR" "${ARGS[@]}" --out "$TMP/reference.h5"
REFERENCE_NS=$(( $(date +%s%N) - START ))
"$FLOWPRIOR" chain "$TMP/reference.h5" --json "$TMP/reference.json" 2>/dev/null

# Start the same run and kill it part-way. A fixed delay raced on fast machines (the whole run takes 0.3 s on an
# idle core), so the kill comes at a fraction of the uninterrupted run's own wall time, measured just above; if
# the run still finishes first, it is tried again with a smaller fraction.
KILLED=0
for PERCENT in 40 20 10 5; do
  rm -f "$TMP/killed.h5"
  START=$(date +%s%N)
  "$FLOWPRIOR" "${ARGS[@]}" --out "$TMP/killed.h5" &
  PID=$!
  for _ in $(seq 1 2000); do [ -s "$TMP/killed.h5" ] && break; sleep 0.002; done
  DELAY_NS=$(( REFERENCE_NS * PERCENT / 100 - ($(date +%s%N) - START) ))
  [ "$DELAY_NS" -gt 0 ] && sleep "$(printf '%d.%09d' $((DELAY_NS / 1000000000)) $((DELAY_NS % 1000000000)))"
  if kill -9 "$PID" 2>/dev/null; then wait "$PID" 2>/dev/null || true; KILLED=1; break; fi
  wait "$PID" 2>/dev/null || true
  echo "the run finished before the kill at $PERCENT% of its time; trying earlier"
done
[ "$KILLED" = 1 ] || { echo "FAIL: the run finished before it could be killed, even at 5% of its time"; exit 1; }

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
