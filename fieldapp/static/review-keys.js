// Keyboard shortcuts on the review entry page, for the decision form marked data-review-keys.
//
// The keys are the decision radios' own aria-keyshortcuts ('a', 'r', 'f'): the markup says them once,
// for assistive technology and for this script. A approves and sends at once; any other decision is
// chosen and the focus goes to the comment, where the sergeant types why. Ctrl+Enter (Cmd+Enter on
// a Mac) sends the form from inside it. No letter fires while typing in a text field or with
// Ctrl, Alt or Meta held, so the browser's and the screen reader's own shortcuts are left alone.

const SENT_AT_ONCE = new Set(['approved']);
const NOT_TYPING = new Set(['radio', 'checkbox', 'button', 'submit', 'reset', 'file', 'image', 'color', 'range']);

/** True when keys pressed in ``el`` are text being typed (where a letter must stay a letter). */
function isTyping(el) {
  if (!el || !(el instanceof Element)) return false;
  if (el.isContentEditable || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') return true;
  return el.tagName === 'INPUT' && !NOT_TYPING.has(el.type);
}

/** Send the form once (a second key press while the page loads sends nothing more). */
function send(form) {
  if (form.dataset.sending) return;
  form.dataset.sending = 'yes';
  form.requestSubmit();
}

function onKeydown(form, event) {
  if (event.defaultPrevented || event.isComposing || event.repeat) return;
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && !event.altKey) {
    if (form.contains(event.target)) {
      event.preventDefault();
      send(form);
    }
    return;
  }
  if (event.ctrlKey || event.altKey || event.metaKey || isTyping(event.target)) return;
  const key = event.key.toLowerCase();
  const radio = [...form.querySelectorAll('input[type=radio][aria-keyshortcuts]')]
    .find((input) => input.getAttribute('aria-keyshortcuts').toLowerCase().split(' ').includes(key));
  if (!radio) return;
  event.preventDefault(); // the letter is not typed into the comment box the focus moves to
  radio.checked = true;
  if (SENT_AT_ONCE.has(radio.value)) {
    send(form);
  } else {
    const comment = form.querySelector('textarea');
    comment.focus();
    comment.setSelectionRange(comment.value.length, comment.value.length);
  }
}

const form = document.querySelector('form[data-review-keys]');
if (form) {
  document.addEventListener('keydown', (event) => onKeydown(form, event));
  form.addEventListener('submit', () => { form.dataset.sending = 'yes'; });
}
