// The service worker's lifecycle on the page side: register, offer updates, reload once.

let accepted = false;

export function registerWorker(onUpdate) {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (accepted) { accepted = false; window.location.reload(); }
  });
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).then((registration) => {
    if (registration.waiting && navigator.serviceWorker.controller) onUpdate(registration.waiting);
    registration.addEventListener('updatefound', () => {
      const worker = registration.installing;
      worker.addEventListener('statechange', () => {
        if (worker.state === 'installed' && navigator.serviceWorker.controller) onUpdate(worker);
      });
    });
    const check = () => registration.update().catch(() => {});
    document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') check(); });
    window.addEventListener('online', check);
  }).catch(() => { /* no worker (e.g. private mode): the app still works online */ });
}

export function acceptUpdate(worker) {
  accepted = true;
  worker.postMessage({ type: 'skip-waiting' });
}

export async function requestBackgroundSync() {
  try {
    const registration = await navigator.serviceWorker.ready;
    if (registration.sync) await registration.sync.register('outbox');
  } catch { /* not supported: the other triggers cover it */ }
}
