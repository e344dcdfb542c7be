#!/usr/bin/env bash
# Installs whatever is missing to build, run and test Latchkey, and nothing
# that is already there. Safe to run again; quick when everything is present.
#
#   scripts/setup.sh          tools to build and run (Rust target, cargo-leptos, wasm-bindgen)
#   scripts/setup.sh --test   also what the tests need (Chromium, Playwright, PostgreSQL)
#
# Versions are pinned to ones known to build on this project's machines:
# cargo-leptos 0.3.11 needs a newer rustc; wasm-bindgen-cli must equal the
# wasm-bindgen version in Cargo.lock.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.10
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)

want_test=false
[ "${1:-}" = "--test" ] && want_test=true

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# Debian packages, installed only when missing. Needs root (CI and dev machines run as root).
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# openssl headers for native crates, pkg-config to find them.
apt_install pkg-config libssl-dev

if ! rustup target list --installed | grep -q '^wasm32-unknown-unknown$'; then
  say "adding the wasm32 Rust target"
  rustup target add wasm32-unknown-unknown
fi

if ! cargo leptos --version 2>/dev/null | grep -q " ${CARGO_LEPTOS_VERSION}\$"; then
  say "installing cargo-leptos ${CARGO_LEPTOS_VERSION} (takes ~13 minutes once)"
  cargo install cargo-leptos --version "${CARGO_LEPTOS_VERSION}" --locked
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q " ${WASM_BINDGEN_VERSION}\$"; then
  say "installing wasm-bindgen-cli ${WASM_BINDGEN_VERSION}"
  cargo install wasm-bindgen-cli --version "${WASM_BINDGEN_VERSION}" --force
fi

if $want_test; then
  # Debian's Chromium: Playwright must never download a browser of its own.
  apt_install chromium
  # PostgreSQL, for running the server tests a second time against it.
  # Best effort: without it those tests are skipped, and say so.
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    apt_install postgresql || say "PostgreSQL could not be installed: its tests will be skipped"
  fi
  if [ ! -d end2end/node_modules/@playwright/test ] || [ ! -d end2end/node_modules/@axe-core/playwright ] \
     || [ ! -d end2end/node_modules/oidc-provider ]; then
    say "installing the Playwright test runner and the test OpenID Provider (npm)"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  fi
fi
