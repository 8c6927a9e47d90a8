// The emulated Freshworks serverless sandbox for server/server.js, on node:vm, shared by the
// serverless tests (tests/server/) and devhost's sync child (sync-child.mjs): no timers, no
// process, no Buffer, no TextEncoder; `$request.invokeTemplate` goes through devhost's
// template engine and stand-ins (POST /__devhost/invoke, caller "serverless"), `$db` through
// devhost's store with its 50 ops/min, `$schedule` and `renderData` are recorded. The sandbox's
// clock (Date.now) is devhost's clock, which tests advance through the control API.
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

/** The repository root (devhost/assets/../..). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SERVER = join(ROOT, 'server');

async function post(url, body) {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return r.json();
}

/** Control API helper bound to one devhost. */
export function control(base) {
  const c = `${base}/__devhost/control`;
  return {
    fresh: async () => (await post(`${c}/installations`, {})).installation,
    state: async (inst) => (await fetch(`${c}/state?installation=${inst}`)).json(),
    log: async (inst) => (await (await fetch(`${c}/log?installation=${inst}`)).json()).entries,
    faults: (rules) => post(`${c}/faults`, rules),
    iparams: (inst, values) => post(`${c}/iparams?installation=${inst}`, { values }),
    advance: (ms) => post(`${c}/clock`, { advance_ms: ms }),
    clock: async () => (await (await fetch(`${c}/clock`)).json()).now_ms,
    upstream: (inst, api, method, path, body, query) => post(`${c}/upstream`, { installation: inst, api, method, path, body, query }),
  };
}

/**
 * Loads server.js in a fresh sandbox for one installation (without `WebAssembly` when
 * `noWasm`). Returns {handlers, renders,
 * schedules, db, console, sync()}: `sync()` sets the sandbox clock to devhost's before a run.
 */
export function loadServer(base, installation, { noWasm = false } = {}) {
  const renders = [];
  const schedules = [];
  const logs = [];
  const db = { ops: 0, refused: 0 };
  let now = 0;
  const ctx = vm.createContext({});
  const invoke = async (name, opts = {}) => {
    const out = await post(`${base}/__devhost/invoke`, { installation, caller: 'serverless', name, context: opts.context || {}, query: opts.query || {}, body: opts.body, option_keys: Object.keys(opts) });
    const shaped = { status: out.status, headers: out.headers, response: out.response };
    if (out.errorSource) shaped.errorSource = out.errorSource;
    if (!out.ok) throw shaped;
    return shaped;
  };
  const dbCall = async (op, key, value) => {
    db.ops += 1;
    const out = await post(`${base}/__devhost/db`, { installation, op, key, value });
    if (!out.ok) {
      if (out.status === 429) db.refused += 1;
      throw { status: out.status, message: out.message };
    }
    return out.result;
  };
  Object.assign(ctx, {
    $request: { invokeTemplate: invoke },
    $db: { get: (k) => dbCall('get', k), set: (k, v) => dbCall('set', k, v), delete: (k) => dbCall('delete', k) },
    $schedule: {
      create: async (s) => {
        if (schedules.some((x) => x.name === s.name)) throw { status: 409, message: 'Schedule already exists' };
        schedules.push(s);
        return { created: true };
      },
    },
    renderData: (err, data) => renders.push({ err: err || null, data }),
    console: { log: (...a) => logs.push(a.join(' ')), error: (...a) => logs.push(a.join(' ')), warn: (...a) => logs.push(a.join(' ')), info: (...a) => logs.push(a.join(' ')) },
    __now: () => now,
    exports: {},
  });
  vm.runInContext('Date.now = function () { return __now(); };', ctx);
  // A serverless runtime that refuses WebAssembly: core.js must fall back to the JS build.
  if (noWasm) vm.runInContext('delete globalThis.WebAssembly;', ctx);
  const cache = new Map();
  const requireIn = (from) => (spec) => {
    if (!spec.startsWith('./') && !spec.startsWith('../')) throw new Error(`sandbox: no module '${spec}'`);
    const file = normalize(join(from, spec.endsWith('.js') ? spec : `${spec}.js`));
    if (!file.startsWith(SERVER)) throw new Error(`sandbox: '${spec}' is outside server/`);
    if (!cache.has(file)) {
      const module = { exports: {} };
      cache.set(file, module);
      const fn = vm.runInContext(`(function (module, exports, require) {${readFileSync(file, 'utf8')}\n})`, ctx, { filename: file });
      fn(module, module.exports, requireIn(dirname(file)));
    }
    return cache.get(file).exports;
  };
  ctx.require = requireIn(SERVER);
  // server.js assigns `exports = {...}` as the platform's samples do: read it off the context.
  vm.runInContext(readFileSync(join(SERVER, 'server.js'), 'utf8'), ctx, { filename: join(SERVER, 'server.js') });
  for (const g of ['setTimeout', 'setInterval', 'setImmediate', 'process', 'Buffer']) {
    if (vm.runInContext(`typeof ${g}`, ctx) !== 'undefined') throw new Error(`sandbox leaks ${g}`);
  }
  return {
    handlers: ctx.exports,
    renders,
    schedules,
    db,
    logs,
    typeofGlobal: (name) => vm.runInContext(`typeof ${name}`, ctx),
    async sync() {
      now = (await (await fetch(`${base}/__devhost/control/clock`)).json()).now_ms;
    },
  };
}

/** A product event payload shaped as the platform sends it. */
export function eventPayload(event, data, iparams = {}, now = Date.now()) {
  return {
    currentHost: { subscribed_modules: ['contact', 'task'], endpoint_urls: { freshsales: 'https://demo.myfreshworks.com' } },
    data: { actor: { id: 1001, name: 'Dana Devhost', email: 'dana@devhost.test', type: 'user' }, associations: {}, ...data },
    event,
    iparams: { ghl_location_id: 'loc_demo_0001', default_country: 'US', ...iparams },
    region: 'US',
    timestamp: now / 1000,
    version: '2.0',
  };
}
