// Absurd lengths in every length, offset and count field: each numeric field of the footer (file and
// row-group rows, chunk offset, length, rawLength, nulls, hash, distinct, nans) set to −1, 2^31−1, 2^32
// and 2^53+1, and the same values written as u32/u64 at every offset of every chunk body (where the
// encodings keep their counts, run lengths, dictionary sizes and string lengths). The checksums are
// recomputed each time, so the reader has to catch the lie itself. Truncation, byte flips and lying
// zstd frames are in test/format/corruption.test.ts; this file adds the absurd-value sweep.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { crc32 } from 'node:zlib';
import { decode, encode } from '@msgpack/msgpack';
import { decompress } from 'zstd-napi';
import { BufferSink, NCFError, NCFReader, NCFWriter } from '../../src/index.js';
import { intBytes } from './mutate.js';

const ABSURD = [-1, 2 ** 31 - 1, 2 ** 32, 2 ** 53 + 1];

async function smallFile(): Promise<Uint8Array> {
  const sink = new BufferSink();
  const w = await NCFWriter.open(sink, {
    rowGroupRows: 12,
    tableName: 'absurd',
    schema: [
      { name: 'id', type: 'int32', nullable: false },
      { name: 'name', type: 'string', nullable: true },
      { name: 'x', type: 'float64', nullable: true },
      { name: 'big', type: 'int64', nullable: false },
      { name: 'same', type: 'int16', nullable: false },
    ],
  });
  const n = 24;
  await w.write({
    id: Array.from({ length: n }, (_, i) => i * 3),
    name: Array.from({ length: n }, (_, i) => (i % 5 === 0 ? null : `n${i % 4}`)),
    x: Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : i / 3)),
    big: Array.from({ length: n }, (_, i) => BigInt(i) * 10_000_000_000n),
    same: Array.from({ length: n }, () => 5),
  });
  await w.close();
  return sink.result!;
}

interface Layout {
  data: Uint8Array;
  footer: any;
  versionAndMagic: Uint8Array;
}

/** The file with every chunk stored raw (codec none), so chunk bodies can be edited in place. */
function rawLayout(file: Uint8Array): Layout {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const footerLength = view.getUint32(file.length - 48, true);
  const footer: any = decode(file.subarray(file.length - 48 - footerLength, file.length - 48));
  const parts: Uint8Array[] = [file.subarray(0, 8)];
  let offset = 8;
  for (const rg of footer.rowGroups) {
    for (const c of rg.chunks) {
      const stored = file.subarray(c.offset, c.offset + c.length);
      const body = c.codec === 'zstd' ? new Uint8Array(decompress(stored)) : stored.slice();
      parts.push(body);
      Object.assign(c, { offset, length: body.length, rawLength: body.length, codec: 'none', hash: crc32(body) >>> 0 });
      offset += body.length;
    }
  }
  const data = new Uint8Array(offset);
  let at = 0;
  for (const p of parts) {
    data.set(p, at);
    at += p.length;
  }
  return { data, footer, versionAndMagic: file.slice(file.length - 40, file.length - 32) };
}

/** A complete file: data, footer, tail with the footer CRC, SHA-256 over everything before it. */
function assemble(l: Layout, footer: Uint8Array = encode(l.footer)): Uint8Array {
  const body = new Uint8Array(l.data.length + footer.length + 16);
  body.set(l.data);
  body.set(footer, l.data.length);
  const v = new DataView(body.buffer);
  v.setUint32(l.data.length + footer.length, footer.length, true);
  v.setUint32(l.data.length + footer.length + 4, crc32(footer) >>> 0, true);
  body.set(l.versionAndMagic, l.data.length + footer.length + 8);
  const out = new Uint8Array(body.length + 32);
  out.set(body);
  out.set(createHash('sha256').update(body).digest(), body.length);
  return out;
}

async function readAll(file: Uint8Array): Promise<string> {
  const reader = await NCFReader.open(file);
  const t = await reader.read();
  reader.stats();
  return JSON.stringify(
    t.toArray().map((r) => r.toJSON()),
    (_, v) => (typeof v === 'bigint' ? v.toString() : v),
  );
}

/** Reading gives an NCFError or, with `original`, exactly the original rows (without it, any rows of
 *  the footer's count: a value overwritten in a chunk whose CRC was recomputed is a valid value). */
async function errorOrSame(file: Uint8Array, original: string | null, what: string): Promise<'error' | 'same'> {
  try {
    const got = await readAll(file);
    if (original !== null) assert.equal(got, original, `${what}: read succeeded with different data`);
    else assert.equal(JSON.parse(got).length, 24, `${what}: read succeeded with a different row count`);
    return 'same';
  } catch (e) {
    if (e instanceof NCFError) return 'error';
    throw new Error(`${what}: ${(e as Error).stack}`);
  }
}

test('the raw re-layout reads back the same rows (the sweep starts from a valid file)', async () => {
  const file = await smallFile();
  assert.equal(await readAll(assemble(rawLayout(file))), await readAll(file));
});

test('every numeric footer field set to −1, 2^31−1, 2^32, 2^53+1 is refused', async (t) => {
  const file = await smallFile();
  const original = await readAll(file);
  const fields: [string, (f: any) => any, string][] = [['rows', (f) => f, 'rows']];
  const base = rawLayout(file);
  base.footer.rowGroups.forEach((rg: any, g: number) => {
    fields.push([`rowGroups[${g}].rows`, (f) => f.rowGroups[g], 'rows']);
    rg.chunks.forEach((c: any, i: number) => {
      for (const key of ['offset', 'length', 'rawLength', 'nulls', 'hash', 'distinct', 'nans']) {
        if (key in c) fields.push([`rowGroups[${g}].chunks[${i}].${key}`, (f) => f.rowGroups[g].chunks[i], key]);
      }
    });
  });
  const accepted: string[] = [];
  let cases = 0;
  for (const [path, holder, key] of fields) {
    for (const value of ABSURD) {
      const l = rawLayout(file);
      holder(l.footer)[key] = value;
      const outcome = await errorOrSame(assemble(l), original, `${path} = ${value}`);
      if (outcome === 'same') accepted.push(`${path}=${value}`);
      cases++;
    }
  }
  // Statistics included: a distinct or NaN count beyond the row group's rows is refused too.
  assert.deepEqual(accepted, [], 'absurd values the reader accepted');
  assert.ok(cases >= fields.length * 4 && fields.length > 40, `${cases} cases over ${fields.length} fields`);
  t.diagnostic(`${fields.length} footer fields × ${ABSURD.length} values: ${cases} files refused`);
});

test('u32/u64 absurd values at every offset of every chunk body: an NCFError or rows of the declared shape', async (t) => {
  const file = await smallFile();
  const l = rawLayout(file);
  const patterns: Uint8Array[] = [
    intBytes(-1n, 4, true),
    intBytes(2n ** 31n - 1n, 4, true),
    ...ABSURD.map((v) => intBytes(BigInt(v), 8, true)),
  ];
  let errors = 0,
    same = 0;
  for (const rg of l.footer.rowGroups) {
    for (const c of rg.chunks) {
      const body = l.data.subarray(c.offset, c.offset + c.length);
      const saved = body.slice();
      for (let at = 0; at < body.length; at++) {
        for (const p of patterns) {
          const n = Math.min(p.length, body.length - at);
          body.set(p.subarray(0, n), at);
          const hash = c.hash;
          c.hash = crc32(body) >>> 0;
          const outcome = await errorOrSame(assemble(l), null, `chunk at ${c.offset}, ${p.length}-byte value at +${at}`);
          if (outcome === 'error') errors++;
          else same++;
          c.hash = hash;
          body.set(saved);
        }
      }
    }
  }
  // Most offsets hold values (any bytes decode); the counts and lengths among them must be refused.
  assert.ok(errors > 100, `${errors} refused, ${same} decoded`);
  t.diagnostic(`${errors + same} chunk bodies: ${errors} refused, ${same} decoded`);
});

test('absurd footer lengths in the tail (u32 −1, 2^31−1, 2^32 wrapped, 0) are refused', async () => {
  const file = await smallFile();
  for (const len of [-1, 2 ** 31 - 1, 2 ** 32, 0, 2 ** 53 + 1]) {
    const bad = file.slice();
    new DataView(bad.buffer).setUint32(bad.length - 48, Number(BigInt.asUintN(32, BigInt(len))), true);
    await assert.rejects(NCFReader.open(bad), (e: unknown) => e instanceof NCFError, `footer length ${len}`);
  }
});
