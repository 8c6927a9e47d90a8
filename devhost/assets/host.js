/* devhost host page: the simulated Freshsales contact page and installation page.
 * Talks to the app's frames (client.js) with postMessage and to devhost with fetch.
 * App-supplied text is only ever inserted with textContent. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("devhost-config").textContent);
  var INSTALL = cfg.installation;

  function $(id) {
    return document.getElementById(id);
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) {
      e.className = cls;
    }
    if (text !== undefined && text !== null) {
      e.textContent = String(text);
    }
    return e;
  }

  function post(path, body) {
    return fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }).then(function (r) {
      return r.json();
    });
  }

  function enc(v) {
    return encodeURIComponent(v);
  }

  function toast(kind, title, message) {
    var t = el("div", "toast toast-" + (kind || "info"));
    t.setAttribute("role", "status");
    if (title) {
      t.appendChild(el("strong", null, title));
    }
    t.appendChild(el("span", null, message));
    $("toasts").appendChild(t);
    window.setTimeout(function () { t.remove(); }, 5000);
  }

  /* ---------------- contact page ---------------- */

  function contactPage() {
    var contactId = String(cfg.contactId);
    var mode = cfg.switchMode || "in-page";
    var lastEvent = cfg.lastEvent || 0;
    var modals = {}; // instanceId -> overlay element
    var confirmReply = null;

    $("switch-mode").value = mode;
    $("switch-mode").addEventListener("change", function () {
      mode = this.value;
    });

    function appFrame() {
      return $("app-frame");
    }

    function frames() {
      var list = [];
      if (appFrame()) {
        list.push({ id: "1", location: "contact_entity_menu", win: appFrame().contentWindow, el: appFrame() });
      }
      Object.keys(modals).forEach(function (id) {
        var f = modals[id].querySelector("iframe");
        list.push({ id: id, location: "modal", win: f.contentWindow, el: f });
      });
      return list;
    }

    function toApp(msg) {
      msg.devhost = 1;
      if (appFrame()) {
        appFrame().contentWindow.postMessage(msg, window.location.origin);
      }
    }

    function note(action, text, detail) {
      var li = el("li");
      li.appendChild(el("span", "note-action", action));
      li.appendChild(el("span", "note-text", text));
      if (detail) {
        li.appendChild(el("span", "note-detail", detail));
      }
      $("notes").insertBefore(li, $("notes").firstChild);
    }

    function pageUrl(id, how) {
      return "/contacts/" + enc(id) + "?install=" + enc(INSTALL) + "&switch=" + enc(how);
    }

    function highlight() {
      Array.prototype.forEach.call(document.querySelectorAll("#switcher a"), function (a) {
        var on = a.getAttribute("data-contact") === contactId;
        a.classList.toggle("current", on);
        if (on) {
          a.setAttribute("aria-current", "page");
        } else {
          a.removeAttribute("aria-current");
        }
      });
    }

    function refreshPane(id) {
      return fetch("/__devhost/contact-pane?installation=" + enc(INSTALL) + "&id=" + enc(id))
        .then(function (r) { return r.json(); })
        .then(function (p) {
          $("contact-pane").innerHTML = p.html; // rendered and escaped by devhost
          $("crumb-name").textContent = p.name;
          document.title = p.name + " · Contacts · Freshsales (devhost)";
        });
    }

    function switchTo(id, how, push) {
      id = String(id);
      if ((how || mode) === "reload") {
        window.location.href = pageUrl(id, "reload");
        return;
      }
      contactId = id;
      if (push !== false) {
        window.history.pushState({ contactId: id }, "", pageUrl(id, "in-page"));
      }
      highlight();
      refreshPane(id);
      toApp({ kind: "switch", contactId: id });
    }

    window.addEventListener("popstate", function () {
      var m = window.location.pathname.match(/^\/contacts\/([^/]+)/);
      if (m) {
        switchTo(decodeURIComponent(m[1]), "in-page", false);
      }
    });

    $("switcher").addEventListener("click", function (ev) {
      var a = ev.target.closest("a[data-contact]");
      if (!a) {
        return;
      }
      ev.preventDefault();
      switchTo(a.getAttribute("data-contact"));
    });

    $("goto").addEventListener("submit", function (ev) {
      ev.preventDefault();
      var id = this.elements.id.value.trim();
      if (id) {
        switchTo(id);
      }
    });

    // Editing the contact: saved to the Freshsales stand-in, then devhost runs the sync's
    // onContactUpdate and fires contact.update (the pane and the app reload).
    // The task form does the same with a task (created, or the one picked, updated) and
    // onTaskCreate / onTaskUpdate.
    $("contact-pane").addEventListener("change", function (ev) {
      var pick = ev.target.closest("#edit-task select[name=task_id]");
      if (!pick) {
        return;
      }
      var o = pick.selectedOptions[0];
      var form = pick.form;
      form.elements.title.value = o.getAttribute("data-title") || "";
      form.elements.due.value = o.getAttribute("data-due") || "";
      form.elements.done.checked = o.getAttribute("data-done") === "true";
    });

    $("contact-pane").addEventListener("submit", function (ev) {
      var form = ev.target.closest("#edit-contact, #edit-task");
      if (!form) {
        return;
      }
      ev.preventDefault();
      var url, body;
      if (form.id === "edit-task") {
        var f = form.elements;
        url = "/__devhost/task-edit";
        body = { installation: INSTALL, id: contactId, task: { id: f.task_id.value, title: f.title.value.trim(), due: f.due.value, done: f.done.checked } };
      } else {
        var contact = {};
        Array.prototype.forEach.call(form.querySelectorAll("input[name]"), function (i) {
          contact[i.name] = i.value.trim() === "" ? null : i.value.trim();
        });
        url = "/__devhost/contact-edit";
        body = { installation: INSTALL, id: contactId, contact: contact };
      }
      var status = $("edit-status");
      status.textContent = "Saving…";
      post(url, body)
        .then(function (r) {
          if (!r.ok) {
            status.textContent = r.error;
          } else if (r.sync && r.sync.ok) {
            status.textContent = "Saved; synced by the background sync.";
          } else {
            status.textContent = "Saved; the background sync did not finish: " + ((r.sync && (r.sync.error || (r.sync.render && r.sync.render.err && r.sync.render.err.message))) || "no answer") + ".";
          }
        })
        .catch(function () { status.textContent = "Not saved: devhost did not answer."; });
    });

    $("fire-update").addEventListener("click", function () {
      post("/__devhost/control/events", { installation: INSTALL, type: "contact.update", contact_id: contactId });
    });

    function closeModal(id) {
      if (modals[id]) {
        modals[id].remove();
        delete modals[id];
      }
      $("modal").hidden = Object.keys(modals).length === 0;
    }

    function openModal(url, record) {
      var id = "modal-" + record.modal_id;
      var box = el("div", "dialog modal-box");
      box.setAttribute("role", "dialog");
      box.setAttribute("aria-label", record.title);
      var head = el("div", "dialog-head");
      head.appendChild(el("strong", null, record.title));
      var x = el("button", "icon", "×");
      x.setAttribute("aria-label", "Close");
      x.addEventListener("click", function () { closeModal(id); });
      head.appendChild(x);
      box.appendChild(head);
      var f = el("iframe", "modal-frame");
      f.src = url;
      f.title = record.title;
      box.appendChild(f);
      modals[id] = box;
      $("modal").appendChild(box);
      $("modal").hidden = false;
    }

    function showConfirm(record, onAnswer) {
      var o = $("confirm");
      o.textContent = "";
      var box = el("div", "dialog confirm-box");
      box.setAttribute("role", "alertdialog");
      box.appendChild(el("strong", null, record.title || "Confirm"));
      box.appendChild(el("p", null, record.message));
      var row = el("div", "row right");
      [record.cancelLabel, record.saveLabel].forEach(function (label, i) {
        var b = el("button", i ? "primary" : null, label);
        b.type = "button";
        b.disabled = !onAnswer;
        b.addEventListener("click", function () {
          o.hidden = true;
          if (onAnswer) {
            onAnswer(label);
          }
        });
        row.appendChild(b);
      });
      box.appendChild(row);
      o.appendChild(box);
      o.hidden = false;
    }

    window.addEventListener("message", function (ev) {
      var m = ev.data;
      if (ev.origin !== window.location.origin || !m || m.devhost !== 1) {
        return;
      }
      var sender = frames().filter(function (f) { return f.win === ev.source; })[0];
      if (!sender) {
        return;
      }
      var r = m.record || {};
      function reply(value) {
        ev.source.postMessage({ devhost: 1, kind: "reply", replyId: m.replyId, value: value }, window.location.origin);
      }
      if (m.kind === "notify") {
        note("showNotify · " + r.type, r.message, r.title);
        toast(r.type, r.title, r.message);
      } else if (m.kind === "confirm") {
        note("showConfirm", r.message, m.manual ? "waiting for an answer" : "answered: " + (m.answered === null ? "(timeout)" : m.answered));
        if (m.manual) {
          confirmReply = reply;
          showConfirm(r, function (label) {
            confirmReply = null;
            reply(label);
          });
        } else {
          showConfirm(r, null);
          window.setTimeout(function () { $("confirm").hidden = true; }, 800);
        }
      } else if (m.kind === "confirm-closed") {
        $("confirm").hidden = true;
        confirmReply = null;
      } else if (m.kind === "modal") {
        note(r.action, r.title, r.template);
        openModal(m.url, r);
      } else if (m.kind === "show" || m.kind === "open") {
        note(m.kind, r.id, r.value === undefined ? "" : String(r.value));
        if (m.kind === "show" && r.id === "contact") {
          switchTo(r.value);
        }
      } else if (m.kind === "resize") {
        sender.el.style.height = m.height + "px";
        if (sender.id === "1") {
          $("frame-size").textContent = m.height + " px";
        }
      } else if (m.kind === "close") {
        closeModal(sender.id);
      } else if (m.kind === "send") {
        frames().forEach(function (f) {
          if (f.id !== sender.id && (!m.receiver || m.receiver === f.id)) {
            f.win.postMessage({ devhost: 1, kind: "receive", senderId: sender.id, message: m.message }, window.location.origin);
          }
        });
      } else if (m.kind === "instances") {
        reply(frames().map(function (f) { return { instanceId: f.id, location: f.location }; }));
      }
    });

    function handle(e) {
      if (e.type === "switch_contact") {
        switchTo(e.contact_id, e.mode || mode);
      } else if (e.type === "contact.update") {
        note("event", "contact.update", e.contact_id ? "contact " + e.contact_id : "");
        if (!e.contact_id || String(e.contact_id) === contactId) {
          refreshPane(contactId);
        }
        toApp({ kind: "event", type: "contact.update", data: e.data });
      } else {
        note("event", e.type);
        toApp({ kind: "event", type: e.type, data: e.data });
      }
    }

    function poll() {
      fetch("/__devhost/page-events?installation=" + enc(INSTALL) + "&after=" + lastEvent + "&wait_ms=25000")
        .then(function (r) { return r.json(); })
        .then(function (res) {
          (res.events || []).forEach(function (e) {
            lastEvent = Math.max(lastEvent, e.seq);
            handle(e);
          });
          window.setTimeout(poll, 0);
        })
        .catch(function () { window.setTimeout(poll, 1000); });
    }

    highlight();
    poll();
  }

  /* ---------------- installation page ---------------- */

  function installPage() {
    var status = $("install-status");

    function say(text, bad) {
      status.textContent = text;
      status.className = bad ? "bad" : "good";
    }

    function save(values) {
      return post("/__devhost/install/save?installation=" + enc(INSTALL), { values: values }).then(function (r) {
        if (!r.ok) {
          throw new Error(r.message);
        }
        say("Saved. The app uses these settings from now on.");
        $("install-save").textContent = "Save";
      });
    }

    if (cfg.mode === "html") {
      var frame = $("iparams-frame");
      frame.addEventListener("load", function () {
        fetch("/__devhost/install/configs?installation=" + enc(INSTALL))
          .then(function (r) { return r.json(); })
          .then(function (c) {
            var w = frame.contentWindow;
            if (c.saved && typeof w.getConfigs === "function") {
              w.getConfigs(c.configs);
            }
          });
      });
      $("install-save").addEventListener("click", function () {
        var w = frame.contentWindow;
        if (typeof w.postConfigs !== "function") {
          say("config/iparams.html defines no postConfigs()", true);
          return;
        }
        say("Checking…");
        Promise.resolve(typeof w.validate === "function" ? w.validate() : true)
          .then(function (ok) {
            if (!ok) {
              say("The settings are not valid yet.", true);
              return null;
            }
            return Promise.resolve(w.postConfigs()).then(save);
          })
          .catch(function (e) { say("Could not save: " + (e && e.message ? e.message : e), true); });
      });
    } else if (cfg.mode === "json") {
      $("install-save").addEventListener("click", function () {
        var form = $("iparams-form");
        if (!form.reportValidity()) {
          return;
        }
        var values = {};
        var secure = [];
        Array.prototype.forEach.call(form.querySelectorAll("input[name]"), function (i) {
          values[i.name] = i.value;
          if (i.getAttribute("data-secure")) {
            secure.push(i.name);
          }
        });
        values.__meta = { secure: secure };
        save(values).catch(function (e) { say("Could not save: " + e.message, true); });
      });
    } else {
      $("install-save").disabled = true;
    }
  }

  if (cfg.page === "contact") {
    contactPage();
  } else if (cfg.page === "install") {
    installPage();
  }
})();
