#!/usr/bin/env bash
# THE demo command (README):  bash scripts/demo.sh [devhost args…]
# Installs what is missing, builds the app, then runs devhost, the local stand-in for the
# Freshworks host page and the APIs behind it; it prints the URL to open.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .tools/env.sh
bash scripts/build-app.sh
exec cargo run --release -p devhost -- "$@"
