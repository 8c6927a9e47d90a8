// A bulk import: 2,000 contacts created in Freshsales within a minute. The platform delivers
// 2,000 onContactCreate events, far more than the 50 $db ops and 50 requests a minute allow:
// handlers sync or queue what fits, the rest is refused by the store and recovered by the
// recurring run's catch-up scan. Checked: every contact reaches GHL exactly once, no request
// is ever refused by the platform's quota, and scheduled runs stay within the store's quota.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventPayload, loadServer, withDevhost } from './sandbox.mjs';

const N = Number(process.env.BURST || 2000);
const env = withDevhost();

test(`${N} creates in a burst: budgets held, all synced eventually, none twice`, { timeout: 600_000 }, async () => {
  const inst = await env.ctl.fresh();
  const box = loadServer(env.dev.base, inst);
  const contacts = [];
  for (let i = 0; i < N; i++) {
    const r = await env.ctl.upstream(inst, 'freshsales', 'POST', '/crm/sales/api/contacts', { contact: { first_name: 'Bulk', last_name: `Import${i}`, email: `bulk.${i}@import.example.com` } });
    assert.equal(r.status, 201, r.body);
    contacts.push(JSON.parse(r.body).contact);
  }
  let busy = 0;
  for (const c of contacts) {
    await env.ctl.advance(30); // 2,000 events in a minute
    await box.sync();
    await box.handlers.onContactCreateHandler(eventPayload('onContactCreate', { contact: c }));
    if (box.renders.at(-1).data.done.includes('store busy: not recorded')) busy += 1;
  }
  const refusedByHandlers = box.db.refused;
  assert.ok(busy > 0, 'the burst outran the store quota, as a real import does');

  const emails = new Set(contacts.map((c) => c.email));
  let runs = 0;
  let synced = 0;
  while (runs < 600) {
    await env.ctl.advance(5 * 60_000); // the recurring schedule
    await box.sync();
    await box.handlers.onScheduledEventHandler(eventPayload('onScheduledEvent', { kind: 'drain' }));
    runs += 1;
    assert.equal(box.renders.at(-1).err, null);
    if (runs % 20 === 0 || runs > 150) {
      // Done when every contact is linked (a link write the store refused during the burst is
      // redone when the scan reaches that contact, oldest last).
      const st = await env.ctl.state(inst);
      synced = contacts.filter((c) => st.db[`ghlink:${c.id}`]?.ghl_id).length;
      if (synced === N) break;
    }
  }
  const st = await env.ctl.state(inst);
  const ghl = st.ghl.contacts.filter((g) => emails.has(g.email));
  const perEmail = new Map();
  for (const g of ghl) perEmail.set(g.email, (perEmail.get(g.email) || 0) + 1);
  assert.equal(perEmail.size, N, `all synced (${perEmail.size}/${N} after ${runs} runs)`);
  assert.ok([...perEmail.values()].every((n) => n === 1), 'none twice');
  const byId = new Map(ghl.map((g) => [g.id, g]));
  for (const c of contacts) assert.equal(byId.get(st.db[`ghlink:${c.id}`]?.ghl_id)?.email, c.email, `linked ${c.id}`);
  const log = await env.ctl.log(inst);
  assert.equal(log.filter((e) => e.outcome === 'rate_limited').length, 0, 'the platform never refused a request');
  // The request quota, checked over every 60 s window of the log.
  const times = log.map((e) => e.at_ms).sort((a, b) => a - b);
  let peak = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] >= 60_000) j++;
    peak = Math.max(peak, i - j + 1);
  }
  assert.ok(peak <= 50, `peak ${peak} requests in a minute`);
  assert.equal(box.db.refused, refusedByHandlers, 'scheduled runs stayed within the store quota');
  console.log(`burst: ${N} contacts, ${refusedByHandlers} store refusals in handlers, ${busy} events refused by the store and recovered by the scan, ${runs} scheduled runs, ${log.length} requests, peak ${peak}/min`);
});
