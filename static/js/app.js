// The officer app: sign-in, capture, the outbox and syncing, wired together.

import { deleteMeta, getMeta, setMeta } from './db.js';
import { fillForm, locate, readForm, renderForm, showErrors, updateVisibility } from './forms.js';
import {
  UNSENT, clearDraft, editEntry, entriesOf, forgetOwner, getEntry, isoNow, loadDraft, newEntry, saveDraft,
  saveEntry, toIso,
} from './outbox.js';
import { describe, renderOutbox, show } from './screens.js';
import { AuthNeeded, RetryLater, api, backoff, refreshReference, retryDelay, syncOutbox } from './sync.js';
import { acceptUpdate, registerWorker, requestBackgroundSync } from './updates.js';
import { validate } from './validate.js';

const rules = JSON.parse(document.getElementById('field-rules').textContent);
const $ = (selector) => document.querySelector(selector);
const forms = { encounter: $('#encounter-form'), visit: $('#visit-form'), item: $('#item-form') };
const app = { session: null, reference: null, failures: 0, timer: null, authNeeded: false, nextKind: undefined,
  pendingEdit: null, draftTimers: {}, routing: 0, referenceTag: null, notBefore: 0 };
const ENCOUNTER_DEFAULTS = { kind: 'stop_search', search_type: 'Person search', bwv_used: true,
  removal_of_more_than_outer_clothing: false };

// --- start -------------------------------------------------------------------

async function start() {
  registerWorker((worker) => {
    $('#banner-update').hidden = false;
    $('#apply-update').onclick = async () => { await saveAllDrafts(); acceptUpdate(worker); };
  });
  app.session = await getMeta('session');
  window.addEventListener('hashchange', route);
  window.addEventListener('online', () => trySync());
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') trySync(); });
  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener('message', (event) => { if (event.data && event.data.type === 'sync') trySync(); });
  }
  $('#sync-now').addEventListener('click', () => trySync({ manual: true }));
  $('#signin-form').addEventListener('submit', signIn);
  $('#signin-fields').disabled = false;
  $('#signin-again').addEventListener('click', () => { show('signin'); $('#signin-username').value = app.session.user.username; });
  $('#sign-out').addEventListener('click', signOut);
  wireForms();
  useReference(await getMeta('reference'));
  if (!app.session) { show('signin'); return; }
  await enter();
  trySync();
}

/** Signed in: fetch the forms' lists if this phone has none yet, show where the hash points. */
async function enter() {
  $('#home-title').textContent = `${app.session.user.display_name}`;
  if (!app.reference) {
    useReference(await refreshReference(app.session).catch(() => null));  // offline: retried on sync
  }
  showStorage();
  await updateCount();
  await route();
}

/**
 * Take the reference lists (as cached: {etag, document}) and build the forms
 * from them when they are new to this page, keeping what the forms hold. Until
 * there are any, the forms cannot be filled in and a banner says how to get them.
 */
function useReference(cached) {
  if (cached && cached.etag !== app.referenceTag) {
    const built = app.reference !== null;
    app.reference = cached.document;
    app.referenceTag = cached.etag;
    for (const form of Object.values(forms)) {
      const kept = built ? readForm(form, rules, toIso) : null;
      renderForm(form, rules, app.reference);
      if (kept) fillForm(form, kept);
      form.querySelector('button[type="submit"]').disabled = false;
    }
  }
  $('#banner-lists').hidden = app.reference !== null || !app.session;
}

/**
 * Show the screen the hash names. A form is filled before it is shown, so that
 * nothing typed into it can be wiped by a fill that lands later; and a route
 * overtaken by a newer one (a second tap while the first read IndexedDB) stops.
 */
async function route() {
  if (!app.session) { show('signin'); return; }
  const turn = ++app.routing;
  const current = () => turn === app.routing;
  const screen = (window.location.hash || '#home').slice(1);
  if (screen === 'encounter') await openEncounter(current);
  else if (screen === 'round') await openRound(current);
  else if (screen === 'outbox') await openOutbox();
  else show('home');
}

// --- sign-in and sign-out ----------------------------------------------------------

async function signIn(event) {
  event.preventDefault();
  const form = event.target;
  const error = $('#signin-error');
  error.textContent = '';
  let response;
  try {
    response = await fetch('/api/auth/token', {
      method: 'POST', credentials: 'omit', cache: 'no-store', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: form.username.value, password: form.password.value,
        device_name: navigator.userAgent.slice(0, 200) }),
    });
  } catch (networkError) {
    error.textContent = 'No connection: signing in needs the server. Your entries are safe on this phone.';
    return;
  }
  const body = await response.json().catch(() => null);
  if (response.status !== 201 || !body) {
    error.textContent = (body && body.message) || `Sign-in failed (${response.status}).`;
    return;
  }
  form.password.value = '';
  app.session = { token: body.token, device_id: body.device_id, expires_at: body.expires_at, user: body.user };
  await setMeta('session', app.session);
  app.authNeeded = false;
  $('#banner-signin').hidden = true;
  askPersistence();
  window.location.hash = '#home';
  await enter();
  trySync();
}

async function signOut() {
  const owner = app.session.user.username;
  const unsent = await updateCount();
  if (unsent) {
    $('#signout-error').textContent = `You cannot sign out yet: ${unsent} ${unsent === 1 ? 'entry is' : 'entries are'} ` +
      'not on the server. Connect, press Send now, and try again.';
    return;
  }
  for (const name of Object.keys(forms)) cancelDraft(name);  // no draft written after the forgetting
  await forgetOwner(owner);
  api(app.session, 'DELETE', '/api/auth/token').catch(() => { /* offline: the token expires on its own */ });
  await deleteMeta('session');
  await deleteMeta(`round:${owner}`);
  app.session = null;
  for (const form of Object.values(forms)) loadForm(form, {});  // nothing left for the next officer
  useReference(null);
  $('#signout-error').textContent = '';
  window.location.hash = '';
  show('signin');
  await updateCount();
}

// --- capture ----------------------------------------------------------------

function wireForms() {
  for (const [name, form] of Object.entries(forms)) {
    form.addEventListener('input', () => {
      form.querySelector('.saved').textContent = '';  // 'Saved' was about the last entry, not this one
      updateVisibility(form);
      clearTimeout(app.draftTimers[name]);
      app.draftTimers[name] = setTimeout(() => flushDraft(name), 300);
    });
    form.addEventListener('change', () => updateVisibility(form));
    form.addEventListener('submit', (event) => { event.preventDefault(); saveForm(name); });
    for (const button of form.querySelectorAll('.locate')) {
      button.addEventListener('click', async () => {
        const coords = await locate(form, form.querySelector('.locate-status'));
        if (coords && name === 'visit') sortPostboxes(coords);
      });
    }
  }
}

async function saveFormDraft(name) {
  if (!app.session || !app.reference) return;
  const form = forms[name];
  await saveDraft(app.session.user.username, name, { data: readForm(form, rules, toIso), editing: form.dataset.editing || null });
}

/** Forget a form's typing not yet written as a draft (the form is about to be reset or saved). */
function cancelDraft(name) {
  clearTimeout(app.draftTimers[name]);
  delete app.draftTimers[name];
}

/** Write a form's typing as its draft now. */
function flushDraft(name) {
  cancelDraft(name);
  return saveFormDraft(name);
}

/** Before an update reloads the app: write the typing not yet in a draft (only that: a form
 * reset after a save is no draft, and storing it would give the next entry the old time). */
async function saveAllDrafts() {
  await Promise.all(Object.keys(app.draftTimers).map((name) => flushDraft(name)));
}

/**
 * Put an entry into a form: a new one, or (``editing``) the saved entry with that id, which a
 * save then replaces. Every fill for another entry goes through here, so the mark cannot outlive it.
 */
function loadForm(form, data, editing = null) {
  fillForm(form, data);
  if (editing) form.dataset.editing = editing;
  else delete form.dataset.editing;
}

async function saveForm(name) {
  const form = forms[name];
  // A draft save still waiting would otherwise run after the form is reset, and
  // the next entry would open with this one's time.
  cancelDraft(name);
  const type = form.dataset.type;
  const data = readForm(form, rules, toIso);
  const errors = validate(type, data, rules, app.reference);
  showErrors(form, errors);
  const saved = form.querySelector('.saved');
  saved.textContent = '';
  if (Object.keys(errors).length) { flushDraft(name); return; }  // the draft keeps the last keystrokes
  const owner = app.session.user.username;
  const existing = form.dataset.editing ? await getEntry(form.dataset.editing) : null;
  const entry = existing ? editEntry(existing, data) : newEntry(type, data, owner);
  try {
    await saveEntry(entry);  // resolves only once the transaction is committed to disk
  } catch (error) {
    storageProblem(error);
    return;
  }
  delete form.dataset.editing;
  await clearDraft(owner, name);
  await updateCount();  // the count includes this entry before 'saved' is shown
  cancelDraft(name);  // typed while saving: it goes with the form's reset, not into a draft
  saved.textContent = 'Saved on this phone';
  if (name === 'visit') await startItems(entry);
  else if (name === 'item') await nextItem();
  else resetEncounter();
  requestBackgroundSync();
  trySync();
}

function resetEncounter(kind = ENCOUNTER_DEFAULTS.kind) {
  // The home screen's 'Other encounter' passes '' so that the officer picks the kind.
  loadForm(forms.encounter, { ...ENCOUNTER_DEFAULTS, kind: kind || undefined, occurred_at: isoNow() });
}

async function openEncounter(current) {
  if (app.reference && !takePendingEdit('encounter')) {
    // Storage that cannot be read now is no reason to keep the form from the officer: start afresh.
    const draft = await loadDraft(app.session.user.username, 'encounter').catch(() => null);
    if (!current()) return;
    forms.encounter.querySelector('.saved').textContent = '';
    if (draft && Object.keys(draft.data).length) {
      loadForm(forms.encounter, draft.data, draft.editing);
    } else if (!forms.encounter.dataset.editing) {  // with no draft, an edit left open is taken up again
      resetEncounter(app.nextKind);
    }
    app.nextKind = undefined;
  }
  show('encounter');
}

// --- postbox round -------------------------------------------------------------

async function openRound(current) {
  if (app.reference && !(await fillRound(current))) return;
  show('round');
}

/** Fill the round screen: an outbox entry to fix, the round's next card, or a new visit. False if overtaken. */
async function fillRound(current) {
  const editing = app.pendingEdit && app.pendingEdit.type;
  if (editing === 'postbox_visit' || editing === 'postbox_item') {
    forms.visit.hidden = editing !== 'postbox_visit';
    forms.item.hidden = editing !== 'postbox_item';
    takePendingEdit(editing === 'postbox_visit' ? 'visit' : 'item');
    return true;
  }
  const owner = app.session.user.username;
  const round = await getMeta(`round:${owner}`).catch(() => null);
  const draft = await loadDraft(owner, round ? 'item' : 'visit').catch(() => null);
  if (!current()) return false;
  const drafted = draft && Object.keys(draft.data).length;
  for (const form of [forms.visit, forms.item]) form.querySelector('.saved').textContent = '';
  if (round) {
    showItemForm(round);
    if (drafted) {
      // A card being edited (from the outbox) keeps its own visit; a new one belongs to this round.
      loadForm(forms.item, draft.editing ? draft.data : { ...draft.data, visit_id: round.visitId }, draft.editing);
    }
  } else {
    forms.item.hidden = true;
    forms.visit.hidden = false;
    loadForm(forms.visit, drafted ? draft.data : { visited_at: isoNow(), box_condition: 'ok' }, drafted && draft.editing);
  }
  return true;
}

async function startItems(visitEntry) {
  const round = { visitId: visitEntry.id, postboxId: visitEntry.data.postbox_id, items: 0 };
  await setMeta(`round:${app.session.user.username}`, round);
  showItemForm(round);
}

function showItemForm(round) {
  forms.visit.hidden = true;
  forms.item.hidden = false;
  loadForm(forms.item, { ...rules.item_defaults, visit_id: round.visitId });
  const box = (app.reference.postboxes || []).find((b) => b.id === round.postboxId);
  $('#round-summary').textContent = `${box ? box.name : 'Postbox'}: ${round.items} ${round.items === 1 ? 'card' : 'cards'} saved.`;
}

async function nextItem() {
  const key = `round:${app.session.user.username}`;
  const round = await getMeta(key);
  if (!round) return;
  round.items += 1;
  await setMeta(key, round);
  showItemForm(round);
  forms.item.querySelector('.saved').textContent = 'Saved on this phone';
}

function sortPostboxes(coords) {
  const distance = (box) => (box.latitude === null ? Infinity :
    (box.latitude - coords.latitude) ** 2 + ((box.longitude - coords.longitude) * Math.cos(coords.latitude * Math.PI / 180)) ** 2);
  app.reference = { ...app.reference, postboxes: [...app.reference.postboxes].sort((a, b) => distance(a) - distance(b)) };
  const chosen = readForm(forms.visit, rules, toIso);
  renderForm(forms.visit, rules, app.reference);
  fillForm(forms.visit, chosen);
}

// --- outbox and sync ----------------------------------------------------------------

async function openOutbox() {
  show('outbox');
  await updateCount();  // it draws the list while the outbox is on screen
}

/** Open an entry from the outbox in its form, with the server's errors next to the fields. */
function editFromOutbox(entry) {
  app.pendingEdit = entry;
  const target = entry.type === 'encounter' ? '#encounter' : '#round';
  if (window.location.hash === target) route(); else window.location.hash = target;
}

/** If an outbox entry is waiting to be edited in this form, fill the form with it. */
function takePendingEdit(name) {
  const entry = app.pendingEdit;
  const formName = entry && (entry.type === 'encounter' ? 'encounter' : entry.type === 'postbox_visit' ? 'visit' : 'item');
  if (formName !== name) return false;
  app.pendingEdit = null;
  const form = forms[name];
  loadForm(form, entry.data, entry.id);
  form.querySelector('.saved').textContent = '';
  showErrors(form, entry.state === 'attention' ? entry.errors : {});
  return true;
}

async function updateCount() {
  const entries = app.session ? await entriesOf(app.session.user.username) : [];
  const unsent = entries.filter((e) => UNSENT.has(e.state)).length;
  $('[data-testid="outbox-count"]').textContent = String(unsent);
  if (!$('#screen-outbox').hidden) renderOutbox($('#outbox-list'), entries, app.reference, editFromOutbox);
  return unsent;
}

/**
 * Try to send. An automatic try is skipped while the server's Retry-After runs (the timer
 * set for its end tries then); Send now (manual) always tries.
 */
async function trySync({ manual = false } = {}) {
  if (!manual && performance.now() < app.notBefore) return;
  await attemptSync({ manual });
}

/** One attempt; on failure the next is scheduled with backoff, never sooner than Retry-After. */
async function attemptSync({ manual = false } = {}) {
  if (!app.session || (app.authNeeded && !manual)) return;
  clearTimeout(app.timer);
  const status = $('#sync-status');
  try {
    status.textContent = 'Sending…';
    const { sent, tried } = await syncOutbox(app.session);
    app.failures = 0;
    app.notBefore = 0;
    app.authNeeded = false;
    $('#banner-signin').hidden = true;
    if (!app.reference || manual) {
      const hadLists = app.reference !== null;
      useReference(await refreshReference(app.session).catch(() => null));
      if (!hadLists && app.reference) route();  // a form already on screen is filled now that it can be
    }
    const left = await updateCount();
    status.textContent = left ? `${left} not sent: check the outbox.` : (tried ? `All sent (${sent}).` : 'Everything is on the server.');
    if (left) app.timer = setTimeout(() => attemptSync(), backoff(app.failures + 3));
  } catch (error) {
    const left = await updateCount();
    if (error instanceof AuthNeeded) {
      app.authNeeded = true;
      $('#banner-signin').hidden = false;
      status.textContent = `${left} waiting: sign in again to send.`;
      return;
    }
    app.failures += 1;
    const delay = retryDelay(app.failures, error);
    app.notBefore = error instanceof RetryLater && error.retryAfter ? performance.now() + error.retryAfter : 0;
    status.textContent = `${left} waiting to send. ${error instanceof RetryLater ? error.message : 'Will retry.'} Next try in ${Math.round(delay / 1000)} s.`;
    app.timer = setTimeout(() => attemptSync(), delay);
  }
}

// --- storage ------------------------------------------------------------------

async function askPersistence() {
  if (navigator.storage && navigator.storage.persist) await navigator.storage.persist().catch(() => false);
  showStorage();
}

async function showStorage() {
  const node = $('#storage-state');
  if (!navigator.storage || !navigator.storage.persisted) { node.textContent = ''; return; }
  const persisted = await navigator.storage.persisted().catch(() => false);
  node.textContent = persisted ? 'Storage: kept on this phone (persistent).'
    : 'Storage: the browser may clear it if the phone runs short of space. Send entries when you can.';
}

function storageProblem(error) {
  const banner = $('#banner-storage');
  banner.hidden = false;
  banner.textContent = error && error.name === 'QuotaExceededError'
    ? 'This phone is out of space: the last entry was NOT saved. Everything saved before is safe. Free some space, then save again.'
    : `The last entry was NOT saved (${error && error.message}). Everything saved before is safe. Try again.`;
}

// Links on the home screen choose the encounter kind.
for (const link of document.querySelectorAll('a[data-kind]')) {
  link.addEventListener('click', () => { app.nextKind = link.dataset.kind; });
}

window.fieldapp = { describe, trySync, updateCount };  // for debugging on a phone and for bench/client.py
start().catch((error) => storageProblem(error));
