// The officer app's entry module: it wires the parts together and starts them (docs/officer-app.md).

import { wireForms } from './capture.js';
import { eraseAll, getMeta, lockStorage, sealLeftovers, unlocked } from './db.js';
import { cancelAllDrafts, loadForm, saveAllDrafts } from './drafts.js';
import { openEncounter, wireKindLinks } from './encounter.js';
import { askNewPin, changePin, createVault, lockedOut, recover, showUnlock, vaultRecord, watchIdle, wireUnlock } from './lock.js';
import { unsentTotal } from './outbox.js';
import { openOutbox, updateCount, watchEditing } from './outbox-screen.js';
import { $, forms } from './page.js';
import { askPersistence, showStorage, storageProblem } from './persistence.js';
import { currentReference, refreshLists, useReference } from './reference.js';
import { openRound, wireRound } from './round.js';
import { sweepPhotos } from './photo-field.js';
import { onScreen, route } from './router.js';
import { describe, show } from './screens.js';
import { currentSession, dropSession, endSession, keepSession, restoreSession, wireSignIn } from './session.js';
import { AuthNeeded, DeviceLost, api } from './sync.js';
import { clearSignInPause, trySync, wireSyncTriggers } from './sync-schedule.js';
import { acceptUpdate, registerWorker } from './updates.js';
import { MAX_WRONG_PINS } from './vault.js';

const LOCKED_OUT = `${MAX_WRONG_PINS} wrong PINs: sign in with your password to unlock.`;

async function start() {
  wireKindLinks();
  registerWorker((worker) => {
    $('#banner-update').hidden = false;
    $('#apply-update').onclick = async () => { await saveAllDrafts(); acceptUpdate(worker); };
  });
  onScreen('encounter', openEncounter);
  onScreen('round', openRound);
  onScreen('outbox', openOutbox);
  window.addEventListener('hashchange', route);
  watchIdle(lock);  // before the sync's listeners: coming back after the idle time locks first
  wireSyncTriggers(lost);
  wireSignIn(signedIn, lost);
  wireUnlock(opened, () => toSignIn(LOCKED_OUT), () => toSignIn('Sign in with your password, then set a new PIN.'));
  $('#lock-now').addEventListener('click', lock);
  $('#change-pin').addEventListener('click', newPin);
  $('#sign-out').addEventListener('click', signOut);
  wireForms();
  watchEditing();
  wireRound();
  if (await vaultRecord()) {
    if (await lockedOut()) await toSignIn(LOCKED_OUT);
    else showUnlock();
    await updateCount();  // counted in clear
    return;
  }
  // No vault: a new phone, or one updated from a release that kept everything in clear.
  if (await restoreSession()) await encryptInPlace();
  else show('signin');
}

async function opened() {
  await sealLeftovers();  // a phone interrupted while encrypting its old data finishes here
  if (await restoreSession()) await enter();
  else show('signin');
}

/** Fetch the lists if this phone has none, show where the hash points, send. */
async function enter() {
  useReference(await getMeta('reference'));
  $('#home-title').textContent = `${currentSession().user.display_name}`;
  if (!currentReference()) await refreshLists();  // offline: retried on sync
  showStorage();
  await updateCount();
  await route();
  await sweepPhotos();  // photos of forms discarded before a crash or a reload
  trySync();
}

async function signedIn(body) {
  try {
    const record = await vaultRecord();
    if (record && record.owner === body.user.username) {
      if (!unlocked()) await recover(body, await askNewPin('reset'));
    } else {
      forget();
      if (record) await eraseAll();  // the last officer's phone: all of it on the server (sign-in checked)
      await createVault(await askNewPin('new'), body);
    }
    await sealLeftovers();
    await keepSession(body);
  } catch (error) {
    api(body, 'DELETE', '/api/auth/token').catch(() => {});
    await toSignIn(`Not signed in: ${error.message}`);
    return;
  }
  clearSignInPause();
  askPersistence();
  await refreshLists();  // online now; the last officer's team may have had other postboxes
  window.location.hash = '#home';
  await enter();
}

/** A phone of the release before PINs: its token fetches the recovery key. */
async function encryptInPlace() {
  $('#pin-help').textContent = 'This update keeps what is on this phone encrypted: set a PIN to unlock the app with.';
  let problem = '';
  for (;;) {
    const asked = askNewPin('new', true);
    $('#pin-error').textContent = problem;
    const pin = await asked;
    if (pin === null) break;  // 'Not now': as before, until the next start
    let answer;
    try {
      answer = await api(currentSession(), 'GET', '/api/auth/recovery-key');
    } catch (error) {
      if (error instanceof DeviceLost) { await lost(error.message); return; }
      if (error instanceof AuthNeeded) { await toSignIn('Sign in to set your PIN.'); return; }
      problem = 'No connection: setting a PIN needs the server once. Your entries are safe.';
      continue;
    }
    if (answer.status !== 200) { await toSignIn('Sign in once to set your PIN.'); return; }  // no key yet: a sign-in makes one
    // Made once, then sealed with no sync writing meanwhile (a crash is finished at the next unlock).
    await navigator.locks.request('outbox', async () => {
      await createVault(pin, { ...currentSession(), recovery_key: answer.json.recovery_key });
      await sealLeftovers();
    });
    break;
  }
  await enter();
}

async function lock() {
  if (!unlocked() || !currentSession()) return;
  try {
    await saveAllDrafts();
  } finally {
    forget();
    showUnlock();
  }
}

/** Nothing of the officer's left in this page's memory or on its screens. */
function forget() {
  cancelAllDrafts();
  dropSession();
  lockStorage();
  for (const form of Object.values(forms)) loadForm(form, {});
  $('#outbox-list').replaceChildren();
  $('#banner-signin').hidden = true;
  $('#home-title').textContent = 'fieldapp';
  useReference(null);
}

async function toSignIn(message = '') {
  forget();
  window.location.hash = '';
  show('signin');
  $('#signin-error').textContent = message;
  await updateCount();
}

async function lost(message) {
  await eraseAll();
  await toSignIn(`${message} Everything this app kept on it has been erased.`);
}

async function newPin() {
  const answer = await askNewPin('change', true);
  if (answer) {
    try {
      await changePin(answer.old, answer.pin);
    } catch (error) {
      $('#signout-error').textContent = `The PIN was not changed: ${error.message}`;
    }
  }
  route();
}

async function signOut() {
  await updateCount();
  const unsent = await unsentTotal();  // erasing must lose nothing
  if (unsent) {
    $('#signout-error').textContent = `You cannot sign out yet: ${unsent} not on the server (entries and photos). ` +
      'Connect, press Send now, and try again.';
    return;
  }
  cancelAllDrafts();  // no draft written after the forgetting
  await endSession();
  await eraseAll();
  $('#signout-error').textContent = '';
  await toSignIn();
}

window.fieldapp = { describe, trySync, updateCount };  // for debugging, and bench/client.py
start().catch((error) => storageProblem(error));
