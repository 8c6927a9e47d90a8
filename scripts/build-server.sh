#!/usr/bin/env bash
# Builds the sync core for Freshworks serverless into server/pkg/ (git-ignored):
#   server/pkg/core.js     CommonJS module: the optimized .wasm embedded as base64 and a tiny
#                          synchronous loader (no fs, no Buffer, no process, no timers, no imports).
#   server/pkg/core-js.js  the same core as plain JS (wasm2js, route B of research/wasm2js.md),
#                          which core.js loads instead where the sandbox has no WebAssembly.
# usage: bash scripts/build-server.sh [--wasm-only]      (run scripts/setup.sh once before)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f .tools/env.sh ] && . .tools/env.sh
START=$SECONDS
cargo build --release --target wasm32-unknown-unknown -p ghl-bridge --lib --features server --target-dir target/server
mkdir -p server/pkg target/server-build
W=target/server-build/core.wasm
wasm-opt -Oz "target/server/wasm32-unknown-unknown/release/ghl_bridge.wasm" -o "$W"
node scripts/embed-server.mjs "$W" server/pkg/core.js
if [ "${1:-}" != "--wasm-only" ]; then
  # As scripts/build-app.sh's fallback: std rebuilt for the MVP CPU, bulk-memory and
  # float-to-int lowered, then wasm2js; the ES module it writes becomes CommonJS.
  RUSTFLAGS="-C target-cpu=mvp" cargo +nightly build -Zbuild-std=std,panic_abort --release \
    --target wasm32-unknown-unknown -p ghl-bridge --lib --features server --target-dir target/mvp-server
  M=target/server-build
  wasm-opt --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --llvm-memory-copy-fill-lowering --llvm-nontrapping-fptoint-lowering \
    target/mvp-server/wasm32-unknown-unknown/release/ghl_bridge.wasm -o "$M/low.wasm"
  wasm-opt -Oz "$M/low.wasm" -o "$M/opt.wasm"
  wasm2js -Oz "$M/opt.wasm" -o "$M/core_js.mjs"
  esbuild "$M/core_js.mjs" --bundle --format=cjs --minify --log-level=warning --outfile=server/pkg/core-js.js
  if grep -q 'WebAssembly' server/pkg/core-js.js; then
    echo "build-server: the JS fallback still refers to WebAssembly" >&2; exit 1
  fi
  printf 'server core, JS fallback: server/pkg/core-js.js %d bytes (gzip %d)\n' "$(wc -c <server/pkg/core-js.js)" "$(gzip -9c server/pkg/core-js.js | wc -c)"
else
  rm -f server/pkg/core-js.js
fi
printf 'server core: wasm %d bytes (gzip %d), server/pkg/core.js %d bytes, in %d s\n' \
  "$(wc -c <"$W")" "$(gzip -9c "$W" | wc -c)" "$(wc -c <server/pkg/core.js)" "$((SECONDS - START))"
