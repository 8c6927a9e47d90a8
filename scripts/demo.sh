#!/usr/bin/env bash
# THE demo command (README):  bash scripts/demo.sh [devhost args…]
# Installs what is missing, builds the app and the serverless sync core, then runs devhost, the
# local stand-in for the Freshworks host page and the APIs behind it, with the background sync
# (server/server.js in the emulated sandbox); it prints the URL to open.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .tools/env.sh
bash scripts/build-app.sh
bash scripts/build-server.sh
exec cargo run --release -p devhost -- "$@"
