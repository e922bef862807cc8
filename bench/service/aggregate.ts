// The aggregate part of the service benchmark (issue 6, "Performance"): grouped aggregates over the
// 3M-row flights table (quick: 300k) answered by the server (GET /rows with the aggregate select, JSON
// parsed by the client) against DuckDB running the same GROUP BY over the same data as a Parquet file
// (read_parquet each run), interleaved, with a third row for the engine alone: the same aggregate in
// this process over an NCF file of the same rows (opened, decoded and aggregated each run, no chunk
// cache: like DuckDB's read_parquet). The Parquet file is DuckDB's own COPY of the same generated rows
// (via CSV, untimed). Before timing, each answer is checked group by group against DuckDB's.

import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { measureInterleaved, gc, type RunPlan, type Step } from '../common/measure.js';
import type { Entry } from '../common/results.js';
import { makeFlightsWithId, writeCsv } from './data.js';
import { writeNcf } from '../engine/ncf.js';
import { NCFReader } from '../../src/index.js';
import { schemaFromArrow } from '../../src/format/arrow.js';
import type { ColumnSchema } from '../../src/format/schema.js';
import { aggregateOf } from '../../src/query/aggregate/answer.js';
import { aggregateColumns } from '../../src/query/aggregate/execute.js';
import { planAggregate } from '../../src/query/aggregate/plan.js';
import { parseRowsQuery } from '../../src/query/params.js';
import type { TableVersion } from '../../storage/types.js';

export interface AggregateQueryResult {
  key: string;
  /** The service's request path (query string included). */
  path: string;
  sql: string;
  groups: number;
  /** NCF-Answered-From of the service's answer. */
  answeredFrom: string;
  rowGroups: string;
  entries: Entry[];
}

export interface AggregateResult {
  rows: number;
  parquetBytes: number;
  queries: AggregateQueryResult[];
}

const lit = (s: string): string => `'${s.replaceAll("'", "''")}'`;

function fail(what: string, detail: string): never {
  throw new Error(`bench (service aggregate): ${what}: ${detail}`);
}

interface Query {
  key: string;
  select: string;
  sql: (file: string) => string;
  keyOf: (row: Record<string, unknown>) => string;
}

const QUERIES: Query[] = [
  {
    key: 'group-origin',
    select: 'select=origin,count(),delay.avg(),delay.max()',
    sql: (f) => `SELECT origin, count(*) AS count, avg(delay) AS avg, max(delay) AS max FROM read_parquet(${lit(f)}) GROUP BY origin`,
    keyOf: (r) => String(r.origin),
  },
  {
    key: 'trunc-day',
    select: 'select=ts.trunc(day),count(),delay.avg()',
    // Grouped by the truncated timestamp; only the groups are formatted, as the service's JSON renders
    // them (docs/QUERY.md "Value text": the column's microsecond digits, no Z on a zone-less column).
    sql: (f) => `SELECT strftime(day, '%Y-%m-%dT%H:%M:%S.%f') AS ts, count, avg FROM (SELECT date_trunc('day', ts) AS day,
      count(*) AS count, avg(delay) AS avg FROM read_parquet(${lit(f)}) GROUP BY 1)`,
    keyOf: (r) => String(r.ts),
  },
  {
    key: 'stats',
    select: 'select=count(),delay.min(),delay.max()',
    sql: (f) => `SELECT count(*) AS count, min(delay) AS min, max(delay) AS max FROM read_parquet(${lit(f)})`,
    keyOf: () => '',
  },
];

/** Checks the service's groups equal DuckDB's (counts and max exactly, averages to 1e-9). */
function checkSame(q: Query, got: Array<Record<string, unknown>>, want: Array<Record<string, unknown>>): void {
  if (got.length !== want.length) fail(q.select, `${got.length} groups, DuckDB has ${want.length}`);
  const byKey = new Map(want.map((w) => [q.keyOf(w), w]));
  for (const g of got) {
    const w = byKey.get(q.keyOf(g));
    if (w === undefined) fail(q.select, `group ${q.keyOf(g)} is not in DuckDB's answer`);
    for (const [k, v] of Object.entries(w)) {
      const a = Number(g[k]),
        b = Number(v);
      if (typeof v === 'string' ? g[k] !== v : !(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)))) {
        fail(q.select, `group ${q.keyOf(g)}: ${k} is ${String(g[k])}, DuckDB says ${String(v)}`);
      }
    }
  }
}

/** Times the aggregate queries against DuckDB over the same rows as Parquet (`rows` must be the
 *  service's flights table's size: the data is regenerated with the same seed). */
export async function measureAggregates(
  plan: RunPlan,
  url: string,
  con: DuckDBConnection,
  work: string,
  rows: number,
  log: (msg: string) => void,
): Promise<AggregateResult> {
  const t0 = performance.now();
  const csv = join(work, 'aggregate.csv');
  const parquet = join(work, 'aggregate.parquet');
  const ncf = join(work, 'aggregate.ncf');
  let columns: ColumnSchema[];
  let ncfBytes: number;
  {
    const data = makeFlightsWithId(rows);
    await writeCsv(data.table, csv);
    columns = schemaFromArrow(data.table.schema);
    ncfBytes = (await writeNcf(data.table, ncf)).bytes;
  }
  const version: TableVersion = {
    table: 'flights',
    tableId: 'bench',
    version: 1,
    operation: 'create',
    rowsAdded: rows,
    rowCount: rows,
    bytes: ncfBytes,
    columns,
    files: [{ key: ncf, rows, bytes: ncfBytes }],
    createdAt: '',
    committedAt: '',
  };
  /** The engine alone: open the file, plan, scan and aggregate; the group count. */
  const engine = async (select: string): Promise<number> => {
    const reader = await NCFReader.open(ncf);
    try {
      const spec = parseRowsQuery(select).spec;
      const plan = await planAggregate(version, spec, aggregateOf(spec)!, async () => reader);
      return (await aggregateColumns(plan)).columns[0]!.length;
    } finally {
      await reader.close();
    }
  };
  gc();
  await con.run(`COPY (SELECT * FROM read_csv(${lit(csv)})) TO ${lit(parquet)} (FORMAT parquet, COMPRESSION zstd)`);
  await rm(csv, { force: true });
  const parquetBytes = Number(
    (await con.runAndReadAll(`SELECT sum(total_compressed_size) FROM parquet_metadata(${lit(parquet)})`)).getRows()[0]![0],
  );
  log(
    `service aggregate: the same ${rows.toLocaleString('en-US')} flights rows written as Parquet zstd for DuckDB in ${(performance.now() - t0).toFixed(0)} ms (not timed)`,
  );

  const out: AggregateQueryResult[] = [];
  try {
    for (const q of QUERIES) {
      const path = `/v1/tables/flights/rows?${q.select}`;
      const first = await fetch(url + path);
      const body = (await first.json()) as { rows?: Array<Record<string, unknown>> };
      if (first.status !== 200 || !body.rows) fail(path, `status ${first.status}: ${JSON.stringify(body).slice(0, 300)}`);
      const want = (await con.runAndReadAll(q.sql(parquet))).getRowObjectsJS() as Array<Record<string, unknown>>;
      checkSame(q, body.rows, want);
      const groups = body.rows.length;
      const steps: Step[] = [
        {
          key: 'service',
          run: async () => {
            const res = await fetch(url + path);
            const b = (await res.json()) as { rows: unknown[] };
            if (res.status !== 200 || b.rows.length !== groups) fail(path, `status ${res.status}, ${b.rows?.length} groups`);
            return b.rows.length;
          },
        },
        { key: 'duckdb', run: async () => (await con.runAndReadAll(q.sql(parquet))).getRows().length },
        { key: 'engine', run: () => engine(q.select) },
      ];
      log(`service aggregate: ${q.select} vs DuckDB on Parquet`);
      const measured = await measureInterleaved(plan, steps);
      const labels: Record<string, string> = {
        service: `GET /v1/tables/flights/rows?${q.select} (JSON, parsed)`,
        duckdb: 'DuckDB, the same GROUP BY on read_parquet(file)',
        engine: 'NCF engine in process: open the file, plan, decode, aggregate',
      };
      out.push({
        key: q.key,
        path,
        sql: q.sql('flights.parquet').replace(/\s+/g, ' '),
        groups,
        answeredFrom: first.headers.get('ncf-answered-from') ?? '?',
        rowGroups: first.headers.get('ncf-row-groups') ?? '?',
        entries: steps.map((s) => {
          const m = measured.get(s.key)!;
          if (m.result !== groups) fail(labels[s.key]!, `${String(m.result)} groups, expected ${groups}`);
          return { key: s.key, label: labels[s.key]!, timing: m.timing, rows };
        }),
      });
    }
  } finally {
    await rm(parquet, { force: true });
    await rm(ncf, { force: true });
  }
  return { rows, parquetBytes, queries: out };
}
