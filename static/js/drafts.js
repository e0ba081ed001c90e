// Drafts: a form's typing kept across reloads and restarts, with the form's editing mark.

import { draftPhotos, into, openValue, sealValue, withStores } from './db.js';
import { clearErrors, fillForm, readForm } from './forms.js';
import { saveDraft, toIso } from './outbox.js';
import { forms, rules } from './page.js';
import { currentReference } from './reference.js';
import { currentSession, officer } from './session.js';

const TYPING_PAUSE_MS = 300;
const timers = {};  // form name -> the timer of typing not yet written as a draft

export function draftSoon(name) {
  clearTimeout(timers[name]);
  timers[name] = setTimeout(() => flushDraft(name), TYPING_PAUSE_MS);
}

async function saveFormDraft(name) {
  if (!currentSession() || !currentReference()) return;
  const form = forms[name];
  await saveDraft(officer(), name, { data: readForm(form, rules, toIso), editing: form.dataset.editing || null });
}

/** Typing not yet written is forgotten (the form is about to be reset or saved). */
export function cancelDraft(name) {
  clearTimeout(timers[name]);
  delete timers[name];
}

export function cancelAllDrafts() {
  for (const name of Object.keys(forms)) cancelDraft(name);
}

export function flushDraft(name) {
  cancelDraft(name);
  return saveFormDraft(name);
}

export async function flushPending(name) {
  if (timers[name]) await flushDraft(name);
}

/** Before an update reloads: only typing not yet drafted (a form reset after a save is no draft). */
export async function saveAllDrafts() {
  await Promise.all(Object.keys(timers).map((name) => flushDraft(name)));
}

/** Every fill goes through here, so the editing mark cannot outlive its entry. */
export function loadForm(form, data, editing = null) {
  fillForm(form, data);
  clearErrors(form);  // an earlier attempt's messages and location fix were about another entry
  for (const node of form.querySelectorAll('.locate-status, .saved')) node.textContent = '';
  if (editing) form.dataset.editing = editing;
  else delete form.dataset.editing;
}

const PARKED = 'encounter~';  // drafts put aside: `${owner}:encounter~<id>`

/** Put aside: offered until continued or discarded. */
export async function parkDraft(owner, values) {
  const row = { key: `${owner}:${PARKED}${crypto.randomUUID()}`, values: await sealValue(values), photos: draftPhotos({ values }), at: Date.now() };
  return withStores(['drafts'], 'readwrite', (drafts) => {
    drafts.put(row);
    drafts.delete(`${owner}:encounter`);
  });
}

export async function parkedDrafts(owner) {
  const range = IDBKeyRange.bound(`${owner}:${PARKED}`, `${owner}:${PARKED}\uffff`);
  const rows = await withStores(['drafts'], 'readonly', (drafts, out) =>
    into(out, drafts.getAll(range), (found) => found.sort((a, b) => b.at - a.at)));
  return Promise.all(rows.map(async (row) => ({ ...row, values: await openValue(row.values) })));
}

/** A draft put aside becomes the encounter draft again (one transaction); resolves with its values. */
export async function unparkDraft(owner, key) {
  return openValue(await withStores(['drafts'], 'readwrite', (drafts, out) => {
    const request = drafts.get(key);
    request.onsuccess = () => {
      const row = request.result;
      if (!row) return;
      out.value = row.values;
      drafts.put({ ...row, key: `${owner}:encounter` });
      drafts.delete(key);
    };
  }));
}

export function dropParked(key) {
  return withStores(['drafts'], 'readwrite', (drafts) => { drafts.delete(key); });
}
