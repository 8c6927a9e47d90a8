/* devhost client shim: what `{{{appclient}}}` loads on every app page under devhost.
 *
 * Implements the Freshworks platform 3.0 front-end surface the app uses (see
 * shared/research/freshworks-platform.md §2 and §8): app.initialized() (and the legacy
 * frsh_init), client.events, client.data, client.iparams, client.request, client.interface,
 * client.instance and client.db. State, limits and checks live in devhost (/__devhost/*);
 * this file turns them into promises and talks to the host page with postMessage.
 */
(function () {
  "use strict";
  if (window.app && window.app.__devhost) {
    return;
  }

  var params = new URLSearchParams(window.location.search);
  var INSTALL = params.get("install") || params.get("installation") || "demo";
  var MODAL_ID = params.get("modal");
  var IS_INSTALL_PAGE = window.location.pathname.indexOf("/config/") === 0;
  var CALLER = IS_INSTALL_PAGE ? "iparams" : "frontend";
  var LOCATION = MODAL_ID ? "modal" : IS_INSTALL_PAGE ? "installation" : "contact_entity_menu";
  var INSTANCE_ID = MODAL_ID ? "modal-" + MODAL_ID : "1";
  var DATA_NAMES = ["currentEntityInfo", "loggedInUser", "currentHost"];
  var INVOKE_OPTIONS = ["context", "body", "query", "cache", "ttl"];

  var contactId = params.get("contact");
  var activation = 1; // bumps on every (re)activation
  var active = !MODAL_ID && !IS_INSTALL_PAGE;
  var listeners = {}; // event name -> [{cb, seen}]
  var receivers = [];
  var pending = {}; // reply id -> resolve
  var nextReply = 1;
  var session = null;

  function clone(v) {
    return v === undefined ? v : JSON.parse(JSON.stringify(v));
  }

  function devhostError(message) {
    return { status: 502, message: "devhost unreachable: " + message };
  }

  function post(path, body) {
    return window
      .fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
      .then(function (r) { return r.json(); })
      .catch(function (e) { return { ok: false, status: 502, message: String(e), unreachable: true }; });
  }

  function get(path) {
    return window.fetch(path).then(function (r) { return r.json(); });
  }

  function q(name, value) {
    return name + "=" + encodeURIComponent(value);
  }

  function toParent(msg) {
    msg.devhost = 1;
    msg.instanceId = INSTANCE_ID;
    msg.installation = INSTALL;
    if (window.parent && window.parent !== window) {
      window.parent.postMessage(msg, window.location.origin);
    }
  }

  function askParent(msg, fallback, ms) {
    return new Promise(function (resolve) {
      var id = "r" + nextReply++;
      pending[id] = resolve;
      msg.replyId = id;
      toParent(msg);
      window.setTimeout(function () {
        if (pending[id]) {
          delete pending[id];
          resolve(fallback);
        }
      }, ms);
    });
  }

  function reject(obj) {
    return Promise.reject(obj);
  }

  function isPlainObject(v) {
    return v !== null && typeof v === "object" && !Array.isArray(v);
  }

  /* ---------- events ---------- */

  function call(cb, type, data) {
    window.setTimeout(function () {
      try {
        cb({ type: type, helper: { getData: function () { return clone(data); } } });
      } catch (e) {
        window.console.error("devhost: error in " + type + " callback", e);
      }
    }, 0);
  }

  function fire(type, data) {
    (listeners[type] || []).slice().forEach(function (l) {
      l.seen = activation;
      call(l.cb, type, data);
    });
  }

  function activate(newContactId) {
    fire("app.deactivated", {});
    active = false;
    if (newContactId !== undefined && newContactId !== null) {
      contactId = String(newContactId);
    }
    activation += 1;
    active = true;
    fire("app.activated", {});
  }

  var events = {
    on: function (name, cb, opts) {
      if (MODAL_ID || IS_INSTALL_PAGE) {
        throw new Error("client.events is not supported in " + LOCATION);
      }
      if (typeof name !== "string" || typeof cb !== "function") {
        throw new TypeError("client.events.on(name, callback) needs an event name and a function");
      }
      var l = { cb: cb, seen: 0, intercept: !!(opts && opts.intercept) };
      (listeners[name] = listeners[name] || []).push(l);
      // The app is already active when it subscribes after app.initialized(): tell it once.
      if (name === "app.activated" && active && initDone) {
        l.seen = activation;
        call(cb, name, {});
      }
    }
  };

  /* ---------- data ---------- */

  var data = {
    get: function (name) {
      return ready.then(function () {
        if (DATA_NAMES.indexOf(name) < 0 || (name === "currentEntityInfo" && (IS_INSTALL_PAGE || !contactId))) {
          return reject({ status: 400, message: "Invalid data method: '" + name + "' is not available in " + LOCATION });
        }
        if (name === "currentEntityInfo") {
          var n = Number(contactId);
          return { currentEntityInfo: { currentEntityId: isNaN(n) ? contactId : n, currentEntityType: "contact" } };
        }
        if (name === "loggedInUser") {
          return { loggedInUser: clone(session.loggedInUser) };
        }
        return session.options.current_host_wrapped ? { currentHost: clone(session.currentHost) } : clone(session.currentHost);
      });
    }
  };

  /* ---------- iparams ---------- */

  var iparams = {
    get: function (key) {
      return get("/__devhost/iparams?" + q("installation", INSTALL)).then(function (r) {
        if (!r.ok) {
          return reject({ status: r.status, message: r.message });
        }
        if (key === undefined) {
          return r.iparams;
        }
        if (!Object.prototype.hasOwnProperty.call(r.iparams, key)) {
          return reject({ status: 404, message: "Installation parameter '" + key + "' is not available" });
        }
        var out = {};
        out[key] = r.iparams[key];
        return out;
      });
    }
  };

  /* ---------- request ---------- */

  var request = {
    invokeTemplate: function (name, options) {
      if (typeof name !== "string" || !name) {
        return reject({ status: 400, response: JSON.stringify({ message: "Request template name is required" }), errorSource: "APP" });
      }
      if (options !== undefined && !isPlainObject(options)) {
        return reject({ status: 400, response: JSON.stringify({ message: "options must be an object" }), errorSource: "APP" });
      }
      options = options || {};
      var keys = Object.keys(options);
      var unknown = keys.filter(function (k) { return INVOKE_OPTIONS.indexOf(k) < 0; });
      if (unknown.length) {
        return reject({ status: 400, response: JSON.stringify({ message: "Unknown option(s): " + unknown.join(", ") }), errorSource: "APP" });
      }
      if (options.body !== undefined && options.body !== null && typeof options.body !== "string") {
        return reject({ status: 400, response: JSON.stringify({ message: "body must be a string (JSON.stringify it)" }), errorSource: "APP" });
      }
      return post("/__devhost/invoke", {
        installation: INSTALL,
        caller: CALLER,
        name: name,
        option_keys: keys,
        context: options.context,
        query: options.query,
        body: options.body,
        cache: options.cache,
        ttl: options.ttl
      }).then(function (r) {
        if (r.unreachable) {
          return reject({ status: 502, headers: {}, response: JSON.stringify({ message: r.message }), errorSource: "PLATFORM" });
        }
        var out = { status: r.status, headers: r.headers || {}, response: r.response };
        if (r.ok) {
          return out;
        }
        if (r.errorSource !== undefined) {
          out.errorSource = r.errorSource;
        }
        if (r.attempts !== undefined) {
          out.attempts = r.attempts;
        }
        return reject(out);
      });
    },
    invoke: function (fn, payload) {
      return post("/__devhost/smi", { installation: INSTALL, name: fn, payload: payload }).then(function (r) {
        return r.ok ? { requestID: "devhost", status: 200, response: r.response } : reject({ requestID: "devhost", status: r.status, message: r.message });
      });
    }
  };

  /* ---------- interface ---------- */

  function trigger(action, opts) {
    if (MODAL_ID || IS_INSTALL_PAGE) {
      return reject({ status: 400, message: "client.interface is not supported in " + LOCATION });
    }
    return post("/__devhost/interface", { installation: INSTALL, instance: INSTANCE_ID, action: action, options: opts === undefined ? null : opts }).then(function (r) {
      if (!r.ok) {
        return reject({ status: r.status, message: r.message });
      }
      if (action === "showConfirm") {
        return confirm(r);
      }
      if (action === "showModal" || action === "showDialog") {
        toParent({ kind: "modal", url: r.url, record: r.record });
      } else {
        toParent({ kind: action === "showNotify" ? "notify" : action, record: r.record });
      }
      return r.result;
    });
  }

  function confirmTimeout() {
    return { status: 408, message: "Timeout: the confirmation was not answered" };
  }

  function confirm(r) {
    var timeoutMs = r.confirm_timeout_ms || 10000;
    if (r.pending) {
      // Manual mode: the host page shows the dialog and a person answers (or not).
      return askParent({ kind: "confirm", record: r.record, manual: true }, null, timeoutMs).then(function (label) {
        if (label === null) {
          toParent({ kind: "confirm-closed" });
          return reject(confirmTimeout());
        }
        post("/__devhost/interface", { installation: INSTALL, instance: INSTANCE_ID, action: "confirmAnswered", options: { label: label } });
        return { message: label };
      });
    }
    toParent({ kind: "confirm", record: r.record, answered: r.timeout ? null : r.result.message });
    if (r.timeout) {
      return new Promise(function (resolve, rejectFn) {
        window.setTimeout(function () { rejectFn(confirmTimeout()); }, timeoutMs);
      });
    }
    return r.result;
  }

  /* ---------- instance ---------- */

  var instance = {
    resize: function (opts) {
      return post("/__devhost/interface", { installation: INSTALL, instance: INSTANCE_ID, action: "resize", options: opts || null }).then(function (r) {
        if (!r.ok) {
          return reject({ status: r.status, message: r.message });
        }
        toParent({ kind: "resize", height: r.result.height });
        return r.result;
      });
    },
    close: function () {
      toParent({ kind: "close" });
      return Promise.resolve({ message: "success" });
    },
    context: function () {
      return ready.then(function () {
        var ctx = { instanceId: INSTANCE_ID, location: LOCATION };
        if (MODAL_ID && session.modal) {
          ctx.parentId = session.modal.parentId;
          ctx.modalData = clone(session.modal.data);
        }
        return ctx;
      });
    },
    get: function () {
      return askParent({ kind: "instances" }, [{ instanceId: INSTANCE_ID, location: LOCATION }], 500);
    },
    send: function (opts) {
      if (!isPlainObject(opts) || opts.message === undefined) {
        return reject({ status: 400, message: "send({message, receiver?}) needs a message" });
      }
      toParent({ kind: "send", message: clone(opts.message), receiver: opts.receiver === undefined ? null : String(opts.receiver) });
      return Promise.resolve({ message: "success" });
    },
    receive: function (cb) {
      if (typeof cb !== "function") {
        throw new TypeError("client.instance.receive(callback) needs a function");
      }
      receivers.push(cb);
    }
  };

  /* ---------- db ---------- */

  function dbOp(body) {
    body.installation = INSTALL;
    return post("/__devhost/db", body).then(function (r) {
      return r.ok ? r.result : reject({ status: r.status, message: r.message });
    });
  }

  var db = {
    set: function (key, value, options) {
      return dbOp({ op: "set", key: key, value: value, options: options === undefined ? null : options });
    },
    get: function (key) {
      return dbOp({ op: "get", key: key });
    },
    update: function (key, action, attributes) {
      return dbOp({ op: "update", key: key, action: action, attributes: attributes });
    },
    delete: function (key) {
      return dbOp({ op: "delete", key: key });
    }
  };

  var client = {
    events: events,
    data: data,
    iparams: iparams,
    request: request,
    interface: { trigger: trigger },
    instance: instance,
    db: db
  };

  /* ---------- messages from the host page ---------- */

  window.addEventListener("message", function (ev) {
    var m = ev.data;
    if (!m || m.devhost !== 1 || ev.source !== window.parent) {
      return;
    }
    if (m.kind === "reply" && pending[m.replyId]) {
      var resolve = pending[m.replyId];
      delete pending[m.replyId];
      resolve(m.value);
    } else if (m.kind === "switch") {
      activate(m.contactId);
    } else if (m.kind === "event") {
      if (m.type === "app.activated") {
        activate();
      } else if (m.type === "app.deactivated") {
        active = false;
        fire("app.deactivated", m.data || {});
      } else {
        fire(m.type, m.data || {});
      }
    } else if (m.kind === "receive") {
      receivers.slice().forEach(function (cb) { call(cb, "receive", { senderId: m.senderId, message: m.message }); });
    }
  });

  /* ---------- initialisation ---------- */

  var initDone = false;
  var sessionUrl = "/__devhost/session?" + q("installation", INSTALL) + (MODAL_ID ? "&" + q("modal", MODAL_ID) : "");
  var ready = get(sessionUrl).then(function (s) {
    if (!s.ok) {
      throw devhostError(s.message);
    }
    session = s;
    initDone = true;
    return client;
  });

  window.app = {
    __devhost: true,
    initialized: function () {
      return ready;
    }
  };
  window.frsh_init = function () {
    return ready;
  };
})();
