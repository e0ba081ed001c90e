// Who is signed in on this phone: the device token, the sign-in form, and ending the session.
// The session ({token, device_id, expires_at, user}) is kept in IndexedDB, so that the app
// starts signed in with no connection. The token goes only to the API, never into a cookie.
// A shared phone: while one officer's entries are not on the server, no other officer can sign
// in (their entries would be hidden, and never sent); that officer must sign in to send them.

import { deleteMeta, getMeta, setMeta } from './db.js';
import { unsentByOwner } from './outbox.js';
import { $ } from './page.js';
import { show } from './screens.js';
import { api } from './sync.js';

let session = null;

/** The signed-in session, or null. */
export function currentSession() {
  return session;
}

/** The signed-in officer's username: the owner of their entries, drafts and round. */
export function officer() {
  return session.user.username;
}

/** Take up the session this phone kept, if any. */
export async function restoreSession() {
  session = await getMeta('session');
  return session;
}

/** Let the sign-in form and 'Sign in' on the expired banner work; onSignedIn() runs after a sign-in. */
export function wireSignIn(onSignedIn) {
  $('#signin-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    if (await signIn(event.target)) await onSignedIn();
  });
  $('#signin-fields').disabled = false;
  $('#signin-again').addEventListener('click', () => { show('signin'); $('#signin-username').value = officer(); });
}

/** An officer's name as the phone knows it (their display name, once they signed in here), else the username. */
export async function nameOf(username) {
  if (session && session.user.username === username) return session.user.display_name;
  const names = await getMeta('names').catch(() => null);
  return (names && names[username]) || username;
}

/**
 * Why this username may not sign in on this phone now, or null: another officer's entries are not
 * on the server (usernames are compared as the server does: trimmed, lower case).
 */
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

/** Ask the server for a device token; true once it is kept. Failures are shown on the form. */
async function signIn(form) {
  const error = $('#signin-error');
  error.textContent = '';
  const refused = await refusal(form.username.value);
  if (refused) {
    error.textContent = refused;
    return false;
  }
  let response;
  try {
    response = await fetch('/api/auth/token', {
      method: 'POST', credentials: 'omit', cache: 'no-store', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: form.username.value, password: form.password.value,
        device_name: navigator.userAgent.slice(0, 200) }),
    });
  } catch (networkError) {
    error.textContent = 'No connection: signing in needs the server. Your entries are safe on this phone.';
    return false;
  }
  const body = await response.json().catch(() => null);
  if (response.status !== 201 || !body) {
    error.textContent = (body && body.message) || `Sign-in failed (${response.status}).`;
    return false;
  }
  form.password.value = '';
  if (await refusal(body.user.username)) {  // another username for the same account: still refused
    error.textContent = await refusal(body.user.username);
    api({ token: body.token }, 'DELETE', '/api/auth/token').catch(() => { /* it expires on its own */ });
    return false;
  }
  session = { token: body.token, device_id: body.device_id, expires_at: body.expires_at, user: body.user };
  await setMeta('session', session);
  const names = (await getMeta('names').catch(() => null)) || {};
  if (names[body.user.username] !== body.user.display_name) {
    await setMeta('names', { ...names, [body.user.username]: body.user.display_name });
  }
  return true;
}

/** Sign this phone out: revoke the token (offline, it expires on its own) and forget it. */
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
