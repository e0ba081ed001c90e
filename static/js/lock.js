// The PIN (set, changed, unlocking), wrong PINs and the idle lock (docs/officer-app.md).

import { getMeta, lockStorage, setMeta, unlocked, useKey } from './db.js';
import { $ } from './page.js';
import { show } from './screens.js';
import * as vault from './vault.js';

const IDLE_MS = Number(document.body.dataset.idleLockMinutes || 5) * 60000;
let lastActive = Date.now();
let idleTimer = null;
let idle = () => {};
let asking = false;

/** No other screen takes the PIN screen's place while it waits. */
export const askingPin = () => asking;

export const vaultRecord = () => getMeta('vault');

/** The vault's device id if the vault is ``username``'s (compared as the server does). */
export async function deviceOf(username) {
  const record = await vaultRecord();
  return record && record.owner === username.trim().toLowerCase() ? record.device : undefined;
}

/** A new PIN typed twice; 'change' also asks the current one ({old, pin}); null if cancelled. */
export function askNewPin(mode, cancellable = false) {
  const form = $('#pin-form');
  const oldField = $('#pin-old-field');
  $('#pin-title').textContent = mode === 'change' ? 'Change your PIN' : mode === 'reset' ? 'Set a new PIN' : 'Set a PIN';
  oldField.hidden = mode !== 'change';
  $('#pin-cancel').hidden = !cancellable;
  form.reset();
  $('#pin-error').textContent = '';
  show('pin');
  asking = true;
  return new Promise((done) => {
    const resolve = (answer) => { asking = false; done(answer); };
    $('#pin-cancel').onclick = () => { form.reset(); resolve(null); };
    form.onsubmit = (event) => {
      event.preventDefault();
      const problem = vault.checkPin(form.pin.value) ||
        (form.pin.value !== form.again.value ? 'The two PINs are not the same.' : null);
      if (problem) {
        $('#pin-error').textContent = problem;
        form.pin.focus();
        return;
      }
      const answer = mode === 'change' ? { old: form.old.value, pin: form.pin.value } : form.pin.value;
      form.reset();
      resolve(answer);
    };
  });
}

export async function createVault(pin, body) {
  const { record, key } = await vault.createVault(pin, body.recovery_key);
  await setMeta('vault', { ...record, owner: body.user.username, device: body.device_id });
  useKey(key);
}

/** A password sign-in on this phone's own device: the recovery key opens the vault, a new PIN wraps it. */
export async function recover(body, pin) {
  const record = await vaultRecord();
  const key = await vault.unlockWithRecovery(record, body.recovery_key);
  await setMeta('vault', await vault.rewrap(record, { recoveryKey: body.recovery_key }, pin));
  useKey(key);
}

export async function changePin(old, pin) {
  const record = await vaultRecord();
  await setMeta('vault', await vault.rewrap(record, { pin: old }, pin));
}

export async function lockedOut() {
  let record = await vaultRecord();
  if (record && record.pinWrap && (record.failures || 0) >= vault.MAX_WRONG_PINS) {
    record = vault.afterWrongPin({ ...record, failures: vault.MAX_WRONG_PINS - 1 });  // the app died after counting
    await setMeta('vault', record);
  }
  return Boolean(record) && !record.pinWrap;
}

/** Each try is counted on disk before the slow check: killing the app does not reset the count. */
export const unlockWithPin = (pin) => navigator.locks.request('pin', async () => {  // one try at a time, tabs too
  const record = await vaultRecord();
  await setMeta('vault', { ...record, failures: (record.failures || 0) + 1 });
  let key;
  try {
    key = await vault.unlockWithPin(record, pin);
  } catch (error) {
    const after = vault.afterWrongPin(record);
    await setMeta('vault', after);
    const left = vault.MAX_WRONG_PINS - after.failures;
    throw new Error(left > 0 ? `Wrong PIN. ${left} ${left === 1 ? 'try' : 'tries'} left.` : error.message);
  }
  await setMeta('vault', vault.afterRightPin(record));
  useKey(key);
  touch();
});

export function wireUnlock(onUnlocked, onLockedOut, onPassword) {
  $('#unlock-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const error = $('#unlock-error');
    const pin = event.target.pin;
    const button = event.target.querySelector('button');
    error.textContent = 'Checking…';
    button.disabled = true;
    try {
      await unlockWithPin(pin.value);
    } catch (problem) {
      button.disabled = false;
      pin.value = '';
      error.textContent = problem.message;
      if (await lockedOut()) await onLockedOut();
      else pin.focus();
      return;
    }
    pin.value = '';
    error.textContent = '';
    button.disabled = false;
    await onUnlocked();
  });
  $('#unlock-password').addEventListener('click', onPassword);
}

export function showUnlock() {
  asking = false;  // a PIN change left half done
  lockStorage();
  show('unlock');
  $('#unlock-pin').focus();
}

export function watchIdle(onIdle) {
  idle = () => { if (unlocked() && Date.now() - lastActive >= IDLE_MS) onIdle(); };
  for (const type of ['pointerdown', 'keydown', 'input', 'wheel']) document.addEventListener(type, touch, { capture: true, passive: true });
  // Timers sleep in a hidden page.
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') idle(); });
}

function touch() {
  lastActive = Date.now();
  clearTimeout(idleTimer);
  idleTimer = setTimeout(() => idle(), IDLE_MS);
}
