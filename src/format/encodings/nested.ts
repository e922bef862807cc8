// Nested blocks (FORMAT.md §5): one byte, the encoding's index in ENCODINGS, then that encoding's
// payload. This module also dispatches an encoding name to its encoder and decoder, for the top-level
// payload (depth 0) and for nested blocks alike, and enforces the reader's depth limit of 3.

import { ENCODINGS, type Encoding } from '../constants.js';
import type { Values } from '../column.js';
import type { ByteReader, ByteWriter } from '../cursor.js';
import { NCFError, check, unsupported } from '../errors.js';
import type { DataType } from '../schema.js';
import { decodeBss, encodeBss } from './bss.js';
import { decodeDecimal, encodeDecimal } from './decimal.js';
import { decodeDelta, encodeDelta } from './delta.js';
import { buildDict, decodeDict, encodeDict } from './dict.js';
import { decodeFor, encodeFor } from './for.js';
import { decodeFsst, encodeFsst } from './fsst.js';
import { decodePlain, encodePlain } from './plain.js';
import { decodeRle, encodeRle } from './rle.js';
import type { IntStats } from './scan.js';
import { planEncoding, type Plan } from './select.js';
import { MAX_DEPTH, applies, fixedOf } from './types.js';

/** Writes `values` with the plan's encoding (no index byte). */
export function encodeWith(
  plan: Pick<Plan, 'encoding' | 'stats' | 'dict' | 'decimal' | 'fsst'>,
  type: DataType,
  values: Values,
  n: number,
  w: ByteWriter,
  depth: number,
): void {
  if (!applies(plan.encoding, type)) {
    throw new NCFError('STATE', `ncf: encoding ${plan.encoding} does not apply to type ${type}`);
  }
  switch (plan.encoding) {
    case 'plain':
      return encodePlain(type, values, n, w, depth);
    case 'dict':
      return encodeDict(type, n, w, depth, plan.dict ?? buildDict(type, values, n, null, Infinity)!);
    case 'rle':
      return encodeRle(type, fixedOf(type, values), n, w, depth, plan.stats);
    case 'for':
      return encodeFor(type, fixedOf(type, values), n, w, plan.stats);
    case 'delta':
      return encodeDelta(type, fixedOf(type, values), n, w, plan.stats);
    case 'bss':
      return encodeBss(type, fixedOf(type, values), n, w);
    case 'decimal':
      return encodeDecimal(type, fixedOf(type, values), n, w, depth, plan.decimal);
    case 'fsst':
      return encodeFsst(type, values, n, w, depth, plan.fsst);
  }
}

/** Reads one payload of n values of `type` in `encoding` (no index byte). */
export function decodeWith(encoding: Encoding, type: DataType, r: ByteReader, n: number, depth: number): Values {
  if (!(ENCODINGS as readonly string[]).includes(encoding)) {
    throw unsupported(`${r.what}: unknown encoding "${String(encoding)}"; this reader knows ${ENCODINGS.join(', ')}`, { encoding });
  }
  check(applies(encoding, type), `${r.what}: encoding ${encoding} does not apply to type ${type}`);
  switch (encoding) {
    case 'plain':
      return decodePlain(type, r, n, depth);
    case 'dict':
      return decodeDict(type, r, n, depth);
    case 'rle':
      return { kind: 'fixed', data: decodeRle(type, r, n, depth) };
    case 'for':
      return { kind: 'fixed', data: decodeFor(type, r, n) };
    case 'delta':
      return { kind: 'fixed', data: decodeDelta(type, r, n) };
    case 'bss':
      return { kind: 'fixed', data: decodeBss(type, r, n) };
    case 'decimal':
      return { kind: 'fixed', data: decodeDecimal(type, r, n, depth) };
    case 'fsst':
      return decodeFsst(type, r, n, depth);
  }
}

/** Writes a nested block at `depth` (≥ 1): the chosen encoding's index byte and its payload. */
export function writeNested(w: ByteWriter, type: DataType, values: Values, n: number, depth: number, stats?: IntStats): void {
  if (depth > MAX_DEPTH) throw new NCFError('STATE', `ncf: nested block at depth ${depth} exceeds the limit of ${MAX_DEPTH}`);
  const plan = planEncoding(type, values, n, null, depth, stats);
  w.u8(ENCODINGS.indexOf(plan.encoding));
  encodeWith(plan, type, values, n, w, depth);
}

/** Reads a nested block at `depth` (≥ 1) holding n values of `type`. */
export function readNested(type: DataType, r: ByteReader, n: number, depth: number): Values {
  check(depth <= MAX_DEPTH, `${r.what}: nested block at depth ${depth} exceeds the limit of ${MAX_DEPTH}`);
  const index = r.u8();
  const encoding = ENCODINGS[index];
  if (encoding === undefined) {
    throw unsupported(
      `${r.what}: nested block uses encoding index ${index}; this reader knows 0..${ENCODINGS.length - 1} (${ENCODINGS.join(', ')})`,
      { encoding: index },
    );
  }
  return decodeWith(encoding, type, r, n, depth);
}
