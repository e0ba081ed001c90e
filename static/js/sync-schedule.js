// When the outbox is sent (sync.js: how).

import { setNetworkDown, updateCount } from './outbox-screen.js';
import { $ } from './page.js';
import { currentReference, refreshLists } from './reference.js';
import { route } from './router.js';
import { currentSession } from './session.js';
import { AuthNeeded, DeviceLost, RetryLater, backoff, retryDelay, syncOutbox } from './sync.js';

let failures = 0;  // failed tries in a row
let timer = null;  // the next automatic try
let authNeeded = false;  // the server refused the token: wait for a new sign-in (or Send now)
let notBefore = 0;  // the end of the server's Retry-After, in performance.now() time

let lost = async () => {};

export function wireSyncTriggers(onLost) {
  lost = onLost;
  window.addEventListener('online', () => { updateCount(); trySync(); });
  window.addEventListener('offline', () => {
    $('#sync-status').textContent = '';  // 'Everything is on the server' was true of the last try, not now
    updateCount();
  });
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') trySync(); });
  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener('message', (event) => { if (event.data && event.data.type === 'sync') trySync(); });
  }
  $('#sync-now').addEventListener('click', () => trySync({ manual: true }));
}

/** The token works again: the banner goes, automatic tries resume. */
export function clearSignInPause() {
  authNeeded = false;
  $('#banner-signin').hidden = true;
}

/** An automatic try is skipped while Retry-After runs (its timer tries then); Send now always tries. */
export async function trySync({ manual = false } = {}) {
  if (!manual && performance.now() < notBefore) return;
  await attemptSync({ manual });
}

/** One attempt; a failure schedules the next. */
async function attemptSync({ manual = false } = {}) {
  if (!currentSession() || (authNeeded && !manual)) return;
  clearTimeout(timer);
  const status = $('#sync-status');
  try {
    status.textContent = 'Sending…';
    const { sent, tried } = await syncOutbox(currentSession());
    failures = 0;
    notBefore = 0;
    setNetworkDown(false);
    clearSignInPause();
    if (!currentReference() || manual) {
      const hadLists = currentReference() !== null;
      await refreshLists();
      if (!hadLists && currentReference()) route();  // a form already on screen is filled now that it can be
    }
    const left = await updateCount();
    status.textContent = left ? `${left} not sent: check the outbox.` : (tried ? `All sent (${sent}).` : 'Everything is on the server.');
    if (left) timer = setTimeout(() => attemptSync(), backoff(failures + 3));
  } catch (error) {
    if (!currentSession()) return;  // locked meanwhile: the next unlock tries again
    setNetworkDown(error instanceof RetryLater && error.network);
    const left = await updateCount();
    if (error instanceof DeviceLost) {
      await lost(error.message);
      return;
    }
    if (error instanceof AuthNeeded) {
      authNeeded = true;
      $('#banner-signin').hidden = false;
      status.textContent = `${left} waiting: sign in again to send.`;
      return;
    }
    failures += 1;
    const delay = retryDelay(failures, error);
    notBefore = error instanceof RetryLater && error.retryAfter ? performance.now() + error.retryAfter : 0;
    status.textContent = `${left} waiting to send. ${error instanceof RetryLater ? error.message : 'Will retry.'} Next try in ${Math.round(delay / 1000)} s.`;
    timer = setTimeout(() => attemptSync(), delay);
  }
}
