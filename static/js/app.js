// The officer app's entry module: it wires the parts together and starts them (docs/officer-app.md).

import { wireForms } from './capture.js';
import { getMeta } from './db.js';
import { cancelAllDrafts, loadForm, saveAllDrafts } from './drafts.js';
import { openEncounter, wireKindLinks } from './encounter.js';
import { forgetOwner } from './outbox.js';
import { openOutbox, updateCount, watchEditing } from './outbox-screen.js';
import { $, forms } from './page.js';
import { askPersistence, showStorage, storageProblem } from './persistence.js';
import { currentReference, refreshLists, useReference } from './reference.js';
import { forgetRound, openRound, wireRound } from './round.js';
import { sweepPhotos } from './photo-field.js';
import { onScreen, route } from './router.js';
import { describe, show } from './screens.js';
import { currentSession, endSession, officer, restoreSession, wireSignIn } from './session.js';
import { clearSignInPause, trySync, wireSyncTriggers } from './sync-schedule.js';
import { acceptUpdate, registerWorker } from './updates.js';

async function start() {
  wireKindLinks();
  registerWorker((worker) => {
    $('#banner-update').hidden = false;
    $('#apply-update').onclick = async () => { await saveAllDrafts(); acceptUpdate(worker); };
  });
  await restoreSession();
  onScreen('encounter', openEncounter);
  onScreen('round', openRound);
  onScreen('outbox', openOutbox);
  window.addEventListener('hashchange', route);
  wireSyncTriggers();
  wireSignIn(signedIn);
  $('#sign-out').addEventListener('click', signOut);
  wireForms();
  watchEditing();
  wireRound();
  useReference(await getMeta('reference'));
  if (!currentSession()) { show('signin'); return; }
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

async function signedIn() {
  clearSignInPause();
  askPersistence();
  window.location.hash = '#home';
  await enter();
  trySync();
}

/** Sign out, only once every entry is on the server: this phone then forgets the officer's data. */
async function signOut() {
  const owner = officer();
  const unsent = await updateCount();
  if (unsent) {
    $('#signout-error').textContent = `You cannot sign out yet: ${unsent} not on the server (entries and photos). ` +
      'Connect, press Send now, and try again.';
    return;
  }
  cancelAllDrafts();  // no draft written after the forgetting
  await forgetOwner(owner);
  await forgetRound(owner);
  await endSession();
  for (const form of Object.values(forms)) loadForm(form, {});  // nothing left for the next officer
  useReference(null);
  $('#signout-error').textContent = '';
  window.location.hash = '';
  show('signin');
  await updateCount();
}

window.fieldapp = { describe, trySync, updateCount };  // for debugging on a phone and for bench/client.py
start().catch((error) => storageProblem(error));
