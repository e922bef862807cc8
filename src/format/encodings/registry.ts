// The registry of value encodings (FORMAT.md §5): one row per encoding, in on-disk order. A row's
// position is the encoding's index byte in nested blocks, and its name is what a chunk's footer entry
// records, so rows are only ever appended. Adding an encoding is one file exporting a ValueEncoding
// (codec.ts) and one row here (plus, if the writer should pick it by itself, a candidate in select.ts).

import { bss } from './bss.js';
import type { ValueEncoding } from './codec.js';
import { decimal } from './decimal.js';
import { delta } from './delta.js';
import { dict } from './dict.js';
import { forEncoding } from './for.js';
import { fsst } from './fsst.js';
import { plain } from './plain.js';
import { rle } from './rle.js';

export const VALUE_ENCODINGS = [plain, dict, rle, forEncoding, delta, bss, decimal, fsst] as const;

export type Encoding = (typeof VALUE_ENCODINGS)[number]['name'];
export type AnyValueEncoding = (typeof VALUE_ENCODINGS)[number];

/** The names of a tuple of rows, as a tuple (a mapped type over a type parameter keeps tuples). */
type Names<T extends readonly { name: string }[]> = { readonly [K in keyof T]: T[K]['name'] };

/** The encoding names in on-disk order (index = nested block index byte). */
export const ENCODINGS = VALUE_ENCODINGS.map((e) => e.name) as unknown as Names<typeof VALUE_ENCODINGS>;

const BY_NAME: ReadonlyMap<string, AnyValueEncoding> = new Map(VALUE_ENCODINGS.map((e) => [e.name, e]));

/** The registered encoding of this name, or undefined (a Map, so names like "constructor" are unknown). */
export function encodingNamed(name: string): AnyValueEncoding | undefined {
  return BY_NAME.get(name);
}

// Every row must be a ValueEncoding; checked here once rather than by a cast at each call.
VALUE_ENCODINGS satisfies readonly ValueEncoding[];
