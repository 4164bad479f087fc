/**
 * The lab page's service worker: the page works offline once loaded. On install it caches the
 * page's files (the page, its bundles, its styles); every later request goes to the network first
 * (so a rebuilt page is picked up when online) and falls back to the cache when the network fails.
 * The page's query (?section.name=value) is ignored when matching, so a linked figure opens offline.
 */
const CACHE = 'ascent-lab-v1';
// '../style.css' under `ascent dashboard`, './style.css' in the static docs build; a missing one is skipped.
const ASSETS = ['./', './main.js', './worker.js', './lab.css', '../style.css', './style.css'];

type FetchEvent = Event & { request: Request; respondWith(r: Promise<Response>): void };
type ExtendableEvent = Event & { waitUntil(p: Promise<unknown>): void };
const sw = self as unknown as {
  addEventListener(type: 'install' | 'activate', f: (e: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', f: (e: FetchEvent) => void): void;
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void> };
  location: Location;
};

async function precache(): Promise<void> {
  const cache = await caches.open(CACHE);
  await Promise.all(
    ASSETS.map(async (a) => {
      const url = new URL(a, sw.location.href);
      try {
        const res = await fetch(url, { cache: 'no-cache' });
        if (res.ok) await cache.put(url, res);
      } catch {
        /* offline or absent: cached on its first successful fetch instead */
      }
    }),
  );
}

async function networkFirst(req: Request): Promise<Response> {
  const cache = await caches.open(CACHE);
  try {
    const res = await fetch(req);
    if (res.ok && new URL(req.url).origin === sw.location.origin) await cache.put(req, res.clone());
    return res;
  } catch (err) {
    const hit = await cache.match(req, { ignoreSearch: true });
    if (hit) return hit;
    throw err;
  }
}

sw.addEventListener('install', (e) => e.waitUntil(precache().then(() => sw.skipWaiting())));
sw.addEventListener('activate', (e) => e.waitUntil(sw.clients.claim()));
sw.addEventListener('fetch', (e) => {
  if (e.request.method !== 'GET' || new URL(e.request.url).origin !== sw.location.origin) return;
  e.respondWith(networkFirst(e.request));
});
