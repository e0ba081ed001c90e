// fieldapp service worker: the app shell offline. Never IndexedDB (the page's), never the API.
'use strict';

const VERSION = '__SHELL_VERSION__';  // digest of the shell, filled in by the server
const CACHE_PREFIX = 'fieldapp-shell-';
const CACHE = CACHE_PREFIX + VERSION;
const SHELL_PAGE = '/app';
const SHELL = [
  SHELL_PAGE,
  '/manifest.webmanifest',
  '__SHELL_FILES__',  // listed once, in fieldapp/officer/shell.py
];
const LAZY = ['__LAZY_FILES__'];  // imported when needed

self.addEventListener('install', (event) => {
  event.waitUntil(precache());
  // No skipWaiting(): the officer accepts the update.
});

async function precache() {
  const cache = await caches.open(CACHE);
  const requests = [...SHELL, ...LAZY].map((url) => new Request(url, { cache: 'reload', credentials: 'omit' }));
  await cache.addAll(requests);
}

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names
      .filter((name) => name.startsWith(CACHE_PREFIX) && name !== CACHE)
      .map((name) => caches.delete(name)));
    if (self.registration.navigationPreload) await self.registration.navigationPreload.enable();
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'skip-waiting') self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/')) return;  // network only, never cached
  if (request.mode === 'navigate') {
    if (url.pathname === SHELL_PAGE || url.pathname === SHELL_PAGE + '/') {
      event.respondWith(networkFirst(event));
    }
    return;
  }
  if (SHELL.includes(url.pathname) || LAZY.includes(url.pathname)) event.respondWith(cacheFirst(request));
});

async function networkFirst(event) {
  try {
    const response = (await event.preloadResponse) || (await fetch(event.request));
    if (response.ok) return response;
    throw new Error(`shell answered ${response.status}`);
  } catch (error) {
    const cached = await caches.match(SHELL_PAGE, { cacheName: CACHE });
    return cached || Response.error();
  }
}

async function cacheFirst(request) {
  const cached = await caches.match(request, { cacheName: CACHE });
  return cached || fetch(request);
}

// The page owns the outbox and token: the worker only wakes it.
self.addEventListener('sync', (event) => {
  if (event.tag !== 'outbox') return;
  event.waitUntil(self.clients.matchAll({ type: 'window' }).then((clients) => {
    clients.forEach((client) => client.postMessage({ type: 'sync' }));
  }));
});
