// The encounter screen: a new entry, the officer's draft, or an outbox entry to fix.

import { cancelDraft, dropParked, flushDraft, flushPending, loadForm, parkDraft, parkedDrafts, unparkDraft } from './drafts.js';
import { getMeta, setMeta } from './db.js';
import { askToConfirm, locate, startAtTop, updateVisibility } from './forms.js';
import { clearDraft, isoNow, loadDraft } from './outbox.js';
import { takeWaitingEdit } from './outbox-screen.js';
import { $, forms } from './page.js';
import { sweepPhotos } from './photo-field.js';
import { currentReference } from './reference.js';
import { labelOf, show } from './screens.js';
import { officer } from './session.js';

const DEFAULTS = { kind: 'stop_search', search_type: 'Person search', bwv_used: true,
  removal_of_more_than_outer_clothing: false };
// Never typed: the position is the phone's.
const UNTYPED = new Set(['kind', 'occurred_at', 'latitude', 'longitude', 'location_accuracy_m']);
let nextKind;  // a home link's ('' for 'Other encounter')
let lastSearch = null;  // {owner, legislation, object_of_search}

const NO_FURTHER_ACTION = 'A no further action disposal';
const LAST_SEARCH = (owner) => `last-search:${owner}`;

export async function rememberSearch(owner, data) {
  if (data.kind !== 'stop_search' || !data.legislation) return;
  const search = { legislation: data.legislation, object_of_search: data.object_of_search || '' };
  lastSearch = { owner, ...search };
  await setMeta(LAST_SEARCH(owner), search)
    .catch(() => {});  // a convenience: never refuses a save
}

async function loadLastSearch(owner) {
  if (lastSearch && lastSearch.owner === owner) return;
  const stored = await getMeta(LAST_SEARCH(owner)).catch(() => null);
  lastSearch = stored ? { owner, ...stored } : { owner };
}

function remembered() {
  if (!lastSearch || lastSearch.owner !== officer()) return {};
  const out = {};
  if (lastSearch.legislation) out.legislation = lastSearch.legislation;
  if (lastSearch.object_of_search) out.object_of_search = lastSearch.object_of_search;
  return out;
}

export function wireKindLinks() {
  for (const link of document.querySelectorAll('a[data-kind]')) {
    link.addEventListener('click', () => { nextKind = link.dataset.kind; });
  }
  const form = forms.encounter;
  // On the form: the controls are rebuilt with new lists.
  form.addEventListener('change', (event) => {
    const name = event.target.name;
    if (name === 'object_of_search') delete event.target.dataset.suggested;  // the officer's own choice
    if (name === 'legislation') suggestObject(form, event.target.value);
    if (name === 'outcome') linkForNoFurtherAction(form, event.target.value);
    if (name === 'outcome_linked_to_object_of_search') {
      for (const input of form.querySelectorAll(`[name="${name}"]`)) delete input.dataset.suggested;
    }
  });
  const button = form.querySelector('.discard-entry');
  button.addEventListener('click', () => askToConfirm(form.querySelector('.discard-confirm'),
    'Discard what is typed in this form? It cannot be brought back.', 'Yes, discard it', 'Keep it', discardOpen, button));
}

export function resetEncounter(kind = DEFAULTS.kind) {
  const form = forms.encounter;
  loadForm(form, { ...DEFAULTS, ...(remembered()), kind: kind || undefined, occurred_at: isoNow() });
  clearSuggested(form);
  markRemembered(form);
}

// Not chosen for this search: a new power may replace it.
function markRemembered(form) {
  const object = form.querySelector('[name="object_of_search"]');
  const last = remembered();
  if (object && object.value && object.value === last.object_of_search &&
      form.querySelector('[name="legislation"]')?.value === last.legislation) object.dataset.suggested = 'remembered';
}

function clearSuggested(form) {
  for (const node of form.querySelectorAll('[data-suggested]')) delete node.dataset.suggested;
}

function suggestObject(form, legislation) {
  const object = form.querySelector('select[name="object_of_search"]');
  if (!object || (object.value && !object.dataset.suggested)) return;
  const offered = new Set([...object.options].map((option) => option.value));
  const power = ((currentReference() || { lists: {} }).lists.legislation || []).find((item) => item.value === legislation);
  const usual = power && power.object;  // the reference file's
  if (!usual || !offered.has(usual) || usual === object.value) return;
  object.value = usual;
  object.dataset.suggested = 'legislation';
  form.dispatchEvent(new Event('input', { bubbles: true }));  // into the draft, as if typed
}

function linkForNoFurtherAction(form, outcome) {
  const inputs = [...form.querySelectorAll('[name="outcome_linked_to_object_of_search"]')];
  if (!inputs.length) return;
  const checked = inputs.find((input) => input.checked);
  if (outcome === NO_FURTHER_ACTION) {
    if (checked) return;
    const no = inputs.find((input) => input.value === 'false');
    if (!no) return;
    no.checked = true;
    no.dataset.suggested = 'outcome';
  } else if (checked && checked.dataset.suggested) {
    checked.checked = false;
    delete checked.dataset.suggested;
  } else {
    return;
  }
  updateVisibility(form);
  form.dispatchEvent(new Event('input', { bubbles: true }));
}

function locateOnOpen() {
  const form = forms.encounter;
  const latitude = form.querySelector('[name="latitude"]');
  if (form.dataset.editing || !latitude || latitude.value) return;
  locate(form, form.querySelector('.locate-status'));
}

export const buttonKind = (kind) => (kind === 'stop_search' ? 'stop_search' : '');

function typed(draft) {
  if (!draft) return false;
  if (draft.editing) return true;
  const given = { ...DEFAULTS, ...remembered() };
  return Object.entries(draft.data || {}).some(([name, value]) =>
    !UNTYPED.has(name) && JSON.stringify(value) !== JSON.stringify(given[name]));
}

export async function openEncounter(current) {
  if (currentReference() && !takeWaitingEdit('encounter')) {
    const wanted = nextKind;
    nextKind = undefined;
    // Unreadable storage: a new entry rather than no form.
    await loadLastSearch(officer());
    const filled = await fillEncounter(wanted, current).catch(() => { resetEncounter(wanted); return true; });
    if (!filled) return;
  }
  await showOffers();
  if (!current()) return;  // overtaken by a newer route
  show('encounter');
  locateOnOpen();
}

async function fillEncounter(wanted, current) {
  const owner = officer();
  await flushPending('encounter');
  let draft = await loadDraft(owner, 'encounter');
  if (!current()) return false;
  const form = forms.encounter;
  if (wanted !== undefined && draft && buttonKind(draft.data.kind) !== wanted) {
    if (typed(draft)) await parkDraft(owner, draft); else await clearDraft(owner, 'encounter');
    draft = null;
    delete form.dataset.editing;  // its edit is in the draft put aside
  } else if (wanted !== undefined && !draft && form.dataset.editing &&
             buttonKind(form.querySelector('[name="kind"]:checked')?.value) !== wanted) {
    delete form.dataset.editing;  // nothing typed: the outbox still has the edit
  }
  if (!draft && wanted !== undefined && !form.dataset.editing) {
    const aside = (await parkedDrafts(owner)).find((row) => buttonKind(row.values.data.kind) === wanted);
    if (aside) draft = await unparkDraft(owner, aside.key);
  }
  if (!current()) return false;
  if (draft && Object.keys(draft.data).length) {
    loadForm(form, draft.data, draft.editing);
    clearSuggested(form);
    markRemembered(form);
  } else if (!form.dataset.editing) {  // with no draft, an edit left open is taken up again
    resetEncounter(wanted);
  }
  form.querySelector('.saved').textContent = '';
  return true;
}

export async function showOffers() {
  const box = $('#draft-offers');
  const rows = await parkedDrafts(officer()).catch(() => []);
  box.replaceChildren();
  box.hidden = !rows.length;
  if (!rows.length) return;
  box.append(make('p', { textContent: rows.length === 1 ? 'A draft is waiting:' : `${rows.length} drafts are waiting:` }));
  for (const row of rows) {
    const kind = row.values.data.kind;
    const name = kind ? labelOf(currentReference(), 'encounter_kinds', kind).toLowerCase() : 'encounter';
    const item = make('div', { className: 'offer' });
    const when = make('span', { textContent: `Put aside ${new Date(row.at).toLocaleString('en-GB', { dateStyle: 'short', timeStyle: 'short' })}` +
      (row.values.data.location_text ? `, ${row.values.data.location_text}` : '') });
    const go = button(`Continue the ${name} draft`, () => continueParked(row.key));
    const drop = button(`Discard the ${name} draft`, () => askToConfirm(confirm, `Discard the ${name} draft? It cannot be brought back.`,
      'Yes, discard it', 'Keep it', async () => {
        await dropParked(row.key);
        await sweepPhotos();
        await showOffers();
        $('#screen-encounter h1').focus();  // its buttons are gone
      }, drop));
    const confirm = make('div', { className: 'confirm', hidden: true });
    item.append(when, go, drop, confirm);
    box.append(item);
  }
}

const make = (tag, props) => Object.assign(document.createElement(tag), props);

function button(text, onClick) {
  const node = make('button', { type: 'button', textContent: text });
  node.addEventListener('click', onClick);
  return node;
}

async function continueParked(key) {
  const owner = officer();
  const form = forms.encounter;
  await flushDraft('encounter');  // the form as it is now, with its editing mark
  const open = await loadDraft(owner, 'encounter');
  if (typed(open)) await parkDraft(owner, open); else await clearDraft(owner, 'encounter');
  const draft = await unparkDraft(owner, key);
  if (draft) loadForm(form, draft.data, draft.editing); else resetEncounter();
  startAtTop(form);  // now: the focused button goes with the offers
  await showOffers();
}

async function discardOpen() {
  const form = forms.encounter;
  const kind = buttonKind(form.querySelector('[name="kind"]:checked')?.value);
  cancelDraft('encounter');
  await clearDraft(officer(), 'encounter');
  resetEncounter(kind);
  startAtTop(form);
  await sweepPhotos();
}
