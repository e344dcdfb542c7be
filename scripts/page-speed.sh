#!/usr/bin/env bash
# Page speed, measured on the release build (run scripts/page-budget.sh
# first, which builds it): Lighthouse 12.2.3 in Debian's Chromium on /login
# and on /account (signed in), and the Playwright timing of click "Login" →
# console rendered (median of 20, CDP virtual authenticator). Prints
# figures; asserts nothing about them (they go to BENCHMARKS.md).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
export LATCHKEY_BIN="$target_dir/release/latchkey"
[ -x "$LATCHKEY_BIN" ] || { echo "build the release site first: scripts/page-budget.sh"; exit 1; }
tools="${XDG_CACHE_HOME:-$HOME/.cache}/latchkey/lighthouse"
if [ ! -x "$tools/node_modules/.bin/lighthouse" ]; then
  npm install --prefix "$tools" --no-audit --no-fund lighthouse@12.2.3 >&2
fi

port=${PAGE_SPEED_PORT:-3190}
export E2E_PORT=$port
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; wait 2>/dev/null; return 0; }
trap cleanup EXIT
(cd end2end && E2E_FRESH_DB=1 exec ./serve.sh) >/dev/null 2>&1 &
server_pid=$!
base="http://localhost:$port"
source scripts/lib/server.sh
wait_for_server "$base"

# An account to sign in with, for /account.
db="sqlite://$root/end2end/.data/latchkey.db"
DATABASE_URL=$db "$LATCHKEY_BIN" org create --short-name speed --name "Speed Test" >/dev/null
DATABASE_URL=$db LATCHKEY_PASSWORD="page speed password" "$LATCHKEY_BIN" account create \
  --org speed --email speed@example.com --name "Speed Tester" >/dev/null
cookie=$(sign_in_cookie "$base" speed@example.com speed "page speed password")

# Lighthouse figures vary from run to run (and a run now and then fails to
# record its trace): each page is measured LIGHTHOUSE_RUNS times (default 5,
# as Lighthouse's own guidance suggests) and the median run is reported.
lighthouse() {
  local url=$1 reports=() report i; shift
  for i in $(seq "${LIGHTHOUSE_RUNS:-5}"); do
    report=$(mktemp /tmp/lighthouse.XXXXXX.json)
    if CHROME_PATH=/usr/bin/chromium "$tools/node_modules/.bin/lighthouse" "$url" --quiet \
      --output=json --output-path="$report" \
      --only-categories=performance,accessibility,best-practices \
      --chrome-flags="--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync" \
      "$@" 2>/dev/null; then
      reports+=("$report")
    else
      rm -f "$report"
    fi
  done
  [ ${#reports[@]} -gt 0 ] || { echo "$url: every Lighthouse run failed"; return 1; }
  python3 scripts/lib/lighthouse_summary.py "${reports[@]}"
  # PAGE_SPEED_REPORTS=DIR keeps the full JSON reports there.
  if [ -n "${PAGE_SPEED_REPORTS:-}" ]; then
    mkdir -p "$PAGE_SPEED_REPORTS"
    for i in "${!reports[@]}"; do
      cp "${reports[$i]}" "$PAGE_SPEED_REPORTS/$(echo "$url" | sed 's|.*/||')-$i.json"
    done
  fi
  rm -f "${reports[@]}"
}
echo "Lighthouse 12.2.3 (mobile emulation, simulated throttling; median of ${LIGHTHOUSE_RUNS:-5} runs):"
lighthouse "$base/login"
lighthouse "$base/account" --extra-headers="{\"Cookie\": \"$cookie\"}"

echo "Playwright: click Login → console rendered"
(cd end2end && npx playwright test -c perf.config.ts --reporter=list 2>&1 | grep -E "PERF|passed|failed")
