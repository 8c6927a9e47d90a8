#!/usr/bin/env bash
# One-command setup: installs every tool the build, tests and demo need, idempotently.
#   bash scripts/setup.sh && . .tools/env.sh
# A fresh machine takes ~2.5 min (almost all of it building wasm-bindgen-cli); a re-run ~1 s.
# Network used: rustup's server, the crate registry, the npm registry, Debian apt. Nothing else.
# Never Debian's `binaryen`: its wasm-opt (108) silently breaks wasm-bindgen output; wasm-opt
# comes from npm `binaryen` (package.json).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TOOLS="$ROOT/.tools"
mkdir -p "$TOOLS"

have() { command -v "$1" >/dev/null 2>&1; }
need() { have "$1" || { echo "setup: '$1' is required but not installed ($2)" >&2; exit 1; }; }
need rustup "https://rustup.rs"
need cargo "rustup"
need node "Node.js 20+"
need npm "Node.js 20+"

# 1. Rust: wasm32 std on stable (the app) and nightly + rust-src (the no-WebAssembly fallback,
#    which rebuilds std for the MVP CPU; see scripts/build-app.sh).
if ! rustup toolchain list | grep -q '^nightly-'; then
  rustup toolchain install nightly --profile minimal
fi
for tc in stable nightly; do
  rustup target list --toolchain "$tc" --installed | grep -qx wasm32-unknown-unknown \
    || rustup target add --toolchain "$tc" wasm32-unknown-unknown
done
rustup component list --toolchain nightly --installed | grep -qx 'rust-src' \
  || rustup component add rust-src --toolchain nightly

# 2. Chromium + ChromeDriver from Debian (wasm-bindgen-test-runner and the e2e tests drive them).
if ! have chromium || ! have chromedriver; then
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver
fi

# 3. wasm-bindgen-cli, exactly the version Cargo.lock holds (the CLI must match the crate).
#    No --locked: the CLI's own lockfile pins a crate version the registry doesn't have.
WB=$(awk '$0=="name = \"wasm-bindgen\"" {getline; gsub(/"/, "", $3); print $3; exit}' Cargo.lock)
[ -n "$WB" ] || { echo "setup: no wasm-bindgen in Cargo.lock" >&2; exit 1; }
# Built once per machine, outside the checkout, so fresh clones (CI) reuse it.
WBDIR="${GHL_BRIDGE_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/ghl-bridge}/wasm-bindgen-$WB"
if [ "$("$WBDIR/bin/wasm-bindgen" --version 2>/dev/null)" != "wasm-bindgen $WB" ] \
   || [ ! -x "$WBDIR/bin/wasm-bindgen-test-runner" ]; then
  cargo install wasm-bindgen-cli --version "=$WB" --root "$WBDIR"
fi

# 4. npm devDependencies (binaryen's wasm-opt/wasm2js, esbuild, playwright-core, c8, Crayons),
#    exactly as package-lock.json pins them. Re-run only when the lockfile changed.
STAMP=node_modules/.package-lock.json
if [ ! -f "$STAMP" ] || [ package-lock.json -nt "$STAMP" ] || [ package.json -nt "$STAMP" ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

# 5. Crayons' icon set, pinned, for devhost and the e2e tests to serve offline. Crayons fetches
#    each fw-icon from jsDelivr's unpinned `crayons-icon@next`; devhost and tests/e2e/harness.mjs
#    answer those URLs from this copy. Not a devDependency: its package.json depends on `fs`,
#    which the registry has no version of, so `npm install` fails; `npm pack` fetches only its
#    tarball (the registry's checksum, checked again against the one pinned here).
ICON_VER=1.3.1
ICON_SRI=sha512-LkU/Cp+UZ4Z64BTdy+mc2JmunRiBR8EBYJRJUU9KQr8nVhSOVnI8+s6f3tyD1rjX+JwWGkM7ICPTIuttPSdk4A==
ICON_DIR=node_modules/@freshworks/crayons-icon
if [ "$(node -p "require('./$ICON_DIR/package.json').version" 2>/dev/null)" != "$ICON_VER" ]; then
  ICON_TMP=$(mktemp -d "$TOOLS/crayons-icon.XXXXXX")
  (cd "$ICON_TMP" && npm pack --silent "@freshworks/crayons-icon@$ICON_VER" >/dev/null)
  GOT="sha512-$(openssl dgst -sha512 -binary "$ICON_TMP"/*.tgz | base64 -w0)"
  [ "$GOT" = "$ICON_SRI" ] || { echo "setup: crayons-icon $ICON_VER checksum mismatch" >&2; exit 1; }
  rm -rf "$ICON_DIR" && mkdir -p "$ICON_DIR"
  tar xzf "$ICON_TMP"/*.tgz -C "$ICON_DIR" --strip-components=1 package/package.json package/LICENSE.md package/dist/icons
  rm -rf "$ICON_TMP"
fi

cat > "$TOOLS/env.sh" <<ENV
# Written by scripts/setup.sh; source it: . .tools/env.sh
export PATH="$WBDIR/bin:$ROOT/node_modules/.bin:\$PATH"
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
export CHROMEDRIVER="$(command -v chromedriver)"
ENV
. "$TOOLS/env.sh"

# One line per tool, with its version.
printf '%-25s %s\n' \
  rustc "$(rustc --version)" \
  "rustc (nightly)" "$(rustc +nightly --version)" \
  node "$(node --version)" \
  wasm-bindgen "$(wasm-bindgen --version)" \
  wasm-bindgen-test-runner "$(wasm-bindgen-test-runner --version)" \
  wasm-opt "$(wasm-opt --version)" \
  esbuild "$(esbuild --version)" \
  playwright-core "$(node -p 'require("playwright-core/package.json").version')" \
  chromium "$(chromium --version 2>/dev/null)" \
  chromedriver "$(chromedriver --version | cut -d' ' -f1-2)"
