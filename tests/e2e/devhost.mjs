// The devhost end-to-end harness: one devhost process per test file, a fresh installation per
// test, the simulated contact page in the shared Chromium (harness.mjs), and thin wrappers for
// devhost's control API (routes: devhost/src/control.rs).
//
//   import { startDevhost } from './devhost.mjs';
//   const dh = await startDevhost({ set: { retry_delay_scale: 0.01 } }); // stopped after the file
//   test('…', async (t) => {
//     const inst = await dh.installation();
//     const { page, frame, errors } = await dh.openContact(t, inst, '70042006401');
//     await dh.waitForPanel(frame);               // #app has data-state ready or notice
//     const log = await dh.log(inst);             // the requests the app made
//   });
//
// devhost runs hermetically: built-in demo config (devhost.example.json), no GHL_TOKEN/FS_*
// from the environment, loopback only. Set DEVHOST_NO_BUILD=1 to skip `cargo build -p devhost`
// (scripts/test.sh builds it before the e2e step), DEVHOST_PROFILE=release to use the release
// binary (the benchmark does: the debug build answers about ten times slower).
import { after } from 'node:test';
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { openPage, ROOT } from './harness.mjs';

export { eventually, screenshot } from './harness.mjs';

const RELEASE = process.env.DEVHOST_PROFILE === 'release';
const BIN = join(ROOT, 'target', RELEASE ? 'release' : 'debug', 'devhost');
const START_TIMEOUT_MS = 30000;
const ENV_SECRETS = ['GHL_TOKEN', 'GHL_LOCATION_ID', 'FS_API_KEY', 'FS_DOMAIN'];

let built = false;

/** `cargo build -p devhost` (`--release` with DEVHOST_PROFILE=release), once per process. */
export function buildDevhost() {
  if (built || process.env.DEVHOST_NO_BUILD === '1') return;
  const r = spawnSync('cargo', ['build', '-q', '-p', 'devhost', ...(RELEASE ? ['--release'] : [])], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`cargo build -p devhost failed (exit ${r.status})`);
  built = true;
}

/**
 * Starts `target/debug/devhost --port 0` (or target/release/) on the embedded default seed and resolves to a
 * {@link Devhost} once it listens. Options:
 *   set   devhost options, `{csp: 'no-wasm', request_timeout_ms: 2000}` → `--set k=v` each;
 *   seed  path of a seed file (`--seed`), default: the embedded seed;
 *   config  path of a config file (`--config`), default: devhost.example.json.
 * The process is stopped after the test file (node:test `after`).
 */
export async function startDevhost({ set = {}, seed = null, config = join(ROOT, 'devhost.example.json') } = {}) {
  buildDevhost();
  const args = ['--port', '0', '--root', ROOT, '--config', config];
  for (const [k, v] of Object.entries(set)) args.push('--set', `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  if (seed) args.push('--seed', seed);
  const env = { ...process.env };
  for (const k of ENV_SECRETS) delete env[k];
  const child = spawn(BIN, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`devhost did not start in ${START_TIMEOUT_MS} ms: ${stderr}`)), START_TIMEOUT_MS);
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      clearTimeout(timer);
      const m = /^devhost listening on (http:\/\/127\.0\.0\.1:\d+)\/$/.exec(line);
      if (m) resolve(m[1]); else reject(new Error(`unexpected first line from devhost: ${line}\n${stderr}`));
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`devhost exited (${code}): ${stderr}`)); });
  });
  child.stdout.resume(); // keep draining the rest of its output
  const dh = new Devhost(url, child);
  after(() => dh.stop());
  return dh;
}

/** A running devhost. Every control method takes the installation id first. */
export class Devhost {
  constructor(url, child) {
    /** Base URL, `http://127.0.0.1:PORT` (no trailing slash). */
    this.url = url;
    this.child = child;
  }

  /** Stops the process (idempotent). */
  async stop() {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const kill = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(kill);
  }

  /** Calls `/__devhost/control/<path>` with `method` and a JSON `body`; throws unless `ok`. */
  async control(method, path, body) {
    const init = { method, headers: {} };
    if (body !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const res = await fetch(`${this.url}/__devhost/control/${path}`, init);
    const json = await res.json();
    if (!res.ok || json.ok === false) throw new Error(`devhost ${method} ${path}: ${res.status} ${json.error ?? JSON.stringify(json)}`);
    return json;
  }

  /** A fresh installation id: its own stand-in data (from the seed), KV store, quotas and log. */
  async installation() {
    return (await this.control('POST', 'installations')).installation;
  }

  /** Adds fault rules (one or a list; see devhost/src/faults.rs); `installation` is set on each. */
  async addFaults(installation, rules) {
    const list = (Array.isArray(rules) ? rules : [rules]).map((r) => ({ installation, ...r }));
    return (await this.control('POST', 'faults', list)).ids;
  }

  /** Removes the installation's fault rules. */
  async clearFaults(installation) {
    await this.control('DELETE', `faults?installation=${enc(installation)}`);
  }

  /** The installation's request log (every invokeTemplate call), optionally of one template. */
  async log(installation, template) {
    const t = template ? `&template=${enc(template)}` : '';
    return (await this.control('GET', `log?installation=${enc(installation)}${t}`)).entries;
  }

  /** Stand-in state: `{ghl: {contacts, tasks, notes, appointments, …}, freshsales: {contacts, …}, db, iparams}`. */
  async state(installation) {
    return this.control('GET', `state?installation=${enc(installation)}`);
  }

  /** Recorded interface calls (showNotify, showConfirm, …). */
  async notifications(installation) {
    return (await this.control('GET', `notifications?installation=${enc(installation)}`)).notifications;
  }

  /** The options in force for the installation; with `patch`, overrides some first. */
  async options(installation, patch) {
    const q = `options?installation=${enc(installation)}`;
    return (patch ? await this.control('POST', q, patch) : await this.control('GET', q)).options;
  }

  /** Sets iparams (`secure`: names of the secure ones); without `values`, lists the names. */
  async iparams(installation, values, secure = []) {
    const q = `iparams?installation=${enc(installation)}`;
    return values ? this.control('POST', q, { values, secure }) : this.control('GET', q);
  }

  /** Queues a host-page event: `app.activated`, `app.deactivated`, `contact.update` (`{contact_id, data}`). */
  async event(installation, type, fields = {}) {
    return (await this.control('POST', 'events', { installation, type, ...fields })).seq;
  }

  /** Switches the open contact page to `contactId` (`mode`: `in-page` or `reload`). */
  async switchContact(installation, contactId, mode = 'in-page') {
    return this.event(installation, 'switch_contact', { contact_id: String(contactId), mode });
  }

  /**
   * Opens the simulated contact page of Freshsales contact `contactId` in `installation` (in a
   * new browser context, closed after test `t`). Resolves to `{page, frame, errors, close}`:
   * `frame` is the app iframe's Frame, `errors` the console/page errors of page and frames.
   */
  async openContact(t, installation, contactId, { beforeLoad } = {}) {
    const view = await openPage(`${this.url}/contacts/${enc(contactId)}?install=${enc(installation)}`, { beforeLoad });
    t.after(view.close);
    const handle = await view.page.waitForSelector('#app-frame', { timeout: 15000 });
    const frame = await handle.contentFrame();
    await frame.waitForSelector('#app', { timeout: 15000 });
    return { ...view, frame };
  }

  /**
   * Waits until the app's panel has settled: the loader is done and `#app` carries `data-state`
   * `ready` or `notice` (or one of `states`). Resolves to that state.
   */
  async waitForPanel(frame, { states = ['ready', 'notice'], timeout = 15000 } = {}) {
    await frame.waitForFunction((ok) => {
      const app = document.getElementById('app');
      return app && !app.hasAttribute('aria-busy') && ok.includes(app.dataset.state);
    }, states, { timeout });
    return frame.evaluate(() => document.getElementById('app').dataset.state);
  }
}

function enc(v) {
  return encodeURIComponent(String(v));
}
