// JSON documents describing a table version: the summary of GET /v1/tables, the description with
// per-column statistics merged over the version's files (GET /v1/tables/{name}), the statistics in
// ADBC's vocabulary (GET /v1/tables/{name}/stats) and the history (GET /v1/tables/{name}/versions).
// Statistics come from the files' footers through the shared reader cache: no data is read.

import type { ColumnStats, NCFReader } from '../format/reader.js';
import type { ColumnSchema } from '../format/schema.js';
import { mergeChunkStats, type MergedStats } from '../format/stats.js';
import type {
  ColumnDescription,
  ColumnStatistics,
  RowGroupStatistics,
  TableDescription,
  TableStats,
  TableSummary,
  VersionEntry,
} from '../http/schemas.js';
import { statText } from '../text/stat-text.js';
import type { ServiceContext } from '../context.js';
import { withReaders } from './reader-cache.js';
import type { TableVersion, VersionInfo } from '../../storage/types.js';

// The answers' shapes are declared once, in zod (src/http/schemas.ts); these are their types.
export type { ColumnDescription, TableDescription, TableSummary };

export function summarize(t: TableVersion): TableSummary {
  return {
    name: t.table,
    version: t.version,
    rowCount: t.rowCount,
    columnCount: t.columns.length,
    bytes: t.bytes,
    createdAt: t.createdAt,
    updatedAt: t.committedAt,
  };
}

/** Per-column chunk statistics of every row group of every file, in column order. */
function columnChunks(readers: NCFReader[], columns: ColumnSchema[]): ColumnStats[][] {
  const out = columns.map(() => [] as ColumnStats[]);
  for (const r of readers) {
    const index = new Map(r.columns.map((c, i) => [c.name, i]));
    for (const rg of r.stats().rowGroups) {
      columns.forEach((c, i) => {
        const j = index.get(c.name);
        if (j !== undefined) out[i]!.push(rg.columns[j]!);
      });
    }
  }
  return out;
}

export async function describeTable(ctx: ServiceContext, t: TableVersion): Promise<TableDescription> {
  // Footers only: the lease can end before the description is built.
  const readers = await withReaders(ctx, (lease) => lease.all(t));
  const chunks = columnChunks(readers, t.columns);
  return {
    name: t.table,
    version: t.version,
    rowCount: t.rowCount,
    bytes: t.bytes,
    createdAt: t.createdAt,
    updatedAt: t.committedAt,
    columns: t.columns.map((c, i) => {
      const m = mergeChunkStats(c.type, chunks[i]!);
      const distinctCount = m.distinct !== undefined && m.distinctExact ? m.distinct : null;
      const stats: ColumnDescription['stats'] = { min: statText(c, m.min), max: statText(c, m.max), nullCount: m.nulls, distinctCount };
      const d: ColumnDescription = { name: c.name, type: c.type, semanticType: c.semanticType ?? null, nullable: c.nullable, stats };
      if (c.unit !== undefined) d.unit = c.unit;
      if (c.timezone !== undefined) d.timezone = c.timezone;
      if (c.description !== undefined) d.description = c.description;
      return d;
    }),
  };
}

/** The answer to an upload whose version committed: the description, or — when the files' footers
 *  cannot be read right now (storage briefly unavailable) — the columns without statistics and
 *  `statsUnavailable: true`. Committed rows never turn into a 5xx answer. */
export async function describeCommitted(
  ctx: ServiceContext,
  t: TableVersion,
  onError: (e: unknown) => void,
): Promise<TableDescription & { statsUnavailable?: true }> {
  try {
    return await describeTable(ctx, t);
  } catch (e) {
    onError(e);
    return {
      name: t.table,
      version: t.version,
      rowCount: t.rowCount,
      bytes: t.bytes,
      createdAt: t.createdAt,
      updatedAt: t.committedAt,
      columns: t.columns.map((c) => {
        const d: ColumnDescription = {
          name: c.name,
          type: c.type,
          semanticType: c.semanticType ?? null,
          nullable: c.nullable,
          stats: { min: null, max: null, nullCount: null, distinctCount: null },
        };
        if (c.unit !== undefined) d.unit = c.unit;
        if (c.timezone !== undefined) d.timezone = c.timezone;
        if (c.description !== undefined) d.description = c.description;
        return d;
      }),
      statsUnavailable: true,
    };
  }
}

/** The answer's camelCase keys and the snake_case keys /stats sent before (ADBC's statistic names),
 *  which are still sent alongside, with the same values, until the next minor release (openapi.yaml
 *  marks them deprecated). The statistics are still ADBC's; only their JSON keys follow the API's
 *  one convention, camelCase. */
const DEPRECATED_KEYS = {
  rowCount: 'row_count',
  nullCount: 'null_count',
  minValue: 'min_value',
  maxValue: 'max_value',
  distinctCount: 'distinct_count',
  fileCount: 'file_count',
  rowGroupCount: 'row_group_count',
} as const;

/** `o` with each camelCase key of DEPRECATED_KEYS also sent under its old snake_case name. */
function withDeprecatedKeys<T extends object>(o: T): T {
  const src = o as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { ...src };
  for (const [key, old] of Object.entries(DEPRECATED_KEYS)) if (key in src) out[old] = src[key];
  return out as T;
}

/** A column's statistics in ADBC's vocabulary; `m` from mergeChunkStats (or one chunk's, exact). */
function adbcColumn(c: ColumnSchema, m: Omit<MergedStats, 'nans'>): ColumnStatistics {
  const out: ColumnStatistics = {
    name: c.name,
    type: c.type,
    nullCount: { value: m.nulls, exact: true },
    minValue: m.min === undefined ? null : { value: statText(c, m.min), exact: m.minExact },
    maxValue: m.max === undefined ? null : { value: statText(c, m.max), exact: m.maxExact },
  };
  if (m.distinct !== undefined) out.distinctCount = { value: m.distinct, exact: m.distinctExact };
  return withDeprecatedKeys(out);
}

/** Table, column and row-group statistics: ADBC's statistics under camelCase keys (plus, for one
 *  release, the old snake_case keys: DEPRECATED_KEYS). */
export async function tableStats(ctx: ServiceContext, t: TableVersion): Promise<TableStats> {
  // Footers only: the lease can end before the statistics are built.
  const readers = await withReaders(ctx, (lease) => lease.all(t));
  const chunks = columnChunks(readers, t.columns);
  const rowGroups: RowGroupStatistics[] = [];
  readers.forEach((r, file) => {
    const index = new Map(r.columns.map((c, i) => [c.name, i]));
    r.stats().rowGroups.forEach((rg, g) => {
      rowGroups.push(
        withDeprecatedKeys({
          file,
          rowGroup: g,
          rowCount: { value: rg.rows, exact: true },
          columns: t.columns
            .filter((c) => index.has(c.name))
            .map((c) => {
              const s = rg.columns[index.get(c.name)!]!;
              return adbcColumn(c, { ...s, distinctExact: true });
            }),
        }),
      );
    });
  });
  return {
    name: t.table,
    version: t.version,
    table: withDeprecatedKeys({
      rowCount: { value: t.rowCount, exact: true },
      bytes: t.bytes,
      fileCount: t.files.length,
      rowGroupCount: rowGroups.length,
    }),
    columns: t.columns.map((c, i) => adbcColumn(c, mergeChunkStats(c.type, chunks[i]!))),
    rowGroups,
  };
}

export function versionEntry(v: VersionInfo): VersionEntry {
  return { version: v.version, time: v.committedAt, operation: v.operation, rowsAdded: v.rowsAdded, rowCount: v.rowCount };
}
