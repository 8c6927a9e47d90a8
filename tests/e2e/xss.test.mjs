// Hostile data end to end: a corpus of XSS payloads is put into the stand-ins (a seed file built
// from the default seed) as GHL contact names, company, tags, task titles, note bodies and
// appointment titles; each contact is opened in Chromium. No payload may run (a global canary
// stays untouched in every frame, no dialog opens, no handler/script/javascript: URL reaches
// the DOM), and the text stays readable (names, tags and titles shown verbatim as text; each
// note's plain marker visible). Needs a built app (scripts/build-app.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDevhost, screenshot } from './devhost.mjs';
import { ROOT } from './harness.mjs';

// `X` marks where a payload would run code: it becomes `xss(<n>)`, which records the hit.
const CORPUS = [
  // script tags
  '<script>X</script>', '<SCRIPT SRC=data:text/javascript,X></SCRIPT>', '<script/src="data:,X"></script>',
  '<<script>X//<</script>', '<scr<script>ipt>X</scr</script>ipt>', '<script>/*</script><script>X//*/</script>',
  // event handlers
  '<img src=x onerror=X>', '<img src="x" onerror="X">', '<IMG SRC=# onmouseover="X">', '<body onload=X>',
  '<div onpointerenter=X style="position:fixed;inset:0">hover</div>', '<input autofocus onfocus=X>',
  '<details open ontoggle=X>', '<video><source onerror=X></video>', '<audio src=x onerror=X>',
  '<marquee onstart=X>m</marquee>', '<p onclick=X>click me</p>', '<a onmouseover=X>link</a>',
  // javascript:, data:, vbscript: URLs
  '<a href="javascript:X">js link</a>', '<a href="JaVaScRiPt:X">mixed case</a>', '<a href=" javascript:X">leading space</a>',
  '<a href="java&#x09;script:X">tab entity</a>', '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;X">entities</a>',
  '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data link</a>', '<a href="data:text/html,<script>X</script>">data html</a>',
  '<a href="vbscript:msgbox(1)">vb link</a>', '<iframe src="javascript:X"></iframe>', '<form action="javascript:X"><button>go</button></form>',
  '<button formaction="javascript:X">fa</button>', '<object data="javascript:X"></object>', '<embed src="javascript:X">',
  '<meta http-equiv="refresh" content="0;url=javascript:X">',
  // SVG and MathML
  '<svg onload=X>', '<svg><script>X</script></svg>', '<svg><a xlink:href="javascript:X"><text x=1 y=9>svg a</text></a></svg>',
  '<svg><animate onbegin=X attributeName=x dur=1s>', '<svg><foreignObject><img src=x onerror=X></foreignObject></svg>',
  '<math><mtext><table><mglyph><style><img src=x onerror=X>', '<math href="javascript:X">math link</math>',
  '<svg><set attributeName=onmouseover to=X>',
  // entity and encoding tricks
  '&lt;script&gt;X&lt;/script&gt;', '&#60;img src=x onerror=X&#62;', '\\u003cimg src=x onerror=X\\u003e',
  '%3Cscript%3EX%3C%2Fscript%3E', '<img src=x onerror=&#X;>', '"><img src=x onerror=X>', "'><svg onload=X>",
  '</textarea><img src=x onerror=X>', '</title><script>X</script>',
  // mutation XSS
  '<noscript><p title="</noscript><img src=x onerror=X>">', '<svg></p><style><a id="</style><img src=1 onerror=X>">',
  '<form><math><mtext></form><form><mglyph><style></math><img src onerror=X>', '<template><img src=x onerror=X></template>',
  '<style><img src=x onerror=X></style>', '<xmp><img src=x onerror=X></xmp>', '<!--<img src=x onerror=X>-->',
  // broken markup
  '<img src=x onerror=X', '<a href="javascript:X"', '<<img src=x onerror=X>>', '<div <img src=x onerror=X>>',
  '<p title="a"b onclick=X>broken quote</p>', '<iframe srcdoc="<script>X</script>">',
  '<base href="javascript:X//">', '<link rel=import href="data:text/html,<script>X</script>">',
].map((p, i) => p.replaceAll('X', `xss(${i})`));

const FIELDS_PER_CONTACT = 10;
const REF = '2026-12-01T15:00:00.000Z';

/** GHL ids are 20 characters. */
const gid = (kind, n) => `g${kind}X${String(n).padStart(20 - kind.length - 2, '0')}`;

/** The default seed plus one linked contact per slice of the corpus. */
function buildSeed() {
  const seed = JSON.parse(readFileSync(join(ROOT, 'devhost', 'seed', 'default.json'), 'utf8'));
  const fsTemplate = seed.freshsales.contacts[0].contact ?? seed.freshsales.contacts[0];
  const contacts = [];
  for (let c = 0; c * FIELDS_PER_CONTACT < CORPUS.length; c++) {
    const slice = CORPUS.slice(c * FIELDS_PER_CONTACT, (c + 1) * FIELDS_PER_CONTACT);
    const idx = (k) => c * FIELDS_PER_CONTACT + k;
    const fsId = 70042009000 + c;
    const ghlId = gid('Cnt', c);
    const [first, last, company] = [slice[0], slice[1 % slice.length], slice[2 % slice.length]];
    seed.freshsales.contacts.push({
      ...fsTemplate, id: fsId, first_name: `XSS${c}`, last_name: 'Corpus', display_name: `XSS${c} Corpus`,
      email: `xss${c}@example.com`, emails: [], mobile_number: null, sales_accounts: [], links: {},
    });
    seed.ghl.contacts.push({
      id: ghlId, locationId: seed.ghl.locationId, firstName: first, lastName: last, name: `${first} ${last}`,
      email: `xss${c}@example.com`, companyName: company, tags: slice, dateAdded: REF, dateUpdated: REF,
    });
    slice.forEach((p, k) => {
      const n = idx(k);
      seed.ghl.tasks.push({ id: gid('Tsk', n), title: p, body: p, dueDate: '2026-12-05T17:00:00.000Z', completed: false, contactId: ghlId });
      seed.ghl.notes.push({ id: gid('Nte', n), body: `<p>NOTE${n}</p>${p}`, dateAdded: '2026-11-20T10:00:00.000Z', contactId: ghlId });
      seed.ghl.appointments.push({
        id: gid('Apt', n), calendarId: 'gCal01SalesCalendar1', title: p, startTime: '2026-12-06 10:00:00', endTime: '2026-12-06 10:30:00',
        locationId: seed.ghl.locationId, contactId: ghlId, appointmentStatus: 'confirmed', status: 'confirmed', notes: p,
      });
    });
    seed.links.push({ v: 1, fs_id: String(fsId), ghl_id: ghlId, linked_by: 'email', linked_at: Date.parse(REF), notes: [], tasks: [], log: [] });
    contacts.push({ fsId: String(fsId), slice, first: idx(0) });
  }
  const dir = join(ROOT, 'target', 'e2e-seeds');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'xss.json');
  writeFileSync(path, JSON.stringify(seed));
  return { path, contacts };
}

const { path: SEED, contacts: CONTACTS } = buildSeed();
const dh = await startDevhost({ seed: SEED, set: { retry_delay_scale: 0.01 } });

// (Declared after the top-level await: a test declared before it lets node:test run the file's
// `after` hooks, which close the shared Chromium, before the browser is even launched.)
test('the corpus is large and covers every family', () => {
  assert.ok(CORPUS.length >= 50, `${CORPUS.length} payloads`);
  for (const needle of ['<script', 'onerror', 'javascript:', 'data:', 'vbscript:', '<svg', '<math', '&#', '<noscript', '<img src=x onerror=xss(56)']) {
    assert.ok(CORPUS.some((p) => p.includes(needle)), needle);
  }
});

// Defined in every frame before any script: payloads that run call xss(n); the canary must stay.
const TRAP = () => {
  window.__canary = 'intact';
  window.__xss = [];
  window.xss = (n) => { window.__xss.push(n); try { window.top.__xss.push(n); } catch { /* cross-origin */ } };
  window.alert = window.confirm = window.prompt = (m) => window.__xss.push(`dialog:${m}`);
};

for (const c of CONTACTS) {
  test(`payloads ${c.first}–${c.first + c.slice.length - 1} stay inert and readable`, async (t) => {
    const inst = await dh.installation();
    const dialogs = [];
    const { page, frame } = await dh.openContact(t, inst, c.fsId, {
      beforeLoad: async (p) => {
        await p.addInitScript(TRAP);
        p.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
      },
    });
    assert.equal(await dh.waitForPanel(frame), 'ready');
    // Give handlers (onload, onerror, autofocus, animations) a chance to fire, and hover/click around.
    await frame.hover('#app').catch(() => {});
    for (const el of await frame.$$('#app .item, #app .tag, #app a')) await el.hover().catch(() => {});
    await page.waitForTimeout(300);
    const seen = await frame.evaluate(() => {
      const app = document.getElementById('app');
      const all = [...app.querySelectorAll('*')];
      return {
        canary: window.__canary,
        xss: window.__xss,
        // The panel's own action forms are allowed: class "form", a form key the app renders,
        // and outside the rich-text note bodies (where a payload's <form> would land).
        bad: all.filter((e) => ['SCRIPT', 'IFRAME', 'OBJECT', 'EMBED', 'FORM', 'BASE', 'META', 'LINK', 'STYLE', 'svg', 'math', 'IMG'].includes(e.tagName))
          .filter((e) => !(e.matches('form.form[data-form]') && !e.closest('.item__body')
            && /^(new-task|new-note|tag|push|search|unlink|(edit-task|edit-note):[\w-]+)$/.test(e.dataset.form)))
          .map((e) => e.tagName)
          .concat(all.flatMap((e) => [...e.attributes].filter((a) => /^on/i.test(a.name) || /^\s*(javascript|data|vbscript):/i.test(a.value)).map((a) => `${e.tagName}[${a.name}=${a.value}]`))),
        text: app.innerText,
        texts: [...app.querySelectorAll('.tag, .item__title, .card__name, .card__company')].map((e) => e.textContent),
      };
    });
    const top = await page.evaluate(() => ({ canary: window.__canary, xss: window.__xss }));
    if (seen.xss.length || top.xss.length || dialogs.length) await screenshot(page, `xss-${c.first}`);
    assert.deepEqual({ canary: seen.canary, ran: seen.xss, topCanary: top.canary, topRan: top.xss, dialogs }, { canary: 'intact', ran: [], topCanary: 'intact', topRan: [], dialogs: [] });
    assert.deepEqual(seen.bad, [], 'no active element or URL in the panel');
    // Readable: tags and task/appointment titles are the payloads themselves, as text.
    const shown = seen.texts.join('\n');
    for (const p of c.slice) assert.ok(shown.includes(p.trim()), `shown as text: ${p}`);
    for (let k = 0; k < c.slice.length; k++) assert.ok(seen.text.includes(`NOTE${c.first + k}`), `note ${c.first + k} readable`);
    if (c.first === 0) {
      // Control: the trap does catch a payload that reaches an HTML sink.
      await frame.evaluate(() => { const d = document.createElement('div'); d.innerHTML = '<img src=x onerror="xss(\'control\')">'; document.body.append(d); });
      await frame.waitForFunction(() => window.__xss.includes('control'), null, { timeout: 5000 });
    }
  });
}
