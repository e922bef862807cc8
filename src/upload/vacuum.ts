// Vacuum of one table: retention first (the catalog forgets all but the newest `retain` versions and
// hands back the files only those held), then a sweep of the table's folder in the blob store that
// deletes (a) the files just forgotten and (b) orphans — files no version references (failed commits,
// commits whose outcome was unknown and did not land, crashes between write and commit) whose
// modified time is older than the grace period. The grace period protects files of writes in flight:
// such a file is unreferenced until its commit, and is always younger than any sane grace.
// The current version's files are always referenced, so readers of the current version (and of any
// retained one) are never disturbed.

import type { ServiceContext } from '../context.js';
import { forgetReaders } from '../footer-cache.js';
import { tableNotFound } from '../table-ref.js';
import { tableIdOfKey } from '../../storage/keys.js';

export interface VacuumOptions {
  retainVersions: number;
  orphanGraceMs: number;
  /** Clock for tests (default Date.now()). */
  now?: number;
}

export interface VacuumResult {
  table: string;
  version: number;
  /** The oldest version still readable (?version=N below it is 404 now). */
  oldestVersion: number;
  expiredVersions: number;
  /** Files in the table's folder before and after. */
  filesBefore: number;
  filesAfter: number;
  /** Files of forgotten versions removed now. */
  expiredFilesRemoved: number;
  /** Unreferenced files older than the grace period removed now. */
  orphansRemoved: number;
  /** Unreferenced files younger than the grace period, left for a later vacuum. */
  orphansKept: number;
  bytesRemoved: number;
}

export async function vacuumTable(ctx: ServiceContext, name: string, opts: VacuumOptions): Promise<VacuumResult> {
  const now = opts.now ?? Date.now();
  const current = await ctx.catalog.getTable(name);
  if (current === null) throw tableNotFound(name);
  const expired = await ctx.catalog.expire(name, opts.retainVersions);
  if (expired === null) throw tableNotFound(name);
  // Read after expiring: what is referenced now, by this table's retained versions or anyone's.
  const referenced = await ctx.catalog.referencedKeys();
  const forgotten = new Set(expired.removedFiles.map((f) => f.key));
  const cutoff = now - opts.orphanGraceMs;
  const doomed: { key: string; size: number }[] = [];
  let filesBefore = 0;
  let expiredFilesRemoved = 0;
  let orphansRemoved = 0;
  let orphansKept = 0;
  for await (const blob of ctx.blobs.list()) {
    if (tableIdOfKey(blob.key) !== current.tableId) continue;
    filesBefore++;
    if (referenced.has(blob.key)) continue;
    if (forgotten.has(blob.key)) {
      expiredFilesRemoved++;
      doomed.push(blob);
    } else if (blob.modified.getTime() < cutoff) {
      orphansRemoved++;
      doomed.push(blob);
    } else {
      orphansKept++;
    }
  }
  let bytesRemoved = 0;
  for (const blob of doomed) {
    await ctx.blobs.delete(blob.key);
    bytesRemoved += blob.size;
  }
  // Scans that already hold one of these readers may finish within the query timeout.
  forgetReaders(ctx, doomed.map((b) => b.key), Math.max(60_000, 2 * ctx.config.queryTimeoutMs));
  return {
    table: name,
    version: current.version,
    oldestVersion: expired.oldestVersion,
    expiredVersions: expired.expiredVersions,
    filesBefore,
    filesAfter: filesBefore - doomed.length,
    expiredFilesRemoved,
    orphansRemoved,
    orphansKept,
    bytesRemoved,
  };
}
