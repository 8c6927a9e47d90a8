// Starts the app: waits for the Freshworks host client, loads the Rust core and mounts it in #app.
//
// The core comes in two builds of the same crate (scripts/build-app.sh):
//   ../pkg/     WebAssembly, instantiated from bytes embedded in a JS module (no fetch);
//   ../pkg-js/  plain JS (wasm2js), for pages whose Content-Security-Policy refuses WebAssembly.
// Which one runs is visible as <html data-core="wasm" | "js" | "blocked">.
// The panel is never left blank: when nothing can start, it says so in plain words.

const HOST_WAIT_MS = 15000;

const MESSAGES = {
  blocked: [
    'Your browser blocked this app from starting.',
    'Reload the page to try again. If it keeps happening, ask your Freshsales admin to check the browser security settings for this app.',
  ],
  noHost: ["This app couldn't connect to Freshsales.", 'Reload the page to try again.'],
  failed: ["HighLevel couldn't start.", 'Reload the page to try again.'],
};

let generation = 0; // bumped by each fresh load: a new module URL is a new module instance
let wasmRefused = false; // once WebAssembly failed on this page, later loads go straight to JS

async function loadWasm(query) {
  if (typeof WebAssembly !== 'object') throw new Error('WebAssembly is not available');
  const [glue, bytes] = await Promise.all([
    import(`../pkg/ghl_bridge.js${query}`),
    import('../pkg/ghl_bridge_bytes.js'),
  ]);
  await glue.default({ module_or_path: await bytes.default() });
  return glue;
}

// The JS build instantiates itself when its module is evaluated.
function loadJs(query) {
  return import(`../pkg-js/ghl_bridge.js${query}`);
}

/**
 * Loads the core and returns its exports, or null when neither build can start.
 * `fresh: true` evaluates the core's module again, giving a new instance with new memory:
 * the way back after a Rust panic has left the current instance unusable.
 */
export async function loadCore({ fresh = false } = {}) {
  const query = fresh ? `?fresh=${++generation}` : '';
  let core = null;
  let kind = 'blocked';
  if (!wasmRefused) {
    try {
      core = await loadWasm(query);
      kind = 'wasm';
    } catch (err) {
      wasmRefused = true;
      console.warn('ghl-bridge: WebAssembly is unavailable here; using the JS build.', err);
    }
  }
  if (!core) {
    try {
      core = await loadJs(query);
      kind = 'js';
    } catch (err) {
      console.warn('ghl-bridge: the JS build could not be loaded.', err);
    }
  }
  document.documentElement.dataset.core = kind;
  return core;
}

// Crayons (Stencil) defines its elements as soon as its script runs and loads each one's code on
// first use, through `import()` wrapped in `new Function` or, where the page's CSP refuses eval,
// a `blob:` module script. A policy refusing both leaves the elements defined but never drawn, so
// one hidden fw-button is tried before the first render: the core uses Crayons only when it comes
// alive (<html data-crayons="on">), native controls otherwise ("off").
const CRAYONS_WAIT_MS = 3000;

async function crayonsWork() {
  if (!customElements.get('fw-button')) return false; // its script did not load or run
  const probe = document.createElement('fw-button');
  probe.hidden = true;
  let onRefused;
  const refused = new Promise((resolve) => {
    onRefused = (e) => { if (e.blockedURI === 'blob') resolve(false); };
    document.addEventListener('securitypolicyviolation', onRefused, true);
  });
  const timeout = new Promise((resolve) => { setTimeout(resolve, CRAYONS_WAIT_MS, false); });
  document.body.append(probe);
  try {
    return await Promise.race([probe.componentOnReady().then(() => true), refused, timeout]);
  } catch {
    return false;
  } finally {
    probe.remove();
    document.removeEventListener('securitypolicyviolation', onRefused, true);
  }
}

// `window.app` comes from the host's client script, which loads async: it may not exist yet.
function hostClient() {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (typeof window.app?.initialized === 'function') {
        resolve(window.app.initialized());
      } else if (Date.now() - started > HOST_WAIT_MS) {
        reject(new Error('the Freshworks client script did not load'));
      } else {
        setTimeout(poll, 20);
      }
    };
    poll();
  });
}

/** Replaces the content of `root` with a plain-language notice. */
export function showMessage(root, [title, detail]) {
  const box = document.createElement('div');
  box.className = 'app-message';
  box.setAttribute('role', 'alert');
  const heading = document.createElement('h2');
  heading.textContent = title;
  const text = document.createElement('p');
  text.textContent = detail;
  box.append(heading, text);
  root.replaceChildren(box);
  root.removeAttribute('aria-busy');
}

async function start() {
  const root = document.getElementById('app');
  // Crayons' module script ran before this one and defines its elements a few microtasks later,
  // so after one task they are there if it loaded: try it while the core loads.
  const crayons = new Promise((resolve) => { setTimeout(resolve, 0); }).then(crayonsWork);
  // Load the core while the host initializes; neither needs the other.
  const [client, core] = await Promise.all([
    hostClient().catch((err) => {
      console.warn('ghl-bridge:', err);
      return null;
    }),
    loadCore(),
  ]);
  document.documentElement.dataset.crayons = (await crayons) ? 'on' : 'off';
  if (!core) return showMessage(root, MESSAGES.blocked);
  if (!client) return showMessage(root, MESSAGES.noHost);
  root.replaceChildren();
  root.removeAttribute('aria-busy');
  try {
    await core.mount(client, root);
  } catch (err) {
    console.error('ghl-bridge: mount failed', err);
    showMessage(root, MESSAGES.failed);
  }
}

start();
