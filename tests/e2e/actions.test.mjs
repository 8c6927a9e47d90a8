// The sidebar's writes end to end: devhost on its default seed with the GHL stand-in in strict
// mode (partial task updates rejected), the contact page in headless Chromium, and after each
// action the stand-ins' own state read through the control API. Needs a built app
// (scripts/build-app.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startDevhost, screenshot } from './devhost.mjs';

const dh = await startDevhost({ set: { retry_delay_scale: 0.01 } });

const ADA = '70042006401'; // linked to gCnt01AdaLovelace001, with tasks, notes and tags
const ADA_GHL = 'gCnt01AdaLovelace001';
const SEUN = '70042006440'; // not linked; GHL has neither his email nor his phone

/** A fresh installation in strict mode, the contact opened and settled. */
async function open(t, fsId, opts = {}) {
  const inst = await dh.installation();
  await dh.control('POST', `ghl?installation=${inst}`, { strict: true });
  const view = await dh.openContact(t, inst, fsId, opts);
  await dh.waitForPanel(view.frame);
  return { inst, ...view };
}

// The panel renders Crayons components (fw-input, fw-textarea, fw-datepicker, fw-button) when the
// loader found Crayons working. Their native input sits in an open shadow root and carries the
// same `name` (Crayons adds a hidden input of that name too), so one selector reaches the typing
// target with or without Crayons; values are read from the host element (`value` of the fw-*
// component, or of the native control).
const typed = (form, name) => `[data-form="${form}"] :is(input, textarea)[name="${name}"]:not([type="hidden"])`;
const host = (form, name) => `[data-form="${form}"] [name="${name}"]`;
const valueOf = (frame, form, name) => frame.$eval(host(form, name), (e) => e.value);
// Two ways Crayons is unavailable, each with the line the browser itself logs for it.
const noCrayons = (p) => p.route('**/npm/@freshworks/**', (r) => r.abort());
// A policy refusing Crayons' lazy loader (no eval, no blob: scripts): its elements get defined
// but never come alive; the loader's probe finds that and the core renders native controls.
const REFUSES_CRAYONS = "default-src 'self'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'";
const refusingCsp = (p) => p.route('**/app/index.html*', async (route) => {
  const response = await route.fetch();
  await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': REFUSES_CRAYONS } });
});
const WITHOUT_CRAYONS = [
  ['Crayons not loaded', 'not-loaded', noCrayons, /^Failed to load resource: net::ERR_FAILED$/],
  ["a CSP refusing Crayons' loader", 'csp', refusingCsp, /^Loading the script 'blob:\S+' violates the following Content Security Policy directive/],
];

/** Waits until no form or control of the panel has a write in flight. */
async function settled(frame) {
  await frame.waitForFunction(() => !document.querySelector('#app [aria-busy], #app button[disabled], #app fw-button[disabled]'), null, { timeout: 15000 });
}

const ghl = async (inst) => (await dh.state(inst)).ghl;
const of = (list, id = ADA_GHL) => list.filter((x) => x.contactId === id);
const count = async (inst, template) => (await dh.log(inst, template)).length;
const notes = async (inst) => (await dh.notifications(inst)).filter((n) => n.action === 'showNotify');
const lastNotify = async (inst) => (await notes(inst)).at(-1);
/** Waits (showNotify reaches devhost after the panel changes) until the latest notification passes `check`. */
const notifiedLast = (inst, check) => eventually(async () => { const n = await lastNotify(inst); return n !== undefined && check(n); });

async function fill(frame, form, values) {
  for (const [name, value] of Object.entries(values)) {
    await frame.fill(typed(form, name), value);
  }
}

const submit = (frame, form) => frame.click(`[data-form="${form}"] :is(fw-button, button)[type="submit"]`);

test('a task is validated, created exactly once on a double click, edited whole, completed and deleted', async (t) => {
  const { inst, frame, errors } = await open(t, ADA);
  const before = of((await ghl(inst)).tasks).length;
  // A blank title is refused before any request.
  await submit(frame, 'new-task');
  assert.match(await frame.textContent('[data-form="new-task"] .form__error'), /Enter a title/);
  assert.equal(await count(inst, 'ghlCreateTask'), 0);
  assert.equal(await frame.evaluate(() => document.documentElement.dataset.crayons), 'on');
  for (const [name, tag] of [['title', 'FW-INPUT'], ['body', 'FW-TEXTAREA'], ['due', 'FW-DATEPICKER']]) {
    assert.equal(await frame.$eval(host('new-task', name), (e) => e.tagName), tag, `${name} is a Crayons control`);
  }
  // The due time defaults to the next business day at 09:00, shown by the Crayons datepicker.
  const due = await valueOf(frame, 'new-task', 'due');
  assert.match(due, /^\d{4}-\d\d-\d\d 09:00$/);
  assert.ok([1, 2, 3, 4, 5].includes(new Date(`${due.replace(' ', 'T')}:00`).getDay()), due);
  await fill(frame, 'new-task', { title: 'Send the contract', body: 'Two copies' });
  await frame.locator('[data-form="new-task"]').scrollIntoViewIfNeeded();
  await screenshot(frame.page(), 'actions-crayons-form');
  // Its calendar icon is drawn from the pinned crayons-icon copy (nothing leaves loopback); the
  // calendar opens, and Cancel keeps the due time.
  await frame.waitForFunction(() => document.querySelector('[data-form="new-task"] fw-datepicker')
    .shadowRoot.querySelector('fw-icon[name="calendar-time"]')?.shadowRoot?.querySelector('svg path'));
  const picker = frame.locator('[data-form="new-task"] fw-datepicker');
  await picker.click();
  await picker.locator('.mdp-container').waitFor({ state: 'visible' });
  await screenshot(frame.page(), 'actions-datepicker-open');
  await picker.getByText('Cancel', { exact: true }).click();
  await picker.locator('.mdp-container').waitFor({ state: 'hidden' });
  assert.equal(await valueOf(frame, 'new-task', 'due'), due, 'Cancel keeps the due time');
  await frame.dblclick('[data-form="new-task"] fw-button[type="submit"]');
  await settled(frame);
  let tasks = of((await ghl(inst)).tasks);
  assert.equal(tasks.length, before + 1, 'exactly one task created');
  const created = tasks.find((x) => x.title === 'Send the contract');
  assert.equal(created.completed, false);
  assert.equal(created.body, 'Two copies');
  assert.equal(new Date(created.dueDate).getTime(), new Date(`${due.replace(' ', 'T')}:00`).getTime(), 'sent in UTC for the viewer\'s 09:00');
  assert.equal(await count(inst, 'ghlCreateTask'), 1);
  assert.ok(await frame.$(`.item[data-id="${created.id}"]`), 'shown in the timeline');
  assert.equal(await valueOf(frame, 'new-task', 'title'), '', 'form cleared after success');

  // Edit: strict mode rejects partial updates, so this passing means the whole task was sent.
  await frame.click(`[data-action="edit-task:${created.id}"]`);
  await fill(frame, `edit-task:${created.id}`, { title: 'Send the signed contract' });
  await submit(frame, `edit-task:${created.id}`);
  await settled(frame);
  let now = of((await ghl(inst)).tasks).find((x) => x.id === created.id);
  assert.equal(now.title, 'Send the signed contract');
  assert.equal(now.body, 'Two copies', 'description kept');
  const [put] = await dh.log(inst, 'ghlUpdateTask');
  assert.ok(put, 'one PUT');

  await frame.click(`[data-action="complete:${created.id}"]`);
  await settled(frame);
  now = of((await ghl(inst)).tasks).find((x) => x.id === created.id);
  assert.equal(now.completed, true);
  assert.ok(await frame.$(`[data-action="reopen:${created.id}"]`));

  await frame.click(`[data-action="delete-task:${created.id}"]`);
  await frame.waitForFunction((id) => !document.querySelector(`.item[data-id="${id}"]`), created.id);
  await settled(frame);
  const confirms = (await dh.notifications(inst)).filter((n) => n.action === 'showConfirm');
  assert.equal(confirms.length, 1, 'asked first');
  assert.ok(await eventually(async () => !of((await ghl(inst)).tasks).some((x) => x.id === created.id)), 'deleted in GHL');
  await screenshot(frame.page(), 'actions-tasks');
  assert.deepEqual(errors, []);
});

test('a note keeps its newlines, names its author and goes to Freshsales too', async (t) => {
  const { inst, frame, errors } = await open(t, ADA);
  await fill(frame, 'new-note', { text: 'Wants a demo\nnext Tuesday' });
  await frame.check('[data-form="new-note"] [name="to_freshsales"]');
  await submit(frame, 'new-note');
  await settled(frame);
  const s = await dh.state(inst);
  const note = of(s.ghl.notes).find((n) => n.body.includes('Wants a demo'));
  assert.equal(note.body, 'Dana Devhost (Freshsales):\nWants a demo\nnext Tuesday');
  // The Freshsales copy and the id pair in the link record (written after the copy answers).
  let link;
  await eventually(async () => (link = (await dh.state(inst)).db[`ghlink:${ADA}`]).notes.some((p) => p.ghl === note.id), 5000);
  const pair = link.notes.find((p) => p.ghl === note.id);
  assert.ok(pair?.fs, 'ids recorded for the sync');
  const fsNote = (await dh.state(inst)).freshsales.notes.find((n) => String(n.id) === pair.fs);
  assert.equal(fsNote.description, note.body);
  assert.equal(await count(inst, 'fsCreateNote'), 1);
  // Edit, then delete after confirming.
  await frame.click(`[data-action="edit-note:${note.id}"]`);
  await fill(frame, `edit-note:${note.id}`, { text: 'Wants a demo\non Wednesday' });
  await submit(frame, `edit-note:${note.id}`);
  await settled(frame);
  assert.equal(of((await ghl(inst)).notes).find((n) => n.id === note.id).body, 'Wants a demo\non Wednesday');
  await frame.click(`[data-action="delete-note:${note.id}"]`);
  await frame.waitForFunction((id) => !document.querySelector(`.item[data-id="${id}"]`), note.id);
  await settled(frame);
  assert.ok(await eventually(async () => !of((await ghl(inst)).notes).some((n) => n.id === note.id)), 'deleted in GHL');
  assert.deepEqual(errors, []);
});

test('pushing a linked contact sends only the changed fields and never blanks a GHL value', async (t) => {
  const JOSE = '70042006402';
  const JOSE_GHL = 'gCnt02JoseNunez00002';
  const inst = await dh.installation();
  await dh.control('POST', 'upstream', {
    installation: inst, api: 'freshsales', method: 'PUT', path: `/crm/sales/api/contacts/${JOSE}`,
    body: { contact: { last_name: 'Núñez García', mobile_number: '', city: 'Orlando' } },
  });
  const before = (await ghl(inst)).contacts.find((c) => c.id === JOSE_GHL);
  const view = await dh.openContact(t, inst, JOSE);
  await dh.waitForPanel(view.frame);
  await view.frame.click('[data-action="push"]');
  await settled(view.frame);
  const after = (await ghl(inst)).contacts.find((c) => c.id === JOSE_GHL);
  assert.equal(after.lastName, 'Núñez García');
  assert.equal(after.city, 'Orlando');
  assert.equal(after.phone, before.phone, 'an empty Freshsales phone does not blank GHL\'s');
  assert.equal(after.companyName, before.companyName);
  for (const k of ['firstName', 'email', 'tags']) assert.deepEqual(after[k], before[k], k);
  assert.equal(await count(inst, 'ghlUpdateContact'), 1);
  assert.equal(await count(inst, 'ghlUpsertContact'), 0, 'a linked contact is updated, not upserted');
  // The link record's new snapshot is written after the panel settles.
  assert.ok(await eventually(async () => (await dh.state(inst)).db[`ghlink:${JOSE}`]?.synced?.last_name === 'Núñez García'), 'snapshot in the store');
  assert.deepEqual(view.errors, []);
});

test('tags: one added, a case-insensitive duplicate refused, one removed, the others intact', async (t) => {
  const { inst, frame, errors } = await open(t, ADA);
  const start = (await ghl(inst)).contacts.find((c) => c.id === ADA_GHL).tags;
  assert.ok(start.length >= 1, 'seeded with tags');
  await fill(frame, 'tag', { tag: start[0].toUpperCase() });
  await submit(frame, 'tag');
  assert.match(await frame.textContent('[data-form="tag"] .form__error'), /already has/);
  assert.equal(await count(inst, 'ghlAddTags'), 0);
  await fill(frame, 'tag', { tag: 'e2e-new' });
  await submit(frame, 'tag');
  await settled(frame);
  let tags = (await ghl(inst)).contacts.find((c) => c.id === ADA_GHL).tags;
  assert.deepEqual(tags, [...start, 'e2e-new']);
  await frame.click(`[data-action="remove-tag"][data-tag="${start[0]}"]`);
  await settled(frame);
  tags = (await ghl(inst)).contacts.find((c) => c.id === ADA_GHL).tags;
  assert.deepEqual(tags, [...start.slice(1), 'e2e-new']);
  assert.equal(await count(inst, 'ghlUpdateContact'), 0, 'the tag list is never PUT');
  assert.deepEqual(errors, []);
});

test('an unlinked contact is pushed once and linked; unlinking leaves a tombstone', async (t) => {
  const { inst, frame, errors } = await open(t, SEUN);
  const before = (await ghl(inst)).contacts.length;
  await screenshot(frame.page(), 'actions-unlinked');
  await frame.dblclick('[data-action="push"]');
  await dh.waitForPanel(frame, { states: ['ready'] });
  const s = await dh.state(inst);
  assert.equal(s.ghl.contacts.length, before + 1, 'one contact created');
  const link = s.db[`ghlink:${SEUN}`];
  assert.equal(link.linked_by, 'push');
  const created = s.ghl.contacts.find((c) => c.id === link.ghl_id);
  assert.equal(created.source, 'Freshsales');
  assert.equal(await count(inst, 'ghlUpsertContact'), 1);
  await frame.click('[data-action="unlink"]');
  await dh.waitForPanel(frame, { states: ['notice'] });
  // The tombstone is written to the store after the panel changes: ask until it is there.
  let after;
  assert.ok(await eventually(async () => (after = (await dh.state(inst)).db[`ghlink:${SEUN}`]).ghl_id === undefined), 'unlinked in the store');
  assert.equal(after.unlinked.ghl_id, link.ghl_id);
  // Linking by hand: search, pick.
  await fill(frame, 'search', { q: created.email ?? created.firstName });
  await submit(frame, 'search');
  await frame.waitForSelector(`[data-action="pick"][data-id="${link.ghl_id}"]`);
  const [search] = await dh.log(inst, 'ghlSearchContacts');
  assert.ok(search, 'searched');
  await frame.click(`[data-action="pick"][data-id="${link.ghl_id}"]`);
  await dh.waitForPanel(frame, { states: ['ready'] });
  assert.ok(await eventually(async () => (await dh.state(inst)).db[`ghlink:${SEUN}`].linked_by === 'manual'), 'linked by hand in the store');
  assert.deepEqual(errors, []);
});

test('a 500 on create after GHL saved the task: found by a lookup, no duplicate', async (t) => {
  const { inst, frame, errors } = await open(t, ADA);
  await dh.addFaults(inst, { template: 'ghlCreateTask', kind: 'server_error', apply: true, count: 1 });
  const before = of((await ghl(inst)).tasks).length;
  await fill(frame, 'new-task', { title: 'Saved despite the 500' });
  await submit(frame, 'new-task');
  await settled(frame);
  const tasks = of((await ghl(inst)).tasks).filter((x) => x.title === 'Saved despite the 500');
  assert.equal(tasks.length, 1);
  assert.equal(of((await ghl(inst)).tasks).length, before + 1);
  assert.equal(await count(inst, 'ghlCreateTask'), 1, 'not retried');
  assert.ok(await frame.$(`.item[data-id="${tasks[0].id}"]`));
  assert.ok(await notifiedLast(inst, (n) => n.type === 'success'), JSON.stringify(await lastNotify(inst)));
  assert.deepEqual(errors, []);
});

test('a timeout on create after GHL saved the note: looked up, not created twice', async (t) => {
  const { inst, frame, errors } = await open(t, ADA);
  await dh.options(inst, { request_timeout_ms: 1500 });
  await dh.addFaults(inst, { template: 'ghlCreateNote', kind: 'hang', apply: true, count: 1 });
  await fill(frame, 'new-note', { text: 'Lost answer' });
  await submit(frame, 'new-note');
  await settled(frame);
  assert.equal(of((await ghl(inst)).notes).filter((n) => n.body.endsWith('Lost answer')).length, 1);
  assert.equal(await count(inst, 'ghlCreateNote'), 1);
  assert.ok(await count(inst, 'ghlListNotes') >= 2, 'listed again to look it up');
  assert.deepEqual(errors, []);
});

test('a 422 on create keeps the typed text, shows plain words, creates nothing; the retry creates one', async (t) => {
  const { inst, frame, errors } = await open(t, ADA);
  const body = JSON.stringify({ statusCode: 422, message: ['title must be shorter than or equal to 3 characters'], error: 'Unprocessable Entity' });
  await dh.addFaults(inst, { template: 'ghlCreateTask', kind: 'status', status: 422, body, count: 1 });
  const before = of((await ghl(inst)).tasks).length;
  await fill(frame, 'new-task', { title: 'Refused once', body: 'keep me' });
  await submit(frame, 'new-task');
  await settled(frame);
  const err = await frame.textContent('[data-form="new-task"] .form__error');
  assert.match(err, /not saved/);
  assert.doesNotMatch(await frame.textContent('#app'), /shorter than|Unprocessable/);
  assert.equal(await valueOf(frame, 'new-task', 'title'), 'Refused once');
  assert.equal(await valueOf(frame, 'new-task', 'body'), 'keep me');
  assert.ok(await notifiedLast(inst, (n) => n.type === 'danger'), JSON.stringify(await lastNotify(inst)));
  assert.equal(of((await ghl(inst)).tasks).length, before, 'nothing created');
  await submit(frame, 'new-task');
  await settled(frame);
  assert.equal(of((await ghl(inst)).tasks).filter((x) => x.title === 'Refused once').length, 1);
  assert.deepEqual(errors, []);
});

test('a 429 on a tag rolls back and says so; nothing is retried', async (t) => {
  const { inst, frame, errors } = await open(t, ADA);
  await dh.addFaults(inst, { template: 'ghlAddTags', kind: 'rate_limit', retry_after: 5, count: 1 });
  const start = (await ghl(inst)).contacts.find((c) => c.id === ADA_GHL).tags;
  await fill(frame, 'tag', { tag: 'busy-tag' });
  await submit(frame, 'tag');
  await settled(frame);
  assert.equal(await count(inst, 'ghlAddTags'), 1);
  const shown = await frame.$$eval('.card .tag', (els) => els.map((e) => e.textContent));
  assert.deepEqual(shown, start, 'rolled back');
  assert.equal(await valueOf(frame, 'tag', 'tag'), 'busy-tag');
  assert.ok(await notifiedLast(inst, (n) => /busy/i.test(n.message)), JSON.stringify(await lastNotify(inst)));
  assert.deepEqual((await ghl(inst)).contacts.find((c) => c.id === ADA_GHL).tags, start);
  assert.deepEqual(errors, []);
});

for (const [why, slug, beforeLoad, browserLine] of WITHOUT_CRAYONS) {
  test(`${why}: the forms fall back to native controls and still write`, async (t) => {
    const { inst, frame, errors } = await open(t, ADA, { beforeLoad });
    assert.equal(await frame.evaluate(() => document.documentElement.dataset.crayons), 'off');
    assert.equal(await frame.$('#app fw-input, #app fw-button, #app fw-datepicker'), null, 'no Crayons elements');
    const due = await frame.inputValue('[data-form="new-task"] input[type="datetime-local"][name="due"]');
    assert.match(due, /^\d{4}-\d\d-\d\dT09:00$/);
    await fill(frame, 'new-task', { title: 'Native task', due: `${due.slice(0, 10)}T14:30` });
    await submit(frame, 'new-task');
    await settled(frame);
    const task = of((await ghl(inst)).tasks).find((x) => x.title === 'Native task');
    assert.ok(task, 'created in GHL');
    assert.equal(new Date(task.dueDate).getTime(), new Date(`${due.slice(0, 10)}T14:30:00`).getTime());
    await fill(frame, 'new-note', { text: 'Typed without Crayons' });
    await submit(frame, 'new-note');
    await settled(frame);
    assert.ok(of((await ghl(inst)).notes).some((n) => n.body.endsWith('Typed without Crayons')));
    await screenshot(frame.page(), `actions-no-crayons-${slug}`);
    assert.ok(errors.some((e) => browserLine.test(e)), 'the browser reported what it refused');
    assert.deepEqual(errors.filter((e) => !browserLine.test(e)), [], 'and nothing else');
  });
}
