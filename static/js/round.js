// The postbox round: a visit, then its cards one after another. The round in progress
// (its visit, its postbox, the cards saved) is kept per officer in IndexedDB, so that a
// reload or a restart goes on where the officer was, and 'Home' leaves it open. 'Finish
// round' ends it (asking first if a card is typed but not saved): 'Postbox round' then
// begins the next visit. Signing out forgets it too.

import { deleteMeta, getMeta, setMeta } from './db.js';
import { cancelDraft, loadForm } from './drafts.js';
import { askToConfirm, fillForm, readForm, renderForm, startAtTop } from './forms.js';
import { clearDraft, isoNow, loadDraft, toIso } from './outbox.js';
import { takeWaitingEdit, waitingType } from './outbox-screen.js';
import { $, forms, rules } from './page.js';
import { currentReference, reorderPostboxes } from './reference.js';
import { show } from './screens.js';
import { officer } from './session.js';

const roundKey = (owner) => `round:${owner}`;
const pristine = new WeakMap();  // form -> its answers as a new entry: anything else is typing

/** 'Finish round' and each form's 'Discard' (both ask first when something typed would go). */
export function wireRound() {
  const finish = $('#finish-round');
  finish.addEventListener('click', (event) => {
    event.preventDefault();
    if (untouched(forms.item)) { finishRound(); return; }
    askToConfirm($('#finish-confirm'), 'The card you are typing is not saved. Finish the round without it?',
      'Discard the card and finish', 'Keep typing', finishRound, finish);
  });
  for (const [name, form] of [['visit', forms.visit], ['item', forms.item]]) {
    const button = form.querySelector('.discard-entry');
    button.addEventListener('click', () => askToConfirm(form.querySelector('.discard-confirm'),
      `Discard what is typed in this ${name === 'item' ? 'card' : 'visit'}? It cannot be brought back.`,
      'Yes, discard it', 'Keep it', () => discard(name), button));
  }
}

function untouched(form) {
  return JSON.stringify(readForm(form, rules, toIso)) === pristine.get(form);
}

function rememberPristine(form) {
  pristine.set(form, JSON.stringify(readForm(form, rules, toIso)));
}

/** End the round: the next 'Postbox round' begins with a new visit. */
async function finishRound() {
  const owner = officer();
  cancelDraft('item');
  await clearDraft(owner, 'item');
  await deleteMeta(roundKey(owner));
  forms.item.hidden = true;
  forms.visit.hidden = false;
  newVisit();
  $('#round-summary').textContent = '';
  window.location.hash = '#home';
}

/** Discard a form's typing (confirmed): a new visit, or the round's next card. */
async function discard(name) {
  const owner = officer();
  cancelDraft(name);
  await clearDraft(owner, name);
  if (name === 'visit') { newVisit(); startAtTop(forms.visit); return; }
  const round = await getMeta(roundKey(owner));
  if (round) showItemForm(round); else loadForm(forms.item, { ...rules.item_defaults });
  startAtTop(forms.item);
}

function newVisit() {
  loadForm(forms.visit, { visited_at: isoNow(), box_condition: 'ok' });
}


/** Fill the round screen, then show it (unless a newer route overtook this one). */
export async function openRound(current) {
  if (currentReference() && !(await fillRound(current))) return;
  show('round');
}

/** Fill the round screen: an outbox entry to fix, the round's next card, or a new visit. False if overtaken. */
async function fillRound(current) {
  const editing = waitingType();
  if (editing === 'postbox_visit' || editing === 'postbox_item') {
    forms.visit.hidden = editing !== 'postbox_visit';
    forms.item.hidden = editing !== 'postbox_item';
    takeWaitingEdit(editing === 'postbox_visit' ? 'visit' : 'item');
    return true;
  }
  const owner = officer();
  const round = await getMeta(roundKey(owner)).catch(() => null);
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
    if (drafted) loadForm(forms.visit, draft.data, draft.editing); else newVisit();
  }
  return true;
}

/** A visit was saved: its round begins, with the first card's form. */
export async function startItems(visitEntry) {
  const round = { visitId: visitEntry.id, postboxId: visitEntry.data.postbox_id, items: 0 };
  await setMeta(roundKey(officer()), round);
  showItemForm(round);
  forms.item.querySelector('.saved').textContent = 'Visit saved on this phone';
  startAtTop(forms.item);
}

function showItemForm(round) {
  forms.visit.hidden = true;
  forms.item.hidden = false;
  loadForm(forms.item, { ...rules.item_defaults, visit_id: round.visitId });
  rememberPristine(forms.item);
  const box = (currentReference().postboxes || []).find((b) => b.id === round.postboxId);
  $('#round-summary').textContent = `${box ? box.name : 'Postbox'}: ${round.items} ${round.items === 1 ? 'card' : 'cards'} saved.`;
}

/** A card was saved: count it and open the form for the next. */
export async function nextItem() {
  const key = roundKey(officer());
  const round = await getMeta(key);
  if (!round) return;
  round.items += 1;
  await setMeta(key, round);
  showItemForm(round);
  forms.item.querySelector('.saved').textContent = 'Saved on this phone';
  startAtTop(forms.item);
}

/** List the postboxes nearest first, keeping the visit form's answers. */
export function nearestFirst(coords) {
  const distance = (box) => (box.latitude === null ? Infinity :
    (box.latitude - coords.latitude) ** 2 + ((box.longitude - coords.longitude) * Math.cos(coords.latitude * Math.PI / 180)) ** 2);
  reorderPostboxes((a, b) => distance(a) - distance(b));
  const chosen = readForm(forms.visit, rules, toIso);
  renderForm(forms.visit, rules, currentReference());
  fillForm(forms.visit, chosen);
}

/** Forget an officer's round in progress (signing out). */
export function forgetRound(owner) {
  return deleteMeta(roundKey(owner));
}
