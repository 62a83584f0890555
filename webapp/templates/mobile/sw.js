// fieldforms service worker (scope /m/): the app shell and the rendered forms from the
// cache, so the app opens and forms fill without a network. Data never goes through here:
// the API is always the network (the app keeps its data in IndexedDB).
const VERSION = {{ version|tojson }};
const SHELL_CACHE = "ff-shell-" + VERSION;
const FORMS_CACHE = "ff-forms-v1";
const SHELL = {{ shell|tojson }};
const SHELL_URL = SHELL[0];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith("ff-shell-") && key !== SHELL_CACHE) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

// a page that opened while this worker was activating asks to be controlled (app.js)
self.addEventListener("message", (event) => {
  if (event.data === "claim") event.waitUntil(self.clients.claim());
});

async function cacheFirst(cacheName, request) {
  const cache = await caches.open(cacheName);
  const hit = await cache.match(request, { ignoreSearch: true });
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok) cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/")) return;
  if (url.pathname.includes("/m/forms/")) {
    event.respondWith(cacheFirst(FORMS_CACHE, req));
  } else if (req.mode === "navigate" && url.pathname === SHELL_URL) {
    // the shell: the cached copy at once (offline, or a slow 3G), refreshed by the new worker
    event.respondWith(caches.match(SHELL_URL, { ignoreSearch: true }).then((hit) => hit || fetch(req)));
  } else if (SHELL.includes(url.pathname)) {
    event.respondWith(cacheFirst(SHELL_CACHE, req));
  }
});
