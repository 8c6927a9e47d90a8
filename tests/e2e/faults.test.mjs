// The fault matrix: every fault devhost injects × every section the sidebar reads (the GHL
// contact, tasks, notes, appointments of a linked contact, and the link lookup of an unlinked
// one). Each case runs in a fresh installation, with a short request-method timeout, in the one
// shared Chromium; the sidebar's final state must be the sensible, plain-language one and the
// number of requests must stay within the bound (transient faults are retried at most 3 times,
// others never). The matrix is printed at the end. Needs a built app (scripts/build-app.sh).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevhost } from './devhost.mjs';

const TIMEOUT_MS = 1000;
const dh = await startDevhost({ set: { request_timeout_ms: TIMEOUT_MS, retry_delay_scale: 0.01 } });

const LINKED = '70042006401'; // linked; tasks, notes and appointments
const UNLINKED = '70042006420'; // not linked; GHL has the email
const SECTIONS = {
  contact: { fs: LINKED, template: 'ghlGetContact' },
  tasks: { fs: LINKED, template: 'ghlListTasks' },
  notes: { fs: LINKED, template: 'ghlListNotes' },
  appointments: { fs: LINKED, template: 'ghlListAppointments' },
  link: { fs: UNLINKED, template: 'ghlFindDuplicate' },
};

const PLAN = JSON.stringify({ statusCode: 403, message: 'Your plan does not include API access.' });
// kind: what the user must be told (a regex over the shown text) and whether a retry is offered.
const RETRY = { retries: true, button: 'retry' };
const FAULTS = {
  'latency 400 ms': { rule: { kind: 'latency', latency_ms: 400 }, ok: true },
  '429 Retry-After 1': { rule: { kind: 'rate_limit', retry_after: 1 }, say: /busy|many requests/i, ...RETRY },
  '429 no Retry-After': { rule: { kind: 'rate_limit' }, say: /busy|many requests/i, ...RETRY },
  '500 server error': { rule: { kind: 'server_error' }, say: /temporary problem/i, ...RETRY },
  '502 bad gateway': { rule: { kind: 'server_error', status: 502 }, say: /temporary problem/i, ...RETRY },
  '503 unavailable': { rule: { kind: 'server_error', status: 503 }, say: /temporary problem/i, ...RETRY },
  timeout: { rule: { kind: 'hang' }, say: /too long|could not reach/i, ...RETRY },
  reset: { rule: { kind: 'reset' }, say: /could not reach|connection/i, ...RETRY },
  'malformed JSON': { rule: { kind: 'malformed_json' }, say: /could not read/i, retries: false, button: 'retry' },
  '401 expired': { rule: { kind: 'token_expired' }, say: /admin must reconnect/i, retries: false, panel: true },
  '403 location': { rule: { kind: 'wrong_location' }, say: /access to the configured location/i, retries: false, panel: true },
  '403 plan': { rule: { kind: 'status', status: 403, body: PLAN }, say: /plan does not include API access/i, retries: false, panel: true },
  '404 not found': { rule: { kind: 'not_found', status: 404 }, say: /no longer exists/i, retries: false, gone: true },
};

/** What the panel shows, as plain data. */
function shown(frame) {
  return frame.evaluate(() => {
    const app = document.getElementById('app');
    const buttons = (el) => [...el.querySelectorAll('[data-action]')].map((b) => b.dataset.action);
    const n = app.querySelector('.notice');
    return {
      state: app.dataset.state,
      text: app.innerText.trim(),
      card: !!app.querySelector('.card'),
      items: app.querySelectorAll('.item').length,
      notice: n && { text: n.innerText, buttons: buttons(n) },
      errors: [...app.querySelectorAll('.section-error')].map((e) => ({ section: e.dataset.section, text: e.innerText, buttons: buttons(e) })),
    };
  });
}

/** No raw API text, codes, markup or stack traces. */
const RAW = /[{}<>]|statusCode|Error:|undefined|null|NaN|stack|\bat \w+ \(|\b[1-5]\d\d\b|JSON|HTTP/;

/** Checks one case; returns a short cell text (throws with the reason on failure). */
function judge(section, f, v, log) {
  const faulted = log.filter((e) => e.template === SECTIONS[section].template).length;
  const bound = (section === 'link' ? 5 : 4) + (f.retries ? 3 : 0);
  assert.ok(v.text.length > 0 && ['ready', 'notice'].includes(v.state), `a settled, non-empty panel: ${v.state} "${v.text}"`);
  assert.ok(log.length <= bound, `${log.length} requests > bound ${bound}`);
  assert.ok(f.retries ? faulted <= 4 : faulted === 1, `${faulted} attempts at ${SECTIONS[section].template}`);
  const where = () => {
    if (f.ok) return null;
    if (section === 'link' || f.panel && section === 'contact' || f.gone && section === 'contact') return v.notice;
    return v.errors.find((e) => e.section === section);
  };
  if (f.ok) {
    assert.equal(v.state, 'ready');
    assert.ok(v.card && v.items > 0 && v.errors.length === 0 && !v.notice, JSON.stringify(v));
    return `ok ${log.length}r`;
  }
  const msg = where();
  assert.ok(msg, `the failure is shown at ${section}: ${JSON.stringify(v)}`);
  assert.match(msg.text, f.say);
  assert.doesNotMatch(msg.text, RAW, 'plain language only');
  if (f.gone && section === 'contact') assert.deepEqual(msg.buttons, ['relink'], 'a deleted contact offers relink');
  else if (f.button) assert.ok(msg.buttons.includes(f.button), `a ${f.button} button: ${msg.buttons}`);
  if (section !== 'link' && section !== 'contact') assert.ok(v.card, 'the other sections still show');
  return `ok ${log.length}r`;
}

const matrix = {};
after(() => {
  const cols = Object.keys(SECTIONS);
  const w = 14;
  const lines = [['fault'.padEnd(20), ...cols.map((c) => c.padEnd(w))].join(' ')];
  for (const [fault, row] of Object.entries(matrix)) lines.push([fault.padEnd(20), ...cols.map((c) => (row[c] ?? '-').padEnd(w))].join(' '));
  console.log(`\nfault matrix (final state checked; r = requests in the open)\n${lines.join('\n')}\n`);
});

for (const [fault, f] of Object.entries(FAULTS)) {
  test(`fault: ${fault}`, async (t) => {
    matrix[fault] = {};
    // The five sections of one fault run side by side, each in its own installation.
    const results = await Promise.allSettled(Object.entries(SECTIONS).map(async ([section, s]) => {
      const inst = await dh.installation();
      await dh.addFaults(inst, { template: s.template, ...f.rule });
      const { frame } = await dh.openContact(t, inst, s.fs);
      await dh.waitForPanel(frame, { timeout: 30000 });
      const v = await shown(frame);
      try {
        matrix[fault][section] = judge(section, f, v, await dh.log(inst));
      } catch (e) {
        matrix[fault][section] = 'FAIL';
        throw new Error(`${fault} × ${section}: ${e.message}`);
      }
    }));
    const failed = results.filter((r) => r.status === 'rejected').map((r) => r.reason.message);
    assert.deepEqual(failed, []);
  });
}
