// Arrow IPC (file format, uncompressed) through apache-arrow: the "no encoding at all" baseline.

import { readFile, writeFile } from 'node:fs/promises';
import * as arrow from 'apache-arrow';

/** Timed write: tableToIPC(table, 'file') and the file write. */
export async function writeIpc(table: arrow.Table, path: string): Promise<number> {
  const bytes = arrow.tableToIPC(table, 'file');
  await writeFile(path, bytes);
  return bytes.length;
}

/** Timed read: the file read and tableFromIPC (Arrow IPC needs no decoding, only views over the bytes). */
export async function readIpc(path: string): Promise<arrow.Table> {
  return arrow.tableFromIPC(await readFile(path));
}

/** The IPC stream bytes parquet-wasm takes as input (made once, outside any timing). */
export function ipcStream(table: arrow.Table): Uint8Array {
  return arrow.tableToIPC(table, 'stream');
}
