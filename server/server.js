// Freshworks serverless handlers for the background sync (Freshsales → HighLevel). Thin by
// design: every decision is made by the Rust core (server/pkg/core.js, built by
// scripts/build-server.sh); this file only carries out what the core asks for —
// $request.invokeTemplate, $db — and feeds each answer back. Not strict mode: the handlers
// are published by assigning the platform's `exports`, as its samples do.

const core = require("./pkg/core.js");

const POLICIES = ["freshsales_wins", "ghl_wins", "newest_wins"];

/** The core's settings from the installation's iparams. */
function settingsFrom(iparams) {
  const p = iparams || {};
  let custom = [];
  try {
    const parsed = typeof p.custom_fields === "string" ? JSON.parse(p.custom_fields || "[]") : p.custom_fields;
    if (Array.isArray(parsed)) custom = parsed;
  } catch (e) {
    custom = []; // the installation page validates it; a bad map syncs the default fields only
  }
  return {
    location_id: String(p.ghl_location_id || ""),
    policy: POLICIES.indexOf(p.sync_policy) >= 0 ? p.sync_policy : "freshsales_wins",
    mapping: { default_country: String(p.default_country || "US"), source: "Freshsales", custom: custom },
  };
}

/** invokeTemplate's resolution or rejection as the core reads it. */
function reply(r, rejected) {
  const o = r || {};
  return {
    kind: "reply",
    status: Number(o.status) || 0,
    headers: o.headers || {},
    body: typeof o.response === "string" ? o.response : JSON.stringify(o.response || ""),
    platform: rejected && (o.errorSource === "PLATFORM" || !o.status),
  };
}

/** Carries out one op and returns the answer for the core. */
async function perform(op) {
  if (op.op === "invoke") {
    const opts = { context: op.context, query: op.query };
    if (op.body !== undefined) opts.body = op.body;
    try {
      return reply(await $request.invokeTemplate(op.name, opts), false);
    } catch (err) {
      return reply(err, true);
    }
  }
  try {
    let value = null;
    if (op.op === "db_get") value = await $db.get(op.key);
    else if (op.op === "db_set") await $db.set(op.key, op.value);
    else await $db.delete(op.key);
    return { kind: "db", ok: true, status: 200, value: value };
  } catch (err) {
    return { kind: "db", ok: false, status: (err && err.status) || 0, value: null };
  }
}

/** Runs the core to the end for one trigger; resolves with its outcome. */
async function run(trigger, iparams) {
  let out = core.step({ start: { trigger: trigger, settings: settingsFrom(iparams) }, now: Date.now(), random: Math.random() });
  while (out.op) {
    const answer = await perform(out.op);
    out = core.step({ state: out.state, answer: answer, now: Date.now(), random: Math.random() });
  }
  if (out.error) throw new Error(out.error);
  return out.done;
}

// Never raw error text: the catch-up scan of the next scheduled run recovers the change.
const FAILED = "Sync could not run; the next scheduled run catches up.";

/** Product events: the change is synced at once when the budgets allow, else queued. */
async function onEvent(payload) {
  try {
    const outcome = await run({ kind: "event", payload: payload }, payload.iparams);
    renderData(null, outcome);
  } catch (err) {
    renderData({ message: FAILED });
  }
}

exports = {
  onAppInstallHandler: async function (payload) {
    try {
      const outcome = await run({ kind: "install" }, payload.iparams);
      if (!outcome.ok) return renderData({ message: outcome.message });
      // The recurring drain of the queue (the one recurring schedule an app may have).
      try {
        await $schedule.create({ name: "ghl-sync-drain", data: { kind: "drain" }, schedule_at: new Date(Date.now() + 60000).toISOString(), repeat: { time_unit: "minutes", frequency: 5 } });
      } catch (err) {
        // Already scheduled (a reinstall): the existing schedule keeps running.
      }
      renderData();
    } catch (err) {
      renderData({ message: "The app could not check its settings." });
    }
  },
  onContactCreateHandler: onEvent,
  onContactUpdateHandler: onEvent,
  onTaskCreateHandler: onEvent,
  onTaskUpdateHandler: onEvent,
  onScheduledEventHandler: async function (payload) {
    try {
      renderData(null, await run({ kind: "scheduled" }, payload.iparams));
    } catch (err) {
      renderData({ message: FAILED });
    }
  },
};
