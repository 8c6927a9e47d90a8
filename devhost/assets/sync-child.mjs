// devhost's background sync: `node sync-child.mjs BASE`, started once by devhost
// (devhost/src/sync.rs). It loads server/server.js in the emulated serverless sandbox
// (sandbox.mjs, the one tests/server/ uses), one sandbox per installation, with `$request` and
// `$db` backed by the devhost at BASE.
//   stdin:  one JSON line per product event {id, installation, handler, data, iparams}
//   stdout: one JSON line per answer {id, ok, render} or {id, ok: false, error}
// The recurring schedule (onScheduledEvent) comes the same way, sent by devhost when its clock
// passes the next due run. Runs of one installation never overlap. It exits when devhost
// closes its stdin.
import { createInterface } from 'node:readline';
import { eventPayload, loadServer } from './sandbox.mjs';

const [base] = process.argv.slice(2);
const installs = new Map();

function install(inst) {
  if (!installs.has(inst)) installs.set(inst, { box: loadServer(base, inst), iparams: {}, chain: Promise.resolve() });
  return installs.get(inst);
}

/** Runs `handler` after the installation's previous run; resolves with its renderData call. */
function run(s, handler, data) {
  const next = s.chain.then(async () => {
    await s.box.sync();
    const before = s.box.renders.length;
    await s.box.handlers[`${handler}Handler`](eventPayload(handler, data, s.iparams));
    return s.box.renders.length > before ? s.box.renders.at(-1) : { err: { message: 'the handler did not call renderData' } };
  });
  s.chain = next.catch(() => {});
  return next;
}

const answer = (msg) => process.stdout.write(`${JSON.stringify(msg)}\n`);

createInterface({ input: process.stdin }).on('line', (line) => {
  let msg;
  try {
    msg = JSON.parse(line);
  } catch {
    return;
  }
  let s;
  try {
    s = install(msg.installation);
  } catch (e) {
    answer({ id: msg.id, ok: false, error: `the sandbox could not load server.js: ${e.message}` });
    return;
  }
  s.iparams = msg.iparams || s.iparams;
  run(s, msg.handler, msg.data)
    .then((render) => answer({ id: msg.id, ok: !render.err, render }))
    .catch((e) => answer({ id: msg.id, ok: false, error: String((e && e.message) || e) }));
});
process.stdin.on('end', () => process.exit(0));
