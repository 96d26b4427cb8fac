/* The outbox page: every record of this device not yet sent (and the last ones sent), with its
   state, the server's reason for a refusal, both versions of a conflict, and what can be done. */
(function () {
  "use strict";
  var R = window.RanksOffline;
  var list = document.querySelector("[data-test=outbox-list]");
  if (!R || !list) return;
  var T = JSON.parse(document.getElementById("outbox-texts").textContent);
  var empty = document.querySelector("[data-test=outbox-empty]");
  var connection = document.querySelector("[data-test=outbox-connection]");
  var storage = document.querySelector("[data-test=outbox-storage]");
  var SENT_SHOWN = 20;

  function element(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function button(text, test, onClick) {
    var b = element("button", { type: "button", "data-test": test }, text);
    b.addEventListener("click", onClick);
    return b;
  }

  function discard(row) {
    if (!window.confirm(T.confirm_discard)) return;
    R.discard(row.id);
  }

  function keepMine(row) {
    row.basis = row.server_basis || row.basis;
    row.follows = null;
    row.state = "waiting";
    row.message = "";
    row.server = null;
    R.put(row).then(function () { R.sync(); });
  }

  function serverVersion(row) {
    var box = element("div", { class: "versions", "data-test": "conflict" });
    var yours = element("div", { "data-test": "conflict-yours" });
    yours.appendChild(element("strong", {}, T.yours));
    yours.appendChild(element("p", {}, row.label));
    var server = element("div", { "data-test": "conflict-server" });
    server.appendChild(element("strong", {}, T.server));
    var events = (row.server && row.server.events) || [];
    var ul = element("ul");
    events.forEach(function (e) {
      var who = e.recorded_by ? " · " + R.format(T.recorded_by, { user: e.recorded_by }) : "";
      ul.appendChild(element("li", {}, (e.stage_label || e.stage) + " · " + (e.date || "") + who));
    });
    ((row.server && row.server.absences) || []).forEach(function (a) {
      ul.appendChild(element("li", {}, a.where + " · " + a.started_on + " – " + (a.ended_on || "…")));
    });
    server.appendChild(ul);
    box.appendChild(yours);
    box.appendChild(server);
    return box;
  }

  function item(row) {
    var li = element("li", { class: "outbox-item state-" + row.state, "data-test": "outbox-item", "data-state": row.state, "data-id": row.id });
    li.appendChild(element("p", { class: "label", "data-test": "outbox-label" }, row.label));
    var state = element("p", { class: "state", "data-test": "outbox-state" }, T["state_" + row.state] || row.state);
    li.appendChild(state);
    var times = R.format(T.recorded, { time: R.formatTime(row.recorded_at) });
    if (row.synced_at) times += " · " + R.format(T.sent, { time: R.formatTime(row.synced_at) });
    li.appendChild(element("p", { class: "sub" }, times));
    if (R.flagged(row)) li.appendChild(element("p", { class: "flag", "data-test": "outbox-old" }, T.old));
    if (row.message && row.state !== "synced") {
      li.appendChild(element("p", { class: "message", role: "alert", "data-test": "outbox-message" }, row.message));
    }
    var problems = [];
    Object.keys(row.errors || {}).forEach(function (field) {
      var said = row.errors[field];
      if (field !== "rules" && Array.isArray(said)) {
        said.forEach(function (m) { if (typeof m === "string" && m !== row.message) problems.push(m); });
      }
    });
    if (problems.length && row.state !== "synced") {
      var errors = element("ul", { class: "errors", "data-test": "outbox-errors" });
      problems.forEach(function (m) { errors.appendChild(element("li", {}, m)); });
      li.appendChild(errors);
    }
    if (row.rules && row.rules.length) {
      var rules = element("ul", { class: "rules", "data-test": "outbox-rules" });
      row.rules.forEach(function (rule) {
        rules.appendChild(element("li", {}, rule.rule + " · " + rule.name + " (" + rule.citation + "): " + rule.message));
      });
      li.appendChild(rules);
    }
    if (row.state === "conflict") li.appendChild(serverVersion(row));
    var actions = element("p", { class: "actions" });
    if (row.state === "conflict") {
      actions.appendChild(button(T.keep_mine, "keep-mine", function () { keepMine(row); }));
      actions.appendChild(button(T.keep_server, "keep-server", function () { discard(row); }));
    }
    if (row.state === "refused" && row.page) {
      actions.appendChild(element("a", { href: row.page + "#edit=" + encodeURIComponent(row.id), "data-test": "outbox-edit" }, T.edit));
    }
    if (row.state !== "synced" && row.state !== "conflict") {
      actions.appendChild(button(T.discard, "discard", function () { discard(row); }));
    }
    if (actions.childNodes.length) li.appendChild(actions);
    return li;
  }

  function render() {
    R.all().then(function (rows) {
      var waiting = R.unsent(rows);
      var sent = rows.filter(function (r) { return r.state === "synced"; }).slice(-SENT_SHOWN);
      list.textContent = "";
      waiting.concat(sent).forEach(function (row) { list.appendChild(item(row)); });
      empty.hidden = waiting.length > 0;
      storage.hidden = !(R.storageAtRisk() && waiting.length > 0);
      connection.textContent = !navigator.onLine ? T.offline : R.signInNeeded() ? T.sign_in : T.online;
    });
  }

  document.querySelector("[data-outbox-sync]").addEventListener("click", function () {
    R.sync().then(render);
  });
  R.onChange(render);
  window.addEventListener("online", render);
  window.addEventListener("offline", render);
  render();
})();
