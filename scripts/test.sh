#!/usr/bin/env bash
# THE test command (README, .ci/run):  bash scripts/test.sh
# Installs what is missing (scripts/setup.sh), then runs every check in order and stops at the
# first failure. A summary with each step's time is printed at the end, pass or fail.
set -euo pipefail
cd "$(dirname "$0")/.."

DONE=()
CURRENT=""
START=$SECONDS
summary() {
  local rc=$?
  echo
  echo "== test summary"
  local line
  for line in "${DONE[@]}"; do echo "  ok    $line"; done
  if [ "$rc" -ne 0 ] && [ -n "$CURRENT" ]; then echo "  FAIL  $CURRENT (exit $rc)"; fi
  if [ "$rc" -eq 0 ]; then echo "all passed in $((SECONDS - START)) s"; else echo "FAILED after $((SECONDS - START)) s"; fi
}
trap summary EXIT
trap 'exit 143' TERM INT # a stopped run still prints its summary, naming the step it was in

# run NAME COMMAND...: one step; set -e stops the script when it fails.
run() {
  CURRENT=$1; shift
  local t=$SECONDS
  printf '\n== %s\n' "$CURRENT"
  "$@"
  DONE+=("$CURRENT ($((SECONDS - t)) s)")
  CURRENT=""
}

# Chromium sessions of wasm-bindgen-test-runner leave profile dirs in TMPDIR: keep them in target/.
wasm_tests() {
  local tmp="$PWD/target/chromium-tmp" rc=0
  mkdir -p "$tmp"
  TMPDIR="$tmp" timeout -k 10 900 cargo test --target wasm32-unknown-unknown -p ghl-bridge --tests || rc=$?
  rm -rf "$tmp"
  return "$rc"
}

# Browser e2e, one file at a time, each with a time limit: a hang fails the run and names the
# file instead of stalling it: node:test cancels what runs past 540 s (reporting which test
# hung), timeout(1) stops the file at 600 s.
e2e_tests() {
  local f t
  for f in tests/e2e/*.test.mjs; do
    t=$SECONDS
    if ! DEVHOST_NO_BUILD=1 timeout -k 10 600 node --test --test-timeout=540000 "$f"; then
      echo "e2e: $f failed (or ran out of time) after $((SECONDS - t)) s"
      return 1
    fi
    echo "e2e: $f passed in $((SECONDS - t)) s"
  done
}

# The serverless sync in the emulated sandbox against devhost; c8 measures the hand-written
# server JavaScript (the generated server/pkg/ is excluded) and fails below 80 %.
server_tests() {
  cargo build -q -p devhost
  node_modules/.bin/c8 --include server/server.js --exclude 'server/pkg/**' --reporter text \
    --reports-dir target/coverage-server --temp-directory target/coverage-server/tmp \
    --check-coverage --statements 80 --branches 80 \
    timeout -k 10 900 node --test --test-timeout=840000 tests/server/*.test.mjs
}

run "setup" bash scripts/setup.sh
. .tools/env.sh

# ---- The steps. Add new checks here as `run "name" command args…` (they run in this order). ----
# First: devhost's background sync runs this core (devhost/tests/schedule.rs, the e2e sync tests).
run "build server core (serverless wasm)" bash scripts/build-server.sh
run "cargo test (host)" cargo test --workspace --all-features
run "cargo test (wasm32, Node + Chromium)" wasm_tests
run "build app (wasm + JS fallback)" bash scripts/build-app.sh
run "build devhost (for e2e)" cargo build -p devhost
run "browser e2e (node --test, per file)" e2e_tests
run "server sync (node:vm sandbox + devhost, c8 >= 80 %)" server_tests
# ---- end of steps ----
