// Every configuration variable, declared once: its name, how its text is parsed (zod, with the message
// a bad value gets), the default and one line of documentation. From this list come the environment
// parser and the typed settings (src/config.ts) and the README's configuration table
// (`npm run docs:config`, checked by test/config-docs.test.ts).
// Adding a variable is one entry here: `setting(<Config field>, {...})` when its value is a field of
// Config as parsed, `input({...})` when loadConfig combines it with others (or another module reads it).

import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { z } from 'zod';
import { CATALOG_URL_FORMS, catalogFromUrl } from '../../storage/backends.js';
import { parseCorsOrigins } from '../http/cors.js';
import {
  DEFAULT_MAX_BATCH_BYTES,
  DEFAULT_MAX_DECODED_BYTES,
  DEFAULT_MAX_DECODED_RATIO,
  DEFAULT_MAX_VALUE_BYTES,
} from '../ingest/limits.js';
import { DEFAULT_CACHE_CONTROL, DEFAULT_CACHE_CONTROL_VERSIONED } from '../query/cache-control.js';
import { type CompressionSettings, DEFAULT_COMPRESSION } from '../query/content-coding.js';
import { cacheControlVar, durationVar, intVar, parseRateLimit, type VarParser } from './parsers.js';

export interface ConfigVar<E extends string = string, T = unknown> {
  /** The environment variable. */
  env: E;
  /** Its parser, given the variable's name for messages. */
  parse: (env: E) => VarParser<T>;
  /** The default as the README states it (markdown); a single `code span` is checked to parse to the
   *  value an unset variable gets. */
  default: string;
  /** One line for the README (markdown). */
  doc: string;
}

/** A variable whose parsed value is the Config field `field`. */
function setting<F extends string, E extends string, T>(field: F, v: ConfigVar<E, T>): ConfigVar<E, T> & { field: F } {
  return { ...v, field };
}

/** A variable loadConfig reads together with others (or that another module reads): no field of its own. */
function input<E extends string, T>(v: ConfigVar<E, T>): ConfigVar<E, T> & { field?: undefined } {
  return v;
}

const GiB = 1024 ** 3;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const text = () => z.string().optional();

export const CONFIG_VARS = [
  setting('port', {
    env: 'PORT',
    parse: (env) => intVar(env, 8080, 0, 65535),
    default: '`8080`',
    doc: 'where to listen (`PORT=0`: any free port)',
  }),
  setting('host', {
    env: 'HOST',
    parse: (env) =>
      text().transform((s, ctx) => {
        const host = s === undefined || s.trim() === '' ? '127.0.0.1' : s.trim();
        if (isIP(host) === 0 && host !== 'localhost' && !/^[A-Za-z0-9.-]+$/.test(host)) {
          ctx.addIssue({ code: 'custom', message: `${env}=${JSON.stringify(s)}: expected an IP address or a host name` });
          return z.NEVER;
        }
        return host;
      }),
    default: '`127.0.0.1`',
    doc: 'the address to listen on; one that is not loopback needs API keys (or `NCF_AUTH=none`)',
  }),
  setting('dataDir', {
    env: 'NCF_DATA_DIR',
    parse: () => text().transform((s) => resolve(s === undefined || s.trim() === '' ? './data' : s)),
    default: '`./data`',
    doc: 'table files, catalog, upload temp files',
  }),
  input({
    env: 'NCF_API_KEYS',
    parse: text,
    default: 'none',
    doc: '`key:scope,…` with scopes `read`, `write`, `admin`',
  }),
  input({
    env: 'NCF_API_KEYS_FILE',
    parse: text,
    default: 'none',
    doc: 'instead of `NCF_API_KEYS`: a file of `key:scope` entries, one per line (blank lines and `#` comments allowed)',
  }),
  input({
    env: 'NCF_AUTH',
    parse: (env) =>
      text().transform((s, ctx) => {
        if (s === undefined || s.trim() === '') return 'keys' as const;
        const v = s.trim().toLowerCase();
        if (v !== 'none' && v !== 'keys') {
          ctx.addIssue({ code: 'custom', message: `${env}=${JSON.stringify(s)}: expected "none" (no authentication) or "keys"` });
          return z.NEVER;
        }
        return v as 'none' | 'keys';
      }),
    default: '`keys`',
    doc: '`none` to serve a non-loopback `HOST` without keys (refused otherwise)',
  }),
  setting('maxUploadBytes', {
    env: 'NCF_MAX_UPLOAD_BYTES',
    parse: (env) => intVar(env, 10 * GiB, 1, Number.MAX_SAFE_INTEGER, true),
    default: '`10G`',
    doc: 'larger uploads get 413 (suffixes K, M, G, T)',
  }),
  setting('maxValueBytes', {
    env: 'NCF_MAX_VALUE_BYTES',
    parse: (env) => intVar(env, DEFAULT_MAX_VALUE_BYTES, 1024, 1024 ** 3, true),
    default: '`16M`',
    doc: 'an upload holding a larger string or binary value (decoded: a dictionary entry, a CSV field, a JSON string) gets 413 naming the column; keeps every stored value renderable as JSON, NDJSON and CSV',
  }),
  setting('maxBatchBytes', {
    env: 'NCF_MAX_BATCH_BYTES',
    parse: (env) => intVar(env, DEFAULT_MAX_BATCH_BYTES, 65536, 1024 ** 3, true),
    default: '`64M`',
    doc: "decoded bytes an upload's reader materialises at once (a batch of rows; a CSV record or JSON line must fit)",
  }),
  setting('maxDecodedBytes', {
    env: 'NCF_MAX_DECODED_BYTES',
    parse: (env) => intVar(env, DEFAULT_MAX_DECODED_BYTES, 65536, Number.MAX_SAFE_INTEGER, true),
    default: '`256M`',
    doc: 'an upload may decode to max(this, `NCF_MAX_DECODED_RATIO` × its size) bytes; beyond, 413 (a Parquet or Arrow dictionary bomb)',
  }),
  setting('maxDecodedRatio', {
    env: 'NCF_MAX_DECODED_RATIO',
    parse: (env) => intVar(env, DEFAULT_MAX_DECODED_RATIO, 1, 1_000_000),
    default: '`100`',
    doc: 'see `NCF_MAX_DECODED_BYTES`',
  }),
  setting('maxResponseRows', {
    env: 'NCF_MAX_RESPONSE_ROWS',
    parse: (env) => intVar(env, 10_000, 1, 10_000_000),
    default: '`10000`',
    doc: 'rows per JSON page (Arrow, Parquet, NDJSON and CSV stream everything)',
  }),
  setting('queryTimeoutMs', {
    env: 'NCF_QUERY_TIMEOUT_MS',
    parse: (env) => intVar(env, 30_000, 1, 24 * 3600_000),
    default: '`30000`',
    doc: 'longer queries are cut (504)',
  }),
  setting('headersTimeoutMs', {
    env: 'NCF_HEADERS_TIMEOUT',
    parse: (env) => durationVar(env, 10_000, 3_600_000, 1000),
    default: '`10s`',
    doc: "a client must send a request's headers within this (slowloris); then 408 and the connection closes",
  }),
  setting('requestTimeoutMs', {
    env: 'NCF_REQUEST_TIMEOUT',
    parse: (env) => durationVar(env, 600_000, 86_400_000, 1000),
    default: '`10m`',
    doc: 'a client must send a whole request, upload body included, within this (raise it for very large uploads over slow links)',
  }),
  setting('keepAliveTimeoutMs', {
    env: 'NCF_KEEP_ALIVE_TIMEOUT',
    parse: (env) => durationVar(env, 72_000, 3_600_000, 1000),
    default: '`72s`',
    doc: "an idle keep-alive connection is closed after this (keep it above a load balancer's idle timeout)",
  }),
  // Unset: -1, and loadConfig takes the larger of 2 minutes and NCF_QUERY_TIMEOUT_MS.
  input({
    env: 'NCF_IDLE_TIMEOUT',
    parse: (env) => durationVar(env, -1, 86_400_000),
    default: '`2m`, or `NCF_QUERY_TIMEOUT_MS` if longer',
    doc: 'a connection with no traffic for this long is closed: a client that stops reading an answer is dropped (not while the server is still working on the answer); `0` turns it off',
  }),
  setting('rateLimit', {
    env: 'NCF_RATE_LIMIT',
    parse: (env) =>
      text().transform((s, ctx) => {
        if (s === undefined || s.trim() === '' || s.trim().toLowerCase() === 'off') return null;
        const r = parseRateLimit(s);
        if (r === null) {
          ctx.addIssue({
            code: 'custom',
            message: `${env}=${JSON.stringify(s)}: expected requests per window such as 600/min, 20/s, 5000/h or 1000/15m (or off)`,
          });
          return z.NEVER;
        }
        return r;
      }),
    default: '`off`',
    doc: '`600/min`, `20/s`, `1000/15m`: requests per window to `/v1` for each API key (each client address without keys); over it, 429 with `Retry-After`. Counted per process',
  }),
  setting('corsOrigins', {
    env: 'NCF_CORS_ORIGINS',
    parse: () =>
      text().transform((s, ctx) => {
        if (s === undefined || s.trim() === '') return null;
        const r = parseCorsOrigins(s);
        if ('problems' in r) {
          for (const message of r.problems) ctx.addIssue({ code: 'custom', message });
          return z.NEVER;
        }
        return r.origins;
      }),
    default: 'none (CORS off)',
    doc: 'origins whose pages may call the API from a browser: `https://dash.example.com,http://localhost:5173`, or `*` for any; preflights are answered without a key, the NCF headers (ETag, Link, `NCF-*`, Content-Disposition) are exposed',
  }),
  setting('cacheControl', {
    env: 'NCF_CACHE_CONTROL',
    parse: (env) => cacheControlVar(env, DEFAULT_CACHE_CONTROL),
    default: '`private, no-cache`',
    doc: '`Cache-Control` of query answers (rows, query, histogram, distinct): by default caches revalidate with the ETag',
  }),
  setting('cacheControlVersioned', {
    env: 'NCF_CACHE_CONTROL_VERSIONED',
    parse: (env) => cacheControlVar(env, DEFAULT_CACHE_CONTROL_VERSIONED),
    default: '`private, max-age=3600`',
    doc: 'the same for answers pinned with `?version=N`, whose rows never change (a table deleted and created again reuses version numbers, hence not `immutable` by default)',
  }),
  input({
    env: 'NCF_COMPRESSION',
    parse: (env) =>
      text().transform((s, ctx) => {
        const v = s === undefined || s.trim() === '' ? 'auto' : s.trim().toLowerCase();
        if (v !== 'auto' && v !== 'off') {
          ctx.addIssue({ code: 'custom', message: `${env}=${JSON.stringify(s)}: expected "auto" (compress when it pays) or "off"` });
          return z.NEVER;
        }
        return v as CompressionSettings['mode'];
      }),
    default: '`auto`',
    doc: "`auto`: query answers of 1 KiB or more get the client's preferred Content-Encoding, zstd first (browsers take it), then br (quality 4), then gzip; Parquet answers never; `off`: no compression (e.g. behind a proxy that compresses)",
  }),
  input({
    env: 'NCF_COMPRESSION_LEVEL',
    parse: (env) => intVar(env, DEFAULT_COMPRESSION.zstdLevel, 1, 19),
    default: '`1`',
    doc: 'zstd level of compressed answers (1–19): 1 streams fastest, higher levels cost CPU per byte for a few percent',
  }),
  setting('logLevel', {
    env: 'LOG_LEVEL',
    parse: (env) =>
      text().transform((s, ctx) => {
        const v = s === undefined || s.trim() === '' ? 'info' : s.trim().toLowerCase();
        if (!(LOG_LEVELS as readonly string[]).includes(v)) {
          ctx.addIssue({ code: 'custom', message: `${env}=${JSON.stringify(s)}: expected one of ${LOG_LEVELS.join(', ')}` });
          return z.NEVER;
        }
        return v as (typeof LOG_LEVELS)[number];
      }),
    default: '`info`',
    doc: 'pino level; logs never contain keys, query values or row data',
  }),
  // The catalog backend its URL names (storage/backends.ts); unset: null, and loadConfig takes the
  // embedded one under NCF_DATA_DIR.
  input({
    env: 'NCF_CATALOG_URL',
    parse: (env) =>
      text().transform((s, ctx) => {
        if (s === undefined || s.trim() === '') return null;
        const spec = catalogFromUrl(s.trim(), {});
        if (spec === null || 'problems' in spec) {
          // Never echo the URL: it may carry a password.
          ctx.addIssue({
            code: 'custom',
            message: `${env}: expected ${CATALOG_URL_FORMS}; unset it to use the embedded SQLite catalog under NCF_DATA_DIR`,
          });
          return z.NEVER;
        }
        return spec;
      }),
    default: 'none (SQLite in `NCF_DATA_DIR`)',
    doc: '`postgres://user:password@host:5432/db` (or `postgresql://`): the shared PostgreSQL catalog; its schema `ncf` is created and migrated on start',
  }),
  // Parsed by loadConfig with the AWS_* variables (storage/backends.ts → storage/s3/url.ts).
  input({
    env: 'NCF_STORAGE_URL',
    parse: text,
    default: 'none (`NCF_DATA_DIR/files`)',
    doc: `\`s3://bucket/prefix[?pathStyle=true]\`: table files in object storage; endpoint, region and credentials from \`AWS_ENDPOINT_URL\` (or \`AWS_ENDPOINT_URL_S3\`), \`AWS_REGION\`, \`AWS_ACCESS_KEY_ID\`, \`AWS_SECRET_ACCESS_KEY\`, \`AWS_SESSION_TOKEN\`; \`NCF_S3_FORCE_PATH_STYLE\``,
  }),
  setting('retainVersions', {
    env: 'NCF_RETAIN_VERSIONS',
    parse: (env) => intVar(env, 10, 1, 1_000_000),
    default: '`10`',
    doc: 'versions per table that vacuum keeps (the current one included); older ones are forgotten (`?version=N` → 404)',
  }),
  setting('orphanGraceMs', {
    env: 'NCF_ORPHAN_GRACE',
    parse: (env) => durationVar(env, 3_600_000, 365 * 86_400_000),
    default: '`1h`',
    doc: 'vacuum removes files no version references only when older than this (`90s`, `15m`, `1h`, `2d`; a bare number is seconds)',
  }),
  // Read by src/format/parallel/pool.ts (the library and the `ncf` command use it too): documented here.
  input({
    env: 'NCF_WORKERS',
    parse: text,
    default: 'one per core, at most 4',
    doc: 'worker threads that encode and decode column chunks (`0`: all on the main thread); also read by the library and the `ncf` command',
  }),
];

type Var = (typeof CONFIG_VARS)[number];
type ValueOf<V> = V extends { parse: (env: never) => VarParser<infer T> } ? T : never;

/** The Config fields that come straight from one variable. */
export type Settings = { [V in Var as V extends { field: infer F extends string } ? F : never]: ValueOf<V> };
/** The value of variable `E` as parsed. */
export type VarValue<E extends Var['env']> = ValueOf<Extract<Var, { env: E }>>;
