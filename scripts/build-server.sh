#!/usr/bin/env bash
# Builds the sync core for Freshworks serverless into server/pkg/ (git-ignored):
#   server/pkg/core.js  CommonJS module: the optimized .wasm embedded as base64 and a tiny
#                       synchronous loader (no fs, no Buffer, no process, no timers, no imports).
# usage: bash scripts/build-server.sh        (run scripts/setup.sh once before)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f .tools/env.sh ] && . .tools/env.sh
START=$SECONDS
cargo build --release --target wasm32-unknown-unknown -p ghl-bridge --lib --features server --target-dir target/server
mkdir -p server/pkg target/server-build
W=target/server-build/core.wasm
wasm-opt -Oz "target/server/wasm32-unknown-unknown/release/ghl_bridge.wasm" -o "$W"
node scripts/embed-server.mjs "$W" server/pkg/core.js
printf 'server core: wasm %d bytes (gzip %d), server/pkg/core.js %d bytes, in %d s\n' \
  "$(wc -c <"$W")" "$(gzip -9c "$W" | wc -c)" "$(wc -c <server/pkg/core.js)" "$((SECONDS - START))"
