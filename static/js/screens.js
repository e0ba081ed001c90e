// Screens: which one is shown, and the outbox list.

import { isReturned } from './outbox.js';

const SCREENS = ['signin', 'pin', 'unlock', 'home', 'encounter', 'round', 'outbox'];
const STATE_TEXT = {
  pending: 'Waiting to send',
  sent: 'On the server',
  attention: 'Needs attention',
  conflict: 'Kept for your supervisor (changed elsewhere)',
};

export function show(name) {
  for (const screen of SCREENS) document.getElementById(`screen-${screen}`).hidden = screen !== name;
  const heading = document.querySelector(`#screen-${name} h1`);
  if (heading) { heading.tabIndex = -1; heading.focus({ preventScroll: true }); }
}

export function labelOf(reference, list, value) {
  const found = (reference?.lists[list] || []).find((item) => item.value === value);
  return found ? found.label : value;
}

function firstWords(text, max = 40) {
  const clean = String(text || '').replace(/\s+/g, ' ').trim();
  if (clean.length <= max) return clean;
  const cut = clean.slice(0, max + 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut.slice(0, max)).replace(/[\s,;:.]+$/, '')}…`;
}

function placeOf(data) {
  if (data.location_text) return firstWords(data.location_text, 50);
  if (typeof data.latitude === 'number' && typeof data.longitude === 'number') {
    return typeof data.location_accuracy_m === 'number' ? `GPS ±${Math.round(data.location_accuracy_m)} m` : 'GPS';
  }
  return '';
}

function postboxName(reference, id) {
  const box = (reference?.postboxes || []).find((b) => b.id === id);
  return box ? box.name : '';
}

// ``visits``: this phone's visits, by id.
export function describe(entry, reference, visits = new Map()) {
  const data = entry.data || {};
  const quote = (text) => (text ? `“${firstWords(text)}”` : '');
  const parts = [];
  if (entry.type === 'encounter') {
    parts.push(labelOf(reference, 'encounter_kinds', data.kind) || 'Encounter', placeOf(data),
      quote(data.grounds || data.conduct || data.area_description || data.notes));
  } else if (entry.type === 'postbox_visit') {
    const box = postboxName(reference, data.postbox_id);
    parts.push(`Postbox visit${box ? `: ${box}` : ''}`,
      typeof data.item_count === 'number' ? `${data.item_count} ${data.item_count === 1 ? 'card' : 'cards'}` : '');
  } else {
    const visit = visits.get(data.visit_id);
    parts.push(`Postbox card: ${(data.topics || []).map((t) => labelOf(reference, 'topics', t)).join(', ')}`,
      visit ? postboxName(reference, visit.data.postbox_id) : '', quote(data.summary), placeOf(data));
  }
  return parts.filter(Boolean).join(' · ');
}

export const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === false || value == null) continue;
    if (key === 'text') node.textContent = value; else node.setAttribute(key, value === true ? '' : value);
  }
  node.append(...children);
  return node;
};

function photoLine(photos) {
  if (!photos.length) return '';
  const one = photos.length === 1;
  const waiting = photos.filter((p) => p.state === 'pending').length;
  const refused = photos.filter((p) => p.state === 'attention');
  const sent = photos.length - waiting - refused.length;
  const part = (n, words) => (n ? (one ? words : `${n} ${words}`) : '');
  const parts = [part(sent, 'on the server'), part(waiting, 'waiting to send'),
    refused.length ? `${part(refused.length, 'refused')} (${refused[0].error})` : ''];
  return `${one ? 'Photo' : `${photos.length} photos`}: ${parts.filter(Boolean).join(', ')}`;
}

export const reviewedBy = (reference, review, end = '') =>
  `${labelOf(reference, 'review_decisions', review.decision)} by ${review.reviewer}${review.comment ? `: “${review.comment}”` : end}` +
  (review.grounds_assessment ? ` Grounds: ${labelOf(reference, 'grounds_assessments', review.grounds_assessment)}.` : '');

export function renderOutbox(list, entries, reference, onEdit, photos = []) {
  list.replaceChildren();
  if (!entries.length) {
    list.append(el('li', { text: 'Nothing recorded on this phone yet.' }));
    return;
  }
  const visits = new Map(entries.filter((e) => e.type === 'postbox_visit').map((e) => [e.id, e]));
  for (const entry of entries) {
    const item = el('li', { class: `entry state-${entry.state}`, 'data-id': entry.id, 'data-state': entry.state });
    item.append(el('strong', { text: describe(entry, reference, visits) }),
      el('span', { text: ` · ${new Date(entry.captured_at).toLocaleString('en-GB')}` }),
      el('p', { class: 'entry-state', text: STATE_TEXT[entry.state] +
        (entry.state === 'sent' && entry.receivedAt ? ` (received ${new Date(entry.receivedAt).toLocaleString('en-GB')})` : '') }));
    if (entry.data?.receipt_ref) item.append(el('p', { class: 'receipt-ref-line', text: `Receipt ${entry.data.receipt_ref}` }));
    const own = photos.filter((p) => p.entryId === entry.id);
    if (own.length) item.append(el('p', { class: 'entry-photos', 'data-testid': 'entry-photos', text: photoLine(own) }));
    if (entry.errors && entry.state === 'attention') {
      item.append(el('ul', { class: 'errors' }, ...Object.entries(entry.errors).map(([field, message]) =>
        el('li', { text: `${field}: ${message}` }))));
    }
    if (entry.review) {
      item.append(el('p', { class: `review decision-${entry.review.decision}`, text: reviewedBy(reference, entry.review) }));
    }
    if (entry.state === 'attention' || isReturned(entry)) {
      const button = el('button', { type: 'button', text: entry.state === 'attention' ? 'Fix and resend' : 'Edit and resend' });
      button.addEventListener('click', () => onEdit(entry));
      item.append(button);
    }
    list.append(item);
  }
}
