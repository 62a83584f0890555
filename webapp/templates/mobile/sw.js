{#- fieldforms service worker (scope /m/): the app shell and the rendered forms from the
    cache, so the app opens and forms fill without a network. Data never goes through here:
    the API is always the network (the app keeps its data in IndexedDB). The comments are
    Jinja's: a phone downloads none of them (its first load is held to 120 KB, issue 14). -#}
const VERSION = {{ version|tojson }};
const SHELL_CACHE = "ff-shell-" + VERSION;
const FORMS_CACHE = "ff-forms-v1";
{#- [url, sha256 of its body], the shell first; a style sheet's or an icon's URL is versioned
    (?v=), an ES module's is plain; SHELL: their paths, what the fetch handler answers #}
const PRECACHE = {{ precache|tojson }};
const SHELL = PRECACHE.map(([url]) => url.split("?")[0]);
const SHELL_URL = SHELL[0];

const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");

{#- The response for `url` from the HTTP cache ("force-cache") or the network ("reload"),
    if its body is the one this version expects; null otherwise (an older copy, the login
    page a signed-out shell request is sent to). #}
async function expected(url, sha, mode) {
  const response = await fetch(url, { cache: mode, credentials: "same-origin" });
  if (!response.ok || response.redirected) return null;
  const digest = await crypto.subtle.digest("SHA-256", await response.clone().arrayBuffer());
  return hex(digest) === sha ? response : null;
}

{#- The page registering this worker has just loaded most of the shell: each file is taken
    from the HTTP cache when the copy there is this version's, downloaded otherwise, never
    twice. A file that is not this version's even from the network fails the install: the
    worker in place keeps serving its own consistent shell, and the next visit tries again. #}
async function precache() {
  const cache = await caches.open(SHELL_CACHE);
  await Promise.all(PRECACHE.map(async ([url, sha]) => {
    const response = (await expected(url, sha, "force-cache")) || (await expected(url, sha, "reload"));
    if (!response) throw new Error(`${url}: not what version ${VERSION} expects`);
    await cache.put(url, response);
  }));
}

self.addEventListener("install", (event) => {
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith("ff-shell-") && key !== SHELL_CACHE) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

{#- a page that opened while this worker was activating asks to be controlled (app.js) #}
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
    {#- the shell: the cached copy at once (offline, or a slow 3G), refreshed by the new worker #}
    event.respondWith(caches.match(SHELL_URL, { ignoreSearch: true }).then((hit) => hit || fetch(req)));
  } else if (SHELL.includes(url.pathname)) {
    event.respondWith(cacheFirst(SHELL_CACHE, req));
  }
});
