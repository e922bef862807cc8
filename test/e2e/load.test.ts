// The bounded form of `npm run load` (test/support/load-run.ts) inside npm test: the built server on loopback,
// 10 connections for 12 s of mixed traffic (pruned point queries, 100k-row Arrow streams, 1 MiB CSV
// appends) on a 200k-row table, with the consistency reader and the table rotation running beside it.
// Asserts: no connection errors, no unexpected status, every read saw exactly one committed version,
// and the server's RSS grew by less than 320 MiB (the decoded-chunk cache alone may take 256 MiB).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBaseTable, runMixedLoad, writeBaseCsv } from '../support/load-run.js';
import { readRss, startService } from '../support/service-process.js';
import { SERVER_JS } from '../support/server.js';
import { existsSync } from 'node:fs';

const ROWS = 200_000;
const GROWTH_LIMIT = 320 * 2 ** 20;

test('mixed load: no errors, no unexpected status, consistent reads, bounded memory', { timeout: 120_000 }, async (t) => {
  assert.ok(existsSync(SERVER_JS), `${SERVER_JS} is missing: run npm run build (npm test builds first)`);
  const dir = await mkdtemp(join(tmpdir(), 'ncf-e2e-load-'));
  const svc = await startService({ dataDir: dir, logFile: join(dir, 'server.log'), env: { LOG_LEVEL: 'info' } });
  try {
    const csv = join(dir, 'base.csv');
    await writeBaseCsv(csv, ROWS);
    const base = await createBaseTable(svc.url, csv);
    assert.equal(base.rowCount, ROWS);
    const r = await runMixedLoad({
      url: svc.url,
      pid: svc.pid,
      connections: 10,
      seconds: 12,
      maxRequests: 200_000,
      baseRows: ROWS,
      pointsPerCycle: 18,
      resetAfterAppends: 16,
      checkEveryMs: 100,
      rssEveryMs: 500,
    });
    t.diagnostic(
      `${r.requests} requests, ${r.reqPerSec.toFixed(0)} req/s; p50 ${r.latency.p50.toFixed(1)} ms, p99 ${r.latency.p99.toFixed(1)} ms; ` +
        `${r.byKind.append.count} appends, ${r.byKind.stream.count} streams; ${r.consistency.reads} consistency reads over ${r.consistency.versionsSeen} versions ` +
        `and ${r.consistency.tables} tables; RSS ${(r.rss.before / 2 ** 20).toFixed(0)} → peak ${(r.rss.peak / 2 ** 20).toFixed(0)} → ${(r.rss.after / 2 ** 20).toFixed(0)} MiB`,
    );
    assert.equal(r.errors, 0, 'connection errors');
    assert.equal(
      r.non2xx,
      0,
      `non-2xx answers: ${JSON.stringify(Object.fromEntries(Object.entries(r.byKind).map(([k, v]) => [k, v.non2xx])))}`,
    );
    for (const kind of ['point', 'stream', 'append'] as const) assert.ok(r.byKind[kind].count > 0, `some ${kind} requests were answered`);
    assert.deepEqual(r.consistency.mismatches, [], 'every read saw the rows of exactly the version it reported');
    assert.deepEqual(r.maintenance.unexpected, []);
    assert.ok(r.consistency.reads >= 5, `${r.consistency.reads} consistency reads`);
    assert.equal(r.consistency.cut, 0, 'no consistency read was cut short');
    assert.ok(r.maintenance.rotations >= 1, 'the appends moved to a new table at least once (rotation exercised)');
    assert.ok(r.rss.peak - r.rss.before < GROWTH_LIMIT, `server RSS grew by ${((r.rss.peak - r.rss.before) / 2 ** 20).toFixed(0)} MiB`);
    assert.ok(readRss(svc.pid) !== null, 'the server is still running');
  } finally {
    await svc.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
