#!/usr/bin/env bash
# Started by Playwright (webServer): a Latchkey server on the SQLite database
# in end2end/.data, at http://localhost:$E2E_PORT. With E2E_FRESH_DB=1 the
# database is first deleted, so a run starts empty. LATCHKEY_ORIGIN, when
# set, names the address browsers use instead (a TLS proxy's).
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd .. && pwd)
if [ "${E2E_FRESH_DB:-}" = 1 ]; then rm -rf .data; fi
mkdir -p .data
export LATCHKEY_DATA_DIR="$PWD/.data"   # the outbox is .data/outbox
export DATABASE_URL="sqlite://$PWD/.data/latchkey.db"
export LEPTOS_SITE_ADDR="127.0.0.1:${E2E_PORT:?}"
export LEPTOS_SITE_ROOT="$root/target/site"
export LEPTOS_OUTPUT_NAME=latchkey
export LATCHKEY_ORIGIN="${LATCHKEY_ORIGIN:-http://localhost:${E2E_PORT}}"
# Every test browser connects from 127.0.0.1: one address for the whole
# suite, so the per-address limits are raised (the API tests check them).
export LATCHKEY_LIMIT_CEREMONY_STARTS=100000
export LATCHKEY_LIMIT_SECRET_CHECKS=100000
export LATCHKEY_LIMIT_EMAILS_PER_HOUR=100000
export RUST_LOG="${RUST_LOG:-info,sqlx=warn,tower_http=warn}"
exec "${LATCHKEY_BIN:-$root/target/debug/latchkey}" serve
