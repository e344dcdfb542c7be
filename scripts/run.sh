#!/usr/bin/env bash
# Quick start: installs what is missing, then builds and serves Latchkey on
# SQLite at http://localhost:3000 with demo data (created on first start).
# Stop with Ctrl-C. The database lives in ./data; delete it to start over.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export LATCHKEY_DEMO="${LATCHKEY_DEMO:-true}"
exec cargo leptos serve --split "$@"
