// Which screen the hash names. A screen is filled before it is shown, so nothing typed into it can
// be wiped by a fill that lands later; a route overtaken by a newer one (a second tap while the
// first read IndexedDB) stops.

import { show } from './screens.js';
import { currentSession } from './session.js';

const openers = new Map();  // screen name -> open(current): fills and shows it
let turn = 0;

/** open(current) fills and shows the screen, stopping if current() turns false. */
export function onScreen(name, open) {
  openers.set(name, open);
}

/** Show the screen the hash names (home if none or unknown; sign-in if nobody is signed in). */
export async function route() {
  if (!currentSession()) { show('signin'); return; }
  const mine = ++turn;
  const current = () => mine === turn;
  const open = openers.get((window.location.hash || '#home').slice(1));
  if (open) await open(current);
  else show('home');
  if (current()) window.scrollTo(0, 0);  // a screen opens at its top, wherever the last one was left
}
