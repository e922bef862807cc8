// The crash harness (harness.ts), bounded, inside `npm test`: at least 200 SIGKILLs of the built
// service (dist/, built by `npm test`) mid-write, with vacuums (NCF_ORPHAN_GRACE=0) racing the writes,
// split between the SQLite catalog (60 %) and a PostgreSQL one (40 %, a temp cluster from
// test/support/pg-cluster.ts), every restart checked, and a final vacuum that must leave only
// referenced files. NCF_CRASH_ITERATIONS raises the count,
// NCF_CRASH_SEED replays a run (the seed is printed either way), NCF_CRASH_DIST runs another build
// than dist/ (one nobody rebuilds while the test runs). `npm run crashtest` runs it standalone.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type Database from 'better-sqlite3';
import { SqliteCatalog } from '../../storage/sqlite/catalog.js';
import { startPgServer } from '../support/pg-cluster.js';
import { runCrash } from './harness.js';

const ITERATIONS = Math.max(200, Number(process.env.NCF_CRASH_ITERATIONS ?? 200) || 200);
const SEED = process.env.NCF_CRASH_SEED ? Number(process.env.NCF_CRASH_SEED) : Math.floor(Math.random() * 2 ** 31);
const SQLITE_ITERATIONS = Math.ceil(ITERATIONS * 0.6);
const PG_ITERATIONS = ITERATIONS - SQLITE_ITERATIONS;

describe('crash safety (SIGKILL mid-write)', () => {
  it('the SQLite catalog runs in WAL mode with synchronous=FULL', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ncf-crash-pragma-'));
    try {
      const catalog = new SqliteCatalog(join(dir, 'catalog.sqlite'));
      try {
        // synchronous is per connection: read it on the catalog's own.
        const db = (catalog as unknown as { db: Database.Database }).db;
        assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
        assert.equal(db.pragma('synchronous', { simple: true }), 2, 'synchronous=FULL is 2');
      } finally {
        await catalog.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  for (const backend of ['SQLite', 'PostgreSQL'] as const) {
    const iterations = backend === 'SQLite' ? SQLITE_ITERATIONS : PG_ITERATIONS;
    it(`${backend} catalog: survives ${iterations} kills with vacuum racing the writes, every acknowledged write intact (seed ${SEED})`, {
      timeout: 20 * 60_000,
    }, async (t) => {
      const dataDir = await mkdtemp(join(tmpdir(), 'ncf-crash-test-'));
      const pg = backend === 'PostgreSQL' ? await startPgServer() : null;
      try {
        const dist = process.env.NCF_CRASH_DIST;
        const catalogUrl = pg ? (await pg.createDatabase()).url : undefined;
        const report = await runCrash({
          iterations,
          seed: SEED,
          dataDir,
          log: (l) => t.diagnostic(l),
          ...(dist ? { distDir: dist } : {}),
          ...(catalogUrl ? { catalogUrl } : {}),
        });
        t.diagnostic(
          `seed ${SEED}: ${report.kills} kills, ${report.acknowledged} acknowledged writes (${report.acknowledgedRows} rows), ` +
            `${report.unanswered} cut off (${report.unansweredLanded} landed whole), ${report.refused} refused, ${report.versions} versions, ` +
            `${report.racingVacuums} racing vacuums (${report.racingVacuumsDone} answered), ` +
            `most orphans at once ${report.orphansSeen}, temp files ${report.tempFilesSeen}, vacuum removed ${report.vacuum.orphansRemoved} orphans ` +
            `+ ${report.vacuum.strayFilesRemoved} strays, ${(report.ms / 1000).toFixed(1)} s`,
        );
        assert.equal(report.kills, iterations);
        assert.equal(report.lostRows, 0);
        // The run must have exercised what it claims: acknowledged writes, writes cut off by a kill,
        // vacuums racing them.
        assert.ok(report.acknowledged > 0, 'no write was ever acknowledged');
        assert.ok(report.unanswered > 0, 'no kill ever cut a write off');
        assert.ok(report.versions > 1, 'the table never got past its first version');
        assert.ok(report.racingVacuumsDone > 0, 'no vacuum racing the writes ever finished');
      } finally {
        await pg?.stop();
        await rm(dataDir, { recursive: true, force: true });
      }
    });
  }
});
