// Every README example of the service runs against a real server: the ```sh blocks tagged `test`
// (one server, in order, sharing a working directory), `test-keys` (a server started with the
// keys the README names) and `test-maintenance` (compaction and vacuum of a table of many appends). Each curl's HTTP status is collected on stderr and checked, and so is
// what the examples print, including the Arrow stream read with apache-arrow and flechette.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as arrow from 'apache-arrow';
import { tableFromIPC as flechetteFromIPC } from '@uwdata/flechette';
import { DuckDBInstance } from '@duckdb/node-api';
import { ROOT, startServer, type Server } from '../support/server.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const blocks = [...README.matchAll(/```sh (test[\w-]*)\n([\s\S]*?)```/g)].map((m) => ({ tag: m[1]!, code: m[2]! }));
const DEFAULT_URL = 'http://127.0.0.1:8080';

let cwd = '';
before(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'ncf-readme-'));
});
after(async () => {
  await rm(cwd, { recursive: true, force: true });
});

/** Runs a block in bash against `server`; returns stdout and the HTTP status of each curl, in order. */
function run(code: string, server: Server): Promise<{ stdout: string; statuses: number[]; stderr: string }> {
  assert.ok(code.includes(DEFAULT_URL), 'examples use the default address');
  const script = `set -euo pipefail\ncurl() { command curl "$@" -w '%{stderr}HTTP %{http_code}\\n'; }\n${code.replaceAll(DEFAULT_URL, server.url)}`;
  return new Promise((res, rej) => {
    execFile('bash', ['-c', script], { cwd, timeout: 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) rej(new Error(`README block failed: ${err.message}\n${stderr}\n${stdout}`));
      else res({ stdout, stderr, statuses: [...stderr.matchAll(/^HTTP (\d+)$/gm)].map((m) => Number(m[1])) });
    });
  });
}

test('the README has the two set-up commands first and tagged service examples', () => {
  const first = /```sh\n(.*)\n(.*)\n```/.exec(README)!;
  assert.match(first[1]!, /^npm ci && npm start\b/);
  assert.match(first[2]!, /^npm ci && npm test\b/);
  assert.deepEqual(
    blocks.map((b) => b.tag),
    ['test', 'test', 'test-keys', 'test-maintenance'],
  );
});

test('the curl session: upload, list, schema, query as JSON and as Arrow, and the rest of the API', async () => {
  const server = await startServer();
  try {
    const [session, more] = blocks.filter((b) => b.tag === 'test');
    const a = await run(session!.code, server);
    assert.deepEqual(a.statuses, [201, 200, 200, 200, 200, 200], a.stderr);
    assert.match(a.stdout, /"name":"flights","version":1,"rowCount":4/);
    assert.match(a.stdout, /\{"tables":\[\{"name":"flights","version":1,"rowCount":4,"columnCount":4,/);
    assert.match(a.stdout, /"name":"delay","type":"int32","semanticType":null,"nullable":true,"stats":\{"min":-3,"max":130,"nullCount":1/);
    assert.ok(
      a.stdout.includes(
        '"rows":[{"origin":"JFK","dest":"SFO","delay":130},{"origin":"SFO","dest":"JFK","delay":75}],"rowCount":2,"next":null',
      ),
      a.stdout,
    );
    const bytes = await readFile(join(cwd, 'late.arrows'));
    const t = arrow.tableFromIPC(bytes);
    assert.deepEqual(
      t.schema.fields.map((f) => f.name),
      ['origin', 'dest', 'delay'],
    );
    assert.deepEqual(t.getChild('delay')!.toArray(), Int32Array.from([130, 75]));
    assert.deepEqual([...t.getChild('origin')!], ['JFK', 'SFO']);
    // The Parquet download, read by DuckDB.
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    const pq = await duck.runAndReadAll(`SELECT origin, dest, delay FROM read_parquet('${join(cwd, 'late.parquet')}')`);
    assert.deepEqual(pq.getRows(), [
      ['JFK', 'SFO', 130],
      ['SFO', 'JFK', 75],
    ]);
    duck.closeSync();
    const f = flechetteFromIPC(bytes);
    assert.deepEqual(f.getChild('delay').toArray(), Int32Array.from([130, 75]));
    assert.deepEqual(f.getChild('dest').toArray(), ['SFO', 'JFK']);

    const b = await run(more!.code, server);
    assert.deepEqual(b.statuses, [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 204], b.stderr);
    assert.match(b.stdout, /"version":2,"rowCount":5,/);
    assert.match(b.stdout, /"operation":"append"/);
    assert.match(b.stdout, /\{"version":2,"time":"[^"]+","operation":"append","rowsAdded":1,"rowCount":5\}/);
    // Version 1 as NDJSON: the four original rows, not the appended one.
    const ndjson = [...b.stdout.matchAll(/\{"origin":"[A-Z]+","dest":"[A-Z]+","delay":[-0-9a-z]+,"date":"[0-9-]+"\}\n/g)].map((m) =>
      JSON.parse(m[0]),
    );
    assert.deepEqual(
      ndjson.map((o) => o.delay),
      [75, -3, null, 130],
    );
    assert.match(b.stdout, /origin,dest,delay,date\r?\nSFO,JFK,75,2024-01-02\r?\nLAX,ORD,-3,2024-01-02\r?\nSFO,LAX,,2024-01-03\r?\n/);
    assert.ok(b.stdout.includes('"rows":[{"origin":"JFK","delay":130},{"origin":"SFO","delay":75}],"rowCount":2'), b.stdout);
    assert.match(b.stdout, /^ncf-row-groups: 0\/2\r?$/im);
    assert.match(b.stdout, /^content-range: 0-1\/3\r?$/im);
    assert.match(b.stdout, /^preference-applied: count=exact\r?$/im);
    assert.ok(
      b.stdout.includes(
        '"rows":[{"origin":"SFO","count":2,"late":75},{"origin":"JFK","count":1,"late":130},' +
          '{"origin":"LAX","count":1,"late":-3},{"origin":"ORD","count":1,"late":12}],"rowCount":4',
      ),
      b.stdout,
    );
    assert.match(b.stdout, /"rowCount":\{"value":5,"exact":true\}/);
    assert.match(b.stdout, /"row_count":\{"value":5,"exact":true\}/, 'the deprecated snake_case key is still sent');
    assert.match(b.stdout, /"column":"delay","type":"int32".*"bins":\[/);
    assert.match(b.stdout, /"column":"origin","type":"string".*"values":\[\{"value":"SFO","count":2\}/);
    assert.match(b.stdout, /"name":"delay","type":"int64"/);
    assert.match(b.stdout, /"name":"origin","type":"string","semanticType":"categorical"/);
    assert.equal((await fetch(`${server.url}/v1/tables/flights`)).status, 404, 'the session ends by deleting the table');
  } finally {
    await server.stop();
  }
});

test('the API key example', async () => {
  const keys = /NCF_API_KEYS='([^']+)' npm start/.exec(README)?.[1];
  assert.ok(keys, 'the README shows how to start with keys');
  const server = await startServer({ env: { NCF_API_KEYS: keys } });
  try {
    const r = await run(blocks.find((b) => b.tag === 'test-keys')!.code, server);
    assert.deepEqual(r.statuses, [201, 200, 401], r.stderr);
    assert.match(r.stdout, /"tables":\[\{"name":"flights"/);
  } finally {
    await server.stop();
  }
});

test('the maintenance example: compaction, then vacuum, of a table made of appends', async () => {
  // Vacuum removes what versions older than the retained ones held, and no grace keeps orphans.
  const server = await startServer({ env: { NCF_RETAIN_VERSIONS: '1', NCF_ORPHAN_GRACE: '0' } });
  try {
    const base = `${server.url}/v1/tables/flights`;
    const csv = (i: number) => `origin,dest,delay,date\nSFO,JFK,${i},2024-01-0${1 + (i % 9)}\n`;
    let r = await fetch(base, { method: 'POST', body: csv(0), headers: { 'content-type': 'text/csv' } });
    assert.equal(r.status, 201, await r.text());
    for (let i = 1; i < 5; i++) {
      r = await fetch(`${base}/rows`, { method: 'POST', body: csv(i), headers: { 'content-type': 'text/csv' } });
      assert.equal(r.status, 200, await r.text());
    }
    const out = await run(blocks.find((b) => b.tag === 'test-maintenance')!.code, server);
    assert.deepEqual(out.statuses, [200, 200], out.stderr);
    // Two JSON answers, printed back to back by curl.
    const [compact, vacuum] = out.stdout
      .trim()
      .replace(/\}\s*\{/g, '}\n{')
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(compact.compacted, true, out.stdout);
    assert.equal(compact.filesBefore, 5);
    assert.equal(compact.filesAfter, 1);
    assert.equal(vacuum.expiredVersions, 5, out.stdout);
    assert.equal(vacuum.expiredFilesRemoved, 5);
    const rows = (await (await fetch(`${base}/rows?select=delay&order=delay`)).json()) as { rows: { delay: number }[] };
    assert.deepEqual(
      rows.rows.map((x) => x.delay),
      [0, 1, 2, 3, 4],
    );
  } finally {
    await server.stop();
  }
});
