// The encounter screen: a new entry with the usual answers filled in, the draft the
// officer left, or an entry opened from the outbox to fix. The home screen's links
// choose the kind of the next new entry.

import { loadForm } from './drafts.js';
import { isoNow, loadDraft } from './outbox.js';
import { takeWaitingEdit } from './outbox-screen.js';
import { forms } from './page.js';
import { currentReference } from './reference.js';
import { show } from './screens.js';
import { officer } from './session.js';

const DEFAULTS = { kind: 'stop_search', search_type: 'Person search', bwv_used: true,
  removal_of_more_than_outer_clothing: false };
let nextKind;  // the kind a home screen link chose for the next new entry

/** Links on the home screen choose the encounter kind. */
export function wireKindLinks() {
  for (const link of document.querySelectorAll('a[data-kind]')) {
    link.addEventListener('click', () => { nextKind = link.dataset.kind; });
  }
}

/** A new entry in the form. The home screen's 'Other encounter' passes '' so that the officer picks the kind. */
export function resetEncounter(kind = DEFAULTS.kind) {
  loadForm(forms.encounter, { ...DEFAULTS, kind: kind || undefined, occurred_at: isoNow() });
}

/** Fill the form (an outbox entry to fix, the draft, an edit left open, or a new entry), then show it. */
export async function openEncounter(current) {
  if (currentReference() && !takeWaitingEdit('encounter')) {
    // Storage that cannot be read now is no reason to keep the form from the officer: start afresh.
    const draft = await loadDraft(officer(), 'encounter').catch(() => null);
    if (!current()) return;
    forms.encounter.querySelector('.saved').textContent = '';
    if (draft && Object.keys(draft.data).length) {
      loadForm(forms.encounter, draft.data, draft.editing);
    } else if (!forms.encounter.dataset.editing) {  // with no draft, an edit left open is taken up again
      resetEncounter(nextKind);
    }
    nextKind = undefined;
  }
  show('encounter');
}
