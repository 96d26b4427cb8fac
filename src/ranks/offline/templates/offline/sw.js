/* Ranks' service worker: keeps the shell (look and scripts) and the pages of the user's own
   cells, so that they open with no connection. Rendered by ranks.offline.views.service_worker.

   - Static files: from the device first (the shell's version changes with a new release).
   - Pages: from the network first; a page the server marks "Ranks-Offline: keep" (a page of one
     of the user's own cells, today) is kept. With no connection, or no answer in time, the kept
     copy is shown, marked so that the page says it shows the records as of when it was kept.
   - Writes are never kept or answered here: the pages' outbox keeps them (IndexedDB).
*/
"use strict";
const VERSION = "{{ version }}";
const SHELL = "ranks-shell-" + VERSION;
const PAGES = "ranks-pages";
const ASSETS = {{ assets_json|safe }};
const UNAVAILABLE = "{{ unavailable_url }}";
const KEEP = "Ranks-Offline";
const NETWORK_WAIT_MS = 8000;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(ASSETS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("ranks-shell-") && k !== SHELL).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

/* The key a page is kept under: its address without the date asked for (a kept page is today's). */
function pageKey(url) {
  const u = new URL(url);
  u.searchParams.delete("on");
  u.hash = "";
  return u.toString();
}

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then((v) => { clearTimeout(timer); resolve(v); }, (e) => { clearTimeout(timer); reject(e); });
  });
}

/* A kept copy, marked as served from the device (the page's script then says "as of"). */
async function fromDevice(cached) {
  const text = await cached.text();
  // The kept answer's headers (its Content-Security-Policy among them), less those of its
  // encoding: the body is read back decoded.
  const headers = new Headers(cached.headers);
  headers.delete("Content-Length");
  headers.delete("Content-Encoding");
  return new Response(text.replace('data-served="network"', 'data-served="device"'), { status: 200, headers });
}

async function keepOrForget(request, response) {
  const cache = await caches.open(PAGES);
  const key = pageKey(request.url);
  if (response.ok && !response.redirected && response.headers.get(KEEP) === "keep") {
    await cache.put(key, response.clone());
  } else if (response.status === 404 || response.status === 403 || response.redirected) {
    // No longer the user's (or signed out): the device does not keep it.
    await cache.delete(key);
  }
}

async function page(request) {
  try {
    const response = await withTimeout(fetch(request), NETWORK_WAIT_MS);
    await keepOrForget(request, response);
    return response;
  } catch (error) {
    const cache = await caches.open(PAGES);
    const cached = await cache.match(pageKey(request.url));
    if (cached) return fromDevice(cached);
    const fallback = await cache.match(pageKey(new URL(UNAVAILABLE, self.location.origin).toString()));
    if (fallback) return fromDevice(fallback);
    return new Response(
      "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>" +
      "<title>Ranks</title><h1>Không có kết nối · No connection</h1>",
      { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } }
    );
  }
}

async function asset(request) {
  const cached = await caches.match(request, { ignoreSearch: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) {
    const cache = await caches.open(SHELL);
    await cache.put(request, response.clone());
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(asset(request));
  } else if (request.mode === "navigate") {
    event.respondWith(page(request));
  }
});

/* Keep pages the user is likely to need offline, without showing them: the candidates of a
   cell's source list, its board, members and recording page. A page kept today with the same
   basis (for a candidate's page) is not fetched again. */
async function prefetch(items) {
  const cache = await caches.open(PAGES);
  const today = new Date().toDateString();
  for (const item of items) {
    const key = pageKey(new URL(item.url, self.location.origin).toString());
    const cached = await cache.match(key);
    if (cached) {
      const keptOn = new Date(cached.headers.get("Date") || 0);
      const sameDay = keptOn.toDateString() === today;
      const sameBasis = !item.basis || cached.headers.get("Ranks-Basis") === item.basis;
      const fresh = item.basis ? sameDay && sameBasis : Date.now() - keptOn.getTime() < 10 * 60 * 1000;
      if (fresh && !item.force) continue;
    }
    try {
      const response = await fetch(key, { credentials: "same-origin", headers: { "Ranks-Prefetch": "1" } });
      if (response.ok && response.headers.get(KEEP) === "keep") await cache.put(key, response);
    } catch (error) {
      return; // the connection went: the rest waits for the next visit
    }
  }
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "prefetch" && Array.isArray(data.items)) {
    event.waitUntil(prefetch(data.items));
  } else if (data.type === "forget") {
    event.waitUntil(caches.keys().then((keys) => Promise.all(keys.map((k) => caches.delete(k)))));
  }
});
