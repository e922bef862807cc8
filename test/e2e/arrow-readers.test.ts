// Arrow answers read by every Arrow reader users have (issue #14): apache-arrow 14, 17 and 21 and
// flechette decode each answer of a real server to the same schema and the same cells. Cells are
// compared at the byte level for fixed-width types (so the readers' differing JS conversions of
// int64, dates and timestamps cannot hide a difference) and as strings and booleans otherwise.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as arrow21 from 'apache-arrow';
import * as arrow17 from 'apache-arrow-17';
import * as arrow14 from 'apache-arrow-14';
import { tableFromIPC as flechetteFromIPC } from '@uwdata/flechette';
import { req, startServer, type Server } from '../support/server.js';
import { uploadTrips, writeTrips } from './query-data.js';

let server: Server;
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ncf-e2e-readers-'));
  server = await startServer();
  await uploadTrips(
    server,
    'trips',
    await writeTrips(dir, [
      [0, 12_000],
      [12_000, 9_000],
    ]),
  );
  // Zone-less nanosecond timestamps, nulls in every column, an integer beyond 2^53, empty strings.
  const lines = [];
  for (let i = 0; i < 500; i++) {
    const ns = String(i * 7919).padStart(9, '0');
    lines.push(
      JSON.stringify({
        n: i % 11 === 0 ? null : i - 250,
        s: i % 13 === 0 ? null : i % 5 === 0 ? '' : `v${i % 37}é`,
        t: i % 17 === 0 ? null : `2024-03-0${1 + (i % 9)}T01:02:03.${ns}`,
        f: i % 19 === 0 ? null : i / 3,
      }),
    );
  }
  lines.push('{"n":9007199254740993,"s":"big","t":"2262-04-11T23:47:16.854775807","f":-0.0}');
  const r = await req(server, 'POST', '/v1/tables/mixed', {
    body: lines.join('\n') + '\n',
    headers: { 'content-type': 'application/x-ndjson' },
  });
  assert.equal(r.status, 201, await r.clone().text());
});

after(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

type Cell = string | boolean | null;
interface Decoded {
  fields: string[];
  rows: number;
  columns: Cell[][];
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** One column's cells from its batches: `byValue` for strings and booleans, raw bytes otherwise. */
function cells(
  batches: readonly any[],
  byValue: boolean,
  valid: (b: any, i: number) => boolean,
  value: (b: any, i: number) => unknown,
): Cell[] {
  const out: Cell[] = [];
  for (const b of batches) {
    const v = b.values as ArrayBufferView & { BYTES_PER_ELEMENT: number; subarray(a: number, b: number): any };
    const width = byValue ? 0 : v.BYTES_PER_ELEMENT * (b.stride ?? 1);
    const base = (b.offset ?? 0) * width;
    const bytes = byValue ? null : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    for (let i = 0; i < b.length; i++) {
      if (!valid(b, i)) {
        out.push(null);
        continue;
      }
      out.push(byValue ? (value(b, i) as string | boolean) : hex(bytes!.subarray(base + i * width, base + (i + 1) * width)));
    }
  }
  return out;
}

const BY_VALUE = /^(Utf8|LargeUtf8|Bool)/;

function fromApacheArrow(lib: typeof arrow21, bytes: Uint8Array): Decoded {
  const vectors = new WeakMap<object, { get(i: number): unknown }>();
  const table = lib.tableFromIPC(bytes);
  const fields = table.schema.fields.map((f: any) => `${f.name}:${String(f.type)}`);
  const columns = table.schema.fields.map((f: any, j: number) => {
    const vector = table.getChildAt(j)!;
    const byValue = BY_VALUE.test(String(f.type));
    return cells(
      vector.data,
      byValue,
      (d, i) => {
        const bitmap = d.nullBitmap as Uint8Array | undefined;
        if (!bitmap || bitmap.length === 0 || d.nullCount === 0) return true;
        const k = d.offset + i;
        return (bitmap[k >> 3]! & (1 << (k & 7))) !== 0;
      },
      (d, i) => {
        let v = vectors.get(d);
        if (v === undefined) vectors.set(d, (v = lib.makeVector(d)));
        return v.get(i);
      },
    );
  });
  return { fields, rows: table.numRows, columns };
}

function fromFlechette(bytes: Uint8Array, reference: Decoded): Decoded {
  const table = flechetteFromIPC(bytes, { useBigInt: true });
  const names = table.schema.fields.map((f) => f.name);
  const columns = names.map((name, j) => {
    const byValue = BY_VALUE.test(reference.fields[j]!.split(':').slice(1).join(':'));
    // flechette's own at() skips the validity bitmap of a batch without nulls (isValid would read it).
    return cells(
      table.getChild(name).data,
      byValue,
      (b, i) => b.nullCount === 0 || !b.validity || b.isValid(i),
      (b, i) => b.at(i),
    );
  });
  return { fields: reference.fields, rows: table.numRows, columns };
}

const QUERIES: Array<[string, string]> = [
  ['the whole table', '/v1/tables/trips/rows'],
  [
    'a projection, filter and order',
    '/v1/tables/trips/rows?select=big,ts,origin,score,day&delay=gt.40&order=score.desc.nullslast,id&limit=3000',
  ],
  ['an aggregate', '/v1/tables/trips/rows?select=origin,count(),delay.avg(),ts.max()&order=origin'],
  ['no rows', '/v1/tables/trips/rows?id=lt.0'],
  ['nulls, ns timestamps, big integers', '/v1/tables/mixed/rows'],
  ['gzip-encoded', '/v1/tables/mixed/rows?select=t,s&s=not.is.null'],
];

for (const [what, path] of QUERIES) {
  test(`Arrow answer, ${what}: apache-arrow 14, 17, 21 and flechette read the same cells`, async () => {
    const r = await fetch(`${server.url}${path}`, {
      headers: { accept: 'application/vnd.apache.arrow.stream', 'accept-encoding': what === 'gzip-encoded' ? 'gzip' : 'identity' },
    });
    assert.equal(r.status, 200);
    const bytes = new Uint8Array(await r.arrayBuffer());
    const ref = fromApacheArrow(arrow21, bytes);
    // The comparison means something only if the cells are there: every column holds a value.
    if (ref.rows > 0)
      for (const [j, col] of ref.columns.entries())
        assert.ok(
          col.some((c) => c !== null),
          `column ${ref.fields[j]} has values`,
        );
    for (const [name, lib] of [
      ['apache-arrow 17', arrow17],
      ['apache-arrow 14', arrow14],
    ] as const) {
      const got = fromApacheArrow(lib as unknown as typeof arrow21, bytes);
      assert.deepEqual(got.fields, ref.fields, `${name}: schema`);
      assert.equal(got.rows, ref.rows, `${name}: rows`);
      assert.deepEqual(got.columns, ref.columns, `${name}: cells`);
    }
    const fl = fromFlechette(bytes, ref);
    assert.equal(fl.rows, ref.rows, 'flechette: rows');
    assert.deepEqual(fl.columns, ref.columns, 'flechette: cells');
    // The answer is the table: the JSON answer of the same query has as many rows.
    if (!path.includes('count()')) {
      const j = await fetch(`${server.url}${path}${path.includes('?') ? '&' : '?'}format=ndjson`);
      const lines = (await j.text()).split('\n').filter((l) => l !== '');
      assert.equal(lines.length, ref.rows, 'NDJSON rows of the same query');
    }
  });
}
