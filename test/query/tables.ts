// Test tables: several real NCF files written with NCFWriter into a temp directory, described by a
// TableVersion as the catalog would, with a reader opener like the service's footer cache.

import { join } from 'node:path';
import type { TableVersion } from '../../storage/types.js';
import { NCFReader, NCFWriter, type ColumnSchema } from '../../src/index.js';
import type { OpenReader } from '../../src/query/plan.js';

export interface TestTable {
  version: TableVersion;
  open: OpenReader;
  close(): Promise<void>;
}

/** Writes one file per part (rows as column arrays) and returns the version that lists them in order. */
export async function writeTable(
  dir: string,
  columns: ColumnSchema[],
  parts: Array<Record<string, unknown[]>>,
  rowGroupRows: number | number[],
  version = 1,
): Promise<TestTable> {
  const files = [];
  let rowCount = 0,
    bytes = 0;
  for (const [i, part] of parts.entries()) {
    const key = `v${version}-f${i}.ncf`;
    const w = await NCFWriter.open(join(dir, key), {
      schema: columns,
      rowGroupRows: Array.isArray(rowGroupRows) ? rowGroupRows[i]! : rowGroupRows,
      tableName: 't',
    });
    await w.write(part);
    const s = await w.close();
    files.push({ key, rows: s.rows, bytes: s.bytes });
    rowCount += s.rows;
    bytes += s.bytes;
  }
  const readers = new Map<string, Promise<NCFReader>>();
  const open: OpenReader = (key) => {
    let r = readers.get(key);
    if (r === undefined) {
      r = NCFReader.open(join(dir, key));
      readers.set(key, r);
    }
    return r;
  };
  const now = new Date().toISOString();
  return {
    version: {
      table: 't',
      tableId: 'tid',
      version,
      operation: 'create',
      rowsAdded: rowCount,
      rowCount,
      bytes,
      columns,
      files,
      createdAt: now,
      committedAt: now,
    },
    open,
    async close() {
      for (const r of readers.values()) await (await r).close();
    },
  };
}
