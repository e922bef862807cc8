// Bad files: truncation at every byte, a byte flip at every offset, hostile footers (absurd lengths,
// deep nesting, huge counts, __proto__ keys), zstd frames that lie. Each must give an NCFError —
// never a crash, a hang, or different data returned silently.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { decode, encode } from '@msgpack/msgpack';
import { compress } from 'zstd-napi';
import { crc32 } from 'node:zlib';
import { BufferSink, NCFError, NCFReader, NCFWriter } from '../../src/index.js';

async function smallFile(): Promise<Uint8Array> {
  const sink = new BufferSink();
  const w = await NCFWriter.open(sink, { rowGroupRows: 40, tableName: 'small' });
  const n = 100;
  await w.write({
    id: Array.from({ length: n }, (_, i) => i),
    name: Array.from({ length: n }, (_, i) => (i % 9 === 0 ? null : `name ${i % 17}`)),
    x: Array.from({ length: n }, (_, i) => ((i * 7919) % 101) / 4),
    big: Array.from({ length: n }, (_, i) => BigInt(i) * 1234567890123n),
  });
  await w.close();
  return sink.result!;
}

async function readAll(file: Uint8Array): Promise<string> {
  const reader = await NCFReader.open(file);
  const t = await reader.read();
  return JSON.stringify(
    t.toArray().map((r) => r.toJSON()),
    (_, v) => (typeof v === 'bigint' ? v.toString() : v),
  );
}

function isNcfError(e: unknown): boolean {
  return e instanceof NCFError;
}

test('truncation at every byte is an NCFError', async () => {
  const file = await smallFile();
  for (let len = 0; len < file.length; len++) {
    await assert.rejects(readAll(file.subarray(0, len)), isNcfError, `truncated to ${len} bytes`);
  }
});

test('a byte flip at any offset gives an NCFError or the exact original data; validateChecksum always notices', async () => {
  const file = await smallFile();
  const original = await readAll(file);
  let errors = 0,
    same = 0;
  for (let k = 0; k < file.length; k++) {
    const bad = file.slice();
    bad[k]! ^= 0x5a;
    try {
      const got = await readAll(bad);
      assert.equal(got, original, `flip at ${k} returned different data`);
      same++;
    } catch (e) {
      if (!isNcfError(e)) throw new Error(`flip at ${k}: ${(e as Error).stack}`);
      errors++;
    }
    // Only flips the reader did not need (the SHA trailer, padding) may read fine; the checksum catches all.
    const reader = await NCFReader.open(bad).catch(() => null);
    if (reader) await assert.rejects(reader.validateChecksum(), isNcfError, `flip at ${k} passed validateChecksum`);
  }
  assert.ok(errors > file.length * 0.8, `${errors} errors, ${same} unchanged reads of ${file.length} flips`);
});

/** Rebuilds a file around a new footer (and optionally new data), with a correct tail and SHA-256. */
function rebuild(file: Uint8Array, mutate: (footer: any) => unknown, data?: Uint8Array): Uint8Array {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const footerLength = view.getUint32(file.length - 48, true);
  const footerOffset = file.length - 48 - footerLength;
  const footer = decode(file.subarray(footerOffset, footerOffset + footerLength));
  const newFooter = encode(mutate(footer) ?? footer);
  return assemble(data ?? file.subarray(0, footerOffset), newFooter, file.subarray(file.length - 40, file.length - 32));
}

function assemble(data: Uint8Array, footer: Uint8Array, versionAndMagic: Uint8Array, footerLengthField = footer.length): Uint8Array {
  const body = new Uint8Array(data.length + footer.length + 16);
  body.set(data);
  body.set(footer, data.length);
  new DataView(body.buffer).setUint32(data.length + footer.length, footerLengthField, true);
  new DataView(body.buffer).setUint32(data.length + footer.length + 4, crc32(footer) >>> 0, true);
  body.set(versionAndMagic, data.length + footer.length + 8);
  const sha = createHash('sha256').update(body).digest();
  const out = new Uint8Array(body.length + 32);
  out.set(body);
  out.set(sha, body.length);
  return out;
}

test('hostile footers are refused with a clear NCFError', async () => {
  const file = await smallFile();
  const cases: Array<[string, (f: any) => unknown, RegExp]> = [
    [
      'chunk offset past the data',
      (f) => {
        f.rowGroups[0].chunks[0].offset = 2 ** 40;
      },
      /outside the data section/,
    ],
    [
      'negative length',
      (f) => {
        f.rowGroups[0].chunks[1].length = -1;
      },
      /footer field/,
    ],
    [
      'absurd rawLength',
      (f) => {
        f.rowGroups[0].chunks[1].rawLength = 2 ** 53 + 1;
      },
      /footer field|limit/,
    ],
    [
      'rawLength 2^32',
      (f) => {
        f.rowGroups[0].chunks[1].rawLength = 2 ** 32;
      },
      /limit/,
    ],
    [
      'absurd row count',
      (f) => {
        f.rowGroups[0].rows = 2 ** 31 - 1;
        f.rows = 2 ** 31 - 1 + 60;
      },
      /limit/,
    ],
    [
      'rows do not add up',
      (f) => {
        f.rows = 7;
      },
      /row groups hold/,
    ],
    [
      'missing chunk',
      (f) => {
        f.rowGroups[0].chunks.pop();
      },
      /chunks, expected/,
    ],
    [
      'unknown type',
      (f) => {
        f.columns[0].type = 'int128';
      },
      /int128/,
    ],
    [
      'unknown encoding',
      (f) => {
        f.rowGroups[0].chunks[0].encoding = 'zigzag9';
      },
      /zigzag9/,
    ],
    [
      'unknown codec',
      (f) => {
        f.rowGroups[0].chunks[0].codec = 'lz77x';
        f.rowGroups[0].chunks[0].hash = 0;
      },
      /lz77x|CRC/,
    ],
    ['not a map', () => [1, 2, 3], /footer field/],
    [
      'duplicate column',
      (f) => {
        f.columns[1].name = f.columns[0].name;
      },
      /twice/,
    ],
    [
      'more nulls than rows',
      (f) => {
        f.rowGroups[0].chunks[0].nulls = 1000;
      },
      /nulls/,
    ],
  ];
  for (const [name, mutate, message] of cases) {
    const bad = rebuild(file, mutate);
    await assert.rejects(readAll(bad), (e: unknown) => isNcfError(e) && message.test((e as Error).message), name);
  }
});

test('unknown footer fields are ignored (forward compatibility)', async () => {
  const file = await smallFile();
  const original = await readAll(file);
  const extended = rebuild(file, (f) => {
    f.futureField = { nested: [1, 2, 3] };
    f.rowGroups[0].chunks[0].bloom = new Uint8Array(4);
  });
  assert.equal(await readAll(extended), original);
});

test('a newer major version is refused naming both versions', async () => {
  const file = (await smallFile()).slice();
  const view = new DataView(file.buffer);
  view.setUint16(file.length - 40, 2, true);
  view.setUint16(4, 2, true);
  await assert.rejects(NCFReader.open(file), (e: any) => e.code === 'UNSUPPORTED' && /2\.0.*newer.*1\.x/.test(e.message));
});

test('absurd footer lengths in the tail are refused', async () => {
  const file = await smallFile();
  for (const len of [0xffffffff, 2 ** 31 - 1, file.length, file.length - 48]) {
    const bad = file.slice();
    new DataView(bad.buffer).setUint32(bad.length - 48, len >>> 0, true);
    await assert.rejects(NCFReader.open(bad), isNcfError, `footer length ${len}`);
  }
});

test('hostile msgpack: deep nesting, huge declared counts and __proto__ keys', async () => {
  const file = await smallFile();
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const footerLength = view.getUint32(file.length - 48, true);
  const data = file.subarray(0, file.length - 48 - footerLength);
  const tailMagic = file.subarray(file.length - 40, file.length - 32);
  const deep = new Uint8Array(100000).fill(0x91); // 100k nested one-element arrays
  const hugeArray = new Uint8Array([0xdd, 0xff, 0xff, 0xff, 0xff]); // array32 of 2^32-1 items, no items
  const hugeMap = new Uint8Array([0xdf, 0x7f, 0xff, 0xff, 0xff]);
  const proto = new Uint8Array([0x81, 0xa9, ...Buffer.from('__proto__'), 0x81, 0xa1, 0x78, 0x01]);
  for (const footer of [deep, hugeArray, hugeMap, proto, new Uint8Array([0xc1])]) {
    await assert.rejects(NCFReader.open(assemble(data, footer, tailMagic)), isNcfError);
  }
  assert.equal(({} as any).x, undefined, 'Object.prototype is untouched');
});

test('a zstd frame that lies about its size is refused before it can allocate or return short data', async () => {
  const file = await smallFile();
  const footer: any = decode(
    file.subarray(file.length - 48 - new DataView(file.buffer, file.byteOffset).getUint32(file.length - 48, true), file.length - 48),
  );
  // Replace the first chunk with a frame of a different size than rawLength declares.
  const chunk = footer.rowGroups[0].chunks[0];
  for (const content of [new Uint8Array(chunk.rawLength + 1000), new Uint8Array(Math.max(0, chunk.rawLength - 1))]) {
    const frame = compress(content);
    const data = new Uint8Array(8 + frame.length);
    data.set(file.subarray(0, 8));
    data.set(frame, 8);
    const bad = rebuild(
      file,
      (f) => {
        f.rowGroups = [f.rowGroups[0]];
        f.rows = f.rowGroups[0].rows;
        f.rowGroups[0].chunks = f.rowGroups[0].chunks.map((c: any, i: number) =>
          i === 0 ? { ...c, offset: 8, length: frame.length, codec: 'zstd', hash: crc32(frame) >>> 0 } : { ...c, offset: 8, length: 0 },
        );
      },
      data,
    );
    await assert.rejects(readAll(bad), (e: any) => isNcfError(e) && /zstd/.test(e.message));
  }
});

test('wrong magic and non-NCF files are refused', async () => {
  await assert.rejects(NCFReader.open(new TextEncoder().encode('id,name\n1,a\n'.repeat(10))), (e: any) => /magic|shorter/.test(e.message));
  await assert.rejects(NCFReader.open(new Uint8Array(0)), isNcfError);
});

test('property: random tables, then a random truncation or byte flip: an NCFError or the exact original data', async () => {
  const fc = (await import('fast-check')).default;
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.record({ a: fc.option(fc.integer({ min: -5000, max: 5000 })), s: fc.option(fc.string({ maxLength: 6 })), f: fc.double() }),
        { minLength: 1, maxLength: 80 },
      ),
      fc.integer({ min: 1, max: 30 }),
      fc.nat(),
      fc.integer({ min: 1, max: 255 }),
      fc.boolean(),
      async (rows, rowGroupRows, where, xor, truncate) => {
        const sink = new BufferSink();
        const w = await NCFWriter.open(sink, {
          rowGroupRows,
          schema: [
            { name: 'a', type: 'int32', nullable: true },
            { name: 's', type: 'string', nullable: true },
            { name: 'f', type: 'float64', nullable: false },
          ],
        });
        await w.write(rows.map((r) => ({ a: r.a, s: r.s, f: r.f })));
        await w.close();
        const file = sink.result!;
        const original = await readAll(file);
        const k = where % file.length;
        const bad = truncate ? file.subarray(0, k) : file.slice();
        if (!truncate) bad[k]! ^= xor;
        try {
          assert.equal(await readAll(bad), original);
        } catch (e) {
          if (!isNcfError(e)) throw e;
        }
      },
    ),
    { numRuns: 300 },
  );
});
