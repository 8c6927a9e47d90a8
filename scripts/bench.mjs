// The benchmark behind `bash scripts/bench.sh` (not a test: it measures and prints, asserts nothing).
//
//   payload     bytes of what the app page loads, raw and gzip -9;
//   open        devhost with a 200 ms latency fault on every proxied request; a fresh
//               installation per run; time in the app frame from the first `app.activated`
//               callback to the first frame painted after `#app[data-state=ready]`, and
//               requests per open (devhost's log); a re-open (the same tab reloaded within
//               the cache TTL: the view comes from sessionStorage);
//   1,000 items a generated seed (the default one plus 1,000 tasks, notes and appointments on
//               one linked contact, loaded with `devhost --seed`), no added latency: time from
//               the last template answer to the panel ready (parse, merge, render), and
//               activated → ready.
// Medians of BENCH_RUNS runs (default 5). Needs a built app and devhost (bench.sh does both).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { ROOT, closeBrowser, openPage } from '../tests/e2e/harness.mjs';
import { startDevhost } from '../tests/e2e/devhost.mjs';

const RUNS = Number(process.env.BENCH_RUNS || 5);
const LATENCY_MS = 200;
const LINKED = '70042006401'; // Ada: linked in the default seed
const UNLINKED = '70042006420'; // found in GHL by email
const BIG_ITEMS = 1000;

// Runs in every frame before its scripts: wraps the host client the devhost shim defines, to
// timestamp the first app.activated callback and each template answer, and watches #app.
const PROBE = () => {
  const m = (window.__bench = { activatedAt: null, readyAt: null, lastReplyAt: null, replies: 0 });
  let app;
  const wrap = (client) => {
    if (client.__bench) return client;
    client.__bench = true;
    const on = client.events.on.bind(client.events);
    client.events.on = (name, cb, opts) => on(name, name === 'app.activated'
      ? (e) => { m.activatedAt ??= performance.now(); return cb(e); }
      : cb, opts);
    const invoke = client.request.invokeTemplate.bind(client.request);
    client.request.invokeTemplate = (...args) => invoke(...args).finally(() => { m.replies += 1; m.lastReplyAt = performance.now(); });
    return client;
  };
  Object.defineProperty(window, 'app', {
    configurable: true,
    get: () => app,
    set(v) {
      app = v;
      if (v && typeof v.initialized === 'function') {
        const init = v.initialized.bind(v);
        v.initialized = () => init().then(wrap);
      }
    },
  });
  document.addEventListener('DOMContentLoaded', () => {
    const el = document.getElementById('app');
    if (!el) return;
    let seen = false;
    new MutationObserver(() => {
      if (el.dataset.state !== 'ready' || seen) return;
      seen = true;
      // Rendered = the first frame with the ready panel has been laid out and painted.
      requestAnimationFrame(() => setTimeout(() => { m.readyAt = performance.now(); }, 0));
    }).observe(el, { attributes: true, attributeFilter: ['data-state'] });
  });
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** One open of `fsId` in a fresh installation; resolves to the frame's timings and the log size. */
async function openOnce(dh, fsId, latency) {
  const installation = await dh.installation();
  if (latency) await dh.addFaults(installation, { kind: 'latency', latency_ms: latency });
  const view = await openPage(`${dh.url}/contacts/${fsId}?install=${installation}`, { beforeLoad: (p) => p.addInitScript(PROBE) });
  try {
    const m = await readyFrame(view.page);
    const log = await dh.log(installation);
    return { ...m, requests: log.length };
  } finally {
    await view.close();
  }
}

/** The frame's timings once its panel is ready. */
async function readyFrame(page) {
  const frame = await (await page.waitForSelector('#app-frame')).contentFrame();
  await frame.waitForFunction(() => window.__bench?.readyAt !== null && window.__bench?.readyAt !== undefined, null, { timeout: 60000 });
  return frame.evaluate(() => ({ ...window.__bench, items: document.querySelectorAll('#app .item').length }));
}

/**
 * Opens `fsId` in a fresh installation, then reloads the page in the same tab (the cached
 * view lives in the tab's sessionStorage); resolves to the re-open's timings and requests.
 */
async function reopenOnce(dh, fsId, latency) {
  const installation = await dh.installation();
  if (latency) await dh.addFaults(installation, { kind: 'latency', latency_ms: latency });
  const view = await openPage(`${dh.url}/contacts/${fsId}?install=${installation}`, { beforeLoad: (p) => p.addInitScript(PROBE) });
  try {
    await readyFrame(view.page);
    const before = (await dh.log(installation)).length;
    await view.page.reload();
    const m = await readyFrame(view.page);
    return { ...m, requests: (await dh.log(installation)).length - before };
  } finally {
    await view.close();
  }
}

async function measure(dh, fsId, latency, once = openOnce) {
  const runs = [];
  for (let i = 0; i < RUNS; i += 1) runs.push(await once(dh, fsId, latency));
  return {
    activatedToReady: median(runs.map((r) => r.readyAt - r.activatedAt)),
    lastReplyToReady: median(runs.map((r) => r.readyAt - r.lastReplyAt)),
    requests: median(runs.map((r) => r.requests)),
    items: runs[0].items,
  };
}

/** The default seed plus BIG_ITEMS tasks, notes and appointments on Ada's GHL contact. */
function bigSeed() {
  const seed = JSON.parse(readFileSync(join(ROOT, 'devhost', 'seed', 'default.json'), 'utf8'));
  const ref = Date.parse(seed.referenceTime);
  const ghlId = seed.links.find((l) => l.fs_id === LINKED).ghl_id;
  const id = (prefix, n) => `${prefix}${String(n).padStart(20 - prefix.length, '0')}`;
  const at = (n) => new Date(ref + (n - BIG_ITEMS / 2) * 3 * 3600_000); // every 3 h, half in the past
  const local = (d) => d.toISOString().slice(0, 19).replace('T', ' ');
  for (let n = 0; n < BIG_ITEMS; n += 1) {
    const when = at(n);
    if (n % 5 < 2) {
      seed.ghl.tasks.push({ id: id('gTskBench', n), title: `Bench task ${n}`, body: 'Call back about the renewal.', dueDate: when.toISOString(), completed: n % 3 === 0, contactId: ghlId });
    } else if (n % 5 < 4) {
      seed.ghl.notes.push({ id: id('gNteBench', n), body: `<p>Bench note <strong>${n}</strong> with a <a href="https://example.com/${n}">link</a>.</p>`, dateAdded: when.toISOString(), contactId: ghlId });
    } else {
      const end = new Date(when.getTime() + 1800_000);
      seed.ghl.appointments.push({ id: id('gAptBench', n), calendarId: 'gCal01SalesCalendar1', title: `Bench meeting ${n}`, status: 'confirmed', appointmentStatus: 'confirmed', startTime: local(when), endTime: local(end), contactId: ghlId, locationId: seed.ghl.locationId });
    }
  }
  const dir = join(ROOT, 'target', 'bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'seed-1000.json');
  writeFileSync(file, JSON.stringify(seed));
  return file;
}

function payload() {
  const files = [
    ['app/index.html', 'page'],
    ['app/scripts/loader.js', 'loader'],
    ['app/styles/style.css', 'styles'],
    ['app/pkg/ghl_bridge.js', 'wasm glue'],
    ['app/pkg/ghl_bridge_bytes.js', 'wasm, embedded in JS'],
    ['app/pkg-js/ghl_bridge.js', 'JS fallback (wasm2js)'],
  ];
  return files.map(([path, what]) => {
    const bytes = readFileSync(join(ROOT, path));
    return { path, what, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  });
}

const ms = (x) => `${Math.round(x)} ms`;

async function main() {
  const sizes = payload();
  const hosts = [];
  let linked; let unlinked; let reopen; let small; let thousand;
  try {
    const dh = await startDevhost();
    hosts.push(dh);
    linked = await measure(dh, LINKED, LATENCY_MS);
    unlinked = await measure(dh, UNLINKED, LATENCY_MS);
    reopen = await measure(dh, LINKED, LATENCY_MS, reopenOnce);
    small = await measure(dh, LINKED, 0);
    const big = await startDevhost({ seed: bigSeed() });
    hosts.push(big);
    thousand = await measure(big, LINKED, 0);
  } finally {
    await Promise.all(hosts.map((h) => h.stop()));
    await closeBrowser();
  }

  const wasmPath = sizes.filter((s) => !s.path.includes('pkg-js'));
  const sum = (list, k) => list.reduce((a, s) => a + s[k], 0);
  const lines = [];
  lines.push(`ghl-bridge benchmark (median of ${RUNS} runs; headless Chromium, devhost on loopback)`);
  lines.push('');
  lines.push('| payload | raw bytes | gzip -9 bytes |');
  lines.push('| --- | ---: | ---: |');
  for (const s of sizes) lines.push(`| ${s.what} (\`${s.path}\`) | ${s.raw} | ${s.gzip} |`);
  lines.push(`| **WebAssembly path total** (page, loader, styles, glue, embedded wasm) | ${sum(wasmPath, 'raw')} | ${sum(wasmPath, 'gzip')} |`);
  lines.push('');
  lines.push('| open | requests | app.activated → ready | last answer → ready | items |');
  lines.push('| --- | ---: | ---: | ---: | ---: |');
  lines.push(`| linked contact, ${LATENCY_MS} ms per request | ${linked.requests} | ${ms(linked.activatedToReady)} | ${ms(linked.lastReplyToReady)} | ${linked.items} |`);
  lines.push(`| unlinked contact (found by email), ${LATENCY_MS} ms per request | ${unlinked.requests} | ${ms(unlinked.activatedToReady)} | ${ms(unlinked.lastReplyToReady)} | ${unlinked.items} |`);
  lines.push(`| re-open of the linked contact within the cache TTL (page reloaded), ${LATENCY_MS} ms per request | ${reopen.requests} | ${ms(reopen.activatedToReady)} | ${reopen.requests ? ms(reopen.lastReplyToReady) : 'no request'} | ${reopen.items} |`);
  lines.push(`| linked contact, no added latency | ${small.requests} | ${ms(small.activatedToReady)} | ${ms(small.lastReplyToReady)} | ${small.items} |`);
  lines.push(`| linked contact with ${BIG_ITEMS} more items, no added latency | ${thousand.requests} | ${ms(thousand.activatedToReady)} | ${ms(thousand.lastReplyToReady)} | ${thousand.items} |`);
  console.log(lines.join('\n'));
}

main().then(() => process.exit(0), (err) => {
  console.error(`bench: ${err.stack || err}`);
  process.exit(1);
});
