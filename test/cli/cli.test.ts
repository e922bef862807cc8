// The ncf command end to end, as a user runs it: a real process (the built bin/ncf.js), real files,
// and DuckDB reading the same CSV as an independent oracle.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import * as arrow from 'apache-arrow';
import { DuckDBInstance } from '@duckdb/node-api';
import { withTempDir } from '../helpers.js';

const run = promisify(execFile);
const NCF = fileURLToPath(new URL('../../bin/ncf.js', import.meta.url));

async function ncf(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [NCF, ...args], { maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (e: any) {
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function csvFixture(n: number): string {
  const lines = ['id,first name,zip,delay,price,flag,day,note'];
  for (let i = 0; i < n; i++) {
    const delay = i % 11 === 0 ? '' : String(((i * 37) % 200) - 30);
    const zip = String((i * 7) % 100000).padStart(5, '0');
    const note = i % 5 === 0 ? '"has, comma"' : i % 7 === 0 ? '' : `note ${i % 3}`;
    const day = `2024-0${1 + (i % 9)}-${String(1 + (i % 28)).padStart(2, '0')}`;
    lines.push(`${i},name ${i % 13},${zip},${delay},${(i % 500) / 4},${i % 3 === 0},${day},${note}`);
  }
  return lines.join('\n') + '\n';
}

test('ncf --help and each command --help exit 0 and describe usage', async () => {
  const main = await ncf(['--help']);
  assert.equal(main.code, 0);
  for (const cmd of ['convert', 'inspect', 'cat', 'validate']) {
    assert.match(main.stdout, new RegExp(`ncf ${cmd}`));
    const sub = await ncf([cmd, '--help']);
    assert.equal(sub.code, 0);
    assert.match(sub.stdout, new RegExp(`Usage: ncf ${cmd}`));
  }
  const bad = await ncf(['frobnicate']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown command "frobnicate"/);
});

test('convert a CSV, inspect it, and cat with filters: the rows match DuckDB on the same CSV', async () => {
  await withTempDir(async (dir) => {
    const csv = join(dir, 'flights.csv');
    const out = join(dir, 'flights.ncf');
    await writeFile(csv, csvFixture(5000));
    const conv = await ncf(['convert', csv, out, '--row-group-rows', '1000']);
    assert.equal(conv.code, 0, conv.stderr);
    assert.match(conv.stderr, /5000 rows, 5 row groups/);

    const inspect = JSON.parse((await ncf(['inspect', out, '--json'])).stdout);
    const types = Object.fromEntries(inspect.columns.map((c: any) => [c.name, c.type]));
    assert.deepEqual(types, {
      id: 'int32',
      'first name': 'string',
      zip: 'string',
      delay: 'int32',
      price: 'float64',
      flag: 'bool',
      day: 'date',
      note: 'string',
    });
    assert.equal(inspect.rows, 5000);
    assert.equal(inspect.columns.find((c: any) => c.name === 'delay').nulls, Math.ceil(5000 / 11));
    const text = (await ncf(['inspect', out])).stdout;
    assert.match(text, /row group 4: 1000 rows/);

    const cat = await ncf([
      'cat',
      out,
      '--columns',
      'id,zip,delay,note',
      '--where',
      'delay=gt.150',
      '--where',
      'zip=like.0*',
      '--format',
      'ndjson',
    ]);
    assert.equal(cat.code, 0, cat.stderr);
    const rows = cat.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));

    const db = await (await DuckDBInstance.create()).connect();
    const reader = await db.runAndReadAll(
      `SELECT id, zip, delay, note FROM read_csv('${csv}', header=true, types={'zip':'VARCHAR','note':'VARCHAR'}) WHERE delay > 150 AND zip LIKE '0%' ORDER BY id`,
    );
    const expected = reader.getRowObjectsJson().map((r: any) => ({ id: Number(r.id), zip: r.zip, delay: Number(r.delay), note: r.note }));
    assert.ok(expected.length > 10);
    assert.deepEqual(rows, expected);
    db.closeSync();

    const csvOut = await ncf(['cat', out, '--columns', 'id,note', '--limit', '3', '--offset', '4', '--format', 'csv']);
    assert.equal(csvOut.stdout, 'id,note\r\n4,note 1\r\n5,"has, comma"\r\n6,note 0\r\n');

    const arrowOut = await run(process.execPath, [NCF, 'cat', out, '--where', 'id=lt.10', '--format', 'arrow'], { encoding: 'buffer' });
    const t = arrow.tableFromIPC(arrowOut.stdout as unknown as Uint8Array);
    assert.equal(t.numRows, 10);
    assert.equal(t.getChild('first name')!.get(3), 'name 3');

    const json = JSON.parse((await ncf(['cat', out, '--where', 'id=in.(1,2)', '--columns', 'id,day', '--format', 'json'])).stdout);
    assert.deepEqual(json, {
      columns: [
        { name: 'id', type: 'int32' },
        { name: 'day', type: 'date' },
      ],
      rows: [
        { id: 1, day: '2024-02-02' },
        { id: 2, day: '2024-03-03' },
      ],
      rowCount: 2,
      next: null,
    });
  });
});

test('validate: a sound file exits 0, a corrupted one exits 1 with a message', async () => {
  await withTempDir(async (dir) => {
    const csv = join(dir, 'a.csv');
    const out = join(dir, 'a.ncf');
    await writeFile(csv, csvFixture(300));
    assert.equal((await ncf(['convert', csv, out])).code, 0);
    const ok = await ncf(['validate', out]);
    assert.equal(ok.code, 0);
    assert.match(ok.stdout, /ok \(300 rows/);
    const bytes = await readFile(out);
    bytes[100]! ^= 0xff;
    await writeFile(out, bytes);
    const bad = await ncf(['validate', out]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /INVALID: .*(CRC|SHA-256|corrupt)/);
  });
});

test('bad input gives a clear message and exit code, never a stack trace', async () => {
  await withTempDir(async (dir) => {
    const missing = await ncf(['inspect', join(dir, 'nope.ncf')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no such file/);
    const notNcf = join(dir, 'x.ncf');
    await writeFile(notNcf, 'hello world, this is not an ncf file at all........................................');
    const r = await ncf(['cat', notNcf]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not an NCF file/);
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
    const ragged = join(dir, 'r.csv');
    await writeFile(ragged, 'a,b\n1,2\n3\n');
    const conv = await ncf(['convert', ragged, join(dir, 'r.ncf')]);
    assert.equal(conv.code, 1);
    assert.match(conv.stderr, /line 3/);
    const unknownFmt = await ncf(['convert', join(dir, 'data.xyz'), join(dir, 'o.ncf')]);
    assert.equal(unknownFmt.code, 2);
    assert.match(unknownFmt.stderr, /--format/);
    const badWhere = await ncf(['cat', notNcf.replace('x.ncf', 'r.ncf'), '--where', 'a=gtx.1']);
    assert.notEqual(badWhere.code, 0);
  });
});

test('convert from Parquet (written by DuckDB) and Arrow IPC keeps every value', async () => {
  await withTempDir(async (dir) => {
    const pq = join(dir, 'in.parquet');
    const db = await (await DuckDBInstance.create()).connect();
    await db.run(
      `COPY (SELECT i::INTEGER AS id, 'v' || (i % 10) AS s, CASE WHEN i % 4 = 0 THEN NULL ELSE i / 8 END AS x FROM range(2000) t(i)) TO '${pq}' (FORMAT parquet)`,
    );
    const out = join(dir, 'from-parquet.ncf');
    const conv = await ncf(['convert', pq, out]);
    assert.equal(conv.code, 0, conv.stderr);
    const rows = (await ncf(['cat', out, '--where', 'id=gte.1996'])).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const expected = (await db.runAndReadAll(`SELECT * FROM '${pq}' WHERE id >= 1996 ORDER BY id`))
      .getRowObjectsJson()
      .map((r: any) => ({ id: Number(r.id), s: r.s, x: r.x === null ? null : Number(r.x) }));
    assert.deepEqual(rows, expected);
    db.closeSync();

    const ipc = join(dir, 'in.arrow');
    await writeFile(ipc, arrow.tableToIPC(arrow.tableFromArrays({ a: Int32Array.from([5, 6, 7]), b: ['x', 'y', 'z'] }), 'file'));
    const out2 = join(dir, 'from-arrow.ncf');
    assert.equal((await ncf(['convert', ipc, out2])).code, 0);
    assert.equal((await ncf(['cat', out2, '--format', 'csv'])).stdout, 'a,b\r\n5,x\r\n6,y\r\n7,z\r\n');
  });
});
