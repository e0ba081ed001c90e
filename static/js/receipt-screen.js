// The receipt shown after a stop and search is saved: what the officer shows or hands over at the scene
// (PACE Code A 4.2A). Made on the phone, with no connection; loaded lazily, precached with the shell.

import qrcode from '../vendor/qrcode-generator.js';
import { startAtTop } from './forms.js';
import { $, forms } from './page.js';
import { currentReference } from './reference.js';
import { el } from './screens.js';
import { currentSession } from './session.js';

const SVG = 'http://www.w3.org/2000/svg';

/** The public page's link for one reference: what the QR code holds. */
export function receiptLink(reference, receiptUrl) {
  return `${receiptUrl}?ref=${encodeURIComponent(reference)}`;
}

/** A QR code as an SVG of dark modules (built node by node: no markup parsed). */
export function qrSvg(text, label) {
  const code = qrcode(0, 'M');
  code.addData(text);
  code.make();
  const count = code.getModuleCount();
  const size = count + 8;  // a quiet zone of 4 modules each side
  let path = '';
  for (let row = 0; row < count; row += 1) {
    for (let col = 0; col < count; col += 1) {
      if (code.isDark(row, col)) path += `M${col + 4},${row + 4}h1v1h-1z`;
    }
  }
  const svg = document.createElementNS(SVG, 'svg');
  for (const [key, value] of Object.entries({ viewBox: `0 0 ${size} ${size}`, role: 'img', 'aria-label': label,
    class: 'qr', 'shape-rendering': 'crispEdges' })) svg.setAttribute(key, value);
  const back = document.createElementNS(SVG, 'rect');
  for (const [key, value] of Object.entries({ width: size, height: size, fill: '#fff' })) back.setAttribute(key, value);
  const dark = document.createElementNS(SVG, 'path');
  dark.setAttribute('d', path);
  dark.setAttribute('fill', '#000');
  svg.append(back, dark);
  return svg;
}

const row = (term, value) => [el('dt', { text: term }), el('dd', { text: value || '—' })];

export function showReceipt(entry) {
  const data = entry.data;
  const reference = currentReference() || {};
  const user = currentSession()?.user || {};
  const when = new Date(data.occurred_at || entry.captured_at);
  const link = reference.receipt_url ? receiptLink(data.receipt_ref, reference.receipt_url) : '';
  closeReceipt();
  const done = el('button', { type: 'button', class: 'primary', text: 'Done' });
  const panel = el('section', { id: 'receipt', class: 'receipt', 'aria-labelledby': 'receipt-title', 'data-testid': 'receipt' },
    el('h2', { id: 'receipt-title', tabindex: '-1', text: 'Stop and search receipt' }),
    el('p', { class: 'receipt-saved', 'data-testid': 'receipt-saved', text: 'Saved on this phone. Show or hand over this receipt.' }),
    el('p', { text: 'Your reference:' }),
    el('p', { class: 'receipt-ref', 'data-testid': 'receipt-ref', 'data-ref': data.receipt_ref },
      ...data.receipt_ref.split('-').map((group) => el('span', { 'aria-hidden': 'true', text: group })),
      el('span', { class: 'visually-hidden', text: [...data.receipt_ref.replace(/-/g, '')].join(' ') })),  // read out one by one
    el('dl', {},
      ...row('Date', when.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric' })),
      ...row('Time', when.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' })),
      ...row('Officer (shoulder number)', user.shoulder_number),
      ...row('Station', reference.station),
      ...row('Power used', data.legislation),
      ...row('Object of search', data.object_of_search)),
    el('p', { class: 'receipt-how', text: 'You can have a copy of the full record of this search, for up to 3 months: ' +
      (link ? 'scan the code, or go to the address below and enter your reference.' : 'ask at the station with your reference.') }),
    ...(link ? [el('p', { class: 'receipt-url', 'data-testid': 'receipt-url', text: link }), qrSvg(link, 'QR code of the link above')] : []),
    done);
  done.addEventListener('click', () => { closeReceipt(); startAtTop(forms.encounter); });
  $('#screen-encounter h1').after(panel);
  panel.scrollIntoView({ block: 'start' });
  panel.querySelector('h2').focus({ preventScroll: true });
  window.addEventListener('hashchange', closeReceipt, { once: true });
}

export function closeReceipt() {
  document.getElementById('receipt')?.remove();
}
