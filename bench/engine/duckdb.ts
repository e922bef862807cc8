// DuckDB (@duckdb/node-api, in-memory instance) as the Parquet reference: its own Parquet writer
// (COPY ... TO) and its in-engine Parquet scan, which is what the "about 25M rows/s" measured.

import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

export type DuckCodec = 'zstd' | 'snappy';

/** SQL string literal (paths under os.tmpdir() may contain anything). */
const lit = (s: string): string => `'${s.replaceAll("'", "''")}'`;
/** SQL quoted identifier. */
export const ident = (s: string): string => `"${s.replaceAll('"', '""')}"`;

export class Duck {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly con: DuckDBConnection,
  ) {}

  static async open(): Promise<Duck> {
    const instance = await DuckDBInstance.create(':memory:');
    return new Duck(instance, await instance.connect());
  }

  /** DuckDB's own version string (e.g. v1.5.6) and the threads it uses. */
  async versions(): Promise<{ duckdb: string; threads: number }> {
    const rows = (await this.con.runAndReadAll(`SELECT version(), current_setting('threads')`)).getRows();
    return { duckdb: String(rows[0]![0]), threads: Number(rows[0]![1]) };
  }

  async setThreads(n: number): Promise<void> {
    await this.con.run(`SET threads = ${Math.max(1, Math.floor(n))}`);
  }

  /** Loads a Parquet file into a DuckDB table (done once per data set, outside every timing). */
  async load(table: string, parquetPath: string): Promise<void> {
    await this.con.run(`CREATE OR REPLACE TABLE ${ident(table)} AS SELECT * FROM read_parquet(${lit(parquetPath)})`);
  }

  async drop(table: string): Promise<void> {
    await this.con.run(`DROP TABLE IF EXISTS ${ident(table)}`);
  }

  /** Timed write: COPY of an already loaded table to a Parquet file (DuckDB's default row group size
   *  of 122,880 rows unless `rowGroupRows` is given). */
  async copyToParquet(table: string, path: string, codec: DuckCodec, rowGroupRows?: number): Promise<void> {
    const rg = rowGroupRows === undefined ? '' : `, ROW_GROUP_SIZE ${rowGroupRows}`;
    await this.con.run(`COPY ${ident(table)} TO ${lit(path)} (FORMAT parquet, COMPRESSION ${codec}${rg})`);
  }

  /** Timed in-engine scan: decodes every listed column of every row and folds it into one hash sum,
   *  so nothing can be skipped and nothing crosses into JS but one row. Returns the row count. */
  async scanHash(path: string, columns: string[], where?: string): Promise<number> {
    const w = where ? ` WHERE ${where}` : '';
    const sql = `SELECT count(*), sum(hash(${columns.map(ident).join(', ')})) FROM read_parquet(${lit(path)})${w}`;
    const rows = (await this.con.runAndReadAll(sql)).getRows();
    return Number(rows[0]![0]);
  }

  /** Timed read into JS: SELECT * materialised into the node-api reader's data chunks (values stay in
   *  DuckDB vectors; converting them to JS values costs ~10x more and is not part of this figure). */
  async readAll(path: string): Promise<number> {
    const reader = await this.con.runAndReadAll(`SELECT * FROM read_parquet(${lit(path)})`);
    return reader.currentRowCount;
  }

  /** Runs a query and returns its rows as JS values (for answers small enough to check). */
  async run(sql: string): Promise<unknown[][]> {
    return (await this.con.runAndReadAll(sql)).getRowsJS() as unknown[][];
  }

  /** Row groups of a Parquet file and the compressed bytes of each column over all of them. */
  async parquetLayout(path: string): Promise<{ rowGroups: number; columnBytes: Map<string, number> }> {
    const rows = (
      await this.con.runAndReadAll(
        `SELECT path_in_schema, count(DISTINCT row_group_id), sum(total_compressed_size) FROM parquet_metadata(${lit(path)}) GROUP BY ALL`,
      )
    ).getRows();
    const columnBytes = new Map<string, number>();
    let rowGroups = 0;
    for (const r of rows) {
      columnBytes.set(String(r[0]), Number(r[2]));
      rowGroups = Math.max(rowGroups, Number(r[1]));
    }
    return { rowGroups, columnBytes };
  }

  close(): void {
    this.con.closeSync();
    this.instance.closeSync();
  }
}

/** A `ts` range predicate in DuckDB SQL, bounds in µs since the epoch (half-open [lo, hi)). */
export function tsRangeSql(column: string, lo: bigint, hi: bigint): string {
  return `${ident(column)} >= make_timestamp(${lo}) AND ${ident(column)} < make_timestamp(${hi})`;
}
