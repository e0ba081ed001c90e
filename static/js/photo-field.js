// A form's photo field: pictures kept at once as draft photos, listed with 'Remove'.

import { askToConfirm, typed } from './forms.js';
import { dropDraftPhoto, getPhoto, keepPhoto, photoBytes, sweepDraftPhotos } from './photos.js';
import { el } from './screens.js';
import { officer } from './session.js';

const MAX_PHOTOS = 10;  // as the server's field (sync/schema.py)
const busy = new WeakMap();  // field -> the pictures being kept
const urls = new WeakMap();  // thumbnail -> its object URL

export function renderPhotoField(holder, id, error) {
  const take = holder.closest('form').dataset.type === 'postbox_item' ? 'Take a photo of the card' : 'Take a photo';
  const input = el('input', { type: 'file', accept: 'image/*', capture: 'environment', id, class: 'photo-input',
    'aria-describedby': `${id}-status ${id}-error` });
  const status = el('p', { class: 'status photo-status', id: `${id}-status`, role: 'status' });
  const list = el('ul', { class: 'photo-list', 'data-testid': 'photo-list' });
  holder.classList.add('photos');
  holder.append(input, el('label', { for: id, class: 'button photo-take', text: take }), status, list,
    el('div', { class: 'confirm', hidden: '' }), error);
  input.addEventListener('change', () => {
    const files = [...input.files];
    input.value = '';  // the same picture can be chosen again
    const work = (busy.get(holder) || Promise.resolve()).then(() => addPictures(holder, files));
    busy.set(holder, work.catch(() => {}));
  });
}

async function addPictures(holder, files) {
  const status = holder.querySelector('.photo-status');
  const form = holder.closest('form');
  for (const file of files) {
    if (readPhotos(holder).length >= MAX_PHOTOS) { status.textContent = `At most ${MAX_PHOTOS} photos for one entry.`; return; }
    status.textContent = 'Keeping the photo on this phone…';
    const generation = holder.dataset.generation;
    let photo;
    try {
      photo = await keepPhoto(officer(), file);
    } catch (error) {
      status.textContent = error.name === 'QuotaExceededError' ? 'The phone is out of space: the photo was not kept.'
        : 'That picture could not be read. Take it again.';
      continue;
    }
    if (holder.dataset.generation !== generation) { await dropDraftPhoto(photo.id); return; }  // the form moved on
    addItem(holder, photo.id);
    status.textContent = `Photo ${readPhotos(holder).length} kept on this phone. It is saved with the entry.`;
    typed(form);  // into the draft
  }
}

export async function photosReady(form) {
  for (const holder of form.querySelectorAll('.field.photos')) await busy.get(holder);
}

export function readPhotos(holder) {
  return [...holder.querySelectorAll('li[data-photo-id]')].map((item) => item.dataset.photoId);
}

export function setPhotos(holder, ids) {
  holder.dataset.generation = String(Number(holder.dataset.generation || 0) + 1);  // a picture still being kept is stale
  for (const image of holder.querySelectorAll('img')) URL.revokeObjectURL(urls.get(image));
  holder.querySelector('.photo-list').replaceChildren();
  holder.querySelector('.photo-status').textContent = '';
  for (const id of Array.isArray(ids) ? ids : []) addItem(holder, id);
}

function addItem(holder, id) {
  const list = holder.querySelector('.photo-list');
  const number = list.children.length + 1;
  const item = el('li', { 'data-photo-id': id });
  const remove = el('button', { type: 'button', class: 'photo-remove', text: 'Remove' });
  item.append(el('span', { class: 'photo-name' }), remove);
  numberItem(item, number);
  list.append(item);
  remove.addEventListener('click', () => askToConfirm(holder.querySelector('.confirm'),
    `Remove photo ${number}? It cannot be brought back.`, 'Yes, remove it', 'Keep it', () => removeItem(holder, item), remove));
  showThumbnail(item, id);
}

function numberItem(item, number) {
  item.querySelector('.photo-name').textContent = `Photo ${number}`;
  item.querySelector('.photo-remove').setAttribute('aria-label', `Remove photo ${number}`);
}

async function showThumbnail(item, id) {
  const [photo, bytes] = await Promise.all([getPhoto(id), photoBytes(id)]).catch(() => [null, null]);
  if (!item.isConnected) return;
  if (!bytes) {
    item.querySelector('.photo-name').textContent += photo?.state === 'sent' ? ' (on the server)' : ' (not on this phone)';
    return;
  }
  const image = el('img', { alt: '', width: 96, height: 96 });  // named by the text beside it
  urls.set(image, URL.createObjectURL(new Blob([bytes], { type: photo ? photo.type : 'image/jpeg' })));
  image.src = urls.get(image);
  item.prepend(image);
}

async function removeItem(holder, item) {
  const id = item.dataset.photoId;
  const image = item.querySelector('img');
  if (image) URL.revokeObjectURL(urls.get(image));
  item.remove();
  holder.querySelectorAll('li[data-photo-id]').forEach((other, index) => numberItem(other, index + 1));
  await dropDraftPhoto(id);  // a saved entry's goes only when it is saved without it
  holder.querySelector('.photo-status').textContent = 'Photo removed.';
  holder.querySelector('.photo-input').focus();
  typed(holder.closest('form'));
}

export function sweepPhotos() {
  const shown = [...document.querySelectorAll('.field.photos')].flatMap(readPhotos);
  return sweepDraftPhotos(officer(), shown).catch(() => {});
}
