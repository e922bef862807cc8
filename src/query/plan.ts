// Query planning: checks a QuerySpec against a table version's columns, opens the readers of the
// version's files (footers only), binds the filter and prunes row groups with their statistics. The
// result says, before any data is read, which row groups of which files a scan will touch, so the
// response headers can carry `NCF-Row-Groups: <scanned>/<total>`.

import type * as arrow from 'apache-arrow';
import type { TableVersion } from '../../storage/types.js';
import { badQuery, errorProblem, notFound } from '../http/errors.js';
import { schemaToArrow } from '../format/arrow.js';
import { NCFError } from '../format/errors.js';
import { bindFilter, type BoundFilter, type Filter } from '../format/filter/index.js';
import type { NCFReader } from '../format/reader.js';
import type { ColumnSchema } from '../format/schema.js';
import { checkColumns, type OrderKey, type QuerySpec } from './params.js';

/** Opens (or returns a cached) reader for a stored file key. */
export type OpenReader = (key: string) => Promise<NCFReader>;

export interface FilePlan {
  key: string;
  reader: NCFReader;
  /** Row groups to scan, ascending; those the statistics (or offset/limit) did not rule out. */
  rowGroups: number[];
  totalRowGroups: number;
  /** The query's filter bound to this file's columns (the request's one binding), null without one. */
  bound: BoundFilter | null;
}

export interface QueryPlan {
  version: TableVersion;
  where: Filter | null;
  order: OrderKey[];
  limit: number | null;
  /** Rows still to skip once the planned row groups are scanned (after whole groups were dropped). */
  offset: number;
  /** Output columns, in output order. */
  columns: ColumnSchema[];
  /** The Arrow schema of every batch the query yields. */
  schema: arrow.Schema;
  /** Columns the scan reads and yields: the output columns, then order keys not among them. */
  scanColumns: ColumnSchema[];
  files: FilePlan[];
  rowGroupsScanned: number;
  rowGroupsTotal: number;
}

/** Validates names and binds the filter against the table's columns, without any I/O. The bound
 *  filter is the request's only binding: pruning and scanning every file use it. */
export function checkQuery(spec: QuerySpec, columns: readonly ColumnSchema[]): BoundFilter | null {
  checkColumns(spec, columns);
  if (spec.where === null) return null;
  try {
    return bindFilter(spec.where, columns);
  } catch (e) {
    if (e instanceof NCFError && e.code === 'UNKNOWN_COLUMN') {
      const name = String(e.details.column);
      const names = columns.map((c) => c.name);
      const hint = typeof e.details.suggestion === 'string' ? `; did you mean ${JSON.stringify(e.details.suggestion)}?` : '';
      const listed =
        names
          .slice(0, 50)
          .map((n) => JSON.stringify(n))
          .join(', ') + (names.length > 50 ? ', …' : '');
      throw badQuery(`filter: unknown column ${JSON.stringify(name)}${hint}${hint ? ' The' : '; the'} table has ${listed}`, {
        parameter: name,
        column: name,
        columns: names,
        ...(hint ? { suggestion: e.details.suggestion } : {}),
      });
    }
    throw errorProblem(e, 'query') ?? e;
  }
}

export async function planQuery(version: TableVersion, spec: QuerySpec, open: OpenReader): Promise<QueryPlan> {
  const bound = checkQuery(spec, version.columns);
  const byName = new Map(version.columns.map((c) => [c.name, c]));
  const columns = spec.select === null ? version.columns : spec.select.map((n) => byName.get(n)!);
  const scanColumns = [...columns];
  for (const k of spec.order) if (!scanColumns.some((c) => c.name === k.column)) scanColumns.push(byName.get(k.column)!);

  const readers = await Promise.all(version.files.map((f) => open(f.key)));
  const files: FilePlan[] = readers.map((reader, i) => {
    // Files of a version share the table's columns (storage/schema-diff.ts refuses others); the
    // check keeps a file that somehow differs correct, at the cost of binding for it.
    const pruned = sameLayout(reader.columns, version.columns) ? reader.prune(bound) : reader.plan(spec.where);
    return { key: version.files[i]!.key, reader, rowGroups: pruned.rowGroups, totalRowGroups: pruned.total, bound: pruned.bound };
  });
  let offset = spec.offset;
  if (spec.where === null && spec.order.length === 0) offset = trimToWindow(files, spec.offset, spec.limit);
  else if (spec.limit === 0) for (const f of files) f.rowGroups = [];

  let scanned = 0,
    total = 0;
  for (const f of files) {
    scanned += f.rowGroups.length;
    total += f.totalRowGroups;
  }
  return {
    version,
    where: spec.where,
    order: spec.order,
    limit: spec.limit,
    offset,
    columns,
    schema: schemaToArrow(columns, version.table),
    scanColumns,
    files,
    rowGroupsScanned: scanned,
    rowGroupsTotal: total,
  };
}

/** Whether a filter bound to `b` reads a file with columns `a` right: same names, order and types. */
function sameLayout(a: readonly ColumnSchema[], b: readonly ColumnSchema[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!,
      y = b[i]!;
    if (x.name !== y.name || x.type !== y.type || (x.unit ?? 'us') !== (y.unit ?? 'us')) return false;
  }
  return true;
}

/** Without a filter or order, row positions are known from the footers: keeps only the row groups
 *  that overlap [offset, offset + limit) and returns the offset left within the first kept group. */
function trimToWindow(files: FilePlan[], offset: number, limit: number | null): number {
  const end = limit === null ? Infinity : offset + limit;
  let pos = 0,
    left = offset,
    first = true;
  for (const f of files) {
    const kept: number[] = [];
    for (const g of f.rowGroups) {
      const rows = f.reader.meta.rowGroups[g]!.rows;
      const from = pos,
        to = pos + rows;
      pos = to;
      if (to <= offset || from >= end || rows === 0) continue;
      if (first) {
        left = offset - from;
        first = false;
      }
      kept.push(g);
    }
    f.rowGroups = kept;
  }
  return first ? 0 : left;
}

/** A plan that scans one column (histogram, distinct) with a filter; 404 naming the column when the
 *  table has no such column. */
export async function planColumn(version: TableVersion, column: string, where: Filter | null, open: OpenReader): Promise<QueryPlan> {
  if (!version.columns.some((c) => c.name === column)) {
    const names = version.columns.map((c) => c.name);
    const listed =
      names
        .slice(0, 50)
        .map((n) => JSON.stringify(n))
        .join(', ') + (names.length > 50 ? ', …' : '');
    throw notFound(`table ${JSON.stringify(version.table)} has no column ${JSON.stringify(column)}; its columns are ${listed}`, {
      table: version.table,
      column,
      columns: names,
    });
  }
  return planQuery(version, { select: [column], where, order: [], limit: null, offset: 0, version: version.version }, open);
}
