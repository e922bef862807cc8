// The service part of `npm run bench` (issue 3, "Performance"): the built server as a child process on
// loopback, driven by real clients in this process.
//   1. upload: a flights CSV (1M rows; quick 100k) by `curl --data-binary` to POST /v1/tables/{name},
//      against DuckDB COPY (SELECT * FROM read_csv(file)) TO Parquet zstd on the same file, interleaved;
//   2. stream: the whole 3M-row table (quick 300k) as an Arrow IPC stream, read by curl into /dev/null,
//      by fetch, and by fetch + apache-arrow's RecordBatchReader, with the server's RSS around it;
//   3. point query: autocannon, 100 connections for 10 s (quick 3 s) cycling through fixed id=eq.<n>
//      URLs on the table sorted by id, answered as JSON and as Arrow.
// Every loop is bounded by count or time; the server is stopped and the work folder deleted on every path.

import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { label } from '../data/datasets.js';
import { measureInterleaved, gc, type RunPlan, type Step } from '../common/measure.js';
import { Prng } from '../../test/support/prng.js';
import type { Entry } from '../common/results.js';
import { ARROW_STREAM, curlDiscard, curlRequest, curlUpload, fetchArrowRows, fetchDiscard } from './client.js';
import { makeFlightsWithId, writeArrowStream, writeCsv } from './data.js';
import { runLoad, type LoadResult } from '../../test/support/autocannon.js';
import { measureAggregates } from './aggregate.js';
import { checkServiceTargets } from './report.js';
import type { PointResult, ServiceResult, StreamEntry, StreamResult, UploadResult } from './results.js';
import { checkBuild, readRss, resetPeakRss, startService, type Service } from '../../test/support/service-process.js';

export interface ServiceBenchOptions {
  quick: boolean;
  /** Warm-ups and timed repeats for the upload and stream measurements (as the engine part's). */
  plan: RunPlan;
  /** A temp folder the caller deletes; this part makes (and deletes) its own folder inside it. */
  dir: string;
  log: (msg: string) => void;
  /** Run the server with --cpu-prof, writing its profile here when it stops (for finding where time goes). */
  cpuProfDir?: string;
}

/** Sizes and durations: the issue's, or a tenth of the rows and 3 s of load for --quick. */
export function servicePlan(quick: boolean) {
  return {
    uploadRows: quick ? 100_000 : 1_000_000,
    streamRows: quick ? 300_000 : 3_000_000,
    connections: 100,
    loadSeconds: quick ? 3 : 10,
    /** Untimed load before each timed one, so the server's hot paths are compiled. */
    warmLoadSeconds: quick ? 0 : 2,
  };
}

/** Point queries: this many fixed ids, drawn once from a seeded PRNG. */
const POINT_IDS = 16;
const POINT_SELECT = 'id,ts,carrier,origin,dest,delay,price';
/** How often the server's RSS is sampled while streaming. */
const RSS_SAMPLE_MS = 20;

const lit = (s: string): string => `'${s.replaceAll("'", "''")}'`;

function fail(what: string, detail: string): never {
  throw new Error(`bench (service): ${what}: ${detail}`);
}

/** The table description the service answers with (the fields this benchmark reads). */
interface Description {
  rowCount: number;
  bytes: number;
  columns: { name: string; type: string }[];
}

async function describe(svc: Service, table: string): Promise<Description> {
  const res = await fetch(`${svc.url}/v1/tables/${table}`);
  if (res.status !== 200) fail(`GET /v1/tables/${table}`, `status ${res.status}`);
  return (await res.json()) as Description;
}

async function measureUpload(
  opts: ServiceBenchOptions,
  svc: Service,
  con: DuckDBConnection,
  work: string,
  rows: number,
): Promise<UploadResult> {
  const t0 = performance.now();
  const data = makeFlightsWithId(rows);
  const csv = join(work, 'upload.csv');
  const csvBytes = await writeCsv(data.table, csv);
  opts.log(
    `service upload: ${data.name} as ${(csvBytes / 1e6).toFixed(1)} MB of CSV in ${(performance.now() - t0).toFixed(0)} ms (not timed)`,
  );
  const parquet = join(work, 'upload.parquet');
  const target = `${svc.url}/v1/tables/upload_csv`;

  const steps: Step[] = [
    {
      key: 'service',
      prepare: async () => {
        const r = await curlRequest('DELETE', target); // the previous round's table; 404 the first time
        if (r.status !== 204 && r.status !== 404) fail('DELETE before an upload', `status ${r.status}: ${r.body}`);
      },
      run: async () => {
        const r = await curlUpload('POST', target, csv, 'text/csv');
        if (r.status !== 201) fail('CSV upload', `status ${r.status}: ${r.body.slice(0, 500)}`);
        return (JSON.parse(r.body) as Description).rowCount;
      },
    },
    {
      key: 'duckdb',
      prepare: () => rm(parquet, { force: true }),
      run: async () => {
        const reader = await con.runAndReadAll(
          `COPY (SELECT * FROM read_csv(${lit(csv)})) TO ${lit(parquet)} (FORMAT parquet, COMPRESSION zstd)`,
        );
        return Number(reader.getRows()[0]![0]);
      },
    },
  ];
  opts.log('service upload: curl -> service vs DuckDB read_csv -> Parquet');
  const measured = await measureInterleaved(opts.plan, steps);
  const labels: Record<string, string> = {
    service: 'curl --data-binary @file -> POST /v1/tables/{name} (201)',
    duckdb: 'DuckDB COPY (FROM read_csv(file)) TO Parquet zstd',
  };
  const entries: Entry[] = steps.map((s) => {
    const m = measured.get(s.key)!;
    if (m.result !== rows) fail(labels[s.key]!, `${String(m.result)} rows, expected ${rows}`);
    return { key: s.key, label: labels[s.key]!, timing: m.timing, rows };
  });

  const served = await describe(svc, 'upload_csv');
  const duckCols = (await con.runAndReadAll(`DESCRIBE SELECT * FROM read_csv(${lit(csv)})`)).getRows();
  await curlRequest('DELETE', target);
  await rm(csv, { force: true });
  await rm(parquet, { force: true });
  return {
    rows,
    csvBytes,
    entries,
    serviceTypes: served.columns.map((c) => `${c.name} ${c.type}`).join(', '),
    duckdbTypes: duckCols.map((r) => `${String(r[0])} ${String(r[1]).toLowerCase()}`).join(', '),
  };
}

/** Generates the big table and uploads it as an Arrow IPC stream file (one timed run, for information). */
async function loadBigTable(
  opts: ServiceBenchOptions,
  svc: Service,
  work: string,
  rows: number,
): Promise<{ columns: number; load: StreamResult['load'] }> {
  const t0 = performance.now();
  let data: ReturnType<typeof makeFlightsWithId> | null = makeFlightsWithId(rows);
  const file = join(work, 'flights.arrows');
  const inputBytes = await writeArrowStream(data.table, file);
  const columns = data.table.numCols;
  opts.log(
    `service: ${data.name} generated and written as ${(inputBytes / 1e6).toFixed(0)} MB of Arrow IPC in ${(performance.now() - t0).toFixed(0)} ms (not timed)`,
  );
  data = null;
  gc();
  const t1 = performance.now();
  const r = await curlUpload('POST', `${svc.url}/v1/tables/flights`, file, ARROW_STREAM);
  const ms = performance.now() - t1;
  if (r.status !== 201) fail('Arrow upload of the big table', `status ${r.status}: ${r.body.slice(0, 500)}`);
  const rowCount = (JSON.parse(r.body) as Description).rowCount;
  if (rowCount !== rows) fail('Arrow upload of the big table', `rowCount ${rowCount}, expected ${rows}`);
  await rm(file, { force: true });
  return { columns, load: { inputBytes, ms } };
}

async function measureStream(
  opts: ServiceBenchOptions,
  svc: Service,
  rows: number,
  columns: number,
  load: StreamResult['load'],
): Promise<StreamResult> {
  const url = `${svc.url}/v1/tables/flights/rows`;
  const accept = { accept: ARROW_STREAM };
  const described = await describe(svc, 'flights');
  // One untimed read learns the body size every timed read must reproduce.
  const first = await fetchDiscard(url, accept);
  const expectedBytes = first.bytes;
  const rowGroups = Number(first.headers.get('ncf-row-groups')?.split('/')[1] ?? NaN);

  const before = readRss(svc.pid);
  const resetOk = resetPeakRss(svc.pid);
  let sampledPeak = before?.rss ?? 0;
  const sampler = setInterval(() => {
    sampledPeak = Math.max(sampledPeak, readRss(svc.pid)?.rss ?? 0);
  }, RSS_SAMPLE_MS);
  const bytes = new Map<string, number>();
  const checkBytes = (key: string, n: number): number => {
    if (n !== expectedBytes) fail(`Arrow stream read by ${key}`, `${n} body bytes, expected ${expectedBytes}`);
    bytes.set(key, n);
    return rows;
  };
  const steps: Step[] = [
    {
      key: 'curl',
      run: async () => {
        const r = await curlDiscard(url, { Accept: ARROW_STREAM });
        if (r.status !== 200) fail('Arrow stream read by curl', `status ${r.status}`);
        return checkBytes('curl', r.bytes);
      },
    },
    { key: 'fetch', run: async () => checkBytes('fetch', (await fetchDiscard(url, accept)).bytes) },
    { key: 'fetch-decode', run: async () => (await fetchArrowRows(url)).rows },
  ];
  opts.log(`service stream: ${label(rows)} rows as Arrow to curl, fetch, fetch + RecordBatchReader`);
  let measured;
  try {
    measured = await measureInterleaved(opts.plan, steps);
  } finally {
    clearInterval(sampler);
  }
  const after = readRss(svc.pid);
  const labels: Record<string, string> = {
    curl: 'curl -o /dev/null',
    fetch: 'node fetch, body bytes counted',
    'fetch-decode': 'node fetch + RecordBatchReader, rows counted',
  };
  const entries: StreamEntry[] = steps.map((s) => {
    const m = measured.get(s.key)!;
    if (m.result !== rows) fail(labels[s.key]!, `${String(m.result)} rows, expected ${rows}`);
    return { key: s.key, label: labels[s.key]!, timing: m.timing, rows, bytes: bytes.get(s.key) ?? expectedBytes };
  });
  const peak = Math.max(sampledPeak, resetOk && after ? after.peak : 0) || null;
  return {
    rows,
    columns,
    storedBytes: described.bytes,
    rowGroups,
    load,
    entries,
    rss: {
      before,
      after,
      peak,
      peakSource: resetOk
        ? `VmHWM reset before the streams, and VmRSS sampled every ${RSS_SAMPLE_MS} ms`
        : `VmRSS sampled every ${RSS_SAMPLE_MS} ms`,
    },
  };
}

async function measurePoint(opts: ServiceBenchOptions, svc: Service, rows: number): Promise<PointResult> {
  const plan = servicePlan(opts.quick);
  const rng = new Prng(7);
  const ids = Array.from({ length: POINT_IDS }, () => rng.int(rows));
  const paths = ids.map((id) => `/v1/tables/flights/rows?id=eq.${id}&select=${POINT_SELECT}`);
  // Each URL answers its one row, as JSON and as Arrow, before any load.
  const headers = new Set<string>();
  for (let k = 0; k < paths.length; k++) {
    const res = await fetch(svc.url + paths[k]!);
    const body = (await res.json()) as { rows?: { id: number }[] };
    if (res.status !== 200 || body.rows?.length !== 1 || body.rows[0]!.id !== ids[k]) {
      fail(
        `point query ${paths[k]}`,
        `status ${res.status}, rows ${JSON.stringify(body.rows)?.slice(0, 200)}; expected the row with id ${ids[k]}`,
      );
    }
    headers.add(res.headers.get('ncf-row-groups') ?? '?');
    const a = await fetchArrowRows(svc.url + paths[k]!);
    if (a.rows !== 1) fail(`point query ${paths[k]} as Arrow`, `${a.rows} rows, expected 1`);
  }
  const run = async (what: string, extra: Record<string, string> | undefined): Promise<LoadResult> => {
    const base = { url: svc.url, paths, connections: plan.connections, ...(extra ? { headers: extra } : {}) };
    if (plan.warmLoadSeconds > 0) {
      opts.log(`service point query (${what}): ${plan.warmLoadSeconds} s warm-up`);
      await runLoad({ ...base, seconds: plan.warmLoadSeconds });
    }
    opts.log(`service point query (${what}): autocannon, ${plan.connections} connections, ${plan.loadSeconds} s`);
    return runLoad({ ...base, seconds: plan.loadSeconds });
  };
  const json = await run('JSON', undefined);
  const arrow = await run('Arrow', { accept: ARROW_STREAM });
  return { tableRows: rows, rowGroupsHeader: [...headers].join(' '), paths, json, arrow };
}

/** Runs the three service measurements and returns their figures with the targets checked. */
export async function runServiceBench(opts: ServiceBenchOptions): Promise<ServiceResult> {
  const started = performance.now();
  const plan = servicePlan(opts.quick);
  const notes: string[] = [];
  const stale = checkBuild();
  if (stale) {
    notes.push(stale);
    opts.log(`warning: ${stale}`);
  }
  const work = await mkdtemp(join(opts.dir, 'service-'));
  const dataDir = await mkdtemp(join(work, 'data-'));
  let svc: Service | null = null;
  const instance = await DuckDBInstance.create(':memory:');
  let con: DuckDBConnection | null = null;
  try {
    con = await instance.connect();
    svc = await startService({
      dataDir,
      logFile: join(work, 'server.log'),
      ...(opts.cpuProfDir ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] } : {}),
    });
    opts.log(`service: listening on ${svc.url} (pid ${svc.pid})`);
    const upload = await measureUpload(opts, svc, con, work, plan.uploadRows);
    const big = await loadBigTable(opts, svc, work, plan.streamRows);
    const stream = await measureStream(opts, svc, plan.streamRows, big.columns, big.load);
    const point = await measurePoint(opts, svc, plan.streamRows);
    const aggregate = await measureAggregates(opts.plan, svc.url, con, work, plan.streamRows, opts.log);
    if (opts.cpuProfDir) notes.push(`the server ran with --cpu-prof (profile in ${opts.cpuProfDir}): figures are slower than without`);
    const partial = { upload, stream, point, aggregate };
    return { ...partial, notes, targets: checkServiceTargets(partial), totalSeconds: (performance.now() - started) / 1000 };
  } finally {
    await svc?.stop();
    con?.closeSync();
    instance.closeSync();
    await rm(work, { recursive: true, force: true });
  }
}
