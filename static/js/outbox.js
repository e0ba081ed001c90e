// The outbox: every entry the officer saved (and its photos), with its state.

import { SEALED_FIELDS, draftPhotos, into, openFields, openValue, sealFields, sealValue, withStores } from './db.js';
import { UNSENT_PHOTO, attachPhotos } from './photos.js';

export const UNSENT = new Set(['pending', 'attention']);

/** A new entry: the id made here is its idempotency key for ever. */
export function newEntry(type, data, owner) {
  return {
    id: crypto.randomUUID(), type, owner, data, version: 1, base_version: null,
    captured_at: isoNow(), state: 'pending', rev: 1, serverVersion: null, errors: null,
    receivedAt: null, review: null, created: Date.now(),
  };
}

const FIELDS = SEALED_FIELDS.entries;
const opened = (rows) => Promise.all(rows.map((row) => openFields(row, FIELDS)));

/** Entry and photos in one transaction, on disk when this resolves. */
export async function saveEntry(entry) {
  let ids = (entry.data && entry.data.photos) || [];
  for (;;) {
    const data = { ...entry.data };
    if (ids.length) data.photos = ids; else delete data.photos;
    const record = await sealFields({ ...entry, data }, FIELDS);
    const found = await withStores(['entries', 'photos', 'photo_bytes'], 'readwrite', (entries, photos, bytes, out) => {
      attachPhotos(photos, bytes, entry, (kept) => {
        if (kept.join() === ids.join()) { entries.put(record); return; }
        out.value = kept;  // a listed photo is gone: sealed again without
        out.abort();
      });
    });
    if (!found) return;
    ids = found;
  }
}

/** Replace an entry's content after an edit: same id; a new version only if the server had the old one. */
export function editEntry(entry, data) {
  const edited = { ...entry, data, rev: entry.rev + 1, state: 'pending', errors: null, captured_at: isoNow() };
  if (entry.serverVersion !== null && entry.state !== 'attention') {
    edited.version = entry.serverVersion + 1;
    edited.base_version = entry.serverVersion;
  }
  return edited;
}

export async function getEntry(id) {
  return openFields(await withStores(['entries'], 'readonly', (entries, out) => into(out, entries.get(id))), FIELDS);
}

export async function entriesOf(owner) {
  return opened(await withStores(['entries'], 'readonly', (entries, out) =>
    into(out, entries.index('owner').getAll(owner), (rows) => rows.sort((a, b) => b.created - a.created))));
}

export function isReturned(entry) {
  return Boolean(entry.review) && entry.review.decision === 'returned' && entry.state === 'sent' &&
    entry.review.version === entry.serverVersion;
}

/** {username: unsent entries and photos}, of everyone or everyone but ``except``. */
export function unsentByOwner(except = null) {
  return withStores(['entries', 'photos'], 'readonly', (entries, photos, out) => {
    const counts = {};
    out.value = counts;
    const ranges = except === null ? [null] : [IDBKeyRange.upperBound(except, true), IDBKeyRange.lowerBound(except, true)];
    for (const [store, unsent] of [[entries, UNSENT], [photos, UNSENT_PHOTO]]) {
      for (const range of ranges) {
        eachOwned(store, range, (cursor) => {
          if (unsent.has(cursor.value.state)) counts[cursor.value.owner] = (counts[cursor.value.owner] || 0) + 1;
        });
      }
    }
  });
}

/** Everyone's unsent entries and photos, read from clear fields (also while locked). */
export const unsentTotal = async () => Object.values(await unsentByOwner()).reduce((sum, n) => sum + n, 0);

function eachOwned(store, range, visit) {
  const request = store.index('owner').openCursor(range);
  request.onsuccess = () => {
    const cursor = request.result;
    if (!cursor) return;
    visit(cursor);
    cursor.continue();
  };
}

const STORED = ['created', 'duplicate', 'updated'];

/** In one transaction; an entry edited since it was sent (rev changed) keeps its state. */
export async function applyResults(sent, results, serverTime) {
  const errors = await Promise.all(results.map((result) => (STORED.includes(result.status) ? null
    : sealValue(result.errors || (result.status === 'conflict' ? null : { entry: 'The server refused this entry.' })))));
  return withStores(['entries'], 'readwrite', (entries) => {
    sent.forEach((entry, index) => {
      const result = results[index];
      const request = entries.get(entry.id);
      request.onsuccess = () => {
        const current = request.result;
        if (!current || current.rev !== entry.rev) return;
        if (STORED.includes(result.status)) {
          Object.assign(current, { state: 'sent', serverVersion: result.version, errors: null, receivedAt: serverTime });
        } else if (result.status === 'conflict') {
          Object.assign(current, { state: 'conflict', serverVersion: result.current_version, errors: errors[index], receivedAt: serverTime });
        } else {
          Object.assign(current, { state: 'attention', errors: errors[index] });
        }
        entries.put(current);
      };
    });
  });
}

export function takesVersion(entry, version) {
  return Boolean(entry) && entry.state === 'sent' && version > (entry.serverVersion || 0);
}

export async function applyChanges(changes, fetched) {
  // Merged with the phone's copy as read now, sealed before the transaction.
  const reviews = await Promise.all(changes.map((change) => change.review && sealValue({ ...change.review, version: change.version })));
  const merged = {};
  for (const [id, newer] of Object.entries(fetched)) {
    const held = await getEntry(id);
    if (held) merged[id] = { rev: held.rev, data: await sealValue(keepWithheld(held.data, newer)) };
  }
  return withStores(['entries'], 'readwrite', (entries) => {
    changes.forEach((change, index) => {
      const request = entries.get(change.id);
      request.onsuccess = () => {
        const current = request.result;
        if (!current) return;
        if (change.review) current.review = reviews[index];
        const newer = fetched[change.id];
        const mine = merged[change.id];
        if (newer && mine && mine.rev === current.rev && takesVersion(current, newer.version)) {
          Object.assign(current, { data: mine.data, version: newer.version,
            base_version: newer.version - 1, serverVersion: newer.version });
        }
        entries.put(current);
      };
    });
  });
}

/** Keeps this phone's values of fields the server withheld: else 'Edit and resend' would drop them. */
export function keepWithheld(local, fetched) {
  const data = { ...fetched.data };
  for (const name of Array.isArray(fetched.withheld) ? fetched.withheld : []) {
    const mine = local && local[name];
    if (!(name in data) && mine !== undefined && mine !== null && mine !== '') data[name] = mine;
  }
  return data;
}

export async function saveDraft(owner, form, values) {
  const row = { key: `${owner}:${form}`, values: await sealValue(values), photos: draftPhotos({ values }), at: Date.now() };
  return withStores(['drafts'], 'readwrite', (drafts) => { drafts.put(row); });
}

export async function loadDraft(owner, form) {
  return openValue(await withStores(['drafts'], 'readonly', (drafts, out) => into(out, drafts.get(`${owner}:${form}`), (row) => row && row.values)));
}

export function clearDraft(owner, form) {
  return withStores(['drafts'], 'readwrite', (drafts) => { drafts.delete(`${owner}:${form}`); });
}

export function isoNow() {
  return toIso(new Date());
}

export function toIso(date) {
  const pad = (n) => String(Math.abs(n)).padStart(2, '0');
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:` +
    `${pad(date.getMinutes())}:${pad(date.getSeconds())}${sign}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
}
