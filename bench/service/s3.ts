// The object-storage part of `npm run bench` (issue 4, "Scale out"): the built server twice, once on
// the embedded storage (local folder + SQLite) and once on object storage + PostgreSQL (the s3rver
// emulator in this process, a temp PostgreSQL cluster: test/support/s3-server.ts, pg-cluster.ts),
// both loaded with the same flights table (3M rows; quick 300k) from one Arrow IPC file.
//   a. what a pruned point query fetches from object storage, counted at the S3 server (GETs and the
//      bytes of their ranges), against what the file's layout says it needs: one ranged GET per run
//      of adjacent needed chunks, plus one GET (the tail, holding the footer) the first time the file
//      is opened; later queries use the cached footer;
//   b. latency on both setups, p50/p99 over N runs, and the ratio object/local: a pruned point query
//      cycling through one id per row group, and a one-column full scan as Arrow. The server keeps
//      decoded chunks in a 256 MiB LRU, so only the first touch of a row group (or of the column)
//      goes to storage: those cold runs are reported apart;
//   c. the whole table as one Arrow stream from object storage, the server's RSS sampled meanwhile:
//      the growth must stay flat (bounded by the chunk cache), not grow with the table.
// The emulator runs in this process, so its request handling competes with the bench's clients for
// the CPU; its latency is loopback latency, not a real bucket's.

import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { FOOTER_PREFETCH } from '../../src/format/constants.js';
import { NCFReader } from '../../src/format/reader.js';
import { S3BlobStore } from '../../storage/s3/blob-store.js';
import { newId } from '../../storage/keys.js';
import { startPgServer, type PgTestServer } from '../../test/support/pg-cluster.js';
import { startS3Server, type S3TestServer } from '../../test/support/s3-server.js';
import { label } from '../data/datasets.js';
import { gc } from '../common/measure.js';
import { fmtMs, fmtRatio, table } from '../common/report.js';
import { ARROW_STREAM, curlUpload, fetchDiscard } from './client.js';
import { makeFlightsWithId, writeArrowStream } from './data.js';
import { servicePlan } from './run.js';
import { checkBuild, readRss, resetPeakRss, startService, type Rss, type Service } from '../../test/support/service-process.js';

export interface ObjectStorageBenchOptions {
  quick: boolean;
  /** A temp folder the caller deletes; this part makes (and deletes) its own folder inside it. */
  dir: string;
  log: (msg: string) => void;
}

const POINT_SELECT = 'id,ts,carrier,origin,dest,delay,price';
const POINT_FILTER = 'id';
/** The reader's COALESCE_GAP (src/format/reader.ts): needed chunks this close are fetched as one range. */
const COALESCE_GAP = 64 * 1024;
const SCAN_COLUMN = 'price';
const RSS_SAMPLE_MS = 20;
const STREAMS = 3;

export interface FetchCount {
  gets: number;
  bytes: number /** The Range header of each GET. */;
  ranges: string[];
}

export interface PointFetch {
  id: number;
  rowGroup: number;
  /** What the file's layout says the query needs: runs of adjacent needed chunks and their bytes. */
  neededRuns: number;
  neededBytes: number;
  /** The ranges the reader's plan implies: the filter column's chunks first, then the rest of the
   *  projection, each phase's chunks merged when at most COALESCE_GAP apart. */
  planned: Array<[number, number]>;
  /** What the S3 server saw during this query. */
  fetched: FetchCount;
  /** Its latency: a first touch of the row group, so from storage. */
  ms: number;
}

/** One whole-table Arrow stream: body bytes, time, and the server's RSS before, at its peak, after. */
export interface StreamRun {
  bytes: number;
  ms: number;
  before: Rss | null;
  peak: number;
  after: Rss | null;
}

export interface Latency {
  samples: number[];
  p50: number;
  p99: number;
  cold: number[];
}

export interface ObjectStorageResult {
  rows: number;
  rowGroups: number;
  fileBytes: number;
  /** GETs of the first query on a fresh server (footer included), then one query per other row group. */
  first: PointFetch;
  later: PointFetch[];
  /** The same query again: served from the chunk cache. */
  repeat: FetchCount;
  latency: { point: { local: Latency; object: Latency }; scan: { local: Latency; object: Latency } };
  stream: { rows: number; tableBytes: number; runs: StreamRun[] };
  notes: string[];
  totalSeconds: number;
}

function fail(what: string, detail: string): never {
  throw new Error(`bench (object storage): ${what}: ${detail}`);
}

/** Nearest-rank percentile of unsorted samples. */
function percentile(samples: number[], p: number): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

function latency(samples: number[], cold: number[]): Latency {
  return { samples, p50: percentile(samples, 50), p99: percentile(samples, 99), cold };
}

/** Bytes a GET's Range header asks for, in an object of `size` bytes. */
function rangeBytes(range: string | undefined, size: number): number {
  const m = /^bytes=(\d*)-(\d*)$/.exec(range ?? '');
  if (m === null) return size;
  if (m[1] === '') return Math.min(size, Number(m[2]));
  const end = m[2] === '' ? size - 1 : Math.min(size - 1, Number(m[2]));
  return end + 1 - Number(m[1]);
}

/** Runs of adjacent byte ranges of the needed column chunks of row group `g`. */
/** Byte ranges [start, end) of the chunks of `columns` in row group `g`, by offset. */
function chunkRanges(reader: NCFReader, g: number, columns: string[]): Array<[number, number]> {
  const names = reader.meta.columns.map((c) => c.name);
  return columns
    .map((c) => reader.meta.rowGroups[g]!.chunks[names.indexOf(c)]!)
    .map((c): [number, number] => [c.offset, c.offset + c.length])
    .sort((a, b) => a[0] - b[0]);
}

/** Sorted ranges merged when at most `gap` bytes apart. */
function mergeRanges(ranges: Array<[number, number]>, gap: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [a, b] of ranges) {
    const last = out.at(-1);
    if (last !== undefined && a - last[1] <= gap) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** The GETs a query should send beyond opening the file: one per planned range not inside the tail
 *  the open request fetched (S3Source serves those from memory). */
function plannedGets(p: PointFetch, fileBytes: number, tailBytes: number): number {
  return p.planned.filter(([a]) => a < fileBytes - tailBytes).length;
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function pointQuery(svc: Service, id: number): Promise<void> {
  const r = await fetch(`${svc.url}/v1/tables/flights/rows?id=eq.${id}&select=${POINT_SELECT}`, {
    headers: { 'accept-encoding': 'identity' },
  });
  const body = (await r.json()) as { rows?: { id: number }[] };
  if (r.status !== 200 || body.rows?.length !== 1 || body.rows[0]!.id !== id)
    fail(`point query id=${id}`, `status ${r.status}: ${JSON.stringify(body).slice(0, 300)}`);
}

async function scan(svc: Service, rows: number): Promise<void> {
  const r = await fetchDiscard(`${svc.url}/v1/tables/flights/rows?select=${SCAN_COLUMN}`, { accept: ARROW_STREAM });
  // float64 values: at least 8 bytes a row must have come.
  if (r.bytes < rows * 8) fail(`scan of ${SCAN_COLUMN}`, `${r.bytes} bytes for ${rows} rows`);
}

export async function runObjectStorageBench(opts: ObjectStorageBenchOptions): Promise<ObjectStorageResult> {
  const started = performance.now();
  const rows = servicePlan(opts.quick).streamRows;
  const runs = opts.quick ? { point: 60, scan: 6 } : { point: 300, scan: 20 };
  const notes: string[] = [];
  const stale = checkBuild();
  if (stale) notes.push(stale);
  const work = await mkdtemp(join(opts.dir, 'object-storage-'));
  let pg: PgTestServer | null = null;
  let s3: S3TestServer | null = null;
  const services: Service[] = [];
  let store: S3BlobStore | null = null;
  try {
    [pg, s3] = await Promise.all([startPgServer(), startS3Server()]);
    const prefix = `bench-${newId()}/`;
    const db = await pg.createDatabase();
    const start = async (name: string, env: Record<string, string>): Promise<Service> => {
      const dataDir = await mkdtemp(join(work, `${name}-`));
      const svc = await startService({ dataDir, logFile: join(work, `${name}.log`), env });
      services.push(svc);
      return svc;
    };
    const objectEnv = {
      NCF_CATALOG_URL: db.url,
      NCF_STORAGE_URL: `s3://${s3.bucket}/${prefix}`,
      AWS_ENDPOINT_URL: s3.endpoint,
      AWS_REGION: s3.region,
      AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    };
    const local = await start('local', {});
    const loader = await start('object-loader', objectEnv);
    opts.log(
      `object storage: local server ${local.url}, object-storage server ${loader.url} (s3rver ${s3.endpoint}, PostgreSQL ${pg.source})`,
    );

    // One Arrow IPC file loads both servers.
    const t0 = performance.now();
    let data: ReturnType<typeof makeFlightsWithId> | null = makeFlightsWithId(rows);
    const file = join(work, 'flights.arrows');
    await writeArrowStream(data.table, file);
    data = null;
    gc();
    for (const svc of [local, loader]) {
      const r = await curlUpload('POST', `${svc.url}/v1/tables/flights`, file, ARROW_STREAM);
      if (r.status !== 201) fail('Arrow upload', `status ${r.status}: ${r.body.slice(0, 300)}`);
    }
    await rm(file, { force: true });
    opts.log(`object storage: ${label(rows)} rows loaded into both in ${(performance.now() - t0).toFixed(0)} ms`);
    // The replica that loaded the table has its file open; a fresh one (stateless: same catalog and
    // bucket) starts with no cached footer, as after a deploy.
    await loader.stop();
    const object = await start('object', objectEnv);

    // The stored file, read here through a store of our own (outside the counted windows).
    store = new S3BlobStore({
      bucket: s3.bucket,
      prefix,
      region: s3.region,
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: s3.credentials,
    });
    const keys: { key: string; size: number }[] = [];
    for await (const b of store.list()) keys.push(b);
    if (keys.length !== 1) fail('stored files', `${keys.length} objects under ${prefix}, expected the one file of the upload`);
    const fileKey = keys[0]!.key,
      fileBytes = keys[0]!.size;
    const source = await store.openSource(fileKey);
    const reader = await NCFReader.open(source);
    const groupStarts: number[] = [];
    let acc = 0;
    for (const rg of reader.meta.rowGroups) {
      groupStarts.push(acc);
      acc += rg.rows;
    }
    const rowGroups = groupStarts.length;
    // One id in the middle of each row group (id = row number).
    const ids = groupStarts.map((s, g) => s + (reader.meta.rowGroups[g]!.rows >> 1));
    const columns = POINT_SELECT.split(',');
    const objectPath = `/${s3.bucket}/${prefix}${fileKey}`;
    const counted = async (fn: () => Promise<void>): Promise<FetchCount> => {
      const from = s3!.requests.length;
      await fn();
      const seen = s3!.requests.slice(from);
      const gets = seen.filter((r) => r.method === 'GET' && r.path === objectPath);
      const other = seen.filter((r) => !(r.method === 'GET' && r.path === objectPath));
      if (other.length > 0) notes.push(`a query also sent ${other.map((r) => `${r.method} ${r.path}`).join(', ')}`);
      return {
        gets: gets.length,
        bytes: gets.reduce((n, r) => n + rangeBytes(r.range, fileBytes), 0),
        ranges: gets.map((r) => r.range ?? '(whole object)'),
      };
    };
    const pointFetch = async (g: number): Promise<PointFetch> => {
      const all = chunkRanges(reader, g, columns);
      const adjacent = mergeRanges(all, 0);
      const planned = [
        ...mergeRanges(chunkRanges(reader, g, [POINT_FILTER]), COALESCE_GAP),
        ...mergeRanges(
          chunkRanges(
            reader,
            g,
            columns.filter((c) => c !== POINT_FILTER),
          ),
          COALESCE_GAP,
        ),
      ];
      let ms = 0;
      const fetched = await counted(async () => {
        ms = await timed(() => pointQuery(object, ids[g]!));
      });
      return {
        id: ids[g]!,
        rowGroup: g,
        neededRuns: adjacent.length,
        neededBytes: all.reduce((n, [a, b]) => n + b - a, 0),
        planned,
        fetched,
        ms,
      };
    };
    // a. The first query opens the file (footer); the others each touch a new row group.
    const first = await pointFetch(0);
    const later: PointFetch[] = [];
    for (let g = 1; g < rowGroups; g++) later.push(await pointFetch(g));
    const repeat = await counted(() => pointQuery(object, ids[0]!));
    opts.log(`object storage: point queries counted (${rowGroups} row groups)`);

    // b. Latency. The object server's first touch of each row group was timed in (a); the local
    // server gets the same first pass, so both then answer from cached chunks.
    const coldLocal: number[] = [];
    for (const id of ids) coldLocal.push(await timed(() => pointQuery(local, id)));
    const coldObject = [first, ...later].map((q) => q.ms);
    const pointSamples = { local: [] as number[], object: [] as number[] };
    for (let k = 0; k < runs.point; k++) {
      const id = ids[k % ids.length]!;
      // Interleaved, so a burst of outside load hits both alike.
      pointSamples.local.push(await timed(() => pointQuery(local, id)));
      pointSamples.object.push(await timed(() => pointQuery(object, id)));
    }
    // Scans: the first run of each is cold (fetched from storage), the others hit the chunk cache.
    const scanCold = { local: [await timed(() => scan(local, rows))], object: [await timed(() => scan(object, rows))] };
    const scanSamples = { local: [] as number[], object: [] as number[] };
    for (let k = 0; k < runs.scan; k++) {
      scanSamples.local.push(await timed(() => scan(local, rows)));
      scanSamples.object.push(await timed(() => scan(object, rows)));
    }
    opts.log(`object storage: latency measured (${runs.point} point queries, ${runs.scan} scans per setup)`);

    // c. The whole table as Arrow from object storage, RSS sampled, several times: the first stream
    // also fills the decoded-chunk cache (up to its bound); the later ones show the steady state.
    const streams: StreamRun[] = [];
    for (let k = 0; k < STREAMS; k++) {
      const before = readRss(object.pid);
      const resetOk = resetPeakRss(object.pid);
      let peak = before?.rss ?? 0;
      const sampler = setInterval(() => {
        peak = Math.max(peak, readRss(object.pid)?.rss ?? 0);
      }, RSS_SAMPLE_MS);
      let bytes = 0;
      const t1 = performance.now();
      try {
        bytes = (await fetchDiscard(`${object.url}/v1/tables/flights/rows`, { accept: ARROW_STREAM })).bytes;
      } finally {
        clearInterval(sampler);
      }
      const ms = performance.now() - t1;
      const after = readRss(object.pid);
      if (resetOk && after) peak = Math.max(peak, after.peak);
      if (k > 0 && bytes !== streams[0]!.bytes) fail('full Arrow stream', `${bytes} bytes, the first stream had ${streams[0]!.bytes}`);
      streams.push({ bytes, ms, before, peak, after });
      opts.log(`object storage: full Arrow stream ${k + 1}/${STREAMS}, ${(bytes / 2 ** 20).toFixed(0)} MiB in ${ms.toFixed(0)} ms`);
    }

    await reader.close?.();
    return {
      rows,
      rowGroups,
      fileBytes,
      first,
      later,
      repeat,
      latency: {
        point: { local: latency(pointSamples.local, coldLocal), object: latency(pointSamples.object, coldObject) },
        scan: { local: latency(scanSamples.local, scanCold.local), object: latency(scanSamples.object, scanCold.object) },
      },
      stream: { rows, tableBytes: fileBytes, runs: streams },
      notes,
      totalSeconds: (performance.now() - started) / 1000,
    };
  } finally {
    await store?.close();
    await Promise.allSettled(services.map((s) => s.stop()));
    await s3?.close();
    await pg?.stop();
    await rm(work, { recursive: true, force: true });
  }
}

const mib = (n: number | null | undefined): string => (n === null || n === undefined ? '-' : `${(n / 2 ** 20).toFixed(0)} MiB`);
const kib = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;

export function renderObjectStorageReport(r: ObjectStorageResult, mode: string): string {
  const lines: string[] = [];
  lines.push(
    `== object storage: ${mode} run; the built server on local folder + SQLite vs on s3rver (in the bench process) + PostgreSQL (temp cluster); ` +
      `flights ${label(r.rows)} rows, one file of ${mib(r.fileBytes)} in ${r.rowGroups} row groups ==`,
  );
  for (const n of r.notes) lines.push(`note: ${n}`);
  lines.push(
    '',
    `  a. pruned point query (id=eq.N, 7 of 12 columns, 1 row group) on a fresh replica: GETs and bytes counted at the S3 server`,
  );
  lines.push(
    `     planned: the reader reads the filter column's chunk first, then the rest of the projection if a row matches, each phase's`,
  );
  lines.push(
    `     chunks merged into one range when at most ${COALESCE_GAP / 1024} KiB apart; the open request fetches the last ${FOOTER_PREFETCH / 1024} KiB (footer)`,
  );
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  const planned = (q: PointFetch): number => plannedGets(q, r.fileBytes, FOOTER_PREFETCH);
  const rowsA: string[][] = [
    [
      'first query (opens the file: footer GET)',
      String(r.first.fetched.gets),
      `1 + ${planned(r.first)}`,
      String(r.first.neededRuns),
      kib(r.first.fetched.bytes),
      kib(r.first.neededBytes),
    ],
  ];
  const later = r.later;
  if (later.length > 0) {
    const n = later.length;
    rowsA.push([
      `each other row group, footer cached (${n} queries, total)`,
      String(sum(later.map((q) => q.fetched.gets))),
      String(sum(later.map(planned))),
      String(sum(later.map((q) => q.neededRuns))),
      kib(sum(later.map((q) => q.fetched.bytes))),
      kib(sum(later.map((q) => q.neededBytes))),
    ]);
    rowsA.push([
      '  per query, mean',
      (sum(later.map((q) => q.fetched.gets)) / n).toFixed(2),
      (sum(later.map(planned)) / n).toFixed(2),
      (sum(later.map((q) => q.neededRuns)) / n).toFixed(2),
      kib(sum(later.map((q) => q.fetched.bytes)) / n),
      kib(sum(later.map((q) => q.neededBytes)) / n),
    ]);
  }
  rowsA.push(['the same query again (decoded chunks cached)', String(r.repeat.gets), '0', '0', kib(r.repeat.bytes), '0']);
  lines.push(
    table(['query', 'GETs', 'GETs planned', 'adjacent-chunk runs', 'bytes fetched', 'bytes of needed chunks'], rowsA, [
      'l',
      'r',
      'r',
      'r',
      'r',
      'r',
    ]),
  );
  lines.push('');
  lines.push(`  b. latency, ms (p50 / p99 over the runs; the object/local ratio of each)`);
  const row = (what: string, l: { local: { p50: number; p99: number }; object: { p50: number; p99: number } }, n: number): string[] => [
    what,
    String(n),
    fmtMs(l.local.p50),
    fmtMs(l.local.p99),
    fmtMs(l.object.p50),
    fmtMs(l.object.p99),
    fmtRatio(l.object.p50 / l.local.p50),
    fmtRatio(l.object.p99 / l.local.p99),
  ];
  const p = r.latency.point,
    s = r.latency.scan;
  lines.push(
    table(
      ['query', 'runs', 'local p50', 'local p99', 'object p50', 'object p99', 'p50 object/local', 'p99 object/local'],
      [
        row(`point query, JSON (cycling ${r.rowGroups} row groups, cached chunks)`, p, p.local.samples.length),
        row(
          `point query, first touch of each row group (from storage; p99 = max)`,
          { local: latency(p.local.cold, []), object: latency(p.object.cold, []) },
          p.local.cold.length,
        ),
        row(`full scan of ${SCAN_COLUMN}, Arrow (cached chunks)`, s, s.local.samples.length),
        [
          'full scan, first run (from storage)',
          '1',
          fmtMs(s.local.cold[0]!),
          '',
          fmtMs(s.object.cold[0]!),
          '',
          fmtRatio(s.object.cold[0]! / s.local.cold[0]!),
          '',
        ],
      ],
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  lines.push('');
  const st = r.stream;
  lines.push(
    `  c. the whole table (${label(st.rows)} rows, all columns) as one Arrow stream from object storage, ${st.runs.length} times in a row; server RSS sampled every ${RSS_SAMPLE_MS} ms`,
  );
  lines.push(`     (stored file ${mib(st.tableBytes)}; the server keeps up to 256 MiB of decoded chunks, which the first stream fills)`);
  lines.push(
    table(
      ['stream', 'body', 'ms', 'RSS before', 'RSS peak', 'peak growth', 'RSS after'],
      st.runs.map((x, k) => [
        String(k + 1),
        mib(x.bytes),
        fmtMs(x.ms),
        mib(x.before?.rss),
        mib(x.peak),
        mib(x.before ? x.peak - x.before.rss : null),
        mib(x.after?.rss),
      ]),
      ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  lines.push(`  total ${r.totalSeconds.toFixed(0)} s`);
  return lines.join('\n');
}
