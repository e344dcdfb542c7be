#!/usr/bin/env bash
# The page budget: builds the release site (wasm-opt, precompressed br/gzip,
# hashed names, split by route), measures what the login page loads — the
# JS loader, the split loader it imports, and the main wasm — gzip-compressed,
# fails if it exceeds the budget, and checks how the release server serves
# them (precompressed, immutable caching). The console's pages are lazy
# routes (`cargo leptos --split`): their chunks load when first visited and
# are listed, not counted.
#
# Budget: LATCHKEY_PAGE_BUDGET_KB, default 300 KB: the login page after the
# console's pages were split off (290.7 KB; 325.4 KB when everything was one
# wasm) plus a little, so that growth fails the test command. The product
# target is 120 KB and is not met (BENCHMARKS.md, "Page weight").
set -euo pipefail
cd "$(dirname "$0")/.."
budget_kb=${LATCHKEY_PAGE_BUDGET_KB:-300}
export LEPTOS_OUTPUT_NAME=latchkey

# wasm-opt from npm's binaryen (Debian's binaryen 108 silently breaks the
# wasm's externref table; cargo-leptos cannot download its own here).
tools="${XDG_CACHE_HOME:-$HOME/.cache}/latchkey/binaryen"
if [ ! -x "$tools/node_modules/.bin/wasm-opt" ]; then
  npm install --prefix "$tools" --no-audit --no-fund binaryen@132.0.0 >&2
fi
export PATH="$tools/node_modules/.bin:$PATH"

cargo leptos build --release --precompress --split >&2
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
hash_file="$target_dir/release/hash.txt"
hash_of() { awk -F': *' -v k="$1" '$1 == k { print $2 }' "$hash_file"; }
pkg=target/site/pkg
js="$pkg/latchkey.$(hash_of js).js"
wasm="$pkg/latchkey.$(hash_of wasm).wasm"
css="$pkg/latchkey.$(hash_of css).css"
gz() { gzip -9 -c "$1" | wc -c; }
br_size() { if [ -f "$1.br" ]; then wc -c < "$1.br"; else echo 0; fi; }
# The split loader the main JS imports at start (one, or none unsplit).
split_js=$(ls "$pkg"/__wasm_split.*.js 2>/dev/null | head -n 1 || true)
raw_wasm=$(wc -c < "$wasm"); gz_wasm=$(gz "$wasm"); gz_js=$(gz "$js"); gz_css=$(gz "$css")
gz_split_js=0
[ -n "$split_js" ] && gz_split_js=$(gz "$split_js")
total=$((gz_wasm + gz_js + gz_split_js))
printf 'login page bundle (release, wasm-opt, split by route):\n'
printf '  wasm %7d B raw, %7d B gzip, %7d B brotli\n' "$raw_wasm" "$gz_wasm" "$(br_size "$wasm")"
printf '  js   %7d B raw, %7d B gzip, %7d B brotli (+ split loader %d B gzip)\n' "$(wc -c < "$js")" "$gz_js" "$(br_size "$js")" "$gz_split_js"
printf '  css  %7d B raw, %7d B gzip\n' "$(wc -c < "$css")" "$gz_css"
printf '  wasm + js gzip: %d B = %.1f KB (budget %s KB, target 120 KB)\n' "$total" "$(awk -v t="$total" 'BEGIN { print t / 1024 }')" "$budget_kb"
for chunk in "$pkg"/split_*.wasm "$pkg"/chunk_*.wasm; do
  [ -f "$chunk" ] || continue
  printf '  loaded later: %-60s %7d B gzip\n' "$(basename "$chunk")" "$(gz "$chunk")"
done

# How the release server serves them.
port=${LATCHKEY_BUDGET_PORT:-3165}
work=$(mktemp -d /tmp/latchkey-budget.XXXXXX)
LATCHKEY_DATA_DIR="$work" DATABASE_URL="sqlite://$work/l.db" LEPTOS_SITE_ADDR="127.0.0.1:$port" \
  LEPTOS_SITE_ROOT="$PWD/target/site" LATCHKEY_ORIGIN="http://localhost:$port" RUST_LOG=warn \
  "$target_dir/release/latchkey" serve >"$work/log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
source scripts/lib/server.sh
wait_for_server "http://localhost:$port"
page=$(curl -fsS "http://localhost:$port/login")
headers=$(curl -fsS -o /dev/null -D - -H 'accept-encoding: br, gzip' "http://localhost:$port/pkg/$(basename "$wasm")" | tr -d '\r')
shell_headers=$(curl -fsS -o /dev/null -D - "http://localhost:$port/login" | tr -d '\r')
fail=0
grep -q "$(basename "$js" .js)" <<<"$page" || { echo "FAIL: the shell does not load $(basename "$js")"; fail=1; }
grep -qi '^content-encoding: br' <<<"$headers" || { echo "FAIL: the wasm is not served precompressed (br)"; fail=1; }
grep -qi '^cache-control: public, max-age=31536000, immutable' <<<"$headers" || { echo "FAIL: hashed files are not cached as immutable"; fail=1; }
grep -qi '^cache-control: no-cache' <<<"$shell_headers" || { echo "FAIL: the shell must be revalidated (no-cache)"; fail=1; }
# A lazy route's chunk is served like the main wasm.
for chunk in "$pkg"/split_*.wasm; do
  [ -f "$chunk" ] || continue
  chunk_headers=$(curl -fsS -o /dev/null -D - -H 'accept-encoding: br, gzip' "http://localhost:$port/pkg/$(basename "$chunk")" | tr -d '\r')
  grep -qi '^cache-control: public, max-age=31536000, immutable' <<<"$chunk_headers" \
    && grep -qi '^content-encoding: br' <<<"$chunk_headers" \
    || { echo "FAIL: $(basename "$chunk") is not served precompressed and immutable"; fail=1; }
done
[ $fail -eq 0 ] && echo "  served: hashed names, br/gzip precompressed, Cache-Control immutable; shell no-cache"
if [ "$total" -gt $((budget_kb * 1024)) ]; then
  echo "FAIL: wasm + js is $total B gzip, over the budget of $budget_kb KB"; fail=1
fi
exit $fail
