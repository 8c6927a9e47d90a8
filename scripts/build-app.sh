#!/usr/bin/env bash
# Builds the app's Rust core for the browser, into git-ignored folders under app/:
#   app/pkg/     the WebAssembly build: ghl_bridge.js (wasm-bindgen --target web glue, minified)
#                and ghl_bridge_bytes.js (the optimized .wasm embedded as base64; the loader
#                instantiates from these bytes and never fetches). ghl_bridge_bg.wasm is kept
#                beside them for size checks only; nothing loads it and package.sh leaves it out.
#   app/pkg-js/  the same crate as plain JS (binaryen wasm2js), for pages whose CSP refuses
#                WebAssembly: ghl_bridge.js, one self-contained module.
# usage: bash scripts/build-app.sh [--wasm-only]     (run scripts/setup.sh once before)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f .tools/env.sh ] || { echo "build-app: run 'bash scripts/setup.sh' first" >&2; exit 1; }
. .tools/env.sh

WASM_ONLY=0
case "${1:-}" in
  "") ;;
  --wasm-only) WASM_ONLY=1 ;;
  *) echo "usage: bash scripts/build-app.sh [--wasm-only]" >&2; exit 2 ;;
esac

CRATE=ghl_bridge
STAGE=target/app-build          # intermediate files (unminified glue, unembedded wasm)
START=$SECONDS
step() { printf '\n== %s\n' "$*"; }

# Bundle a wasm-bindgen entry module with whatever it imports into one minified ES module, so a
# cache-busting `import("…/ghl_bridge.js?fresh=N")` re-evaluates all of it: a new instance.
bundle() { esbuild "$1" --bundle --format=esm --minify --log-level=warning --outfile="$2"; }

# ---- (a) WebAssembly build ---------------------------------------------------------------------
step "wasm: cargo build (stable, release)"
cargo build --release --target wasm32-unknown-unknown -p ghl-bridge --lib
rm -rf "$STAGE/web" app/pkg && mkdir -p "$STAGE/web" app/pkg
wasm-bindgen --target web --remove-name-section --remove-producers-section --no-typescript \
  --out-dir "$STAGE/web" "target/wasm32-unknown-unknown/release/$CRATE.wasm"
step "wasm: wasm-opt -Oz (npm binaryen), embed, minify glue"
wasm-opt -Oz "$STAGE/web/${CRATE}_bg.wasm" -o app/pkg/${CRATE}_bg.wasm
node scripts/embed-wasm.mjs app/pkg/${CRATE}_bg.wasm app/pkg/${CRATE}_bytes.js
bundle "$STAGE/web/$CRATE.js" app/pkg/$CRATE.js

# ---- (b) plain-JS fallback (route B of shared/research/wasm2js.md) ------------------------------
# Nightly rebuilds std for the MVP CPU, so the module has no reference types (one table, the
# JS-heap ABI) and wasm2js accepts it. RUSTFLAGS would invalidate the normal build's cache, hence
# the separate target dir.
if [ "$WASM_ONLY" = 0 ]; then
  step "fallback: cargo +nightly build -Zbuild-std (MVP CPU)"
  RUSTFLAGS="-C target-cpu=mvp" cargo +nightly build -Zbuild-std=std,panic_abort \
    --release --target wasm32-unknown-unknown -p ghl-bridge --lib --target-dir target/mvp
  M="$STAGE/mvp"
  rm -rf "$M" app/pkg-js && mkdir -p "$M" app/pkg-js
  # --target bundler: its glue imports the module as ES module exports instead of calling
  # WebAssembly.instantiate (which --target web always does).
  wasm-bindgen --target bundler --no-typescript --out-dir "$M" \
    "target/mvp/wasm32-unknown-unknown/release/$CRATE.wasm"
  step "fallback: lower bulk-memory/fptoint, wasm-opt -Oz, wasm2js"
  wasm-opt --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --llvm-memory-copy-fill-lowering --llvm-nontrapping-fptoint-lowering \
    "$M/${CRATE}_bg.wasm" -o "$M/low.wasm"
  wasm-opt -Oz "$M/low.wasm" -o "$M/opt.wasm"
  wasm2js -Oz "$M/opt.wasm" -o "$M/${CRATE}_bg.wasm.js"
  # Point the glue at the JS module instead of the .wasm.
  sed -i "s#\"\./${CRATE}_bg\.wasm\"#\"./${CRATE}_bg.wasm.js\"#" "$M/$CRATE.js"
  grep -q "${CRATE}_bg.wasm.js" "$M/$CRATE.js" \
    || { echo "build-app: wasm-bindgen's bundler glue changed: no ./${CRATE}_bg.wasm import to redirect" >&2; exit 1; }
  # Memory growth: wasm2js copies memory into a new ArrayBuffer but leaves the old one attached,
  # and wasm-bindgen's glue only refreshes its views when the old buffer is detached, so after a
  # grow it would read and write stale memory. Detach the old buffer on grow. If wasm2js's
  # template changes, stop here rather than ship a build that corrupts data.
  [ "$(grep -c '^ *buffer = newBuffer;$' "$M/${CRATE}_bg.wasm.js")" = 1 ] \
    || { echo "build-app: wasm2js memory.grow template changed: cannot apply the detach patch" >&2; exit 1; }
  sed -i 's#^\( *\)buffer = newBuffer;$#\1if (buffer.transfer) buffer.transfer(0); else structuredClone(buffer, {transfer: [buffer]});\n\1buffer = newBuffer;#' \
    "$M/${CRATE}_bg.wasm.js"
  bundle "$M/$CRATE.js" app/pkg-js/$CRATE.js
  if grep -q 'WebAssembly' app/pkg-js/$CRATE.js; then
    echo "build-app: the JS fallback still refers to WebAssembly" >&2; exit 1
  fi
else
  rm -rf app/pkg-js   # never leave a fallback built from older sources beside a new wasm build
fi

# ---- (c) sizes ---------------------------------------------------------------------------------
gz() { gzip -9c "$1" | wc -c; }
row() { [ -f "$2" ] && printf '%-44s %9d %9d\n' "$1" "$(wc -c <"$2")" "$(gz "$2")"; return 0; }
step "sizes (bytes)"
printf '%-44s %9s %9s\n' artifact raw gzip-9
row "wasm (app/pkg/${CRATE}_bg.wasm)" app/pkg/${CRATE}_bg.wasm
row "JS glue, minified (app/pkg/$CRATE.js)" app/pkg/$CRATE.js
row "JS glue, as wasm-bindgen wrote it" "$STAGE/web/$CRATE.js"
row "embedded wasm (app/pkg/${CRATE}_bytes.js)" app/pkg/${CRATE}_bytes.js
printf '%-44s %+9d %+9d\n' "  embedding cost vs the raw .wasm" \
  $(( $(wc -c <app/pkg/${CRATE}_bytes.js) - $(wc -c <app/pkg/${CRATE}_bg.wasm) )) \
  $(( $(gz app/pkg/${CRATE}_bytes.js) - $(gz app/pkg/${CRATE}_bg.wasm) ))
[ "$WASM_ONLY" = 1 ] || row "JS fallback (app/pkg-js/$CRATE.js)" app/pkg-js/$CRATE.js
echo "build-app: done in $((SECONDS - START)) s"
