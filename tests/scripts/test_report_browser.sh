#!/usr/bin/env bash
# The run report in a real headless browser (issue 10): the linear-Gaussian example is run, `flowprior report`
# writes report.html, and Debian's chromium loads it with no console message and takes a screenshot. The detector
# is shown to work on a page with a deliberate script error. Then a damaged run folder (truncated summary.json,
# corner.png removed, a predictive PNG truncated, a diagnostics file removed) still gives a report that names
# every missing file, also without console messages.
# The report and screenshots are kept in BUILD/test_report_browser/ for a person to look at.
# Usage: test_report_browser.sh BUILD/flowprior SOURCE_DIR
set -euo pipefail
bin=$(realpath "$1")
src=$(realpath "$2")
keep="$(dirname "$bin")/test_report_browser"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

chromium_bin=""
for c in /usr/bin/chromium "$(command -v chromium || true)" "$(command -v chromium-browser || true)"; do
  if [ -n "$c" ] && [ -x "$c" ]; then chromium_bin=$c; break; fi
done
[ -n "$chromium_bin" ] || fail "chromium is not installed (Debian package 'chromium'; scripts/setup.sh installs it)"

# Loads FILE.html, writes the screenshot SHOT.png and the browser log LOG; prints the page's console messages.
browse() {
  local page=$1 shot=$2 log=$3
  local root=()
  [ "$(id -u)" -ne 0 ] || root=(--no-sandbox)  # chromium refuses to run as root with its sandbox
  timeout 60 "$chromium_bin" --headless "${root[@]}" --disable-gpu --no-first-run --no-default-browser-check \
    --user-data-dir="$tmp/profile_$(basename "$shot" .png)" --enable-logging=stderr --v=1 \
    --window-size=1200,6000 --screenshot="$shot" "file://$page" >/dev/null 2>"$log" || true
  grep -E ':CONSOLE[:(]' "$log" || true
}

check_shot() {
  local shot=$1
  [ -s "$shot" ] || fail "no screenshot $shot"
  [ "$(head -c 8 "$shot" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || fail "$shot is not a PNG"
  [ "$(stat -c %s "$shot")" -gt 20000 ] || fail "$shot is suspiciously small ($(stat -c %s "$shot") bytes)"
}

# 1. The detector can fail: a page with a script error gives a console message.
cat >"$tmp/broken.html" <<'EOF'
<!DOCTYPE html><html><head><meta charset="utf-8"><title>broken</title></head>
<body><p>deliberate error</p><script>this_function_does_not_exist();</script></body></html>
EOF
messages=$(browse "$tmp/broken.html" "$tmp/broken.png" "$tmp/broken.log")
echo "$messages" | grep -q "this_function_does_not_exist" ||
  fail "the console detector did not see a deliberate script error (log: $(grep -c '' "$tmp/broken.log") lines)"

# 2. A real run and its report.
"$bin" run "$src/examples/linear_gaussian/analysis.toml" --out "$tmp/run" >"$tmp/run.out" 2>"$tmp/run.err" ||
  { cat "$tmp/run.err" >&2; fail "flowprior run failed"; }
[ -s "$tmp/run/report.html" ] || fail "flowprior run did not write report.html"
[ -s "$tmp/run/predictive.json" ] || fail "flowprior run did not write predictive.json"
for d in A B; do [ -s "$tmp/run/predictive_$d.csv" ] || fail "no predictive_$d.csv"; done
rm "$tmp/run/report.html"
"$bin" report "$tmp/run" >"$tmp/report.out" || fail "flowprior report failed"
page="$tmp/run/report.html"
[ -s "$page" ] || fail "flowprior report did not write report.html"
grep -q "can the sequential result be trusted: yes" "$tmp/report.out" ||
  fail "the consistent linear-Gaussian run is not trusted: $(cat "$tmp/report.out")"
for text in "Can the sequential result be trusted?" "Posterior predictive" "Evidences" "Tension between datasets" \
  "Flow-prior checks" "Per-run sampler diagnostics" "Configuration" "predictive p-value"; do
  grep -q "$text" "$page" || fail "report.html has no '$text'"
done
# Self-contained: nothing fetched from elsewhere; images embedded when the plots exist.
if grep -Eq '(src|href)="(https?:)?//' "$page"; then fail "report.html refers to the network"; fi
if [ -s "$tmp/run/corner.png" ]; then
  grep -q 'src="data:image/png;base64,' "$page" || fail "the plots are not embedded"
  grep -q 'alt="predictive_A.png"' "$page" || fail "the predictive plot of A is not in the page"
fi
messages=$(browse "$page" "$tmp/report.png" "$tmp/report.log")
[ -z "$messages" ] || fail "console messages on report.html: $messages"
check_shot "$tmp/report.png"

# 3. A damaged run folder: the report is written and names what is missing.
cp -r "$tmp/run" "$tmp/bad"
head -c 120 "$tmp/run/summary.json" >"$tmp/bad/summary.json"
rm -f "$tmp/bad/corner.png" "$tmp/bad/stage2_diagnostics.json" "$tmp/bad/report.html"
if [ -s "$tmp/run/predictive_A.png" ]; then head -c 500 "$tmp/run/predictive_A.png" >"$tmp/bad/predictive_A.png"; fi
"$bin" report "$tmp/bad" >"$tmp/bad.out" 2>"$tmp/bad.err" || { cat "$tmp/bad.err" >&2; fail "report of a damaged folder"; }
bad="$tmp/bad/report.html"
[ -s "$bad" ] || fail "no report.html for the damaged folder"
grep -q "can the sequential result be trusted: cannot tell" "$tmp/bad.out" ||
  fail "a damaged folder must give 'cannot tell': $(cat "$tmp/bad.out")"
grep -q "missing: summary.json (corrupt" "$bad" || fail "the truncated summary.json is not named"
grep -q "missing: corner.png (not in the run folder" "$bad" || fail "the removed corner.png is not named"
grep -q "missing: stage2_diagnostics.json (not in the run folder" "$bad" || fail "the removed diagnostics not named"
if [ -s "$tmp/run/predictive_A.png" ]; then
  grep -q "missing: predictive_A.png (corrupt: truncated PNG" "$bad" || fail "the truncated PNG is not named"
fi
grep -q "missing: summary.json" "$tmp/bad.err" || fail "flowprior report does not list what is missing on stderr"
messages=$(browse "$bad" "$tmp/bad.png" "$tmp/bad.log")
[ -z "$messages" ] || fail "console messages on the damaged folder's report: $messages"
check_shot "$tmp/bad.png"

# 4. No folder at all is an error, not an empty report.
if "$bin" report "$tmp/does_not_exist" 2>/dev/null; then fail "report of a missing folder succeeded"; fi

mkdir -p "$keep"
cp "$page" "$keep/report.html"
cp "$tmp/report.png" "$keep/report.png"
cp "$bad" "$keep/damaged_report.html"
cp "$tmp/bad.png" "$keep/damaged_report.png"
echo "report browser test passed; report and screenshots in $keep"
