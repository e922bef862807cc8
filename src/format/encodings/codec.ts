// The shape of one value encoding (FORMAT.md §5) as the registry (registry.ts) holds it, and the
// nested-block service an encoding is handed when its payload holds nested blocks. Encodings never
// import the dispatcher (nested.ts): it passes itself in as `nest`, so the layouts form no import cycle.

import type { Values } from '../column.js';
import type { ByteReader, ByteWriter } from '../cursor.js';
import type { DataType, Physical } from '../schema.js';
import type { IntStats } from './scan.js';

/** Writes and reads nested blocks (an index byte, then that encoding's payload) at a given depth. */
export interface Nest {
  /** Chooses an encoding for `values` and writes it as a nested block at `depth` (≥ 1). */
  write(w: ByteWriter, type: DataType, values: Values, n: number, depth: number, stats?: IntStats): void;
  /** Reads a nested block at `depth` (≥ 1) holding n values of `type`. */
  read(type: DataType, r: ByteReader, n: number, depth: number): Values;
  /** The name of the encoding of the nested block starting at r.offset, without consuming it (undefined if none). */
  peek(r: ByteReader): string | undefined;
}

/**
 * One value encoding: its name (its position in the registry is its on-disk index), which physical
 * types it applies to, and its layout. `plan` carries what the selector measured (select.ts Plan);
 * each encoding declares the part it reads as P, so the dispatcher's call is checked against all.
 */
export interface ValueEncoding<Name extends string = string, P = object> {
  readonly name: Name;
  applies(physical: Physical): boolean;
  /** Writes n values (no index byte) at `depth` (0 for the top payload). */
  encode(type: DataType, values: Values, n: number, w: ByteWriter, depth: number, plan: P, nest: Nest): void;
  /** Reads one payload of n values (no index byte), advancing r past it. */
  decode(type: DataType, r: ByteReader, n: number, depth: number, nest: Nest): Values;
}

/** Reads a nested block of n uint32 values (lengths, indices, run lengths). */
export function readLengths(nest: Nest, r: ByteReader, n: number, depth: number): Uint32Array {
  return (nest.read('uint32', r, n, depth) as { kind: 'fixed'; data: Uint32Array }).data;
}
