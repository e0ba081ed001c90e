// Who is signed in: the device token, the sign-in form, signing out.

import { deleteMeta, getMeta, setMeta } from './db.js';
import { showErrors } from './forms.js';
import { deviceOf } from './lock.js';
import { unsentByOwner } from './outbox.js';
import { $ } from './page.js';
import { show } from './screens.js';
import { api } from './sync.js';

let session = null;

export function currentSession() {
  return session;
}

/** The signed-in officer's username: the owner of their entries, drafts and round. */
export function officer() {
  return session.user.username;
}

export async function restoreSession() {
  session = await getMeta('session');
  return session;
}

export function dropSession() {
  session = null;
}

/** The sign-in form and the expired banner's 'Sign in'; keepSession() once the data key is there. */
export function wireSignIn(onSignedIn, onLost) {
  $('#signin-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = await signIn(event.target, onLost);
    if (body) await onSignedIn(body);
  });
  $('#signin-fields').disabled = false;
  $('#signin-again').addEventListener('click', () => { show('signin'); $('#signin-username').value = session ? officer() : ''; });
}

export async function nameOf(username) {
  if (session && session.user.username === username) return session.user.display_name;
  const names = await getMeta('names').catch(() => null);
  return (names && names[username]) || username;
}

/** Why this username may not sign in now (another's entries are unsent), or null. */
async function refusal(username) {
  const wanted = username.trim().toLowerCase();
  const counts = await unsentByOwner();
  for (const [owner, n] of Object.entries(counts)) {
    if (owner === wanted) continue;
    const name = await nameOf(owner);
    return `${name} has ${n} ${n === 1 ? 'entry' : 'entries'} not sent: ${name} must sign in to send ` +
      `${n === 1 ? 'it' : 'them'} first.`;
  }
  return null;
}

/** The server's 201 body, or null. A 403 password_change_required (an admin's reset) adds new password fields. */
async function signIn(form, onLost) {
  const error = $('#signin-error');
  const fresh = form.new_password;
  showErrors(form, {});
  if (fresh && fresh.value !== form.new_password_again.value) {
    showErrors(form, { new_password_again: 'The two new passwords are not the same.' });
    form.new_password_again.focus();
    return null;
  }
  const refused = await refusal(form.username.value);
  if (refused) {
    error.textContent = refused;
    return null;
  }
  let response;
  try {
    response = await fetch('/api/auth/token', {
      method: 'POST', credentials: 'omit', cache: 'no-store', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: form.username.value, password: form.password.value,
        device_name: navigator.userAgent.slice(0, 200), new_password: fresh && fresh.value,
        device_id: await deviceOf(form.username.value) }),  // this phone's vault: its recovery key again
    });
  } catch (networkError) {
    error.textContent = 'No connection: signing in needs the server. Your entries are safe on this phone.';
    return null;
  }
  const body = await response.json().catch(() => null);
  if (body && body.error === 'device_lost') {
    await onLost(body.message);
    return null;
  }
  if (response.status !== 201 || !body) {
    if (body && body.error === 'password_change_required' && !fresh) error.before($('#signin-new').content.cloneNode(true));
    if (body) showErrors(form, body.errors);
    error.textContent = (body && body.message) || `Sign-in failed (${response.status}).`;
    if (form.new_password && !fresh) form.new_password.focus();
    return null;
  }
  form.password.value = '';
  form.querySelectorAll('[data-field]').forEach((field) => field.remove());
  const still = await refusal(body.user.username);
  if (still) {  // another username for the same account: still refused
    error.textContent = still;
    api({ token: body.token }, 'DELETE', '/api/auth/token').catch(() => { /* it expires on its own */ });
    return null;
  }
  return body;
}

export async function keepSession(body) {
  session = { token: body.token, device_id: body.device_id, expires_at: body.expires_at, user: body.user };
  await setMeta('session', session);
  const names = (await getMeta('names').catch(() => null)) || {};
  if (names[body.user.username] !== body.user.display_name) {
    await setMeta('names', { ...names, [body.user.username]: body.user.display_name });
  }
}

export async function endSession() {
  api(session, 'DELETE', '/api/auth/token').catch(() => { /* offline: the token expires on its own */ });
  await deleteMeta('session');
  const names = await getMeta('names').catch(() => null);
  if (names && session.user.username in names) {
    const { [session.user.username]: gone, ...rest } = names;
    await setMeta('names', rest);
  }
  session = null;
}
