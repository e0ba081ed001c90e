// Sending the outbox (entries, then photos) and pulling feedback, one sync at a time.

import { applyChanges, applyResults, entriesOf, takesVersion } from './outbox.js';
import { getMeta, setMeta } from './db.js';
import { markPhoto, photoBytes, photosOf } from './photos.js';

const BATCH = 100;
const BACKOFF_BASE_MS = 2000;
const BACKOFF_CAP_MS = 5 * 60 * 1000;
// A wrong header (a proxy's) must not stop a phone for days; the server's are at most 15 minutes.
const RETRY_AFTER_CAP_MS = 60 * 60 * 1000;

export class AuthNeeded extends Error {}

export class DeviceLost extends AuthNeeded {}

// ``retryAfter``: the server's wait in ms, or null; ``network``: no connection at all.
export class RetryLater extends Error {
  constructor(message, retryAfter = null, { network = false } = {}) {
    super(message);
    this.retryAfter = retryAfter;
    this.network = network;
  }
}

export async function api(session, method, path, body, extraHeaders = {}) {
  let response;
  const raw = body instanceof ArrayBuffer;
  try {
    response = await fetch(path, {
      method,
      headers: { Authorization: `Bearer ${session.token}`, Accept: 'application/json',
        ...(body && !raw ? { 'Content-Type': 'application/json' } : {}), ...extraHeaders },
      body: raw ? body : body ? JSON.stringify(body) : undefined,
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (error) {
    throw new RetryLater('No connection to the server.', null, { network: true });
  }
  const { status } = response;
  if (status === 401 || status === 403) {
    const problem = await response.json().catch(() => null);
    throw problem && problem.error === 'device_lost' ? new DeviceLost(problem.message) : new AuthNeeded();
  }
  if (status === 304) return { notModified: true, response };
  if (status === 408 || status === 429 || status >= 500) {
    throw new RetryLater(`The server answered ${status}.`, retryAfterMs(response.headers.get('Retry-After')));
  }
  const type = response.headers.get('Content-Type') || '';
  if (!type.startsWith('application/json')) throw new RetryLater('The answer was not from the server (a sign-in page?).');
  let json;
  try { json = await response.json(); } catch (error) { throw new RetryLater('The server\'s answer was cut short.'); }
  return { status, json, response };
}

function validReceipt(json, batch) {
  return json && Array.isArray(json.results) && json.results.length === batch.length &&
    json.results.every((result, i) => result && result.id === batch[i].id && typeof result.status === 'string');
}

export function syncOutbox(session) {
  return navigator.locks.request('outbox', async () => {
    const pending = (await entriesOf(session.user.username)).filter((e) => e.state === 'pending').reverse();
    let sent = 0;
    let size = BATCH;
    for (let start = 0; start < pending.length;) {
      const batch = pending.slice(start, start + size);
      const body = { entries: batch.map(({ id, type, version, base_version, captured_at, data }) =>
        ({ id, type, version, base_version, captured_at, data })) };
      const { status, json } = await api(session, 'POST', '/api/sync/push', body);
      if (status === 413 && size > 1) { size = Math.max(1, Math.floor(size / 2)); continue; }
      if (status !== 200) {
        const message = (json && json.message) || `The server refused the batch (${status}).`;
        await applyResults(batch, batch.map(() => ({ status: 'rejected', errors: { entry: message } })), null);
        start += batch.length;
        continue;
      }
      if (!validReceipt(json, batch)) throw new RetryLater('The server\'s receipt did not match what was sent.');
      await applyResults(batch, json.results, json.server_time);
      sent += json.results.filter((r) => r.status !== 'rejected').length;
      start += batch.length;
    }
    const photos = await sendPhotos(session);
    await pullFeedback(session);
    return { sent: sent + photos.sent, tried: pending.length + photos.tried };
  });
}

async function sendPhotos(session) {
  const owner = session.user.username;
  const onServer = new Set((await entriesOf(owner)).filter((e) => e.serverVersion !== null).map((e) => e.id));
  const waiting = (await photosOf(owner)).filter((p) => p.state === 'pending' && onServer.has(p.entryId));
  let sent = 0;
  let again = null;
  for (const photo of waiting) {
    const bytes = await photoBytes(photo.id);
    if (!bytes) { await markPhoto(photo.id, { state: 'attention', error: 'The photo is no longer on this phone.' }); continue; }
    const { status, json } = await api(session, 'PUT', `/api/entries/${photo.entryId}/photos/${photo.id}`, bytes,
      { 'Content-Type': photo.type, 'X-Content-SHA256': photo.sha256 });
    if (status === 200 || status === 201) {
      await markPhoto(photo.id, { state: 'sent', error: null, receivedAt: new Date().toISOString() }, true);
      sent += 1;
    } else if (status === 404 || status === 422) {
      again = `The server did not take a photo (${status}): it is sent again.`;  // entry not there yet; damaged on the way
    } else {
      await markPhoto(photo.id, { state: 'attention', error: (json && json.message) || `The server refused the photo (${status}).` });
    }
  }
  if (again) throw new RetryLater(again);
  return { sent, tried: waiting.length };
}

export async function pullFeedback(session) {
  const key = `cursor:${session.user.username}`;
  let cursor = await getMeta(key);
  for (let page = 0; page < 50; page += 1) {
    const query = cursor ? `?cursor=${encodeURIComponent(cursor)}&limit=200` : '?limit=200';
    const { json } = await api(session, 'GET', `/api/sync/pull${query}`);
    if (!json || !Array.isArray(json.changes) || typeof json.cursor !== 'string') throw new RetryLater('Bad pull answer.');
    const fetched = {};
    for (const id of await versionsToFetch(session, json.changes)) {
      const { json: entry } = await api(session, 'GET', `/api/entries/${id}`);
      if (entry && entry.data) fetched[id] = entry;
    }
    await applyChanges(json.changes, fetched);
    cursor = json.cursor;
    await setMeta(key, cursor);  // stored only after the changes are
    if (!json.more) break;
  }
}

async function versionsToFetch(session, changes) {
  const held = new Map((await entriesOf(session.user.username)).map((e) => [e.id, e]));
  const ids = new Set();
  for (const change of changes) {
    if (!change.review && takesVersion(held.get(change.id), change.version)) ids.add(change.id);
  }
  return ids;
}

export async function refreshReference(session) {
  const cached = await getMeta('reference');
  const headers = cached && cached.etag ? { 'If-None-Match': cached.etag } : {};
  const result = await api(session, 'GET', '/api/reference', null, headers);
  if (result.notModified) return cached;
  const fresh = { etag: result.response.headers.get('ETag'), document: result.json };
  await setMeta('reference', fresh);
  return fresh;
}

export function backoff(failures) {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** failures);
  return Math.round(Math.random() * ceiling);
}

export function retryDelay(failures, error) {
  return Math.max(backoff(failures), (error && error.retryAfter) || 0);
}

export function retryAfterMs(value, now = Date.now()) {
  const text = (value || '').trim();
  let wait = null;
  if (/^\d+$/.test(text)) wait = Number(text) * 1000;
  else if (/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text)) {
    const at = Date.parse(text);
    if (!Number.isNaN(at)) wait = Math.max(0, at - now);
  }
  return wait === null ? null : Math.min(wait, RETRY_AFTER_CAP_MS);
}
