// NCF through its public API (src/index.ts), exactly as a user calls it: NCFWriter from an Arrow Table
// to a file path, NCFReader from a file path to an Arrow Table.

import type * as arrow from 'apache-arrow';
import { NCFReader, NCFWriter } from '../../src/index.js';

export interface NcfWriteOptions {
  rowGroupRows?: number;
  compressionLevel?: number;
}

export interface NcfReadOptions {
  columns?: string[];
  where?: string | string[];
}

export interface NcfScan {
  rowGroupsScanned: number;
  rowGroupsTotal: number;
  bytesRead: number;
}

/** Timed write: open the file, write the whole Arrow Table, close (footer, checksum, fsync-free). */
export async function writeNcf(
  table: arrow.Table,
  path: string,
  opts: NcfWriteOptions = {},
): Promise<{ rows: number; bytes: number; rowGroups: number }> {
  const writer = await NCFWriter.open(path, opts);
  try {
    await writer.write(table);
  } catch (e) {
    await writer.abort();
    throw e;
  }
  return writer.close();
}

/** Timed read: open the file (footer), read the selected rows and columns into one Arrow Table,
 *  close. Returns what the scan touched as well. */
export async function readNcf(path: string, opts: NcfReadOptions = {}): Promise<{ table: arrow.Table; scan: NcfScan }> {
  const reader = await NCFReader.open(path);
  try {
    const table = await reader.read(opts);
    const { rowGroupsScanned, rowGroupsTotal, bytesRead } = reader.lastScan;
    return { table, scan: { rowGroupsScanned, rowGroupsTotal, bytesRead } };
  } finally {
    await reader.close();
  }
}

/** PostgREST filters for ts in [lo, hi), bounds in µs since the epoch, as ISO 8601 text. */
export function tsRangeWhere(column: string, lo: bigint, hi: bigint): string[] {
  return [`${column}=gte.${isoMicros(lo)}`, `${column}=lt.${isoMicros(hi)}`];
}

/** µs since the epoch (≥ 0) → "2024-01-05T12:34:56Z", or "...:56.123456Z" when not whole seconds. */
export function isoMicros(us: bigint): string {
  const iso = new Date(Number(us / 1000n)).toISOString(); // ...ss.mmmZ
  const micros = us % 1_000_000n;
  if (micros === 0n) return `${iso.slice(0, -5)}Z`;
  return `${iso.slice(0, -5)}.${String(micros).padStart(6, '0')}Z`;
}
