// `npm run bench`: NCF against Parquet (DuckDB, parquet-wasm) and Arrow IPC in one process run,
// printed as a fixed-width table of figures and ratios; then the HTTP service part (bench/service/run.ts):
// upload, full-table Arrow stream and a point query under load, against the built server as a child
// process. Options:
//   --quick           100k-row data sets, one timed run, no warm-up (a smoke run of a few seconds)
// Data sets: users 100k and 1M, flights 1M (all measurements), numeric 1M (projection only).
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
import { makeFlights, makeNumeric, makeUsers, type Dataset } from './data/datasets.js';
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

const USAGE = `usage: npm run bench -- [--quick] [--json out.json] [--engine-only | --service-only | --object-storage-only] [--service-cpu-prof dir]
  --quick                   100k-row data sets, 1 timed run, no warm-up; service: 100k/300k rows, 3 s of load
  --json <path>             also write the raw figures as JSON
  --engine-only             only the engine part (NCF against Parquet and Arrow IPC, in process)
  --service-only            only the HTTP service parts, incl. object storage (run \`npm run build\` first)
  --object-storage-only     only the object-storage part (s3rver + PostgreSQL vs local; \`npm run build\` first)
  --service-cpu-prof <dir>  run the server with node --cpu-prof, writing its profile to <dir>`;

/** A data set and whether it runs every measurement or only the projection test. */
interface DatasetSpec {
  make: () => Dataset;
  projectionOnly?: boolean;
}

function plan(quick: boolean): { run: RunPlan; datasets: DatasetSpec[] } {
  const rows = quick ? 100_000 : 1_000_000;
  const datasets: DatasetSpec[] = [
    { make: () => makeUsers(100_000) },
    ...(quick ? [] : [{ make: () => makeUsers(1_000_000) }]),
    { make: () => makeFlights(rows) },
    { make: () => makeNumeric(rows), projectionOnly: true },
  ];
  return { run: quick ? { warmups: 0, repeats: 1 } : { warmups: 1, repeats: 5 }, datasets };
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
  const engineOnly = values['engine-only'] === true;
  if (engineOnly && serviceOnly) throw new Error(`bench: --engine-only excludes --service-only and --object-storage-only\n${USAGE}`);
  const { run, datasets } = plan(quick);
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
    const machine = describeMachine(versions);
    let result: RunResult | null = null;
    if (!serviceOnly) {
      const results: DatasetResult[] = [];
      for (const spec of datasets) {
        const t0 = performance.now();
        const data = spec.make();
        const generateMs = performance.now() - t0;
        log(`${data.name}: generated in ${generateMs.toFixed(0)} ms`);
        const ctx = { plan: run, dir, duck, ncf: ncfAdapter, duckThreads: versions.threads, log };
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
