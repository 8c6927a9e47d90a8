// Tasks through the background sync: a task saved with the task form on devhost's simulated
// Freshsales page is created (then updated) in the Freshsales stand-in, devhost's sync child
// runs server.js's onTaskCreate / onTaskUpdate in the emulated sandbox (the GHL stand-in gets
// the task on the linked contact), then contact.update reloads the sidebar, whose timeline
// shows it. Needs a built app (scripts/build-app.sh) and server core (scripts/build-server.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot, startDevhost } from './devhost.mjs';

const dh = await startDevhost({ set: { retry_delay_scale: 0.01 } });
const ADA = '70042006401';
const TITLE = 'Call Ada about the proposal';

const synced = (page) => page.waitForFunction(() => /^Saved; synced by the background sync/.test(document.getElementById('edit-status').textContent), null, { timeout: 25000 });
const shownTask = (frame, id) => frame.evaluate((id) => {
  const li = document.querySelector(`.item[data-kind=task][data-id="${id}"]`);
  return li && { title: li.querySelector('.item__title').textContent.trim(), status: li.dataset.status };
}, id);

test('a task created and completed on the Freshsales page reaches GHL and the sidebar timeline', async (t) => {
  const inst = await dh.installation();
  const ghlId = (await dh.state(inst)).db[`ghlink:${ADA}`]?.ghl_id;
  assert.ok(ghlId, 'the seed links this contact');
  const { page, frame, errors } = await dh.openContact(t, inst, ADA);
  assert.equal(await dh.waitForPanel(frame), 'ready');
  const ghlTasks = async () => (await dh.state(inst)).ghl.tasks.filter((x) => x.contactId === ghlId && x.title.startsWith(TITLE));
  assert.deepEqual(await ghlTasks(), []);

  // Bad input says so in plain words and keeps what was typed.
  await page.fill('#edit-task input[name=due]', '2026-12-20T09:30');
  await page.click('#edit-task button[type=submit]');
  await page.waitForFunction(() => document.getElementById('edit-status').textContent.startsWith('Not saved'), null, { timeout: 10000 });
  assert.equal(await page.textContent('#edit-status'), "Not saved: Title can't be blank.");
  assert.equal(await page.inputValue('#edit-task input[name=due]'), '2026-12-20T09:30', 'the typed due time survives');

  await page.fill('#edit-task input[name=title]', TITLE);
  await page.click('#edit-task button[type=submit]');
  await synced(page);
  let state = await dh.state(inst);
  const fsTask = state.freshsales.tasks.find((x) => String(x.targetable_id) === ADA && x.title === TITLE);
  assert.ok(fsTask, 'saved in the Freshsales stand-in');
  assert.equal(fsTask.due_date, '2026-12-20T09:30:00-05:00', "the form's time read in the account's offset");
  let tasks = await ghlTasks();
  assert.equal(tasks.length, 1, 'the GHL stand-in has the task on the linked contact');
  assert.equal(tasks[0].dueDate.slice(0, 19), '2026-12-20T14:30:00');
  assert.equal(tasks[0].completed, false);
  const sent = (await dh.log(inst, 'ghlCreateTask')).filter((e) => e.caller === 'serverless');
  assert.equal(sent.length, 1, 'one create, from the serverless sync');

  // contact.update reloaded the sidebar: the timeline shows the task.
  await frame.waitForFunction((id) => document.querySelector(`.item[data-kind=task][data-id="${id}"]`), tasks[0].id, { timeout: 15000 });
  assert.deepEqual(await shownTask(frame, tasks[0].id), { title: TITLE, status: 'open' });

  // Completing it on the Freshsales page updates the same GHL task (the pane reloaded with it).
  await page.selectOption('#edit-task select[name=task_id]', String(fsTask.id));
  assert.equal(await page.inputValue('#edit-task input[name=title]'), TITLE, 'picking a task fills the form');
  await page.fill('#edit-task input[name=title]', `${TITLE} (done)`);
  await page.check('#edit-task input[name=done]');
  await page.click('#edit-task button[type=submit]');
  await synced(page);
  tasks = await ghlTasks();
  assert.equal(tasks.length, 1, 'updated, not duplicated');
  assert.deepEqual([tasks[0].title, tasks[0].completed], [`${TITLE} (done)`, true]);
  state = await dh.state(inst);
  assert.equal(state.freshsales.tasks.filter((x) => String(x.targetable_id) === ADA && x.title.startsWith(TITLE)).length, 1);
  await frame.waitForFunction((id) => document.querySelector(`.item[data-kind=task][data-id="${id}"]`)?.dataset.status === 'done', tasks[0].id, { timeout: 15000 });
  assert.deepEqual(await shownTask(frame, tasks[0].id), { title: `${TITLE} (done)`, status: 'done' });
  await screenshot(page, 'tasksync-after-complete');
  assert.deepEqual(errors, []);
});
