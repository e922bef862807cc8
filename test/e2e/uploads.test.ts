// Uploads end to end: every format, multipart and raw bodies through real curl, create / replace /
// append / delete statuses, schema overrides, 409 / 413 / 415 / 422 / 400, 20 concurrent appends,
// and uploads killed mid-stream (nothing committed, no temp files left).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, assertProblem, startServer, storedFiles, tempFiles, type Server } from '../support/server.js';
import { expectOf, flights, toCsv, writeAllFormats, type Flight } from './fixtures.js';

const N = 1000;
const rows = flights(N);
const expected = expectOf(rows);
let dir = '';
let files: Record<string, string> = {};
let server: Server;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ncf-e2e-data-'));
  files = await writeAllFormats(dir, rows);
  server = await startServer();
});

after(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Sum of `delay` and row count read back through the query endpoint (NDJSON streams every row). */
async function readBack(name: string): Promise<{ rows: number; delaySum: number; ids: Set<number> }> {
  const r = await fetch(`${server.url}/v1/tables/${name}/rows?select=id,delay&format=ndjson`);
  assert.equal(r.status, 200);
  const lines = (await r.text()).split('\n').filter((l) => l !== '');
  let delaySum = 0;
  const ids = new Set<number>();
  for (const l of lines) {
    const o = JSON.parse(l) as { id: number | string; delay: number | string | null };
    if (o.delay !== null) delaySum += Number(o.delay);
    ids.add(Number(o.id));
  }
  return { rows: lines.length, delaySum, ids };
}

function checkDescription(body: any, e = expected): void {
  assert.equal(body.rowCount, e.rows);
  const byName = Object.fromEntries(body.columns.map((c: any) => [c.name, c]));
  assert.deepEqual(Object.keys(byName).sort(), ['day', 'delay', 'id', 'origin']);
  assert.equal(byName.delay.stats.nullCount, e.nullDelays);
  assert.equal(Number(byName.delay.stats.min), e.minDelay);
  assert.equal(Number(byName.delay.stats.max), e.maxDelay);
  assert.equal(Number(byName.id.stats.min), e.minId);
  assert.equal(Number(byName.id.stats.max), e.maxId);
  assert.equal(byName.origin.stats.min, 'JFK');
  assert.equal(byName.origin.stats.max, 'SFO');
}

const MEDIA: Record<string, string> = {
  csv: 'text/csv',
  ndjson: 'application/x-ndjson',
  json: 'application/json',
  arrowStream: 'application/vnd.apache.arrow.stream',
  arrowFile: 'application/vnd.apache.arrow.file',
  parquet: 'application/vnd.apache.parquet',
};

describe('every upload format', () => {
  for (const fmt of Object.keys(MEDIA)) {
    test(`${fmt}: multipart -F file=@… creates the table (201) with the right rows and statistics`, async () => {
      const name = `mp_${fmt}`;
      const r = await api(server, 'POST', `/v1/tables/${name}`, ['-F', `file=@${files[fmt]}`]);
      assert.equal(r.status, 201, r.text);
      assert.equal(r.headers.location, `/v1/tables/${name}`);
      assert.equal(r.headers['ncf-table-version'], '1');
      const body = r.json();
      assert.equal(body.name, name);
      assert.equal(body.version, 1);
      assert.equal(body.operation, 'create');
      assert.equal(body.rowsAdded, N);
      checkDescription(body);
      const back = await readBack(name);
      assert.equal(back.rows, N);
      assert.equal(back.delaySum, expected.delaySum);
    });

    test(`${fmt}: raw body with Content-Type ${MEDIA[fmt]} creates the table`, async () => {
      const name = `raw_${fmt}`;
      const r = await api(server, 'POST', `/v1/tables/${name}`, ['--data-binary', `@${files[fmt]}`, '-H', `Content-Type: ${MEDIA[fmt]}`]);
      assert.equal(r.status, 201, r.text);
      checkDescription(r.json());
    });
  }

  test("?format= wins over the Content-Type; a raw body's ?filename= extension is used when nothing else tells", async () => {
    let r = await api(server, 'POST', '/v1/tables/by_param?format=ndjson', [
      '--data-binary',
      `@${files.ndjson}`,
      '-H',
      'Content-Type: application/octet-stream',
    ]);
    assert.equal(r.status, 201, r.text);
    checkDescription(r.json());
    r = await api(server, 'POST', '/v1/tables/by_filename?filename=flights.parquet', [
      '--data-binary',
      `@${files.parquet}`,
      '-H',
      'Content-Type: application/octet-stream',
    ]);
    assert.equal(r.status, 201, r.text);
    checkDescription(r.json());
    // A multipart part sent as octet-stream is recognised by its file name.
    r = await api(server, 'POST', '/v1/tables/by_part_name', ['-F', `file=@${files.arrowFile};type=application/octet-stream`]);
    assert.equal(r.status, 201, r.text);
  });
});

describe('appends across formats', () => {
  test("a Parquet file made by DuckDB (BIGINT ids) appends to a CSV-made table (int32): read as the table's types", async () => {
    const r = await api(server, 'POST', '/v1/tables/mp_csv/rows', ['-F', `file=@${files.parquet}`]);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().rowCount, 2 * N);
    const id = r.json().columns.find((c: any) => c.name === 'id');
    assert.equal(id.type, 'int32');
    const back = await readBack('mp_csv');
    assert.equal(back.rows, 2 * N);
    assert.equal(back.delaySum, 2 * expected.delaySum);
  });
});

describe('create, replace, append, delete', () => {
  test('POST on an existing table is 409; PUT replaces (200) and creates (201); versions record each write', async () => {
    const csv = join(dir, 'small.csv');
    await writeFile(csv, toCsv(flights(10)));
    let r = await api(server, 'POST', '/v1/tables/life', ['-F', `file=@${csv}`]);
    assert.equal(r.status, 201);
    r = await api(server, 'POST', '/v1/tables/life', ['-F', `file=@${csv}`]);
    assertProblem(r, 409, r.json());
    assert.equal(r.json().table, 'life');

    const other = join(dir, 'other.csv');
    await writeFile(other, toCsv(flights(25, 500)));
    r = await api(server, 'PUT', '/v1/tables/life', ['-F', `file=@${other}`]);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().version, 2);
    assert.equal(r.json().operation, 'replace');
    checkDescription(r.json(), expectOf(flights(25, 500)));

    r = await api(server, 'PUT', '/v1/tables/life_new', ['-F', `file=@${other}`]);
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json().version, 1);

    r = await api(server, 'POST', '/v1/tables/life/rows', ['--data-binary', `@${csv}`, '-H', 'Content-Type: text/csv']);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().version, 3);
    assert.equal(r.json().rowCount, 35);
    assert.equal(r.json().rowsAdded, 10);
    assert.equal(r.json().operation, 'append');

    r = await api(server, 'GET', '/v1/tables/life/versions');
    assert.equal(r.status, 200);
    assert.deepEqual(
      r.json().versions.map((v: any) => [v.version, v.operation, v.rowsAdded, v.rowCount]),
      [
        [1, 'create', 10, 10],
        [2, 'replace', 25, 25],
        [3, 'append', 10, 35],
      ],
    );

    // Time travel: version 1 is the table as first created.
    r = await api(server, 'GET', '/v1/tables/life?version=1');
    assert.equal(r.status, 200);
    checkDescription(r.json(), expectOf(flights(10)));
    r = await api(server, 'GET', '/v1/tables/life?version=9');
    assertProblem(r, 404, r.json());

    r = await api(server, 'DELETE', '/v1/tables/life');
    assert.equal(r.status, 204);
    assert.equal(r.body.length, 0);
    r = await api(server, 'DELETE', '/v1/tables/life');
    assertProblem(r, 404, r.json());
    r = await api(server, 'GET', '/v1/tables/life');
    assertProblem(r, 404, r.json());
    r = await api(server, 'GET', '/v1/tables/life/versions');
    assertProblem(r, 404, r.json());
  });

  test('append to a missing table is 404; columns that differ are 409 naming them', async () => {
    const csv = join(dir, 'small2.csv');
    await writeFile(csv, toCsv(flights(5)));
    let r = await api(server, 'POST', '/v1/tables/nothing_here/rows', ['-F', `file=@${csv}`]);
    assertProblem(r, 404, r.json());

    r = await api(server, 'POST', '/v1/tables/shape', ['-F', `file=@${csv}`]);
    assert.equal(r.status, 201);
    const wrong = join(dir, 'wrong.csv');
    await writeFile(wrong, 'id,origin,gate\n1,SFO,A1\n');
    r = await api(server, 'POST', '/v1/tables/shape/rows', ['-F', `file=@${wrong}`]);
    const body = r.json();
    assertProblem(r, 409, body);
    const diffs = Object.fromEntries(body.differences.map((d: any) => [d.column, d.issue]));
    assert.deepEqual(diffs, { delay: 'missing', day: 'missing', gate: 'extra' });
    assert.match(body.detail, /gate/);

    // Same columns in another order append fine.
    const reordered = join(dir, 'reordered.csv');
    await writeFile(reordered, 'day,delay,origin,id\n2024-03-01,5,LAX,77\n');
    r = await api(server, 'POST', '/v1/tables/shape/rows', ['-F', `file=@${reordered}`]);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().rowCount, 6);

    // Appends are parsed as the table's types: a value that is not one is 422 with its line and column.
    const badType = join(dir, 'badtype.csv');
    await writeFile(badType, 'id,origin,delay,day\n1,SFO,late,2024-01-01\n');
    r = await api(server, 'POST', '/v1/tables/shape/rows', ['-F', `file=@${badType}`]);
    assertProblem(r, 422, r.json());
    assert.equal(r.json().line, 2);
    assert.equal(r.json().column, 'delay');
    r = await api(server, 'GET', '/v1/tables/shape');
    assert.equal(r.json().version, 2);
  });
});

describe('schema overrides', () => {
  test('?schema= and a multipart schema field set types and semantic types', async () => {
    const schema = JSON.stringify({ id: 'int64', origin: { type: 'string', semanticType: 'categorical' } });
    let r = await api(server, 'POST', `/v1/tables/typed_q?schema=${encodeURIComponent(schema)}`, ['-F', `file=@${files.csv}`]);
    assert.equal(r.status, 201, r.text);
    let cols = Object.fromEntries(r.json().columns.map((c: any) => [c.name, c]));
    assert.equal(cols.id.type, 'int64');
    assert.equal(cols.origin.semanticType, 'categorical');
    assert.equal(cols.delay.semanticType, null);

    r = await api(server, 'POST', '/v1/tables/typed_mp', ['-F', `file=@${files.csv}`, '-F', `schema=${schema}`]);
    assert.equal(r.status, 201, r.text);
    cols = Object.fromEntries(r.json().columns.map((c: any) => [c.name, c]));
    assert.equal(cols.id.type, 'int64');
    assert.equal(cols.origin.semanticType, 'categorical');
  });

  test('a malformed schema is 400 naming the parameter; nothing is created', async () => {
    let r = await api(server, 'POST', `/v1/tables/typed_bad?schema=${encodeURIComponent('{"id":')}`, ['-F', `file=@${files.csv}`]);
    assertProblem(r, 400, r.json());
    assert.equal(r.json().parameter, 'schema');
    r = await api(server, 'POST', `/v1/tables/typed_bad?schema=${encodeURIComponent('{"id":"int33"}')}`, ['-F', `file=@${files.csv}`]);
    assertProblem(r, 400, r.json());
    assert.match(r.json().detail, /int33/);
    r = await api(server, 'GET', '/v1/tables/typed_bad');
    assert.equal(r.status, 404);
  });
});

describe('bad uploads', () => {
  test('an unknown format is 415 (no type, unknown ?format=, unknown extension)', async () => {
    let r = await api(server, 'POST', '/v1/tables/f415', ['--data-binary', `@${files.csv}`]);
    assertProblem(r, 415, r.json());
    r = await api(server, 'POST', '/v1/tables/f415?format=xml', ['--data-binary', `@${files.csv}`, '-H', 'Content-Type: text/csv']);
    assertProblem(r, 415, r.json());
    assert.equal(r.json().parameter, 'format');
    const bin = join(dir, 'data.bin');
    await writeFile(bin, 'a,b\n1,2\n');
    r = await api(server, 'POST', '/v1/tables/f415', ['-F', `file=@${bin};type=application/octet-stream`]);
    assertProblem(r, 415, r.json());
    assert.equal((await api(server, 'GET', '/v1/tables/f415')).status, 404);
  });

  test('unparseable uploads are 422 with the CSV line and column', async () => {
    const csv = join(dir, 'bad.csv');
    await writeFile(csv, 'a,b\n1,x\n2,y\nthree,z\n');
    let r = await api(server, 'POST', `/v1/tables/bad_csv?schema=${encodeURIComponent('{"a":"int32"}')}`, ['-F', `file=@${csv}`]);
    const body = r.json();
    assertProblem(r, 422, body);
    assert.equal(body.line, 4);
    assert.equal(body.column, 'a');
    assert.match(body.detail, /line 4/);

    const quote = join(dir, 'quote.csv');
    await writeFile(quote, 'a,b\n1,"open\n');
    r = await api(server, 'POST', '/v1/tables/bad_quote', ['-F', `file=@${quote}`]);
    assertProblem(r, 422, r.json());
    assert.equal(typeof r.json().line, 'number');

    const nd = join(dir, 'bad.ndjson');
    await writeFile(nd, '{"a":1}\n{"a":\n');
    r = await api(server, 'POST', '/v1/tables/bad_nd', ['-F', `file=@${nd}`]);
    assertProblem(r, 422, r.json());
    assert.equal(r.json().line, 2);

    const pq = join(dir, 'bad.parquet');
    await writeFile(pq, 'PAR1 this is not parquet PAR1');
    r = await api(server, 'POST', '/v1/tables/bad_pq', ['-F', `file=@${pq}`]);
    assertProblem(r, 422, r.json());

    for (const name of ['bad_csv', 'bad_quote', 'bad_nd', 'bad_pq'])
      assert.equal((await api(server, 'GET', `/v1/tables/${name}`)).status, 404);
    assert.deepEqual(await tempFiles(server), []);
  });

  test('bad table names are 400 naming the rule', async () => {
    for (const name of ['9lives', 'a-b', 'x'.repeat(129), 'caf%C3%A9', 'a.b']) {
      for (const [method, path, args] of [
        ['GET', `/v1/tables/${name}`, []],
        ['POST', `/v1/tables/${name}`, ['-F', `file=@${files.csv}`]],
        ['DELETE', `/v1/tables/${name}`, []],
      ] as const) {
        const r = await api(server, method, path, [...args]);
        assertProblem(r, 400, r.json());
        assert.match(r.json().detail, /\[A-Za-z_\]\[A-Za-z0-9_\]\{0,127\}/);
        assert.equal(r.json().parameter, 'name');
      }
    }
    const ok = await api(server, 'POST', `/v1/tables/_${'x'.repeat(127)}`, ['-F', `file=@${files.csv}`]);
    assert.equal(ok.status, 201, ok.text);
  });

  test('a multipart body without a part named file is 400', async () => {
    let r = await api(server, 'POST', '/v1/tables/nofile', ['-F', `data=@${files.csv}`]);
    assertProblem(r, 400, r.json());
    r = await api(server, 'POST', '/v1/tables/nofile', ['-F', 'schema={}']);
    assertProblem(r, 400, r.json());
  });
});

describe('concurrency and aborted uploads', () => {
  test('20 concurrent appends: every row lands, versions 1..21 without gaps', async () => {
    const base = join(dir, 'base.csv');
    await writeFile(base, toCsv(flights(100)));
    let r = await api(server, 'POST', '/v1/tables/busy', ['-F', `file=@${base}`]);
    assert.equal(r.status, 201);
    const parts: Flight[][] = [];
    for (let k = 0; k < 20; k++) {
      parts.push(flights(50, 10_000 + k * 50));
      await writeFile(join(dir, `part${k}.csv`), toCsv(parts[k]!));
    }
    const results = await Promise.all(
      parts.map((_, k) => api(server, 'POST', '/v1/tables/busy/rows', ['-F', `file=@${join(dir, `part${k}.csv`)}`])),
    );
    for (const res of results) assert.equal(res.status, 200, res.text);
    assert.deepEqual(
      results.map((x) => x.json().version).sort((a, b) => a - b),
      Array.from({ length: 20 }, (_, i) => i + 2),
    );
    r = await api(server, 'GET', '/v1/tables/busy/versions');
    const versions = r.json().versions;
    assert.deepEqual(
      versions.map((v: any) => v.version),
      Array.from({ length: 21 }, (_, i) => i + 1),
    );
    versions.forEach((v: any, i: number) => assert.equal(v.rowCount, 100 + 50 * i));
    const back = await readBack('busy');
    assert.equal(back.rows, 100 + 20 * 50);
    const all = [...flights(100), ...parts.flat()];
    assert.equal(back.ids.size, all.length, 'no row lost or duplicated');
    assert.equal(back.delaySum, expectOf(all).delaySum);
  });

  async function snapshot(name: string) {
    const r = await api(server, 'GET', `/v1/tables/${name}`);
    return { status: r.status, version: r.json().version, rowCount: r.json().rowCount, files: await storedFiles(server.dataDir) };
  }

  async function settle(): Promise<void> {
    // The server notices the broken connection asynchronously.
    for (let i = 0; i < 50 && (await tempFiles(server)).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  }

  test('a socket destroyed half way through an append leaves the previous version and no temp file', async () => {
    const csv = toCsv(flights(20_000));
    await api(server, 'POST', '/v1/tables/killed', ['-F', `file=@${files.csv}`]);
    const before = await snapshot('killed');
    await new Promise<void>((resolve) => {
      const u = new URL(`${server.url}/v1/tables/killed/rows`);
      const rq = httpRequest({
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        headers: { 'content-type': 'text/csv', 'content-length': String(Buffer.byteLength(csv)) },
      });
      rq.on('error', () => resolve());
      rq.on('response', () => resolve());
      rq.write(csv.slice(0, csv.length / 2), () =>
        setTimeout(() => {
          rq.destroy();
          resolve();
        }, 100),
      );
    });
    await settle();
    assert.deepEqual(await tempFiles(server), []);
    const afterKill = await snapshot('killed');
    assert.deepEqual(afterKill, before);
  });

  test('curl killed mid-upload (rate-limited) leaves the previous version and no temp file', async () => {
    const big = join(dir, 'big.csv');
    await writeFile(big, toCsv(flights(60_000)));
    const before = await snapshot('killed');
    const child = spawn('curl', ['-sS', '--limit-rate', '200K', '-X', 'PUT', '-F', `file=@${big}`, `${server.url}/v1/tables/killed`], {
      stdio: 'ignore',
    });
    await new Promise((r) => setTimeout(r, 700));
    // The upload is in progress: the temp file exists.
    assert.ok((await tempFiles(server)).length > 0, 'the upload was being spooled');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    await settle();
    assert.deepEqual(await tempFiles(server), []);
    assert.deepEqual(await snapshot('killed'), before);
  });
});

describe('upload limit', () => {
  let small: Server;
  before(async () => {
    small = await startServer({ env: { NCF_MAX_UPLOAD_BYTES: '4096' } });
  });
  after(async () => {
    await small?.stop();
  });

  test('over NCF_MAX_UPLOAD_BYTES is 413, by Content-Length, mid-stream (chunked) and multipart; nothing is kept', async () => {
    const big = join(dir, 'over.csv');
    await writeFile(big, toCsv(flights(2000)));
    const fits = join(dir, 'fits.csv');
    await writeFile(fits, toCsv(flights(20)));
    let r = await api(small, 'POST', '/v1/tables/t', ['--data-binary', `@${big}`, '-H', 'Content-Type: text/csv']);
    assertProblem(r, 413, r.json());
    assert.equal(r.json().limit, 4096);
    r = await api(small, 'POST', '/v1/tables/t', [
      '--data-binary',
      `@${big}`,
      '-H',
      'Content-Type: text/csv',
      '-H',
      'Transfer-Encoding: chunked',
    ]);
    assertProblem(r, 413, r.json());
    r = await api(small, 'POST', '/v1/tables/t', ['-F', `file=@${big}`]);
    assertProblem(r, 413, r.json());
    assert.equal((await api(small, 'GET', '/v1/tables/t')).status, 404);
    assert.deepEqual(await tempFiles(small), []);
    assert.deepEqual(await storedFiles(small.dataDir), []);
    r = await api(small, 'POST', '/v1/tables/t', ['-F', `file=@${fits}`]);
    assert.equal(r.status, 201, r.text);
  });
});
