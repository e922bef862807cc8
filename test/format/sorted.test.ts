// The `sorted` chunk statistic (FORMAT.md §7) and the binary-search fast path it enables
// (src/format/filter/sorted-range.ts): the flag computed by the writer, its footer round trip and
// validation, and the fast path checked against the scan path (the oracle) on random data and filters.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decode, encode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { BufferSink, NCFError, NCFReader, NCFWriter } from '../../src/index.js';
import { bindFilter, evaluate, type Filter } from '../../src/format/filter/index.js';
import type { ColumnSchema, DataType } from '../../src/format/schema.js';
import { computeStats, statsFromFooter, statsToFooter } from '../../src/format/stats.js';
import { type Cell, column } from './filter/columns.js';
import { assembleFile } from '../fuzz/targets.js';

const sortedOf = (type: DataType, cells: Cell[]): boolean | undefined => computeStats(column(type, cells)).sorted;

describe('the sorted flag', () => {
  it('marks ascending values, equal runs included', () => {
    assert.equal(sortedOf('int32', [1, 2, 2, 2, 3, 10]), true);
    assert.equal(sortedOf('int32', [5]), true);
    assert.equal(sortedOf('int32', [4, 4, 4]), true);
    assert.equal(sortedOf('int64', [-(2n ** 40n), -1n, 0n, 2n ** 32n, 2n ** 32n + 1n]), true);
    assert.equal(sortedOf('uint64', [0n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 63n, 2n ** 64n - 1n]), true);
    assert.equal(sortedOf('timestamp', [1n, 2n, 3n]), true);
    assert.equal(sortedOf('float64', [-Infinity, -1.5, -0, 0, -0, 2, Infinity]), true, '-0 and +0 are equal');
    assert.equal(sortedOf('string', ['', 'a', 'a', 'ab', 'b', 'é', '日本']), true);
    assert.equal(sortedOf('binary', [new Uint8Array([0]), new Uint8Array([0, 0]), new Uint8Array([255])]), true);
  });
  it('is absent for descending or unordered values', () => {
    assert.equal(sortedOf('int32', [3, 2, 1]), undefined);
    assert.equal(sortedOf('int32', [1, 3, 2]), undefined);
    assert.equal(sortedOf('int64', [2n ** 32n, 2n ** 32n - 1n]), undefined, 'the high word alone would call this sorted');
    assert.equal(sortedOf('uint64', [2n ** 63n, 1n]), undefined);
    assert.equal(sortedOf('string', ['b', 'a']), undefined);
    assert.equal(sortedOf('string', ['ab', 'a']), undefined, 'a prefix sorts first');
    assert.equal(sortedOf('string', ['é', 'z']), undefined, 'bytes, not UTF-16 units: é is 0xC3 0xA9');
  });
  it('is absent when a NaN is present, wherever it is', () => {
    assert.equal(sortedOf('float64', [1, NaN, 2]), undefined);
    assert.equal(sortedOf('float64', [NaN]), undefined);
    assert.equal(sortedOf('float32', [1, 2, NaN]), undefined);
  });
  it('ignores nulls: the non-null values decide', () => {
    assert.equal(sortedOf('int32', [null, 1, null, 2, 3, null]), true);
    assert.equal(sortedOf('int32', [null, 3, null, 2]), undefined);
    assert.equal(sortedOf('string', ['a', null, 'b']), true);
    assert.equal(sortedOf('int32', [null, null]), undefined, 'no value, no order');
  });
  it('is never set for bool', () => {
    assert.equal(sortedOf('bool', [false, true, true]), undefined);
  });
  it('goes to the footer only when true, and comes back', () => {
    const s = computeStats(column('int32', [1, 2, 3]));
    const f = statsToFooter('int32', s);
    assert.equal(f.sorted, true);
    assert.equal(statsFromFooter('int32', f, 'x').sorted, true);
    const u = statsToFooter('int32', computeStats(column('int32', [3, 1])));
    assert.equal('sorted' in u, false);
    assert.equal(statsFromFooter('int32', u, 'x').sorted, undefined);
  });
});

// ---- files --------------------------------------------------------------------------------------

async function writeFile(columns: ColumnSchema[], data: Record<string, unknown[]>, rowGroupRows: number): Promise<Uint8Array> {
  const sink = new BufferSink();
  const w = await NCFWriter.open(sink, { schema: columns, rowGroupRows });
  await w.write(data as never);
  await w.close();
  return sink.result!;
}

/** The file with its footer changed by `mutate`, tail CRC and SHA-256 made true again. */
function rebuild(file: Uint8Array, mutate: (footer: any) => void): Uint8Array {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const footerLength = view.getUint32(file.length - 48, true);
  const footerOffset = file.length - 48 - footerLength;
  const meta = decode(file.subarray(footerOffset, footerOffset + footerLength)) as any;
  mutate(meta);
  return assembleFile(file.subarray(0, footerOffset), encode(meta), file);
}

const ids = (t: { getChild(n: string): { toArray(): ArrayLike<unknown> } | null }): unknown[] => Array.from(t.getChild('id')!.toArray());

describe('the sorted flag in files', () => {
  const columns: ColumnSchema[] = [
    { name: 'id', type: 'int32', nullable: false },
    { name: 'name', type: 'string', nullable: true },
    { name: 'noise', type: 'int32', nullable: false },
  ];
  const n = 3000;
  const data = {
    id: Array.from({ length: n }, (_, i) => Math.floor(i / 3)),
    name: Array.from({ length: n }, (_, i) => (i % 5 === 0 ? null : `k${String(i).padStart(5, '0')}`)),
    noise: Array.from({ length: n }, (_, i) => (i * 7919) % 1009),
  };

  it('the writer records it per chunk and the reader gives it back', async () => {
    const reader = await NCFReader.open(await writeFile(columns, data, 1000));
    for (const rg of reader.meta.rowGroups) {
      assert.equal(rg.chunks[0]!.sorted, true, 'id');
      assert.equal(rg.chunks[1]!.sorted, true, 'name: its non-null values ascend');
      assert.equal(rg.chunks[2]!.sorted, undefined, 'noise');
    }
    assert.equal(reader.stats().rowGroups[0]!.columns[0]!.sorted, true);
  });

  it('a file without the flag (an older writer) reads as unknown and answers the same', async () => {
    const file = await writeFile(columns, data, 1000);
    const old = rebuild(file, (f) => {
      for (const rg of f.rowGroups) for (const c of rg.chunks) delete c.sorted;
    });
    const a = await NCFReader.open(file);
    const b = await NCFReader.open(old);
    assert.equal(b.meta.rowGroups[0]!.chunks[0]!.sorted, undefined);
    for (const where of [
      ['id=eq.500'],
      ['id=gte.10', 'id=lt.20', 'noise=gt.300'],
      ['id=in.(3,4,700,999)'],
      ['name=gt.k02000', 'name=lte.k02010'],
      ['id=gt.5000'],
    ]) {
      assert.deepEqual(ids(await a.read({ where })), ids(await b.read({ where })), where.join('&'));
    }
    assert.deepEqual(ids(await a.read({ where: 'id=eq.500' })), [500, 500, 500]);
  });

  it('hostile flag values are refused by the footer validation', async () => {
    const file = await writeFile(columns, data, 1000);
    for (const bad of ['yes', 1, 0, null, {}, [true], new Uint8Array([1])]) {
      const f = rebuild(file, (m) => {
        m.rowGroups[0].chunks[0].sorted = bad;
      });
      await assert.rejects(
        NCFReader.open(f),
        (e: unknown) => e instanceof NCFError && e.code === 'CORRUPT_FILE' && /sorted/.test(e.message),
        String(bad),
      );
    }
  });

  it('a float chunk marked sorted while counting NaNs is refused', async () => {
    const file = await writeFile([{ name: 'id', type: 'float64', nullable: false }], { id: [1, 2, NaN] }, 10);
    const f = rebuild(file, (m) => {
      m.rowGroups[0].chunks[0].sorted = true;
    });
    await assert.rejects(NCFReader.open(f), (e: unknown) => e instanceof NCFError && /marked sorted but holds 1 NaNs/.test(e.message));
  });

  it('a chunk falsely marked sorted is reported corrupt when a filter relies on it, never answered wrongly', async () => {
    const file = await writeFile(columns, data, 1000);
    const f = rebuild(file, (m) => {
      m.rowGroups[0].chunks[2].sorted = true;
    });
    const reader = await NCFReader.open(f);
    await assert.rejects(
      reader.read({ where: 'noise=eq.5' }),
      (e: unknown) => e instanceof NCFError && e.code === 'CORRUPT_FILE' && /not in ascending order/.test(e.message),
    );
    // The flag on a chunk with nulls is not relied on (null slots hold anything): the scan answers.
    const g = rebuild(file, (m) => {
      m.rowGroups[0].chunks[1].sorted = true;
    });
    assert.equal((await (await NCFReader.open(g)).read({ where: 'name=eq.k00001' })).numRows, 1);
  });
});

// ---- the fast path against the scan path -------------------------------------------------------

const schema: ColumnSchema[] = [
  { name: 'i', type: 'int32', nullable: true },
  { name: 'big', type: 'int64', nullable: true },
  { name: 'u', type: 'uint64', nullable: true },
  { name: 'f', type: 'float64', nullable: true },
  { name: 'g', type: 'float32', nullable: true },
  { name: 's', type: 'string', nullable: true },
  { name: 'bin', type: 'binary', nullable: true },
  { name: 'ts', type: 'timestamp', nullable: true, unit: 'ms' },
  { name: 'b', type: 'bool', nullable: true },
];

const domains: Record<string, Cell[]> = {
  i: [-(2 ** 31), -7, -1, 0, 1, 2, 3, 50, 2 ** 31 - 1],
  big: [-(2n ** 63n), -(2n ** 32n), -1n, 0n, 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 63n - 1n],
  u: [0n, 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 63n, 2n ** 64n - 1n],
  f: [-Infinity, -1e300, -1.5, -0, 0, 0.1, 2, Infinity, NaN],
  g: [-Infinity, -1.5, -0, 0, Math.fround(0.1), 1, NaN],
  s: ['', 'a', 'ab', 'abc', 'B', 'é', 'É', '日本', '😀', 'a😀'],
  bin: [new Uint8Array([]), new Uint8Array([0]), new Uint8Array([0, 255]), new Uint8Array([7]), new Uint8Array([255, 255])],
  ts: [-(2n ** 50n), -1n, 0n, 1n, 1704067200000n],
  b: [false, true],
};

function compareCells(a: Cell, b: Cell): number {
  if (typeof a === 'bigint') return a < (b as bigint) ? -1 : a > (b as bigint) ? 1 : 0;
  if (typeof a === 'number') return (a as number) - (b as number) || 0;
  if (typeof a === 'boolean') return Number(a) - Number(b);
  const x = Buffer.from(typeof a === 'string' ? a : (a as Uint8Array));
  const y = Buffer.from(typeof b === 'string' ? b : (b as Uint8Array));
  return Buffer.compare(x, y);
}

/** A cell as a JSON-form filter literal (64-bit ints as text, binary as base64, ±Infinity/NaN as text). */
function literal(name: string, v: Cell): string | number | boolean {
  if (typeof v === 'bigint') return name === 'ts' ? Number(v) : String(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return v as string | number | boolean;
}

/** A column of n cells: sorted (the usual case for keys), sorted with a few nulls, or random. */
function columnArb(name: string, n: number): fc.Arbitrary<Cell[]> {
  const values = domains[name]!;
  const pool = fc.subarray(values, { minLength: 1 });
  return pool.chain((p) =>
    fc
      .tuple(
        fc.array(fc.constantFrom(...p), { minLength: n, maxLength: n }),
        fc.constantFrom('sorted', 'sorted', 'sorted-nulls', 'random'),
        fc.array(fc.nat(Math.max(0, n - 1)), { maxLength: 2 }),
      )
      .map(([cells, shape, nullAt]) => {
        const out: Cell[] = shape === 'random' ? cells : [...cells].sort(compareCells);
        if (shape === 'sorted-nulls') for (const k of nullAt) out[k] = null;
        return out;
      }),
  );
}

function leafArb(table: Record<string, Cell[]>): fc.Arbitrary<Filter> {
  return fc.constantFrom(...schema.map((c) => c.name)).chain((name): fc.Arbitrary<Filter> => {
    const lit = fc
      .oneof(
        fc.constantFrom(...(table[name]!.filter((c) => c !== null) as Cell[]).concat(domains[name]!)),
        fc.constantFrom(...domains[name]!),
      )
      .map((v) => literal(name, v));
    return fc.oneof(
      {
        weight: 4,
        arbitrary: fc
          .tuple(fc.constantFrom('eq', 'neq', 'gt', 'gte', 'lt', 'lte' as const), lit)
          .map(([op, value]) => ({ column: name, op, value })),
      },
      {
        weight: 2,
        arbitrary: fc
          .array(fc.oneof({ weight: 5, arbitrary: lit }, { weight: 1, arbitrary: fc.constant(null) }), { maxLength: 5 })
          .map((value) => ({ column: name, op: 'in' as const, value })),
      },
      { weight: 1, arbitrary: fc.constantFrom(null, 'not_null' as const).map((value) => ({ column: name, op: 'is' as const, value })) },
    );
  });
}

function filterArb(table: Record<string, Cell[]>): fc.Arbitrary<Filter> {
  const leaf = leafArb(table);
  return fc.oneof(
    leaf,
    fc.array(leaf, { minLength: 2, maxLength: 4 }).map((and) => ({ and })),
    // Nested groups: an AND inside an AND flattens; OR and NOT stay on the scan path.
    fc.tuple(leaf, leaf, leaf).map(([a, b, c]) => ({ and: [a, { and: [b, c] }] })),
    fc.tuple(leaf, leaf, leaf).map(([a, b, c]) => ({ and: [a, { or: [b, c] }] })),
    fc.tuple(leaf, leaf).map(([a, b]) => ({ and: [a, { not: b }] })),
    fc.tuple(leaf, leaf).map(([a, b]) => ({ or: [a, b] })),
  );
}

const caseArb = fc
  .integer({ min: 0, max: 40 })
  .chain((n) =>
    fc
      .record(Object.fromEntries(schema.map((c) => [c.name, columnArb(c.name, n)])) as Record<string, fc.Arbitrary<Cell[]>>)
      .chain((table) => fc.tuple(fc.constant(n), fc.constant(table), filterArb(table))),
  );

describe("the fast path gives exactly the scan path's rows", () => {
  it('property: random sorted and unsorted columns, random filters', () => {
    let fast = 0;
    fc.assert(
      fc.property(caseArb, ([n, table, filter]) => {
        const cols = schema.map((c) => column(c.type, table[c.name]!));
        const flags = cols.map((c) => computeStats(c).sorted === true);
        const bound = bindFilter(filter, schema);
        const scan = evaluate(bound, (i) => cols[i]!, n);
        let used = false;
        const sorted = evaluate(
          bound,
          (i) => cols[i]!,
          n,
          (i) => {
            used ||= flags[i]!;
            return flags[i]!;
          },
        );
        if (used) fast++;
        assert.deepEqual(
          Array.from(sorted),
          Array.from(scan),
          JSON.stringify(filter, (_, v) => (typeof v === 'bigint' ? String(v) : v)),
        );
      }),
      { numRuns: 1500 },
    );
    assert.ok(fast > 300, `the fast path was offered in only ${fast} of 1500 cases`);
  });

  it('property: through the writer and reader, with and without the footer flag', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 500 }),
        fc.integer({ min: 0, max: 500 }),
        fc.integer({ min: 1, max: 64 }),
        async (n, step, lo, width, rowGroupRows) => {
          // Sorted ids with repeats (step > 1 spreads them, step = 1 repeats none) and unsorted noise.
          const id = Array.from({ length: n }, (_, i) => Math.floor((i * step) / 3));
          const noise = Array.from({ length: n }, (_, i) => (i * 7919) % 13);
          const cols: ColumnSchema[] = [
            { name: 'id', type: 'int32', nullable: false },
            { name: 'noise', type: 'int32', nullable: false },
          ];
          const file = await writeFile(cols, { id, noise }, rowGroupRows);
          const plain = rebuild(file, (f) => {
            for (const rg of f.rowGroups) for (const c of rg.chunks) delete c.sorted;
          });
          const a = await NCFReader.open(file);
          const b = await NCFReader.open(plain);
          for (const where of [
            [`id=eq.${lo}`],
            [`id=gte.${lo}`, `id=lt.${lo + width}`],
            [`id=gt.${lo}`, 'noise=lte.5'],
            [`id=in.(${lo},${lo + 1},${lo + width})`],
          ]) {
            const expected = ids(await b.read({ where }));
            assert.deepEqual(ids(await a.read({ where })), expected, where.join('&'));
            assert.deepEqual(ids(await a.read({ where, offset: 1, limit: 3 })), expected.slice(1, 4));
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
