// Shared pieces of the browser end-to-end tests (run with `node --test tests/e2e/`):
// - one headless Debian Chromium per test process, driven by playwright-core, closed after the file;
// - pages that may only reach loopback, collecting console errors and page errors;
// - screenshots under tests/screenshots/ (git-ignored);
// - serveApp(): app/ on 127.0.0.1 (random port) as the Freshworks host would serve it, with a stub
//   `window.app` host client, Crayons and its icons from node_modules, and an optional CSP header.
import { after } from 'node:test';
import { createServer } from 'node:http';
import { mkdirSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const APP = join(ROOT, 'app');
const CRAYONS = join(ROOT, 'node_modules', '@freshworks', 'crayons');
const CRAYONS_CDN = 'https://cdn.jsdelivr.net/npm/@freshworks/crayons@4.2.0/';
// Crayons' fw-icon fetches from jsDelivr's unpinned crayons-icon@next; served from the pinned copy
// scripts/setup.sh unpacks (the same rewrite devhost makes in Crayons' scripts).
const ICONS = join(ROOT, 'node_modules', '@freshworks', 'crayons-icon');
const ICONS_CDN = 'https://cdn.jsdelivr.net/npm/@freshworks/crayons-icon@next/';
const SCREENSHOTS = join(ROOT, 'tests', 'screenshots');

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

// Chromium's profile and temp files go under target/, not /tmp, and are removed afterwards.
const TMP = join(ROOT, 'target', 'e2e-tmp', String(process.pid));

let browserPromise = null;

/** The process's shared Chromium, launched on first use. */
export function browser() {
  if (!browserPromise) {
    mkdirSync(TMP, { recursive: true });
    process.env.TMPDIR = TMP; // playwright makes its profile dir in os.tmpdir()
    browserPromise = chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: CHROMIUM_ARGS,
      env: { ...process.env, TMPDIR: TMP },
    });
  }
  return browserPromise;
}

/** Closes the shared Chromium (if launched) and removes its temp files; runs after each test file. */
export async function closeBrowser() {
  if (browserPromise) await (await browserPromise).close();
  browserPromise = null;
  rmSync(TMP, { recursive: true, force: true });
}

after(closeBrowser);

const isLoopback = (url) => /^(https?|wss?):\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\//.test(url)
  || /^(data|blob|about):/.test(url);

/**
 * Opens `url` in a new context. Returns { page, errors, close }: `errors` collects console errors
 * and uncaught page errors as strings. Requests off loopback are aborted (and show up in errors).
 */
export async function openPage(url, { beforeLoad } = {}) {
  const context = await (await browser()).newContext();
  await context.route('**/*', (route) => (isLoopback(route.request().url()) ? route.continue() : route.abort()));
  context.setDefaultTimeout(20000); // no Playwright action waits longer than this
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  if (beforeLoad) await beforeLoad(page);
  await page.goto(url);
  return { page, errors, close: () => context.close() };
}

/**
 * Polls `check` every 100 ms until it holds, for `ms` at most; resolves whether it did. For
 * what reaches devhost after the panel has changed (store writes, notifications, resizes).
 */
export async function eventually(check, ms = 10000) {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
    if (await check()) return true;
  }
  return check();
}

/** Saves a full-page screenshot as tests/screenshots/NAME.png. */
export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** A host client stub: enough of `window.app` / `client` for the loader and the placeholder core. */
export const STUB_HOST = `
window.app = {
  initialized() {
    return Promise.resolve({
      events: { on() {} },
      data: { get: () => Promise.resolve({ currentEntityInfo: { currentEntityId: 1, currentEntityType: 'contact' } }) },
      iparams: { get: () => Promise.resolve({}) },
      request: { invokeTemplate: () => Promise.reject(new Error('no request stub')) },
      interface: { trigger: () => Promise.resolve() },
    });
  },
};
`;

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.wasm': 'application/wasm', '.json': 'application/json',
  '.png': 'image/png', '.woff2': 'font/woff2', '.woff': 'font/woff',
};

function underDir(dir, urlPath) {
  const file = normalize(join(dir, decodeURIComponent(urlPath)));
  return file.startsWith(dir + sep) ? file : null;
}

/**
 * Serves app/ on 127.0.0.1:<random port>. Options:
 *   csp      Content-Security-Policy header for every response (none by default);
 *   missing  URL path prefixes answered 404, e.g. ['/pkg-js/'] to take a build away;
 *   host     the stub host client script (STUB_HOST by default).
 * index.html gets the same substitution the Freshworks host makes ({{{appclient}}}), and Crayons
 * and its icons are served from node_modules instead of jsDelivr. Returns { url, close }.
 */
export async function serveApp({ csp = null, missing = [], host = STUB_HOST } = {}) {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const headers = { 'Cache-Control': 'no-store' };
    if (csp) headers['Content-Security-Policy'] = csp;
    let body = null;
    let file = null;
    if (missing.some((p) => path.startsWith(p))) {
      file = null;
    } else if (path === '/' || path === '/index.html') {
      file = join(APP, 'index.html');
      body = (await readFile(file, 'utf8'))
        .replaceAll('{{{appclient}}}', '/__host/client.js')
        .replaceAll(CRAYONS_CDN, '/__crayons/');
    } else if (path === '/__host/client.js') {
      file = path;
      body = host;
    } else if (path.startsWith('/__crayons/')) {
      file = underDir(CRAYONS, path.slice('/__crayons/'.length));
      if (file?.endsWith('.js')) body = (await readFile(file, 'utf8').catch(() => null))?.replaceAll(ICONS_CDN, '/__crayons-icon/');
    } else if (path.startsWith('/__crayons-icon/')) {
      file = underDir(ICONS, path.slice('/__crayons-icon/'.length));
    } else {
      file = underDir(APP, path);
    }
    try {
      if (!file) throw new Error('not found');
      body ??= await readFile(file);
      res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file)] || 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' });
      res.end('not found');
    }
  });
  // close() must not wait for Chromium: a socket it opened ahead of time and never sent a
  // request on keeps server.close() pending for as long as the browser holds it.
  const sockets = new Set();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/index.html`,
    close: () => new Promise((resolve) => {
      server.close(resolve);
      for (const socket of sockets) socket.destroy();
    }),
  };
}
