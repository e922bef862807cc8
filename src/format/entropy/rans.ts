// rANS over code streams (FORMAT.md, "Entropy-coded codes"): four interleaved 31-bit states, a shared
// stream of 16-bit words, a per-stream frequency table normalised to 2^scale (scale ≤ 15). Decoding is
// two table lookups, one 32-bit multiply and a branchless refill per code, all int32 math, no
// allocation per code; every read from the header is
// bounds-checked and the decoder ends by checking that all four states came back to their initial
// value and that exactly the stored words were read, so corrupt bytes are CORRUPT_FILE, not codes.

import { ByteReader, ByteWriter } from '../cursor.js';
import { MAX_ROW_GROUP_ROWS } from '../constants.js';
import { check } from '../errors.js';
import { chunkHash } from '../integrity.js';
import { LOW, decodeLanes, finalStates } from './lanes.js';
import { type Codes, MAX_SCALE, cheapestTable, codedBits, histogram, normalise, readTable, tableBytes, writeTable } from './table.js';

/** Interleaved states: independent chains the CPU can run in parallel. */
const LANES = 4;

export interface EncodeOptions {
  /** Force a table scale (1..16) instead of the cheapest; for tests and benches. */
  scale?: number;
}

/** Encodes codes; null when they cannot be (a code ≥ 2^20, or more than 2^15 distinct codes). */
export function encodeCodes(codes: Codes, options: EncodeOptions = {}): Uint8Array | null {
  const n = codes.length;
  const w = new ByteWriter(64);
  w.u32(n);
  if (n === 0) {
    w.u32(0);
    w.u8(0);
    return sealed(w);
  }
  const h = histogram(codes);
  if (h === null) return null;
  const { counts, alphabet } = h;
  let distinct = 0;
  for (let s = 0; s < alphabet; s++) if (counts[s] !== 0) distinct++;
  w.u32(alphabet);
  if (distinct === 1) {
    // One code: the table alone says it all.
    w.u8(0);
    const freqs = new Uint32Array(alphabet);
    freqs[alphabet - 1] = 1;
    writeTable(w, freqs, alphabet);
    return sealed(w);
  }
  let chosen: { scale: number; freqs: Uint32Array } | null;
  if (options.scale !== undefined) {
    const freqs = normalise(counts, alphabet, n, options.scale);
    chosen = freqs && { scale: options.scale, freqs };
  } else chosen = cheapestTable(counts, alphabet, n);
  if (chosen === null) return null;
  const { scale, freqs } = chosen;
  w.u8(scale);
  writeTable(w, freqs, alphabet);

  const stream = new Uint16Array(n + LANES);
  const states = new Int32Array(LANES).fill(LOW);
  const pos = encodeStream(codes, freqs, alphabet, scale, states, stream);
  for (const x of states) w.u32(x);
  const words = stream.length - pos;
  w.u32(words);
  const body = w.reserve(words * 2);
  for (let k = 0; k < words; k++) {
    const v = stream[pos + k]!;
    body[2 * k] = v & 0xff;
    body[2 * k + 1] = v >>> 8;
  }
  return sealed(w);
}

/** The rANS encoder proper: codes backwards (rANS is last in, first out), lane i mod 4 for code i;
 *  words fill `stream` from its end. Returns where the words
 *  start; a plain number, so the loop's optimised code meets nothing new on the way out. */
function encodeStream(codes: Codes, freqs: Uint32Array, alphabet: number, scale: number, states: Int32Array, stream: Uint16Array): number {
  const n = codes.length;
  const cums = new Uint32Array(alphabet);
  const limits = new Uint32Array(alphabet); // x_max(s) = freq(s) << (31 − scale): at or above it, a word goes out first
  for (let s = 0, c = 0; s < alphabet; s++) {
    const f = freqs[s]!;
    cums[s] = c;
    limits[s] = f * 2 ** (31 - scale);
    c += f;
  }
  let pos = stream.length;
  for (let i = n - 1; i >= 0; i--) {
    const s = codes[i]!;
    const f = freqs[s]!;
    let x = states[i & 3]!;
    if (x >= limits[s]!) {
      stream[--pos] = x & 0xffff;
      x >>>= 16;
    }
    const q = (x / f) | 0;
    states[i & 3] = (q << scale) + (x - q * f) + cums[s]!;
  }
  return pos;
}

export interface DecodeOptions {
  /** Refuse a stream declaring more codes than this (the caller's row count); default the most rows a
   *  row group may hold (2^24), so a one-code stream of a few bytes cannot ask for gigabytes. */
  maxCount?: number;
  /** Where to decode to (its length must be the stream's count); by default a new array sized to the alphabet. */
  out?: Codes;
  /** What is being read, for error messages. */
  what?: string;
}

function outputFor(alphabet: number, n: number): Codes {
  if (alphabet <= 0x100) return new Uint8Array(n);
  if (alphabet <= 0x10000) return new Uint16Array(n);
  return new Uint32Array(n);
}

function maxCodeOf(out: Codes): number {
  return out instanceof Uint8Array ? 0xff : out instanceof Uint16Array ? 0xffff : 0xffffffff;
}

/** Decodes a whole buffer written by encodeCodes (trailing bytes are corrupt). */
export function decodeCodes(bytes: Uint8Array, options: DecodeOptions = {}): Codes {
  const r = new ByteReader(bytes, options.what ?? 'entropy-coded codes');
  const out = readCodes(r, options);
  check(r.remaining === 0, `${r.what}: ${r.remaining} bytes after the coded stream`);
  return out;
}

/** Reads one coded stream at the reader's position and leaves the reader after it. The decoded
 *  codes are all < the stream's alphabet, by construction. */
export function readCodes(r: ByteReader, options: DecodeOptions = {}): Codes {
  const start = r.offset;
  const n = r.u32();
  const maxCount = options.out?.length ?? options.maxCount ?? MAX_ROW_GROUP_ROWS;
  check(
    options.out === undefined ? n <= maxCount : n === maxCount,
    `${r.what}: ${n} codes, expected ${options.out ? '' : 'at most '}${maxCount}`,
  );
  const alphabet = r.u32();
  const scale = r.u8();
  check((n === 0) === (alphabet === 0), `${r.what}: ${n} codes over an alphabet of ${alphabet}`);
  check(scale <= MAX_SCALE, `${r.what}: table scale ${scale} exceeds ${MAX_SCALE}`);
  if (n === 0) {
    check(scale === 0, `${r.what}: table scale ${scale} for an empty stream`);
    checkSeal(r, start);
    return options.out ?? new Uint8Array(0);
  }
  if (options.out) check(alphabet - 1 <= maxCodeOf(options.out), `${r.what}: alphabet ${alphabet} does not fit the output`);
  const { symbols, freqs } = readTable(r, alphabet, scale);
  if (scale === 0) {
    checkSeal(r, start);
    return (options.out ?? outputFor(alphabet, n)).fill(symbols[0]!);
  }
  check(symbols.length >= 2, `${r.what}: one code with a table scale of ${scale}`);
  const x0 = r.u32();
  const x1 = r.u32();
  const x2 = r.u32();
  const x3 = r.u32();
  const inRange = (x: number): boolean => x >= LOW && x < 2 ** 31;
  check(inRange(x0) && inRange(x1) && inRange(x2) && inRange(x3), `${r.what}: a state outside [${LOW}, 2^31)`);
  const words = r.u32();
  r.need(words * 2);
  // Encoding a code of frequency f adds at least log2(2^scale / f) / 2 bits to a state (words count 16
  // bits, each final state at most 16), so the stored bits bound the count: a tiny stream cannot ask
  // for a huge output.
  const minBits = Math.log2(2 ** scale / Math.max(...freqs)) / 2;
  check(n <= (16 * words + 64) / minBits + 4, `${r.what}: ${n} codes cannot come from ${words} words`);
  const out = options.out ?? outputFor(alphabet, n);
  const stream = wordsOf(r.bytes, r.offset, words);
  r.offset += words * 2;
  checkSeal(r, start);

  const size = 1 << scale;
  const slots = new Uint32Array(size); // freq << 16 | (slot − cum)
  const sym = sameType(out, size);
  for (let k = 0, cum = 0; k < symbols.length; k++) {
    const f = freqs[k]!;
    const s = symbols[k]!;
    for (let j = 0; j < f; j++) slots[cum + j] = (f << 16) | j;
    sym.fill(s, cum, cum + f);
    cum += f;
  }
  const end = decodeLanes(out, n, sym, slots, stream, scale, x0, x1, x2, x3);
  const lanes = finalStates;
  check(end === words, `${r.what}: read ${end} of ${words} words`);
  check(
    lanes[0] === LOW && lanes[1] === LOW && lanes[2] === LOW && lanes[3] === LOW,
    `${r.what}: final states ${Array.from(lanes).join(', ')} are not the initial ${LOW}`,
  );
  return out;
}

/** The words copied (once per stream) into an aligned Uint16Array with one spare word, which the
 *  branchless refill may load but never uses. The format is little-endian, like every JS platform. */
function wordsOf(bytes: Uint8Array, offset: number, words: number): Uint16Array {
  const copy = new Uint16Array(words + 1);
  new Uint8Array(copy.buffer, 0, words * 2).set(bytes.subarray(offset, offset + words * 2));
  return copy;
}

/** Bytes encodeCodes would write for these counts at this scale, without encoding: header, table and
 *  the coded bits rounded up to words (the rANS overhead beyond the frequencies' cost is a few bytes). */
export function encodedBytes(counts: Uint32Array, freqs: Uint32Array, alphabet: number, scale: number): number {
  // The final states hold up to 4 × 16 bits of the coded bits.
  return (
    4 +
    4 +
    1 +
    tableBytes(freqs, alphabet) +
    4 * LANES +
    4 +
    2 * Math.max(0, Math.ceil((codedBits(counts, freqs, alphabet, scale) - 60) / 16))
  );
}

function sameType(out: Codes, n: number): Codes {
  return out instanceof Uint8Array ? new Uint8Array(n) : out instanceof Uint16Array ? new Uint16Array(n) : new Uint32Array(n);
}

/** Ends a stream with the CRC-32 of its bytes. rANS has little redundancy of its own: a flipped bit in
 *  a state, a word or the table's code labels can decode cleanly to other codes, so only a check over
 *  the bytes turns every such mutation into CORRUPT_FILE. */
function sealed(w: ByteWriter): Uint8Array {
  w.u32(chunkHash(w.finish()));
  return w.finish().slice();
}

/** Checks the CRC-32 that follows the stream begun at `start`, before anything is allocated or decoded. */
function checkSeal(r: ByteReader, start: number): void {
  const actual = chunkHash(r.bytes.subarray(start, r.offset));
  const stored = r.u32();
  check(actual === stored, `${r.what}: CRC-32 ${actual.toString(16)} does not match the stored ${stored.toString(16)}`);
}
