// `npm run crashtest -- --iterations N --seed S [--max-delay MS] [--keep] [--dist DIR] [--pg]`: the
// crash harness (harness.ts) against the built service (run `npm run build` first; --dist runs another
// build), on a fresh temp data directory; --pg puts the catalog in a fresh database of a temp
// PostgreSQL cluster (test/support/pg-cluster.ts, or NCF_TEST_PG_URL).
// Prints progress and a JSON report; exits 1 with the seed and iteration on a failed check.

import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startPgServer } from '../support/pg-cluster.js';
import { CrashFailure, runCrash } from './harness.js';

const { values } = parseArgs({
  options: {
    iterations: { type: 'string', default: '200' },
    seed: { type: 'string' },
    'max-delay': { type: 'string', default: '150' },
    keep: { type: 'boolean', default: false },
    dist: { type: 'string' },
    pg: { type: 'boolean', default: false },
  },
});
const iterations = Number(values.iterations);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
const maxKillDelayMs = Number(values['max-delay']);
for (const [name, v] of [
  ['iterations', iterations],
  ['seed', seed],
  ['max-delay', maxKillDelayMs],
] as const) {
  if (!Number.isSafeInteger(v) || v < 0) {
    process.stderr.write(`crashtest: --${name} must be a non-negative integer\n`);
    process.exit(2);
  }
}
const dataDir = await mkdtemp(join(tmpdir(), 'ncf-crash-'));
const pg = values.pg ? await startPgServer() : null;
const catalogUrl = pg ? (await pg.createDatabase()).url : undefined;
process.stdout.write(
  `crashtest: ${iterations} iterations, seed ${seed}, data in ${dataDir}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}\n`,
);
try {
  const report = await runCrash({
    iterations,
    seed,
    dataDir,
    maxKillDelayMs,
    ...(values.dist ? { distDir: values.dist } : {}),
    ...(catalogUrl ? { catalogUrl } : {}),
    log: (l) => process.stdout.write(`${l}\n`),
  });
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(
    `crashtest: ${report.kills} kills survived, ${report.acknowledged} acknowledged writes (${report.acknowledgedRows} rows), ${report.lostRows} acknowledged rows lost, ${(report.ms / 1000).toFixed(1)} s\n`,
  );
  if (!values.keep) await rm(dataDir, { recursive: true, force: true });
  await pg?.stop();
} catch (e) {
  await pg?.stop().catch(() => {});
  process.stderr.write(`${e instanceof CrashFailure ? e.message : String((e as Error)?.stack ?? e)}\ndata directory kept: ${dataDir}\n`);
  process.exit(1);
}
