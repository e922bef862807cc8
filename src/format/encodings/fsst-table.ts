// FSST symbol tables (FORMAT.md §5.9): up to 255 symbols of 1..8 bytes, the lookups for a greedy
// longest match, and their construction from a sample of the chunk by the iterative algorithm of the
// paper (Boncz, Neumann, Leis, "FSST", VLDB 2020, §4; as in libfsst). Each round encodes a growing
// part of the sample with the current table, counts every symbol and every pair of consecutive
// symbols, and keeps the 255 candidates (the symbols, and the pairs concatenated) with the largest
// gain, count × length. Matching is the paper's: a lookup by the first two bytes for 1- and 2-byte
// symbols, a hash table on the first three bytes for longer ones, greedy longest match.
//
// Symbols are two int32 words (lo: bytes 0..3, hi: bytes 4..7, little-endian, zero past the length),
// so a match is two masked compares of the 8 bytes at the cursor. A match is packed as
// `id << 4 | length`, where id 0..255 is the escape of that byte and id 256 + k is symbol k.

export const MAX_SYMBOLS = 255;
/** Code 255: the next byte of the row is a literal (FORMAT.md §5.9). */
export const ESCAPE = 255;
export const MAX_SYMBOL_LENGTH = 8;
/** First id of a real symbol in a packed match; ids below are escaped bytes. */
export const SYMBOL_BASE = 256;

const HASH_BITS = 10;
const HASH_SIZE = 1 << HASH_BITS;
const HASH_MASK = HASH_SIZE - 1;

/** Masks keeping the first `len` bytes of the lo and hi words. */
const LO_MASK = Int32Array.from({ length: 9 }, (_, len) => (len >= 4 ? -1 : (1 << (8 * len)) - 1));
const HI_MASK = Int32Array.from({ length: 9 }, (_, len) => (len <= 4 ? 0 : len === 8 ? -1 : (1 << (8 * (len - 4))) - 1));

export interface SymbolTable {
  count: number;
  lo: Int32Array;
  hi: Int32Array;
  len: Uint8Array;
  /** By first byte: the 1-byte symbol, else the escape. */
  single: Uint16Array;
  /** By the first two bytes (b0 | b1 << 8): the 2-byte symbol, else 0. */
  short: Uint16Array;
  /** Symbols of 3..8 bytes, at most one per 3-byte prefix (as in the paper's lossy hash table):
   *  open addressing on the prefix; -1 = empty. */
  hashKey: Int32Array;
  hashId: Uint8Array;
}

function emptyTable(): SymbolTable {
  return {
    count: 0,
    lo: new Int32Array(MAX_SYMBOLS),
    hi: new Int32Array(MAX_SYMBOLS),
    len: new Uint8Array(MAX_SYMBOLS),
    single: new Uint16Array(256),
    short: new Uint16Array(65536),
    hashKey: new Int32Array(HASH_SIZE).fill(-1),
    hashId: new Uint8Array(HASH_SIZE),
  };
}

const hash3 = (key: number): number => Math.imul(key, 0x9e3779b1) >>> (32 - HASH_BITS);

/** Adds a symbol unless the table is full or (3+ bytes) its 3-byte prefix is taken. */
function addSymbol(t: SymbolTable, lo: number, hi: number, len: number): boolean {
  if (t.count === MAX_SYMBOLS) return false;
  if (len >= 3) {
    const key = lo & 0xffffff;
    let h = hash3(key);
    let k: number;
    while ((k = t.hashKey[h]!) !== -1) {
      if (k === key) return false;
      h = (h + 1) & HASH_MASK;
    }
    t.hashKey[h] = key;
    t.hashId[h] = t.count;
  }
  t.lo[t.count] = lo;
  t.hi[t.count] = hi;
  t.len[t.count] = len;
  t.count++;
  return true;
}

/** Fills `single` and `short` once the symbols are in. */
function finishTable(t: SymbolTable): SymbolTable {
  const { single, short } = t;
  for (let b = 0; b < 256; b++) single[b] = (b << 4) | 1;
  for (let k = 0; k < t.count; k++) {
    if (t.len[k] === 1) single[t.lo[k]!] = ((SYMBOL_BASE + k) << 4) | 1;
    else if (t.len[k] === 2) short[t.lo[k]!] = ((SYMBOL_BASE + k) << 4) | 2;
  }
  return t;
}

/** A table of the given symbols in order (for tests). As in construction, a symbol of 3+ bytes whose
 *  3-byte prefix an earlier one has is left out, so later codes shift down. */
export function tableOf(symbols: readonly Uint8Array[]): SymbolTable {
  const t = emptyTable();
  for (const s of symbols) {
    if (s.length < 1 || s.length > MAX_SYMBOL_LENGTH) throw new RangeError(`fsst symbol of ${s.length} bytes; expected 1..8`);
    let lo = 0;
    let hi = 0;
    for (let j = 0; j < s.length; j++) {
      if (j < 4) lo |= s[j]! << (8 * j);
      else hi |= s[j]! << (8 * (j - 4));
    }
    addSymbol(t, lo, hi, s.length);
  }
  return finishTable(t);
}

/**
 * The longest symbol matching at the cursor, packed `id << 4 | length`. `lo`/`hi` are the 8 bytes at
 * the cursor (bytes past the row may be anything: a symbol longer than `rem` never matches) and
 * `rem ≥ 1` is the number of bytes left in the row.
 */
export function matchAt(t: SymbolTable, lo: number, hi: number, rem: number): number {
  if (rem >= 3) {
    const key = lo & 0xffffff;
    let h = hash3(key);
    let k: number;
    while ((k = t.hashKey[h]!) !== -1) {
      if (k === key) {
        const id = t.hashId[h]!;
        const len = t.len[id]!;
        if (len <= rem && (lo & LO_MASK[len]!) === t.lo[id] && (hi & HI_MASK[len]!) === t.hi[id]) return ((SYMBOL_BASE + id) << 4) | len;
        break;
      }
      h = (h + 1) & HASH_MASK;
    }
  }
  if (rem >= 2) {
    const m = t.short[lo & 0xffff]!;
    if (m !== 0) return m;
  }
  return t.single[lo & 0xff]!;
}

/** Bytes p..p+3 of `data` as a little-endian int32, zero past `limit`. */
export function wordAt(data: Uint8Array, p: number, limit: number): number {
  let w = 0;
  for (let j = 0; j < 4 && p + j < limit; j++) w |= data[p + j]! << (8 * j);
  return w;
}

// ---- construction --------------------------------------------------------------------------------

/** Bytes of the construction sample, in pieces of at most PIECE bytes from rows spread over the chunk.
 *  (The paper samples 16 KB; 64 KB and 8 rounds instead of 5 cost ~4 ms more for a 6 MB chunk and
 *  find the rarer symbols, such as words at the end of a sentence: ~3% smaller after zstd on text.) */
const SAMPLE_BYTES = 64 * 1024;
const PIECE = 512;
const MAX_PIECES = 16 * 1024;
/** Share of the sample (out of 128) each round encodes, the last on all of it. */
const ROUNDS = [8, 25, 42, 59, 76, 93, 110, 128];
const ID_BITS = 9;
const IDS = 1 << ID_BITS; // 256 escaped bytes + up to 255 symbols

/** Counters of one round: ids 0..511 and pairs of them (index a * IDS + b), reused across builds.
 *  count2 is all zero between rounds: makeTable clears the cells listed in `pairList`. */
const count1 = new Uint32Array(IDS);
let count2 = new Uint32Array(0);
/** The count2 cells the last round made non-zero (each position adds at most two pairs). Both are
 *  allocated by the first build. */
let pairList = new Int32Array(0);
let pairsSeen = 0;
/** Sample pieces [start, end) into the chunk's data; every piece holds at least one byte. */
const sampleStarts = new Int32Array(MAX_PIECES);
const sampleEnds = new Int32Array(MAX_PIECES);

/** Picks sample pieces from rows spread evenly over the chunk; returns the number of pieces. */
function pickSample(offsets: Int32Array, n: number, starts: Int32Array, ends: Int32Array): number {
  const total = offsets[n]! - offsets[0]!;
  if (total === 0) return 0;
  const perRow = Math.max(1, Math.min(PIECE, total / n));
  const want = Math.min(n, Math.ceil(SAMPLE_BYTES / perRow));
  const step = n / want;
  let pieces = 0;
  let bytes = 0;
  for (let k = 0; k < want && bytes < SAMPLE_BYTES && pieces < MAX_PIECES; k++) {
    const i = Math.floor(k * step);
    const s = offsets[i]!;
    const e = Math.min(offsets[i + 1]!, s + PIECE);
    if (e === s) continue;
    starts[pieces] = s;
    ends[pieces] = e;
    pieces++;
    bytes += e - s;
  }
  return pieces;
}

/** Encodes the pieces picked for a round with `t`, counting ids and (unless c2 is null) pairs;
 *  returns the bytes saved. */
function countRound(
  t: SymbolTable,
  data: Uint8Array,
  view: DataView,
  starts: Int32Array,
  ends: Int32Array,
  pieces: number,
  frac: number,
  c2: Uint32Array | null,
): number {
  const limit = data.length;
  let gain = 0;
  let pairs = 0;
  for (let k = 0; k < pieces; k++) {
    if (Math.imul(k + 1, 0x9e3779b1) >>> 25 >= frac) continue;
    let p = starts[k]!;
    const end = ends[k]!;
    let prev = -1;
    while (p < end) {
      const lo = p + 8 <= limit ? view.getInt32(p, true) : wordAt(data, p, limit);
      const hi = p + 8 <= limit ? view.getInt32(p + 4, true) : wordAt(data, p + 4, limit);
      const m = matchAt(t, lo, hi, end - p);
      const id = m >>> 4;
      const len = m & 15;
      const first = lo & 0xff;
      count1[id]!++;
      // The first byte alone is counted too, so single bytes stay candidates (libfsst does the same).
      if (len > 1) count1[first]!++;
      if (prev >= 0 && c2 !== null) {
        const row = prev * IDS;
        if (c2[row + id]!++ === 0) pairList[pairs++] = row + id;
        if (len > 1 && c2[row + first]!++ === 0) pairList[pairs++] = row + first;
      }
      gain += len - (id >= SYMBOL_BASE ? 1 : 2);
      prev = id;
      p += len;
    }
  }
  pairsSeen = pairs;
  return gain;
}

/** Deduplicating candidate set keyed by the symbol's bytes; gains of equal strings add up. */
class Candidates {
  lo = new Int32Array(0);
  hi = new Int32Array(0);
  len = new Uint8Array(0);
  gain = new Float64Array(0);
  used = new Int32Array(0);
  size = 0;
  mask = 0;
  shift = 0;

  reset(max: number): void {
    let cap = 1024;
    while (cap < 2 * max) cap *= 2;
    if (this.len.length < cap) {
      this.lo = new Int32Array(cap);
      this.hi = new Int32Array(cap);
      this.len = new Uint8Array(cap);
      this.gain = new Float64Array(cap);
      this.used = new Int32Array(cap);
    } else {
      for (let j = 0; j < this.size; j++) this.len[this.used[j]!] = 0;
      cap = this.len.length;
    }
    this.size = 0;
    this.mask = cap - 1;
    this.shift = 32 - Math.log2(cap);
  }

  add(lo: number, hi: number, len: number, gain: number): void {
    let h = Math.imul(lo ^ Math.imul(hi ^ len, 0x85ebca6b), 0x9e3779b1) >>> this.shift;
    let l: number;
    while ((l = this.len[h]!) !== 0) {
      if (l === len && this.lo[h] === lo && this.hi[h] === hi) {
        this.gain[h]! += gain;
        return;
      }
      h = (h + 1) & this.mask;
    }
    this.lo[h] = lo;
    this.hi[h] = hi;
    this.len[h] = len;
    this.gain[h] = gain;
    this.used[this.size++] = h;
  }
}

const cands = new Candidates();

/** The symbol of id a (an escaped byte or a symbol of t), into symLo/symHi/symLen at slot j. */
function symbolOf(t: SymbolTable, a: number, j: number): void {
  if (a < SYMBOL_BASE) {
    symLo[j] = a;
    symHi[j] = 0;
    symLen[j] = 1;
  } else {
    symLo[j] = t.lo[a - SYMBOL_BASE]!;
    symHi[j] = t.hi[a - SYMBOL_BASE]!;
    symLen[j] = t.len[a - SYMBOL_BASE]!;
  }
}

const symLo = new Int32Array(2);
const symHi = new Int32Array(2);
const symLen = new Uint8Array(2);

/** The new table from a round's counts (and, unless c2 is null, its pairs): candidates by gain,
 *  highest first, until 255 fit. */
function makeTable(t: SymbolTable, c2: Uint32Array | null, frac: number): SymbolTable {
  const ids = SYMBOL_BASE + t.count;
  const minCount = (5 * frac) / 128; // rare candidates only add noise (libfsst's threshold)
  const pairs = c2 === null ? 0 : pairsSeen;
  cands.reset(ids + pairs);
  for (let a = 0; a < ids; a++) {
    const n1 = count1[a]!;
    if (n1 === 0) continue;
    symbolOf(t, a, 0);
    // Single bytes count 8 times: a code for a frequent byte avoids escapes (libfsst's heuristic).
    const g1 = n1 * (symLen[0] === 1 ? 8 : symLen[0]!);
    if (g1 >= minCount) cands.add(symLo[0]!, symHi[0]!, symLen[0]!, g1);
  }
  for (let j = 0; j < pairs; j++) {
    const cell = pairList[j]!;
    const n2 = c2![cell]!;
    c2![cell] = 0;
    if (n2 < minCount) continue;
    symbolOf(t, cell >>> ID_BITS, 0);
    symbolOf(t, cell & (IDS - 1), 1);
    const len1 = symLen[0]!;
    if (len1 === MAX_SYMBOL_LENGTH) continue;
    const lo1 = symLo[0]!;
    const hi1 = symHi[0]!;
    const lo2 = symLo[1]!;
    const hi2 = symHi[1]!;
    const len = Math.min(MAX_SYMBOL_LENGTH, len1 + symLen[1]!);
    const bits = 8 * len1;
    let lo: number;
    let hi: number;
    if (bits < 32) {
      lo = lo1 | (lo2 << bits);
      hi = hi1 | (lo2 >>> (32 - bits)) | (hi2 << bits);
    } else {
      lo = lo1;
      hi = bits === 32 ? lo2 : hi1 | (lo2 << (bits - 32));
    }
    cands.add(lo & LO_MASK[len]!, hi & HI_MASK[len]!, len, n2 * len);
  }
  // Order by gain, then by slot (deterministic): one numeric sort of packed keys.
  const order = new Float64Array(cands.size);
  for (let j = 0; j < cands.size; j++) {
    const h = cands.used[j]!;
    order[j] = -cands.gain[h]! * 2 ** 21 + h;
  }
  order.sort();
  const next = emptyTable();
  for (let j = 0; j < order.length && next.count < MAX_SYMBOLS; j++) {
    const h = order[j]! - Math.floor(order[j]! / 2 ** 21) * 2 ** 21;
    addSymbol(next, cands.lo[h]!, cands.hi[h]!, cands.len[h]!);
  }
  return finishTable(next);
}

/** Builds a symbol table for rows [0, n) from a sample of at most 64 KB of them. */
export function buildSymbolTable(offsets: Int32Array, data: Uint8Array, n: number): SymbolTable {
  const pieces = pickSample(offsets, n, sampleStarts, sampleEnds);
  if (count2.length === 0) {
    count2 = new Uint32Array(IDS * IDS);
    pairList = new Int32Array(2 * (SAMPLE_BYTES + PIECE));
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let t = finishTable(emptyTable());
  let best = t;
  let bestGain = -Infinity;
  const bestCount1 = new Uint32Array(IDS);
  for (const frac of ROUNDS) {
    count1.fill(0);
    const last = frac >= 128;
    const gain = countRound(t, data, view, sampleStarts, sampleEnds, pieces, frac, last ? null : count2);
    if (gain >= bestGain) {
      best = t;
      bestGain = gain;
      bestCount1.set(count1);
    }
    if (last) break;
    t = makeTable(t, count2, frac);
  }
  // The final table keeps the best round's symbols by their own counts, without new pairs.
  count1.set(bestCount1);
  return makeTable(best, null, 128);
}
