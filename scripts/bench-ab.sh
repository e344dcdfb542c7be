#!/usr/bin/env bash
# Side-by-side probes for one change, passkey sign-ins only (the full
# report is scripts/bench.sh):
#
#   scripts/bench-ab.sh BIN_A BIN_B [ROUNDS]
#       two server builds on SQLite, each on its own copy of the same 1,000
#       accounts, alternating ROUNDS times (default 3), 16 clients, 10 s;
#       RATE=N paces the clients at N sign-ins/s in all.
#   scripts/bench-ab.sh --pg-synchronous-commit BIN [ROUNDS]
#       one build on a private PostgreSQL cluster, alternating PostgreSQL's
#       synchronous_commit on (its default) and off: what its commit flushes
#       cost.
#
# Each line: sign-ins/s, p50, p99, the server's CPU per sign-in (from /proc),
# and on SQLite the group commit's batches and the writes they held.
# Build the binaries with `cargo build --release -p server --bin latchkey`
# (copy each build aside) and the load generator with
# `cargo build --release -p latchkey-bench --bin loadgen`.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
loadgen="$target_dir/release/loadgen"
port=3190 metrics_port=3191
work=$(mktemp -d /tmp/latchkey-ab.XXXXXX)
pid=""
source scripts/lib/postgres.sh
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; pg_stop; rm -rf "$work"; return 0; }
trap cleanup EXIT
mkdir -p "$work/site"
"$loadgen" accounts --count 1000 --org bench > "$work/accounts.jsonl"

# $1 binary, $2 database URL, $3 data folder: imports the accounts.
setup() {
  mkdir -p "$3"
  DATABASE_URL=$2 LATCHKEY_DATA_DIR=$3 "$1" org create --short-name bench --name Bench >/dev/null
  DATABASE_URL=$2 LATCHKEY_DATA_DIR=$3 "$1" account import < "$work/accounts.jsonl" >/dev/null
}
# $1 binary, $2 database URL, $3 data folder: starts it; sets pid.
serve() {
  DATABASE_URL=$2 LATCHKEY_DATA_DIR=$3 LEPTOS_SITE_ADDR=127.0.0.1:$port LEPTOS_SITE_ROOT="$work/site" \
  LATCHKEY_ORIGIN=http://localhost:$port LATCHKEY_METRICS_ADDR=127.0.0.1:$metrics_port \
  LATCHKEY_LIMIT_CEREMONY_STARTS=100000000 LATCHKEY_LIMIT_SECRET_CHECKS=100000000 RUST_LOG=warn \
    "$1" serve 2>>"$work/server.log" &
  pid=$!
  source scripts/lib/server.sh
  wait_for_server "http://localhost:$port" || exit 1
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }
register() { "$loadgen" register --target "http://localhost:$port" --accounts "$work/accounts.jsonl" --out "$1" --concurrency 4 >/dev/null; }
# $1 label, $2 passkeys file: one measured run against the server started.
run() {
  local out batches
  out=$("$loadgen" run --mode passkey --concurrency "${CONC:-16}" ${RATE:+--rate "$RATE"} \
    --target "http://localhost:$port" --passkeys "$2" --seconds 10 --pid "$pid" --json)
  batches=$(curl -s "http://127.0.0.1:$metrics_port/metrics" | awk '/^latchkey_db_write_batches_total/ { b = $2 } /^latchkey_db_batched_writes_total/ { w = $2 } END { if (b) printf "%d batches, %d writes", b, w }')
  python3 - "$1" "$out" "$batches" <<'PY'
import json, sys
label, out, batches = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
s = out["results"][0][1]
cpu = out.get("server_cpu_seconds") or 0
per = cpu / max(s["count"], 1) * 1e6
print(f"{label:<28} {s['per_second']:8.1f}/s  p50 {s['p50']:6.2f} ms  p99 {s['p99']:6.2f} ms  "
      f"CPU {per:5.0f} us/sign-in  errors {s['errors']}  {batches}")
PY
}

if [ "${1:-}" = "--pg-synchronous-commit" ]; then
  bin=$2 rounds=${3:-2}
  pg_start "${BENCH_PG_PORT:-55460}" || { echo "no PostgreSQL cluster could be started" >&2; exit 1; }
  setup "$bin" "$PG_URL" "$work/pg"
  serve "$bin" "$PG_URL" "$work/pg"; register "$work/pg.passkeys"; stop
  for round in $(seq "$rounds"); do
    for mode in on off; do
      psql "$PG_URL" -qc "ALTER SYSTEM SET synchronous_commit = $mode" -c "SELECT pg_reload_conf()" >/dev/null
      serve "$bin" "$PG_URL" "$work/pg"
      run "round $round synchronous_commit=$mode" "$work/pg.passkeys"
      stop
    done
  done
  exit 0
fi

a=$1 b=$2 rounds=${3:-3}
for side in a b; do
  bin=$a; [ "$side" = b ] && bin=$b
  setup "$bin" "sqlite://$work/$side/l.db" "$work/$side"
  serve "$bin" "sqlite://$work/$side/l.db" "$work/$side"; register "$work/$side.passkeys"; stop
done
sync
for round in $(seq "$rounds"); do
  for side in a b; do
    bin=$a; [ "$side" = b ] && bin=$b
    serve "$bin" "sqlite://$work/$side/l.db" "$work/$side"
    run "round $round $side ($(basename "$bin"))" "$work/$side.passkeys"
    stop
  done
done
