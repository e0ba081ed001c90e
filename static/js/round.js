// The postbox round: a visit, then its cards one after another. The round in progress
// (its visit, its postbox, the cards saved) is kept per officer in IndexedDB, so that a
// reload or a restart goes on where the officer was. Only signing out forgets it:
// 'Finish round' is a link home, and the round screen opens on the same round again.

import { deleteMeta, getMeta, setMeta } from './db.js';
import { loadForm } from './drafts.js';
import { fillForm, readForm, renderForm } from './forms.js';
import { isoNow, loadDraft, toIso } from './outbox.js';
import { takeWaitingEdit, waitingType } from './outbox-screen.js';
import { $, forms, rules } from './page.js';
import { currentReference, reorderPostboxes } from './reference.js';
import { show } from './screens.js';
import { officer } from './session.js';

const roundKey = (owner) => `round:${owner}`;

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
    loadForm(forms.visit, drafted ? draft.data : { visited_at: isoNow(), box_condition: 'ok' }, drafted && draft.editing);
  }
  return true;
}

/** A visit was saved: its round begins, with the first card's form. */
export async function startItems(visitEntry) {
  const round = { visitId: visitEntry.id, postboxId: visitEntry.data.postbox_id, items: 0 };
  await setMeta(roundKey(officer()), round);
  showItemForm(round);
}

function showItemForm(round) {
  forms.visit.hidden = true;
  forms.item.hidden = false;
  loadForm(forms.item, { ...rules.item_defaults, visit_id: round.visitId });
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
