// Which screen the hash names.

import { locked } from './db.js';
import { askingPin } from './lock.js';
import { show } from './screens.js';
import { currentSession } from './session.js';

const openers = new Map();  // screen name -> open(current): fills and shows it
let turn = 0;

/** open(current) fills and shows the screen, stopping if current() turns false. */
export function onScreen(name, open) {
  openers.set(name, open);
}

export async function route() {
  if (locked() || askingPin()) return;  // the unlock or PIN screen stays
  if (!currentSession()) { show('signin'); return; }
  const mine = ++turn;
  const current = () => mine === turn;
  const open = openers.get((window.location.hash || '#home').slice(1));
  if (open) await open(current);
  else show('home');
  if (current()) window.scrollTo(0, 0);  // a screen opens at its top, wherever the last one was left
}
