/* Ranks offline: the outbox on the device, sending it, and what every page shows about it.

   The outbox is an IndexedDB store of records made on this device, each with an id made here
   (also its Idempotency-Key), the version of the record it was based on (basis) or the earlier
   record it follows, and the time it was recorded. It is sent in order to the API's writes
   (docs/api/offline.md); nothing is removed from it unless it was sent or the user discards it.
   The words shown come from the server (`offline-config`); this file holds none of its own. */
(function () {
  "use strict";
  var configElement = document.getElementById("offline-config");
  if (!configElement) return;
  var config = JSON.parse(configElement.textContent);
  var texts = config.texts || {};
  var DB_NAME = "ranks-offline";
  var STORE = "outbox";
  var OLD_MS = 7 * 24 * 3600 * 1000;
  var UNSENT = ["waiting", "sending", "held", "refused", "conflict"];

  function format(text, values) {
    return String(text).replace(/%\((\w+)\)s/g, function (_, key) {
      return values[key] === undefined ? "" : String(values[key]);
    });
  }

  function formatTime(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return iso || "";
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return pad(d.getHours()) + ":" + pad(d.getMinutes()) + " " + pad(d.getDate()) + "/" +
      pad(d.getMonth() + 1) + "/" + d.getFullYear();
  }

  /* --- the store ------------------------------------------------------------------------ */

  function request(r) {
    return new Promise(function (resolve, reject) {
      r.onsuccess = function () { resolve(r.result); };
      r.onerror = function () { reject(r.error); };
    });
  }

  function openDb() {
    var r = indexedDB.open(DB_NAME, 1);
    r.onupgradeneeded = function () {
      r.result.createObjectStore(STORE, { keyPath: "id" });
    };
    return request(r);
  }

  function finished(transaction) {
    return new Promise(function (resolve, reject) {
      transaction.oncomplete = function () { resolve(); };
      transaction.onerror = function () { reject(transaction.error); };
      transaction.onabort = function () { reject(transaction.error); };
    });
  }

  /* Every record of the signed-in user, in the order they were recorded. */
  function all() {
    return openDb().then(function (db) {
      var t = db.transaction(STORE, "readonly");
      return request(t.objectStore(STORE).getAll()).then(function (rows) {
        db.close();
        return rows
          .filter(function (row) { return row.user === config.user; })
          .sort(function (a, b) { return a.seq - b.seq; });
      });
    });
  }

  function put(record) {
    return openDb().then(function (db) {
      var t = db.transaction(STORE, "readwrite");
      t.objectStore(STORE).put(record);
      return finished(t).then(function () { db.close(); changed(); return record; });
    });
  }

  function remove(id) {
    return openDb().then(function (db) {
      var t = db.transaction(STORE, "readwrite");
      t.objectStore(STORE).delete(id);
      return finished(t).then(function () { db.close(); changed(); });
    });
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  /* A record made on this page: it follows the latest record of the same subject still on the
     device and not sent; else it is based on the basis the page was rendered with, or on the
     basis the server gave back for the latest record sent from here, if that is newer. */
  function add(fields) {
    return all().then(function (rows) {
      var record = Object.assign({
        id: newId(),
        user: config.user,
        seq: rows.length ? Math.max(Date.now(), rows[rows.length - 1].seq + 1) : Date.now(),
        recorded_at: new Date().toISOString(),
        state: "waiting",
        attempts: 0,
        follows: null,
        message: "",
        rules: [],
      }, fields);
      var same = rows.filter(function (row) {
        return record.subject && row.subject === record.subject && row.state !== "discarded";
      });
      var last = same[same.length - 1];
      if (last && last.state !== "synced") {
        record.follows = last.id;
      } else if (last && last.synced_at && last.basis_after &&
                 (!record.page_rendered_at ||
                  new Date(last.synced_at) > new Date(record.page_rendered_at))) {
        record.basis = last.basis_after;
      }
      return put(record).then(function () {
        persistStorage();
        return record;
      });
    });
  }

  /* Discarding a record: the records that followed it follow what it followed. */
  function discard(id) {
    return all().then(function (rows) {
      var gone = rows.find(function (row) { return row.id === id; });
      if (!gone) return;
      var updates = rows
        .filter(function (row) { return row.follows === id; })
        .map(function (row) {
          row.follows = gone.follows;
          if (!gone.follows) row.basis = gone.basis;
          if (row.state === "held") row.state = "waiting";
          return put(row);
        });
      return Promise.all(updates).then(function () { return remove(id); });
    });
  }

  var storageAtRisk = false;
  function persistStorage() {
    if (!navigator.storage || !navigator.storage.persist) return Promise.resolve();
    return navigator.storage.persisted().then(function (persisted) {
      if (persisted) return true;
      return navigator.storage.persist();
    }).then(function (granted) {
      storageAtRisk = !granted;
      changed();
    }).catch(function () { storageAtRisk = true; });
  }

  /* --- sending ------------------------------------------------------------------------- */

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  var sending = null;
  var retryDelay = 3000;
  var retryTimer = null;

  /* Send what waits. When sending stopped on a lost connection or the server's trouble, try
     again a little later (3 s, then longer, up to a minute) while the device is online. */
  function sync() {
    if (!navigator.onLine) return Promise.resolve();
    if (sending) return sending;
    var run = function () { return sendAll(); };
    sending = (navigator.locks ? navigator.locks.request("ranks-outbox", run) : run())
      .catch(function () { return false; })
      .then(function (finished) {
        sending = null;
        changed();
        clearTimeout(retryTimer);
        if (finished === false && navigator.onLine && !signInNeeded) {
          retryTimer = setTimeout(sync, retryDelay);
          retryDelay = Math.min(retryDelay * 2, 60000);
        } else {
          retryDelay = 3000;
        }
      });
    return sending;
  }

  var KEEP_SENT_MS = 7 * 24 * 3600 * 1000;

  /* Records sent more than 7 days ago leave the device (none that a waiting record follows). */
  function prune(rows) {
    var followed = {};
    rows.forEach(function (row) { if (row.follows) followed[row.follows] = true; });
    var old = rows.filter(function (row) {
      return row.state === "synced" && !followed[row.id] &&
        Date.now() - new Date(row.synced_at).getTime() > KEEP_SENT_MS;
    });
    return Promise.all(old.map(function (row) { return remove(row.id); }));
  }

  function sendAll() {
    return all().then(function (rows) {
      var byId = {};
      rows.forEach(function (row) { byId[row.id] = row; });
      var sentPages = {};
      var chain = Promise.resolve(true);
      rows.forEach(function (row) {
        chain = chain.then(function (goOn) {
          if (!goOn) return false;
          if (["waiting", "held", "sending"].indexOf(row.state) < 0) return true;
          var before = row.follows ? byId[row.follows] : null;
          if (before && before.state !== "synced") {
            row.state = "held";
            return put(row).then(function () { return true; });
          }
          return send(row, before).then(function (goOn) {
            if (row.state === "synced" && row.page) sentPages[row.page] = true;
            return goOn;
          });
        });
      });
      return chain.then(function (finished) {
        // The recording pages kept on the device carry the bases: fetch them again.
        var pages = Object.keys(sentPages);
        if (pages.length) refreshKept(pages);
        return prune(rows).then(function () { return finished; }, function () { return finished; });
      });
    });
  }

  /* Send one record; true to go on with the next, false to stop (no connection, signed out,
     server trouble: everything stays as it is). */
  function send(row, before) {
    var headers = {
      "Content-Type": "application/json",
      Accept: "application/json",
      "Accept-Language": config.lang,
      "Idempotency-Key": row.id,
      "Ranks-Channel": "offline",
      "Ranks-Recorded-At": row.recorded_at,
      "X-CSRFToken": csrfToken(),
    };
    if (before) headers["Ranks-Follows"] = before.id;
    else if (row.basis) headers["If-Match"] = '"' + row.basis + '"';
    return fetch(row.url, {
      method: "POST",
      headers: headers,
      body: JSON.stringify(row.body),
      credentials: "same-origin",
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        row.attempts = (row.attempts || 0) + 1;
        row.tried_at = new Date().toISOString();
        var details = data.details || {};
        if (response.ok) {
          row.state = "synced";
          row.synced_at = new Date().toISOString();
          row.basis_after = data.basis || "";
          row.result = data;
          row.message = "";
          row.rules = [];
          row.server = null;
        } else if (response.status === 412) {
          row.state = "conflict";
          row.message = data.message || "";
          row.server = details.server || null;
          row.server_basis = details.basis || "";
        } else if (response.status === 409 && data.code === "held") {
          row.state = "held";
          row.message = data.message || "";
        } else if (response.status === 401 || data.code === "not_authenticated" ||
                   (response.status === 403 && /CSRF/.test(data.message || ""))) {
          row.message = texts.sign_in || data.message || "";
          return put(row).then(function () { signInNeeded = true; return false; });
        } else if (response.status >= 500 || response.status === 429) {
          row.message = data.message || "";
          return put(row).then(function () { return false; });
        } else {
          row.state = "refused";
          row.message = data.message || "";
          row.rules = details.rules || [];
          row.errors = details;
        }
        return put(row).then(function () { return true; });
      });
    }, function () {
      return false; // no connection: the rest waits
    });
  }
  var signInNeeded = false;

  /* --- what every page shows ------------------------------------------------------------ */

  var listeners = [];
  function changed() {
    refreshBadge();
    listeners.forEach(function (fn) { try { fn(); } catch (e) { /* a page's own view */ } });
  }

  function unsent(rows) {
    return rows.filter(function (row) { return UNSENT.indexOf(row.state) >= 0; });
  }

  function flagged(row) {
    return UNSENT.indexOf(row.state) >= 0 && Date.now() - new Date(row.recorded_at).getTime() > OLD_MS;
  }

  function refreshBadge() {
    var badge = document.querySelector("[data-test=outbox-count]");
    if (!badge) return;
    all().then(function (rows) {
      var waiting = unsent(rows);
      badge.hidden = waiting.length === 0;
      badge.querySelector("b").textContent = String(waiting.length);
      var warn = waiting.some(flagged) || (storageAtRisk && waiting.length > 0);
      badge.classList.toggle("flagged", warn);
      badge.title = warn ? texts.flagged : "";
    }).catch(function () {});
  }

  function showAsOf() {
    var body = document.body;
    var banner = document.querySelector("[data-test=as-of]");
    if (!banner) return;
    if (body.getAttribute("data-served") === "device") {
      banner.textContent = format(texts.as_of, { time: formatTime(body.getAttribute("data-rendered-at")) });
      banner.hidden = false;
    }
  }

  function prefetchLinks(registration) {
    if (!registration.active || !navigator.onLine) return;
    if (document.body.getAttribute("data-served") !== "network") return;
    var items = [];
    var seen = {};
    // This page too: on the first visit it did not come through the worker. The worker keeps it
    // only if the server marked it as one of the user's own cells' pages, and does not fetch it
    // again if it kept it a moment ago.
    items.push({ url: location.pathname + location.search });
    seen[location.pathname + location.search] = true;
    document.querySelectorAll("a[data-offline-prefetch]").forEach(function (a) {
      var url = a.getAttribute("href");
      if (seen[url]) return;
      seen[url] = true;
      items.push({ url: url, basis: a.getAttribute("data-basis") || "" });
    });
    if (!items.length) return;
    items.push({ url: "/outbox/" }, { url: "/offline/" });
    registration.active.postMessage({ type: "prefetch", items: items });
  }

  /* Keep the recording page current after records were sent: it carries the bases. */
  function refreshKept(urls) {
    if (!navigator.serviceWorker) return;
    navigator.serviceWorker.ready.then(function (registration) {
      if (!registration.active) return;
      registration.active.postMessage({
        type: "prefetch",
        items: urls.map(function (url) { return { url: url, force: true }; }),
      });
    });
  }

  function forgetDevice() {
    var steps = [];
    if (window.caches) {
      steps.push(caches.keys().then(function (keys) {
        return Promise.all(keys.map(function (k) { return caches.delete(k); }));
      }));
    }
    steps.push(new Promise(function (resolve) {
      var r = indexedDB.deleteDatabase(DB_NAME);
      r.onsuccess = r.onerror = r.onblocked = function () { resolve(); };
    }));
    if (navigator.serviceWorker) {
      steps.push(navigator.serviceWorker.getRegistrations().then(function (regs) {
        return Promise.all(regs.map(function (reg) { return reg.unregister(); }));
      }));
    }
    return Promise.all(steps).catch(function () {});
  }

  function guardSignOut() {
    var form = document.querySelector("form[data-offline-signout]");
    if (!form) return;
    var confirmed = false;
    form.addEventListener("submit", function (event) {
      if (confirmed) return;
      event.preventDefault();
      all().catch(function () { return []; }).then(function (rows) {
        var count = unsent(rows).length;
        if (count && !window.confirm(format(texts.signout_confirm, { count: count }))) return;
        forgetDevice().then(function () {
          confirmed = true;
          form.submit();
        });
      });
    });
  }

  window.RanksOffline = {
    config: config,
    texts: texts,
    format: format,
    formatTime: formatTime,
    all: all,
    add: add,
    put: put,
    discard: discard,
    sync: sync,
    flagged: flagged,
    unsent: unsent,
    onChange: function (fn) { listeners.push(fn); },
    storageAtRisk: function () { return storageAtRisk; },
    signInNeeded: function () { return signInNeeded; },
    refreshKept: refreshKept,
  };

  showAsOf();
  guardSignOut();
  refreshBadge();
  if (navigator.storage && navigator.storage.persisted) {
    navigator.storage.persisted().then(function (p) { storageAtRisk = !p; refreshBadge(); });
  }
  window.addEventListener("online", function () { signInNeeded = false; sync(); });
  window.addEventListener("offline", changed);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
    navigator.serviceWorker.ready.then(function (registration) {
      var later = function () { setTimeout(function () { prefetchLinks(registration); }, 300); };
      if (document.readyState === "complete") later();
      else window.addEventListener("load", later);
    });
  }
  if (navigator.onLine) sync();
})();
