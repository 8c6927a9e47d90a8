// The sidebar's read path end to end: devhost on its default seed, the simulated contact page in
// headless Chromium, and what the app renders checked against the stand-ins' own data (read
// through the control API). Needs a built app (scripts/build-app.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startDevhost, screenshot } from './devhost.mjs';

const dh = await startDevhost({ set: { retry_delay_scale: 0.01 } });

// Seed contacts (devhost/seed/default.json), chosen by how they resolve; every expectation
// below is read from the stand-ins, not from this list.
const ADA = '70042006401'; // linked, tasks + notes + appointments
const JOSE = '70042006402'; // linked, a long timeline
const ANNA = '70042006403'; // linked, no activity
const WANG = '70042006420'; // not linked; GHL has her email (in other letter case)
const MARCUS = '70042006430'; // not linked; GHL has his phone only
const SEUN = '70042006440'; // not linked; GHL has neither

const READS = ['ghlGetContact', 'ghlListAppointments', 'ghlListNotes', 'ghlListTasks'];

/** What the panel shows, as plain data. */
function panel(frame) {
  return frame.evaluate(() => {
    const app = document.getElementById('app');
    const text = (sel, root = app) => root.querySelector(sel)?.textContent.trim() ?? null;
    return {
      state: app.dataset.state,
      core: document.documentElement.dataset.core,
      panels: app.querySelectorAll('.ghl').length,
      cards: app.querySelectorAll('.card').length,
      card: app.querySelector('.card') && {
        name: text('.card__name'),
        email: text('.card__email'),
        phone: text('.card__phone'),
        company: text('.card__company'),
        tags: [...app.querySelectorAll('.card .tag')].map((t) => t.textContent),
        open: app.querySelector('.card__open')?.getAttribute('href') ?? null,
      },
      items: [...app.querySelectorAll('.item')].map((li) => ({ kind: li.dataset.kind, id: li.dataset.id, status: li.dataset.status ?? null, title: text('.item__title', li) })),
      days: [...app.querySelectorAll('.timeline .day')].map((d) => d.textContent),
      empty: text('.empty'),
      notice: app.querySelector('.notice') && { title: text('.notice__title'), text: text('.notice__text') },
      sectionErrors: [...app.querySelectorAll('.section-error')].map((e) => e.dataset.section),
      skeletons: app.querySelectorAll('.skeleton').length,
      // The panel's own elements: what Crayons components draw inside themselves (some into the
      // light DOM, whenever they hydrate) is theirs, not a duplicate.
      nodes: [...app.getElementsByTagName('*')].filter((e) => {
        for (let p = e.parentElement; p && p !== app; p = p.parentElement) if (p.tagName.startsWith('FW-')) return false;
        return true;
      }).length,
    };
  });
}

/** The stand-ins' view of Freshsales contact `fsId`: its link, GHL contact and activity. */
async function truth(inst, fsId) {
  const s = await dh.state(inst);
  const fs = s.freshsales.contacts.map((c) => c.contact ?? c).find((c) => String(c.id) === fsId);
  const link = s.db[`ghlink:${fsId}`] ?? null;
  const ghlId = link?.ghl_id ?? null;
  const of = (list) => list.filter((x) => x.contactId === ghlId);
  return {
    fs,
    link,
    location: s.ghl.locationId,
    contact: s.ghl.contacts.find((c) => c.id === ghlId) ?? null,
    tasks: of(s.ghl.tasks),
    notes: of(s.ghl.notes),
    appointments: of(s.ghl.appointments),
  };
}

/** Opens `fsId` in a fresh installation and waits for the panel to settle. */
async function open(t, fsId, { installation, states } = {}) {
  const inst = installation ?? (await dh.installation());
  const view = await dh.openContact(t, inst, fsId);
  await dh.waitForPanel(view.frame, { states });
  return { inst, ...view, shown: await panel(view.frame) };
}

/**
 * Checks the card and the timeline against the stand-in data `d`: same fields, every task, note
 * and appointment once, newest first (appointment times as the viewer's wall clock), overdue
 * and completed tasks marked.
 */
async function assertShows(frame, shown, d) {
  const c = d.contact;
  assert.equal(shown.card.name, c.name ?? `${c.firstName} ${c.lastName}`);
  assert.equal(shown.card.email, c.email ?? null);
  assert.equal(shown.card.phone, c.phone ?? null);
  assert.equal(shown.card.company, c.companyName ?? null);
  assert.deepEqual(shown.card.tags, c.tags ?? []);
  assert.ok(shown.card.open.endsWith(`/v2/location/${d.location}/contacts/detail/${c.id}`), shown.card.open);
  const expected = [
    ...d.tasks.map((x) => ({ kind: 'task', id: x.id, at: x.dueDate, utc: true })),
    ...d.notes.map((x) => ({ kind: 'note', id: x.id, at: x.dateAdded, utc: true })),
    ...d.appointments.map((x) => ({ kind: 'appointment', id: x.id, at: x.startTime, utc: false })),
  ];
  // The browser's own clock and zone place each item, as the app should.
  const placed = await frame.evaluate((list) => list.map((x) => ({
    ...x, ms: x.utc ? Date.parse(x.at) : new Date(x.at.replace(' ', 'T')).getTime(),
  })), expected);
  const now = await frame.evaluate(() => Date.now());
  assert.deepEqual(shown.items.map((i) => `${i.kind}:${i.id}`).sort(), placed.map((x) => `${x.kind}:${x.id}`).sort(), 'every item once');
  const ms = new Map(placed.map((x) => [x.id, x.ms]));
  const order = shown.items.map((i) => ms.get(i.id));
  assert.deepEqual(order, [...order].sort((a, b) => b - a), 'newest first');
  for (const task of d.tasks) {
    const status = shown.items.find((i) => i.id === task.id).status;
    const want = task.completed ? 'done' : Date.parse(task.dueDate) < now ? 'overdue' : 'open';
    assert.equal(status, want, `task ${task.id}`);
  }
  assert.equal(new Set(shown.days).size, shown.days.length, 'one heading per day');
  assert.equal(shown.days.length > 0, shown.items.length > 0);
}

test('a linked contact: card and timeline match GHL, four reads in parallel, nothing else', async (t) => {
  const inst = await dh.installation();
  // Latency on every GHL read: sequential requests would not overlap.
  await dh.addFaults(inst, { api: 'ghl', kind: 'latency', latency_ms: 300 });
  const { page, frame, errors, shown } = await open(t, ADA, { installation: inst });
  await screenshot(page, 'read-linked');
  const d = await truth(inst, ADA);
  assert.equal(shown.state, 'ready');
  await assertShows(frame, shown, d);
  assert.ok(d.tasks.length && d.notes.length && d.appointments.length, 'the seed gives Ada every kind');
  const log = await dh.log(inst);
  assert.ok(log.length <= 4, `${log.length} requests for a linked contact's first open`);
  assert.deepEqual(log.map((e) => e.template).sort(), READS);
  assert.ok(log.every((e) => e.outcome === 'ok' && e.caller === 'frontend'));
  const lastStart = Math.max(...log.map((e) => e.at_ms));
  const firstEnd = Math.min(...log.map((e) => e.at_ms + e.duration_ms));
  assert.ok(lastStart < firstEnd, 'all four reads were in flight at once');
  // Note HTML: formatting kept, scripts, handlers and javascript: links gone.
  const html = await frame.evaluate(() => ({
    strong: document.querySelectorAll('.item--note .item__body strong').length,
    handlers: [...document.querySelectorAll('#app *')].filter((e) => [...e.attributes].some((a) => a.name.startsWith('on'))).length,
    badLinks: [...document.querySelectorAll('#app a')].filter((a) => !/^https:/.test(a.getAttribute('href') ?? '')).length,
    unsafeTargets: [...document.querySelectorAll('#app a[target]')].filter((a) => a.rel !== 'noopener noreferrer').length,
  }));
  assert.deepEqual(html, { strong: html.strong, handlers: 0, badLinks: 0, unsafeTargets: 0 });
  assert.ok(html.strong > 0);
  // The panel told the host its height (its layout box, not scrollHeight: a hidden Crayons
  // popup may overflow it), and tells it again when the content changes size by itself
  // (Crayons components draw after they are attached): wait until the frame fits.
  const fits = async () => {
    const reported = Number((await page.textContent('#frame-size')).replace(' px', ''));
    const { height, content } = await frame.evaluate(() => ({ height: window.innerHeight, content: document.getElementById('app').offsetHeight }));
    return { reported, height, wanted: Math.min(700, Math.max(200, content + 24)) };
  };
  let size;
  await eventually(async () => { size = await fits(); return size.height === size.reported && size.height === size.wanted; }, 5000);
  assert.equal(size.height, size.reported, JSON.stringify(size));
  assert.equal(size.height, size.wanted, JSON.stringify(size));
  assert.deepEqual(errors, []);
});

/** Opens an unlinked contact and checks it was found with `by` and linked, then shown. */
async function assertFound(t, fsId, by, name) {
  const { inst, page, frame, errors, shown } = await open(t, fsId);
  await screenshot(page, name);
  const d = await truth(inst, fsId);
  assert.ok(d.link, 'the link was stored');
  assert.equal(d.link.linked_by, by);
  assert.equal(shown.state, 'ready');
  await assertShows(frame, shown, d);
  const log = await dh.log(inst);
  const searches = log.filter((e) => e.template === 'ghlFindDuplicate');
  assert.equal(searches.length, by === 'email' ? 1 : 2, searches.map((s) => s.url).join('\n'));
  assert.match(searches.at(-1).url, by === 'email' ? /[?&]email=/ : /[?&]number=/);
  // The match carries the contact: only the three activity lists follow.
  assert.deepEqual(log.filter((e) => e.template.startsWith('ghlList')).map((e) => e.template).sort(), READS.slice(1));
  assert.deepEqual(errors, []);
  return { d, log };
}

test('a contact found by email is linked and shown', async (t) => {
  const { d } = await assertFound(t, WANG, 'email', 'read-found-by-email');
  assert.notEqual(d.contact.email, d.fs.email);
  assert.equal(d.contact.email.toLowerCase(), d.fs.email.toLowerCase());
});

test('a contact found by phone is linked and shown', async (t) => {
  const { d } = await assertFound(t, MARCUS, 'phone', 'read-found-by-phone');
  assert.notEqual(d.contact.email, d.fs.email);
});

test('a contact with no match says so and shows the email and phone it tried', async (t) => {
  const { inst, page, shown, errors } = await open(t, SEUN);
  await screenshot(page, 'read-not-found');
  const d = await truth(inst, SEUN);
  assert.equal(d.link, null, 'nothing was linked');
  assert.equal(shown.state, 'notice');
  assert.equal(shown.notice.title, 'No match in HighLevel');
  assert.ok(shown.notice.text.includes(d.fs.email), shown.notice.text);
  const digits = d.fs.mobile_number.replace(/\D/g, '');
  assert.ok(shown.notice.text.replace(/\D/g, '').includes(digits), shown.notice.text);
  const searches = (await dh.log(inst)).filter((e) => e.template === 'ghlFindDuplicate');
  assert.equal(searches.length, 2);
  assert.deepEqual(errors, []);
});

test('a linked contact with no activity shows the empty state', async (t) => {
  const { inst, page, shown } = await open(t, ANNA);
  await screenshot(page, 'read-empty');
  const d = await truth(inst, ANNA);
  assert.equal(d.tasks.length + d.notes.length + d.appointments.length, 0);
  assert.equal(shown.card.name, d.contact.name ?? `${d.contact.firstName} ${d.contact.lastName}`);
  assert.deepEqual(shown.items, []);
  assert.match(shown.empty, /No tasks, notes or appointments/);
});

test('a failed section shows its own error; the other sections still render', async (t) => {
  const inst = await dh.installation();
  await dh.addFaults(inst, { template: 'ghlListNotes', kind: 'server_error', status: 503 });
  const { page, frame, shown } = await open(t, ADA, { installation: inst });
  await screenshot(page, 'read-failed-section');
  const d = await truth(inst, ADA);
  assert.deepEqual(shown.sectionErrors, ['notes']);
  assert.equal(shown.skeletons, 0);
  await assertShows(frame, shown, { ...d, notes: [] });
  const text = await frame.textContent('#app');
  assert.doesNotMatch(text, /503|<html|Service Unavailable/i, 'no raw API text');
});

test('an in-page switch re-renders without duplicated nodes, listeners or requests', async (t) => {
  const { inst, page, frame, shown: ada } = await open(t, ADA);
  await frame.evaluate(() => { window.__sameFrame = true; });
  const switchTo = async (fsId, reads = READS) => {
    const before = (await dh.log(inst)).length;
    const d = await truth(inst, fsId);
    const name = d.contact.name ?? `${d.contact.firstName} ${d.contact.lastName}`;
    await dh.switchContact(inst, fsId, 'in-page');
    await frame.waitForFunction((n) => document.getElementById('app').dataset.state === 'ready'
      && document.querySelector('.card__name')?.textContent === n, name, { timeout: 15000 });
    const shown = await panel(frame);
    await assertShows(frame, shown, d);
    const calls = (await dh.log(inst)).slice(before);
    assert.deepEqual(calls.map((e) => e.template).sort(), reads, `requests for ${fsId}`);
    return shown;
  };
  const jose = await switchTo(JOSE);
  await screenshot(page, 'read-switched');
  assert.equal(jose.panels, 1);
  assert.equal(jose.cards, 1);
  const back = await switchTo(ADA, []); // a fresh re-open renders from the cache: no request
  assert.equal(back.nodes, ada.nodes, 'the same contact renders the same number of nodes');
  assert.equal(await frame.evaluate(() => window.__sameFrame), true, 'the app was not reloaded');
  // One listener per event: a contact.update reloads once (four reads), not once per activation.
  const before = (await dh.log(inst)).length;
  await dh.event(inst, 'contact.update', { contact_id: ADA });
  await frame.waitForFunction(() => document.getElementById('app').dataset.state === 'ready');
  const deadline = Date.now() + 5000;
  let calls = [];
  while (Date.now() < deadline && calls.length < 4) {
    await new Promise((r) => setTimeout(r, 100));
    calls = (await dh.log(inst)).slice(before);
  }
  await new Promise((r) => setTimeout(r, 500)); // room for any duplicate to show up
  calls = (await dh.log(inst)).slice(before);
  assert.deepEqual(calls.map((e) => e.template).sort(), READS);
  assert.equal((await panel(frame)).nodes, ada.nodes);
});

test('a page that refuses WebAssembly runs the JS build and shows the same', async (t) => {
  const inst = await dh.installation();
  await dh.options(inst, { csp: 'no-wasm' });
  const { page, frame, shown, errors } = await open(t, ADA, { installation: inst });
  await screenshot(page, 'read-no-wasm');
  assert.equal(shown.core, 'js');
  assert.equal(shown.state, 'ready');
  await assertShows(frame, shown, await truth(inst, ADA));
  assert.deepEqual(errors.filter((e) => !/WebAssembly|wasm/i.test(e)), []);
});

test('a switch by full reload shows the new contact', async (t) => {
  const { inst, page } = await open(t, ADA);
  await dh.switchContact(inst, JOSE, 'reload');
  await page.waitForURL(new RegExp(`/contacts/${JOSE}\\?`), { timeout: 15000 });
  const frame = await (await page.waitForSelector('#app-frame')).contentFrame();
  await dh.waitForPanel(frame);
  await assertShows(frame, await panel(frame), await truth(inst, JOSE));
});

test('without Crayons the panel still shows its data', async (t) => {
  const inst = await dh.installation();
  const noCrayons = (p) => p.route('**/npm/@freshworks/**', (r) => r.abort());
  const view = await dh.openContact(t, inst, ADA, { beforeLoad: noCrayons });
  await dh.waitForPanel(view.frame);
  await screenshot(view.page, 'read-no-crayons');
  const shown = await panel(view.frame);
  assert.equal(shown.state, 'ready');
  await assertShows(view.frame, shown, await truth(inst, ADA));
});
