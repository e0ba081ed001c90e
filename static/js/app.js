// The officer app's entry module: it wires the parts together and starts them (docs/officer-app.md).

import { wireForms } from './capture.js';
import { eraseAll, getMeta, lockStorage, sealLeftovers, unlocked } from './db.js';
import { cancelAllDrafts, loadForm, saveAllDrafts } from './drafts.js';
import { openEncounter, wireKindLinks } from './encounter.js';
import { askNewPin, changePin, createVault, lockedOut, recover, showUnlock, vaultRecord, watchIdle, wireUnlock } from './lock.js';
import { unsentByOwner } from './outbox.js';
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
  wireSyncTriggers(lost);
  wireSignIn(signedIn, lost);
  wireUnlock(opened, () => passwordNeeded(`${MAX_WRONG_PINS} wrong PINs: sign in with your password to unlock.`),
    () => passwordNeeded('Sign in with your password, then set a new PIN.'));
  watchIdle(lock);
  $('#lock-now').addEventListener('click', lock);
  $('#change-pin').addEventListener('click', newPin);
  $('#sign-out').addEventListener('click', signOut);
  wireForms();
  watchEditing();
  wireRound();
  if (await vaultRecord()) {
    if (await lockedOut()) passwordNeeded(`${MAX_WRONG_PINS} wrong PINs: sign in with your password to unlock.`);
    else showUnlock();
    await updateCount();  // what waits to be sent is counted in clear
    return;
  }
  // No vault: a new phone, or one updated from a release that kept everything in clear.
  if (await restoreSession()) await encryptInPlace();
  else show('signin');
}

/** The PIN was right (or the data key is otherwise back): open the officer's data. */
async function opened() {
  await sealLeftovers();  // a phone interrupted while encrypting its old data finishes here
  if (!await restoreSession()) { show('signin'); return; }
  useReference(await getMeta('reference'));
  await enter();
  trySync();
}

/** Signed in: fetch the lists if this phone has none, show where the hash points. */
async function enter() {
  $('#home-title').textContent = `${currentSession().user.display_name}`;
  if (!currentReference()) await refreshLists();  // offline: retried on sync
  showStorage();
  await updateCount();
  await route();
  await sweepPhotos();  // photos of forms discarded before a crash or a reload
}

/** After a password sign-in: this officer's vault opened with the server's recovery key, or a new one. */
async function signedIn(body) {
  const record = await vaultRecord();
  if (record && record.owner === body.user.username) {
    if (!unlocked()) await recover(body, await askNewPin('reset'));
  } else {
    if (record) await eraseAll();  // the last officer's phone: all of it on the server (sign-in checked)
    await createVault(await askNewPin('new'), body);
  }
  await sealLeftovers();
  await keepSession(body);
  clearSignInPause();
  askPersistence();
  useReference(await getMeta('reference'));
  window.location.hash = '#home';
  await enter();
  trySync();
}

/** A phone from the release before PINs: its token fetches the recovery key, then its data is sealed. */
async function encryptInPlace() {
  $('#pin-help').textContent = 'This update keeps what is on this phone encrypted: set a PIN to unlock the app with.';
  for (;;) {
    const pin = await askNewPin('new', true);
    if (pin === null) break;  // 'Not now': as before, until the next start
    try {
      const { json } = await api(currentSession(), 'GET', '/api/auth/recovery-key');
      await createVault(pin, { ...currentSession(), recovery_key: json.recovery_key });
      await sealLeftovers();
      break;
    } catch (error) {
      if (error instanceof DeviceLost) { await lost(error.message); return; }
      if (error instanceof AuthNeeded) { passwordNeeded('Sign in to set your PIN.'); return; }
      $('#pin-error').textContent = 'No connection: setting a PIN needs the server once. Your entries are safe.';
    }
  }
  useReference(await getMeta('reference'));
  await enter();
  trySync();
}

/** Locked: typing kept as an encrypted draft, the key and token dropped from memory, nothing on screen. */
async function lock() {
  if (!unlocked() || !currentSession()) return;
  await saveAllDrafts();
  forget();
  showUnlock();
}

/** Nothing of the officer's left in this page's memory or on its screens. */
function forget() {
  cancelAllDrafts();
  dropSession();
  lockStorage();
  for (const form of Object.values(forms)) loadForm(form, {});
  $('#outbox-list').replaceChildren();
  $('#home-title').textContent = 'fieldapp';
  useReference(null);
}

function passwordNeeded(message) {
  forget();
  show('signin');
  $('#signin-error').textContent = message;
}

/** The server says this phone was reported lost: everything on it is erased, and the officer told why. */
async function lost(message) {
  forget();
  await eraseAll();
  window.location.hash = '';
  passwordNeeded(`${message} Everything this app kept on it has been erased.`);
  await updateCount();
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

/** Sign out, only once every entry is on the server: this phone then forgets the officer's data. */
async function signOut() {
  const unsent = await updateCount() + Object.keys(await unsentByOwner()).length;  // erasing must lose nothing
  if (unsent) {
    $('#signout-error').textContent = `You cannot sign out yet: ${unsent} not on the server (entries and photos). ` +
      'Connect, press Send now, and try again.';
    return;
  }
  cancelAllDrafts();  // no draft written after the forgetting
  await endSession();
  forget();
  await eraseAll();
  $('#signout-error').textContent = '';
  window.location.hash = '';
  show('signin');
  await updateCount();
}

window.fieldapp = { describe, trySync, updateCount };  // for debugging on a phone and for bench/client.py
start().catch((error) => storageProblem(error));
