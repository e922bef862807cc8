// Service configuration from the environment, validated with zod at start-up. Every bad value is
// reported with its variable name and what was expected; the server exits with status 2.
// The variables are declared once, in src/config/vars.ts (parser, default, documentation); this module
// reads them and adds what spans several: API keys, authentication, the idle timeout and the storage
// backends (typed by kind, storage/backends.ts).

import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { type BlobsSpec, blobsFromUrl, BLOB_URL_FORMS, type CatalogSpec, embeddedBlobs, embeddedCatalog } from '../storage/backends.js';
import { CONFIG_VARS, type Settings, type VarValue } from './config/vars.js';
import type { CompressionSettings } from './query/content-coding.js';

export { parseDuration, parseRateLimit, type RateLimit } from './config/parsers.js';

export type Scope = 'read' | 'write' | 'admin';
export const SCOPES: readonly Scope[] = ['read', 'write', 'admin'];

/** The settings of src/config/vars.ts, plus what loadConfig derives from several variables. */
export type Config = Settings & {
  /** API key → scope (NCF_API_KEYS or NCF_API_KEYS_FILE); null when no keys are configured. */
  apiKeys: Map<string, Scope> | null;
  /** NCF_AUTH=none: run without keys even on a non-loopback address. */
  authNone: boolean;
  /** NCF_IDLE_TIMEOUT, or when unset the larger of 2 minutes and the query timeout (0: never). */
  idleTimeoutMs: number;
  /** Where the table files are: NCF_STORAGE_URL's backend, else the folder under dataDir. */
  blobs: BlobsSpec;
  /** Where the catalog is: NCF_CATALOG_URL's backend, else SQLite under dataDir. */
  catalog: CatalogSpec;
  /** NCF_COMPRESSION (auto|off) and NCF_COMPRESSION_LEVEL (zstd level): how query answers are compressed. */
  compression: CompressionSettings;
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** NCF_IDLE_TIMEOUT when unset (raised to NCF_QUERY_TIMEOUT_MS when that is longer). */
const DEFAULT_IDLE_MS = 120_000;

const envSchema = z.object(Object.fromEntries(CONFIG_VARS.map((v) => [v.env, (v.parse as (env: string) => z.ZodType)(v.env)])));

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
  let blobs: BlobsSpec | null = null;
  const storageUrl = env.NCF_STORAGE_URL?.trim();
  if (storageUrl) {
    const spec = blobsFromUrl(storageUrl, env);
    if (spec === null) {
      problems.push(
        `NCF_STORAGE_URL=${JSON.stringify(storageUrl)}: expected ${BLOB_URL_FORMS}; unset it to keep table files under NCF_DATA_DIR`,
      );
    } else if ('problems' in spec) problems.push(...spec.problems);
    else blobs = spec;
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  const values = parsed.data as Record<string, unknown>;
  const get = <E extends (typeof CONFIG_VARS)[number]['env']>(name: E) => values[name] as VarValue<E>;
  const settings = Object.fromEntries(CONFIG_VARS.flatMap((v) => (v.field === undefined ? [] : [[v.field, values[v.env]]]))) as Settings;
  const authNone = get('NCF_AUTH') === 'none';
  if (authNone && apiKeys !== null) {
    throw new ConfigError(['NCF_AUTH=none turns authentication off, but API keys are set too: unset one of them']);
  }
  if (apiKeys === null && !authNone && !isLoopback(settings.host)) {
    throw new ConfigError([
      `HOST=${settings.host} is not a loopback address and no API keys are set: set NCF_API_KEYS (or NCF_API_KEYS_FILE), or NCF_AUTH=none to serve without authentication`,
    ]);
  }
  // A streamed answer may go quiet while its scan skips rows that do not match, for up to the query
  // timeout: by default the idle timeout leaves it that long.
  const idle = get('NCF_IDLE_TIMEOUT');
  const idleTimeoutMs = idle < 0 ? Math.max(DEFAULT_IDLE_MS, settings.queryTimeoutMs) : idle;
  if (settings.headersTimeoutMs > settings.requestTimeoutMs) {
    throw new ConfigError([
      `NCF_HEADERS_TIMEOUT (${settings.headersTimeoutMs} ms) is longer than NCF_REQUEST_TIMEOUT (${settings.requestTimeoutMs} ms): the headers are part of the request; lower the first or raise the second`,
    ]);
  }
  return {
    ...settings,
    apiKeys,
    authNone,
    idleTimeoutMs,
    blobs: blobs ?? embeddedBlobs(settings.dataDir),
    catalog: get('NCF_CATALOG_URL') ?? embeddedCatalog(settings.dataDir),
    compression: { mode: get('NCF_COMPRESSION'), zstdLevel: get('NCF_COMPRESSION_LEVEL') },
  };
}
