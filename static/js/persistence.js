// Whether the browser keeps this phone's storage, and what the officer is told when a save fails.

import { $ } from './page.js';

export async function askPersistence() {
  if (navigator.storage?.persist) await navigator.storage.persist().catch(() => false);
  showStorage();
}

export async function showStorage() {
  const node = $('#storage-state');
  if (!navigator.storage?.persisted) { node.textContent = ''; return; }
  const persisted = await navigator.storage.persisted().catch(() => false);
  node.textContent = persisted ? 'Storage: kept on this phone (persistent).'
    : 'Storage: the browser may clear it if the phone runs short of space. Send entries when you can.';
}

export function storageProblem(error) {
  const banner = $('#banner-storage');
  banner.hidden = false;
  banner.textContent = error?.name === 'QuotaExceededError'
    ? 'This phone is out of space: the last entry was NOT saved. Everything saved before is safe. Free some space, then save again.'
    : `The last entry was NOT saved (${error && error.message}). Everything saved before is safe. Try again.`;
}
