// Who is signed in on this phone: the device token, the sign-in form, and ending the session.
// The session ({token, device_id, expires_at, user}) is kept in IndexedDB, so that the app
// starts signed in with no connection. The token goes only to the API, never into a cookie.

import { deleteMeta, getMeta, setMeta } from './db.js';
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

/** Ask the server for a device token; true once it is kept. Failures are shown on the form. */
async function signIn(form) {
  const error = $('#signin-error');
  error.textContent = '';
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
  session = { token: body.token, device_id: body.device_id, expires_at: body.expires_at, user: body.user };
  await setMeta('session', session);
  return true;
}

/** Sign this phone out: revoke the token (offline, it expires on its own) and forget it. */
export async function endSession() {
  api(session, 'DELETE', '/api/auth/token').catch(() => { /* offline: the token expires on its own */ });
  await deleteMeta('session');
  session = null;
}
