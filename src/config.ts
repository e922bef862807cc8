// Service configuration from the environment, validated with zod at start-up. Every bad value is
// reported with its variable name and what was expected; the server exits with status 2.

import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { z } from 'zod';
import { parseS3Url, S3ConfigError, type S3Location } from '../storage/s3/url.js';
import { parseCorsOrigins, type CorsOrigins } from './http/cors.js';
import { DEFAULT_MAX_BATCH_BYTES, DEFAULT_MAX_DECODED_BYTES, DEFAULT_MAX_DECODED_RATIO, DEFAULT_MAX_VALUE_BYTES } from './ingest/limits.js';
import { type CompressionSettings, DEFAULT_COMPRESSION } from './query/content-coding.js';
import { DEFAULT_CACHE_CONTROL, DEFAULT_CACHE_CONTROL_VERSIONED, parseCacheControl } from './query/cache-control.js';

export type Scope = 'read' | 'write' | 'admin';
export const SCOPES: readonly Scope[] = ['read', 'write', 'admin'];

export interface Config {
  host: string;
  port: number;
  /** Absolute path: table files, the catalog database and upload temp files live under it. */
  dataDir: string;
  /** API key → scope; null when no keys are configured. */
  apiKeys: Map<string, Scope> | null;
  /** NCF_AUTH=none: run without keys even on a non-loopback address. */
  authNone: boolean;
  maxUploadBytes: number;
  /** NCF_MAX_VALUE_BYTES: the largest string or binary value an upload may hold (decoded). */
  maxValueBytes: number;
  /** NCF_MAX_BATCH_BYTES: decoded bytes a reader materialises at once (one batch, one record). */
  maxBatchBytes: number;
  /** NCF_MAX_DECODED_BYTES and NCF_MAX_DECODED_RATIO: an upload may decode to
   *  max(maxDecodedBytes, maxDecodedRatio × its size) bytes. */
  maxDecodedBytes: number;
  maxDecodedRatio: number;
  /** Most rows in one JSON answer (NDJSON, CSV and Arrow stream without a cap). */
  maxResponseRows: number;
  queryTimeoutMs: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** NCF_CATALOG_URL (postgres:// or postgresql://): the PostgreSQL catalog; null: SQLite under dataDir. */
  catalogUrl: string | null;
  /** NCF_STORAGE_URL (s3://bucket/prefix) parsed with the AWS_* variables; null: files under dataDir. */
  objectStorage: S3Location | null;
  /** NCF_RETAIN_VERSIONS: versions of each table that vacuum keeps (the current one included). */
  retainVersions: number;
  /** NCF_ORPHAN_GRACE: how old (by modified time) a file no version references must be before vacuum removes it. */
  orphanGraceMs: number;
  /** NCF_CORS_ORIGINS: origins whose pages may call the API (`*`: any); null: CORS off. */
  corsOrigins: CorsOrigins | null;
  /** NCF_CACHE_CONTROL: Cache-Control of query answers about the current version. */
  cacheControl: string;
  /** NCF_CACHE_CONTROL_VERSIONED: Cache-Control of query answers pinned with ?version=N. */
  cacheControlVersioned: string;
  /** NCF_HEADERS_TIMEOUT: a client must send a request's headers within this (slowloris). */
  headersTimeoutMs: number;
  /** NCF_REQUEST_TIMEOUT: a client must send a whole request, body included, within this. */
  requestTimeoutMs: number;
  /** NCF_KEEP_ALIVE_TIMEOUT: an idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** NCF_IDLE_TIMEOUT: a connection with no traffic either way for this long is closed (0: never). */
  idleTimeoutMs: number;
  /** NCF_RATE_LIMIT ("600/min"): requests per window for each API key (each client address without
   *  keys) on /v1; null: no rate limit. */
  rateLimit: RateLimit | null;
  /** NCF_COMPRESSION (auto|off) and NCF_COMPRESSION_LEVEL (zstd level): how query answers are compressed. */
  compression: CompressionSettings;
}

export interface RateLimit {
  max: number;
  windowMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const GiB = 1024 ** 3;
/** NCF_IDLE_TIMEOUT when unset (raised to NCF_QUERY_TIMEOUT_MS when that is longer). */
const DEFAULT_IDLE_MS = 120_000;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A whole number from text, with an optional binary size suffix (K, M, G, T; KiB, MB... all 1024-based). */
function sizeOrInt(text: string, sizes: boolean): number | null {
  const m = /^\s*(\d+)\s*([kmgt]i?b?)?\s*$/i.exec(text);
  if (!m) return null;
  if (m[2] !== undefined && !sizes) return null;
  const mult = m[2] === undefined ? 1 : 1024 ** ('kmgt'.indexOf(m[2][0]!.toLowerCase()) + 1);
  const n = Number(m[1]) * mult;
  return Number.isSafeInteger(n) ? n : null;
}

function intVar(name: string, def: number, min: number, max: number, sizes = false) {
  return z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined || text.trim() === '') return def;
      const n = sizeOrInt(text, sizes);
      if (n === null || n < min || n > max) {
        ctx.addIssue({
          code: 'custom',
          message: `${name}=${JSON.stringify(text)}: expected ${sizes ? 'a byte count (e.g. 1048576, 512M, 10G)' : 'a whole number'} from ${min} to ${max}`,
        });
        return z.NEVER;
      }
      return n;
    });
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds from "90s", "15m", "1h", "2d", "500ms" or a bare number of seconds. */
export function parseDuration(text: string): number | null {
  const m = /^\s*(\d+)\s*(ms|s|m|h|d)?\s*$/i.exec(text);
  if (!m) return null;
  const n = Number(m[1]) * DURATION_UNITS[(m[2] ?? 's').toLowerCase()]!;
  return Number.isSafeInteger(n) ? n : null;
}

function durationVar(name: string, defMs: number, maxMs: number, minMs = 0) {
  return z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined || text.trim() === '') return defMs;
      const n = parseDuration(text);
      if (n === null || n > maxMs || n < minMs) {
        const range = maxMs < 86_400_000 ? `${maxMs / 60_000} minutes` : `${maxMs / 86_400_000} days`;
        ctx.addIssue({
          code: 'custom',
          message: `${name}=${JSON.stringify(text)}: expected a duration such as 90s, 15m, 1h or 2d (a bare number is seconds), ${minMs > 0 ? `at least ${minMs} ms and ` : ''}at most ${range}`,
        });
        return z.NEVER;
      }
      return n;
    });
}

const RATE_WINDOWS: Record<string, number> = {
  s: 1000,
  sec: 1000,
  second: 1000,
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
};

/** "600/min", "20/s", "1000/15m": requests per window. */
export function parseRateLimit(text: string): RateLimit | null {
  const m = /^\s*(\d{1,9})\s*\/\s*(\d{0,6})\s*([a-z]+)\s*$/i.exec(text);
  if (!m) return null;
  const unit = RATE_WINDOWS[m[3]!.toLowerCase()];
  const count = m[2] === '' ? 1 : Number(m[2]);
  const max = Number(m[1]);
  if (unit === undefined || max < 1 || count < 1) return null;
  return { max, windowMs: count * unit };
}

function cacheControlVar(name: string, def: string) {
  return z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined || text.trim() === '') return def;
      const v = parseCacheControl(text);
      if (v === null) {
        ctx.addIssue({
          code: 'custom',
          message: `${name}=${JSON.stringify(text)}: expected Cache-Control directives separated by commas, such as "private, no-cache" or "public, max-age=60"`,
        });
        return z.NEVER;
      }
      return v;
    });
}

const envSchema = z.object({
  PORT: intVar('PORT', 8080, 0, 65535),
  HOST: z
    .string()
    .optional()
    .transform((s, ctx) => {
      const host = s === undefined || s.trim() === '' ? '127.0.0.1' : s.trim();
      if (isIP(host) === 0 && host !== 'localhost' && !/^[A-Za-z0-9.-]+$/.test(host)) {
        ctx.addIssue({ code: 'custom', message: `HOST=${JSON.stringify(s)}: expected an IP address or a host name` });
        return z.NEVER;
      }
      return host;
    }),
  NCF_DATA_DIR: z
    .string()
    .optional()
    .transform((s) => resolve(s === undefined || s.trim() === '' ? './data' : s)),
  NCF_API_KEYS: z.string().optional(),
  NCF_API_KEYS_FILE: z.string().optional(),
  NCF_AUTH: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined || s.trim() === '') return 'keys' as const;
      const v = s.trim().toLowerCase();
      if (v !== 'none' && v !== 'keys') {
        ctx.addIssue({ code: 'custom', message: `NCF_AUTH=${JSON.stringify(s)}: expected "none" (no authentication) or "keys"` });
        return z.NEVER;
      }
      return v as 'none' | 'keys';
    }),
  NCF_MAX_UPLOAD_BYTES: intVar('NCF_MAX_UPLOAD_BYTES', 10 * GiB, 1, Number.MAX_SAFE_INTEGER, true),
  NCF_MAX_VALUE_BYTES: intVar('NCF_MAX_VALUE_BYTES', DEFAULT_MAX_VALUE_BYTES, 1024, 1024 ** 3, true),
  NCF_MAX_BATCH_BYTES: intVar('NCF_MAX_BATCH_BYTES', DEFAULT_MAX_BATCH_BYTES, 65536, 1024 ** 3, true),
  NCF_MAX_DECODED_BYTES: intVar('NCF_MAX_DECODED_BYTES', DEFAULT_MAX_DECODED_BYTES, 65536, Number.MAX_SAFE_INTEGER, true),
  NCF_MAX_DECODED_RATIO: intVar('NCF_MAX_DECODED_RATIO', DEFAULT_MAX_DECODED_RATIO, 1, 1_000_000),
  NCF_MAX_RESPONSE_ROWS: intVar('NCF_MAX_RESPONSE_ROWS', 10_000, 1, 10_000_000),
  NCF_QUERY_TIMEOUT_MS: intVar('NCF_QUERY_TIMEOUT_MS', 30_000, 1, 24 * 3600_000),
  NCF_CATALOG_URL: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined || s.trim() === '') return null;
      const v = s.trim();
      let ok = false;
      try {
        const u = new URL(v);
        // A socket directory may come as ?host=/path instead of a host name.
        ok = (u.protocol === 'postgres:' || u.protocol === 'postgresql:') && (u.hostname !== '' || u.searchParams.has('host'));
      } catch {
        /* reported below */
      }
      if (!ok) {
        // Never echo the URL: it may carry a password.
        ctx.addIssue({
          code: 'custom',
          message:
            'NCF_CATALOG_URL: expected postgres://user:password@host:port/database (or postgresql://); unset it to use the embedded SQLite catalog under NCF_DATA_DIR',
        });
        return z.NEVER;
      }
      return v;
    }),
  NCF_STORAGE_URL: z.string().optional(),
  NCF_RETAIN_VERSIONS: intVar('NCF_RETAIN_VERSIONS', 10, 1, 1_000_000),
  NCF_ORPHAN_GRACE: durationVar('NCF_ORPHAN_GRACE', 3_600_000, 365 * 86_400_000),
  NCF_CORS_ORIGINS: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined || s.trim() === '') return null;
      const r = parseCorsOrigins(s);
      if ('problems' in r) {
        for (const message of r.problems) ctx.addIssue({ code: 'custom', message });
        return z.NEVER;
      }
      return r.origins;
    }),
  NCF_CACHE_CONTROL: cacheControlVar('NCF_CACHE_CONTROL', DEFAULT_CACHE_CONTROL),
  NCF_CACHE_CONTROL_VERSIONED: cacheControlVar('NCF_CACHE_CONTROL_VERSIONED', DEFAULT_CACHE_CONTROL_VERSIONED),
  NCF_HEADERS_TIMEOUT: durationVar('NCF_HEADERS_TIMEOUT', 10_000, 3_600_000, 1000),
  NCF_REQUEST_TIMEOUT: durationVar('NCF_REQUEST_TIMEOUT', 600_000, 86_400_000, 1000),
  NCF_KEEP_ALIVE_TIMEOUT: durationVar('NCF_KEEP_ALIVE_TIMEOUT', 72_000, 3_600_000, 1000),
  // Unset: the larger of 2 minutes and NCF_QUERY_TIMEOUT_MS (see loadConfig).
  NCF_IDLE_TIMEOUT: durationVar('NCF_IDLE_TIMEOUT', -1, 86_400_000),
  NCF_RATE_LIMIT: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined || s.trim() === '' || s.trim().toLowerCase() === 'off') return null;
      const r = parseRateLimit(s);
      if (r === null) {
        ctx.addIssue({
          code: 'custom',
          message: `NCF_RATE_LIMIT=${JSON.stringify(s)}: expected requests per window such as 600/min, 20/s, 5000/h or 1000/15m (or off)`,
        });
        return z.NEVER;
      }
      return r;
    }),
  NCF_COMPRESSION: z
    .string()
    .optional()
    .transform((s, ctx) => {
      const v = s === undefined || s.trim() === '' ? 'auto' : s.trim().toLowerCase();
      if (v !== 'auto' && v !== 'off') {
        ctx.addIssue({ code: 'custom', message: `NCF_COMPRESSION=${JSON.stringify(s)}: expected "auto" (compress when it pays) or "off"` });
        return z.NEVER;
      }
      return v as CompressionSettings['mode'];
    }),
  NCF_COMPRESSION_LEVEL: intVar('NCF_COMPRESSION_LEVEL', DEFAULT_COMPRESSION.zstdLevel, 1, 19),
  LOG_LEVEL: z
    .string()
    .optional()
    .transform((s, ctx) => {
      const v = s === undefined || s.trim() === '' ? 'info' : s.trim().toLowerCase();
      if (!(LOG_LEVELS as readonly string[]).includes(v)) {
        ctx.addIssue({ code: 'custom', message: `LOG_LEVEL=${JSON.stringify(s)}: expected one of ${LOG_LEVELS.join(', ')}` });
        return z.NEVER;
      }
      return v as Config['logLevel'];
    }),
});

/** Parses "key1:read,key2:write" (commas or newlines; blank lines and # comments allowed in files). */
export function parseApiKeys(text: string, origin: string): { keys: Map<string, Scope>; problems: string[] } {
  const keys = new Map<string, Scope>();
  const problems: string[] = [];
  const items = text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s !== '' && !s.startsWith('#'));
  items.forEach((item, i) => {
    const colon = item.lastIndexOf(':');
    const key = colon < 0 ? '' : item.slice(0, colon).trim();
    const scope =
      colon < 0
        ? ''
        : item
            .slice(colon + 1)
            .trim()
            .toLowerCase();
    // Never echo a key: the message names the entry by position only.
    if (key === '' || !(SCOPES as readonly string[]).includes(scope)) {
      problems.push(`${origin}: entry ${i + 1} is not "<key>:<scope>" with scope read, write or admin`);
    } else if (/\s/.test(key)) {
      problems.push(`${origin}: entry ${i + 1} has a key containing spaces`);
    } else if (keys.has(key)) {
      problems.push(`${origin}: entry ${i + 1} repeats an earlier key`);
    } else {
      keys.set(key, scope as Scope);
    }
  });
  if (items.length === 0) problems.push(`${origin}: no keys given`);
  return { keys, problems };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::ffff:127.0.0.1';
}

/** Reads and checks the configuration; throws ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  const problems: string[] = [];
  if (!parsed.success) for (const issue of parsed.error.issues) problems.push(issue.message);
  let apiKeys: Map<string, Scope> | null = null;
  const inline = env.NCF_API_KEYS?.trim();
  const file = env.NCF_API_KEYS_FILE?.trim();
  if (inline && file) problems.push('NCF_API_KEYS and NCF_API_KEYS_FILE are both set: use one');
  else if (inline) {
    const r = parseApiKeys(inline, 'NCF_API_KEYS');
    problems.push(...r.problems);
    apiKeys = r.keys;
  } else if (file) {
    let text: string | null = null;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      problems.push(
        `NCF_API_KEYS_FILE=${JSON.stringify(file)}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      );
    }
    if (text !== null) {
      const r = parseApiKeys(text, `NCF_API_KEYS_FILE (${file})`);
      problems.push(...r.problems);
      apiKeys = r.keys;
    }
  }
  let objectStorage: S3Location | null = null;
  const storageUrl = env.NCF_STORAGE_URL?.trim();
  if (storageUrl) {
    if (!storageUrl.toLowerCase().startsWith('s3://')) {
      problems.push(
        `NCF_STORAGE_URL=${JSON.stringify(storageUrl)}: expected s3://<bucket>[/<prefix>]; unset it to keep table files under NCF_DATA_DIR`,
      );
    } else {
      try {
        objectStorage = parseS3Url(storageUrl, env);
      } catch (e) {
        if (!(e instanceof S3ConfigError)) throw e;
        problems.push(...e.problems);
      }
    }
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  const v = parsed.data;
  const authNone = v.NCF_AUTH === 'none';
  if (authNone && apiKeys !== null) {
    throw new ConfigError(['NCF_AUTH=none turns authentication off, but API keys are set too: unset one of them']);
  }
  if (apiKeys === null && !authNone && !isLoopback(v.HOST)) {
    throw new ConfigError([
      `HOST=${v.HOST} is not a loopback address and no API keys are set: set NCF_API_KEYS (or NCF_API_KEYS_FILE), or NCF_AUTH=none to serve without authentication`,
    ]);
  }
  // A streamed answer may go quiet while its scan skips rows that do not match, for up to the query
  // timeout: by default the idle timeout leaves it that long.
  const idleTimeoutMs = v.NCF_IDLE_TIMEOUT < 0 ? Math.max(DEFAULT_IDLE_MS, v.NCF_QUERY_TIMEOUT_MS) : v.NCF_IDLE_TIMEOUT;
  if (v.NCF_HEADERS_TIMEOUT > v.NCF_REQUEST_TIMEOUT) {
    throw new ConfigError([
      `NCF_HEADERS_TIMEOUT (${v.NCF_HEADERS_TIMEOUT} ms) is longer than NCF_REQUEST_TIMEOUT (${v.NCF_REQUEST_TIMEOUT} ms): the headers are part of the request; lower the first or raise the second`,
    ]);
  }
  return {
    host: v.HOST,
    port: v.PORT,
    dataDir: v.NCF_DATA_DIR,
    apiKeys,
    authNone,
    maxUploadBytes: v.NCF_MAX_UPLOAD_BYTES,
    maxValueBytes: v.NCF_MAX_VALUE_BYTES,
    maxBatchBytes: v.NCF_MAX_BATCH_BYTES,
    maxDecodedBytes: v.NCF_MAX_DECODED_BYTES,
    maxDecodedRatio: v.NCF_MAX_DECODED_RATIO,
    maxResponseRows: v.NCF_MAX_RESPONSE_ROWS,
    queryTimeoutMs: v.NCF_QUERY_TIMEOUT_MS,
    logLevel: v.LOG_LEVEL,
    catalogUrl: v.NCF_CATALOG_URL,
    objectStorage,
    retainVersions: v.NCF_RETAIN_VERSIONS,
    orphanGraceMs: v.NCF_ORPHAN_GRACE,
    corsOrigins: v.NCF_CORS_ORIGINS,
    cacheControl: v.NCF_CACHE_CONTROL,
    cacheControlVersioned: v.NCF_CACHE_CONTROL_VERSIONED,
    headersTimeoutMs: v.NCF_HEADERS_TIMEOUT,
    requestTimeoutMs: v.NCF_REQUEST_TIMEOUT,
    keepAliveTimeoutMs: v.NCF_KEEP_ALIVE_TIMEOUT,
    idleTimeoutMs,
    rateLimit: v.NCF_RATE_LIMIT,
    compression: { mode: v.NCF_COMPRESSION, zstdLevel: v.NCF_COMPRESSION_LEVEL },
  };
}
