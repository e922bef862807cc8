// Turns a spooled upload into a committed table version: parse the temp file (readInput), stream the
// batches into an NCF file in the blob store (NCFWriter over blobs.createSink), then commit it in the
// catalog. Until the commit, readers see the previous version; any failure aborts the sink or deletes
// the written blob, so a failed upload leaves no trace — except when the catalog lost its connection
// mid-commit and cannot tell whether the version landed: that file is kept (a version may reference
// it), the client gets 503 with Retry-After, and vacuum removes the file later if no version holds it.
// The file's key is registered as pending in the catalog before its first byte (pending.ts), so
// vacuum cannot delete it before the commit, and the commit refuses a key vacuum doomed.
// Appends are read with the table's own column types as the schema override, so a CSV or JSON append
// is parsed as the table's types (not re-inferred), and Arrow or Parquet inputs are converted to them.

import { stat } from 'node:fs/promises';
import type * as arrow from 'apache-arrow';
import { NCFWriter } from '../format/writer.js';
import { NCFError } from '../format/errors.js';
import type { ColumnSchema } from '../format/schema.js';
import {
  decodedBudget,
  fileSource,
  readInput,
  type ColumnOverride,
  type DecodeLimits,
  type Format,
  type SchemaOverride,
} from '../ingest/index.js';
import { conflict, errorProblem, type HttpProblem } from '../http/errors.js';
import type { ServiceContext } from '../context.js';
import type { IdempotencyClaim, Operation, TableVersion } from '../../storage/types.js';
import { newFileKey } from '../../storage/keys.js';
import { CatalogUnavailable } from '../../storage/errors.js';
import { typeLabel, describeDifferences, type ColumnDifference } from '../../storage/schema-diff.js';
import { registerPending } from './pending.js';

export interface IngestRequest {
  table: string;
  operation: Operation;
  path: string;
  format: Format;
  schema?: SchemaOverride;
  /** The table as it was when the request started (null: it did not exist). */
  current: TableVersion | null;
  /** The request's Idempotency-Key, committed with the version (src/upload/idempotency.ts). */
  idempotency?: IdempotencyClaim;
}

/** The table's columns as an override: parsing follows the table's types instead of inferring. */
function tableOverride(columns: readonly ColumnSchema[], user: SchemaOverride | undefined): SchemaOverride {
  const out = Object.create(null) as SchemaOverride;
  for (const c of columns) {
    const o: ColumnOverride = { type: c.type, nullable: c.nullable };
    if (c.type === 'timestamp') {
      o.unit = c.unit ?? 'us';
      // A zone-less table stays zone-less whatever zone the appended values carry (null: see ColumnOverride).
      o.timezone = c.timezone ?? null;
    }
    if (c.semanticType !== undefined) o.semanticType = c.semanticType;
    if (c.description !== undefined) o.description = c.description;
    out[c.name] = o;
  }
  if (user) {
    for (const [k, v] of Object.entries(user))
      out[k] =
        typeof v === 'string'
          ? { ...(out[k] as ColumnOverride | undefined), type: v }
          : { ...(out[k] as ColumnOverride | undefined), ...v };
  }
  return out;
}

/** Names missing from or extra in the input, as the catalog reports column differences. */
function nameDifferences(table: readonly ColumnSchema[], input: readonly string[]): ColumnDifference[] {
  const have = new Set(input);
  const want = new Set(table.map((c) => c.name));
  const out: ColumnDifference[] = [];
  for (const c of table) if (!have.has(c.name)) out.push({ column: c.name, issue: 'missing', expected: typeLabel(c) });
  for (const n of input) if (!want.has(n)) out.push({ column: n, issue: 'extra' });
  return out;
}

function columnConflict(table: string, diffs: ColumnDifference[]): HttpProblem {
  return conflict(`the upload's columns do not match table "${table}": ${describeDifferences(diffs)}`, { table, differences: diffs });
}

/** The input's column names, read from its first batch without any override (error path only). */
async function inputColumnNames(format: Format, path: string): Promise<string[] | null> {
  try {
    const it = readInput(format, fileSource(path));
    const first = await it.next();
    await it.return(undefined);
    return first.done ? null : (first.value as arrow.RecordBatch).schema.fields.map((f) => f.name);
  } catch {
    return null;
  }
}

/** The decode bounds for an upload of the spooled file at `path` (docs/RELIABILITY.md, "decode bombs"). */
async function uploadLimits(ctx: ServiceContext, path: string): Promise<DecodeLimits> {
  const c = ctx.config;
  const { size } = await stat(path);
  return {
    maxValueBytes: c.maxValueBytes,
    maxBatchBytes: c.maxBatchBytes,
    maxDecodedBytes: decodedBudget(size, c.maxDecodedBytes, c.maxDecodedRatio),
  };
}

/** Writes and commits; returns the new version. Throws HttpProblem (or storage errors) on failure. */
export async function ingestUpload(ctx: ServiceContext, req: IngestRequest): Promise<{ version: TableVersion; rows: number }> {
  const append = req.operation === 'append';
  const tableCols = append ? req.current!.columns : null;
  // Existing tables keep their internal id, so every version's files share one folder.
  const tableId = req.current !== null && req.operation !== 'create' ? req.current.tableId : ctx.catalog.newTableId();
  const key = newFileKey(tableId);
  const override = tableCols ? tableOverride(tableCols, req.schema) : req.schema;
  const limits = await uploadLimits(ctx, req.path);
  const pending = await registerPending(ctx, key);
  let writer: NCFWriter;
  try {
    writer = await NCFWriter.open(
      await ctx.blobs.createSink(key),
      tableCols ? { schema: tableCols, tableName: req.table } : { tableName: req.table },
    );
  } catch (e) {
    await pending.release();
    throw e;
  }
  let summary;
  try {
    let checked = false;
    const batches = readInput(req.format, fileSource(req.path), override ? { schema: override, limits } : { limits });
    for await (const batch of batches) {
      if (tableCols && !checked) {
        checked = true;
        const diffs = nameDifferences(
          tableCols,
          batch.schema.fields.map((f) => f.name),
        );
        if (diffs.length > 0) throw columnConflict(req.table, diffs);
      }
      await writer.write(batch);
    }
    summary = await writer.close();
  } catch (e) {
    await writer.abort();
    await pending.release();
    if (append && e instanceof NCFError && e.code === 'SCHEMA' && typeof e.details.column === 'string') {
      // The override built from the table names a column the input lacks, or a value cannot take
      // the table's type: either way the upload does not fit the table's columns.
      const names = await inputColumnNames(req.format, req.path);
      const diffs = names ? nameDifferences(tableCols!, names) : [];
      if (diffs.length > 0) throw columnConflict(req.table, diffs);
      const col = tableCols!.find((c) => c.name === e.details.column);
      const diff: ColumnDifference = !col
        ? { column: e.details.column, issue: 'extra' }
        : /not nullable/.test(e.message)
          ? { column: col.name, issue: 'nullable', expected: false, actual: true }
          : { column: col.name, issue: 'type', expected: typeLabel(col) };
      throw conflict(`the upload does not fit table "${req.table}": ${e.message.replace(/^ncf: (schema override: )?/, '')}`, {
        table: req.table,
        differences: [diff],
      });
    }
    throw errorProblem(e, 'upload') ?? e;
  }
  try {
    const commit = {
      table: req.table,
      tableId,
      operation: req.operation,
      columns: writer.schema!,
      file: { key, rows: summary.rows, bytes: summary.bytes },
      // A replace replaces the version it started from: when another write landed meanwhile (on any
      // replica), exactly one of them wins and this one gets 409.
      ...(req.operation === 'replace' ? { expectVersion: req.current?.version ?? null } : {}),
      ...(req.idempotency ? { idempotency: req.idempotency } : {}),
    };
    const version = await ctx.catalog.commit(commit);
    pending.stop();
    return { version, rows: summary.rows };
  } catch (e) {
    // The error is a 503 with Retry-After either way (src/http/problem.ts). An unknown outcome keeps the
    // file: if the commit lands after all, its key is referenced and vacuum's marking (ordered with
    // commits) never dooms it; if not, vacuum removes it once it is older than the grace period.
    // Either way the registration goes: this writer will not commit again.
    if (!(e instanceof CatalogUnavailable && e.commitOutcome === 'unknown')) {
      // Not referenced by any version: remove it so the failed commit leaves nothing behind.
      await ctx.blobs.delete(key).catch(() => {});
    }
    await pending.release();
    throw e;
  }
}
