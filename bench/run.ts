// `npm run bench`: NCF against Parquet (DuckDB, parquet-wasm) and Arrow IPC in one process run,
// printed as a fixed-width table of figures and ratios; then the HTTP service part (bench/service/run.ts):
// upload, full-table Arrow stream and a point query under load, against the built server as a child
// process. Options:
//   --quick           100k-row data sets, one timed run, no warm-up (a smoke run of a few seconds)
// Data sets: users 100k and 1M, flights 1M (all measurements), numeric 1M (projection only), events 3M
// (the held-out real table's shape), and the real tables of bench/data/real.ts (vega-datasets, loaded
// through NCF's ingest; --quick: their first 300k rows).
//   --repeats n       timed rounds per comparison instead of 5 (1 with --quick)
//   --tables a,b      only these data sets (names as in the report: flights-3m,zipcodes,events-3M,...);
//                     the engine part only (no service or object-storage part)
//   --json <path>     also write the raw figures (every sample) as JSON
//   --engine-only     only the engine part (`npm run bench:engine`): no service, no object storage
//   --service-only    skip the engine part: only the HTTP service part (bench/service/run.ts), which
//                     otherwise runs after it; it needs `npm run build` first
//   --service-cpu-prof <dir>  run the server with node --cpu-prof, its profile written to <dir>
//   --object-storage-only  only the object-storage part (bench/service/s3.ts: s3rver + PostgreSQL
//                     against local folder + SQLite), which otherwise runs after the service part
// Temporary files go to a fresh directory under os.tmpdir() and are deleted at the end.

import { rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { availableParallelism } from 'node:os';
import { label, makeEventShape, makeFlights, makeNumeric, makeUsers, type Dataset } from './data/datasets.js';
import { REAL_TABLES, loadReal } from './data/real.js';
import { Duck } from './engine/duckdb.js';
import { describeMachine } from './common/machine.js';
import { gc, type RunPlan } from './common/measure.js';
import { readNcf, tsRangeWhere, writeNcf } from './engine/ncf.js';
import { renderReport } from './common/report.js';
import type { DatasetResult, RunResult } from './common/results.js';
import { runServiceBench } from './service/run.js';
import { renderServiceReport } from './service/report.js';
import { renderObjectStorageReport, runObjectStorageBench, type ObjectStorageResult } from './service/s3.js';
import { runDataset, runProjectionOnly, type NcfAdapter } from './engine/suite.js';
import { checkTargets } from './common/targets.js';

const USAGE = `usage: npm run bench -- [--quick] [--tables a,b] [--repeats n] [--json out.json] [--engine-only | --service-only | --object-storage-only] [--service-cpu-prof dir]
  --quick                   100k-row data sets, 1 timed run, no warm-up; service: 100k/300k rows, 3 s of load
  --repeats <n>             timed rounds per comparison (default 5; --quick 1)
  --tables <a,b,...>        only these engine data sets (${'`'}--tables list${'`'} prints them); skips the service parts
  --json <path>             also write the raw figures as JSON
  --engine-only             only the engine part (NCF against Parquet and Arrow IPC, in process)
  --service-only            only the HTTP service parts, incl. object storage (run \`npm run build\` first)
  --object-storage-only     only the object-storage part (s3rver + PostgreSQL vs local; \`npm run build\` first)
  --service-cpu-prof <dir>  run the server with node --cpu-prof, writing its profile to <dir>`;

/** A data set and whether it runs every measurement or only the projection test. */
interface DatasetSpec {
  name: string;
  make: () => Dataset | Promise<Dataset>;
  projectionOnly?: boolean;
}

/** Rows of a real table in a --quick run (the first ones, in file order). */
const QUICK_REAL_ROWS = 300_000;

function plan(quick: boolean): { run: RunPlan; datasets: DatasetSpec[] } {
  const rows = quick ? 100_000 : 1_000_000;
  const eventRows = quick ? 100_000 : 3_000_000;
  const datasets: DatasetSpec[] = [
    { name: 'users-100k', make: () => makeUsers(100_000) },
    ...(quick ? [] : [{ name: 'users-1M', make: () => makeUsers(1_000_000) }]),
    { name: `flights-${label(rows)}`, make: () => makeFlights(rows) },
    { name: `numeric-${label(rows)}`, make: () => makeNumeric(rows), projectionOnly: true },
    { name: `events-${label(eventRows)}`, make: () => makeEventShape(eventRows) },
    ...REAL_TABLES.map((t) => ({
      name: t.name,
      make: async (): Promise<Dataset> => {
        const d = await loadReal(t);
        if (!quick || d.rows <= QUICK_REAL_ROWS) return d;
        // A slice is no longer the source file's rows: no "best Parquet" from the source.
        const { sourceParquet: _, ...rest } = d;
        return {
          ...rest,
          table: d.table.slice(0, QUICK_REAL_ROWS),
          rows: QUICK_REAL_ROWS,
          description: `first ${label(QUICK_REAL_ROWS)} rows of ${d.description}`,
        };
      },
    })),
  ];
  return { run: quick ? { warmups: 0, repeats: 1 } : { warmups: 1, repeats: 5 }, datasets };
}

/** NCF's chunk workers, as src/format/parallel/pool.ts sizes its pool (NCF_WORKERS, else one per core up to 4). */
function ncfWorkerCount(): number {
  const env = process.env.NCF_WORKERS;
  if (env !== undefined && /^\d+$/.test(env)) return Math.min(16, Number(env));
  const cores = availableParallelism();
  return cores <= 1 ? 0 : Math.min(4, cores);
}

export const ncfAdapter: NcfAdapter = { write: writeNcf, read: readNcf, tsRangeWhere };

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      'engine-only': { type: 'boolean', default: false },
      'service-only': { type: 'boolean', default: false },
      'service-cpu-prof': { type: 'string' },
      'object-storage-only': { type: 'boolean', default: false },
      tables: { type: 'string' },
      repeats: { type: 'string' },
    },
    allowPositionals: false,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const quick = values.quick === true;
  const objectOnly = values['object-storage-only'] === true;
  const serviceOnly = values['service-only'] === true || objectOnly;
  const planned = plan(quick);
  const all = planned.datasets;
  const repeats = values.repeats === undefined ? null : Number(values.repeats);
  if (repeats !== null && !(Number.isInteger(repeats) && repeats >= 1)) throw new Error('bench: --repeats takes a whole number ≥ 1');
  const run: RunPlan = repeats === null ? planned.run : { ...planned.run, repeats };
  if (values.tables === 'list') {
    console.log(all.map((d) => d.name).join('\n'));
    return;
  }
  const picked = values.tables
    ?.split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
  const unknown = picked?.filter((t) => !all.some((d) => d.name === t)) ?? [];
  if (unknown.length > 0) throw new Error(`bench: unknown data set(s) ${unknown.join(', ')}; known: ${all.map((d) => d.name).join(', ')}`);
  const datasets = picked ? all.filter((d) => picked.includes(d.name)) : all;
  // --tables picks engine data sets: the engine part only.
  const engineOnly = values['engine-only'] === true || picked !== undefined;
  if (engineOnly && serviceOnly)
    throw new Error(`bench: --engine-only and --tables exclude --service-only and --object-storage-only\n${USAGE}`);
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const log = (msg: string): void => {
    process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`);
  };

  const dir = await mkdtemp(join(tmpdir(), 'ncf-bench-'));
  // Also on Ctrl-C and on a crash (e.g. EPIPE when piped into `head`), not only on the normal path.
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  process.once('SIGINT', () => process.exit(130));
  const duck = await Duck.open();
  try {
    const versions = await duck.versions();
    const machine = { ...describeMachine(versions), ncfWorkers: ncfWorkerCount() };
    let result: RunResult | null = null;
    if (!serviceOnly) {
      const results: DatasetResult[] = [];
      for (const spec of datasets) {
        const t0 = performance.now();
        const data = await spec.make();
        const generateMs = performance.now() - t0;
        log(`${data.name}: ${data.source ? 'loaded through NCF ingest' : 'generated'} in ${generateMs.toFixed(0)} ms`);
        const ctx = { plan: run, dir, duck, ncf: ncfAdapter, duckThreads: versions.threads, ncfWorkers: machine.ncfWorkers, log };
        results.push(await (spec.projectionOnly ? runProjectionOnly(ctx, data, generateMs) : runDataset(ctx, data, generateMs)));
        gc();
      }
      result = {
        startedAt,
        mode: quick ? 'quick' : 'full',
        warmups: run.warmups,
        repeats: run.repeats,
        machine,
        datasets: results,
        targets: checkTargets(results),
        totalSeconds: (performance.now() - started) / 1000,
      };
      console.log(renderReport(result));
      console.log('');
    }
    const cpuProfDir = values['service-cpu-prof'];
    let service = null;
    let objectStorage: ObjectStorageResult | null = null;
    // With --engine-only the engine figures above are the whole run.
    if (!engineOnly) {
      if (!objectOnly) {
        service = await runServiceBench({ quick, plan: run, dir, log, ...(cpuProfDir ? { cpuProfDir } : {}) });
        console.log(renderServiceReport(service, { ...(serviceOnly ? { machine } : {}), mode: quick ? 'quick' : 'full', plan: run }));
        console.log('');
      } else {
        console.log(
          `machine: ${machine.cpu}, ${machine.cores} cores, ${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB, ${machine.os}; load average ${machine.loadAverage.toFixed(2)} at start`,
        );
      }
      objectStorage = await runObjectStorageBench({ quick, dir, log });
      console.log(renderObjectStorageReport(objectStorage, quick ? 'quick' : 'full'));
    }
    if (values.json) {
      const raw = result ?? { startedAt, mode: quick ? 'quick' : 'full', warmups: run.warmups, repeats: run.repeats, machine };
      await writeFile(
        values.json,
        JSON.stringify({ ...raw, ...(service ? { service } : {}), ...(objectStorage ? { objectStorage } : {}) }, null, 2) + '\n',
      );
      log(`raw figures written to ${values.json}`);
    }
  } finally {
    duck.close();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exitCode = 1;
});
