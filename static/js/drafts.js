// Drafts: a form's typing kept across reloads and restarts, written a moment after the
// officer stops typing; and the form's editing mark (which saved entry a save replaces),
// which is kept with the draft.

import { fillForm, readForm } from './forms.js';
import { saveDraft, toIso } from './outbox.js';
import { forms, rules } from './page.js';
import { currentReference } from './reference.js';
import { currentSession, officer } from './session.js';

const TYPING_PAUSE_MS = 300;
const timers = {};  // form name -> the timer of typing not yet written as a draft

/** The officer typed: write the form's draft once the typing pauses. */
export function draftSoon(name) {
  clearTimeout(timers[name]);
  timers[name] = setTimeout(() => flushDraft(name), TYPING_PAUSE_MS);
}

async function saveFormDraft(name) {
  if (!currentSession() || !currentReference()) return;
  const form = forms[name];
  await saveDraft(officer(), name, { data: readForm(form, rules, toIso), editing: form.dataset.editing || null });
}

/** Forget a form's typing not yet written as a draft (the form is about to be reset or saved). */
export function cancelDraft(name) {
  clearTimeout(timers[name]);
  delete timers[name];
}

/** Forget every form's typing not yet written (signing out: no draft written after the forgetting). */
export function cancelAllDrafts() {
  for (const name of Object.keys(forms)) cancelDraft(name);
}

/** Write a form's typing as its draft now. */
export function flushDraft(name) {
  cancelDraft(name);
  return saveFormDraft(name);
}

/** Before an update reloads the app: write the typing not yet in a draft (only that: a form
 * reset after a save is no draft, and storing it would give the next entry the old time). */
export async function saveAllDrafts() {
  await Promise.all(Object.keys(timers).map((name) => flushDraft(name)));
}

/**
 * Put an entry into a form: a new one, or (``editing``) the saved entry with that id, which a
 * save then replaces. Every fill for another entry goes through here, so the mark cannot outlive it.
 */
export function loadForm(form, data, editing = null) {
  fillForm(form, data);
  if (editing) form.dataset.editing = editing;
  else delete form.dataset.editing;
}
