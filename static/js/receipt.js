// Stop and search receipt references, made on the phone at the scene (sync/receipts.py has the same rules;
// tests/sync/test_receipts.py checks the two agree). Loaded lazily: not part of the shell's budget.

export const ALPHABET = '34679ACDEFHJKMNPQRTVWXY';  // no 0/O, 1/I/L, 2/Z, 5/S, 8/B, G, U: easy to read aloud
const RANDOM_CHARS = 11;

/** The check character of 11 alphabet characters: the position-weighted sum mod 23 (a prime). */
export function checkChar(body) {
  let sum = 0;
  for (let i = 0; i < body.length; i += 1) sum += (i + 1) * ALPHABET.indexOf(body[i]);
  return ALPHABET[sum % ALPHABET.length];
}

/** ``count`` uniform random alphabet characters: bytes of 230 or more are drawn again (230 = 10 * 23),
 *  so no character is likelier than another. */
function randomChars(count) {
  let out = '';
  const bytes = new Uint8Array(32);
  while (out.length < count) {
    crypto.getRandomValues(bytes);
    for (const byte of bytes) {
      if (byte < 230 && out.length < count) out += ALPHABET[byte % ALPHABET.length];
    }
  }
  return out;
}

/** A fresh reference, as XXXX-XXXX-XXXX. */
export function newReference() {
  const body = randomChars(RANDOM_CHARS);
  const chars = body + checkChar(body);
  return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8)}`;
}
