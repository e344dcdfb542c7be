#!/usr/bin/env bash
# Soak: a long mixed run (passkey sign-ins while password sign-ins
# saturate the hashing threads) against one server, in one-minute rounds.
# After each round it prints the requests and failures of the round, the
# server's RSS and the SQLite WAL's size; it fails on any failed request
# and when the WAL ends above 128 MiB. (The server restarts the WAL past
# 64 MiB; the file keeps the size it reached, so bounded means it stops
# growing near there, not that it shrinks.)
#
# Usage: scripts/soak.sh LATCHKEY_BINARY LOADGEN_BINARY [MINUTES (default 10)]
# (scripts/bench.sh runs it with its release binaries.)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:?usage: $0 LATCHKEY_BINARY LOADGEN_BINARY [MINUTES]}
loadgen=${2:?usage: $0 LATCHKEY_BINARY LOADGEN_BINARY [MINUTES]}
minutes=${3:-10}
port=${LATCHKEY_SOAK_PORT:-3180}
work=$(mktemp -d /tmp/latchkey-soak.XXXXXX)
server_pid=""
cleanup() {
  { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null; } || true
  rm -rf "$work"
  return 0
}
trap cleanup EXIT
trap 'exit 1' INT TERM

export LATCHKEY_DATA_DIR="$work" DATABASE_URL="sqlite://$work/latchkey.db"
export LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT="$work/site" LEPTOS_OUTPUT_NAME=latchkey
export LATCHKEY_ORIGIN="http://localhost:$port" RUST_LOG=warn
export LATCHKEY_LIMIT_CEREMONY_STARTS=100000000 LATCHKEY_LIMIT_SECRET_CHECKS=100000000
base="http://localhost:$port"
source scripts/lib/server.sh

"$bin" org create --short-name bench --name Bench >/dev/null
"$loadgen" accounts --count 1000 --org bench > "$work/accounts.jsonl"
"$bin" account import < "$work/accounts.jsonl" >/dev/null
"$bin" serve 2>>"$work/server.log" &
server_pid=$!
wait_for_server "$base" || { cat "$work/server.log"; exit 1; }
"$loadgen" register --target "$base" --accounts "$work/accounts.jsonl" --out "$work/passkeys.jsonl" --concurrency 4 >/dev/null

rss_mb() { awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$server_pid/status"; }
wal_mb() { python3 -c 'import os,sys; p=sys.argv[1]; print(f"{os.path.getsize(p)/2**20:.1f}" if os.path.exists(p) else "0.0")' "$work/latchkey.db-wal"; }
echo "soak: $minutes one-minute rounds of the mixed run ($(nproc) cores); server RSS at start $(rss_mb) MB"
printf '%5s %12s %10s %9s %10s %9s\n' round passkey/s password/s failures "RSS MB" "WAL MB"
failures=0
for round in $(seq "$minutes"); do
  out=$("$loadgen" run --mode mixed --concurrency 4 --password-concurrency 8 --seconds 60 \
    --target "$base" --passkeys "$work/passkeys.jsonl" --accounts "$work/accounts.jsonl" --json)
  read -r passkeys passwords errors < <(python3 -c '
import json, sys
results = dict((name.strip(), s) for name, s in json.loads(sys.stdin.read())["results"])
passkey, password = results["passkey sign-in"], results["password sign-in"]
print("%.0f %.1f %d" % (passkey["per_second"], password["per_second"], passkey["errors"] + password["errors"]))' <<<"$out")
  failures=$((failures + errors))
  printf '%5s %12s %10s %9s %10s %9s\n' "$round" "$passkeys" "$passwords" "$errors" "$(rss_mb)" "$(wal_mb)"
done
wal=$(wal_mb)
echo "soak: $failures failed requests; server RSS at end $(rss_mb) MB; WAL at end $wal MB"
if grep -n "panicked" "$work/server.log"; then echo "the server panicked"; exit 1; fi
[ "$failures" = 0 ] || { echo "soak: requests failed"; exit 1; }
python3 -c "import sys; sys.exit(0 if $wal <= 128 else 1)" || { echo "soak: the WAL grew past 128 MiB"; exit 1; }
echo "soak: ok"
