// The one place parquet-wasm is loaded (Parquet uploads, in their worker thread: src/ingest/parquet-worker.ts;
// Parquet answers in src/query).
// Its Node build instantiates its WebAssembly on import, so it is imported on first use only.

export type ParquetWasm = typeof import('parquet-wasm');

let loaded: Promise<ParquetWasm> | undefined;

export function parquetWasm(): Promise<ParquetWasm> {
  loaded ??= import('parquet-wasm');
  return loaded;
}
