#!/usr/bin/env bash
# Crash safety: registers passkeys in a loop against a running server,
# kills the server with SIGKILL mid-run, restarts it, and checks that
#  - SQLite's integrity check passes,
#  - every registration the client saw acknowledged is stored and signs in,
#  - no row is half-written (at most the in-flight registrations are extra,
#    and every stored credential is complete);
# then stops it with SIGTERM under the same load and checks that it exits 0
# within 10 s and that every acknowledged registration is stored.
#
# Usage: scripts/crash-safety.sh LATCHKEY_BINARY LOADGEN_BINARY
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:?usage: $0 LATCHKEY_BINARY LOADGEN_BINARY}
loadgen=${2:?usage: $0 LATCHKEY_BINARY LOADGEN_BINARY}
port=${LATCHKEY_CRASH_PORT:-3160}
concurrency=4
work=$(mktemp -d /tmp/latchkey-crash.XXXXXX)
server_pid=""
client_pid=""
cleanup() {
  [ -n "$client_pid" ] && kill "$client_pid" 2>/dev/null
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$work"
  return 0
}
trap cleanup EXIT

export LATCHKEY_DATA_DIR="$work" DATABASE_URL="sqlite://$work/latchkey.db"
export LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT="$PWD/target/site" LEPTOS_OUTPUT_NAME=latchkey
export LATCHKEY_ORIGIN="http://localhost:$port" RUST_LOG=warn
export LATCHKEY_LIMIT_CEREMONY_STARTS=100000 LATCHKEY_LIMIT_SECRET_CHECKS=100000
base="http://localhost:$port"
source scripts/lib/server.sh

start_server() {
  "$bin" serve >>"$work/server.log" 2>&1 &
  server_pid=$!
  wait_for_server "$base" || { cat "$work/server.log"; exit 1; }
}

"$bin" org create --short-name bench --name Bench >/dev/null
"$loadgen" accounts --count 300 --org bench > "$work/accounts.jsonl"
"$bin" account import < "$work/accounts.jsonl"
start_server

"$loadgen" register --target "$base" --accounts "$work/accounts.jsonl" \
  --out "$work/acked.jsonl" --concurrency $concurrency --sync --keep-going >"$work/client.log" 2>&1 &
client_pid=$!
# Let it acknowledge some registrations, then pull the plug mid-run.
for _ in $(seq 600); do
  [ -f "$work/acked.jsonl" ] && [ "$(wc -l < "$work/acked.jsonl")" -ge 40 ] && break
  sleep 0.1
done
kill -KILL "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
sleep 0.5
kill "$client_pid" 2>/dev/null; wait "$client_pid" 2>/dev/null || true; client_pid=""
acked=$(wc -l < "$work/acked.jsonl")
echo "killed the server with SIGKILL after $acked acknowledged registrations"

python3 - "$work/latchkey.db" "$acked" "$concurrency" <<'PY'
import json, sqlite3, sys
db, acked, in_flight = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
con = sqlite3.connect(db)
check = con.execute("PRAGMA integrity_check").fetchone()[0]
print(f"PRAGMA integrity_check: {check}")
assert check == "ok", check
rows = con.execute("SELECT credential_id, credential, account_id FROM passkeys").fetchall()
print(f"passkeys stored: {len(rows)} (acknowledged: {acked}, in flight at most: {in_flight})")
assert acked <= len(rows) <= acked + in_flight, "lost or phantom registrations"
for credential_id, credential, account_id in rows:
    parsed = json.loads(credential)  # complete JSON, not a torn write
    assert credential_id and account_id and parsed, "half-written passkey row"
PY

start_server
"$loadgen" verify --target "$base" --passkeys "$work/acked.jsonl"
# And the restarted server takes new registrations.
tail -n 5 "$work/accounts.jsonl" > "$work/more.jsonl"
"$loadgen" register --target "$base" --accounts "$work/more.jsonl" --out "$work/more-acked.jsonl" --concurrency 1

# --- Graceful shutdown: SIGTERM under load. The server stops taking new
# connections, lets the requests in flight finish, and exits 0; every
# registration the client saw acknowledged is stored and signs in.
sed -n '100,290p' "$work/accounts.jsonl" > "$work/term.jsonl"
"$loadgen" register --target "$base" --accounts "$work/term.jsonl" \
  --out "$work/term-acked.jsonl" --concurrency $concurrency --sync --keep-going >"$work/term-client.log" 2>&1 &
client_pid=$!
for _ in $(seq 600); do
  [ -f "$work/term-acked.jsonl" ] && [ "$(wc -l < "$work/term-acked.jsonl")" -ge 40 ] && break
  sleep 0.1
done
kill -TERM "$server_pid"
status=0
for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$server_pid" 2>/dev/null; then echo "the server did not stop within 10 s of SIGTERM"; exit 1; fi
wait "$server_pid" || status=$?
server_pid=""
[ "$status" = 0 ] || { echo "the server exited with $status after SIGTERM"; cat "$work/server.log"; exit 1; }
sleep 0.5
kill "$client_pid" 2>/dev/null; wait "$client_pid" 2>/dev/null || true; client_pid=""
term_acked=$(wc -l < "$work/term-acked.jsonl")
echo "stopped the server with SIGTERM after $term_acked acknowledged registrations; it exited 0"
start_server
"$loadgen" verify --target "$base" --passkeys "$work/term-acked.jsonl"

if grep -n "panicked" "$work/server.log"; then echo "the server panicked"; exit 1; fi
echo "crash safety: ok"
