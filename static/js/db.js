// IndexedDB: the phone's own store of entries, their photos, drafts and settings; what people
// typed is sealed under the data key (docs/officer-app.md).

import { open, openBytes, seal, sealBytes } from './vault.js';

const NAME = 'fieldapp';
const VERSION = 2;
const OPEN_TIMEOUT_MS = 8000;  // Safari can hang an open after the app was in the background
let opening = null;

export function openDb() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(NAME, VERSION);
      const timer = setTimeout(() => { opening = null; reject(new Error('The phone storage did not open. Reload the app.')); }, OPEN_TIMEOUT_MS);
      request.onupgradeneeded = (event) => {
        const db = request.result;
        if (event.oldVersion < 1) {
          db.createObjectStore('entries', { keyPath: 'id' }).createIndex('owner', 'owner');
          db.createObjectStore('drafts', { keyPath: 'key' });
          db.createObjectStore('meta', { keyPath: 'key' });
        }
        if (event.oldVersion < 2) {
          const photos = db.createObjectStore('photos', { keyPath: 'id' });
          photos.createIndex('owner', 'owner');
          photos.createIndex('entry', 'entryId');
          db.createObjectStore('photo_bytes', { keyPath: 'id' });
        }
      };
      request.onsuccess = () => {
        clearTimeout(timer);
        const db = request.result;
        // Another tab upgrading or erasing: this one starts again, locked, and never writes to a new empty store.
        db.onversionchange = () => { db.close(); opening = null; if (sealing) window.location.reload(); };
        db.onclose = () => { opening = null; };
        resolve(db);
      };
      request.onerror = () => { clearTimeout(timer); opening = null; reject(request.error); };
    });
  }
  return opening;
}

/** fn must only make IndexedDB requests: awaiting anything else lets the transaction commit early. */
export async function withStores(names, mode, fn) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    let tx;
    try {
      tx = db.transaction(names, mode, { durability: 'strict' });
    } catch (error) {
      opening = null;  // 'connection is closing': the next call reopens
      reject(error);
      return;
    }
    // out.abort(): the transaction changes nothing and resolves with out.value.
    const out = { abort: () => { out.aborted = true; tx.abort(); } };
    tx.oncomplete = () => resolve(out.value);
    tx.onabort = () => (out.aborted ? resolve(out.value) : reject(tx.error || new DOMException('Transaction aborted', 'AbortError')));
    try {
      fn(...names.map((name) => tx.objectStore(name)), out);
    } catch (error) {
      tx.abort();
      reject(error);
    }
  });
}

let dataKey = null;  // a non-extractable CryptoKey, in memory only
let sealing = false;  // once a vault exists, nothing is stored in clear

/** Until a vault exists (a phone of the release before PINs), values are stored as they come. */
export function useKey(key) {
  dataKey = key;
  sealing = true;
}

export function lockStorage() {
  useKey(null);
}

export const unlocked = () => dataKey !== null;
export const locked = () => sealing && dataKey === null;

const sealed = (value) => Boolean(value) && value.sealed === 1 && value.iv instanceof Uint8Array;

function key() {
  if (!dataKey) throw new Error('The app is locked.');
  return dataKey;
}

/** Outside transactions: WebCrypto's promises would let one commit early. */
export async function sealValue(value, bytes = false) {
  if (!sealing || value === null || value === undefined || sealed(value)) return value;
  return { sealed: 1, ...(await (bytes ? sealBytes(key(), value) : seal(key(), value))) };
}

export async function openValue(value, bytes = false) {
  if (!sealed(value)) return value;
  return bytes ? openBytes(key(), value) : open(key(), value);
}

export async function sealFields(record, fields, bytes = false) {
  const copy = { ...record };
  for (const field of fields) copy[field] = await sealValue(copy[field], bytes);
  return copy;
}

export async function openFields(record, fields) {
  if (!record) return record;
  const copy = { ...record };
  for (const field of fields) copy[field] = await openValue(copy[field]);
  return copy;
}

export function into(out, request, map = (x) => x) {
  request.onsuccess = () => { out.value = map(request.result); };
}

// Read before the unlock.
const CLEAR_META = new Set(['vault', 'sealed']);

export async function getMeta(name) {
  return openValue(await withStores(['meta'], 'readonly', (meta, out) => into(out, meta.get(name), (row) => row && row.value)));
}

export async function setMeta(name, value) {
  const stored = CLEAR_META.has(name) ? value : await sealValue(value);
  return withStores(['meta'], 'readwrite', (meta) => { meta.put({ key: name, value: stored }); });
}

export async function deleteMeta(name) {
  return withStores(['meta'], 'readwrite', (meta) => { meta.delete(name); });
}

export const SEALED_FIELDS = { entries: ['data', 'review', 'errors'], drafts: ['values'], photo_bytes: ['bytes'], meta: ['value'] };

/** Seal in place what a phone of the release before PINs stored in clear. */
export async function sealLeftovers() {
  if (await getMeta('sealed')) return;
  for (const [store, fields] of Object.entries(SEALED_FIELDS)) {
    const rows = await withStores([store], 'readonly', (s, out) => into(out, s.getAll()));
    const changed = [];
    for (const row of rows) {
      if ((store === 'meta' && CLEAR_META.has(row.key)) || !fields.some((f) => row[f] != null && !sealed(row[f]))) continue;
      changed.push({ ...(await sealFields(row, fields, store === 'photo_bytes')), ...(store === 'drafts' ? { photos: draftPhotos(row) } : {}) });
    }
    // A crash leaves some rows sealed: the rest are done next time.
    if (changed.length) await withStores([store], 'readwrite', (s) => { for (const row of changed) s.put(row); });
  }
  await setMeta('sealed', true);
}

/** A draft's photo ids (kept clear, for sweeping). */
export function draftPhotos(row) {
  if (Array.isArray(row.photos)) return row.photos;
  const values = row.values && !sealed(row.values) ? row.values : null;
  return (values && values.data && values.data.photos) || [];
}

export async function eraseAll() {
  dataKey = null;
  sealing = false;
  const db = await openDb().catch(() => null);
  if (db) db.close();
  opening = null;
  await new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(NAME);
    request.onsuccess = resolve;
    request.onerror = resolve;
    request.onblocked = resolve;
  });
}
