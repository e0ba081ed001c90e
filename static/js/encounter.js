// The encounter screen: a new entry with the usual answers filled in, the draft the
// officer left, or an entry opened from the outbox to fix. Each home screen link opens
// its own kind ('Stop and search' a stop and search, 'Other encounter' any other kind):
// a draft of the other kind is put aside and offered above the form ('Continue the
// antisocial behaviour draft'), never imposed and never dropped; any draft can be
// discarded, after a confirmation.

import { cancelDraft, dropParked, flushDraft, flushPending, loadForm, parkDraft, parkedDrafts, unparkDraft } from './drafts.js';
import { askToConfirm, startAtTop } from './forms.js';
import { clearDraft, isoNow, loadDraft } from './outbox.js';
import { takeWaitingEdit } from './outbox-screen.js';
import { $, forms } from './page.js';
import { currentReference } from './reference.js';
import { labelOf, show } from './screens.js';
import { officer } from './session.js';

const DEFAULTS = { kind: 'stop_search', search_type: 'Person search', bwv_used: true,
  removal_of_more_than_outer_clothing: false };
const UNTYPED = new Set(['kind', 'occurred_at']);  // a draft with only these is no work to keep
let nextKind;  // the kind a home screen link chose for the next new entry ('' for 'Other encounter')

/** Links on the home screen choose the encounter kind; the form's 'Discard this entry' asks first. */
export function wireKindLinks() {
  for (const link of document.querySelectorAll('a[data-kind]')) {
    link.addEventListener('click', () => { nextKind = link.dataset.kind; });
  }
  const form = forms.encounter;
  const button = form.querySelector('.discard-entry');
  button.addEventListener('click', () => askToConfirm(form.querySelector('.discard-confirm'),
    'Discard what is typed in this form? It cannot be brought back.', 'Yes, discard it', 'Keep it', discardOpen, button));
}

/** A new entry in the form. The home screen's 'Other encounter' passes '' so that the officer picks the kind. */
export function resetEncounter(kind = DEFAULTS.kind) {
  loadForm(forms.encounter, { ...DEFAULTS, kind: kind || undefined, occurred_at: isoNow() });
}

/** The home button an encounter of this kind belongs to: 'stop_search', or '' (Other encounter). */
export const buttonKind = (kind) => (kind === 'stop_search' ? 'stop_search' : '');

/** Whether a draft holds anything the officer typed or chose (beyond a new entry's answers). */
function typed(draft) {
  if (!draft) return false;
  if (draft.editing) return true;
  return Object.entries(draft.data || {}).some(([name, value]) =>
    !UNTYPED.has(name) && JSON.stringify(value) !== JSON.stringify(DEFAULTS[name]));
}

/** Fill the form (an outbox entry to fix, the draft, an edit left open, or a new entry), then show it. */
export async function openEncounter(current) {
  if (currentReference() && !takeWaitingEdit('encounter')) {
    const wanted = nextKind;
    nextKind = undefined;
    // Storage that cannot be read now is no reason to keep the form from the officer: start afresh.
    const filled = await fillEncounter(wanted, current).catch(() => { resetEncounter(wanted); return true; });
    if (!filled) return;
  }
  await showOffers();
  show('encounter');
}

/**
 * Fill the form for a home button (``wanted``: 'stop_search' or ''; undefined: no button, as
 * after a reload): the draft if it is of that button's kind; else a draft of that kind put
 * aside earlier; else a new entry. A draft of the other kind is put aside first.
 */
async function fillEncounter(wanted, current) {
  const owner = officer();
  await flushPending('encounter');
  let draft = await loadDraft(owner, 'encounter');
  if (!current()) return false;
  const form = forms.encounter;
  if (wanted !== undefined && draft && buttonKind(draft.data.kind) !== wanted) {
    if (typed(draft)) await parkDraft(owner, draft); else await clearDraft(owner, 'encounter');
    draft = null;
    delete form.dataset.editing;  // the edit it held is in the outbox, and in the draft put aside
  } else if (wanted !== undefined && !draft && form.dataset.editing &&
             buttonKind(form.querySelector('[name="kind"]:checked')?.value) !== wanted) {
    delete form.dataset.editing;  // an edit left open with nothing typed: the outbox still has it
  }
  if (!draft && wanted !== undefined && !form.dataset.editing) {
    const aside = (await parkedDrafts(owner)).find((row) => buttonKind(row.values.data.kind) === wanted);
    if (aside) draft = await unparkDraft(owner, aside.key);
  }
  if (!current()) return false;
  if (draft && Object.keys(draft.data).length) {
    loadForm(form, draft.data, draft.editing);
  } else if (!form.dataset.editing) {  // with no draft, an edit left open is taken up again
    resetEncounter(wanted);
  }
  form.querySelector('.saved').textContent = '';
  return true;
}

/** Offer the drafts put aside: continue one (the open one is put aside in its place), or discard it. */
export async function showOffers() {
  const box = $('#draft-offers');
  const rows = await parkedDrafts(officer()).catch(() => []);
  box.replaceChildren();
  box.hidden = !rows.length;
  if (!rows.length) return;
  const heading = document.createElement('p');
  heading.textContent = rows.length === 1 ? 'A draft is waiting:' : `${rows.length} drafts are waiting:`;
  box.append(heading);
  for (const row of rows) {
    const kind = row.values.data.kind;
    const name = kind ? labelOf(currentReference(), 'encounter_kinds', kind).toLowerCase() : 'encounter';
    const item = document.createElement('div');
    item.className = 'offer';
    const when = document.createElement('span');
    when.textContent = `Put aside ${new Date(row.at).toLocaleString('en-GB', { dateStyle: 'short', timeStyle: 'short' })}` +
      (row.values.data.location_text ? `, ${row.values.data.location_text}` : '');
    const go = button(`Continue the ${name} draft`, () => continueParked(row.key));
    const drop = button(`Discard the ${name} draft`, () => askToConfirm(confirm, `Discard the ${name} draft? It cannot be brought back.`,
      'Yes, discard it', 'Keep it', async () => {
        await dropParked(row.key);
        await showOffers();
        $('#screen-encounter h1').focus();  // its buttons are gone: the focus goes back to the screen's top
      }, drop));
    const confirm = document.createElement('div');
    confirm.className = 'confirm';
    confirm.hidden = true;
    item.append(when, go, drop, confirm);
    box.append(item);
  }
}

function button(text, onClick) {
  const node = document.createElement('button');
  node.type = 'button';
  node.textContent = text;
  node.addEventListener('click', onClick);
  return node;
}

/** Continue a draft put aside: the form's own typing is put aside in its place. */
async function continueParked(key) {
  const owner = officer();
  const form = forms.encounter;
  await flushDraft('encounter');  // the form as it is now, with its editing mark
  const open = await loadDraft(owner, 'encounter');
  if (typed(open)) await parkDraft(owner, open); else await clearDraft(owner, 'encounter');
  const draft = await unparkDraft(owner, key);
  if (draft) loadForm(form, draft.data, draft.editing); else resetEncounter();
  await showOffers();
  startAtTop(form);
}

/** Discard the open form's typing (confirmed): its draft goes, and a new entry of its button's kind opens. */
async function discardOpen() {
  const form = forms.encounter;
  const kind = buttonKind(form.querySelector('[name="kind"]:checked')?.value);
  cancelDraft('encounter');
  await clearDraft(officer(), 'encounter');
  resetEncounter(kind);
  startAtTop(form);
}
