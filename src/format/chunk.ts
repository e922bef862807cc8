// One column chunk (FORMAT.md §4): ColumnData → stored bytes + footer entry, and back, with the
// CRC-32 checked before a single stored byte is interpreted.

import { bitmapBytes, popcount, type ColumnData } from './column.js';
import { compressBody, decompressBody } from './compression.js';
import { ByteReader } from './cursor.js';
import { ENCODINGS, decodeValues, encodeValues, type ColumnHint, type Encoding } from './encodings/index.js';
import { check, NCFError, unsupported } from './errors.js';
import type { ChunkMeta } from './footer.js';
import { chunkHash } from './integrity.js';
import { physicalOf, type ColumnSchema } from './schema.js';
import { dictColumn } from './dict-column.js';
import { decodeDictCodes } from './encodings/dict.js';
import { NEST } from './encodings/nested.js';
import { computeStats, statsToFooter, type ChunkStats } from './stats.js';

export interface EncodedChunk {
  bytes: Uint8Array;
  /** Footer entry without its offset, which only the writer knows. */
  meta: Omit<ChunkMeta, 'offset'>;
  stats: ChunkStats;
  /** What the encoding choice learned about the column (the hint for its next chunk). */
  learned?: ColumnHint;
}

export function encodeChunk(col: ColumnSchema, data: ColumnData, level: number, hint?: ColumnHint): EncodedChunk {
  const n = data.length;
  const enc = encodeValues(col.type, data.values, n, data.validity, hint);
  const stats = computeStats(data, enc.distinct);
  let body = enc.bytes;
  if (data.nullCount > 0 && data.validity !== null) {
    const bitmapLength = bitmapBytes(n);
    const joined = new Uint8Array(bitmapLength + enc.bytes.length);
    joined.set(data.validity.subarray(0, bitmapLength));
    // Bits past n are padding: clear them so identical data always gives identical bytes.
    if (n & 7) joined[bitmapLength - 1]! &= (1 << (n & 7)) - 1;
    joined.set(enc.bytes, bitmapLength);
    body = joined;
  }
  const { codec, bytes } = compressBody(body, level);
  const meta: Omit<ChunkMeta, 'offset'> = {
    length: bytes.length,
    rawLength: body.length,
    encoding: enc.encoding,
    codec,
    hash: chunkHash(bytes),
    ...statsToFooter(col.type, stats),
  };
  const out: EncodedChunk = { bytes, meta, stats };
  if (enc.learned !== undefined) out.learned = enc.learned;
  return out;
}

/** Decodes a chunk's stored bytes into ColumnData of `n` rows. With `codes`, a string or binary
 *  chunk stored as `dict` keeps its codes and entries (ColumnData.dictionary) instead of per-row bytes. */
export function decodeChunk(col: ColumnSchema, meta: ChunkMeta, stored: Uint8Array, n: number, what: string, codes = false): ColumnData {
  const actual = chunkHash(stored);
  if (actual !== meta.hash) {
    throw new NCFError(
      'CHECKSUM_MISMATCH',
      `ncf: ${what}: chunk CRC-32 is ${actual.toString(16)}, footer says ${meta.hash.toString(16)}: the file is corrupt`,
      { what },
    );
  }
  if (!(ENCODINGS as readonly string[]).includes(meta.encoding)) {
    throw unsupported(`${what}: unknown encoding "${meta.encoding}" (this reader knows ${ENCODINGS.join(', ')})`, {
      encoding: meta.encoding,
    });
  }
  const body = decompressBody(meta.codec, stored, meta.rawLength, what);
  const r = new ByteReader(body, what);
  let validity: Uint8Array | null = null;
  if (meta.nulls > 0) {
    validity = r.take(bitmapBytes(n));
    const valid = popcount(validity, n);
    check(valid === n - meta.nulls, `${what}: validity bitmap has ${n - valid} nulls, footer says ${meta.nulls}`);
  }
  if (codes && meta.encoding === 'dict' && physicalOf(col.type) === 'bytes') {
    const dictionary = decodeDictCodes(col.type, r, n, 0, NEST);
    check(r.remaining === 0, `${what}: ${r.remaining} unexpected bytes after the values`);
    return dictColumn(col.type, n, meta.nulls, validity, dictionary);
  }
  const values = decodeValues(col.type, meta.encoding as Encoding, r, n);
  check(r.remaining === 0, `${what}: ${r.remaining} unexpected bytes after the values`);
  return { type: col.type, length: n, nullCount: meta.nulls, validity, values };
}
