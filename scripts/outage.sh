#!/usr/bin/env bash
# Database outage: a server on a private PostgreSQL cluster, under a steady
# stream of requests; PostgreSQL is stopped, then started again. Checks that
#  - during the outage every request is answered within a second, with 503
#    `unavailable` (no hang, no panic), /readyz is 503 and /healthz 200;
#  - once PostgreSQL is back, requests succeed again by themselves.
#
# Usage: scripts/outage.sh LATCHKEY_BINARY
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:?usage: $0 LATCHKEY_BINARY}
port=${LATCHKEY_OUTAGE_PORT:-3175}
pg_port=${LATCHKEY_OUTAGE_PG_PORT:-55450}
work=$(mktemp -d /tmp/latchkey-outage.XXXXXX)
server_pid=""
source scripts/lib/postgres.sh
source scripts/lib/server.sh
cleanup() {
  { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null; } || true
  pg_stop
  rm -rf "$work"
  return 0
}
trap cleanup EXIT
trap 'exit 1' INT TERM

pg_status=0
PG_EXTRA_OPTIONS="-c fsync=off" pg_start "$pg_port" || pg_status=$?
if [ "$pg_status" -eq 1 ]; then
  echo "PostgreSQL is not installed: the outage check is skipped"
  exit 0
fi
[ "$pg_status" -eq 0 ] || exit 1
base="http://localhost:$port"
LATCHKEY_DATA_DIR="$work" DATABASE_URL="$PG_URL" \
LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT="$PWD/target/site" LEPTOS_OUTPUT_NAME=latchkey \
LATCHKEY_ORIGIN="$base" LATCHKEY_DEMO=true LATCHKEY_LIMIT_CEREMONY_STARTS=100000 RUST_LOG=warn \
  "$bin" serve >"$work/server.log" 2>&1 &
server_pid=$!
wait_for_server "$base" || { cat "$work/server.log"; exit 1; }
cookie=$(sign_in_cookie "$base" grace@example.com acme correct-horse-battery || true)
[ -n "$cookie" ] || { echo "could not sign in"; cat "$work/server.log"; exit 1; }

# One request: "STATUS SECONDS CODE" (CODE: the error code, or -).
probe() {
  local out
  out=$(curl -sS --max-time 5 -o "$work/body" -w '%{http_code} %{time_total}' \
    -H "cookie: $cookie" "$base/api/session" 2>/dev/null || echo "000 5")
  local code
  code=$(python3 -c 'import json,sys
try: print(json.load(open(sys.argv[1])).get("code","-"))
except Exception: print("-")' "$work/body")
  echo "$out $code"
}

# Load: two clients asking all the time, before, during and after.
load() { while true; do curl -s -o /dev/null --max-time 5 -H "cookie: $cookie" "$base/api/session"; done; }
load & load_a=$!
load & load_b=$!
trap 'kill $load_a $load_b 2>/dev/null || true; cleanup' EXIT

read -r status _ _ <<<"$(probe)"
[ "$status" = 200 ] || { echo "not signed in before the outage: $status"; exit 1; }

_as_pg "$_pg_bin/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null
echo "PostgreSQL stopped"
sleep 0.5
slowest=0
for i in $(seq 20); do
  read -r status seconds code <<<"$(probe)"
  if [ "$status" != 503 ] || [ "$code" != unavailable ]; then
    echo "request $i during the outage: $status $code (expected 503 unavailable)"; exit 1
  fi
  slowest=$(python3 -c "print(max($slowest, $seconds))")
done
python3 -c "import sys; sys.exit(0 if $slowest < 1.0 else 1)" \
  || { echo "a request took $slowest s during the outage (limit 1 s)"; exit 1; }
ready=$(curl -s -o /dev/null -w '%{http_code}' "$base/readyz")
healthy=$(curl -s -o /dev/null -w '%{http_code}' "$base/healthz")
[ "$ready" = 503 ] && [ "$healthy" = 200 ] || { echo "readyz $ready, healthz $healthy during the outage"; exit 1; }
echo "during the outage: 20 of 20 requests 503 unavailable, slowest ${slowest} s; readyz 503, healthz 200"

_as_pg "$_pg_bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
  -o "-p $pg_port -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
echo "PostgreSQL started again"
recovered=""
for _ in $(seq 100); do
  read -r status _ _ <<<"$(probe)"
  if [ "$status" = 200 ]; then recovered=yes; break; fi
  sleep 0.1
done
[ -n "$recovered" ] || { echo "no recovery within 10 s of PostgreSQL's return"; exit 1; }
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/readyz")" = 200 ] || { echo "readyz not back"; exit 1; }
kill $load_a $load_b 2>/dev/null || true
if grep -n "panicked" "$work/server.log"; then echo "the server panicked"; exit 1; fi
echo "outage: ok (recovered by itself)"
