// `rle` (FORMAT.md §5.4): runCount, a nested block of the run values, a nested block of the run
// lengths (each ≥ 1, summing to n). Good for sorted or clustered integer columns.

import { allocFixed, type FixedArray } from '../column.js';
import type { ByteReader, ByteWriter } from '../cursor.js';
import { NCFError, check } from '../errors.js';
import type { DataType } from '../schema.js';
import { readLengths, type Nest, type ValueEncoding } from './codec.js';
import { scanInts, type IntStats } from './scan.js';
import { bitsView, fixedOf, isWide, type BitsArray } from './types.js';

export function encodeRle(
  type: DataType,
  a: FixedArray,
  n: number,
  w: ByteWriter,
  depth: number,
  nest: Nest,
  stats: IntStats = scanInts(type, a, n),
): void {
  const runs = stats.runs;
  const runValues = allocFixed(type, runs);
  const lengths = new Int32Array(runs); // uint32 block; see plain.ts on Int32Array
  if (n > 0) {
    if (isWide(type)) collectWide(bitsView(a) as Int32Array, n, bitsView(runValues) as Int32Array, lengths);
    else collectNarrow(bitsView(a), n, bitsView(runValues), lengths);
  }
  w.u32(runs);
  nest.write(w, type, { kind: 'fixed', data: runValues }, runs, depth + 1);
  nest.write(w, 'uint32', { kind: 'fixed', data: lengths }, runs, depth + 1);
}

function collectNarrow(src: BitsArray, n: number, vals: BitsArray, lengths: Int32Array): void {
  let r = 0;
  let start = 0;
  let cur = src[0]!;
  for (let i = 1; i < n; i++) {
    const v = src[i]!;
    if (v !== cur) {
      vals[r] = cur;
      lengths[r++] = i - start;
      start = i;
      cur = v;
    }
  }
  vals[r] = cur;
  lengths[r] = n - start;
}

function collectWide(src: Int32Array, n: number, vals: Int32Array, lengths: Int32Array): void {
  let r = 0;
  let start = 0;
  let lo = src[0]!;
  let hi = src[1]!;
  for (let i = 1; i < n; i++) {
    const l = src[2 * i]!;
    const h = src[2 * i + 1]!;
    if (l !== lo || h !== hi) {
      vals[2 * r] = lo;
      vals[2 * r + 1] = hi;
      lengths[r++] = i - start;
      start = i;
      lo = l;
      hi = h;
    }
  }
  vals[2 * r] = lo;
  vals[2 * r + 1] = hi;
  lengths[r] = n - start;
}

export function decodeRle(type: DataType, r: ByteReader, n: number, depth: number, nest: Nest): FixedArray {
  const runs = r.u32();
  // Every run holds at least one row, so runs ≤ n bounds the nested blocks' allocations.
  check(runs <= n, `${r.what}: rle has ${runs} runs for ${n} rows`);
  const vals = nest.read(type, r, runs, depth + 1);
  if (vals.kind !== 'fixed') throw new NCFError('STATE', `ncf: rle cannot hold ${type} values`);
  const lengths = readLengths(nest, r, runs, depth + 1);
  let sum = 0;
  for (let k = 0; k < runs; k++) {
    const len = lengths[k]!;
    check(len >= 1 && sum + len <= n, `${r.what}: rle run ${k} has length ${len}; runs so far cover ${sum} of ${n} rows`);
    sum += len;
  }
  check(sum === n, `${r.what}: rle runs cover ${sum} rows, expected ${n}`);
  const out = allocFixed(type, n);
  let at = 0;
  if (isWide(type)) {
    const v = bitsView(vals.data) as Int32Array;
    const o = bitsView(out) as Int32Array;
    for (let k = 0; k < runs; k++) {
      const lo = v[2 * k]!;
      const hi = v[2 * k + 1]!;
      const end = at + lengths[k]!;
      for (; at < end; at++) {
        o[2 * at] = lo;
        o[2 * at + 1] = hi;
      }
    }
  } else {
    const v = bitsView(vals.data);
    const o = bitsView(out);
    for (let k = 0; k < runs; k++) {
      const len = lengths[k]!;
      if (len < 16) for (let j = 0; j < len; j++) o[at + j] = v[k]!;
      else o.fill(v[k]!, at, at + len);
      at += len;
    }
  }
  return out;
}

export const rle: ValueEncoding<'rle', { stats?: IntStats }> = {
  name: 'rle',
  applies: (p) => p === 'int',
  encode: (type, values, n, w, depth, plan, nest) => encodeRle(type, fixedOf(type, values), n, w, depth, nest, plan.stats),
  decode: (type, r, n, depth, nest) => ({ kind: 'fixed', data: decodeRle(type, r, n, depth, nest) }),
};
