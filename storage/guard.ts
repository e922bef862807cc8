// The service's guard around its two storage dependencies. Every call to the blob store (and to the
// sinks and sources it hands out) and to the catalog is
//   - bounded by a deadline: a store or database that stops answering (a stalled disk, an NFS mount
//     gone away, a half-open TCP connection) costs a request at most `callTimeoutMs`, never a hang;
//   - classified: a raw low-level failure that reaches the guard (ENOSPC, EIO, a reset connection,
//     an S3 503 SlowDown the SDK gave up retrying) becomes StorageUnavailable or CatalogUnavailable,
//     which the error handler renders as 503 with Retry-After, instead of an anonymous 500. Which raw
//     failures mean "unavailable" is the backend's to say (its storage/<kind>/errors.ts, passed in by
//     openStorage from the backend's row); the guard only applies it.
// Typed storage errors pass through unchanged: the adapters know better (404, 409, busy).
// A commit cut off by its deadline or a lost connection may still land; it is reported with
// commitOutcome 'unknown', so the upload keeps its file (vacuum collects it if unused).
// The guard is a Proxy, so methods the adapters gain later are forwarded (and guarded) unchanged.

import { CatalogUnavailable, StorageError, StorageUnavailable } from './errors.js';
import type { BlobStore, Catalog } from './types.js';
import { type Unavailable, unavailableCode } from './unavailable.js';

// Kept here too for the modules that classify failures outside the guard (src/http/problem.ts).
export { unavailableCode };

export interface GuardOptions {
  /** Longest any one storage or catalog call may take before it fails with 503 (default 60 s). */
  callTimeoutMs?: number;
  /** The backend's classifier (its storage/<kind>/errors.ts, named by its row in storage/backends.ts):
   *  which raw failures mean "unavailable now". Default: errno codes only (storage/unavailable.ts). */
  unavailable?: Unavailable;
}

export const DEFAULT_CALL_TIMEOUT_MS = 60_000;

class Deadline extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

function bounded<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Deadline(ms)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

const storageError =
  (unavailable: Unavailable) =>
  (op: string, e: unknown): unknown => {
    if (e instanceof StorageError) return e;
    let reason: string | null = null;
    if (e instanceof Deadline) reason = `timeout: ${e.message}`;
    else reason = unavailable(e);
    if (reason === null) return e;
    const out = new StorageUnavailable(`storage is unavailable: ${op} failed (${reason}); retry later`, {
      dependency: 'storage',
      operation: op,
      reason: reason.split(':', 1)[0],
    });
    out.cause = e;
    return out;
  };

const catalogError =
  (unavailable: Unavailable) =>
  (op: string, e: unknown): unknown => {
    if (e instanceof StorageError) return e;
    let reason: string | null;
    if (e instanceof Deadline) reason = `timeout after ${e.ms} ms`;
    else reason = unavailable(e);
    if (reason === null) return e;
    // A commit cut off this way may still have reached the database: say so, so its file is kept.
    return new CatalogUnavailable(op, reason, op === 'commit' ? { cause: e, commitOutcome: 'unknown' } : { cause: e });
  };

type Classify = (op: string, e: unknown) => unknown;

async function call<T>(op: string, ms: number, classify: Classify, fn: () => Promise<T>): Promise<T> {
  try {
    return await bounded(Promise.resolve().then(fn), ms);
  } catch (e) {
    throw classify(op, e);
  }
}

function wrapObject<T extends object>(
  target: T,
  ms: number,
  classify: Classify,
  label: string,
  special: Record<string, (fn: (...a: unknown[]) => unknown, args: unknown[]) => unknown> = {},
): T {
  return new Proxy(target, {
    get(t, prop) {
      const v = Reflect.get(t, prop, t) as unknown;
      if (typeof v !== 'function' || typeof prop !== 'string') return v;
      const fn = (...args: unknown[]) => (v as (...a: unknown[]) => unknown).apply(t, args);
      const s = special[prop];
      if (s !== undefined) return (...args: unknown[]) => s(fn, args);
      return (...args: unknown[]) => {
        const out = fn(...args);
        // Synchronous members (newTableId) stay synchronous.
        if (!(out instanceof Promise)) return out;
        return call(`${label}${prop}`, ms, classify, () => out);
      };
    },
  });
}

/** `iterable`, with each step bounded and classified. */
function guardIterable<T>(it: AsyncIterable<T>, op: string, ms: number, classify: Classify): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      const inner = it[Symbol.asyncIterator]();
      return {
        next: () => call(op, ms, classify, () => inner.next()),
        return: async (v?: unknown) =>
          inner.return ? call(op, ms, classify, () => inner.return!(v)) : { done: true as const, value: v as T },
      };
    },
  };
}

export function guardBlobStore(blobs: BlobStore, opts: GuardOptions = {}): BlobStore {
  const ms = opts.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  const classify = storageError(opts.unavailable ?? unavailableCode);
  return wrapObject(blobs, ms, classify, '', {
    createSink: async (fn, args) => {
      const sink = await call('createSink', ms, classify, () => fn(...args) as Promise<object>);
      return wrapObject(sink, ms, classify, 'sink.');
    },
    openSource: async (fn, args) => {
      const source = await call('openSource', ms, classify, () => fn(...args) as Promise<object>);
      return wrapObject(source, ms, classify, 'source.');
    },
    list: (fn, args) => guardIterable(fn(...args) as AsyncIterable<unknown>, 'list', ms, classify),
  });
}

export function guardCatalog(catalog: Catalog, opts: GuardOptions = {}): Catalog {
  return wrapObject(catalog, opts.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS, catalogError(opts.unavailable ?? unavailableCode), '');
}
