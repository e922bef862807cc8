// Compaction: rewrites the files of a table's current version (many small appends, each its own file
// with its own small row groups) into one file with row groups of the writer's default size, and
// commits it as a new version ("compact") with the same rows in the same order. The commit names the
// version it read (expectVersion): a write that lands meanwhile makes the compaction lose with 409 and
// leaves that write intact; the compacted file is then deleted. Old versions keep their files until
// vacuum expires them, so readers on them are not disturbed.

import { NCFWriter } from '../format/writer.js';
import { errorProblem } from '../http/errors.js';
import type { ServiceContext } from '../context.js';
import { withReaders, type ReaderLease } from '../tables/reader-cache.js';
import { tableNotFound } from '../tables/table-ref.js';
import { CatalogUnavailable } from '../../storage/errors.js';
import { newFileKey } from '../../storage/keys.js';
import type { TableVersion } from '../../storage/types.js';
import { registerPending } from '../upload/pending.js';

export interface CompactResult {
  table: string;
  /** False when there was nothing to merge (one file or none): no version was made. */
  compacted: boolean;
  previousVersion: number;
  version: number;
  rows: number;
  filesBefore: number;
  filesAfter: number;
  bytesBefore: number;
  bytesAfter: number;
  rowGroupsBefore: number;
  rowGroupsAfter: number;
}

export async function compactTable(ctx: ServiceContext, name: string): Promise<{ result: CompactResult; version: TableVersion }> {
  return withReaders(ctx, (lease) => compactWith(ctx, lease, name));
}

async function compactWith(
  ctx: ServiceContext,
  lease: ReaderLease,
  name: string,
): Promise<{ result: CompactResult; version: TableVersion }> {
  const current = await ctx.catalog.getTable(name);
  if (current === null) throw tableNotFound(name);
  let rowGroupsBefore = 0;
  for (const f of current.files) rowGroupsBefore += (await lease.get(f.key)).plan().total;
  const base = {
    table: name,
    previousVersion: current.version,
    rows: current.rowCount,
    filesBefore: current.files.length,
    bytesBefore: current.bytes,
    rowGroupsBefore,
  };
  if (current.files.length <= 1) {
    return {
      result: {
        ...base,
        compacted: false,
        version: current.version,
        filesAfter: current.files.length,
        bytesAfter: current.bytes,
        rowGroupsAfter: rowGroupsBefore,
      },
      version: current,
    };
  }
  const key = newFileKey(current.tableId);
  // Registered before its first byte, so vacuum leaves the file alone until the commit (pending.ts).
  const pending = await registerPending(ctx, key);
  let writer: NCFWriter;
  try {
    writer = await NCFWriter.open(await ctx.blobs.createSink(key), { schema: current.columns, tableName: name });
  } catch (e) {
    await pending.release();
    throw e;
  }
  let summary;
  try {
    for (const f of current.files) {
      const reader = await lease.get(f.key);
      for await (const batch of reader.scan()) await writer.write(batch);
    }
    summary = await writer.close();
  } catch (e) {
    await writer.abort();
    await pending.release();
    throw errorProblem(e, 'stored') ?? e;
  }
  let version: TableVersion;
  try {
    version = await ctx.catalog.commit({
      table: name,
      tableId: current.tableId,
      operation: 'compact',
      columns: writer.schema!,
      file: { key, rows: summary.rows, bytes: summary.bytes },
      expectVersion: current.version,
    });
  } catch (e) {
    // As for uploads: a commit of unknown outcome keeps its file (vacuum collects it if unused).
    if (!(e instanceof CatalogUnavailable && e.commitOutcome === 'unknown')) await ctx.blobs.delete(key).catch(() => {});
    await pending.release();
    throw e;
  }
  pending.stop();
  return {
    result: {
      ...base,
      compacted: true,
      version: version.version,
      filesAfter: version.files.length,
      bytesAfter: version.bytes,
      rowGroupsAfter: summary.rowGroups,
    },
    version,
  };
}
