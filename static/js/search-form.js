// The stop and search form's helpers, loaded lazily (not part of the shell's budget; the service worker
// precaches them with it): the grounds phrases, prompts and warnings, the section 60 authorisations in
// force, and the fields the app writes itself on saving (receipt reference, warnings shown).
// Every text and word list comes from the reference lists (fieldapp/data/reference.json).

import { typed } from './forms.js';
import { newReference } from './receipt.js';
import { currentReference } from './reference.js';
import { el } from './screens.js';

export const SECTION_60 = 'Criminal Justice and Public Order Act 1994 (section 60)';
const SHORT = 60;  // characters: under this, grounds rarely say what was seen, heard and known
const LITTLE_ELSE = 40;  // letters left once the generic phrases (or the cannabis smell) are taken out
const QUIET_MS = 1200;  // warnings wait for a pause in the typing
// Not counted as saying anything: the words any sentence has.
const FILLER = /\b(the|an?|of|from|to|and|in|on|at|as|by|with|was|were|is|he|she|they|him|her|them|his|their|it|i|me|my|we|us)\b/g;
// The only words not from the lists: what names a smell of cannabis.
const CANNABIS = /\b(cannabis|weed|skunk)\b/;
const SMELL = /\b(smell\w*|smelt|odou?r)\b/;

const wired = new WeakSet();
let state = { shown: new Set(), first: null };  // warnings shown for the entry open, and its grounds then
let timer;

const lists = () => (currentReference() || { lists: {} }).lists;
const box = (form) => form.querySelector('textarea[name="grounds"]');

/** After the forms are built from (new) lists: the grounds helpers and the authorisations. */
export function wireSearch(form) {
  if (!document.querySelector('link[href="/app/static/search.css"]')) {
    document.head.append(el('link', { rel: 'stylesheet', href: '/app/static/search.css' }));
  }
  const grounds = box(form);
  if (grounds && !grounds.parentElement.querySelector('.grounds-help')) addGroundsHelp(grounds);
  offerAuthorisations(form);
  if (wired.has(form)) return;
  wired.add(form);
  form.addEventListener('input', (event) => {
    if (event.target.name === 'grounds') groundsTyped(form);
    if (event.target.name === 'occurred_at') offerAuthorisations(form);
  });
  // Leaving the box changes nothing on screen: the next field must not move under the finger.
  form.addEventListener('focusout', (event) => { if (event.target.name === 'grounds') clearTimeout(timer); });
  form.addEventListener('change', (event) => {
    if (event.target.name === 'legislation' || event.target.name === 'occurred_at') offerAuthorisations(form);
  });
  // A new entry, a draft or an outbox entry is loaded (forms.js fillForm resets first, then fills).
  form.addEventListener('reset', () => {
    clearTimeout(timer);
    state = { shown: new Set(), first: null };
    setTimeout(() => { showWarnings(form, []); offerAuthorisations(form); });
  });
}

function addGroundsHelp(grounds) {
  const holder = grounds.parentElement;
  const warning = el('div', { class: 'grounds-warning', id: `${grounds.id}-warning`, role: 'status', 'aria-live': 'polite',
    'data-testid': 'grounds-warning' });
  grounds.setAttribute('aria-describedby', `${grounds.id}-error ${warning.id}`);
  const phrases = lists().grounds_phrases || [];
  const prompts = lists().grounds_prompts || [];
  const points = lists().gowisely || [];
  // Below the phrase buttons: a warning appearing never moves a button from under the finger.
  holder.append(
    ...(phrases.length ? [phraseButtons(grounds, phrases)] : []),
    warning,
    el('div', { class: 'grounds-help' },
      prompts.length ? el('ul', { class: 'prompts', 'aria-label': 'Say what you saw, heard and knew' },
        ...prompts.map((p) => el('li', { 'data-prompt': p.value, text: p.label }))) : '',
      points.length ? el('details', { class: 'gowisely' }, el('summary', { text: 'GOWISELY: what to tell the person' }),
        el('ul', {}, ...points.map((p) => el('li', {}, el('strong', { text: `${p.value} ` }), p.label)))) : ''));
}

function phraseButtons(grounds, phrases) {
  let caret = null;  // as the box lost the focus
  grounds.addEventListener('blur', () => { caret = grounds.selectionStart; });
  grounds.form?.addEventListener('reset', () => { caret = null; });
  const group = el('div', { class: 'phrases', role: 'group', 'aria-label': 'Add a phrase to the grounds' },
    el('p', { class: 'hint', text: 'Add a phrase, then say what you saw, heard or knew:' }));
  for (const phrase of phrases) {
    const button = el('button', { type: 'button', class: 'phrase', text: phrase.label });
    button.addEventListener('click', () => {
      const text = grounds.value;
      const at = caret === null || caret > text.length ? text.length : caret;
      const before = at > 0 && !/\s$/.test(text.slice(0, at)) ? ' ' : '';
      const insert = `${before}${phrase.value} `;
      const limit = Number(grounds.getAttribute('maxlength')) || Infinity;
      if (text.length + insert.length > limit) return;  // would cut the officer's text
      grounds.value = text.slice(0, at) + insert + text.slice(at);
      caret = at + insert.length;
      grounds.focus();
      grounds.setSelectionRange(caret, caret);
      typed(grounds);  // into the draft
    });
    group.append(button);
  }
  return group;
}

// While the officer types in the box (a phrase button puts the focus back there): a warning already shown
// follows the text at once (it goes as soon as the grounds are fixed); a new one waits for a pause.
function groundsTyped(form) {
  clearTimeout(timer);
  if (document.activeElement !== box(form)) return;
  if (form.querySelector('.grounds-warning')?.childElementCount) checkGrounds(form);
  else timer = setTimeout(() => { if (document.activeElement === box(form)) checkGrounds(form); }, QUIET_MS);
}

/** The warnings for some grounds: values of the list grounds_warnings. Never blocks a save. */
export function warningsFor(text, reference = lists()) {
  const clean = String(text || '').toLowerCase().replace(/\s+/g, ' ').trim();
  if (!clean) return [];
  const out = [];
  if (clean.length < SHORT) out.push('short');
  const letters = (s) => s.replace(FILLER, '').replace(/[^a-z]/g, '').length;
  let rest = clean;
  const generic = (reference.grounds_generic_words || []).map((w) => w.value.toLowerCase())
    .sort((a, b) => b.length - a.length).filter((w) => clean.includes(w));
  for (const words of generic) rest = rest.split(words).join(' ');
  if (generic.length && letters(rest) < LITTLE_ELSE) out.push('generic');
  const clauses = clean.split(/[.;,]|\band\b|\bbut\b/);
  const smell = clauses.filter((c) => CANNABIS.test(c) && SMELL.test(c));
  if (smell.length && letters(clauses.filter((c) => !smell.includes(c)).join(' ')) < LITTLE_ELSE / 2) out.push('cannabis_only');
  return out;
}

function checkGrounds(form) {
  clearTimeout(timer);
  const text = box(form)?.value || '';
  const found = warningsFor(text);
  if (found.length && state.first === null) state.first = text.trim();
  for (const value of found) state.shown.add(value);
  showWarnings(form, found);
}

function showWarnings(form, found) {
  const region = form.querySelector('.grounds-warning');
  if (!region) return;
  const sentences = new Map((lists().grounds_warnings || []).map((w) => [w.value, w.label]));
  const wanted = found.map((value) => sentences.get(value) || value);
  if (wanted.join('\n') === [...region.children].map((p) => p.textContent).join('\n')) return;  // no repeat read-outs
  region.replaceChildren(...wanted.map((text, i) => el('p', { 'data-warning': found[i], text })));
}

function inForce(authorisation, at) {
  const starts = Date.parse(authorisation.starts_at);
  const ends = Date.parse(authorisation.ends_at);
  return starts <= at && at <= ends;
}

const until = (iso) => new Date(iso).toLocaleString('en-GB', { dateStyle: 'short', timeStyle: 'short' });

/** The section 60 select: the team's authorisations in force at the search's time (server-checked too). */
function offerAuthorisations(form) {
  const select = form.querySelector('select[name="section60_authorisation"]');
  if (!select) return;
  const all = (currentReference() || {}).section60_authorisations || [];
  const known = new Set([...select.options].map((o) => o.value));
  for (const a of all) {
    if (known.has(a.reference)) continue;
    select.append(el('option', { value: a.reference,
      text: `${a.reference}, ${a.authorising_rank}, ${a.area_description}, until ${until(a.ends_at)}` }));
  }
  const raw = form.querySelector('[name="occurred_at"]')?.value;
  const at = raw ? new Date(raw).getTime() : Date.now();
  let offered = 0;
  for (const option of select.options) {
    if (!option.value) continue;
    const found = all.find((a) => a.reference === option.value);
    const ok = Boolean(found) && inForce(found, at);
    option.hidden = !ok;
    option.disabled = !ok;
    offered += ok;
  }
  if (select.selectedOptions[0]?.disabled) select.value = '';
  let note = select.parentElement.querySelector('.s60-none');
  if (!note) {
    note = el('p', { class: 'status s60-none', role: 'status', 'data-testid': 's60-none' });
    select.after(note);
  }
  note.textContent = offered ? '' : 'No section 60 authorisation is in force on this phone for this date and time ' +
    '(Send now to fetch new ones). This cannot be saved as a section 60 search.';
}

/** The fields the app writes itself, for a stop and search being saved (``old``: its data before, on an edit). */
// Whether the last stamp() made a new reference: the receipt is then shown (a new search, or one whose
// reference the server found taken: the officer hands over the new one).
export let fresh = false;

export function stamp(form, entry) {
  const old = entry?.data || {};
  const warnings = new Set([...(old.grounds_warnings || []), ...state.shown]);
  const kept = !entry?.errors?.receipt_ref && old.receipt_ref;  // kept on later edits, unless refused as taken
  fresh = !kept;
  const out = { receipt_ref: kept || newReference() };
  if (warnings.size) {
    out.grounds_warnings = [...warnings];
    const now = (box(form)?.value || '').trim();
    out.grounds_changed = Boolean(old.grounds_changed) || (state.first !== null && now !== state.first);
  }
  return out;
}

export async function showReceipt(entry) {
  (await import('./receipt-screen.js')).showReceipt(entry);
}
