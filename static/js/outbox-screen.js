// The outbox screen, the unsent count, and what the phone says about what waits.

import { locked } from './db.js';
import { loadForm } from './drafts.js';
import { showErrors } from './forms.js';
import { UNSENT, entriesOf, getEntry, isReturned, unsentByOwner, unsentTotal } from './outbox.js';
import { $, forms } from './page.js';
import { UNSENT_PHOTO, photosOf } from './photos.js';
import { currentReference } from './reference.js';
import { route } from './router.js';
import { el, renderOutbox, reviewedBy, show } from './screens.js';
import { currentSession, nameOf, officer } from './session.js';

let waiting = null;  // an outbox entry opened to fix, until its form is shown
let networkDown = false;  // the last try to reach the server failed on the network

export async function openOutbox() {
  show('outbox');
  await updateCount();  // it draws the list
}

export async function updateCount() {
  const entries = currentSession() ? await entriesOf(officer()) : [];
  const photos = currentSession() ? (await photosOf(officer())).filter((p) => p.entryId) : [];
  const unsent = locked() ? await unsentTotal()
    : entries.filter((e) => UNSENT.has(e.state)).length + photos.filter((p) => UNSENT_PHOTO.has(p.state)).length;
  $('[data-testid="outbox-count"]').textContent = String(unsent);
  showConnection(unsent);
  const returned = entries.filter(isReturned).length;
  $('#home-returned').hidden = !returned;
  $('#home-returned a').textContent = returned ? `${returned} returned to you — fix and resend` : '';
  await showOthers();
  if (!$('#screen-outbox').hidden) renderOutbox($('#outbox-list'), entries, currentReference(), editFromOutbox, photos);
  return unsent;
}

export function setNetworkDown(down) {
  networkDown = down;
}

function showConnection(unsent) {
  const banner = $('#banner-offline');
  const offline = Boolean(currentSession()) && (!navigator.onLine || networkDown);
  const text = !offline ? '' : unsent
    ? `No connection. ${unsent} not sent: kept on this phone, and sent when the connection returns.`
    : 'No connection. Nothing is waiting to be sent.';
  banner.hidden = !offline;
  if (banner.textContent !== text) banner.textContent = text;
}

async function showOthers() {
  const note = $('#home-others');
  const counts = currentSession() ? await unsentByOwner(officer()).catch(() => ({})) : {};
  const lines = [];
  for (const [owner, n] of Object.entries(counts)) {
    const name = await nameOf(owner);
    lines.push(`${name} has ${n} ${n === 1 ? 'entry' : 'entries'} not sent on this phone: ${name} must sign in to send ${n === 1 ? 'it' : 'them'}.`);
  }
  note.hidden = !lines.length;
  note.textContent = lines.join(' ');
}

export function watchEditing() {
  for (const form of Object.values(forms)) {
    new MutationObserver(() => showReviewNote(form)).observe(form, { attributes: true, attributeFilter: ['data-editing'] });
    showReviewNote(form);
  }
}

async function showReviewNote(form) {
  const id = form.dataset.editing;
  const entry = id ? await getEntry(id).catch(() => null) : null;
  let note = form.querySelector(':scope > .review-note');
  if (form.dataset.editing !== id) return;  // the form moved on meanwhile: its own call decides
  const review = entry?.review?.decision === 'returned' ? entry.review : null;
  if (!review) { if (note) note.remove(); return; }
  if (!note) {
    note = el('div', { class: 'banner warn review-note', role: 'note' });
    form.prepend(note);
  }
  note.textContent = `${reviewedBy(currentReference(), review, '.')} Fix the entry and save it to send it again.`;
}

// takeWaitingEdit fills the form.
function editFromOutbox(entry) {
  waiting = entry;
  const target = entry.type === 'encounter' ? '#encounter' : '#round';
  if (window.location.hash === target) route(); else window.location.hash = target;
}

export function waitingType() {
  return waiting?.type;
}

export function takeWaitingEdit(name) {
  const entry = waiting;
  const formName = entry && (entry.type === 'encounter' ? 'encounter' : entry.type === 'postbox_visit' ? 'visit' : 'item');
  if (formName !== name) return false;
  waiting = null;
  const form = forms[name];
  loadForm(form, entry.data, entry.id);
  form.querySelector('.saved').textContent = '';
  showErrors(form, entry.state === 'attention' ? entry.errors : {});
  return true;
}
