#!/usr/bin/env bash
# The benchmark command (not a test; it asserts nothing):  bash scripts/bench.sh
# Builds the app and devhost, then prints a table (scripts/bench.mjs): payload bytes raw/gzip,
# app.activated → timeline rendered with 200 ms latency per proxied request for a linked and an
# unlinked contact, requests per open, and a contact with 1,000 timeline items.
#   BENCH_RUNS=N      runs per row (median; default 5)
#   BENCH_NO_BUILD=1  skip the builds (measure what app/pkg*/ and target/debug/devhost hold)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
. .tools/env.sh
if [ "${BENCH_NO_BUILD:-}" != 1 ]; then
  bash scripts/build-app.sh >/dev/null
  cargo build -q -p devhost
fi
# node:test prints a TAP header once its hooks are imported (tests/e2e/harness.mjs); drop it.
DEVHOST_NO_BUILD=1 node scripts/bench.mjs | grep -v "^TAP version"
