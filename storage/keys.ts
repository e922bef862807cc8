// Internal ids and blob keys. Ids are ULID-shaped (48-bit millisecond time + 80 random bits in
// Crockford base32, 26 characters), so they sort roughly by creation and never contain user input.
// A blob key is `<tableId>/<fileId>.ncf`: one folder (or object prefix) per table.

import { randomBytes } from 'node:crypto';
import { invalidKey } from './errors.js';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Id segments other stores or older data may use: letters, digits, `_` and `-`, 1–64 characters. */
const SEGMENT = /^[0-9A-Za-z_-]{1,64}$/;
const KEY = /^([0-9A-Za-z_-]{1,64})\/([0-9A-Za-z_-]{1,64})\.ncf$/;

export function newId(now = Date.now()): string {
  let out = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    out = CROCKFORD[t % 32]! + out;
    t = Math.floor(t / 32);
  }
  // 80 random bits = 16 five-bit digits, taken from 10 bytes.
  const r = randomBytes(10);
  let acc = 0;
  let bits = 0;
  for (const byte of r) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += CROCKFORD[(acc >>> bits) & 31]!;
    }
    acc &= (1 << bits) - 1;
  }
  return out;
}

export function isId(s: string): boolean {
  return SEGMENT.test(s);
}

/** The key of a new file of `tableId`. */
export function newFileKey(tableId: string): string {
  if (!isId(tableId)) throw invalidKey(`${tableId}/?.ncf`, 'the table id is not an internal id');
  return `${tableId}/${newId()}.ncf`;
}

/** Splits a key into its ids, or throws INVALID_KEY: no `..`, no absolute path, no extra segments. */
export function parseKey(key: string): { tableId: string; fileId: string } {
  if (typeof key !== 'string') throw invalidKey(String(key), 'not a string');
  const m = KEY.exec(key);
  if (m === null) {
    const why = key.startsWith('/')
      ? 'absolute paths are not keys'
      : key.split(/[\\/]/).includes('..')
        ? '".." is not allowed'
        : 'wrong shape';
    throw invalidKey(key, why);
  }
  return { tableId: m[1]!, fileId: m[2]! };
}

/** The table id a key was written under, or null when the key is not of our shape. */
export function tableIdOfKey(key: string): string | null {
  const m = KEY.exec(key);
  return m === null ? null : m[1]!;
}
