// The background sync seen from the sidebar: editing a linked contact on devhost's simulated
// Freshsales page PUTs it to the Freshsales stand-in, devhost's sync child runs server.js's
// onContactUpdate in the emulated sandbox (the GHL stand-in gets the new value), then
// contact.update reloads the sidebar, whose "Sync activity" shows the new entry. Needs a built
// app (scripts/build-app.sh) and server core (scripts/build-server.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot, startDevhost } from './devhost.mjs';

const dh = await startDevhost({ set: { retry_delay_scale: 0.01 } });
const ADA = '70042006401';

test('an edit on the Freshsales page reaches GHL and shows in the sidebar sync log', async (t) => {
  const inst = await dh.installation();
  const ghlId = (await dh.state(inst)).db[`ghlink:${ADA}`]?.ghl_id;
  assert.ok(ghlId, 'the seed links this contact');
  const { page, frame, errors } = await dh.openContact(t, inst, ADA);
  assert.equal(await dh.waitForPanel(frame), 'ready');
  assert.equal(await frame.$$eval('.activity-what', (l) => l.filter((e) => e.textContent === 'Updated in HighLevel').length), 0, 'no update logged yet');

  await page.fill('#edit-contact input[name=city]', 'Bath');
  await page.fill('#edit-contact input[name=first_name]', 'Augusta Ada');
  await page.click('#edit-contact button[type=submit]');
  await page.waitForFunction(() => /synced by the background sync/.test(document.getElementById('edit-status').textContent), null, { timeout: 25000 });

  const state = await dh.state(inst);
  const fs = state.freshsales.contacts.find((c) => String(c.id) === ADA);
  assert.equal(fs.city, 'Bath', 'saved in the Freshsales stand-in');
  const g = state.ghl.contacts.find((c) => c.id === ghlId);
  assert.equal(g.city, 'Bath', 'the GHL stand-in has the new value');
  assert.equal(g.firstName, 'Augusta Ada');
  const sent = (await dh.log(inst, 'ghlUpdateContact')).filter((e) => e.caller === 'serverless');
  assert.equal(sent.length, 1, 'one PUT, from the serverless sync');
  const logged = state.db[`ghlink:${ADA}`].log.at(-1);
  assert.deepEqual([logged.action, logged.ok, [...logged.fields].sort()], ['update', true, ['city', 'first_name']]);

  // contact.update reloaded the sidebar: the new entry is listed, collapsed until opened. (The
  // recurring schedule may log a notes entry too, so the entry is found by what it says.)
  const updated = () => [...document.querySelectorAll('.activity-item')].filter((li) => li.querySelector('.activity-what').textContent === 'Updated in HighLevel').length > 0;
  await frame.waitForFunction(updated, null, { timeout: 15000 });
  assert.equal(await frame.$eval('details.activity', (d) => d.open), false);
  await frame.click('details.activity summary');
  const first = await frame.evaluate(() => {
    const li = [...document.querySelectorAll('.activity-item')].find((x) => x.querySelector('.activity-what').textContent === 'Updated in HighLevel');
    return {
      fields: li.querySelector('.activity-fields').textContent,
      result: li.querySelector('.activity-result').textContent,
      when: li.querySelector('.activity-when').textContent,
      visible: li.getBoundingClientRect().height > 0,
    };
  });
  assert.deepEqual(first.fields.split(', ').sort(), ['City', 'First name']);
  assert.equal(first.result, 'Done');
  assert.match(first.when, /^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}$/);
  assert.ok(first.visible, 'shown once opened');
  assert.equal(await page.textContent('#contact-name'), 'Augusta Ada Lovelace', 'the host pane reloaded too');
  await screenshot(page, 'synclog-after-edit');
  assert.deepEqual(errors, []);
});
