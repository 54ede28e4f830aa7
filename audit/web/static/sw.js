// The app's service worker (served at /sw.js by audit/web/offline.py, which fills in the three
// constants below). What it does:
// - A page of the app that the network cannot bring opens the offline page instead: the audit
//   kept on this phone, walked and queued in the outbox as in the app (static/offline_page.js).
// - The offline page and its script are kept in the worker's cache, and so are the Streamlit
//   files every page loads first (hashed names, the same for everyone), answered from there:
//   a phone's small HTTP cache may drop half a megabyte it has not used for a while, the
//   worker's cache keeps it until the next version, and Chrome keeps the compiled code of
//   scripts kept during install. (Timed against the HTTP cache at CPU ×4, neither was clearly
//   faster: the repeat visit's time is Streamlit running its scripts and its round trips.)
//   Streamlit's other files are left to the HTTP cache.
// - Nothing private is ever cached: no page of the app, no /api/ reply, no photo (/media/).
//   At sign-out the audits kept for the offline page are deleted and every other cache too.

const VERSION = "__VERSION__";
const PRECACHE = __PRECACHE__; // paths under the scope: the offline page and its script
const STREAMLIT = __STREAMLIT__; // Streamlit's hashed files every page loads first
const SCOPE = new URL(self.registration.scope);
const CACHE = "audit-static-" + VERSION;
const OFFLINE_PAGE = new URL("offline", SCOPE).href;
const OFFLINE_DB = "audit-offline"; // js/offline.js
const under = (path) => new URL(path, SCOPE).pathname;
const SESSION = under("api/session");
// pages of the app are everything but these: no offline page stands in for them
const NOT_PAGES = ["api/", "media/", "_stcore/", "static/", "component/", "sw.js"].map(under);

const known = new Set([...PRECACHE, ...STREAMLIT].map((p) => new URL(p, SCOPE).href));
const cached = caches.open(CACHE).then(async (cache) => {
  for (const req of await cache.keys()) known.add(req.url);
  return cache;
});

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // a few KB, fetched once per version of the app
    await cache.addAll(PRECACHE.map((p) => new URL(p, SCOPE).href));
    // Streamlit's files: the page has just loaded them, so they come from the HTTP cache. Kept
    // here (during install), Chrome also keeps their compiled code, and a repeat visit skips
    // compiling half a megabyte of scripts on a slow phone's CPU. One missing is no failure.
    await Promise.all(STREAMLIT.map((p) => cache.add(new URL(p, SCOPE).href).catch(() => {})));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
    if (self.registration.navigationPreload) await self.registration.navigationPreload.enable();
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (url.origin !== SCOPE.origin || !url.pathname.startsWith(SCOPE.pathname)) return;
  if (req.method === "DELETE" && url.pathname === SESSION) {
    event.respondWith(signOut(req));
    return;
  }
  if (req.method !== "GET") return;
  if (req.mode === "navigate") {
    if (!NOT_PAGES.some((p) => url.pathname.startsWith(p))) event.respondWith(page(event));
    return;
  }
  const key = url.href.split("#")[0];
  if (known.has(key)) event.respondWith(fromCache(req, key));
});

// The network's page when there is one, the offline page when there is none.
async function page(event) {
  try {
    const preloaded = await event.preloadResponse;
    if (preloaded) return preloaded;
    return await fetch(event.request);
  } catch (err) {
    const offline = await caches.match(OFFLINE_PAGE, { cacheName: CACHE });
    if (offline) return offline;
    throw err;
  }
}

async function fromCache(req, key) {
  const hit = await (await cached).match(key);
  return hit || fetch(req);
}

async function signOut(req) {
  const res = await fetch(req);
  await forgetPrivate();
  return res;
}

// Everything a signed-in person left on this phone for the offline page; the outbox stays
// (its rows name their person, and are sent when that person signs in again).
async function forgetPrivate() {
  for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
  await new Promise((resolve) => {
    const req = indexedDB.deleteDatabase(OFFLINE_DB);
    req.onsuccess = req.onerror = req.onblocked = () => resolve();
  });
}
