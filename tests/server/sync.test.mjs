// The background sync end to end: server/server.js in the emulated sandbox, against devhost's
// GHL and Freshsales stand-ins. Each test uses a fresh installation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventPayload, loadServer, withDevhost } from './sandbox.mjs';

const env = withDevhost();

let nextId = 91000000001;
function fsContact(over = {}) {
  const id = nextId++;
  return { id, first_name: 'Grace', last_name: `Hopper${id}`, email: `grace.${id}@example.com`, emails: [], mobile_number: null, work_number: null,
    address: '1 Navy Way', city: 'Arlington', state: 'VA', zipcode: '22201', country: 'United States', custom_field: {}, updated_at: '2026-12-03T10:00:00-05:00', ...over };
}

async function setup(iparams, opts) {
  const inst = await env.ctl.fresh();
  const box = loadServer(env.dev.base, inst, opts);
  await box.sync();
  return { inst, box, fire: async (event, data, extra) => { await box.sync(); await box.handlers[`${event}Handler`](eventPayload(event, data, { ...iparams, ...extra })); return box.renders.at(-1); } };
}

const ghlContacts = async (inst) => (await env.ctl.state(inst)).ghl.contacts;
const link = async (inst, fsId) => (await env.ctl.state(inst)).db[`ghlink:${fsId}`];
const calls = async (inst, template) => (await env.ctl.log(inst)).filter((e) => !template || e.template === template);

test('create: a new Freshsales contact becomes one GHL contact, linked', async () => {
  const { inst, fire } = await setup();
  const c = fsContact({ mobile_number: '(415) 555-0177' });
  const r = await fire('onContactCreate', { contact: c });
  assert.equal(r.err, null);
  assert.ok(r.data.ok, JSON.stringify(r.data));
  const made = (await ghlContacts(inst)).filter((g) => g.email === c.email);
  assert.equal(made.length, 1);
  assert.equal(made[0].phone, '+14155550177');
  assert.equal(made[0].city, 'Arlington');
  const l = await link(inst, c.id);
  assert.equal(l.ghl_id ?? l.value?.ghl_id, made[0].id);
});

const vmTypeofWasm = (box) => box.typeofGlobal('WebAssembly');
const upd = (c, over) => ({ ...c, ...over });
const byEmail = async (inst, email) => (await ghlContacts(inst)).filter((g) => (g.email || '').toLowerCase() === email.toLowerCase());
const dbSet = (inst, key, value) => fetch(`${env.dev.base}/__devhost/db`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ installation: inst, op: 'set', key, value }) });

async function created(iparams) {
  const s = await setup(iparams);
  const c = fsContact();
  const r = await s.fire('onContactCreate', { contact: c });
  assert.ok(r.data.ok, JSON.stringify(r.data));
  const l = await link(s.inst, c.id);
  assert.ok(l && l.ghl_id, 'linked after create');
  return { ...s, c, ghlId: l.ghl_id };
}

test('create when the email exists in GHL: linked to it, no duplicate, different person warned', async () => {
  const { inst, fire } = await setup();
  const c = fsContact({ first_name: 'Augusta', last_name: 'King', email: 'Ada.Lovelace@example.com' });
  const r = await fire('onContactCreate', { contact: c });
  assert.ok(r.data.ok);
  const matches = await byEmail(inst, 'ada.lovelace@example.com');
  assert.equal(matches.length, 1, 'no duplicate');
  const l = await link(inst, c.id);
  assert.equal(l.ghl_id, 'gCnt01AdaLovelace001');
  const entry = l.log.at(-1);
  assert.equal(entry.action, 'link');
  assert.match(entry.message, /check it is the same person/);
  assert.ok((await calls(inst, 'ghlFindDuplicate')).length >= 1, 'looked up before writing');
});

test('update with a blanked field: only the changed field is sent, nothing is blanked', async () => {
  const { inst, c, ghlId, fire } = await created();
  const r = await fire('onContactUpdate', { contact: upd(c, { city: null, first_name: 'Amazing' }), changes: { model_changes: { city: ['Arlington', null], first_name: ['Grace', 'Amazing'] } } });
  assert.ok(r.data.ok);
  const g = (await ghlContacts(inst)).find((x) => x.id === ghlId);
  assert.equal(g.firstName, 'Amazing');
  assert.equal(g.city, 'Arlington', 'a non-empty GHL value is never blanked');
  const l = await link(inst, c.id);
  assert.deepEqual(l.log.at(-1).fields, ['first_name']);
  assert.equal((await calls(inst, 'ghlUpdateContact')).length, 1);
});

test('echo update: values equal to the last-synced ones cause no request', async () => {
  const { inst, c, fire } = await created();
  const before = (await calls(inst)).length;
  // The event even claims a change: the decision comes from the stored values.
  const r = await fire('onContactUpdate', { contact: c, changes: { model_changes: { city: ['X', 'Arlington'] } } });
  assert.ok(r.data.ok);
  assert.ok(r.data.done.some((d) => d.startsWith('echo')), JSON.stringify(r.data));
  assert.equal((await calls(inst)).length, before, 'no request at all');
});

for (const [policy, fsNewer, expected] of [
  ['freshsales_wins', false, 'Norfolk'],
  ['ghl_wins', true, 'Richmond'],
  ['newest_wins', true, 'Norfolk'],
  ['newest_wins', false, 'Richmond'],
]) {
  test(`both sides changed, ${policy}${policy === 'newest_wins' ? (fsNewer ? ' (Freshsales newer)' : ' (GHL newer)') : ''}: ${expected}`, async () => {
    const { inst, c, ghlId, fire } = await created({ sync_policy: policy });
    const put = await env.ctl.upstream(inst, 'ghl', 'PUT', `/contacts/${ghlId}`, { city: 'Richmond' });
    assert.equal(put.status, 200);
    const at = new Date((await env.ctl.clock()) + (fsNewer ? 3_600_000 : -3_600_000)).toISOString();
    const r = await fire('onContactUpdate', { contact: upd(c, { city: 'Norfolk', updated_at: at }) }, { sync_policy: policy });
    assert.ok(r.data.ok, JSON.stringify(r.data));
    const g = (await ghlContacts(inst)).find((x) => x.id === ghlId);
    assert.equal(g.city, expected);
  });
}

async function drain(s, minutes = 2) {
  await env.ctl.advance(minutes * 60_000);
  await s.box.sync();
  await s.box.handlers.onScheduledEventHandler(eventPayload('onScheduledEvent', { kind: 'drain' }));
  return s.box.renders.at(-1);
}

test('429 then success: queued with the wait GHL asked for, then synced once by the schedule', async () => {
  const s = await setup();
  await env.ctl.faults({ installation: s.inst, template: 'ghlUpsertContact', kind: 'rate_limit', retry_after: 90, count: 1 });
  const c = fsContact();
  const r = await s.fire('onContactCreate', { contact: c });
  assert.ok(r.data.done.some((d) => d.startsWith('retry later')), JSON.stringify(r.data));
  let st = await env.ctl.state(s.inst);
  assert.ok(st.db['ghq:index'].pending.includes(String(c.id)));
  assert.ok(st.db[`ghq:${c.id}`].next_at >= (await env.ctl.clock()) + 80_000, 'Retry-After honoured');
  const early = await drain(s, 1); // before the wait is over: not retried
  assert.ok(!early.data.done.some((d) => d.startsWith('create')));
  const late = await drain(s, 1);
  assert.ok(late.data.done.some((d) => d.startsWith('create')), JSON.stringify(late.data));
  assert.equal((await byEmail(s.inst, c.email)).length, 1);
  st = await env.ctl.state(s.inst);
  assert.deepEqual(st.db['ghq:index'].pending, []);
  assert.equal(st.db[`ghq:${c.id}`], undefined, 'entry removed');
});

for (const [name, fault] of [
  ['500 on the POST (not applied)', { kind: 'server_error', status: 500 }],
  ['POST applied but its answer lost', { kind: 'reset', apply: true }],
]) {
  test(`uncertain write, ${name}: looked up before the retry, never duplicated`, async () => {
    const s = await setup();
    await env.ctl.faults({ installation: s.inst, template: 'ghlUpsertContact', count: 1, ...fault });
    const c = fsContact();
    await s.fire('onContactCreate', { contact: c });
    const entry = (await env.ctl.state(s.inst)).db[`ghq:${c.id}`];
    assert.equal(entry.uncertain, true);
    const lookupsBefore = (await calls(s.inst, 'ghlFindDuplicate')).length;
    const r = await drain(s, 5);
    assert.ok(r.data.ok, JSON.stringify(r.data));
    assert.ok((await calls(s.inst, 'ghlFindDuplicate')).length > lookupsBefore, 'lookup before retry');
    assert.equal((await byEmail(s.inst, c.email)).length, 1, 'exactly one GHL contact');
    assert.ok((await link(s.inst, c.id)).ghl_id);
  });
}

test('deleted GHL contact: re-resolved, recreated, logged', async () => {
  const { inst, c, ghlId, fire } = await created();
  assert.equal((await env.ctl.upstream(inst, 'ghl', 'DELETE', `/contacts/${ghlId}`)).status, 200);
  const r = await fire('onContactUpdate', { contact: upd(c, { city: 'Norfolk' }) });
  assert.ok(r.data.ok, JSON.stringify(r.data));
  const l = await link(inst, c.id);
  assert.notEqual(l.ghl_id, ghlId);
  assert.equal(l.log.at(-1).action, 'recreate');
  const live = await byEmail(inst, c.email);
  assert.equal(live.length, 1);
  assert.equal(live[0].city, 'Norfolk');
});

test('merged GHL contact: relinked to the survivor found by email', async () => {
  const { inst, c, ghlId, fire } = await created();
  await env.ctl.upstream(inst, 'ghl', 'DELETE', `/contacts/${ghlId}`);
  const made = await env.ctl.upstream(inst, 'ghl', 'POST', '/contacts/', { locationId: 'loc_demo_0001', email: c.email, firstName: c.first_name, lastName: c.last_name });
  const survivor = JSON.parse(made.body).contact.id;
  const r = await fire('onContactUpdate', { contact: upd(c, { city: 'Norfolk' }) });
  assert.ok(r.data.ok);
  const l = await link(inst, c.id);
  assert.equal(l.ghl_id, survivor);
  assert.equal(l.log.at(-1).action, 'relink');
  assert.equal((await byEmail(inst, c.email)).length, 1);
});

test('manual unlink then update: no request, no relink', async () => {
  const { inst, c, ghlId, fire } = await created();
  const l = await link(inst, c.id);
  await dbSet(inst, `ghlink:${c.id}`, { ...l, ghl_id: undefined, unlinked: { ghl_id: ghlId, at: 1 } });
  const before = (await calls(inst)).length;
  const r = await fire('onContactUpdate', { contact: upd(c, { city: 'Norfolk' }) });
  assert.ok(r.data.done.some((d) => d.startsWith('unlinked by a user')), JSON.stringify(r.data));
  assert.equal((await calls(inst)).length, before);
  const after = await link(inst, c.id);
  assert.equal(after.ghl_id, undefined);
  assert.equal((await ghlContacts(inst)).find((x) => x.id === ghlId).city, 'Arlington');
});

test('tasks: created on the linked GHL contact, then updated in place', async () => {
  const { inst, c, ghlId, fire } = await created();
  const task = { id: 5500001, title: 'Call back', description: 'About the quote', due_date: '2026-12-10T10:00:00-05:00', status: 'Open', targetable_type: 'Contact', targetable_id: c.id };
  let r = await fire('onTaskCreate', { task });
  assert.ok(r.data.ok, JSON.stringify(r.data));
  let tasks = (await env.ctl.state(inst)).ghl.tasks.filter((t) => t.contactId === ghlId);
  assert.equal(tasks.length, 1);
  assert.equal(tasks[0].title, 'Call back');
  assert.equal(tasks[0].dueDate.slice(0, 19), '2026-12-10T15:00:00');
  r = await fire('onTaskUpdate', { task: { ...task, title: 'Call back (done)', status: 'Completed' } });
  assert.ok(r.data.ok);
  tasks = (await env.ctl.state(inst)).ghl.tasks.filter((t) => t.contactId === ghlId);
  assert.equal(tasks.length, 1, 'updated, not duplicated');
  assert.equal(tasks[0].title, 'Call back (done)');
  assert.equal(tasks[0].completed, true);
  // A task on a deal is not ours.
  r = await fire('onTaskCreate', { task: { ...task, id: 5500002, targetable_type: 'Deal', targetable_id: 3 } });
  assert.ok(r.data.done.some((d) => d.startsWith('ignored')));
});

test('a contact event without the fields the decision needs: the contact is read first', async () => {
  const { inst, fire } = await setup();
  const r = await fire('onContactUpdate', { contact: { id: 70042006409 }, changes: { model_changes: { city: ['a', 'b'] } } });
  assert.ok(r.data.ok, JSON.stringify(r.data));
  assert.equal((await calls(inst, 'fsGetContact')).length, 1);
  assert.equal((await byEmail(inst, 'karl.weissmueller@example.de')).length, 1);
});

test('install: good settings pass and schedule the drain; a wrong token or key blocks with a short message', async () => {
  let s = await setup();
  await s.box.handlers.onAppInstallHandler({ iparams: { ghl_location_id: 'loc_demo_0001' } });
  assert.deepEqual(s.box.renders.at(-1), { err: null, data: undefined });
  assert.equal(s.box.schedules.length, 1);
  assert.equal(s.box.schedules[0].repeat.time_unit, 'minutes');
  for (const [key, pattern] of [['ghl_token', /HighLevel refused the token/], ['fs_api_key', /Freshsales refused the API key/]]) {
    s = await setup();
    await env.ctl.iparams(s.inst, { [key]: 'wrong-secret-value' });
    await s.box.handlers.onAppInstallHandler({ iparams: { ghl_location_id: 'loc_demo_0001' } });
    const { err } = s.box.renders.at(-1);
    assert.match(err.message, pattern);
    assert.ok(err.message.length <= 60, err.message);
    assert.ok(!JSON.stringify(s.box.logs).includes('wrong-secret-value'), 'no secret in the logs');
  }
});

test('custom-field map from the installation page: job title goes to a GHL custom field', async () => {
  const custom_fields = JSON.stringify([{ fs_key: 'job_title', ghl_id: 'cfJobTitle0001', kind: 'TEXT' }]);
  const { inst, fire } = await setup({ custom_fields });
  const c = fsContact({ job_title: 'Rear Admiral' });
  assert.ok((await fire('onContactCreate', { contact: c })).data.ok);
  const [g] = await byEmail(inst, c.email);
  assert.deepEqual(g.customFields.map((f) => [f.id, f.value]), [['cfJobTitle0001', 'Rear Admiral']]);
  // A map that does not parse syncs the default fields only.
  const other = fsContact({ job_title: 'Captain' });
  assert.ok((await fire('onContactCreate', { contact: other }, { custom_fields: '[not json' })).data.ok);
  assert.deepEqual((await byEmail(inst, other.email))[0].customFields, []);
});

test('platform 429: the request budget is penalized and the change waits in the queue', async () => {
  const s = await setup();
  await fetch(`${env.dev.base}/__devhost/control/options?installation=${s.inst}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rate_limit_per_window: 1 }) });
  const c = fsContact();
  const r = await s.fire('onContactCreate', { contact: c });
  assert.ok(r.data.done.some((d) => d.startsWith('retry later')), JSON.stringify(r.data));
  const st = await env.ctl.state(s.inst);
  assert.ok(st.db[`ghq:${c.id}`].next_at - (await env.ctl.clock()) >= 55_000, 'waits out the platform minute');
  assert.match(st.db[`ghlink:${c.id}`]?.log?.at(-1)?.message ?? st.db[`ghq:${c.id}`].error, /many requests/);
});

test('malformed invocations end with an error render, never a crash', async () => {
  const { box } = await setup();
  for (const h of ['onContactCreateHandler', 'onTaskUpdateHandler', 'onScheduledEventHandler', 'onAppInstallHandler']) {
    await box.handlers[h](undefined);
    const last = box.renders.at(-1);
    assert.ok(last.err && typeof last.err.message === 'string' && last.err.message.length <= 60, `${h}: ${JSON.stringify(last)}`);
  }
});

test('reinstall: the existing recurring schedule is kept', async () => {
  const { box } = await setup();
  await box.handlers.onAppInstallHandler({ iparams: { ghl_location_id: 'loc_demo_0001' } });
  await box.handlers.onAppInstallHandler({ iparams: { ghl_location_id: 'loc_demo_0001', sync_policy: 'bogus' } });
  assert.equal(box.schedules.length, 1);
  assert.deepEqual(box.renders.map((r) => r.err), [null, null]);
});

test('notes: the scheduled run copies Freshsales notes with the author, once, even after a lost answer', async () => {
  const s = await setup();
  const made = await env.ctl.upstream(s.inst, 'freshsales', 'POST', '/crm/sales/api/contacts', { contact: { first_name: 'Noor', last_name: 'Notes', email: `noor.${nextId++}@example.com` } });
  const c = JSON.parse(made.body).contact;
  for (const text of ['First call went well.', 'Sent the quote.']) {
    const n = await env.ctl.upstream(s.inst, 'freshsales', 'POST', '/crm/sales/api/notes', { note: { description: text, targetable_type: 'Contact', targetable_id: c.id } });
    assert.equal(n.status, 201, n.body);
  }
  // The second note's create reaches GHL but its answer is lost.
  await env.ctl.faults([{ installation: s.inst, template: 'ghlCreateNote', kind: 'latency', latency_ms: 0, count: 1 }, { installation: s.inst, template: 'ghlCreateNote', kind: 'reset', apply: true, count: 1 }]);
  const r1 = await drain(s, 0);
  assert.ok(r1.data.done.some((d) => d.startsWith('create ')), JSON.stringify(r1.data));
  await drain(s, 5);
  await drain(s, 5);
  const l = await link(s.inst, c.id);
  const notes = (await env.ctl.state(s.inst)).ghl.notes.filter((n) => n.contactId === l.ghl_id);
  assert.deepEqual(notes.map((n) => n.body).sort(), ['Dana Devhost: First call went well.', 'Dana Devhost: Sent the quote.']);
  assert.equal(l.notes.length, 2, 'both recorded');
  const creates = await calls(s.inst, 'ghlCreateNote');
  assert.deepEqual(creates.map((e) => e.outcome), ['ok', 'network'], 'the lost answer was reconciled by listing, not by a second create');
});

test('without WebAssembly the plain-JS build of the same core syncs, dedups and echoes alike', async () => {
  const { inst, box, fire } = await setup({}, { noWasm: true });
  assert.equal(vmTypeofWasm(box), 'undefined');
  const c = fsContact({ first_name: 'Zoë', mobile_number: '(415) 555-0178' });
  assert.ok((await fire('onContactCreate', { contact: c })).data.ok);
  const [g] = await byEmail(inst, c.email);
  assert.equal(g.firstName, 'Zoë');
  const before = (await calls(inst)).length;
  const r = await fire('onContactUpdate', { contact: c });
  assert.ok(r.data.done.some((d) => d.startsWith('echo')));
  assert.equal((await calls(inst)).length, before);
  const dup = fsContact({ email: 'ada.lovelace@example.com' });
  await fire('onContactCreate', { contact: dup });
  assert.equal((await byEmail(inst, 'ada.lovelace@example.com')).length, 1);
});
