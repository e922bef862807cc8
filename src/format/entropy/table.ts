// The frequency table of an entropy-coded code stream (FORMAT.md, "Entropy-coded codes"): counting
// codes, normalising the counts to a power-of-two total, choosing that power, and the table's bytes
// (a varint per code, runs of absent codes collapsed). Pure functions over typed arrays.

import type { ByteReader, ByteWriter } from '../cursor.js';
import { check, corrupt } from '../errors.js';

/** Code streams this module takes and returns. */
export type Codes = Uint8Array | Uint16Array | Uint32Array;

/** The largest table: 2^15 slots, the most a 31-bit rANS state with 16-bit refills allows. */
export const MAX_SCALE = 15;
/** The largest alphabet the encoder counts densely (a histogram of this many uint32 counters). */
export const MAX_ALPHABET = 1 << 20;

/** A histogram of `codes`: counts[c] = occurrences of c; `alphabet` = largest code + 1 (0 when empty).
 *  Returns null when a code is ≥ MAX_ALPHABET (too large an alphabet to count densely). */
export function histogram(codes: Codes, alphabetHint = 0): { counts: Uint32Array; alphabet: number } | null {
  const alphabet = codes.length === 0 ? 0 : maxOf(codes) + 1;
  if (alphabet > MAX_ALPHABET) return null;
  const counts = new Uint32Array(Math.max(alphabet, Math.min(alphabetHint, MAX_ALPHABET)));
  countInto(codes, counts);
  return { counts, alphabet };
}

// The two passes are functions of their own returning plain values, so their loops' optimised code
// meets nothing new on the way out (which would throw it away on every call).
function maxOf(codes: Codes): number {
  let max = 0;
  for (let i = 0; i < codes.length; i++) if (codes[i]! > max) max = codes[i]!;
  return max;
}

function countInto(codes: Codes, counts: Uint32Array): void {
  for (let i = 0; i < codes.length; i++) counts[codes[i]!]!++;
}

/** Order-0 entropy in bits of a stream with these counts: Σ c·log2(n/c). */
export function entropyBits(counts: ArrayLike<number>, alphabet: number): number {
  let n = 0;
  for (let s = 0; s < alphabet; s++) n += counts[s]!;
  let bits = 0;
  for (let s = 0; s < alphabet; s++) {
    const c = counts[s]!;
    if (c > 0) bits += c * Math.log2(n / c);
  }
  return bits;
}

/** Counts scaled to sum to exactly 2^scale, every present code keeping a frequency ≥ 1. Returns null
 *  when there are more present codes than slots. Rounds to nearest, then takes the excess from (or
 *  gives the shortfall to) the largest frequencies, where a unit costs the fewest bits. */
export function normalise(
  counts: Uint32Array,
  alphabet: number,
  n: number,
  scale: number,
  present: ArrayLike<number> = presentByCount(counts, alphabet),
): Uint32Array | null {
  const total = 2 ** scale;
  if (present.length > total) return null;
  const freqs = new Uint32Array(alphabet);
  let sum = 0;
  for (let k = 0; k < present.length; k++) {
    const s = present[k]!;
    const f = Math.max(1, Math.round((counts[s]! * total) / n));
    freqs[s] = f;
    sum += f;
  }
  let diff = total - sum;
  if (diff > 0) freqs[present[0]!]! += diff;
  // Take the excess in proportion to each frequency's size, largest first, until none is left.
  while (diff < 0) {
    let spare = 0;
    for (let k = 0; k < present.length; k++) spare += freqs[present[k]!]! - 1;
    for (let k = 0; k < present.length; k++) {
      const s = present[k]!;
      if (diff === 0) break;
      const room = freqs[s]! - 1;
      if (room === 0) continue;
      const take = Math.min(room, -diff, Math.max(1, Math.floor((room * -diff) / spare)));
      freqs[s]! -= take;
      diff += take;
    }
  }
  return freqs;
}

/** The present codes, most frequent first (ties by code, so tables are deterministic). */
export function presentByCount(counts: Uint32Array, alphabet: number): Uint32Array {
  let k = 0;
  for (let s = 0; s < alphabet; s++) if (counts[s] !== 0) k++;
  const present = new Uint32Array(k);
  for (let s = 0, j = 0; s < alphabet; s++) if (counts[s] !== 0) present[j++] = s;
  return present.sort((a, b) => counts[b]! - counts[a]! || a - b);
}

/** The table scale that gives the fewest bytes (coded bits + table), preferring the smaller scale (a
 *  smaller decode table stays in cache) unless a larger one saves 0.1%. Null when the codes have more
 *  distinct values than the largest table has slots. */
export function cheapestTable(counts: Uint32Array, alphabet: number, n: number): { scale: number; freqs: Uint32Array } | null {
  const present = presentByCount(counts, alphabet);
  let best: { scale: number; freqs: Uint32Array; bytes: number } | null = null;
  for (let scale = Math.max(1, Math.ceil(Math.log2(present.length))); scale <= MAX_SCALE; scale++) {
    const freqs = normalise(counts, alphabet, n, scale, present);
    if (freqs === null) continue;
    const bytes = codedBits(counts, freqs, alphabet, scale) / 8 + tableBytes(freqs, alphabet);
    if (best === null || bytes < best.bytes * 0.999) best = { scale, freqs, bytes };
  }
  return best;
}

/** Bits the coded codes take with these frequencies: Σ count·log2(total/freq). */
export function codedBits(counts: Uint32Array, freqs: Uint32Array, alphabet: number, scale: number): number {
  let bits = 0;
  for (let s = 0; s < alphabet; s++) {
    const c = counts[s]!;
    if (c > 0) bits += c * (scale - Math.log2(freqs[s]!));
  }
  return bits;
}

function varintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** Bytes of the table's frequency list (see writeTable). */
export function tableBytes(freqs: Uint32Array, alphabet: number): number {
  let bytes = 0;
  for (let s = 0; s < alphabet; ) {
    if (freqs[s] !== 0) {
      bytes += varintSize(freqs[s]!);
      s++;
      continue;
    }
    let run = 0;
    while (s < alphabet && freqs[s] === 0) {
      run++;
      s++;
    }
    bytes += 1 + varintSize(run - 1);
  }
  return bytes;
}

function writeVarint(w: ByteWriter, v: number): void {
  while (v >= 0x80) {
    w.u8((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  w.u8(v);
}

function readVarint(r: ByteReader): number {
  let v = 0;
  let mul = 1;
  for (let i = 0; i < 5; i++) {
    const b = r.u8();
    v += (b & 0x7f) * mul;
    if (b < 0x80) {
      check(v <= 0xffffffff, `${r.what}: varint ${v} exceeds 32 bits`);
      return v;
    }
    mul *= 128;
  }
  throw corrupt(`${r.what}: varint longer than 5 bytes at offset ${r.offset}`);
}

/** The frequency list: for codes 0..alphabet−1 in order, a varint f ≥ 1 for a present code, or a 0
 *  followed by a varint r for a run of r + 1 absent codes. */
export function writeTable(w: ByteWriter, freqs: Uint32Array, alphabet: number): void {
  for (let s = 0; s < alphabet; ) {
    if (freqs[s] !== 0) {
      writeVarint(w, freqs[s]!);
      s++;
      continue;
    }
    let run = 0;
    while (s < alphabet && freqs[s] === 0) {
      run++;
      s++;
    }
    w.u8(0);
    writeVarint(w, run - 1);
  }
}

/** Reads the frequency list back as the present codes and their frequencies, checking that it covers
 *  exactly `alphabet` codes, that the last code is present, and that the frequencies sum to 2^scale. */
export function readTable(r: ByteReader, alphabet: number, scale: number): { symbols: number[]; freqs: number[] } {
  const total = 2 ** scale;
  const symbols: number[] = [];
  const freqs: number[] = [];
  let sum = 0;
  for (let s = 0; s < alphabet; ) {
    const f = readVarint(r);
    if (f === 0) {
      const run = readVarint(r) + 1;
      check(s + run < alphabet, `${r.what}: absent-code run of ${run} at code ${s} passes the last code ${alphabet - 1}`);
      s += run;
      continue;
    }
    sum += f;
    check(sum <= total, `${r.what}: frequencies exceed the table total ${total} at code ${s}`);
    symbols.push(s);
    freqs.push(f);
    s++;
  }
  check(sum === total, `${r.what}: frequencies sum to ${sum}, expected ${total}`);
  return { symbols, freqs };
}
