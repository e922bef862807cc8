// Vacuum of one table: retention first (the catalog forgets all but the newest `retain` versions and
// hands back the files only those held), then a sweep of the blob store that deletes (a) the files
// just forgotten, (b) orphans of this table — files no version references (failed commits, commits
// whose outcome was unknown and did not land, crashes between write and commit) — and (c) strays —
// files of table ids the catalog does not know at all (a first upload whose commit never landed, a
// dropped table whose files could not all be deleted) — (b) and (c) only when their modified time is
// older than the grace period. The grace period protects files of writes in flight: such a file is
// unreferenced (and, for a new table, of an unknown table id) until its commit, and is always younger
// than any sane grace. To narrow the window further, the table ids seen before the listing are read
// again after it, and a stray whose table was committed meanwhile is kept. Only the table's own folder
// and the folders of unknown table ids are listed file by file (BlobStore.list with a prefix).
// The current version's files are always referenced, so readers of the current version (and of any
// retained one) are never disturbed. One blob store prefix belongs to one catalog: files there that
// the catalog does not know are strays.

import type { ServiceContext } from '../context.js';
import { forgetReaders } from '../footer-cache.js';
import { tableNotFound } from '../table-ref.js';

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
  /** Files of table ids the catalog does not have, older than the grace period, removed now. */
  strayFilesRemoved: number;
  /** Such files younger than the grace period (maybe a first upload in flight), left for later. */
  strayFilesKept: number;
  /** Bytes of every file removed now (expired, orphans, strays). */
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
  const known = await tableIds(ctx);
  const forgotten = new Set(expired.removedFiles.map((f) => f.key));
  const cutoff = now - opts.orphanGraceMs;
  const doomed: { key: string; size: number }[] = [];
  const strays: { key: string; size: number; tableId: string }[] = [];
  let filesBefore = 0;
  let expiredFilesRemoved = 0;
  let orphansRemoved = 0;
  let orphansKept = 0;
  let strayFilesKept = 0;
  for await (const blob of ctx.blobs.list(`${current.tableId}/`)) {
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
  // Folders of table ids the catalog does not have: only those are listed file by file.
  for (const tableId of await ctx.blobs.tableIds()) {
    if (tableId === current.tableId || known.has(tableId)) continue;
    for await (const blob of ctx.blobs.list(`${tableId}/`)) {
      if (referenced.has(blob.key)) continue;
      if (blob.modified.getTime() < cutoff) strays.push({ key: blob.key, size: blob.size, tableId });
      else strayFilesKept++;
    }
  }
  // A first upload may have committed between the reads above and the listing: its table is known now.
  const knownNow = strays.length === 0 ? known : await tableIds(ctx);
  let strayFilesRemoved = 0;
  for (const s of strays) {
    if (knownNow.has(s.tableId)) {
      strayFilesKept++;
    } else {
      strayFilesRemoved++;
      doomed.push(s);
    }
  }
  let bytesRemoved = 0;
  for (const blob of doomed) {
    await ctx.blobs.delete(blob.key);
    bytesRemoved += blob.size;
  }
  // Temp files (local) or multipart uploads (S3) of writes whose process died mid-write: as old as an orphan.
  await ctx.blobs.sweepTempFiles?.(new Date(cutoff));
  // Scans that already hold one of these readers may finish within the query timeout.
  forgetReaders(ctx, doomed.map((b) => b.key));
  return {
    table: name,
    version: current.version,
    oldestVersion: expired.oldestVersion,
    expiredVersions: expired.expiredVersions,
    filesBefore,
    filesAfter: filesBefore - (expiredFilesRemoved + orphansRemoved),
    expiredFilesRemoved,
    orphansRemoved,
    orphansKept,
    strayFilesRemoved,
    strayFilesKept,
    bytesRemoved,
  };
}

/** Ids of every table the catalog has (dropped tables are forgotten, so their ids are not here). */
async function tableIds(ctx: ServiceContext): Promise<Set<string>> {
  return new Set((await ctx.catalog.listTables()).map((t) => t.tableId));
}
