// Parquet through parquet-wasm (the Rust arrow-rs writer and reader compiled to WebAssembly).
// The package's "node" entry instantiates the module synchronously on import; no init call needed.

import { readFile, writeFile } from 'node:fs/promises';
import * as arrow from 'apache-arrow';
import { Compression, Table, WriterPropertiesBuilder, readParquet, writeParquet } from 'parquet-wasm';

export type PwCodec = 'zstd' | 'snappy' | 'none';

const CODECS: Record<PwCodec, Compression> = {
  zstd: Compression.ZSTD,
  snappy: Compression.SNAPPY,
  none: Compression.UNCOMPRESSED,
};

/** Timed write: IPC stream bytes → wasm Table → writeParquet → file. `ipc` is made outside the timing.
 *  Row groups default to arrow-rs's 1M rows unless `rowGroupRows` is given. */
export async function writeParquetWasm(ipc: Uint8Array, path: string, codec: PwCodec, rowGroupRows?: number): Promise<number> {
  let builder = new WriterPropertiesBuilder().setCompression(CODECS[codec]);
  if (rowGroupRows !== undefined) builder = builder.setMaxRowGroupSize(rowGroupRows);
  const bytes = writeParquet(Table.fromIPCStream(ipc), builder.build());
  await writeFile(path, bytes);
  return bytes.length;
}

/** Timed read: file → readParquet (wasm memory) → IPC stream → apache-arrow Table in JS memory. */
export async function readParquetWasm(path: string, columns?: string[]): Promise<arrow.Table> {
  const file = await readFile(path);
  const wasmTable = readParquet(file, columns ? { columns, batchSize: 65536 } : { batchSize: 65536 });
  return arrow.tableFromIPC(wasmTable.intoIPCStream());
}
