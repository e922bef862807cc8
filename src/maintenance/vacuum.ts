// Vacuum of one table: retention first (the catalog forgets all but the newest `retain` versions and
// hands back the files only those held), then a sweep of the blob store that deletes (a) the files
// just forgotten, (b) orphans of this table — files no version references (failed commits, commits
// whose outcome was unknown and did not land, crashes between write and commit) — and (c) strays —
// files of table ids the catalog does not know at all (a first upload whose commit never landed, a
// dropped table whose files could not all be deleted) — (b) and (c) only when their modified time is
// older than the grace period.
// No file is deleted before the catalog doomed its key (Catalog.markForDeletion), in a transaction
// serialised with every commit: a key some version references, or that a live writer registered as
// pending (src/upload/pending.ts), is never doomed, and a commit of a doomed key fails cleanly. So a
// commit can never reference a deleted file, whatever the grace period (NCF_ORPHAN_GRACE=0 included)
// and however slow the upload; the grace period is only a margin for writers that do not register.
// Only the table's own folder and the folders of unknown table ids are listed file by file
// (BlobStore.list with a prefix). The current version's files are always referenced, so readers of
// the current version (and of any retained one) are never disturbed. One blob store prefix belongs to
// one catalog: files there that the catalog does not know are strays.

import type { ServiceContext } from '../context.js';
import { forgetReaders } from '../tables/reader-cache.js';
import { tableNotFound } from '../tables/table-ref.js';
import { ownerIsGone } from '../upload/pending.js';

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
  const candidates: { key: string; size: number; kind: 'expired' | 'orphan' | 'stray' }[] = [];
  let filesBefore = 0;
  let orphansKept = 0;
  let strayFilesKept = 0;
  for await (const blob of ctx.blobs.list(`${current.tableId}/`)) {
    filesBefore++;
    if (referenced.has(blob.key)) continue;
    if (forgotten.has(blob.key) || blob.modified.getTime() < cutoff)
      candidates.push({ ...blob, kind: forgotten.has(blob.key) ? 'expired' : 'orphan' });
    else orphansKept++;
  }
  // Folders of table ids the catalog does not have: only those are listed file by file.
  for (const tableId of await ctx.blobs.tableIds()) {
    if (tableId === current.tableId || known.has(tableId)) continue;
    for await (const blob of ctx.blobs.list(`${tableId}/`)) {
      if (referenced.has(blob.key)) continue;
      if (blob.modified.getTime() < cutoff) candidates.push({ ...blob, kind: 'stray' });
      else strayFilesKept++;
    }
  }
  // The catalog dooms what no version references and no live writer registered, in one transaction
  // ordered with every commit; only those go. The others committed or are being written meanwhile.
  const marked = new Set(
    candidates.length === 0
      ? []
      : await ctx.catalog.markForDeletion(
          candidates.map((b) => b.key),
          ownerIsGone,
        ),
  );
  let expiredFilesRemoved = 0;
  let orphansRemoved = 0;
  let strayFilesRemoved = 0;
  let bytesRemoved = 0;
  const removed: string[] = [];
  for (const blob of candidates) {
    if (!marked.has(blob.key)) {
      if (blob.kind === 'stray') strayFilesKept++;
      else if (blob.kind === 'orphan') orphansKept++;
      continue;
    }
    await ctx.blobs.delete(blob.key);
    removed.push(blob.key);
    bytesRemoved += blob.size;
    if (blob.kind === 'expired') expiredFilesRemoved++;
    else if (blob.kind === 'orphan') orphansRemoved++;
    else strayFilesRemoved++;
  }
  // Temp files (local) or multipart uploads (S3) of writes whose process died mid-write: as old as an
  // orphan, and doomed by the catalog like one (a live writer's registration keeps its temp file).
  await ctx.blobs.sweepTempFiles?.(new Date(cutoff), async (key) => (await ctx.catalog.markForDeletion([key], ownerIsGone)).includes(key));
  // Scans that already hold one of these readers may finish within the query timeout.
  forgetReaders(ctx, removed);
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
