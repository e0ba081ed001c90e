// Screens: which one is shown, and the outbox list.

const SCREENS = ['signin', 'home', 'encounter', 'round', 'outbox'];
const STATE_TEXT = {
  pending: 'Waiting to send',
  sent: 'On the server',
  attention: 'Needs attention',
  conflict: 'Kept for your supervisor (changed elsewhere)',
};

/** Show one screen, hide the others; move focus to its heading for screen readers. */
export function show(name) {
  for (const screen of SCREENS) document.getElementById(`screen-${screen}`).hidden = screen !== name;
  const heading = document.querySelector(`#screen-${name} h1`);
  if (heading) { heading.tabIndex = -1; heading.focus({ preventScroll: true }); }
}

export function labelOf(reference, list, value) {
  const found = ((reference && reference.lists[list]) || []).find((item) => item.value === value);
  return found ? found.label : value;
}

/** What an entry is, in a few words. */
export function describe(entry, reference) {
  if (entry.type === 'encounter') return labelOf(reference, 'encounter_kinds', entry.data.kind);
  if (entry.type === 'postbox_visit') {
    const box = ((reference && reference.postboxes) || []).find((b) => b.id === entry.data.postbox_id);
    return `Postbox visit${box ? `: ${box.name}` : ''}`;
  }
  return `Postbox card: ${(entry.data.topics || []).map((t) => labelOf(reference, 'topics', t)).join(', ')}`;
}

/** Render the outbox: state, receipt time, server errors, decisions, and a way to fix. */
export function renderOutbox(list, entries, reference, onEdit) {
  list.replaceChildren();
  if (!entries.length) {
    list.append(Object.assign(document.createElement('li'), { textContent: 'Nothing recorded on this phone yet.' }));
    return;
  }
  for (const entry of entries) {
    const item = document.createElement('li');
    item.className = `entry state-${entry.state}`;
    item.dataset.id = entry.id;
    item.dataset.state = entry.state;
    const title = document.createElement('strong');
    title.textContent = describe(entry, reference);
    const when = document.createElement('span');
    when.textContent = ` · ${new Date(entry.captured_at).toLocaleString('en-GB')}`;
    const state = document.createElement('p');
    state.className = 'entry-state';
    state.textContent = STATE_TEXT[entry.state] +
      (entry.state === 'sent' && entry.receivedAt ? ` (received ${new Date(entry.receivedAt).toLocaleString('en-GB')})` : '');
    item.append(title, when, state);
    if (entry.errors && entry.state === 'attention') {
      const errors = document.createElement('ul');
      errors.className = 'errors';
      for (const [field, message] of Object.entries(entry.errors)) {
        errors.append(Object.assign(document.createElement('li'), { textContent: `${field}: ${message}` }));
      }
      item.append(errors);
    }
    if (entry.review) {
      const review = document.createElement('p');
      review.className = `review decision-${entry.review.decision}`;
      review.textContent = `${labelOf(reference, 'review_decisions', entry.review.decision)} by ${entry.review.reviewer}` +
        (entry.review.comment ? `: “${entry.review.comment}”` : '');
      item.append(review);
    }
    const returned = entry.review && entry.review.decision === 'returned' && entry.state === 'sent' &&
      entry.review.version === entry.serverVersion;
    if (entry.state === 'attention' || returned) {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = entry.state === 'attention' ? 'Fix and resend' : 'Edit and resend';
      button.addEventListener('click', () => onEdit(entry));
      item.append(button);
    }
    list.append(item);
  }
}
