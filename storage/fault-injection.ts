// Fault injection for tests and drills: wraps a blob store and a catalog so that chosen calls fail the
// way real dependencies fail — a full disk (ENOSPC), a disk error (EIO), a reset connection
// (ECONNRESET), object storage throttling (503 SlowDown after the SDK's retries, as the S3 store raises it) — or hang
// until the fault is cleared (a stalled disk or a silent peer; the service's guard must bound them).
// Faults are raised before the real call, so a failed call has no effect on the real dependency.
// Wrap the adapters with this first and the service's guard (guard.ts) around it, as openStorage
// wraps the real ones:  guardBlobStore(withFaults(real).blobs).
//
// Methods are named per dependency: storage — createSink, write, finish, abort (the sink's), openSource,
// read (the source's), delete, list, ping; catalog — any Catalog method (getTable, commit, ping, ...).

import { toStorageError } from './s3/errors.js';
import type { BlobStore, Catalog } from './types.js';

export type FaultKind = 'ENOSPC' | 'EIO' | 'ECONNRESET' | 'SlowDown' | 'hang';
export type Dependency = 'storage' | 'catalog';

export interface FaultSpec {
  dependency: Dependency;
  kind: FaultKind;
  /** Methods it applies to (default: every method but the sink's abort, ping included: the
   *  dependency is down; an abort only frees a temp file, which a full or failing disk still allows). */
  methods?: string[];
  /** Matching calls let through before the first failure (default 0: the first one fails). */
  after?: number;
  /** How many matching calls fail (default: every one until cleared). */
  count?: number;
}

export interface FaultStats {
  /** Calls that reached the wrapper, by "dependency.method". */
  calls: Record<string, number>;
  /** Calls that failed (or hung) by injection, by "dependency.method". */
  injected: Record<string, number>;
}

export interface FaultController {
  /** Adds a fault; returns a function that removes it. */
  add(spec: FaultSpec): () => void;
  /** Removes every fault; calls hanging on one fail now (ECONNRESET). */
  clear(): void;
  /** Calls hanging on a fault right now. */
  readonly hanging: number;
  readonly stats: FaultStats;
}

interface ActiveFault extends FaultSpec {
  seen: number;
  failed: number;
}

/** An error shaped like the one the real dependency raises for `kind`. */
export function faultError(kind: Exclude<FaultKind, 'hang'>, where: string): Error {
  switch (kind) {
    case 'ENOSPC':
      return Object.assign(new Error(`ENOSPC: no space left on device, ${where}`), { code: 'ENOSPC', errno: -28, syscall: where });
    case 'EIO':
      return Object.assign(new Error(`EIO: i/o error, ${where}`), { code: 'EIO', errno: -5, syscall: where });
    case 'ECONNRESET':
      return Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', errno: -104, syscall: 'read' });
    case 'SlowDown': {
      // What @aws-sdk/client-s3 throws once its retries are spent on 503 SlowDown, as the S3 blob
      // store passes it on: sorted by the backend's own classification (storage/s3/errors.ts).
      const sdk = Object.assign(new Error('Please reduce your request rate.'), {
        name: 'SlowDown',
        Code: 'SlowDown',
        $fault: 'server',
        $metadata: { httpStatusCode: 503, attempts: 3, totalRetryDelay: 300 },
      });
      return toStorageError(sdk, { op: where, bucket: 'fault-injection', endpoint: 's3://fault-injection' });
    }
  }
}

export function withFaults(blobs: BlobStore, catalog: Catalog): { blobs: BlobStore; catalog: Catalog; faults: FaultController } {
  const active: ActiveFault[] = [];
  const hangs = new Set<(e: Error) => void>();
  const stats: FaultStats = { calls: {}, injected: {} };

  /** Throws (or hangs) when a fault matches this call. */
  const check = async (dependency: Dependency, method: string): Promise<void> => {
    const name = `${dependency}.${method}`;
    stats.calls[name] = (stats.calls[name] ?? 0) + 1;
    for (const f of active) {
      if (f.dependency !== dependency) continue;
      if (f.methods === undefined ? method === 'abort' : !f.methods.includes(method)) continue;
      f.seen++;
      if (f.seen <= (f.after ?? 0) || f.failed >= (f.count ?? Infinity)) continue;
      f.failed++;
      stats.injected[name] = (stats.injected[name] ?? 0) + 1;
      if (f.kind === 'hang') {
        await new Promise<never>((_, reject) => {
          hangs.add(reject);
        });
      }
      throw faultError(f.kind as Exclude<FaultKind, 'hang'>, method);
    }
  };

  const wrap = <T extends object>(target: T, dependency: Dependency, wrapResult: Record<string, (v: unknown) => unknown> = {}): T =>
    new Proxy(target, {
      get(t, prop) {
        const v = Reflect.get(t, prop, t) as unknown;
        if (typeof v !== 'function' || typeof prop !== 'string') return v;
        const real = (...args: unknown[]) => (v as (...a: unknown[]) => unknown).apply(t, args);
        if (prop === 'newTableId' || prop === 'close') return real;
        if (prop === 'list') {
          // An async iterable: the fault hits its first step.
          return (...args: unknown[]) => ({
            async *[Symbol.asyncIterator]() {
              await check(dependency, 'list');
              yield* real(...args) as AsyncIterable<unknown>;
            },
          });
        }
        return async (...args: unknown[]) => {
          await check(dependency, prop);
          const out = await real(...args);
          const w = wrapResult[prop];
          return w === undefined ? out : w(out);
        };
      },
    });

  const controller: FaultController = {
    add(spec) {
      const f: ActiveFault = { ...spec, seen: 0, failed: 0 };
      active.push(f);
      return () => {
        const i = active.indexOf(f);
        if (i >= 0) active.splice(i, 1);
      };
    },
    clear() {
      active.length = 0;
      for (const reject of hangs) reject(faultError('ECONNRESET', 'cleared'));
      hangs.clear();
    },
    get hanging() {
      return hangs.size;
    },
    stats,
  };

  return {
    blobs: wrap(blobs, 'storage', {
      createSink: (sink) => wrap(sink as object, 'storage'),
      openSource: (source) => wrap(source as object, 'storage'),
    }),
    catalog: wrap(catalog, 'catalog'),
    faults: controller,
  };
}
