// No secret reaches the browser. Two halves:
// 1. everything shipped to the browser (app/ with the built pkg/ and pkg-js/, config/ pages,
//    their CSS and scripts; the wasm embedded in JS as base64 is decoded and scanned too) is
//    searched for the configured tokens: devhost's demo values and distinctive ones;
// 2. devhost runs an installation with distinctive secure tokens set through the control API,
//    a linked contact is opened in Chromium, and the DOM of every frame, localStorage and
//    sessionStorage of every frame, and all console output are searched for them.
// Needs a built app (scripts/build-app.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { startDevhost, screenshot } from './devhost.mjs';
import { ROOT } from './harness.mjs';

// Distinctive values nothing else could contain by accident.
const GHL_TOKEN = 'pit-CANARY-7f3c9e21-ghl-secret-4b8d';
const FS_KEY = 'fs-CANARY-0a6e55d2-key-secret-91c7';
const demo = JSON.parse(readFileSync(join(ROOT, 'devhost.example.json'), 'utf8'));
const DEMO_SECRETS = demo.secure_iparams.map((k) => demo.iparams[k]);
const SECRETS = [GHL_TOKEN, FS_KEY, ...DEMO_SECRETS];

/** Every file under `dir`, recursively. */
function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

/** The text forms a file is searched in: its bytes as latin1 (wasm strings), and any long
 * base64 run decoded (the wasm embedded in the loader bundle). */
function haystacks(path) {
  const bytes = readFileSync(path);
  const out = [bytes.toString('latin1')];
  if (/\.(m?js|html)$/.test(path)) {
    for (const m of out[0].matchAll(/[A-Za-z0-9+/]{200,}={0,2}/g)) out.push(Buffer.from(m[0], 'base64').toString('latin1'));
  }
  return out;
}

/** Where `secrets` occur in `text` (also percent- or JSON-escaped), as `secret@label`. */
function hits(text, label) {
  return SECRETS.filter((s) => [s, encodeURIComponent(s), JSON.stringify(s).slice(1, -1)].some((f) => text.includes(f))).map((s) => `${s}@${label}`);
}

test('the scanner finds a token in any of its forms', () => {
  assert.deepEqual(hits(`a${GHL_TOKEN}b`, 'x'), [`${GHL_TOKEN}@x`]);
  assert.equal(hits(encodeURIComponent(`k=${FS_KEY}`), 'x').length, 1);
  assert.equal(hits(Buffer.from(`..${FS_KEY}..`).toString('base64').padEnd(300, 'A'), 'x').length, 0, 'raw base64 is not text');
  const tmp = join(ROOT, 'target', 'e2e-seeds');
  mkdirSync(tmp, { recursive: true });
  const f = join(tmp, 'embedded.js');
  writeFileSync(f, `const b="${Buffer.from(`${'x'.repeat(300)}${FS_KEY}`).toString('base64')}";`);
  assert.ok(haystacks(f).some((h) => hits(h, 'x').length), 'an embedded base64 blob is decoded and found');
});

test('nothing shipped to the browser contains a configured token', () => {
  const shipped = [...files(join(ROOT, 'app')), ...files(join(ROOT, 'config'))];
  const built = shipped.filter((p) => /[/\\]pkg(-js)?[/\\]/.test(p));
  assert.ok(built.some((p) => p.endsWith('.wasm')), `the app is built (pkg/*.wasm): ${built.map((p) => relative(ROOT, p))}`);
  assert.ok(built.some((p) => /pkg-js/.test(p)), 'the wasm2js build is there');
  let scanned = 0;
  const found = [];
  for (const p of shipped) {
    for (const h of haystacks(p)) {
      scanned += h.length;
      found.push(...hits(h, relative(ROOT, p)));
    }
  }
  assert.ok(scanned > 100_000, `scanned ${scanned} bytes`);
  assert.deepEqual(found, []);
});

test('a real open leaves no token in the DOM, web storage or console', async (t) => {
  // The stand-ins accept only the credentials of devhost's config: give them the canaries, so a
  // panel that loads proves the proxy rendered them into the upstream calls.
  const dir = join(ROOT, 'target', 'e2e-seeds');
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'secrets-config.json');
  writeFileSync(config, JSON.stringify({ ...demo, iparams: { ...demo.iparams, ghl_token: GHL_TOKEN, fs_api_key: FS_KEY } }));
  const dh = await startDevhost({ config, set: { retry_delay_scale: 0.01 } });
  const inst = await dh.installation();
  await dh.iparams(inst, { ghl_token: GHL_TOKEN, fs_api_key: FS_KEY }, ['ghl_token', 'fs_api_key']);
  const consoleText = [];
  const { page, frame } = await dh.openContact(t, inst, '70042006401', {
    beforeLoad: (p) => {
      p.on('console', (m) => consoleText.push(`${m.type()}: ${m.text()}`));
      p.on('pageerror', (e) => consoleText.push(String(e)));
    },
  });
  const state = await dh.waitForPanel(frame);
  assert.equal(state, 'ready', await frame.evaluate(() => document.getElementById('app').innerText));
  const log = await dh.log(inst);
  assert.ok(log.length >= 4, `the app made its reads (${log.length})`);
  const s = await dh.state(inst);
  assert.ok(s.secure_iparams.includes('ghl_token') && s.secure_iparams.includes('fs_api_key'), `secure: ${s.secure_iparams}`);
  // Activate it again in the same frame (the cache path), so more code runs.
  await dh.event(inst, 'app.activated');
  await dh.waitForPanel(frame);
  const found = [];
  for (const f of page.frames()) {
    const dump = await f.evaluate(() => {
      const store = (s) => { try { return JSON.stringify(Object.entries(s)); } catch { return ''; } };
      return {
        dom: document.documentElement.outerHTML,
        values: [...document.querySelectorAll('input,textarea')].map((e) => e.value).join('\n'),
        local: store(window.localStorage),
        session: store(window.sessionStorage),
        cookie: document.cookie,
      };
    });
    for (const [k, v] of Object.entries(dump)) found.push(...hits(v, `${k} of ${f.url()}`));
  }
  found.push(...hits(consoleText.join('\n'), 'console'));
  await screenshot(page, 'secrets-open');
  assert.deepEqual(found, []);
  // The cached view is in sessionStorage, never in localStorage.
  const storage = await frame.evaluate(() => ({ local: Object.keys(localStorage), session: Object.keys(sessionStorage) }));
  assert.ok(storage.session.some((k) => k.startsWith('ghlb:v1:')), `cached in sessionStorage: ${storage.session}`);
  assert.deepEqual(storage.local.filter((k) => k.startsWith('ghlb:')), []);
});
