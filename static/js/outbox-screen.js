// The outbox screen and the count of entries not yet on the server. 'Fix and resend'
// opens an entry in its form: the entry waits here until that form's screen takes it.

import { loadForm } from './drafts.js';
import { showErrors } from './forms.js';
import { UNSENT, entriesOf } from './outbox.js';
import { $, forms } from './page.js';
import { currentReference } from './reference.js';
import { route } from './router.js';
import { renderOutbox, show } from './screens.js';
import { currentSession, officer } from './session.js';

let waiting = null;  // an outbox entry opened to fix, until its form is shown

/** Show the outbox. */
export async function openOutbox() {
  show('outbox');
  await updateCount();  // it draws the list while the outbox is on screen
}

/** Count the entries not on the server (and redraw the outbox if it is shown); returns the count. */
export async function updateCount() {
  const entries = currentSession() ? await entriesOf(officer()) : [];
  const unsent = entries.filter((e) => UNSENT.has(e.state)).length;
  $('[data-testid="outbox-count"]').textContent = String(unsent);
  if (!$('#screen-outbox').hidden) renderOutbox($('#outbox-list'), entries, currentReference(), editFromOutbox);
  return unsent;
}

/** Open an entry from the outbox in its form, with the server's errors next to the fields. */
function editFromOutbox(entry) {
  waiting = entry;
  const target = entry.type === 'encounter' ? '#encounter' : '#round';
  if (window.location.hash === target) route(); else window.location.hash = target;
}

/** The type of the outbox entry waiting to be edited, if any. */
export function waitingType() {
  return waiting && waiting.type;
}

/** If an outbox entry is waiting to be edited in this form, fill the form with it. */
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
