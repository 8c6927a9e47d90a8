#!/usr/bin/env bash
# Builds the app and packs it for upload as a Freshworks custom app: target/ghl-bridge.zip.
#   bash scripts/package.sh
# The zip holds manifest.json, app/ (with the built pkg/ and pkg-js/), config/, server/ (with
# the built serverless core in server/pkg/), README.md, and the Rust sources the core is built from (Cargo.toml, Cargo.lock, src/)
# for review. Never node_modules/, .tools/ or target/; nor app/pkg/*.wasm, which nothing loads
# (the loader instantiates from the bytes embedded in app/pkg/ghl_bridge_bytes.js).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-app.sh
bash scripts/build-server.sh

OUT="$PWD/target/ghl-bridge.zip"
STAGE=target/package
rm -rf "$STAGE" "$OUT"
mkdir -p "$STAGE"

for p in manifest.json app config server README.md Cargo.toml Cargo.lock src; do
  if [ -e "$p" ]; then
    cp -a "$p" "$STAGE/"
  elif [ "$p" != README.md ]; then
    echo "package: $p is missing" >&2; exit 1
  fi
done
for p in app/pkg/ghl_bridge.js app/pkg/ghl_bridge_bytes.js app/pkg-js/ghl_bridge.js server/server.js server/pkg/core.js; do
  [ -f "$STAGE/$p" ] || { echo "package: $p was not built" >&2; exit 1; }
done
find "$STAGE" \( -name node_modules -o -name .tools -o -name target \) -prune -exec rm -rf {} +
find "$STAGE/app" -name '*.wasm' -delete

cd "$STAGE"
if command -v zip >/dev/null; then
  zip -qrX "$OUT" .
else
  python3 -m zipfile -c "$OUT" ./*
fi
cd - >/dev/null
echo "package: $OUT  $(wc -c <"$OUT") bytes, $(python3 -m zipfile -l "$OUT" | tail -n +2 | wc -l) files"
