// Encoding selection: measures a chunk in one or two cheap passes (integer min/max, delta range and
// runs; a capped dictionary probe; a decimal probe for floats), estimates each candidate's payload
// size from those numbers instead of trial-encoding, and picks the smallest. Near-ties (within 3%)
// go to the encoding that decodes faster, in the order the candidate lists are written. Strings that
// are not a small dictionary may take `fsst`, decided by compressing a sample (fsst.ts).
//
// Writer policy for nested blocks (depth ≥ 1): no dict or rle, so nesting stays ≤ 2 levels deep.
//
// Per column, the costly trials run once and are then re-checked cheaply (ColumnHint, which the writer
// carries from an earlier chunk of the same column): a dict probe that gave up is skipped while a
// prefix of the chunk is still all but all distinct; an fsst table is reused while it codes a small
// sample about as well as when it was trained; "fsst does not pay" holds while the mean value length
// stays put. Every HINT_MAX_AGE chunks the full trial runs again.

import { popcount, type Values } from '../column.js';
import { bitLength32 } from '../int64.js';
import { byteWidthOf, physicalOf, type DataType } from '../schema.js';
import { planDecimal, type DecimalPlan } from './decimal.js';
import { buildDict, type DictBuild } from './dict.js';
import { plainSampleRatio, planFsst, recheckFsst } from './fsst.js';
import type { SymbolTable } from './fsst-table.js';
import type { Encoding } from './registry.js';
import { scanInts, type IntStats } from './scan.js';
import { MAX_DEPTH, bytesOf, fixedOf } from './types.js';

/** What the selector chose, with the measurements the encoder can reuse. */
export interface Plan {
  encoding: Encoding;
  stats?: IntStats;
  dict?: DictBuild;
  decimal?: DecimalPlan;
  fsst?: SymbolTable;
  /** Exact distinct count of valid values, when the probe learned it. */
  distinct?: number;
  /** Estimated payload size in bytes. */
  size: number;
  /** What this chunk's trials taught about the column (depth 0), for its next chunk. */
  learned?: ColumnHint;
}

/** What earlier chunks of a column taught the selector (plain data: it crosses to worker threads). */
export interface ColumnHint {
  /** The last dict probe gave up: more distinct values than its cap. */
  manyDistinct?: boolean;
  /** Bytes columns: the fsst outcome of the last full trial — the table and its code bytes per value
   *  byte, or null when fsst did not pay; absent when the chunk did not reach the fsst trial. */
  fsst?: { table: SymbolTable; ratio: number } | null;
  /** Mean value bytes of the chunk the fsst outcome was found on. */
  meanLen?: number;
  /** With fsst null: zstd bytes per value byte of a small sample of that chunk (plainSampleRatio). */
  zRatio?: number;
  /** Chunks since that full fsst trial. */
  age?: number;
}

/** Chunks a reused decision may serve before the full trial runs again. */
const HINT_MAX_AGE = 8;
/** A reused fsst table may code the re-check sample this much worse than it coded its own sample. */
const FSST_SLACK = 1.05;
/** "fsst does not pay" is reused while the mean value length and the zstd ratio of a small sample
 *  stay within these factors of the chunk it was found on. */
const LEN_DRIFT = 1.25;
const ZSTD_DRIFT = 1.15;
/** The prefix re-checked before a dict probe is skipped, and the distinct share it must reach. A
 *  4096-row prefix that is ≥ 97% distinct means tens of thousands of distinct values, beyond any cap. */
const DISTINCT_PROBE_ROWS = 4096;
const DISTINCT_SHARE = 0.97;

const within = (x: number, ref: number, factor: number): boolean => x <= ref * factor && x * factor >= ref;

/** Whether a dict probe can be skipped: the previous one gave up and this chunk's prefix is all but
 *  all distinct (chunks too small to gain from skipping always probe). */
function skipDictProbe(type: DataType, values: Values, n: number, validity: Uint8Array | null, hint: ColumnHint | undefined): boolean {
  if (hint?.manyDistinct !== true || n < 4 * DISTINCT_PROBE_ROWS) return false;
  return buildDict(type, values, DISTINCT_PROBE_ROWS, validity, Math.floor(DISTINCT_PROBE_ROWS * DISTINCT_SHARE)) === null;
}

/** Largest dictionary the selector probes for, absolute and as a share of the rows (a probe of
 *  high-cardinality data costs hashing up to that many rows before it gives up). */
const DICT_CAP = 65536;
const DICT_SHARE = 8;
/** A candidate within this factor of the smallest counts as a tie. */
const NEAR = 1.03;
/** Dictionaries decode by gather; for floats they must beat the others by this factor. */
const FLOAT_DICT_PENALTY = 1.3;

export function planEncoding(
  type: DataType,
  values: Values,
  n: number,
  validity: Uint8Array | null,
  depth: number,
  stats?: IntStats,
  hint?: ColumnHint,
): Plan {
  let plan: Plan;
  switch (physicalOf(type)) {
    case 'bool':
      plan = { encoding: 'plain', size: (n + 7) >>> 3 };
      break;
    case 'bytes':
      plan = planBytes(type, values, n, validity, depth, hint);
      break;
    case 'float':
      plan = planFloats(type, values, n, validity, depth, hint);
      break;
    default:
      plan = planInts(type, values, n, validity, depth, stats ?? scanInts(type, fixedOf(type, values), n, true), hint);
  }
  if (validity !== null && plan.distinct === undefined && popcount(validity, n) === 0) plan.distinct = 0;
  return plan;
}

interface Candidate {
  encoding: Encoding;
  size: number;
}

/** The first candidate (in preference order) whose size is within NEAR of the smallest. */
function pick(cands: Candidate[]): Candidate {
  let best = Infinity;
  for (const c of cands) if (c.size < best) best = c.size;
  for (const c of cands) if (c.size <= best * NEAR) return c;
  return cands[0]!;
}

const packed = (count: number, width: number): number => Math.ceil((count * width) / 8);

/** Sizes of plain, for and delta for integers with these statistics. */
function intSizes(type: DataType, s: IntStats): Candidate[] {
  const n = s.n;
  return [
    { encoding: 'plain', size: n * byteWidthOf(type) },
    { encoding: 'for', size: 9 + packed(n, s.forWidth) },
    { encoding: 'delta', size: 17 + packed(Math.max(0, n - 1), s.deltaWidth) },
  ];
}

/** The dictionary cap below which a dict could beat `bestSize` at all (index bits < bits per row). */
function dictCap(n: number, bestSize: number): number {
  const bitsPerRow = (bestSize * 8) / Math.max(1, n);
  if (bitsPerRow <= 2 || n < 16) return 0;
  return Math.min(DICT_CAP, Math.floor(n / DICT_SHARE), 2 ** Math.floor(bitsPerRow - 1));
}

function dictIndexSize(n: number, count: number): number {
  return 1 + 9 + packed(n, bitLength32(Math.max(0, count - 1)));
}

function planInts(
  type: DataType,
  values: Values,
  n: number,
  validity: Uint8Array | null,
  depth: number,
  stats: IntStats,
  hint?: ColumnHint,
): Plan {
  // A scan that gave up leaves plain (and dict) as the only candidates.
  const cands = stats.exact ? intSizes(type, stats) : [{ encoding: 'plain' as const, size: n * byteWidthOf(type) }];
  let dict: DictBuild | undefined;
  let manyDistinct = false;
  if (depth === 0) {
    const valueSize = (count: number): number => Math.min(count * byteWidthOf(type), 9 + packed(count, stats.forWidth));
    if (stats.exact && stats.runs <= n >>> 1) {
      // Run lengths are not measured; assume they vary up to twice the mean.
      const rle = 4 + 1 + valueSize(stats.runs) + 1 + 9 + packed(stats.runs, bitLength32(Math.ceil((2 * n) / stats.runs)));
      cands.push({ encoding: 'rle', size: rle });
    }
    const cap = dictCap(n, pick(cands).size);
    if (cap > 1) {
      if (!skipDictProbe(type, values, n, validity, hint)) dict = buildDict(type, values, n, validity, cap) ?? undefined;
      manyDistinct = dict === undefined;
      if (dict !== undefined && dict.count > 0) {
        const size = 4 + 1 + valueSize(dict.count) + dictIndexSize(n, dict.count);
        cands.splice(stats.exact ? 3 : 1, 0, { encoding: 'dict', size });
      }
    }
  }
  const c = pick(cands);
  const plan: Plan = { encoding: c.encoding, size: c.size };
  if (depth === 0) plan.learned = { manyDistinct };
  if (stats.exact) plan.stats = stats;
  if (dict !== undefined) {
    plan.distinct = dict.count;
    if (c.encoding === 'dict') plan.dict = dict;
  }
  return plan;
}

function planFloats(type: DataType, values: Values, n: number, validity: Uint8Array | null, depth: number, hint?: ColumnHint): Plan {
  const a = fixedOf(type, values);
  const width = byteWidthOf(type);
  const cands: Candidate[] = [{ encoding: 'bss', size: n * width }];
  let decimal: DecimalPlan | undefined;
  if (depth < MAX_DEPTH && n > 0) {
    decimal = planDecimal(type, a, n) ?? undefined;
    if (decimal !== undefined) {
      const sizes = intSizes('int64', decimal.stats);
      cands.push({ encoding: 'decimal', size: 2 + pick(sizes).size });
    }
  }
  let dict: DictBuild | undefined;
  let manyDistinct = false;
  if (depth === 0) {
    const cap = dictCap(n, pick(cands).size / FLOAT_DICT_PENALTY);
    if (cap > 1) {
      if (!skipDictProbe(type, values, n, validity, hint)) dict = buildDict(type, values, n, validity, cap) ?? undefined;
      manyDistinct = dict === undefined;
      if (dict !== undefined && dict.count > 0) {
        const size = 4 + 1 + dict.count * width + dictIndexSize(n, dict.count);
        cands.push({ encoding: 'dict', size: size * FLOAT_DICT_PENALTY });
      }
    }
  }
  const c = pick(cands);
  const plan: Plan = { encoding: c.encoding, size: c.size };
  if (depth === 0) plan.learned = { manyDistinct };
  if (c.encoding === 'decimal') plan.decimal = decimal;
  if (dict !== undefined) {
    plan.distinct = dict.count;
    if (c.encoding === 'dict') plan.dict = dict;
  }
  return plan;
}

function planBytes(type: DataType, values: Values, n: number, validity: Uint8Array | null, depth: number, hint?: ColumnHint): Plan {
  const { offsets, data } = bytesOf(type, values);
  let minLen = Infinity;
  let maxLen = 0;
  for (let i = 0; i < n; i++) {
    const len = offsets[i + 1]! - offsets[i]!;
    if (len < minLen) minLen = len;
    if (len > maxLen) maxLen = len;
  }
  const lenWidth = n > 0 ? bitLength32(maxLen - minLen) : 0;
  const total = offsets[n]! - offsets[0]!;
  const plain: Candidate = { encoding: 'plain', size: 1 + 9 + packed(n, lenWidth) + total };
  if (depth > 0) return plain;
  let distinct: number | undefined;
  let manyDistinct = false;
  if (n >= 16) {
    const dict = skipDictProbe(type, values, n, validity, hint)
      ? null
      : buildDict(type, values, n, validity, Math.min(DICT_CAP, Math.floor(n / DICT_SHARE)));
    manyDistinct = dict === null;
    if (dict !== null) {
      distinct = dict.count;
      if (dict.count > 0) {
        const dOff = dict.values.kind === 'bytes' ? dict.values.offsets : new Int32Array(1);
        const dictSize = 4 + 1 + 1 + 9 + packed(dict.count, lenWidth) + dOff[dict.count]! + dictIndexSize(n, dict.count);
        const c = pick([plain, { encoding: 'dict', size: dictSize }]);
        if (c.encoding === 'dict') return { ...c, dict, distinct, learned: { manyDistinct } };
      }
    }
  }
  // Low cardinality stays dict; otherwise fsst when a compressed sample says it pays (or an earlier
  // chunk's outcome still holds).
  const meanLen = total / Math.max(1, n);
  const learned: ColumnHint = { manyDistinct, meanLen, age: 0 };
  const age = (hint?.age ?? 0) + 1;
  let chosen: Plan | undefined;
  if (hint?.fsst !== undefined && age < HINT_MAX_AGE) {
    if (hint.fsst !== null) {
      const again = recheckFsst(offsets, data, n, hint.fsst.table, hint.fsst.ratio, FSST_SLACK);
      if (again !== null) {
        chosen = { encoding: 'fsst', size: again.size, fsst: again.table };
        Object.assign(learned, { fsst: hint.fsst, meanLen: hint.meanLen, age });
      }
    } else if (hint.meanLen !== undefined && hint.zRatio !== undefined && within(meanLen, hint.meanLen, LEN_DRIFT)) {
      if (within(plainSampleRatio(offsets, data, n), hint.zRatio, ZSTD_DRIFT)) {
        chosen = plain;
        Object.assign(learned, { fsst: null, meanLen: hint.meanLen, zRatio: hint.zRatio, age });
      }
    }
  }
  if (chosen === undefined) {
    const fsst = planFsst(offsets, data, n);
    chosen = fsst === null ? plain : { encoding: 'fsst', size: fsst.size, fsst: fsst.table };
    learned.fsst = fsst === null ? null : { table: fsst.table, ratio: fsst.ratio };
    if (fsst === null) learned.zRatio = plainSampleRatio(offsets, data, n);
  }
  const out: Plan = { ...chosen, learned };
  if (distinct !== undefined) out.distinct = distinct;
  return out;
}
