#!/usr/bin/env bash
# Checks the running API against its own OpenAPI description with
# schemathesis (property-based: every operation, generated good and bad
# inputs). Fails on any 5xx, any answer the description does not allow, or
# a panic in the server log.
#
# Usage: scripts/schemathesis.sh PATH_TO_LATCHKEY_BINARY
# Installs schemathesis into a virtualenv under ~/.cache/latchkey if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:?usage: $0 PATH_TO_LATCHKEY_BINARY}
venv="${XDG_CACHE_HOME:-$HOME/.cache}/latchkey/schemathesis"
if [ ! -x "$venv/bin/st" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet schemathesis==4.32.5
fi

port=${LATCHKEY_SCHEMATHESIS_PORT:-3150}
work=$(mktemp -d /tmp/latchkey-schemathesis.XXXXXX)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
  return 0
}
trap cleanup EXIT

# A fresh database with the demo accounts, and limits raised so that the
# run exercises the handlers rather than only the 429 path.
LATCHKEY_DATA_DIR="$work" DATABASE_URL="sqlite://$work/latchkey.db" \
LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT="$PWD/target/site" LEPTOS_OUTPUT_NAME=latchkey \
LATCHKEY_ORIGIN="http://localhost:$port" LATCHKEY_DEMO=true \
LATCHKEY_LIMIT_CEREMONY_STARTS=100000 LATCHKEY_LIMIT_SECRET_CHECKS=100000 \
RUST_LOG=warn "$bin" serve >"$work/server.log" 2>&1 &
server_pid=$!
base="http://localhost:$port"
source scripts/lib/server.sh
wait_for_server "$base" || { cat "$work/server.log"; exit 1; }

# A signed-in session, so the operations behind it are reached too.
cookie=$(sign_in_cookie "$base" grace@example.com acme correct-horse-battery)
[ -n "$cookie" ] || { echo "could not sign in the demo account"; cat "$work/server.log"; exit 1; }

# Every operation but logout with the session, then logout (which ends it).
# positive_data_acceptance is left out: schema-valid input is still refused
# when it is wrong (a wrong password, an unknown ceremony id); that is the point.
run() {
  "$venv/bin/st" run "$base/api/openapi.json" \
    --checks all --exclude-checks positive_data_acceptance \
    -H "Cookie: $cookie" --max-examples "${LATCHKEY_SCHEMATHESIS_EXAMPLES:-100}" \
    --workers 2 --suppress-health-check all --seed 1 --no-color "$@"
}
status=0
run --exclude-path /logout || status=$?
run --include-path /logout || status=$?

if grep -n "panicked" "$work/server.log"; then
  echo "the server panicked during the run"; status=1
fi
if grep -n " ERROR " "$work/server.log"; then
  echo "the server logged errors during the run"; status=1
fi
exit $status
