// Dispatch from an encoding name to its registry row (registry.ts), for the top-level payload
// (depth 0) and for nested blocks (FORMAT.md §5): one byte, the encoding's index in ENCODINGS, then
// that encoding's payload. Enforces the reader's depth limit of 3. Encodings that hold nested blocks
// get NEST (this module's write/read) as an argument instead of importing it, so nothing here is
// imported back.

import type { Values } from '../column.js';
import type { ByteReader, ByteWriter } from '../cursor.js';
import { NCFError, check, unsupported } from '../errors.js';
import { physicalOf, type DataType } from '../schema.js';
import type { Nest } from './codec.js';
import { ENCODINGS, encodingNamed, type Encoding } from './registry.js';
import type { IntStats } from './scan.js';
import { planEncoding, type Plan } from './select.js';
import { MAX_DEPTH } from './types.js';

/** Whether `encoding` may encode values of `type` (FORMAT.md §5 table). */
export function applies(encoding: Encoding, type: DataType): boolean {
  return encodingNamed(encoding)?.applies(physicalOf(type)) ?? false;
}

/** Writes `values` with the plan's encoding (no index byte). */
export function encodeWith(
  plan: Pick<Plan, 'encoding' | 'stats' | 'dict' | 'decimal' | 'fsst'>,
  type: DataType,
  values: Values,
  n: number,
  w: ByteWriter,
  depth: number,
): void {
  const encoding = encodingNamed(plan.encoding);
  if (encoding === undefined || !encoding.applies(physicalOf(type))) {
    throw new NCFError('STATE', `ncf: encoding ${plan.encoding} does not apply to type ${type}`);
  }
  encoding.encode(type, values, n, w, depth, plan, NEST);
}

/** Reads one payload of n values of `type` in `encoding` (no index byte). */
export function decodeWith(name: Encoding, type: DataType, r: ByteReader, n: number, depth: number): Values {
  const encoding = encodingNamed(name);
  if (encoding === undefined) {
    throw unsupported(`${r.what}: unknown encoding "${String(name)}"; this reader knows ${ENCODINGS.join(', ')}`, { encoding: name });
  }
  check(encoding.applies(physicalOf(type)), `${r.what}: encoding ${name} does not apply to type ${type}`);
  return encoding.decode(type, r, n, depth, NEST);
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

/** The encoding named by the next nested block's index byte, not consumed (undefined at the end or for an unknown index). */
function peekNested(r: ByteReader): Encoding | undefined {
  return r.remaining > 0 ? ENCODINGS[r.bytes[r.offset]!] : undefined;
}

/** What an encoding with nested blocks is handed to write and read them. */
export const NEST: Nest = { write: writeNested, read: readNested, peek: peekNested };
