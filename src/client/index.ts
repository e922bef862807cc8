// The NCF service's TypeScript client (`import { NCFClient } from 'ncf/client'`): list, describe,
// create/replace/append/delete tables, query into an apache-arrow Table, scan as a stream of
// RecordBatches, and download answers in any format (Parquet, CSV, …). Runs wherever fetch does
// (Node 20+, browsers, workers). Queries are answered as Arrow IPC streams, which the service streams
// whole (no page cap), so query() makes one request and returns every row up to `limit`; scan()
// reads the same stream batch by batch as it arrives, in flat memory.

import * as arrow from 'apache-arrow';
import type { TableDescription, TableSummary } from '../tables/describe.js';
import { checkName, checkOptions, checkQuery, checkSignal, checkUpload, checkVersion } from './check.js';
import { isAbort, NCFNetworkError, NCFRequestError, NCFUsageError } from './errors.js';
import { json, segment, send, type HttpOptions } from './http.js';
import { queryExchange, type QueryOptions } from './query.js';
import { uploadBody, type UploadData, type UploadFormat } from './upload.js';

export { NCFClientError, NCFNetworkError, NCFRequestError, NCFUsageError, type Problem } from './errors.js';
export type { FilterMap, FilterTree, OrderItem, QueryOptions, Where } from './query.js';
export type { UploadData, UploadFormat } from './upload.js';
export type { ColumnDescription, TableDescription, TableSummary } from '../tables/describe.js';

const ARROW_STREAM = 'application/vnd.apache.arrow.stream';

/** Answer formats of download(), by their `?format=` names. */
export type AnswerFormat = 'arrow' | 'parquet' | 'csv' | 'ndjson' | 'json';

export interface NCFClientOptions {
  /** The service's address, e.g. http://127.0.0.1:8080 (a path prefix behind a proxy is kept). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Extra headers for every request. */
  headers?: Record<string, string>;
  /** A fetch implementation; default the global one. */
  fetch?: typeof fetch;
}

export interface UploadOptions {
  /** The data's format (sets the Content-Type); an apache-arrow Table is always Arrow. */
  format?: UploadFormat;
  /** Type overrides for inferred columns: `{ zip: 'string', email: { type: 'string', semanticType: 'pii_email' } }`. */
  schema?: Record<string, unknown>;
  signal?: AbortSignal;
  /** Sent as `Idempotency-Key` (1 to 255 printable ASCII characters, new for each logical write): the
   *  same call made again with the same key answers the first result instead of writing again, for 24 h
   *  at least. Default: none, or a random UUID when `retries` is set, so the client's own retries are safe. */
  idempotencyKey?: string;
  /** Resends after a network error, a 503 or a 409 "in progress" (same key), at most this many times,
   *  waiting Retry-After (else 1 s) between; data must be resendable (a string, bytes or a Blob). Default 0. */
  retries?: number;
}

/** What an upload answers: the new version's description plus what the upload did. */
export interface UploadResult extends TableDescription {
  operation: 'create' | 'replace' | 'append';
  rowsAdded: number;
}

export interface DescribeOptions {
  version?: number;
  signal?: AbortSignal;
}

export interface DownloadOptions extends QueryOptions {
  format: AnswerFormat;
}

export class NCFClient {
  private readonly http: HttpOptions;

  constructor(opts: NCFClientOptions) {
    if (typeof opts?.baseUrl !== 'string' || !/^https?:\/\//i.test(opts.baseUrl)) {
      throw new NCFUsageError(`baseUrl: expected an http(s) URL such as http://127.0.0.1:8080, got ${JSON.stringify(opts?.baseUrl)}`);
    }
    const f = opts.fetch ?? globalThis.fetch;
    if (typeof f !== 'function') throw new NCFUsageError('no fetch: run on Node 20+ or a browser, or pass options.fetch');
    if (opts.apiKey !== undefined && typeof opts.apiKey !== 'string')
      throw new NCFUsageError(`apiKey: expected a string, got ${typeof opts.apiKey}`);
    if (
      opts.headers !== undefined &&
      (opts.headers === null || typeof opts.headers !== 'object' || Object.values(opts.headers).some((v) => typeof v !== 'string'))
    ) {
      throw new NCFUsageError('headers: expected an object of header names to string values');
    }
    this.http = { baseUrl: opts.baseUrl, fetch: f.bind(globalThis) };
    if (opts.apiKey !== undefined) this.http.apiKey = opts.apiKey;
    if (opts.headers !== undefined) this.http.headers = opts.headers;
  }

  /** Every table's summary, by name. */
  async list(opts: { signal?: AbortSignal } = {}): Promise<TableSummary[]> {
    opts = checkOptions('list', opts);
    checkSignal('list', opts.signal);
    const res = await send(this.http, { method: 'GET', path: '/v1/tables', signal: opts.signal });
    return (await json<{ tables: TableSummary[] }>(res, 'GET /v1/tables', opts.signal)).tables;
  }

  /** A table's columns, types and statistics (of the current version, or `version`). */
  async describe(name: string, opts: DescribeOptions = {}): Promise<TableDescription> {
    checkName('describe', name);
    opts = checkOptions('describe', opts);
    checkVersion('describe', opts.version);
    checkSignal('describe', opts.signal);
    const q = opts.version === undefined ? '' : `?version=${encodeURIComponent(String(opts.version))}`;
    const path = `/v1/tables/${segment(name)}`;
    const res = await send(this.http, { method: 'GET', path: path + q, signal: opts.signal });
    return json<TableDescription>(res, `GET ${path}`, opts.signal);
  }

  /** Creates a table (409 when it exists). */
  create(name: string, data: UploadData, opts: UploadOptions = {}): Promise<UploadResult> {
    return this.upload('create', 'POST', name, '', data, opts);
  }

  /** Creates or replaces a table (needs an admin key). */
  replace(name: string, data: UploadData, opts: UploadOptions = {}): Promise<UploadResult> {
    return this.upload('replace', 'PUT', name, '', data, opts);
  }

  /** Appends rows to a table (404 when it does not exist). */
  append(name: string, data: UploadData, opts: UploadOptions = {}): Promise<UploadResult> {
    return this.upload('append', 'POST', name, '/rows', data, opts);
  }

  /** Deletes a table and its history (needs an admin key). */
  async delete(name: string, opts: { signal?: AbortSignal } = {}): Promise<void> {
    checkName('delete', name);
    opts = checkOptions('delete', opts);
    checkSignal('delete', opts.signal);
    const res = await send(this.http, { method: 'DELETE', path: `/v1/tables/${segment(name)}`, signal: opts.signal });
    await res.body?.cancel();
  }

  /** The query's rows as an apache-arrow Table (all of them up to `limit`, in one request). */
  async query(name: string, opts: QueryOptions = {}): Promise<arrow.Table> {
    opts = checkQueryCall('query', name, opts);
    const x = queryExchange(name, opts, ARROW_STREAM);
    const res = await send(this.http, x);
    let bytes: ArrayBuffer;
    try {
      bytes = await res.arrayBuffer();
    } catch (e) {
      if (isAbort(e, opts.signal)) throw e;
      throw new NCFNetworkError(`${x.method} ${x.path.split('?', 1)[0]}`, e);
    }
    return arrow.tableFromIPC(new Uint8Array(bytes));
  }

  /** The query's rows as RecordBatches, read from the answer as it streams in (one per row group
   *  scanned). Stopping early (break) closes the connection and stops the server's scan. */
  async *scan(name: string, opts: QueryOptions = {}): AsyncGenerator<arrow.RecordBatch, void, undefined> {
    opts = checkQueryCall('scan', name, opts);
    const x = queryExchange(name, opts, ARROW_STREAM);
    const request = `${x.method} ${x.path.split('?', 1)[0]}`;
    const res = await send(this.http, x);
    const body = res.body;
    if (body === null) throw new NCFNetworkError(request, new Error('the answer has no body'));
    let reader: arrow.AsyncRecordBatchStreamReader | null = null;
    let finished = false;
    try {
      reader = (await arrow.RecordBatchReader.from(
        body as unknown as ReadableStream<Uint8Array>,
      )) as unknown as arrow.AsyncRecordBatchStreamReader;
      await reader.open();
      for (;;) {
        let r: IteratorResult<arrow.RecordBatch>;
        try {
          r = await reader.next();
        } catch (e) {
          if (isAbort(e, opts.signal)) throw e;
          throw new NCFNetworkError(request, e);
        }
        if (r.done) break;
        yield r.value;
      }
      finished = true;
    } catch (e) {
      if (e instanceof NCFNetworkError || isAbort(e, opts.signal)) throw e;
      throw new NCFNetworkError(request, e);
    } finally {
      // Stopped early or failed: close the connection so the server stops scanning.
      if (!finished) await body.cancel().catch(() => {});
    }
  }

  /** The query's answer in `format` (e.g. Parquet for DuckDB, pandas or a download link), as the
   *  fetch Response: stream `res.body` or `await res.arrayBuffer()`. */
  async download(name: string, opts: DownloadOptions): Promise<Response> {
    checkName('download', name);
    if (opts === undefined)
      throw new NCFUsageError("download: options: expected an object with format ({ format: 'parquet' }), got undefined");
    const { format, ...query } = checkQueryCall('download', name, opts);
    if (!['arrow', 'parquet', 'csv', 'ndjson', 'json'].includes(format)) {
      throw new NCFUsageError(`download: format: ${JSON.stringify(format)} is not one of arrow, parquet, csv, ndjson, json`);
    }
    const x = queryExchange(name, query, '*/*');
    x.path += `${x.path.includes('?') ? '&' : '?'}format=${format}`;
    return send(this.http, x);
  }

  private async upload(
    call: string,
    method: 'POST' | 'PUT',
    name: string,
    suffix: string,
    data: UploadData,
    opts: UploadOptions,
  ): Promise<UploadResult> {
    const path = `/v1/tables/${segment(checkName(call, name))}${suffix}`;
    opts = checkOptions(call, opts);
    checkUpload(call, opts as Record<string, unknown>);
    if (data === undefined || data === null)
      throw new NCFUsageError(
        `${call}: data: expected the table's data (a string, bytes, a Blob, a stream or an apache-arrow Table), got ${String(data)}`,
      );
    const retries = opts.retries ?? 0;
    const resendable =
      typeof data === 'string' ||
      data instanceof Uint8Array ||
      data instanceof ArrayBuffer ||
      (typeof Blob !== 'undefined' && data instanceof Blob);
    if (retries > 0 && !resendable)
      throw new NCFUsageError(
        'retries: only a string, bytes or a Blob can be sent again; read a stream into one, or retry the call yourself with the same idempotencyKey',
      );
    const key = opts.idempotencyKey ?? (retries > 0 ? globalThis.crypto.randomUUID() : undefined);
    const q = opts.schema === undefined ? '' : `?schema=${encodeURIComponent(JSON.stringify(opts.schema))}`;
    for (let attempt = 0; ; attempt++) {
      const { body, contentType } = uploadBody(data, opts.format);
      const headers: Record<string, string> = {};
      if (contentType !== null) headers['content-type'] = contentType;
      if (key !== undefined) headers['idempotency-key'] = key;
      try {
        const res = await send(this.http, { method, path: path + q, headers, body, signal: opts.signal });
        return await json<UploadResult>(res, `${method} ${path}`, opts.signal);
      } catch (e) {
        const wait = attempt < retries ? retryDelayMs(e) : null;
        if (wait === null) throw e;
        await sleep(wait, opts.signal);
      }
    }
  }
}

/** Checks a query call's name and options (before any request); returns the options, `{}` when absent. */
function checkQueryCall<T extends QueryOptions>(method: string, name: string, opts: T | undefined): T {
  checkName(method, name);
  const o = checkOptions(method, opts);
  checkQuery(method, o as Record<string, unknown>);
  return o;
}

/** How long to wait before resending after `e`, or null when resending cannot help. */
function retryDelayMs(e: unknown): number | null {
  if (e instanceof NCFNetworkError) return 1000;
  if (!(e instanceof NCFRequestError)) return null;
  // 409 with Retry-After: the same key is still being processed; 503: the server asks to come back.
  if (e.status !== 503 && !(e.status === 409 && e.retryAfter !== null)) return null;
  const seconds = e.retryAfter === null ? NaN : Number(e.retryAfter);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds, 60) * 1000 : 1000;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
