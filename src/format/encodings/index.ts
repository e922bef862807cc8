// The value encodings of FORMAT.md §5: choosing one for a chunk, encoding with a named one, and
// decoding a payload. Layouts live one per file (plain, dict, rle, for, delta, bss, decimal, fsst), each
// exporting a ValueEncoding (codec.ts) listed in registry.ts; nested blocks and dispatch in nested.ts;
// the choice in select.ts.

import type { Values } from '../column.js';
import { ByteWriter, type ByteReader } from '../cursor.js';
import { NCFError } from '../errors.js';
import type { DataType } from '../schema.js';
import { applies, decodeWith, encodeWith } from './nested.js';
import type { Encoding } from './registry.js';
import { planEncoding, type ColumnHint } from './select.js';
import { checkValues } from './types.js';

export { ENCODINGS, VALUE_ENCODINGS, type Encoding } from './registry.js';
export type { ColumnHint } from './select.js';

export interface EncodedValues {
  encoding: Encoding;
  bytes: Uint8Array;
  /** exact distinct count of VALID values, when known (dict) */
  distinct?: number;
  /** What the choice learned about the column, to pass as `hint` for its next chunk. */
  learned?: ColumnHint;
}

/** Chooses the encoding that makes this chunk smallest (before zstd) at acceptable speed, and encodes it.
 *  `hint` (an earlier chunk's `learned`, same column) lets costly trials be re-checked instead of rerun. */
export function encodeValues(type: DataType, values: Values, n: number, validity: Uint8Array | null, hint?: ColumnHint): EncodedValues {
  checkValues(type, values, n);
  const plan = planEncoding(type, values, n, validity, 0, undefined, hint);
  const w = new ByteWriter(plan.size + 64);
  encodeWith(plan, type, values, n, w, 0);
  const out: EncodedValues = { encoding: plan.encoding, bytes: w.finish() };
  if (plan.distinct !== undefined) out.distinct = plan.distinct;
  if (plan.learned !== undefined) out.learned = plan.learned;
  return out;
}

/** Encodes with one named encoding; throws NCFError('STATE') if that encoding does not apply to the type/data (e.g. decimal on values that do not round-trip). */
export function encodeAs(encoding: Encoding, type: DataType, values: Values, n: number): Uint8Array {
  checkValues(type, values, n);
  if (!applies(encoding, type)) throw new NCFError('STATE', `ncf: encoding ${encoding} does not apply to type ${type}`);
  const w = new ByteWriter(1024);
  encodeWith({ encoding }, type, values, n, w, 0);
  return w.finish();
}

/** Decodes exactly one payload of n values from r (advancing r.offset past it). */
export function decodeValues(type: DataType, encoding: Encoding, r: ByteReader, n: number): Values {
  return decodeWith(encoding, type, r, n, 0);
}
