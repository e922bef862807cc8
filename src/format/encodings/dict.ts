// `dict` (FORMAT.md §5.3): dictCount, a nested block of the distinct values, a nested block of n
// uint32 indices. The dictionary is built from valid rows only, in first-seen order, with an
// open-addressing hash table over the values' bits (floats stay bit-exact; −0 ≠ +0, NaN payloads are
// distinct), so dictCount is the exact distinct count of valid values; null slots point at the
// previous valid row's entry. Building gives up past a cap so the selector can probe cheaply.

import { allocFixed, type DictCodes, type FixedArray, type Values } from '../column.js';
import type { ByteReader, ByteWriter } from '../cursor.js';
import { NCFError, check } from '../errors.js';
import { physicalOf, type DataType } from '../schema.js';
import { readLengths, type Nest, type ValueEncoding } from './codec.js';
import { MAX_BYTES_LENGTH } from './plain.js';
import { bitsView, bytesOf, fixedOf, isWide } from './types.js';

export interface DictBuild {
  /** Number of distinct valid values (0 when every row is null). */
  count: number;
  /** The `count` distinct values in first-seen order. */
  values: Values;
  /** Per row: index into `values` (an Int32Array for monomorphic scans; indices are < 2^31). */
  indices: Int32Array;
}

/** Builds the dictionary of rows [0, n), or returns null as soon as more than `cap` distinct values appear. */
export function buildDict(type: DataType, values: Values, n: number, validity: Uint8Array | null, cap: number): DictBuild | null {
  const limit = Math.max(0, Math.min(cap, n));
  if (physicalOf(type) === 'bytes') return buildBytes(bytesOf(type, values), n, validity, limit);
  const a = fixedOf(type, values);
  return isWide(type) ? buildWide(type, a, n, validity, limit) : buildNarrow(type, a, n, validity, limit);
}

let scratchIndices = new Int32Array(0);

/** Indices are gathered in a reused buffer and copied out only when the build succeeds, so a probe
 *  that gives up allocates nothing of size n. */
function indexScratch(n: number): Int32Array {
  if (scratchIndices.length < n) scratchIndices = new Int32Array(Math.max(n, Math.min(2 * scratchIndices.length, 1 << 22)));
  return scratchIndices;
}

function tableSize(limit: number): number {
  let size = 16;
  while (size < limit * 2) size *= 2;
  return size;
}

const isNull = (validity: Uint8Array, i: number): boolean => ((validity[i >>> 3]! >>> (i & 7)) & 1) === 0;

function buildNarrow(type: DataType, a: FixedArray, n: number, validity: Uint8Array | null, limit: number): DictBuild | null {
  const bits = bitsView(a);
  const size = tableSize(limit);
  const shift = 32 - Math.log2(size);
  const mask = size - 1;
  const table = new Int32Array(size); // entry index + 1; 0 = empty
  const keys = new Int32Array(limit);
  const indices = indexScratch(n);
  let count = 0;
  let last = 0;
  for (let i = 0; i < n; i++) {
    if (validity !== null && isNull(validity, i)) {
      indices[i] = last;
      continue;
    }
    const k = bits[i]!;
    let h = Math.imul(k, 0x9e3779b1) >>> shift;
    let e: number;
    while ((e = table[h]!) !== 0 && keys[e - 1] !== k) h = (h + 1) & mask;
    if (e === 0) {
      if (count === limit) return null;
      keys[count] = k;
      e = table[h] = ++count;
    }
    indices[i] = last = e - 1;
  }
  const dict = allocFixed(type, count);
  const out = bitsView(dict);
  for (let j = 0; j < count; j++) out[j] = keys[j]!;
  return { count, values: { kind: 'fixed', data: dict }, indices: indices.slice(0, n) };
}

function buildWide(type: DataType, a: FixedArray, n: number, validity: Uint8Array | null, limit: number): DictBuild | null {
  const w = bitsView(a) as Int32Array;
  const size = tableSize(limit);
  const shift = 32 - Math.log2(size);
  const mask = size - 1;
  const table = new Int32Array(size);
  const keys = new Int32Array(2 * limit);
  const indices = indexScratch(n);
  let count = 0;
  let last = 0;
  for (let i = 0; i < n; i++) {
    if (validity !== null && isNull(validity, i)) {
      indices[i] = last;
      continue;
    }
    const lo = w[2 * i]!;
    const hi = w[2 * i + 1]!;
    let h = Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> shift;
    let e: number;
    while ((e = table[h]!) !== 0 && (keys[2 * e - 2] !== lo || keys[2 * e - 1] !== hi)) h = (h + 1) & mask;
    if (e === 0) {
      if (count === limit) return null;
      keys[2 * count] = lo;
      keys[2 * count + 1] = hi;
      e = table[h] = ++count;
    }
    indices[i] = last = e - 1;
  }
  const dict = allocFixed(type, count);
  (bitsView(dict) as Int32Array).set(keys.subarray(0, 2 * count));
  return { count, values: { kind: 'fixed', data: dict }, indices: indices.slice(0, n) };
}

function buildBytes(v: { offsets: Int32Array; data: Uint8Array }, n: number, validity: Uint8Array | null, limit: number): DictBuild | null {
  const { offsets, data } = v;
  const size = tableSize(limit);
  const shift = 32 - Math.log2(size);
  const mask = size - 1;
  const table = new Int32Array(size);
  const starts = new Int32Array(limit);
  const lens = new Int32Array(limit);
  const indices = indexScratch(n);
  let count = 0;
  let last = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    if (validity !== null && isNull(validity, i)) {
      indices[i] = last;
      continue;
    }
    const s = offsets[i]!;
    const len = offsets[i + 1]! - s;
    let h = 0x811c9dc5 ^ len;
    for (let j = s; j < s + len; j++) h = Math.imul(h ^ data[j]!, 0x01000193);
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
    h = (h ^ (h >>> 12)) >>> shift;
    let e: number;
    while ((e = table[h]!) !== 0 && !sameBytes(data, starts[e - 1]!, lens[e - 1]!, s, len)) h = (h + 1) & mask;
    if (e === 0) {
      if (count === limit) return null;
      starts[count] = s;
      lens[count] = len;
      total += len;
      e = table[h] = ++count;
    }
    indices[i] = last = e - 1;
  }
  const dictOffsets = new Int32Array(count + 1);
  const dictData = new Uint8Array(total);
  let at = 0;
  for (let j = 0; j < count; j++) {
    const s = starts[j]!;
    const len = lens[j]!;
    if (len > 32) dictData.set(data.subarray(s, s + len), at);
    else for (let k = 0; k < len; k++) dictData[at + k] = data[s + k]!;
    at += len;
    dictOffsets[j + 1] = at;
  }
  return { count, values: { kind: 'bytes', offsets: dictOffsets, data: dictData }, indices: indices.slice(0, n) };
}

function sameBytes(data: Uint8Array, s1: number, len1: number, s2: number, len2: number): boolean {
  if (len1 !== len2) return false;
  for (let k = 0; k < len1; k++) if (data[s1 + k] !== data[s2 + k]) return false;
  return true;
}

export function encodeDict(type: DataType, n: number, w: ByteWriter, depth: number, build: DictBuild, nest: Nest): void {
  if (build.count === 0 && n > 0) {
    throw new NCFError('STATE', `ncf: dict cannot encode ${n} ${type} rows that are all null (no dictionary values)`);
  }
  w.u32(build.count);
  nest.write(w, type, build.values, build.count, depth + 1);
  nest.write(w, 'uint32', { kind: 'fixed', data: build.indices }, n, depth + 1);
}

/** A dictionary payload read and checked: the entries and one index per row (each < entries). */
function readDictParts(type: DataType, r: ByteReader, n: number, depth: number, nest: Nest): { dict: Values; indices: Uint32Array } {
  const count = r.u32();
  // Every entry is some row's value (FORMAT.md §5.3: distinct = dictCount), so count ≤ n bounds the
  // dictionary's allocation by the trusted row count, whatever the payload claims.
  check(count <= n && (count > 0 || n === 0), `${r.what}: dict has ${count} entries for ${n} rows; expected 1..${n}`);
  const dict = nest.read(type, r, count, depth + 1);
  const indices = readLengths(nest, r, n, depth + 1);
  let max = 0;
  for (let i = 0; i < n; i++) if (indices[i]! > max) max = indices[i]!;
  check(n === 0 || max < count, `${r.what}: dict index ${max} is out of range for ${count} entries`);
  return { dict, indices };
}

/** Decodes a `dict` payload of a bytes type without expanding it: no per-row strings are built.
 *  Codes are < entries ≤ n < 2^31, so the uint32 indices are reinterpreted in place as int32. */
export function decodeDictCodes(type: DataType, r: ByteReader, n: number, depth: number, nest: Nest): DictCodes {
  const { dict, indices } = readDictParts(type, r, n, depth, nest);
  if (dict.kind !== 'bytes') throw new NCFError('STATE', `ncf: dict codes apply to string and binary chunks, not ${type}`);
  return { codes: new Int32Array(indices.buffer, indices.byteOffset, n), dict };
}

/** The rows a DictCodes stands for, as plain bytes values (what decodeDict returns). */
export function expandDictCodes(d: DictCodes, n: number, what: string): Values {
  return gatherBytes(d.dict, d.codes, n, what);
}

export function decodeDict(type: DataType, r: ByteReader, n: number, depth: number, nest: Nest): Values {
  const { dict, indices } = readDictParts(type, r, n, depth, nest);
  if (dict.kind === 'bytes') return gatherBytes(dict, indices, n, r.what);
  if (dict.kind !== 'fixed') throw new NCFError('STATE', `ncf: dict cannot hold ${type} values`);
  const out = allocFixed(type, n);
  if (isWide(type)) {
    const d = bitsView(dict.data) as Int32Array;
    const o = bitsView(out) as Int32Array;
    for (let i = 0; i < n; i++) {
      const k = 2 * indices[i]!;
      o[2 * i] = d[k]!;
      o[2 * i + 1] = d[k + 1]!;
    }
  } else {
    const d = bitsView(dict.data);
    const o = bitsView(out);
    for (let i = 0; i < n; i++) o[i] = d[indices[i]!]!;
  }
  return { kind: 'fixed', data: out };
}

function gatherBytes(dict: { offsets: Int32Array; data: Uint8Array }, indices: Uint32Array | Int32Array, n: number, what: string): Values {
  const { offsets: dOff, data: dData } = dict;
  const count = dOff.length - 1;
  const lens = new Int32Array(count);
  let maxLen = 0;
  for (let k = 0; k < count; k++) {
    lens[k] = dOff[k + 1]! - dOff[k]!;
    if (lens[k]! > maxLen) maxLen = lens[k]!;
  }
  const offsets = new Int32Array(n + 1);
  let total = 0; // only grows, so once past the limit it stays past it (see plain.ts)
  for (let i = 0; i < n; i++) {
    total += lens[indices[i]!]!;
    offsets[i + 1] = total;
  }
  check(total <= MAX_BYTES_LENGTH, `${what}: dict expands to ${total} bytes, more than the ${MAX_BYTES_LENGTH} a column slice can hold`);
  if (maxLen <= 8) return { kind: 'bytes', offsets, data: gatherShort(dOff, dData, lens, indices, n, total) };
  const data = new Uint8Array(total);
  for (let i = 0; i < n; i++) {
    const k = indices[i]!;
    const s = dOff[k]!;
    const len = lens[k]!;
    const at = offsets[i]!;
    if (len > 32) data.set(dData.subarray(s, s + len), at);
    else for (let j = 0; j < len; j++) data[at + j] = dData[s + j]!;
  }
  return { kind: 'bytes', offsets, data };
}

/** Entries of ≤ 8 bytes: each row is two (unaligned) 32-bit stores of the entry zero-padded, then
 *  the cursor advances by its true length, so later rows overwrite the padding. */
function gatherShort(
  dOff: Int32Array,
  dData: Uint8Array,
  lens: Int32Array,
  indices: Uint32Array | Int32Array,
  n: number,
  total: number,
): Uint8Array {
  const count = lens.length;
  const padded = new Uint8Array(8 * count);
  for (let k = 0; k < count; k++) padded.set(dData.subarray(dOff[k]!, dOff[k + 1]!), 8 * k);
  const words = new Int32Array(padded.buffer);
  const out = new ArrayBuffer(total + 8);
  const view = new DataView(out);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const k = indices[i]!;
    view.setInt32(at, words[2 * k]!, true);
    view.setInt32(at + 4, words[2 * k + 1]!, true);
    at += lens[k]!;
  }
  return new Uint8Array(out, 0, total);
}

export const dict: ValueEncoding<'dict', { dict?: DictBuild }> = {
  name: 'dict',
  applies: (p) => p !== 'bool',
  encode: (type, values, n, w, depth, plan, nest) =>
    encodeDict(type, n, w, depth, plan.dict ?? buildDict(type, values, n, null, Infinity)!, nest),
  decode: decodeDict,
};
