// The background sync end to end: server/server.js in the emulated sandbox, against devhost's
// GHL and Freshsales stand-ins. Each test uses a fresh installation.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { control, eventPayload, loadServer, startDevhost } from './sandbox.mjs';

let dev;
let ctl;
before(async () => {
  dev = await startDevhost();
  ctl = control(dev.base);
});
after(() => dev && dev.stop());

let nextId = 91000000001;
function fsContact(over = {}) {
  const id = nextId++;
  return { id, first_name: 'Grace', last_name: `Hopper${id}`, email: `grace.${id}@example.com`, emails: [], mobile_number: null, work_number: null,
    address: '1 Navy Way', city: 'Arlington', state: 'VA', zipcode: '22201', country: 'United States', custom_field: {}, updated_at: '2026-12-03T10:00:00-05:00', ...over };
}

async function setup(iparams) {
  const inst = await ctl.fresh();
  const box = loadServer(dev.base, inst);
  await box.sync();
  return { inst, box, fire: async (event, data, extra) => { await box.sync(); await box.handlers[`${event}Handler`](eventPayload(event, data, { ...iparams, ...extra })); return box.renders.at(-1); } };
}

const ghlContacts = async (inst) => (await ctl.state(inst)).ghl.contacts;
const link = async (inst, fsId) => (await ctl.state(inst)).db[`ghlink:${fsId}`];
const calls = async (inst, template) => (await ctl.log(inst)).filter((e) => !template || e.template === template);

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
