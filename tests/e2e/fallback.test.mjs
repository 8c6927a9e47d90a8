// The loader's three outcomes in real Chromium: the WebAssembly core, the plain-JS core when the
// page's CSP refuses WebAssembly, and a plain-language message when neither can start.
// Needs a built app (scripts/build-app.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, screenshot, serveApp } from './harness.mjs';

// No 'wasm-unsafe-eval': Chromium refuses to compile WebAssembly under this policy. blob: is what
// Crayons' lazy loader needs without eval (devhost/UNVERIFIED.md); without it the loader's
// Crayons probe is refused too, and the browser logs that (e2e actions tests that case).
const CSP_NO_WASM = "script-src 'self' blob:";

/** Serves the app with `serve` options, opens it, waits until the loader has decided. */
async function load(t, serve, open) {
  const server = await serveApp(serve);
  let view = null;
  t.after(async () => { // the page first, then its server
    await view?.close();
    await server.close();
  });
  view = await openPage(server.url, open);
  await view.page.waitForFunction(() => document.documentElement.dataset.core, null, { timeout: 15000 });
  await view.page.waitForFunction(() => !document.getElementById('app').hasAttribute('aria-busy'), null, { timeout: 15000 });
  const core = await view.page.evaluate(() => document.documentElement.dataset.core);
  const text = (await view.page.textContent('#app')).trim();
  return { ...view, core, text };
}

/** Loads two fresh instances of the core in the page and mounts each into its own element. */
function mountFresh(page) {
  return page.evaluate(async () => {
    const { loadCore } = await import('/scripts/loader.js');
    const client = await window.app.initialized();
    const cores = [await loadCore({ fresh: true }), await loadCore({ fresh: true })];
    const texts = [];
    for (const core of cores) {
      const el = document.createElement('div');
      await core.mount(client, el);
      // mount() returns once subscribed; the settings and the contact arrive asynchronously.
      const started = Date.now();
      while (/^Loading/.test(el.textContent) && Date.now() - started < 10000) {
        await new Promise((r) => setTimeout(r, 20));
      }
      texts.push(el.textContent);
    }
    return { distinct: cores[0] !== cores[1], texts, kind: document.documentElement.dataset.core };
  });
}

let wasmText = null;

test('without a CSP the WebAssembly core runs', async (t) => {
  const { page, errors, core, text } = await load(t, {});
  await screenshot(page, 'loader-wasm');
  assert.equal(core, 'wasm');
  assert.match(text, /HighLevel/);
  assert.equal(await page.locator('#app .app-status, #app .app-message').count(), 0);
  assert.deepEqual(errors, []);
  const fresh = await mountFresh(page);
  assert.deepEqual(fresh, { distinct: true, texts: [text, text], kind: 'wasm' });
  wasmText = text;
});

test("with a CSP that refuses WebAssembly the JS core runs and renders the same", async (t) => {
  const { page, errors, core, text } = await load(t, { csp: CSP_NO_WASM });
  await screenshot(page, 'loader-js-under-csp');
  assert.equal(core, 'js');
  assert.match(text, /HighLevel/);
  if (wasmText !== null) assert.equal(text, wasmText);
  assert.equal(await page.locator('#app .app-status, #app .app-message').count(), 0);
  assert.deepEqual(errors, []); // the refused compile is caught by the loader, not reported
  const fresh = await mountFresh(page);
  assert.deepEqual(fresh, { distinct: true, texts: [text, text], kind: 'js' });
});

test('without WebAssembly at all the JS core runs', async (t) => {
  const noWasm = (page) => page.addInitScript(() => { delete globalThis.WebAssembly; });
  const { errors, core, text } = await load(t, {}, { beforeLoad: noWasm });
  assert.equal(core, 'js');
  assert.match(text, /HighLevel/);
  assert.deepEqual(errors, []);
});

test('with WebAssembly refused and the JS core missing, the page says so plainly', async (t) => {
  const { page, core, text } = await load(t, { csp: CSP_NO_WASM, missing: ['/pkg-js/'] });
  await screenshot(page, 'loader-blocked');
  assert.equal(core, 'blocked');
  assert.match(text, /^Your browser blocked this app from starting\./);
  assert.doesNotMatch(text, /WebAssembly|wasm|CSP|Error|undefined|\.js/i);
  assert.ok(await page.locator('#app .app-message').isVisible());
});
