// PostgREST's counting convention end to end (issue #14 item 6): `Prefer: count=exact|planned|
// estimated` on GET /rows and POST /query gives `Content-Range: first-last/total` and
// `Preference-Applied`, `*/N` for an empty page, `first-last/*` without a count; counted with real
// curl against the real server over the "trips" table (three files), DuckDB over the same CSV files
// as the oracle. CORS exposes Content-Range and lets a page send Prefer.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, startServer, type Server } from '../support/server.js';
import { openOracle, uploadTrips, writeTrips, type Oracle } from './query-data.js';

let server: Server;
let oracle: Oracle;
let dir: string;
const PAGE = 50;
const DASH = 'https://dash.example.com';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ncf-count-e2e-'));
  // The last file is smaller than a JSON page: `estimated` counts it exactly.
  const files = await writeTrips(dir, [
    [0, 3000],
    [3000, 2000],
    [5000, 30],
  ]);
  server = await startServer({ env: { NCF_MAX_RESPONSE_ROWS: String(PAGE), NCF_CORS_ORIGINS: DASH } });
  await uploadTrips(server, 'trips', files);
  oracle = await openOracle(files);
});

after(async () => {
  oracle?.close();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function count(where: string): Promise<number> {
  return Number(await oracle.scalar(`SELECT count(*) FROM trips${where ? ` WHERE ${where}` : ''}`));
}

async function rows(query: string, prefer?: string) {
  const r = await api(server, 'GET', `/v1/tables/trips/rows?${query}`, prefer ? ['-H', `Prefer: ${prefer}`] : []);
  assert.equal(r.status, 200, r.text);
  return r;
}

/** The rows a JSON page showed. */
function shown(r: { json(): any }): number {
  return r.json().rows.length;
}

test('count=exact: unfiltered and filtered totals match DuckDB, the range is the rows sent', async () => {
  const all = await count('');
  let r = await rows('', 'count=exact');
  assert.equal(r.headers['content-range'], `0-${PAGE - 1}/${all}`);
  assert.equal(r.headers['preference-applied'], 'count=exact');
  assert.match(r.headers.vary!, /prefer/i);
  assert.equal(shown(r), PAGE);

  const late = await count('delay > 100');
  r = await rows('delay=gt.100&offset=10&limit=20', 'count=exact');
  assert.equal(r.headers['content-range'], `10-29/${late}`);
  assert.equal(shown(r), 20);
  // The last, partial page ends at the last row; past the end the range is */N.
  r = await rows(`delay=gt.100&offset=${late - 3}`, 'count=exact');
  assert.equal(r.headers['content-range'], `${late - 3}-${late - 1}/${late}`);
  assert.equal(shown(r), 3);
  r = await rows(`delay=gt.100&offset=${late + 5}`, 'count=exact');
  assert.equal(r.headers['content-range'], `*/${late}`);
  assert.equal(shown(r), 0);
  // A filter nothing matches.
  r = await rows('origin=eq.nowhere', 'count=exact');
  assert.equal(r.headers['content-range'], '*/0');
  // Other formats: the range covers every row sent (no page cap), a limit caps it.
  r = await api(server, 'GET', '/v1/tables/trips/rows?delay=gt.100&format=ndjson', ['-H', 'Prefer: count=exact']);
  assert.equal(r.headers['content-range'], `0-${late - 1}/${late}`);
  assert.equal(r.text.split('\n').filter((l) => l !== '').length, late);
  // POST /query with the same filter in the body.
  r = await api(server, 'POST', '/v1/tables/trips/query', [
    '-H',
    'Prefer: count=exact',
    '-H',
    'Content-Type: application/json',
    '--data',
    JSON.stringify({ where: { column: 'delay', op: 'gt', value: 100 }, limit: 5 }),
  ]);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers['content-range'], `0-4/${late}`);
  assert.equal(r.headers['preference-applied'], 'count=exact');
});

test('no count: the total is * (range known without a filter), Preference-Applied absent', async () => {
  let r = await rows('limit=7&offset=3');
  assert.equal(r.headers['content-range'], '3-9/*');
  assert.equal(r.headers['preference-applied'], undefined);
  // With a filter the last row is known only once the scan ends: no range without a count.
  r = await rows('delay=gt.100');
  assert.equal(r.headers['content-range'], undefined);
  // Unknown preferences are ignored.
  r = await rows('limit=2', 'return=minimal, count=bogus');
  assert.equal(r.headers['content-range'], '0-1/*');
  assert.equal(r.headers['preference-applied'], undefined);
});

test('count=planned and estimated: exact from statistics when they decide, else an upper bound from row groups', async () => {
  const all = await count('');
  for (const mode of ['planned', 'estimated']) {
    let r = await rows('limit=1', `count=${mode}`);
    assert.equal(r.headers['content-range'], `0-0/${all}`, mode);
    assert.equal(r.headers['preference-applied'], `count=${mode}`);
    // The first file holds exactly the ids below 3000: statistics decide the filter for every group.
    r = await rows('id=lt.3000&limit=1', `count=${mode}`);
    assert.equal(r.headers['content-range'], `0-0/${await count('id < 3000')}`, mode);
  }
  // delay > 100 needs rows; planned reads none: the rows of the groups not ruled out (all of them).
  const late = await count('delay > 100');
  let r = await rows('delay=gt.100&limit=1', 'count=planned');
  const planned = Number(r.headers['content-range']!.split('/')[1]);
  assert.equal(planned, all);
  assert.ok(planned >= late);
  // estimated: the same upper bound, being above one page …
  r = await rows('delay=gt.100&limit=1', 'count=estimated');
  assert.equal(r.headers['content-range'], `0-0/${all}`);
  // … but exact when the groups left hold at most a page (the 30-row file).
  r = await rows('id=gte.5000&delay=gt.100', 'count=estimated');
  const small = await count('id >= 5000 AND delay > 100');
  assert.ok(small > 0 && small < 30);
  assert.equal(r.headers['content-range'], `0-${small - 1}/${small}`);
  assert.equal(shown(r), small);
  r = await rows('id=gte.5000&delay=gt.100', 'count=planned');
  assert.equal(r.headers['content-range'], `0-29/30`);
});

test('CORS: a page may send Prefer and read Content-Range and Preference-Applied', async () => {
  const pre = await api(server, 'OPTIONS', '/v1/tables/trips/rows', [
    '-H',
    `Origin: ${DASH}`,
    '-H',
    'Access-Control-Request-Method: GET',
    '-H',
    'Access-Control-Request-Headers: prefer',
  ]);
  assert.equal(pre.status, 204);
  assert.match(pre.headers['access-control-allow-headers']!, /prefer/i);
  const r = await api(server, 'GET', '/v1/tables/trips/rows?limit=1', ['-H', `Origin: ${DASH}`, '-H', 'Prefer: count=exact']);
  const exposed = r.headers['access-control-expose-headers']!.toLowerCase().split(/\s*,\s*/);
  assert.ok(exposed.includes('content-range') && exposed.includes('preference-applied'), exposed.join());
});
