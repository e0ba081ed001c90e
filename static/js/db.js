// IndexedDB: the phone's own store of entries, their photos, drafts and settings.

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
        // Another tab upgrading, or the browser closing the connection: reopen next time.
        db.onversionchange = () => { db.close(); opening = null; };
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
    const out = {};
    tx.oncomplete = () => resolve(out.value);
    tx.onabort = () => reject(tx.error || new DOMException('Transaction aborted', 'AbortError'));
    try {
      fn(...names.map((name) => tx.objectStore(name)), out);
    } catch (error) {
      tx.abort();
      reject(error);
    }
  });
}

export function into(out, request, map = (x) => x) {
  request.onsuccess = () => { out.value = map(request.result); };
}

export async function getMeta(key) {
  return withStores(['meta'], 'readonly', (meta, out) => into(out, meta.get(key), (row) => row && row.value));
}

export async function setMeta(key, value) {
  return withStores(['meta'], 'readwrite', (meta) => { meta.put({ key, value }); });
}

export async function deleteMeta(key) {
  return withStores(['meta'], 'readwrite', (meta) => { meta.delete(key); });
}
