/* Installation page for HighLevel for Freshsales.
 * The platform calls getConfigs(configs) to fill the form, validate() before saving, and
 * postConfigs() to collect the values. validate() checks each credential with one request
 * (templates ghlCheckConnection and fsCheckConnection, which take the not-yet-saved values
 * through `context`) and says plainly which one is wrong. Secrets never leave this page
 * except through those templates; they are marked secure so the platform stores them
 * server-side only. */
"use strict";

const FIELDS = ["ghl_token", "ghl_location_id", "ghl_app_base_url", "default_country", "fs_domain", "fs_api_key", "sync_policy"];
const KINDS = ["TEXT", "LARGE_TEXT", "SINGLE_OPTIONS", "RADIO", "NUMERICAL", "MONETORY", "CHECKBOX", "MULTIPLE_OPTIONS"];
const SECURE = ["ghl_token", "fs_api_key"];
let clientPromise = null;

function field(id) { return document.getElementById(id); }

function valueOf(id) {
  const el = field(id);
  return String((el && el.value) || "").trim();
}

function setError(id, message) {
  const el = field(id);
  if (!el) { return; }
  el.setAttribute("state", message ? "error" : "normal");
  el.setAttribute("error-text", message || "");
}

function say(text, good) {
  const out = field("check-result");
  out.textContent = text;
  out.className = good ? "good" : "bad";
}

function client() {
  if (!clientPromise) { clientPromise = window.app.initialized(); }
  return clientPromise;
}

function getConfigs(configs) {
  FIELDS.forEach(function (id) {
    if (configs && typeof configs[id] === "string" && SECURE.indexOf(id) < 0) { field(id).value = configs[id]; }
  });
  let rules = [];
  try { rules = JSON.parse((configs && configs.custom_fields) || "[]"); } catch (e) { rules = []; }
  field("custom_fields").value = rules.map(function (r) { return [r.fs_key, r.ghl_id, r.kind].join(", "); }).join("\n");
}

/** The extra-field lines as the sync's custom-field map, or the number of the first bad line. */
function customRules() {
  const rules = [];
  const lines = valueOf("custom_fields").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) { continue; }
    const parts = line.split(",").map(function (p) { return p.trim(); });
    const kind = (parts[2] || "TEXT").toUpperCase();
    if (parts.length > 3 || !parts[0] || !parts[1] || KINDS.indexOf(kind) < 0) { return i + 1; }
    rules.push({ fs_key: parts[0], ghl_id: parts[1], kind: kind });
  }
  return rules;
}

function postConfigs() {
  const out = { __meta: { secure: SECURE.slice() } };
  FIELDS.forEach(function (id) { out[id] = valueOf(id); });
  out.fs_domain = normalizeDomain(out.fs_domain);
  out.default_country = out.default_country.toUpperCase();
  const rules = customRules();
  out.custom_fields = JSON.stringify(Array.isArray(rules) ? rules : []);
  return out;
}

function normalizeDomain(d) {
  return d.replace(/^https?:\/\//i, "").replace(/\/.*$/, "").toLowerCase();
}

function checkShape() {
  let problems = 0;
  const rules = [
    ["ghl_token", function (v) { return v.length >= 10; }, function (v) { return v ? "This token is too short: paste the whole Private Integration Token." : "Enter the HighLevel Private Integration Token."; }],
    ["ghl_location_id", function (v) { return /^[A-Za-z0-9_-]{4,40}$/.test(v); }, "Enter the location id: letters and digits, no spaces."],
    ["ghl_app_base_url", function (v) { return /^https:\/\/[^\s/]+\.[^\s/]+\/?$/.test(v); }, "Enter an address starting with https://, e.g. https://app.gohighlevel.com."],
    ["default_country", function (v) { return /^[A-Za-z]{2}$/.test(v); }, "Enter a two-letter country code, e.g. US."],
    ["fs_domain", function (v) { return /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(normalizeDomain(v)); }, "Enter your Freshsales domain, e.g. yourcompany.myfreshworks.com."],
    ["fs_api_key", function (v) { return v.length >= 8; }, function (v) { return v ? "This key is too short: paste the whole Freshsales API key." : "Enter the Freshsales API key."; }]
  ];
  rules.forEach(function (r) {
    const v = valueOf(r[0]);
    const ok = r[1](v);
    setError(r[0], ok ? "" : (typeof r[2] === "function" ? r[2](v) : r[2]));
    if (!ok) { problems += 1; }
  });
  return problems === 0;
}

function ghlProblem(status) {
  if (status === 401) { return ["ghl_token", "HighLevel refused this token. Check that it is a sub-account Private Integration Token and has not been rotated."]; }
  if (status === 403) { return ["ghl_location_id", "The token does not have access to this location. Check the location id, or create the token in this sub-account."]; }
  if (status === 422 || status === 400) { return ["ghl_location_id", "HighLevel did not accept this location id."]; }
  return [null, "HighLevel could not be reached to check the token. Try again in a moment."];
}

function fsProblem(status) {
  if (status === 401 || status === 403) { return ["fs_api_key", "Freshsales refused this API key."]; }
  if (status === 404) { return ["fs_domain", "No Freshsales account answered at this domain."]; }
  return [null, "Freshsales could not be reached to check the key. Try again in a moment."];
}

function check(c, template, context, body, problemOf) {
  const opts = { context: context };
  if (body) { opts.body = JSON.stringify(body); }
  return c.request.invokeTemplate(template, opts).then(function () { return null; }, function (err) {
    return problemOf(err && typeof err.status === "number" ? err.status : 0);
  });
}

function validate() {
  say("", true);
  if (!checkShape()) { return false; }
  const rules = customRules();
  setError("custom_fields", "");
  if (!Array.isArray(rules)) {
    setError("custom_fields", "Line " + rules + ": write field, HighLevel field id, kind.");
    say("Check the extra fields.", false);
    return false;
  }
  say("Checking the connections…", true);
  return client().then(function (c) {
    const location = valueOf("ghl_location_id");
    return Promise.all([
      check(c, "ghlCheckConnection", { ghl_token: valueOf("ghl_token") }, { locationId: location, pageLimit: 1 }, ghlProblem),
      check(c, "fsCheckConnection", { fs_domain: normalizeDomain(valueOf("fs_domain")), fs_api_key: valueOf("fs_api_key") }, null, fsProblem)
    ]);
  }).then(function (problems) {
    const bad = problems.filter(Boolean);
    bad.forEach(function (p) { if (p[0]) { setError(p[0], p[1]); } });
    if (bad.length) {
      say(bad.map(function (p) { return p[1]; }).join(" "), false);
      return false;
    }
    say("Both connections work.", true);
    return true;
  }, function () {
    say("The settings could not be checked. Reload the page and try again.", false);
    return false;
  });
}

window.getConfigs = getConfigs;
window.postConfigs = postConfigs;
window.validate = validate;
