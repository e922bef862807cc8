// Limits and timeouts against the real server process (issue 5): the query-shape caps (400 naming the
// cap and the value), the query time cap (504, and the scan really stops: the rows-scanned counter
// settles below the table and the process stops burning CPU), per-key rate limiting (429 with
// Retry-After, probes exempt), and slow clients: a slowloris client and a trickled body are cut at
// their timeouts without holding memory, and stalled Arrow readers neither make the server buffer
// the table (its RSS is measured) nor keep other clients waiting, and are dropped.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QUERY_LIMITS } from '../../src/query/limits.js';
import { assertProblem, req, startServer, tempFiles, type Server } from '../support/server.js';
import { uploadTrips, writeTrips } from './query-data.js';

const ROWS = 1_000_000;
const ARROW = 'application/vnd.apache.arrow.stream';
let dir: string;
let dataDir: string;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resident memory of a process, bytes. */
function rss(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  assert.ok(m, 'VmRSS in /proc/<pid>/status');
  return Number(m[1]) * 1024;
}

/** User plus system CPU time of a process, seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

async function rowsScanned(server: Server): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const m = /^ncf_rows_scanned_total(?:\{\})? (\d+(?:\.\d+)?(?:e\+\d+)?)$/m.exec(text);
  assert.ok(m, 'ncf_rows_scanned_total is exported');
  return Number(m[1]);
}

/** The counter once it has stopped moving (a cancelled scan reports when its generator unwinds). */
async function settledRowsScanned(server: Server): Promise<number> {
  let last = -1;
  for (let i = 0; i < 60; i++) {
    const now = await rowsScanned(server);
    if (now === last) return now;
    last = now;
    await sleep(100);
  }
  assert.fail(`ncf_rows_scanned_total kept moving for 6 s (last ${last})`);
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ncf-e2e-limits-'));
  dataDir = join(dir, 'data');
  // One server loads the table; the tests below restart on its data directory with their settings.
  const s = await startServer({ dataDir });
  try {
    const files = await writeTrips(dir, [[0, ROWS]]);
    await uploadTrips(s, 'trips', files);
    // Twice the rows, for answers larger than what loopback's socket buffers absorb (tens of MB).
    await uploadTrips(s, 'big', [files[0]!, files[0]!]);
  } finally {
    await s.stop({ keep: true });
  }
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function withServer(env: Record<string, string>, fn: (s: Server) => Promise<void>, opts: { own?: boolean } = {}): Promise<void> {
  const s = await startServer(opts.own ? { env } : { env, dataDir });
  try {
    await fn(s);
  } finally {
    await s.stop({ keep: !opts.own });
  }
}

test('query-shape caps: 400 naming the cap and the value; at the cap the query runs', async () => {
  await withServer({}, async (s) => {
    const L = QUERY_LIMITS;
    const over = async (r: Response, parameter: string, limit: number, value: number) => {
      const body = (await r.json()) as any;
      assertProblem({ status: r.status, headers: r.headers }, 400, body);
      assert.equal(body.parameter, parameter);
      assert.equal(body.limit, limit);
      assert.equal(body.value, value);
      assert.match(body.detail, new RegExp(`^${parameter}: .*\\b${value}\\b.*; the limit is ${limit}$`));
      return body;
    };
    const cols = Array.from({ length: L.selectColumns + 1 }, (_, i) => `c${i}`).join(',');
    await over(await req(s, 'GET', `/v1/tables/trips/rows?select=${cols}`), 'select', L.selectColumns, L.selectColumns + 1);

    const list = (n: number) => Array.from({ length: n }, (_, i) => i).join(',');
    const inBody = await over(
      await req(s, 'GET', `/v1/tables/trips/rows?id=in.(${list(L.inItems + 1)})&select=id`),
      'filter',
      L.inItems,
      L.inItems + 1,
    );
    assert.equal(inBody.column, 'id');
    const atCap = await req(s, 'GET', `/v1/tables/trips/rows?id=in.(${list(L.inItems)})&select=id&format=ndjson`);
    assert.equal(atCap.status, 200);
    assert.equal((await atCap.text()).trim().split('\n').length, L.inItems);
    await over(
      await req(s, 'GET', `/v1/tables/trips/columns/delay/histogram?id=in.(${list(L.inItems + 1)})`),
      'filter',
      L.inItems,
      L.inItems + 1,
    );

    const deep = (depth: number): unknown => {
      let f: unknown = { column: 'id', op: 'eq', value: 7 };
      for (let d = 1; d < depth; d++) f = { and: [f] };
      return f;
    };
    const post = (where: unknown) =>
      req(s, 'POST', '/v1/tables/trips/query', {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ where, select: ['id'] }),
      });
    await over(await post(deep(L.filterDepth + 1)), 'where', L.filterDepth, L.filterDepth + 1);
    const okDeep = await post(deep(L.filterDepth));
    assert.equal(okDeep.status, 200);
    assert.deepEqual(((await okDeep.json()) as any).rows, [{ id: 7 }]);
    const wide = { or: Array.from({ length: L.filterConditions }, (_, i) => ({ column: 'id', op: 'eq', value: i })) };
    await over(await post(wide), 'where', L.filterConditions, L.filterConditions + 1);
  });
});

test('a query over NCF_QUERY_TIMEOUT_MS is a 504 and its scan stops (rows-scanned counter, CPU)', async (t) => {
  await withServer({ NCF_QUERY_TIMEOUT_MS: '20' }, async (s) => {
    const pid = s.proc.pid!;
    const before = await settledRowsScanned(s);
    const r = await req(s, 'GET', '/v1/tables/trips/rows?order=origin.desc,score.desc,ts,id&format=ndjson');
    const body = await r.json();
    assertProblem({ status: r.status, headers: r.headers }, 504, body);
    const scanned = (await settledRowsScanned(s)) - before;
    assert.ok(scanned < ROWS, `the sort's scan stopped early: ${scanned} of ${ROWS} rows read`);
    // A sort of 1M rows left running would keep a core busy for seconds; a cancelled one costs nothing more.
    const cpu0 = cpuSeconds(pid);
    await sleep(1500);
    const cpu = cpuSeconds(pid) - cpu0;
    t.diagnostic(`504 after a sort of ${ROWS} rows: ${scanned} rows scanned, ${cpu.toFixed(2)} s CPU in the 1.5 s after`);
    assert.ok(cpu < 0.5, `the server used ${cpu.toFixed(2)} s of CPU in the 1.5 s after the 504`);
    assert.equal(await rowsScanned(s), before + scanned, 'nothing more was scanned');
  });
});

test('rate limit per API key: 429 problem with Retry-After; other keys and probes unaffected', async () => {
  await withServer(
    { NCF_API_KEYS: 'key-one:read,key-two:read', NCF_RATE_LIMIT: '5/min' },
    async (s) => {
      const get = (key: string) => req(s, 'GET', '/v1/tables', { headers: { authorization: `Bearer ${key}` } });
      for (let i = 0; i < 5; i++) assert.equal((await get('key-one')).status, 200, `request ${i + 1} of 5`);
      const r = await get('key-one');
      const body = (await r.json()) as any;
      assertProblem({ status: r.status, headers: r.headers }, 429, body);
      const retry = Number(r.headers.get('retry-after'));
      assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= 60, `Retry-After: ${r.headers.get('retry-after')}`);
      assert.match(body.detail, /more than 5 requests in 60 s from this API key \(NCF_RATE_LIMIT\); retry after \d+ s/);
      assert.ok(!JSON.stringify(body).includes('key-one'), 'the key is never echoed');
      assert.equal((await get('key-two')).status, 200, 'another key has its own budget');
      // Refused keys are answered by authentication and use no budget.
      assert.equal((await get('not-a-key')).status, 401);
      for (let i = 0; i < 8; i++) {
        assert.equal((await fetch(`${s.url}/healthz`)).status, 200);
        assert.equal((await fetch(`${s.url}/readyz`)).status, 200);
      }
    },
    { own: true },
  );
});

test('slowloris: trickled headers are cut at NCF_HEADERS_TIMEOUT; 200 of them hold little memory; others are served', async (t) => {
  await withServer({ NCF_HEADERS_TIMEOUT: '2s', NCF_REQUEST_TIMEOUT: '3s' }, async (s) => {
    const { port } = new URL(s.url);
    const pid = s.proc.pid!;
    const base = rss(pid);
    const N = 200;
    const t0 = Date.now();
    const conns = await Promise.all(
      Array.from(
        { length: N },
        () =>
          new Promise<{ closedAt: Promise<number>; got: () => string }>((res, rej) => {
            const sock = net.connect(Number(port), '127.0.0.1');
            let got = '';
            let timer: NodeJS.Timeout | undefined;
            const closedAt = new Promise<number>((done) =>
              sock.once('close', () => {
                clearInterval(timer);
                done(Date.now() - t0);
              }),
            );
            sock.on('data', (d) => {
              got += d.toString('latin1');
            });
            sock.on('error', () => {});
            sock.once('connect', () => {
              sock.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
              // One more header every 300 ms: never idle, never complete.
              let k = 0;
              timer = setInterval(() => {
                if (!sock.destroyed) sock.write(`X-Slow-${k++}: ${'a'.repeat(20)}\r\n`);
              }, 300);
              res({ closedAt, got: () => got });
            });
            sock.once('error', rej);
          }),
      ),
    );
    await sleep(1000);
    const held = rss(pid) - base;
    const started = performance.now();
    const ok = await fetch(`${s.url}/healthz`);
    assert.equal(ok.status, 200);
    const servedMs = performance.now() - started;
    assert.ok(servedMs < 1000, `a normal client is served while the slow ones trickle (${servedMs.toFixed(0)} ms)`);
    const closed = await Promise.race([Promise.all(conns.map((c) => c.closedAt)), sleep(10_000).then(() => null)]);
    assert.ok(closed !== null, 'every slowloris connection was closed by the server within 10 s');
    const last = Math.max(...closed);
    // Headers timeout 2 s, checked every second: closed after 2 s and by about 3 s (+ slack for a busy machine).
    assert.ok(Math.min(...closed) >= 1900, `a connection was closed after ${Math.min(...closed)} ms, before the timeout`);
    assert.ok(last <= 5500, `the last connection was closed after ${last} ms`);
    assert.match(conns[0]!.got(), /^HTTP\/1\.1 408 /, 'the server says 408 before closing');
    t.diagnostic(
      `${N} slowloris connections: server RSS +${(held / 2 ** 20).toFixed(1)} MiB, closed after ${Math.min(...closed)}..${last} ms; /healthz meanwhile in ${servedMs.toFixed(0)} ms`,
    );
    assert.ok(held < 24 * 2 ** 20, `${N} slowloris connections grew the server by ${(held / 2 ** 20).toFixed(1)} MiB`);
  });
});

test('a trickled upload body is cut at NCF_REQUEST_TIMEOUT and leaves no temp file', async (t) => {
  await withServer(
    { NCF_HEADERS_TIMEOUT: '2s', NCF_REQUEST_TIMEOUT: '3s' },
    async (s) => {
      const { port } = new URL(s.url);
      const t0 = Date.now();
      const sock = net.connect(Number(port), '127.0.0.1');
      let got = '';
      sock.on('data', (d) => {
        got += d.toString('latin1');
      });
      sock.on('error', () => {});
      const closedAt = new Promise<number>((done) => sock.once('close', () => done(Date.now() - t0)));
      await new Promise((r) => sock.once('connect', r));
      sock.write('POST /v1/tables/slow HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/csv\r\nContent-Length: 1000000\r\n\r\na,b\n');
      const timer = setInterval(() => {
        if (!sock.destroyed) sock.write('1,2\n'.repeat(25));
      }, 200);
      await sleep(1500);
      assert.ok((await tempFiles(s)).length > 0, 'the upload is being spooled');
      const closed = await Promise.race([closedAt, sleep(10_000).then(() => null)]);
      clearInterval(timer);
      assert.ok(closed !== null, 'the server closed the trickling upload within 10 s');
      t.diagnostic(`trickled upload closed after ${closed} ms`);
      assert.ok(closed >= 2900 && closed <= 6000, `closed after ${closed} ms (request timeout 3 s)`);
      assert.match(got, /^HTTP\/1\.1 408 /);
      for (let i = 0; i < 20 && (await tempFiles(s)).length > 0; i++) await sleep(100);
      assert.deepEqual(await tempFiles(s), [], 'the partial upload was deleted');
      assert.equal((await req(s, 'GET', '/v1/tables/slow')).status, 404, 'nothing was committed');
    },
    { own: true },
  );
});

test('stalled Arrow readers: the server does not buffer the table, serves others, and drops them', async (t) => {
  // A silent connection is dropped at NCF_IDLE_TIMEOUT (the query timeout, far away here, would cut
  // the answer too: test/e2e/query-timeout.test.ts).
  await withServer({ NCF_QUERY_TIMEOUT_MS: '120000', NCF_IDLE_TIMEOUT: '3s' }, async (s) => {
    const pid = s.proc.pid!;
    const path = '/v1/tables/big/rows';
    // One full read first: the answer's size, and the decoded-chunk cache warm (its growth is not the readers').
    const full = await fetch(`${s.url}${path}`, { headers: { accept: ARROW, 'accept-encoding': 'identity' } });
    assert.equal(full.status, 200);
    const fullBytes = (await full.arrayBuffer()).byteLength;
    assert.ok(fullBytes > 80 * 2 ** 20, `the answer is large: ${fullBytes} bytes`);
    await sleep(500);
    const base = rss(pid);
    const scannedBefore = await settledRowsScanned(s);

    const READERS = 4;
    const t0 = Date.now();
    const readers = await Promise.all(
      Array.from(
        { length: READERS },
        () =>
          new Promise<{ res: http.IncomingMessage }>((resolve, reject) => {
            const r = http.get(`${s.url}${path}`, { headers: { accept: ARROW, 'accept-encoding': 'identity' } }, (res) => {
              assert.equal(res.statusCode, 200);
              res.once('data', () => {
                res.pause();
                resolve({ res });
              });
            });
            r.on('error', reject);
          }),
      ),
    );
    let peak = 0;
    let served = 0;
    while (Date.now() - t0 < 4000) {
      peak = Math.max(peak, rss(pid) - base);
      const began = performance.now();
      const r = await req(s, 'GET', '/v1/tables/trips/rows?id=eq.12345&select=id');
      assert.equal(r.status, 200);
      assert.deepEqual(((await r.json()) as any).rows, [{ id: 12345 }]);
      assert.ok(performance.now() - began < 2000, 'a point query is answered while the readers stall');
      served++;
      await sleep(250);
    }
    t.diagnostic(
      `${READERS} stalled readers of ${(fullBytes / 2 ** 20).toFixed(0)} MiB answers: server RSS peak +${(peak / 2 ** 20).toFixed(1)} MiB; ${served} point queries served meanwhile`,
    );
    assert.ok(served >= 5, `${served} point queries served during the stall`);
    assert.ok(
      peak < READERS * 20 * 2 ** 20 && peak < fullBytes,
      `${READERS} stalled readers of ${(fullBytes / 2 ** 20).toFixed(0)} MiB answers grew the server by ${(peak / 2 ** 20).toFixed(1)} MiB`,
    );

    // Past the timeouts: the server has given up on them. What they read now is only what was already
    // in flight, and the answers end short of the whole.
    // Node re-arms a socket's timer once when its write queue moved since the last write, so a
    // stalled writer is cut between one and two idle periods after it stalled.
    await sleep(Math.max(0, 2 * 3000 + 2500 - (Date.now() - t0)));
    const outcomes = await Promise.all(
      readers.map(
        ({ res }) =>
          new Promise<{ bytes: number; complete: boolean }>((resolve) => {
            let bytes = 0;
            res.on('data', (c: Buffer) => {
              bytes += c.length;
            });
            res.once('end', () => resolve({ bytes, complete: res.complete }));
            res.once('error', () => resolve({ bytes, complete: false }));
            res.once('aborted', () => resolve({ bytes, complete: false }));
            res.resume();
          }),
      ),
    );
    for (const o of outcomes) {
      assert.equal(o.complete, false, 'the stalled answer was cut');
      assert.ok(o.bytes < fullBytes, `a stalled reader got ${o.bytes} of ${fullBytes} bytes`);
    }
    const scanned = (await settledRowsScanned(s)) - scannedBefore;
    t.diagnostic(`cut answers: ${outcomes.map((o) => o.bytes).join(', ')} bytes of ${fullBytes}; rows scanned ${scanned}`);
    assert.ok(scanned < READERS * 2 * ROWS, `the stalled scans stopped: ${scanned} rows read for ${READERS} answers of ${2 * ROWS}`);
  });
});
