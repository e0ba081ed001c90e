// Photos on the phone: made smaller, kept in IndexedDB, sent after their entry.

import { draftPhotos, into, openValue, sealValue, withStores } from './db.js';

const LONG_SIDE = 1600;
const QUALITY = 0.8;
export const UNSENT_PHOTO = new Set(['pending', 'attention']);

/** Upright, at most LONG_SIDE px; throws if it cannot be read. */
export async function shrink(file) {
  const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  const scale = Math.min(1, LONG_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(bitmap.width * scale));
  canvas.height = Math.max(1, Math.round(bitmap.height * scale));
  canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  const blob = await new Promise((resolve, reject) => canvas.toBlob(
    (made) => (made ? resolve(made) : reject(new Error('The picture could not be made smaller.'))), 'image/jpeg', QUALITY));
  return { blob, width: canvas.width, height: canvas.height };
}

export async function sha256Hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** A draft photo of ``owner``, on disk when this resolves. */
export async function keepPhoto(owner, file) {
  const { blob, width, height } = await shrink(file);
  const bytes = await blob.arrayBuffer();
  const photo = { id: crypto.randomUUID(), owner, entryId: null, state: 'draft', type: 'image/jpeg',
    size: bytes.byteLength, width, height, sha256: await sha256Hex(bytes), created: Date.now(), error: null, receivedAt: null };
  const sealed = await sealValue(bytes, true);
  await withStores(['photos', 'photo_bytes'], 'readwrite', (photos, store) => {
    photos.put(photo);
    store.put({ id: photo.id, bytes: sealed });
  });
  return photo;
}

export function getPhoto(id) {
  return withStores(['photos'], 'readonly', (photos, out) => into(out, photos.get(id)));
}

/** Undefined once sent. */
export async function photoBytes(id) {
  return openValue(await withStores(['photo_bytes'], 'readonly', (store, out) => into(out, store.get(id), (row) => row && row.bytes)), true);
}

export function photosOf(owner) {
  return withStores(['photos'], 'readonly', (photos, out) => into(out, photos.index('owner').getAll(owner)));
}

export function markPhoto(id, changes, dropBytes = false) {
  return withStores(['photos', 'photo_bytes'], 'readwrite', (photos, store) => {
    const request = photos.get(id);
    request.onsuccess = () => { if (request.result) photos.put({ ...request.result, ...changes }); };
    if (dropBytes) store.delete(id);
  });
}

/** Only a photo not saved with an entry. */
export function dropDraftPhoto(id) {
  return withStores(['photos', 'photo_bytes'], 'readwrite', (photos, store) => {
    const request = photos.get(id);
    request.onsuccess = () => {
      if (request.result && request.result.state === 'draft') { photos.delete(id); store.delete(id); }
    };
  });
}

/** Delete ``owner``'s draft photos that no draft names and no form shows (``shown``): discarded forms'. */
export function sweepDraftPhotos(owner, shown) {
  return withStores(['drafts', 'photos', 'photo_bytes'], 'readwrite', (drafts, photos, store) => {
    const named = new Set(shown);
    const read = drafts.getAll(IDBKeyRange.bound(`${owner}:`, `${owner}:\uffff`));
    read.onsuccess = () => {
      for (const row of read.result) for (const id of draftPhotos(row)) named.add(id);
      const mine = photos.index('owner').getAll(owner);
      mine.onsuccess = () => {
        for (const photo of mine.result) {
          if (photo.state === 'draft' && !named.has(photo.id)) { photos.delete(photo.id); store.delete(photo.id); }
        }
      };
    };
  });
}

/** In saveEntry's transaction. ``done(ids)`` gets the listed photos the phone really holds. */
export function attachPhotos(photos, store, entry, done) {
  const listed = (entry.data && entry.data.photos) || [];
  const kept = [];
  const before = photos.index('entry').getAll(entry.id);
  before.onsuccess = () => {
    for (const old of before.result) {
      if (!listed.includes(old.id) && old.state !== 'sent') { photos.delete(old.id); store.delete(old.id); }
    }
    let waiting = listed.length;
    if (!waiting) { done(kept); return; }
    for (const id of listed) {
      const request = photos.get(id);
      request.onsuccess = () => {
        const photo = request.result;
        if (photo && photo.owner === entry.owner && (photo.state === 'draft' || photo.entryId === entry.id)) {
          kept.push(id);
          if (photo.state === 'draft') photos.put({ ...photo, entryId: entry.id, state: 'pending' });
        }
        waiting -= 1;
        if (!waiting) done(listed.filter((listedId) => kept.includes(listedId)));
      };
    }
  };
}
