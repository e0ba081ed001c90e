// Capture: the entry forms as the officer types and saves.

import { cancelDraft, draftSoon, flushDraft } from './drafts.js';
import { buttonKind, rememberSearch, resetEncounter } from './encounter.js';
import { clearErrors, locate, readForm, showErrors, startAtTop, updateVisibility } from './forms.js';
import { clearDraft, editEntry, getEntry, newEntry, saveEntry, toIso } from './outbox.js';
import { updateCount } from './outbox-screen.js';
import { photosReady } from './photo-field.js';
import { forms, rules } from './page.js';
import { storageProblem } from './persistence.js';
import { currentReference } from './reference.js';
import { nearestFirst, nextItem, startItems } from './round.js';
import { officer } from './session.js';
import { trySync } from './sync-schedule.js';
import { requestBackgroundSync } from './updates.js';
import { validate } from './validate.js';

export function wireForms() {
  for (const [name, form] of Object.entries(forms)) {
    form.addEventListener('input', () => {
      form.querySelector('.saved').textContent = '';  // 'Saved' was about the last entry, not this one
      updateVisibility(form);
      draftSoon(name);
    });
    form.addEventListener('change', (event) => {
      updateVisibility(form);
      if (event.target.name === 'kind') clearErrors(form);  // messages about the kind left behind
    });
    form.addEventListener('submit', (event) => { event.preventDefault(); saveForm(name); });
    for (const button of form.querySelectorAll('.locate')) {
      button.addEventListener('click', async () => {
        const coords = await locate(form, form.querySelector('.locate-status'));
        if (coords && name === 'visit') nearestFirst(coords);
      });
    }
  }
}

async function saveForm(name) {
  const form = forms[name];
  cancelDraft(name);  // else it would run after the reset: the next entry would get this one's time
  await photosReady(form);  // a picture still being kept goes with this entry, not the next
  const type = form.dataset.type;
  const data = readForm(form, rules, toIso);
  const errors = validate(type, data, rules, currentReference());
  showErrors(form, errors);
  const saved = form.querySelector('.saved');
  saved.textContent = '';
  if (Object.keys(errors).length) { flushDraft(name); return; }  // the draft keeps the last keystrokes
  const owner = officer();
  const existing = form.dataset.editing ? await getEntry(form.dataset.editing) : null;
  const search = data.kind === 'stop_search' && await import('./search-form.js').catch(() => null);
  if (search) Object.assign(data, search.stamp(form, existing));
  const entry = existing ? editEntry(existing, data) : newEntry(type, data, owner);
  try {
    await saveEntry(entry);  // resolves once committed to disk
  } catch (error) {
    storageProblem(error);
    return;
  }
  delete form.dataset.editing;
  await clearDraft(owner, name);
  await updateCount();  // counted before 'saved' is shown
  cancelDraft(name);  // typed while saving: it goes with the form's reset, not into a draft
  if (name === 'visit') {
    saved.textContent = 'Saved on this phone';
    await startItems(entry);
  } else if (name === 'item') {
    await nextItem();
  } else {
    await rememberSearch(owner, data);
    resetEncounter(buttonKind(data.kind));
    saved.textContent = 'Saved on this phone';
    if (search?.fresh) search.showReceipt(entry); else startAtTop(form);
  }
  requestBackgroundSync();
  trySync();
}
