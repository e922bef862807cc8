// `fsst` (FORMAT.md §5.9): the byte layout against a reference decoder written from the spec, round
// trips of arbitrary bytes, the writer's choice (text yes, dictionaries and noise no, never bigger
// after zstd), and hostile payloads that must only ever raise NCFError.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { NCFReader, NCFWriter, BufferSink } from '../../../src/index.js';
import type { Values } from '../../../src/format/column.js';
import { compressBody } from '../../../src/format/compression.js';
import { ByteReader, ByteWriter } from '../../../src/format/cursor.js';
import { NCFError } from '../../../src/format/errors.js';
import { decodeValues, encodeAs, encodeValues } from '../../../src/format/encodings/index.js';
import { encodeFsst } from '../../../src/format/encodings/fsst.js';
import { tableOf } from '../../../src/format/encodings/fsst-table.js';
import { readLengths } from '../../../src/format/encodings/codec.js';
import { NEST } from '../../../src/format/encodings/nested.js';
import { assertSameRows, bytesArrayArb, bytesValues, le32, roundTripAs, validityOf } from './helpers.js';

const PLAIN = 0;
const ESC = 255;
const enc = new TextEncoder();

const isCorrupt = (e: unknown): boolean => e instanceof NCFError && e.code === 'CORRUPT_FILE';

/** Deterministic xorshift numbers in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

const WORDS = (
  'the flight was delayed due to weather crew late aircraft gate change boarding smooth on time early ' +
  'arrival missed connection bags lost found seat upgrade meal served wifi not working friendly staff'
).split(' ');

/** Short sentences from a small vocabulary, like bench/data/datasets.ts makeFlights' comments. */
function sentences(n: number, seed = 1): string[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => {
    const k = 3 + Math.floor(r() * 10);
    return Array.from({ length: k }, () => WORDS[Math.floor(r() * WORDS.length)]!).join(' ') + '.';
  });
}

function randomBytes(n: number, maxLen: number, seed = 7): Uint8Array[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => Uint8Array.from({ length: Math.floor(r() * maxLen) }, () => Math.floor(r() * 256)));
}

interface Parsed {
  total: number;
  symbols: number[][];
  elens: number[];
  codes: Uint8Array;
  end: number;
}

/** Parses a payload by FORMAT.md §5.9 alone (the nested block goes through the shared nested reader). */
function parse(bytes: Uint8Array, n: number): Parsed {
  const r = new ByteReader(bytes, 'reference');
  const total = r.u32();
  const count = r.u8();
  const lens = [...r.take(count)];
  const symbols = lens.map((len) => [...r.take(len)]);
  const elens = [...readLengths(NEST, r, n, 1)];
  const codes = r.take(elens.reduce((a, b) => a + b, 0));
  return { total, symbols, elens, codes, end: r.offset };
}

/** Decodes parsed rows with the rules of §5.9, as plain arrays. */
function referenceRows(p: Parsed): number[][] {
  const rows: number[][] = [];
  let at = 0;
  for (const elen of p.elens) {
    const row: number[] = [];
    const end = at + elen;
    while (at < end) {
      const c = p.codes[at++]!;
      if (c === ESC) {
        assert.ok(at < end, 'escape must not end a row');
        row.push(p.codes[at++]!);
      } else {
        assert.ok(c < p.symbols.length, `code ${c} beyond ${p.symbols.length} symbols`);
        row.push(...p.symbols[c]!);
      }
    }
    rows.push(row);
  }
  return rows;
}

function rowsOf(v: Values, n: number): number[][] {
  if (v.kind !== 'bytes') throw new Error('bytes expected');
  return Array.from({ length: n }, (_, i) => [...v.data.subarray(v.offsets[i]!, v.offsets[i + 1]!)]);
}

function decode(bytes: ArrayLike<number>, n: number, type: 'string' | 'binary' = 'binary'): Values {
  return decodeValues(type, 'fsst', new ByteReader(Uint8Array.from(bytes), 'hostile payload'), n);
}

/** Decoding either succeeds with n rows or throws an NCFError — nothing else. */
function decodeOrNCF(bytes: Uint8Array, n: number): void {
  try {
    const v = decodeValues('binary', 'fsst', new ByteReader(bytes, 'flipped payload'), n);
    assert.equal(v.kind === 'bytes' && v.offsets.length, n + 1);
  } catch (e) {
    if (!(e instanceof NCFError)) throw new Error(`non-NCFError ${String(e)}`, { cause: e });
  }
}

const zstdSize = (b: Uint8Array): number => compressBody(b, 3).bytes.length;

describe('fsst layout (FORMAT.md §5.9)', () => {
  it('decodes a hand-built payload: symbols, an empty row, an escape', () => {
    const payload = [
      ...le32(7),
      2,
      2,
      1,
      0x61,
      0x62,
      0x63, // total 7; symbols "ab", "c"
      PLAIN,
      ...le32(3),
      ...le32(0),
      ...le32(4), // encoded lengths 3, 0, 4
      0,
      1,
      0,
      ESC,
      0xff,
      ESC,
      ESC, // row 0: "ab" "c" "ab"; row 2: literal 0xff, literal 0xff
    ];
    const v = decode(payload, 3);
    assert.deepEqual(rowsOf(v, 3), [[0x61, 0x62, 0x63, 0x61, 0x62], [], [0xff, 0xff]]);
  });

  it('writes what the reference parser reads: total, table, lengths, codes', () => {
    const items = [...sentences(300), '', 'ünïcødé ✓', '\u0000\u00ff'];
    const v = bytesValues(items);
    const bytes = encodeAs('fsst', 'string', v, items.length);
    const p = parse(bytes, items.length);
    assert.equal(p.end, bytes.length, 'nothing after the codes');
    const expected = rowsOf(v, items.length);
    assert.equal(
      p.total,
      expected.reduce((a, r) => a + r.length, 0),
    );
    assert.ok(p.symbols.length >= 20 && p.symbols.length <= 255, `${p.symbols.length} symbols`);
    for (const s of p.symbols) assert.ok(s.length >= 1 && s.length <= 8);
    assert.deepEqual(referenceRows(p), expected);
    // Text compresses: fewer code bytes than value bytes.
    assert.ok(p.codes.length < p.total / 2, `${p.codes.length} code bytes for ${p.total}`);
  });

  it('encodes with a given table by greedy longest match, escaping bytes no symbol covers', () => {
    const t = tableOf([enc.encode('hello'), enc.encode('he'), enc.encode('l'), enc.encode(' world')]);
    const v = bytesValues(['hello world', 'help', 'x']);
    const w = new ByteWriter();
    encodeFsst('string', v, 3, w, 0, NEST, t);
    const p = parse(w.finish(), 3);
    const codes = [...p.codes];
    assert.deepEqual(codes, [0, 3, /* help */ 1, 2, ESC, 0x70, /* x */ ESC, 0x78]);
    assert.deepEqual(p.elens, [2, 4, 2]);
    assert.deepEqual(referenceRows(p), rowsOf(v, 3));
  });

  it('never matches a symbol across the end of a row or of the data', () => {
    // "abcd" and "xyzx" would match across row ends; "a\0" and "\0\0\0" past the data's end (read as zeros).
    const t = tableOf([enc.encode('abcd'), enc.encode('xyzx'), Uint8Array.of(0x61, 0), Uint8Array.of(0, 0, 0), enc.encode('a')]);
    const items = ['ab', 'cd', 'xyz', 'xyz', 'xyz', Uint8Array.of(0), 'a'];
    const v = bytesValues(items);
    const w = new ByteWriter();
    encodeFsst('binary', v, items.length, w, 0, NEST, t);
    const p = parse(w.finish(), items.length);
    assert.deepEqual(referenceRows(p), rowsOf(v, items.length));
    assert.deepEqual(p.elens, [3, 4, 6, 6, 6, 2, 1]);
  });

  it('stores an empty chunk as total 0 and no codes', () => {
    const bytes = encodeAs('fsst', 'binary', bytesValues([]), 0);
    const p = parse(bytes, 0);
    assert.equal(p.total, 0);
    assert.equal(p.codes.length, 0);
    assertSameRows(decode(bytes, 0), bytesValues([]), 0);
  });
});

describe('fsst round trips', () => {
  const cases: [string, (string | Uint8Array)[]][] = [
    ['n = 1', ['x']],
    ['n = 1 empty', ['']],
    ['all empty', Array<string>(50).fill('')],
    ['all identical', Array<string>(500).fill('the same sentence, again and again.')],
    ['unicode', ['日本語のテキスト', 'héllo wörld', '🙂🙃', '', 'Ωμέγα', ...sentences(100)]],
    [
      'binary with 0xFF and 0x00',
      [Uint8Array.of(0xff, 0xff, 0xff), Uint8Array.of(0), Uint8Array.of(0xff, 0, 0xff, 0), new Uint8Array(300).fill(0xff)],
    ],
    ['all-unique random bytes', randomBytes(2000, 40)],
    ['long rows', [Uint8Array.from({ length: 5000 }, (_, i) => i % 251), 'x'.repeat(10_000), sentences(200).join(' ')]],
    ['last row ends the data with a short tail', [...sentences(50), 'ab']],
  ];
  for (const [label, items] of cases) {
    it(label, () => {
      const v = bytesValues(items);
      for (const type of ['string', 'binary'] as const) assertSameRows(roundTripAs('fsst', type, v, items.length), v, items.length, label);
    });
  }

  it('null slots of zero length, through encodeValues', () => {
    const items = sentences(3000).map((s, i) => (i % 7 === 3 ? '' : s));
    const valid = items.map((_, i) => i % 7 !== 3);
    const v = bytesValues(items);
    const out = encodeValues('string', v, items.length, validityOf(valid));
    assert.equal(out.encoding, 'fsst');
    assertSameRows(decodeValues('string', out.encoding, new ByteReader(out.bytes), items.length), v, items.length);
  });

  it('a slice whose offsets do not start at 0, and a prefix of the rows', () => {
    const full = bytesValues(sentences(400));
    if (full.kind !== 'bytes') throw new Error('unreachable');
    const from = 37;
    const sliced: Values = { kind: 'bytes', offsets: full.offsets.subarray(from), data: full.data };
    const n = 300;
    const back = roundTripAs('fsst', 'string', sliced, n);
    assert.deepEqual(rowsOf(back, n), rowsOf(sliced, n));
  });

  it('arbitrary byte strings (property)', () => {
    fc.assert(
      fc.property(bytesArrayArb(200), (items) => {
        const v = bytesValues(items);
        assertSameRows(roundTripAs('fsst', 'binary', v, items.length), v, items.length);
      }),
      { numRuns: 200 },
    );
  });

  it('arbitrary rows with an arbitrary symbol table (property)', () => {
    const sym = fc.uint8Array({ minLength: 1, maxLength: 8 });
    const row = fc
      .array(fc.oneof(sym, fc.uint8Array({ maxLength: 3 })), { maxLength: 8 })
      .map((parts) => Uint8Array.from(parts.flatMap((p) => [...p])));
    fc.assert(
      fc.property(fc.array(sym, { maxLength: 255 }), fc.array(row, { maxLength: 60 }), (symbols, items) => {
        const v = bytesValues(items);
        const w = new ByteWriter();
        encodeFsst('binary', v, items.length, w, 0, NEST, tableOf(symbols));
        const bytes = w.finish();
        const p = parse(bytes, items.length);
        assert.deepEqual(referenceRows(p), rowsOf(v, items.length));
        assertSameRows(decode(bytes, items.length), v, items.length);
      }),
      { numRuns: 200 },
    );
  });

  it('text-like rows built from a random vocabulary (property)', () => {
    const vocab = fc.array(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 30 });
    fc.assert(
      fc.property(vocab, fc.array(fc.array(fc.nat(), { maxLength: 12 }), { maxLength: 300 }), (words, rows) => {
        const items = rows.map((ix) => ix.map((i) => words[i % words.length]!).join(' '));
        const v = bytesValues(items);
        assertSameRows(roundTripAs('fsst', 'string', v, items.length), v, items.length);
      }),
      { numRuns: 100 },
    );
  });

  it('refuses non-bytes types with STATE', () => {
    const isState = (e: unknown): boolean => e instanceof NCFError && e.code === 'STATE';
    assert.throws(() => encodeAs('fsst', 'int32', { kind: 'fixed', data: new Int32Array(1) }, 1), isState);
    assert.throws(() => decodeValues('int32', 'fsst', new ByteReader(new Uint8Array(8)), 1), isCorrupt);
  });
});

describe('fsst selection', () => {
  const choose = (items: (string | Uint8Array)[], validity: Uint8Array | null = null): { encoding: string; bytes: Uint8Array } => {
    const v = bytesValues(items);
    const out = encodeValues('binary', v, items.length, validity);
    assertSameRows(decodeValues('binary', out.encoding, new ByteReader(out.bytes), items.length), v, items.length, out.encoding);
    return out;
  };

  it('picks fsst for free text and makes it clearly smaller after zstd', () => {
    const items = sentences(20_000);
    const out = choose(items);
    assert.equal(out.encoding, 'fsst');
    const plain = encodeAs('plain', 'string', bytesValues(items), items.length);
    assert.ok(zstdSize(out.bytes) < 0.85 * zstdSize(plain), `fsst ${zstdSize(out.bytes)} vs plain ${zstdSize(plain)} after zstd`);
  });

  it('picks fsst for a few long documents too (rows longer than the probe)', () => {
    const docs = Array.from({ length: 6 }, (_, i) => sentences(1500, 20 + i).join(' '));
    assert.equal(choose(docs).encoding, 'fsst');
  });

  it('keeps dict for low cardinality, plain for noise and for small chunks', () => {
    const few = sentences(20, 3);
    assert.equal(choose(Array.from({ length: 20_000 }, (_, i) => few[i % few.length]!)).encoding, 'dict');
    assert.equal(choose(randomBytes(5000, 40)).encoding, 'plain');
    assert.equal(choose(sentences(60)).encoding, 'plain', 'under 4 KB of text');
  });

  it('is never clearly bigger after zstd than plain, for several shapes', () => {
    const r = rng(5);
    const shapes: [string, string[]][] = [
      ['user ids', Array.from({ length: 20_000 }, (_, i) => `user_${i}`)],
      [
        'hex',
        Array.from(
          { length: 20_000 },
          () =>
            Math.floor(r() * 2 ** 32)
              .toString(16)
              .padStart(8, '0') + Math.floor(r() * 2 ** 32).toString(16),
        ),
      ],
      [
        'urls',
        Array.from(
          { length: 20_000 },
          (_, i) => `https://example.com/${WORDS[i % WORDS.length]}/${Math.floor(r() * 1e6)}?ref=${WORDS[(i * 7) % WORDS.length]}`,
        ),
      ],
      [
        'json',
        Array.from({ length: 10_000 }, (_, i) =>
          JSON.stringify({ id: i, name: WORDS[i % WORDS.length], score: Math.round(r() * 1000) / 10 }),
        ),
      ],
      ['text', sentences(20_000, 9)],
    ];
    for (const [label, items] of shapes) {
      const out = choose(items);
      const plain = encodeAs('plain', 'binary', bytesValues(items), items.length);
      const ratio = zstdSize(out.bytes) / zstdSize(plain);
      assert.ok(ratio <= 1.02, `${label}: ${out.encoding} is ${ratio.toFixed(3)}× plain after zstd`);
    }
  });

  it('a whole file with a text column: written as fsst, read back equal', async () => {
    const items: (string | null)[] = sentences(5000, 11).map((s, i) => (i % 10 === 0 ? null : s));
    const sink = new BufferSink();
    const w = await NCFWriter.open(sink, { schema: [{ name: 'comment', type: 'string', nullable: true }], rowGroupRows: 4000 });
    await w.write({ comment: items });
    await w.close();
    const reader = await NCFReader.open(sink.result!);
    assert.deepEqual(
      reader.meta.rowGroups.map((g) => g.chunks[0]!.encoding),
      ['fsst', 'fsst'],
    );
    const col = (await reader.read()).getChild('comment')!;
    assert.deepEqual(
      Array.from({ length: items.length }, (_, i) => col.get(i)),
      items,
    );
  });
});

describe('fsst hostile payloads', () => {
  const sample = (): Uint8Array => {
    const t = tableOf([enc.encode('ab'), enc.encode('cde'), enc.encode('fghijklm'), Uint8Array.of(0xff)]);
    const v = bytesValues(['abcde', '', 'fghijklmab', 'zz', Uint8Array.of(0xff, 0xfe)]);
    const w = new ByteWriter();
    encodeFsst('binary', v, 5, w, 0, NEST, t);
    return w.finish();
  };

  it('truncation at every length throws CORRUPT_FILE', () => {
    const bytes = sample();
    decode(bytes, 5);
    for (let len = 0; len < bytes.length; len++) {
      assert.throws(() => decode(bytes.subarray(0, len), 5), isCorrupt, `cut at ${len} of ${bytes.length}`);
    }
  });

  it('random byte flips only ever throw NCFError (property)', () => {
    const bytes = sample();
    const text = encodeAs('fsst', 'string', bytesValues(sentences(40)), 40);
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
        (small, flips) => {
          const copy = (small ? bytes : text).slice();
          for (const [at, x] of flips) copy[at % copy.length]! ^= x;
          decodeOrNCF(copy, small ? 5 : 40);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('every single-byte value at every position only ever throws NCFError', () => {
    const bytes = sample();
    for (let at = 0; at < bytes.length; at++) {
      for (const x of [0x00, 0x01, 0x03, 0x07, 0x08, 0x09, 0x7f, 0x80, 0xfe, 0xff]) {
        const copy = bytes.slice();
        copy[at] = x;
        decodeOrNCF(copy, 5);
      }
    }
  });

  it('rejects bad symbol lengths, bad codes and escapes at the end of a row', () => {
    const head = (total: number, lens: number[], symbols: number[]): number[] => [...le32(total), lens.length, ...lens, ...symbols];
    const rows = (elens: number[], codes: number[]): number[] => [PLAIN, ...elens.flatMap(le32), ...codes];
    const ok = [...head(3, [2, 1], [0x61, 0x62, 0x63]), ...rows([2], [0, 1])];
    assert.deepEqual(rowsOf(decode(ok, 1), 1), [[0x61, 0x62, 0x63]]);
    assert.throws(() => decode([...head(3, [0, 1], [0x63]), ...rows([2], [0, 1])], 1), isCorrupt, 'symbol of length 0');
    assert.throws(() => decode([...head(9, [9], [1, 2, 3, 4, 5, 6, 7, 8, 9]), ...rows([1], [0])], 1), isCorrupt, 'symbol of length 9');
    assert.throws(() => decode([...head(3, [2, 1], [0x61, 0x62, 0x63]), ...rows([2], [0, 2])], 1), isCorrupt, 'code past the table');
    assert.throws(() => decode([...head(3, [2, 1], [0x61, 0x62, 0x63]), ...rows([2], [0, 254])], 1), isCorrupt, 'code 254');
    assert.throws(
      () => decode([...head(3, [2, 1], [0x61, 0x62, 0x63]), ...rows([2, 1], [0, ESC, 0x63])], 2),
      isCorrupt,
      'escape ends row 0',
    );
    assert.throws(() => decode([...head(3, [2], [0x61, 0x62]), ...rows([2], [0, ESC])], 1), isCorrupt, 'escape ends the data');
    // the escape of the last row reaches into nothing even though bytes follow the payload
    assert.throws(() => decode([...head(1, [], []), ...rows([1], [ESC]), 0x61], 1), isCorrupt, 'escape with trailing bytes');
  });

  it('rejects a decoded total that does not match, or that the codes cannot reach', () => {
    const body = (total: number, elens: number[], codes: number[]): number[] => [
      ...le32(total),
      1,
      8,
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8,
      PLAIN,
      ...elens.flatMap(le32),
      ...codes,
    ];
    decode(body(16, [2], [0, 0]), 1);
    assert.throws(() => decode(body(15, [2], [0, 0]), 1), isCorrupt, 'total too small');
    assert.throws(() => decode(body(17, [2], [0, 0]), 1), isCorrupt, 'total too large');
    assert.throws(() => decode(body(0, [2], [0, 0]), 1), isCorrupt, 'total 0');
    // Totals the codes could never expand to fail before the output is allocated.
    assert.throws(
      () => decode(body(17, [2], [0, 0]), 1),
      (e: unknown) => isCorrupt(e) && /at most 16/.test((e as Error).message),
    );
    assert.throws(() => decode(body(0x7fffffff, [1], [0]), 1), isCorrupt);
    assert.throws(
      () => decode(body(0x80000000, [1], [0]), 1),
      (e: unknown) => isCorrupt(e) && /2147483647/.test((e as Error).message),
    );
    assert.throws(() => decode(body(0xffffffff, [], []), 0), isCorrupt);
  });

  it('rejects encoded lengths that overrun the payload or sum beyond it, and huge n', () => {
    const head = [...le32(3), 1, 3, 0x61, 0x62, 0x63];
    assert.throws(() => decode([...head, PLAIN, ...le32(5), 0], 1), isCorrupt);
    assert.throws(() => decode([...head, PLAIN, ...le32(0xffffffff), ...le32(0xffffffff), 0], 2), isCorrupt);
    assert.throws(() => decode([...head, PLAIN, ...le32(1)], 2 ** 30), isCorrupt);
  });
});
