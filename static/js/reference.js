// The forms' lists (postboxes, reasons, outcomes...) from GET /api/reference, and the forms built from them.

import { fillForm, readForm, renderForm } from './forms.js';
import { toIso } from './outbox.js';
import { $, forms, rules } from './page.js';
import { currentSession } from './session.js';
import { refreshReference } from './sync.js';

let reference = null;  // the lists the forms were built from, or null
let etag = null;  // their ETag: the forms are rebuilt only for lists new to this page

export function currentReference() {
  return reference;
}

// ``cached``: {etag, document}.
export function useReference(cached) {
  if (cached && cached.etag !== etag) {
    const built = reference !== null;
    reference = cached.document;
    etag = cached.etag;
    for (const form of Object.values(forms)) {
      const kept = built ? readForm(form, rules, toIso) : null;
      renderForm(form, rules, reference);
      if (kept) fillForm(form, kept);
      form.querySelector('button[type="submit"]').disabled = false;
    }
  }
  $('#banner-lists').hidden = reference !== null || !currentSession();
}

export async function refreshLists() {
  useReference(await refreshReference(currentSession()).catch(() => null));
}

// The caller redraws the visit form.
export function reorderPostboxes(compare) {
  reference = { ...reference, postboxes: [...reference.postboxes].sort(compare) };
}
