// Crafted Parquet files for the decode-bomb and malformed-file tests (unit and e2e): built with
// parquet-wasm and apache-arrow in the test, never committed.

import assert from 'node:assert/strict';
import * as arrow from 'apache-arrow';
import * as pw from 'parquet-wasm';
import { readFooter } from '../../src/ingest/parquet-pages.js';
import { list, num, struct, type ThriftStruct } from '../../src/ingest/thrift-compact.js';

const MiB = 1 << 20;

/** One Dictionary<Utf8> column `blob` whose only entry (`valueBytes` of 'x') every row references. */
export function dictionaryTable(valueBytes: number, rows: number): arrow.Table {
  const dictionary = arrow.vectorFromArray(['x'.repeat(valueBytes)], new arrow.Utf8());
  const type = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32());
  const data = arrow.makeData({ type, length: rows, nullCount: 0, data: new Int32Array(rows), dictionary });
  return new arrow.Table({ blob: arrow.makeVector(data) });
}

export function parquetOf(table: arrow.Table): Uint8Array {
  const props = new pw.WriterPropertiesBuilder()
    .setCompression(pw.Compression.ZSTD)
    .setDictionaryPageSizeLimit(64 * MiB)
    .build();
  return pw.writeParquet(pw.Table.fromIPCStream(arrow.tableToIPC(table, 'stream')), props);
}

/** The file without its Arrow schema hint (the footer key renamed in place, same length), so a
 *  Dictionary column written from Arrow reads back as plain Utf8: a bomb whose expansion happens
 *  inside parquet-wasm, built without the test itself holding the expanded column. */
export function withoutArrowSchema(parquet: Uint8Array): Uint8Array {
  const out = new Uint8Array(parquet);
  const key = new TextEncoder().encode('ARROW:schema');
  const at = Buffer.from(out).lastIndexOf(Buffer.from(key));
  assert.ok(at > 0, 'the writer stores ARROW:schema');
  out[at + key.length - 1] = 'X'.charCodeAt(0);
  return out;
}

/** Reads an unsigned LEB128 varint at `at`: its value and its length in bytes. */
function varint(b: Uint8Array, at: number): { value: number; len: number } {
  let value = 0;
  for (let i = 0, shift = 1; ; i++, shift *= 128) {
    value += (b[at + i]! & 0x7f) * shift;
    if ((b[at + i]! & 0x80) === 0) return { value, len: i + 1 };
  }
}

/** The file with its first column chunk's dictionary page header claiming one byte more decompressed
 *  size than the page really has (`uncompressed_page_size`, the header's field 2, re-encoded at the
 *  same length): parquet-wasm aborts its WebAssembly instance on it (`RuntimeError: unreachable`). */
export async function withLyingDictionaryHeader(parquet: Uint8Array): Promise<Uint8Array> {
  const out = new Uint8Array(parquet);
  const { footer } = await readFooter(new Blob([out]));
  const md = struct(list(list(footer, 4)[0] as ThriftStruct, 1)[0] as ThriftStruct, 3)!;
  let at = num(md, 11)!;
  // The header opens with field 1 (type, i32: 0x15, a zigzag varint), then field 2 (0x15, varint).
  assert.equal(out[at], 0x15);
  at += 1 + varint(out, at + 1).len;
  assert.equal(out[at], 0x15);
  const { value, len } = varint(out, at + 1);
  const claimed = value / 2 + 1; // zigzag
  assert.ok(claimed > MiB, `the dictionary page holds the 1 MiB value (${claimed - 1} bytes)`);
  let z = claimed * 2;
  for (let i = 0; i < len; i++, z = Math.floor(z / 128)) out[at + 1 + i] = (z & 0x7f) | (i < len - 1 ? 0x80 : 0);
  assert.equal(z, 0, 'the new size has the same varint length');
  return out;
}
