// The phone's data key (issue #14): kept only wrapped, under the PIN and under the server's recovery key.
// Wraps use AES-KW: made for wrapping keys, no IV to keep, and its integrity check makes a wrong key fail.

// ~0.5 s on a mid-range phone: 4 x desktop Chromium's 116 ms at 800k (python bench/pin_cost.py).
export const PIN_ITERATIONS = 800000;
export const MAX_WRONG_PINS = 5;

const subtle = crypto.subtle;
const KW = { name: 'AES-KW', length: 256 };
const GCM = { name: 'AES-GCM', length: 256 };
const USES = ['encrypt', 'decrypt'];
const text = new TextEncoder();

// Trivial: one digit stepping by 0, +1 or -1 throughout (000000, 123456, 654321, 890123),
// or a pair or triple repeated (121212, 123123).
export function checkPin(pin) {
  if (!/^\d*$/.test(pin)) return 'Use digits only.';
  if (pin.length < 6) return 'Use at least 6 digits.';
  const d = [...pin].map(Number);
  const step = (d[1] - d[0] + 10) % 10;
  const run = [0, 1, 9].includes(step) && d.every((x, i) => !i || (x - d[i - 1] + 10) % 10 === step);
  const repeat = [2, 3].some((p) => d.every((x, i) => i < p || x === d[i - p]));
  return run || repeat ? 'Too easy to guess: avoid runs and repeats.' : null;
}

async function pinKek(pin, salt, iterations) {
  const base = await subtle.importKey('raw', text.encode(pin), 'PBKDF2', false, ['deriveKey']);
  return subtle.deriveKey({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, base, KW, false, ['wrapKey', 'unwrapKey']);
}

function recoveryKek(b64url) {
  const raw = Uint8Array.from(atob(b64url.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
  if (raw.length !== 32) throw new Error('The recovery key must be 32 bytes.');
  return subtle.importKey('raw', raw, KW, false, ['wrapKey', 'unwrapKey']);
}

async function unwrap(wrapped, kek, extractable, wrong) {
  try {
    return await subtle.unwrapKey('raw', wrapped, kek, 'AES-KW', GCM, extractable, USES);
  } catch {
    throw new Error(wrong);
  }
}

export async function unlockWithPin(record, pin, extractable = false) {
  if (!record.pinWrap) throw new Error(`PIN unlock is off after ${MAX_WRONG_PINS} wrong PINs: sign in online.`);
  return unwrap(record.pinWrap, await pinKek(pin, record.salt, record.iterations), extractable, 'Wrong PIN.');
}

export async function unlockWithRecovery(record, b64url, extractable = false) {
  return unwrap(record.recoveryWrap, await recoveryKek(b64url), extractable, 'Wrong recovery key.');
}

async function pinWrap(record, dataKey, pin) {
  const problem = checkPin(pin);
  if (problem) throw new Error(problem);
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const wrapped = await subtle.wrapKey('raw', dataKey, await pinKek(pin, salt, PIN_ITERATIONS), 'AES-KW');
  return { ...record, salt, iterations: PIN_ITERATIONS, pinWrap: new Uint8Array(wrapped), failures: 0 };
}

export async function createVault(pin, recoveryKeyB64url) {
  const kek = await recoveryKek(recoveryKeyB64url);
  const dataKey = await subtle.generateKey(GCM, true, USES);
  const recoveryWrap = new Uint8Array(await subtle.wrapKey('raw', dataKey, kek, 'AES-KW'));
  const record = await pinWrap({ version: 1, recoveryWrap }, dataKey, pin);
  return { record, key: await unwrap(recoveryWrap, kek, false, 'Wrong recovery key.') };
}

export function afterWrongPin(record) {
  const next = { ...record, failures: (record.failures || 0) + 1 };
  if (next.failures >= MAX_WRONG_PINS) {
    delete next.pinWrap;
    delete next.salt;
    delete next.iterations;
  }
  return next;
}

export function afterRightPin(record) {
  return { ...record, failures: 0 };
}

// The in-memory key cannot be exported: the old PIN or the recovery key unwraps an extractable copy
// for the moment of wrapping it under the new PIN. The recovery wrap stays.
export async function rewrap(record, { pin, recoveryKey }, newPin) {
  const dataKey = recoveryKey === undefined
    ? await unlockWithPin(record, pin, true)
    : await unlockWithRecovery(record, recoveryKey, true);
  return pinWrap(record, dataKey, newPin);
}

export async function sealBytes(key, bytes) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const plain = bytes instanceof Blob ? await bytes.arrayBuffer() : bytes;
  return { iv, data: await subtle.encrypt({ name: 'AES-GCM', iv }, key, plain) };
}

export function openBytes(key, { iv, data }) {
  return subtle.decrypt({ name: 'AES-GCM', iv }, key, data);
}

export function seal(key, value) {
  return sealBytes(key, text.encode(JSON.stringify(value)));
}

export async function open(key, sealed) {
  return JSON.parse(new TextDecoder().decode(await openBytes(key, sealed)));
}
