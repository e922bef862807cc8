// Turns a planned query into an HTTP answer: headers known before streaming (NCF-Table-Version,
// NCF-Row-Groups, ETag) and a body stream in the negotiated format (rendered by the format's renderer,
// output/index.ts), compressed when that pays (content-coding.ts). The first
// batch is computed before the answer is returned, so errors, sort caps and timeouts up to then are
// still proper problem responses (400, 504); after that a failure cuts the stream. The body is a
// pull stream: the scan advances only as fast as the client reads (the socket's backpressure reaches
// the generator through pipe), and an abort (client gone, timeout) destroys it and stops the scan.

import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type * as arrow from 'apache-arrow';
import { gatewayTimeout } from '../http/errors.js';
import { DEFAULT_CACHE_CONTROL } from './cache-control.js';
import { executePlan, type ScanMetrics } from './execute.js';
import { FORMATS_BY_NAME } from '../formats/table.js';
import {
  codingFor,
  compress,
  type CompressionSettings,
  type ContentCoding,
  DEFAULT_COMPRESSION,
  MIN_COMPRESS_BYTES,
} from './content-coding.js';
import { CONTENT_TYPES, type Format } from './negotiate.js';
import { normalizeSpec, type QuerySpec } from './params.js';
import type { QueryPlan } from './plan.js';
import type { SortLimits } from './order.js';
import { RENDERERS } from './output/index.js';

/** Body stream buffer: encoded bytes waiting for the socket (or the compressor). Small, because a
 *  stalled client holds it: the answer is produced only as fast as the socket drains, and the
 *  overlap of decoding and sending comes from the scan's read-ahead (STREAM_READ_AHEAD), not here. */
const HIGH_WATER_MARK = 64 * 1024;
/** Row groups the scan decodes ahead of the one being sent: one overlaps decoding with sending; each
 *  more would be held by every stalled reader. */
const STREAM_READ_AHEAD = 1;

/** The limit to plan with: a JSON page reads one row more than it shows, to know whether to link on. */
export function planLimit(spec: QuerySpec, format: Format, maxResponseRows: number): number | null {
  if (format !== 'json') return spec.limit;
  if (spec.limit !== null && spec.limit <= maxResponseRows) return spec.limit;
  return maxResponseRows + 1;
}

/** A weak validator from the snapshot and the normalized query and representation. */
export function queryETag(plan: QueryPlan, spec: QuerySpec, format: Format, csvSafe: boolean, maxResponseRows: number): string {
  return etagOf(plan, ['rows', normalizeSpec(spec), format, String(csvSafe), format === 'json' ? String(maxResponseRows) : '']);
}

/** A weak ETag for an answer that depends only on the table snapshot and `parts`. */
export function etagOf(plan: QueryPlan, parts: readonly string[]): string {
  const h = createHash('sha256')
    .update([plan.version.tableId, String(plan.version.version), ...parts].join('\n'))
    .digest('base64url');
  return `W/"${plan.version.version}-${h.slice(0, 27)}"`;
}

/** RFC 9110 §13.1.2 weak comparison of If-None-Match against our ETag. */
export function matchesETag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  const opaque = etag.replace(/^W\//, '');
  return ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === opaque);
}

export function queryHeaders(plan: QueryPlan, etag: string, cacheControl = DEFAULT_CACHE_CONTROL): Record<string, string> {
  return {
    'NCF-Table-Version': String(plan.version.version),
    'NCF-Row-Groups': `${plan.rowGroupsScanned}/${plan.rowGroupsTotal}`,
    ETag: etag,
    // Prefer: count=… adds Content-Range and Preference-Applied (src/query/count.ts).
    Vary: 'Accept, Accept-Encoding, Prefer',
    'Cache-Control': cacheControl,
  };
}

export interface AnswerOptions {
  plan: QueryPlan;
  /** The query as asked (its limit and offset, before the page cap). */
  spec: QuerySpec;
  format: Format;
  csvSafe: boolean;
  /** The content coding the client prefers (negotiateContentCoding); the answer gets it when the
   *  cost rule (content-coding.ts) says it pays. */
  coding: ContentCoding;
  /** NCF_COMPRESSION and NCF_COMPRESSION_LEVEL; default: auto, zstd level 1. */
  compression?: CompressionSettings;
  maxResponseRows: number;
  /** Aborts the scan: the client left or the query timed out (TimeoutError). */
  signal: AbortSignal;
  metrics?: ScanMetrics;
  sortLimits?: Partial<SortLimits>;
  /** Produces the rows instead of executePlan (aggregates: plan then describes the answer's columns). */
  batches?: (opts: { signal: AbortSignal; metrics?: ScanMetrics; limit: number | null }) => AsyncGenerator<arrow.RecordBatch>;
  /** The `next` link for a JSON page that showed `shown` rows of the query. */
  nextLink(shown: number): string;
  /** The request's logger: a failure after the first byte (the status is sent; the connection is
   *  cut) is logged here, under the request id. */
  log?: AnswerLog;
}

export interface AnswerLog {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface Answer {
  headers: Record<string, string>;
  body: Readable;
}

/** Starts the query and returns its headers and body; rejects (504, 400, …) when it fails before
 *  the first batch. Call after the ETag check. */
export async function answerQuery(opts: AnswerOptions): Promise<Answer> {
  const { plan, format, signal } = opts;
  const limit = planLimit(opts.spec, format, opts.maxResponseRows);
  const batches =
    opts.batches !== undefined
      ? opts.batches({ signal, metrics: opts.metrics, limit })
      : executePlan(plan, { signal, metrics: opts.metrics, limit, sort: opts.sortLimits, readAhead: STREAM_READ_AHEAD });
  let first: IteratorResult<arrow.RecordBatch>;
  try {
    first = await batches.next();
  } catch (e) {
    await batches.return(undefined).catch(() => {});
    throw abortProblem(signal, e);
  }
  const settings = opts.compression ?? DEFAULT_COMPRESSION;
  const rendered = RENDERERS[format](prepend(first, batches), {
    schema: plan.schema,
    csvSafe: opts.csvSafe,
    maxResponseRows: opts.maxResponseRows,
    limit: opts.spec.limit,
    nextLink: opts.nextLink,
  });
  let chunks = takingTurns(rendered);
  let coding = codingFor(opts.coding, FORMATS_BY_NAME[format].compact, settings);
  if (coding !== 'identity') {
    // A small answer is not worth a compressor: look at its start first (a failure here is still a
    // problem response, as for the first batch).
    let peeked: Awaited<ReturnType<typeof peekBytes>>;
    try {
      peeked = await peekBytes(chunks, MIN_COMPRESS_BYTES);
    } catch (e) {
      throw abortProblem(signal, e);
    }
    if (peeked.rest === null) coding = 'identity';
    chunks = prependChunks(peeked.head, peeked.rest);
  }
  const source = Readable.from(chunks, { objectMode: false, highWaterMark: HIGH_WATER_MARK });
  const body = compress(source, coding, settings);
  // A timeout can fire after the first batch but before Fastify has written the headers: the stream's
  // error then becomes the answer, so it must be the 504 problem, not the bare TimeoutError (a 500).
  const stop = (): void => {
    const reason = abortProblem(signal, signal.reason);
    body.destroy(reason instanceof Error ? reason : new Error('query aborted'));
  };
  if (signal.aborted) stop();
  else signal.addEventListener('abort', stop, { once: true });
  body.once('close', () => signal.removeEventListener('abort', stop));
  // Fastify logs a stream's failure only with request logging on (this service writes its own one
  // line per request instead): without this, an answer cut half way would leave no trace.
  body.once('error', (e) => {
    const timeout = signal.aborted && (signal.reason as { name?: unknown } | undefined)?.name === 'TimeoutError';
    if (timeout) opts.log?.warn({ format }, 'query answer cut: the query ran past NCF_QUERY_TIMEOUT_MS while streaming');
    else if (!signal.aborted) opts.log?.error({ err: e, format }, 'query answer failed while streaming; the connection is cut');
  });
  const headers: Record<string, string> = { 'Content-Type': CONTENT_TYPES[format] };
  if (coding !== 'identity') headers['Content-Encoding'] = coding;
  return { headers, body };
}

/** The signal a request's scan runs under: aborted when the client's connection closes, or with a
 *  TimeoutError after `timeoutMs`. One timer per request, cleared when the response closes (a
 *  per-request AbortSignal.timeout would keep every finished request's timer alive for the full
 *  timeout). */
export function requestSignal(res: { once(event: 'close', fn: () => void): unknown }, timeoutMs: number): AbortSignal {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException(`the query ran past ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
  res.once('close', () => {
    clearTimeout(timer);
    controller.abort(new Error('the client closed the connection'));
  });
  return controller.signal;
}

/** A timeout before anything was sent is a 504; other errors pass through. */
export function abortProblem(signal: AbortSignal, e: unknown): unknown {
  if (signal.aborted && (signal.reason as { name?: unknown } | undefined)?.name === 'TimeoutError') {
    return gatewayTimeout('The query took longer than the server allows (NCF_QUERY_TIMEOUT_MS); add a filter or a limit.');
  }
  return e;
}

/** Longest run of encoding without a turn of the event loop. */
const TURN_MS = 20;

/** `chunks`, with a pause for the event loop every TURN_MS. While the socket takes bytes as fast as
 *  they come (a reader with room in its buffers, chunks from the cache), producing the answer is a
 *  chain of promise jobs that never returns to the event loop: no timer (the query timeout) and no
 *  other request would run until the whole answer is out. */
async function* takingTurns(chunks: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  let since = performance.now();
  for await (const c of chunks) {
    yield c;
    if (performance.now() - since >= TURN_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      since = performance.now();
    }
  }
}

async function* prepend(
  first: IteratorResult<arrow.RecordBatch>,
  rest: AsyncGenerator<arrow.RecordBatch>,
): AsyncGenerator<arrow.RecordBatch> {
  try {
    if (first.done) return;
    yield first.value;
    yield* rest;
  } finally {
    await rest.return(undefined);
  }
}

/** The first chunks of `chunks` until they hold `bytes` bytes; `rest` is null when that was all. */
async function peekBytes(chunks: AsyncGenerator<Buffer>, bytes: number): Promise<{ head: Buffer[]; rest: AsyncGenerator<Buffer> | null }> {
  const head: Buffer[] = [];
  let n = 0;
  try {
    while (n < bytes) {
      const r = await chunks.next();
      if (r.done) return { head, rest: null };
      head.push(r.value);
      n += r.value.length;
    }
  } catch (e) {
    await chunks.return(undefined).catch(() => {});
    throw e;
  }
  return { head, rest: chunks };
}

async function* prependChunks(head: Buffer[], rest: AsyncGenerator<Buffer> | null): AsyncGenerator<Buffer> {
  try {
    yield* head;
    if (rest !== null) yield* rest;
  } finally {
    await rest?.return(undefined);
  }
}
