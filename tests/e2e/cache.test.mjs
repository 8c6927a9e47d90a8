// The request economy in Chromium: a linked contact's first open makes its four reads; opening
// it again within the cache's fresh period makes none, both in the same frame (in-page switch)
// and after a full reload (the view comes back from sessionStorage, never localStorage); the
// retry path (contact.update) reads afresh. Needs a built app (scripts/build-app.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDevhost } from './devhost.mjs';

const dh = await startDevhost({ set: { retry_delay_scale: 0.01 } });
const ADA = '70042006401';
const JOSE = '70042006402';

/** The templates called since log entry `from`, sorted. */
async function readsSince(inst, from) {
  return (await dh.log(inst)).slice(from).map((e) => e.template).sort();
}

async function cardIs(frame, name) {
  await frame.waitForFunction((n) => document.getElementById('app').dataset.state === 'ready'
    && document.querySelector('.card__name')?.textContent === n, name, { timeout: 15000 });
}

test('a fresh re-open costs no request, in the same frame and after a reload', async (t) => {
  const inst = await dh.installation();
  const { page, frame } = await dh.openContact(t, inst, ADA);
  await dh.waitForPanel(frame);
  const ada = await frame.textContent('.card__name');
  assert.equal((await dh.log(inst)).length, 4, 'first open: four reads');
  await dh.switchContact(inst, JOSE, 'in-page');
  await frame.waitForFunction((a) => document.getElementById('app').dataset.state === 'ready'
    && document.querySelector('.card__name')?.textContent !== a, ada, { timeout: 15000 });
  let n = (await dh.log(inst)).length;
  await dh.switchContact(inst, ADA, 'in-page');
  await cardIs(frame, ada);
  assert.deepEqual(await readsSince(inst, n), [], 'in-page re-open: 0 requests');
  // A full reload: a new page and a new wasm instance; the tab's sessionStorage remains.
  n = (await dh.log(inst)).length;
  await dh.switchContact(inst, ADA, 'reload');
  await page.waitForLoadState('load');
  const reloaded = await (await page.waitForSelector('#app-frame')).contentFrame();
  await cardIs(reloaded, ada);
  assert.deepEqual(await readsSince(inst, n), [], 're-open after a reload: 0 requests');
  const keys = await reloaded.evaluate(() => ({ session: Object.keys(sessionStorage), local: Object.keys(localStorage) }));
  assert.ok(keys.session.some((k) => k.startsWith('ghlb:v1:')), `${keys.session}`);
  assert.deepEqual(keys.local, []);
  // contact.update (and the retry button) bypass the cache.
  n = (await dh.log(inst)).length;
  await dh.event(inst, 'contact.update', { contact_id: ADA });
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && (await readsSince(inst, n)).length < 4) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(await readsSince(inst, n), ['ghlGetContact', 'ghlListAppointments', 'ghlListNotes', 'ghlListTasks']);
});
