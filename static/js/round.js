// The postbox round: a visit, then its cards.

import { deleteMeta, getMeta, setMeta } from './db.js';
import { cancelDraft, loadForm } from './drafts.js';
import { sweepPhotos } from './photo-field.js';
import { GEO, askToConfirm, fillForm, readForm, renderForm, startAtTop } from './forms.js';
import { clearDraft, editEntry, entriesOf, getEntry, isoNow, loadDraft, saveEntry, toIso } from './outbox.js';
import { takeWaitingEdit, updateCount, waitingType } from './outbox-screen.js';
import { storageProblem } from './persistence.js';
import { $, forms, rules } from './page.js';
import { currentReference, reorderPostboxes } from './reference.js';
import { show } from './screens.js';
import { officer } from './session.js';
import { trySync } from './sync-schedule.js';

const roundKey = (owner) => `round:${owner}`;
const pristine = new WeakMap();  // form -> its answers as a new entry: anything else is typing

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

const answers = (form) => JSON.stringify(readForm(form, rules, toIso));
const untouched = (form) => answers(form) === pristine.get(form);

async function finishRound() {
  const owner = officer();
  const round = await getMeta(roundKey(owner));
  if (round) {
    try {
      await countCards(owner, round.visitId);
    } catch (error) {
      storageProblem(error);  // the round stays open: 'Finish round' can be pressed again
      return;
    }
  }
  cancelDraft('item');
  await clearDraft(owner, 'item');
  await deleteMeta(roundKey(owner));
  showVisitForm();
  newVisit();
  $('#round-summary').textContent = '';
  window.location.hash = '#home';
}

const LOCK_WAIT_MS = 5000;  // a hung send is not waited for

async function countCards(owner, visitId) {
  const update = async () => {
    const entries = await entriesOf(owner);
    const cards = entries.filter((e) => e.type === 'postbox_item' && e.data.visit_id === visitId).length;
    const visit = entries.find((e) => e.id === visitId);
    if (!visit || visit.state === 'conflict' || !(cards > (visit.data.item_count || 0))) return false;
    await saveEntry(editEntry(await getEntry(visitId), { ...visit.data, item_count: cards }));
    return true;
  };
  let updated;
  if (navigator.locks) {
    try {
      updated = await navigator.locks.request('outbox', { signal: AbortSignal.timeout(LOCK_WAIT_MS) }, update);
    } catch (error) {
      if (error.name !== 'AbortError' && error.name !== 'TimeoutError') throw error;
      updated = await update();  // at worst a conflict copy, as an outbox edit
    }
  } else {
    updated = await update();
  }
  if (updated) {
    await updateCount();
    trySync();
  }
}

async function discard(name) {
  const owner = officer();
  cancelDraft(name);
  await clearDraft(owner, name);
  if (name === 'visit') { newVisit(); preselectNearest(); startAtTop(forms.visit); return; }
  const round = await getMeta(roundKey(owner));
  if (round) showItemForm(round); else loadForm(forms.item, { ...rules.conditions.defaults.postbox_item });
  startAtTop(forms.item);
  await sweepPhotos();
}

function newVisit() {
  loadForm(forms.visit, { visited_at: isoNow(), box_condition: 'ok', item_count: 0 });
}

let asking = 0;  // the latest ask for a location

function preselectNearest() {
  const mine = ++asking;
  const status = $('#nearest-postbox');
  status.textContent = '';
  if (!('geolocation' in navigator)) return;
  const still = () => mine === asking && !forms.visit.hidden && !forms.visit.dataset.editing;
  status.textContent = 'Finding the nearest postbox…';
  navigator.geolocation.getCurrentPosition((position) => {
    if (!still()) return;
    status.textContent = '';
    chooseNearest(position.coords);
  }, () => {
    if (mine === asking) status.textContent = 'No location fix: choose the postbox.';
  }, GEO);
}

// haversine
function metres(a, b) {
  const rad = (degrees) => degrees * Math.PI / 180;
  const h = Math.sin(rad(b.latitude - a.latitude) / 2) ** 2 +
    Math.cos(rad(a.latitude)) * Math.cos(rad(b.latitude)) * Math.sin(rad(b.longitude - a.longitude) / 2) ** 2;
  return 2 * 6371000 * Math.asin(Math.sqrt(h));
}

function farness(m) {
  return m < 1000 ? `${Math.round(m)} m` : `${(m / 1000).toFixed(1)} km`;
}

function chooseNearest(coords) {
  const status = $('#nearest-postbox');
  const inputs = [...forms.visit.querySelectorAll('[name="postbox_id"]')];
  if (!inputs.length || inputs.some((input) => (input.type === 'radio' ? input.checked : input.value))) return;
  const placed = (currentReference().postboxes || []).filter((box) => box.active &&
    typeof box.latitude === 'number' && typeof box.longitude === 'number')
    .map((box) => ({ box, distance: metres(coords, box) })).sort((a, b) => a.distance - b.distance);
  const nearest = placed.find(({ box }) => inputs.some((input) => input.value === String(box.id) ||
    (input.tagName === 'SELECT' && input.querySelector(`option[value="${box.id}"]`))));
  if (!nearest) { status.textContent = 'No postbox has a location on this phone: choose the postbox.'; return; }
  const id = String(nearest.box.id);
  if (inputs[0].tagName === 'SELECT') inputs[0].value = id;
  else inputs.find((input) => input.value === id).checked = true;
  forms.visit.dispatchEvent(new Event('change', { bubbles: true }));
  status.textContent = `Nearest: ${nearest.box.name}, ${farness(nearest.distance)}. Chosen below; change it if you are at another.`;
}

export async function openRound(current) {
  if (currentReference() && !(await fillRound(current))) return;
  show('round');
}

// False if overtaken.
async function fillRound(current) {
  const editing = waitingType();
  if (editing === 'postbox_visit' || editing === 'postbox_item') {
    showVisitForm(editing === 'postbox_visit');
    asking += 1;  // an entry to fix keeps its own postbox
    $('#nearest-postbox').textContent = '';
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
      // A card edited from the outbox keeps its own visit.
      loadForm(forms.item, draft.editing ? draft.data : { ...draft.data, visit_id: round.visitId }, draft.editing);
    }
  } else {
    showVisitForm();
    if (drafted) loadForm(forms.visit, draft.data, draft.editing); else newVisit();
    if (!forms.visit.dataset.editing) preselectNearest();
  }
  return true;
}

export async function startItems(visitEntry) {
  const round = { visitId: visitEntry.id, postboxId: visitEntry.data.postbox_id, items: 0 };
  await setMeta(roundKey(officer()), round);
  showNextCard(round, 'Visit saved on this phone');
}

function showNextCard(round, saved) {
  showItemForm(round);
  forms.item.querySelector('.saved').textContent = saved;
  startAtTop(forms.item);
}

function showVisitForm(visit = true) {
  forms.visit.hidden = !visit;
  forms.item.hidden = visit;
}

function showItemForm(round) {
  showVisitForm(false);
  loadForm(forms.item, { ...rules.conditions.defaults.postbox_item, visit_id: round.visitId });
  pristine.set(forms.item, answers(forms.item));
  const box = (currentReference().postboxes || []).find((b) => b.id === round.postboxId);
  $('#round-summary').textContent = `${box ? box.name : 'Postbox'}: ${round.items} ${round.items === 1 ? 'card' : 'cards'} saved.`;
}

export async function nextItem() {
  const key = roundKey(officer());
  const round = await getMeta(key);
  if (!round) return;
  round.items += 1;
  await setMeta(key, round);
  showNextCard(round, 'Saved on this phone');
}

export function nearestFirst(coords) {
  const distance = (box) => (box.latitude === null ? Infinity :
    (box.latitude - coords.latitude) ** 2 + ((box.longitude - coords.longitude) * Math.cos(coords.latitude * Math.PI / 180)) ** 2);
  reorderPostboxes((a, b) => distance(a) - distance(b));
  const chosen = readForm(forms.visit, rules, toIso);
  renderForm(forms.visit, rules, currentReference());
  fillForm(forms.visit, chosen);
  chooseNearest(coords);
}
