// Building the forms from the field rules and reference lists, and reading them back.

import { readPhotos, renderPhotoField, setPhotos } from './photo-field.js';
import { el } from './screens.js';

const RADIO_LIMIT = 7;  // longer lists become a select

let uid = 0;

function options(spec, reference, name) {
  if (spec.kind === 'bool') return [{ value: 'true', label: 'Yes' }, { value: 'false', label: 'No' }];
  if (name === 'postbox_id') return (reference.postboxes || []).filter((box) => box.active)
    .map((box) => ({ value: String(box.id), label: `${box.name}${box.address ? ` (${box.address})` : ''}` }));
  return reference.lists[spec.list] || [];
}

export function renderForm(form, rules, reference) {
  const type = form.dataset.type;
  for (const holder of form.querySelectorAll('[data-field]')) {
    const name = holder.dataset.field;
    const spec = rules.fields[type][name];
    const id = `${form.id}-${name}`;
    holder.replaceChildren();
    holder.classList.add('field');
    const error = el('p', { class: 'error', id: `${id}-error` });
    const choices = options(spec, reference, name);
    let control = holder.dataset.control;
    if (!control) {
      if (spec.kind === 'bool') control = 'radio';
      else if (spec.kind === 'choice') control = choices.length <= RADIO_LIMIT ? 'radio' : 'select';
      else control = { int: 'number', number: 'number', datetime: 'datetime', date: 'date' }[spec.kind] || 'text';
    }
    if (control === 'photos') {
      renderPhotoField(holder, id, error);
      continue;
    }
    if (control === 'radio' || control === 'checkboxes') {
      const fieldset = el('fieldset', { class: 'choices', 'aria-describedby': `${id}-error` }, el('legend', { text: spec.label }));
      const inputType = control === 'radio' ? 'radio' : 'checkbox';
      for (const option of choices) {
        const optionId = `opt-${++uid}`;
        fieldset.append(el('div', { class: 'choice' },
          el('input', { type: inputType, name, value: option.value, id: optionId }),
          el('label', { for: optionId, text: option.label })));
      }
      holder.append(fieldset, error);
      continue;
    }
    const labelNode = el('label', { for: id, text: spec.label });
    let input;
    if (control === 'select') {
      input = el('select', { id, name }, el('option', { value: '', text: 'Choose…' }),
        ...choices.map((o) => el('option', { value: o.value, text: o.label })));
    } else if (control === 'textarea') {
      input = el('textarea', { id, name, rows: 4, maxlength: spec.max });
    } else if (control === 'checkbox') {
      input = el('input', { id, name, type: 'checkbox', value: 'true' });
      holder.classList.add('checkbox');
      holder.append(input, labelNode, error);
      continue;
    } else {
      input = el('input', { id, name, type: control === 'datetime' ? 'datetime-local' : control, maxlength: spec.max,
        step: spec.kind === 'number' ? 'any' : undefined, inputmode: spec.kind === 'int' ? 'numeric' : undefined,
        min: spec.low, max: spec.high });
    }
    input.setAttribute('aria-describedby', `${id}-error`);
    holder.append(labelNode, input, error);
  }
  updateVisibility(form);
  if (type === 'encounter') import('./search-form.js').then((m) => m.wireSearch(form));  // phrases, prompts
}

// As if the officer typed: the draft is saved.
export const typed = (node) => node.dispatchEvent(new Event('input', { bubbles: true }));

export function updateVisibility(form) {
  const kind = valueOf(form, 'kind');
  for (const holder of form.querySelectorAll('[data-kinds], [data-when]')) {
    const { kinds, when } = holder.dataset;
    let shown = kinds === undefined || kinds.split(' ').includes(kind);
    if (shown && when !== undefined) {
      const at = when.indexOf('=');
      shown = when.slice(at + 1).split('|').includes(valueOf(form, when.slice(0, at)));
    }
    holder.hidden = !shown;
  }
}

function isShown(node) {
  for (let current = node; current && current.tagName !== 'FORM'; current = current.parentElement) {
    if (current.hidden) return false;
  }
  return true;
}

const named = (form, name) => [...form.querySelectorAll(`[name="${name}"]`)];

function valueOf(form, name) {
  const inputs = named(form, name);
  if (!inputs.length) return '';
  if (inputs[0].type === 'radio') return inputs.find((i) => i.checked)?.value || '';
  return inputs[0].value;
}

function localToIso(value, toIso) {
  if (!value) return '';
  const date = new Date(value);  // datetime-local is read in the phone's time zone
  return Number.isNaN(date.getTime()) ? value : toIso(date);
}

function isoToLocal(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export function readForm(form, rules, toIso) {
  const type = form.dataset.type;
  const data = {};
  for (const [name, spec] of Object.entries(rules.fields[type])) {
    const photos = form.querySelector(`.photos[data-field="${name}"]`);
    if (photos) {
      if (isShown(photos) && readPhotos(photos).length) data[name] = readPhotos(photos);
      continue;
    }
    const inputs = named(form, name);
    if (!inputs.length || !isShown(inputs[0])) continue;
    let value;
    if (spec.kind === 'choices') {
      value = inputs.filter((i) => i.checked).map((i) => i.value);
      if (!value.length) continue;
    } else if (inputs[0].type === 'checkbox') {
      value = inputs[0].checked;
    } else {
      const raw = valueOf(form, name).trim();
      if (raw === '') continue;
      if (spec.kind === 'bool') value = raw === 'true';
      else if (spec.kind === 'int' || spec.kind === 'number') value = Number(raw);
      else if (spec.kind === 'datetime') value = localToIso(raw, toIso);
      else value = name === 'postbox_id' ? Number(raw) : raw;
    }
    data[name] = value;
  }
  return data;
}

export function fillForm(form, data) {
  data ||= {};
  form.reset();
  for (const holder of form.querySelectorAll('.field.photos')) setPhotos(holder, data[holder.dataset.field]);
  for (const [name, value] of Object.entries(data)) {
    const inputs = named(form, name);
    if (!inputs.length) continue;
    if (inputs[0].type === 'radio' || (inputs[0].type === 'checkbox' && inputs.length > 1) || Array.isArray(value)) {
      const wanted = new Set([].concat(value).map(String));
      inputs.forEach((input) => { input.checked = wanted.has(input.value); });
    } else if (inputs[0].type === 'checkbox') {
      inputs[0].checked = value === true;
    } else if (inputs[0].type === 'datetime-local') {
      inputs[0].value = isoToLocal(value);
    } else {
      inputs[0].value = value;
    }
  }
  updateVisibility(form);
}

export function showErrors(form, errors) {
  for (const node of form.querySelectorAll('.field > .error')) node.textContent = '';
  for (const node of form.querySelectorAll('[aria-invalid]')) node.removeAttribute('aria-invalid');
  const unplaced = [];
  const items = [];
  for (const [name, message] of Object.entries(errors || {})) {
    const holder = form.querySelector(`[data-field="${name}"]`);
    if (!holder) { unplaced.push(message); items.push(el('li', { text: message })); continue; }
    holder.querySelector('.error').textContent = message;
    for (let fold = holder.closest('details'); fold; fold = fold.parentElement.closest('details')) fold.open = true;
    const controls = holder.querySelectorAll('input, select, textarea');
    controls.forEach((input) => input.setAttribute('aria-invalid', 'true'));
    const target = controls[0];
    const link = el('a', { href: `#${target ? target.id : ''}`, text: message });
    link.addEventListener('click', (event) => {  // the hash names screens: a link must not change it
      event.preventDefault();
      if (!target) return;
      holder.scrollIntoView({ block: 'start' });
      target.focus({ preventScroll: true });
    });
    items.push(el('li', {}, link));
  }
  form.querySelector('.form-error').textContent = unplaced.join(' ');
  const summary = form.querySelector('.error-summary');
  if (!summary) return;
  if (!items.length) { summary.replaceChildren(); return; }
  const count = items.length === 1 ? 'There is 1 problem' : `There are ${items.length} problems`;
  summary.replaceChildren(el('h2', { text: `${count}: nothing is saved yet` }), el('ul', {}, ...items));
  summary.scrollIntoView({ block: 'start' });
  summary.focus({ preventScroll: true });
}

export function clearErrors(form) {
  showErrors(form, {});
}

function firstField(form) {
  // Not the camera's input: Space there would open the camera.
  const first = [...form.querySelectorAll('input:not([type=hidden]):not([type=file]), select, textarea')].find(isShown);
  if (!first || first.type !== 'radio') return first;
  return form.querySelector(`[name="${first.name}"]:checked`) || first;
}

export function startAtTop(form) {
  window.scrollTo(0, 0);
  firstField(form)?.focus({ preventScroll: true });
}

export function askToConfirm(box, question, yes, no, onYes, back) {
  const questionId = `confirm-${++uid}`;  // read out with the button that takes the focus
  const yesButton = el('button', { type: 'button', class: 'danger', text: yes, 'aria-describedby': questionId });
  const noButton = el('button', { type: 'button', text: no, 'aria-describedby': questionId });
  const close = () => { box.replaceChildren(); box.hidden = true; };
  yesButton.addEventListener('click', async () => { close(); await onYes(); });
  noButton.addEventListener('click', () => { close(); back?.focus(); });
  box.replaceChildren(el('p', { id: questionId, text: question }), el('div', { class: 'confirm-actions' }, yesButton, noButton));
  box.hidden = false;
  noButton.focus();
}

export const GEO = { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 };
const locating = new WeakMap();  // form -> its last request: an older one's answer is dropped

export function locate(form, status) {
  if (!('geolocation' in navigator)) { status.textContent = 'No location on this phone: type the location.'; return Promise.resolve(null); }
  const finding = 'Finding your location…';
  status.textContent = finding;
  const mine = (locating.get(form) || 0) + 1;
  locating.set(form, mine);
  const stale = () => mine !== locating.get(form) || status.textContent !== finding;
  return new Promise((resolve) => {
    navigator.geolocation.getCurrentPosition(({ coords }) => {
      if (stale()) { resolve(null); return; }
      const set = (name, value) => { const input = form.querySelector(`[name="${name}"]`); if (input) input.value = value; };
      set('latitude', coords.latitude.toFixed(6));
      set('longitude', coords.longitude.toFixed(6));
      set('location_accuracy_m', Math.round(coords.accuracy));
      status.textContent = `Location found (within ${Math.round(coords.accuracy)} m).`;
      typed(form);
      resolve(coords);
    }, () => {
      if (stale()) { resolve(null); return; }
      status.textContent = form.querySelector('details.by-hand') ? 'No location fix: describe the place, or enter it by hand.'
        : 'No location fix: type the location instead.';
      resolve(null);
    }, GEO);
  });
}
