#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is missing, then
#   formatting, clippy (native and wasm32, -D warnings), the Rust tests on
#   SQLite, the server tests again on PostgreSQL (a private throwaway
#   cluster), the site build, schemathesis against the running API's OpenAPI
#   description, the crash-safety check, the Playwright suite in Chromium,
#   and the page budget (release build).
# Stops at the first failing step and exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# cargo-leptos builds with this set; setting it for every step keeps cargo
# from rebuilding the leptos crates (they read it with option_env!) in between.
export LEPTOS_OUTPUT_NAME=latchkey

scripts/setup.sh --test

step() { printf '\n\033[1m==> %s\033[0m\n' "$1"; shift; "$@"; }

step "cargo fmt" cargo fmt --all --check
step "clippy (native)" cargo clippy -p common -p server -p softauthn -p latchkey-bench --all-targets --locked -- -D warnings
step "clippy (wasm32)" cargo clippy -p common -p app -p frontend --target wasm32-unknown-unknown --locked -- -D warnings
step "Rust tests (SQLite)" cargo test -p common -p server -p softauthn -p latchkey-bench --locked

# --- PostgreSQL: a private cluster on a temporary directory and port. ------
pg_dir=""
stop_postgres() {
  if [ -n "$pg_dir" ] && [ -f "$pg_dir/data/postmaster.pid" ]; then
    as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  [ -n "$pg_dir" ] && rm -rf "$pg_dir"
  return 0
}
trap stop_postgres EXIT
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -n "${LATCHKEY_TEST_DATABASE_URL:-}" ]; then
  step "Rust tests (PostgreSQL at \$LATCHKEY_TEST_DATABASE_URL)" cargo test -p server --test api --locked
elif [ -n "$pg_bin" ] && { [ "$(id -u)" -ne 0 ] || id postgres >/dev/null 2>&1; }; then
  pg_dir=$(mktemp -d /tmp/latchkey-pg.XXXXXX)
  pg_port=${LATCHKEY_TEST_PG_PORT:-55432}
  [ "$(id -u)" -eq 0 ] && chown postgres "$pg_dir"
  # Trust authentication is safe here: the cluster listens on loopback only,
  # lives in a fresh temporary directory, and is removed when the tests end.
  as_pg "$pg_bin/initdb" -D "$pg_dir/data" --auth=trust -U latchkey >"$pg_dir/initdb.log"
  as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w \
    -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
  LATCHKEY_TEST_DATABASE_URL="postgres://latchkey@127.0.0.1:$pg_port/postgres" \
    step "Rust tests (PostgreSQL, private cluster on port $pg_port)" cargo test -p server --test api --locked
  stop_postgres; pg_dir=""
else
  printf '\n\033[1;33m==> SKIPPED: server tests on PostgreSQL (PostgreSQL is not installed).\033[0m\n'
fi

# --- Browser tests. --------------------------------------------------------
step "build the site (cargo leptos build)" cargo leptos build
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
export LATCHKEY_BIN="$target_dir/debug/latchkey"
step "schemathesis against /api/openapi.json" scripts/schemathesis.sh "$LATCHKEY_BIN"
step "build the load generator" cargo build -p latchkey-bench --bin loadgen --locked
step "crash safety (SIGKILL mid-registration)" scripts/crash-safety.sh "$LATCHKEY_BIN" "$target_dir/debug/loadgen"
(cd "$root/end2end" && step "Playwright (Chromium, virtual authenticator)" npx playwright test)
# Last: its release build replaces the debug bundle the browser tests used.
step "page budget (release bundle, wasm-opt, gzip)" scripts/page-budget.sh

printf '\n\033[1;32m==> all checks passed\033[0m\n'
