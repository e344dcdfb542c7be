#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is missing, then
#   formatting, the SECURITY.md test names, clippy (native and wasm32, -D warnings), the Rust tests on
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

# A full disk shows up much later as unrelated failures (PostgreSQL aborts on
# ENOSPC); say so up front. The suite needs about 4 GiB of scratch space.
for dir in /tmp "${CARGO_TARGET_DIR:-$root/target}"; do
  mkdir -p "$dir"
  free_kib=$(df -Pk "$dir" | awk 'NR == 2 { print $4 }')
  if [ "$free_kib" -lt $((4 * 1024 * 1024)) ]; then
    printf '\033[1;31mOnly %s MiB free under %s; the suite needs about 4 GiB.\033[0m\n' "$((free_kib / 1024))" "$dir" >&2
    exit 1
  fi
done

step "cargo fmt" cargo fmt --all --check
step "SECURITY.md names only tests that exist" python3 scripts/check-security-md.py
step "clippy (native)" cargo clippy -p common -p domain -p server -p softauthn -p latchkey-bench --all-targets --locked -- -D warnings
step "clippy (wasm32)" cargo clippy -p common -p app -p frontend --target wasm32-unknown-unknown --locked -- -D warnings
step "Rust tests (SQLite)" cargo test -p common -p domain -p server -p softauthn -p latchkey-bench -p app --locked

# --- PostgreSQL: a private cluster on a temporary directory and port. ------
source scripts/lib/postgres.sh
trap pg_stop EXIT
# 0: started; 1: PostgreSQL is not installed (skipped); 2: it did not start.
pg_status=0
if [ -z "${LATCHKEY_TEST_DATABASE_URL:-}" ]; then
  PG_EXTRA_OPTIONS="-c fsync=off" pg_start "${LATCHKEY_TEST_PG_PORT:-55432}" || pg_status=$?
  [ "$pg_status" -le 1 ] || exit 1
fi
if [ -n "${LATCHKEY_TEST_DATABASE_URL:-}" ]; then
  step "Rust tests (PostgreSQL at \$LATCHKEY_TEST_DATABASE_URL)" cargo test -p server --test api --locked
elif [ "$pg_status" -eq 0 ]; then
  if ! LATCHKEY_TEST_DATABASE_URL=$PG_URL \
    step "Rust tests (PostgreSQL, private cluster)" cargo test -p server --test api --locked; then
    printf '\n==> the last lines of the PostgreSQL server log:\n' >&2
    tail -n 20 "$PG_DIR/server.log" >&2 || true
    exit 1
  fi
  pg_stop
else
  printf '\n\033[1;33m==> SKIPPED: server tests on PostgreSQL (PostgreSQL is not installed).\033[0m\n'
fi

# --- Browser tests. --------------------------------------------------------
step "build the site (cargo leptos build --split)" cargo leptos build --split
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
export LATCHKEY_BIN="$target_dir/debug/latchkey"
step "schemathesis against /api/openapi.json" scripts/schemathesis.sh "$LATCHKEY_BIN"
step "build the load generator" cargo build -p latchkey-bench --bin loadgen --locked
step "crash safety (SIGKILL mid-registration, SIGTERM under load)" scripts/crash-safety.sh "$LATCHKEY_BIN" "$target_dir/debug/loadgen"
step "database outage (PostgreSQL stopped under load, then back)" scripts/outage.sh "$LATCHKEY_BIN"
(cd "$root/end2end" && step "Playwright (Chromium, virtual authenticator)" npx playwright test)
# Last: its release build replaces the debug bundle the browser tests used.
step "page budget (release bundle, wasm-opt, gzip)" scripts/page-budget.sh

printf '\n\033[1;32m==> all checks passed\033[0m\n'
