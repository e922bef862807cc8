// Mixed-traffic load against the built server on loopback (issue 5, "Load test"): autocannon drives
// `connections` connections, each cycling through pruned point queries on a sorted base table,
// 100k-row Arrow IPC streams of it, and 1 MiB CSV appends to a second table (`events_<n>`). Beside it:
//   - a consistency reader counts the rows of `events` as an Arrow stream with the answer's
//     NCF-Table-Version, and every count is checked against the row count committed for that version
//     (known from the append and replace answers): a read sees exactly one committed version, never
//     part of an append;
//   - a maintenance loop keeps the appended table small: after `resetAfterAppends` appends it
//     creates a fresh one (`events_<n>`), moves the appends and the reader to it, and drops the old one
//     a while later, so a long soak measures the service, not an ever-growing table (a replace cannot
//     do it: with appends landing all the time it always loses its race, 409, by design);
//   - the server's RSS is sampled.
// Everything is bounded: by time (autocannon's duration), by count (stopped after maxRequests), and every
// side request has a timeout. Used by `npm run load` / `npm run soak` (bench/load/run.ts) and, small, by
// test/e2e/load.test.ts.

import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import autocannon from 'autocannon';
import * as arrow from 'apache-arrow';
import { Prng } from './prng.js';
import { quantile } from './autocannon.js';
import { readRss } from './service-process.js';

export const ARROW_STREAM = 'application/vnd.apache.arrow.stream';
/** Rows in one append (each CSV line padded to APPEND_LINE bytes: 4096 × 256 B = 1 MiB). */
export const APPEND_ROWS = 4096;
const APPEND_LINE = 256;
/** Rows in one Arrow stream. */
export const STREAM_ROWS = 100_000;
/** Ids of appended rows start here, above every base id: the point queries prune the events away. */
const EVENT_ID_BASE = 1_000_000_000;
/** Longest any side request (setup, consistency reads, maintenance) may take. */
const SIDE_TIMEOUT_MS = 60_000;
/** A retired events table is dropped this long after appends moved off it (appends still running on
 *  it finish first: autocannon's own request timeout is 30 s). */
const DROP_AFTER_MS = 40_000;

export type Kind = 'point' | 'stream' | 'append';
export const KINDS: readonly Kind[] = ['point', 'stream', 'append'];

export interface MixOptions {
  url: string;
  /** Server process id, for its RSS. */
  pid: number;
  connections: number;
  seconds: number;
  /** Most requests autocannon sends in all (a bound besides the duration). */
  maxRequests: number;
  /** Rows of the base table (the point queries and streams read it). */
  baseRows: number;
  /** Per connection, one cycle: this many point queries, then one stream, then one append. */
  pointsPerCycle: number;
  /** The appends move to a fresh events table after this many. */
  resetAfterAppends: number;
  /** Milliseconds between consistency reads. */
  checkEveryMs: number;
  /** Milliseconds between RSS samples. */
  rssEveryMs: number;
  seed?: number;
  log?: (msg: string) => void;
}

export interface Latency {
  count: number;
  p50: number;
  p975: number;
  p99: number;
  max: number;
}

export interface MixResult {
  connections: number;
  seconds: number;
  requests: number;
  reqPerSec: number;
  bytesPerSec: number;
  latency: Latency;
  byKind: Record<Kind, Latency & { non2xx: number }>;
  errors: number;
  timeouts: number;
  non2xx: number;
  /** samples: RSS and the server's decoded-chunk cache bytes (from /metrics; NaN when unread). */
  rss: { before: number; peak: number; after: number; samples: Array<{ t: number; rss: number; cache: number }> };
  consistency: {
    reads: number;
    /** Reads whose row count was not that of the table version they reported (or not whole appends). */
    mismatches: string[];
    /** Reads whose version no committed answer told us about (an append answered after the run stopped). */
    unknownVersions: number;
    /** Reads the server cut short (the connection closed mid-answer, or no end-of-stream marker):
     *  not compared. */
    cut: number;
    /** Distinct table versions the reads saw, over this many events tables. */
    versionsSeen: number;
    tables: number;
  };
  maintenance: { rotations: number; drops: number; unexpected: string[] };
}

function line(id: number, kind: number, x: string, s: string): string {
  return `${id},${kind},${x},${s}\n`;
}

/** The base table as CSV: id 0..rows-1 (sorted, so point queries prune to one row group). */
export async function writeBaseCsv(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  out.write('id,kind,x,s\n');
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    chunk += line(i, 0, `${i % 100_003}.5`, `s${i % 1000}`);
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

/** One append: APPEND_ROWS rows of kind 1, 1 MiB of CSV (plus the header). */
export function appendBody(): Buffer {
  let text = 'id,kind,x,s\n';
  for (let j = 0; j < APPEND_ROWS; j++) {
    const head = `${EVENT_ID_BASE + j},1,${j}.25,`;
    text += line(EVENT_ID_BASE + j, 1, `${j}.25`, 'e'.repeat(APPEND_LINE - head.length - 1));
  }
  return Buffer.from(text);
}

async function side(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, signal: AbortSignal.timeout(SIDE_TIMEOUT_MS) });
}

interface Written {
  name: string;
  version: number;
  rowCount: number;
}

/** PUT of a CSV body (a file's blob or bytes): the table's description. */
async function putTable(url: string, name: string, body: Blob | Buffer): Promise<Written> {
  const res = await side(`${url}/v1/tables/${name}`, { method: 'PUT', headers: { 'content-type': 'text/csv' }, body });
  if (res.status !== 200 && res.status !== 201)
    throw new Error(`load: PUT /v1/tables/${name} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  return (await res.json()) as Written;
}

/** Creates `t` (the base table, from a CSV file); returns its description. */
export async function createBaseTable(url: string, baseCsv: string): Promise<Written> {
  const { openAsBlob } = await import('node:fs');
  return putTable(url, 't', await openAsBlob(baseCsv));
}

/** Whether an Arrow IPC stream ends with the end-of-stream marker (continuation 0xFFFFFFFF, length 0). */
export function endsWithEos(b: Uint8Array): boolean {
  const n = b.length;
  return (
    n >= 8 &&
    b[n - 8] === 0xff &&
    b[n - 7] === 0xff &&
    b[n - 6] === 0xff &&
    b[n - 5] === 0xff &&
    b[n - 4] === 0 &&
    b[n - 3] === 0 &&
    b[n - 2] === 0 &&
    b[n - 1] === 0
  );
}

function latencyOf(values: number[]): Latency {
  const sorted = Float64Array.from(values).sort();
  return {
    count: sorted.length,
    p50: quantile(sorted, 0.5),
    p975: quantile(sorted, 0.975),
    p99: quantile(sorted, 0.99),
    max: sorted.length > 0 ? sorted[sorted.length - 1]! : NaN,
  };
}

/** Most latencies kept per kind (a 10-minute soak at a few thousand req/s stays under it). */
const MAX_SAMPLES = 4_000_000;

export async function runMixedLoad(o: MixOptions): Promise<MixResult> {
  const log = o.log ?? (() => {});
  const prng = new Prng(o.seed ?? 5);
  const body = appendBody();
  /** Row count committed at each "table@version" of the events tables, from the answers of the
   *  writes that made them. */
  const committed = new Map<string, number>();
  const at = (name: string, version: number): string => `${name}@${version}`;
  const latencies: Record<Kind, number[]> = { point: [], stream: [], append: [] };
  const kindNon2xx: Record<Kind, number> = { point: 0, stream: 0, append: 0 };
  const all: number[] = [];
  let appendsSinceReset = 0;
  let generation = 0;
  let events = `events_${generation}`;
  {
    const d = await putTable(o.url, events, body);
    committed.set(at(d.name, d.version), d.rowCount);
  }

  const point = {
    method: 'GET' as const,
    kind: 'point' as Kind,
    setupRequest: (req: autocannon.Request) => ({ ...req, path: `/v1/tables/t/rows?id=eq.${prng.int(o.baseRows)}&select=id,x,s` }),
  };
  const windows = Math.max(1, Math.floor(o.baseRows / STREAM_ROWS));
  const stream = {
    method: 'GET' as const,
    kind: 'stream' as Kind,
    headers: { accept: ARROW_STREAM },
    setupRequest: (req: autocannon.Request) => ({
      ...req,
      path: `/v1/tables/t/rows?offset=${prng.int(windows) * STREAM_ROWS}&limit=${STREAM_ROWS}`,
    }),
  };
  const append = {
    method: 'POST' as const,
    kind: 'append' as Kind,
    headers: { 'content-type': 'text/csv' },
    body,
    setupRequest: (req: autocannon.Request) => ({ ...req, path: `/v1/tables/${events}/rows` }),
    onResponse: (status: number, resBody: string) => {
      if (status !== 200) return;
      try {
        const d = JSON.parse(resBody) as Written;
        committed.set(at(d.name, d.version), d.rowCount);
        if (d.name === events) appendsSinceReset++;
      } catch {
        /* counted as an unknown version if a read meets it */
      }
    },
  };
  const cycle = [...Array.from({ length: o.pointsPerCycle }, () => point), stream, append];

  let stopping = false;
  const problems = { mismatches: [] as string[], unexpected: [] as string[] };
  const rssSamples: Array<{ t: number; rss: number; cache: number }> = [];
  const t0 = Date.now();
  const before = readRss(o.pid)?.rss ?? NaN;
  let peak = before;

  // RSS sampler.
  // RSS sampler, with the chunk cache's size at the same moment: the cache fills toward its bound
  // (256 MiB) over a long run, and the soak judges the memory outside it.
  const sampler = setInterval(() => {
    const r = readRss(o.pid);
    if (!r) return;
    const t = (Date.now() - t0) / 1000;
    if (r.rss > peak) peak = r.rss;
    void chunkCacheBytes(o.url).then((cache) => rssSamples.push({ t, rss: r.rss, cache }));
  }, o.rssEveryMs);

  // Consistency reader.
  const seen: Array<{ table: string; version: number; rows: number }> = [];
  let cut = 0;
  const reader = (async () => {
    while (!stopping) {
      try {
        const table = events;
        const res = await side(`${o.url}/v1/tables/${table}/rows?select=kind`, {
          headers: { accept: ARROW_STREAM, 'accept-encoding': 'identity' },
        });
        if (res.status !== 200) {
          problems.unexpected.push(`consistency read answered ${res.status}`);
        } else {
          const version = Number(res.headers.get('ncf-table-version'));
          const bytes = new Uint8Array(await res.arrayBuffer());
          // A stream the server cut (its query timeout, under heavy load) can end on a message
          // boundary, which readers take for a normal end: only the end-of-stream marker tells.
          if (!endsWithEos(bytes)) {
            cut++;
          } else {
            let rows = 0;
            for (const b of arrow.RecordBatchReader.from(bytes)) rows += b.numRows;
            seen.push({ table, version, rows });
          }
        }
      } catch (e) {
        // undici's "terminated": the server closed the answer mid-way (its query timeout under overload).
        if ((e as Error).message === 'terminated') cut++;
        else problems.unexpected.push(`consistency read failed: ${(e as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, o.checkEveryMs));
    }
  })();

  // Maintenance: move the appends to a fresh events table once the current one has grown; drop
  // retired ones once no append can still be running on them.
  const maint = { rotations: 0, drops: 0 };
  const retired: Array<{ name: string; at: number }> = [];
  const maintenance = (async () => {
    while (!stopping) {
      await new Promise((r) => setTimeout(r, 500));
      if (stopping) break;
      try {
        if (appendsSinceReset >= o.resetAfterAppends) {
          const next = `events_${generation + 1}`;
          const d = await putTable(o.url, next, body);
          committed.set(at(d.name, d.version), d.rowCount);
          retired.push({ name: events, at: Date.now() });
          generation++;
          events = next;
          appendsSinceReset = 0;
          maint.rotations++;
        }
        while (retired.length > 0 && Date.now() - retired[0]!.at > DROP_AFTER_MS) {
          const { name } = retired.shift()!;
          const res = await side(`${o.url}/v1/tables/${name}`, { method: 'DELETE' });
          if (res.status === 204) maint.drops++;
          else problems.unexpected.push(`DELETE ${name} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
        }
      } catch (e) {
        problems.unexpected.push(`maintenance failed: ${(e as Error).message}`);
      }
    }
  })();

  let settle!: (r: autocannon.Result) => void;
  let reject!: (e: unknown) => void;
  const done = new Promise<autocannon.Result>((res, rej) => {
    settle = res;
    reject = rej;
  });
  const instance = autocannon(
    {
      url: o.url,
      connections: o.connections,
      duration: o.seconds,
      timeout: 30,
      requests: cycle as unknown as autocannon.Request[],
    },
    (err: unknown, r: autocannon.Result) => (err ? reject(err) : settle(r)),
  );
  instance.on('response', (client: unknown, status: number, _bytes: number, ms: number) => {
    // With pipelining 1 the iterator still points at the request just answered (it moves on after
    // this event), so the answer's kind is known.
    const kind = (client as { requestIterator?: { currentRequest?: { kind?: Kind } } }).requestIterator?.currentRequest?.kind ?? 'point';
    if (latencies[kind].length < MAX_SAMPLES) latencies[kind].push(ms);
    if (all.length < MAX_SAMPLES) all.push(ms);
    if (status < 200 || status > 299) kindNon2xx[kind]++;
    if (all.length === o.maxRequests) instance.stop();
  });
  const guard = setTimeout(() => instance.stop(), (o.seconds + 60) * 1000);
  const progress = setInterval(
    () =>
      log(
        `load: ${Math.round((Date.now() - t0) / 1000)} s, ${all.length} answers, RSS ${((readRss(o.pid)?.rss ?? NaN) / 2 ** 20).toFixed(0)} MiB`,
      ),
    10_000,
  );
  let result: autocannon.Result;
  try {
    result = await done;
  } finally {
    clearTimeout(guard);
    clearInterval(progress);
    stopping = true;
    await reader;
    await maintenance;
    clearInterval(sampler);
  }
  const after = readRss(o.pid)?.rss ?? NaN;
  if (after > peak) peak = after;

  let unknownVersions = 0;
  for (const s of seen) {
    const want = committed.get(at(s.table, s.version));
    if (s.rows % APPEND_ROWS !== 0)
      problems.mismatches.push(`${s.table} version ${s.version}: read ${s.rows} rows, not whole appends of ${APPEND_ROWS}`);
    else if (want === undefined) unknownVersions++;
    else if (want !== s.rows) problems.mismatches.push(`${s.table} version ${s.version}: read ${s.rows} rows, committed ${want}`);
  }
  const versions = seen.map((s) => at(s.table, s.version));
  const byKind = {} as MixResult['byKind'];
  for (const k of KINDS) byKind[k] = { ...latencyOf(latencies[k]), non2xx: kindNon2xx[k] };
  return {
    connections: o.connections,
    seconds: result.duration,
    requests: result.requests.total,
    reqPerSec: result.requests.total / result.duration,
    bytesPerSec: result.throughput.total / result.duration,
    latency: latencyOf(all),
    byKind,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    rss: { before, peak, after, samples: rssSamples.sort((a, b) => a.t - b.t) },
    consistency: {
      reads: seen.length,
      mismatches: problems.mismatches,
      unknownVersions,
      cut,
      versionsSeen: new Set(versions).size,
      tables: generation + 1,
    },
    maintenance: { ...maint, unexpected: problems.unexpected },
  };
}

/** The server's decoded-chunk cache bytes, from its /metrics; NaN when it does not answer in time. */
async function chunkCacheBytes(url: string): Promise<number> {
  try {
    const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    const m = /^ncf_chunk_cache_bytes (\d+)$/m.exec(text);
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}
