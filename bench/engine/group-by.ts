// The string group-by of issue 12 (key, count(), avg(a), max(b)) on both sides: NCF's aggregate
// engine in process (open the file, plan, decode, group: no chunk cache, like DuckDB's read_parquet)
// and DuckDB's GROUP BY over its zstd Parquet of the same rows. suite.ts checks and times them.

import type { Dataset } from '../data/datasets.js';
import { NCFReader } from '../../src/index.js';
import { schemaFromArrow } from '../../src/format/arrow.js';
import type { ColumnData } from '../../src/format/column.js';
import { aggregateOf } from '../../src/query/aggregate/answer.js';
import { aggregateColumns } from '../../src/query/aggregate/execute.js';
import { planAggregate } from '../../src/query/aggregate/plan.js';
import { parseRowsQuery } from '../../src/query/params.js';
import type { TableVersion } from '../../storage/types.js';
import { ident, type Duck } from './duckdb.js';

const lit = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** Summary both sides must agree on: groups, the sum of the counts, the largest max. */
export interface Shape {
  groups: number;
  total: number;
  max: number;
}

/** A fixed-width answer column's non-null values as numbers. */
function numbers(c: ColumnData): number[] {
  if (c.values.kind !== 'fixed') throw new Error(`bench: expected a numeric aggregate column, got ${c.values.kind}`);
  const data = c.values.data as unknown as ArrayLike<number | bigint>;
  const out: number[] = [];
  for (let i = 0; i < c.length; i++) if (c.validity === null || (c.validity[i >>> 3]! & (1 << (i & 7))) !== 0) out.push(Number(data[i]));
  return out;
}

/** The group-by of one data set: the select and SQL, and a run of each side returning the shape of
 *  its answer (the suite checks they agree, then times them). */
export interface GroupByQuery {
  select: string;
  sql: string;
  ncf: () => Promise<Shape>;
  duckdb: () => Promise<Shape>;
}

export function groupByQuery(
  duck: Duck,
  data: Dataset,
  ncfPath: string,
  parquetPath: string,
  spec: { key: string; avg: string; max: string },
): GroupByQuery {
  const select = `select=${spec.key},count(),${spec.avg}.avg(),${spec.max}.max()`;
  const sql =
    `SELECT ${ident(spec.key)}, count(*), avg(${ident(spec.avg)}), max(${ident(spec.max)}) ` +
    `FROM read_parquet(${lit(parquetPath)}) GROUP BY ${ident(spec.key)}`;
  const version: TableVersion = {
    table: data.name,
    tableId: 'bench',
    version: 1,
    operation: 'create',
    rowsAdded: data.rows,
    rowCount: data.rows,
    bytes: 0,
    columns: schemaFromArrow(data.table.schema),
    files: [{ key: ncfPath, rows: data.rows, bytes: 0 }],
    createdAt: '',
    committedAt: '',
  };
  const ncf = async (): Promise<Shape> => {
    const reader = await NCFReader.open(ncfPath);
    try {
      const q = parseRowsQuery(select).spec;
      const plan = await planAggregate(version, q, aggregateOf(q)!, async () => reader);
      const out = (await aggregateColumns(plan)).columns;
      const counts = numbers(out[1]!);
      return { groups: out[0]!.length, total: counts.reduce((a, b) => a + b, 0), max: Math.max(...numbers(out[3]!)) };
    } finally {
      await reader.close();
    }
  };
  const duckdb = async (): Promise<Shape> => {
    const rows = (await duck.run(sql)).map((r) => r.map(Number));
    return { groups: rows.length, total: rows.reduce((a, r) => a + r[1]!, 0), max: Math.max(...rows.map((r) => r[3]!)) };
  };
  return { select, sql, ncf, duckdb };
}
