// Public surface of the ingest layer: input parsers that turn CSV, NDJSON, JSON, Arrow IPC and
// Parquet into Arrow record batches for the NCF writer (used by `ncf convert` and the upload route).

import type * as arrow from 'apache-arrow';
import { readArrowIpc } from './arrow.js';
import { readCsv } from './csv.js';
import { FORMATS, type Format } from './detect.js';
import { NCFError } from '../format/errors.js';
import { readJsonArray } from './json.js';
import { DEFAULT_DECODE_LIMITS, guardBatches, type DecodeLimits } from './limits.js';
import { readNdjson } from './ndjson.js';
import { readParquet } from './parquet.js';
import type { SchemaOverride } from './schema-override.js';
import type { ByteSource } from './source.js';

export { detectFormat, FORMATS, type Format } from './detect.js';
export { decodedBudget, type DecodeLimits } from './limits.js';
export { bufferSource, fileSource, type ByteSource } from './source.js';
export { META_DESCRIPTION, META_SEMANTIC_TYPE, parseSchemaOverride, type ColumnOverride, type SchemaOverride } from './schema-override.js';

export interface IngestOptions {
  /** Per-column type, semantic type, nullability and description; other columns are inferred. */
  schema?: SchemaOverride;
  /** Rows per emitted batch (CSV, NDJSON, JSON; a target for Parquet); default 65536. */
  batchRows?: number;
  /** CSV only: one ASCII character; default sniffed from the header line among , \t ; | */
  delimiter?: string;
  /** Bounds on decoded bytes (per value, per batch, per upload); default: 16 MiB, 64 MiB, none. */
  limits?: DecodeLimits;
}

const LABELS: Record<Format, string> = { csv: 'CSV', ndjson: 'NDJSON', json: 'JSON', arrow: 'Arrow', parquet: 'Parquet' };

/** Reads the whole input as Arrow record batches sharing one arrow.Schema, each checked against
 *  the decode limits (limits.ts) before it is handed on. */
export function readInput(format: Format, src: ByteSource, opts: IngestOptions = {}): AsyncGenerator<arrow.RecordBatch> {
  const limits = opts.limits ?? DEFAULT_DECODE_LIMITS;
  return guardBatches(readFormat(format, src, { ...opts, limits }), limits, LABELS[format] ?? String(format));
}

function readFormat(format: Format, src: ByteSource, opts: IngestOptions & { limits: DecodeLimits }): AsyncGenerator<arrow.RecordBatch> {
  switch (format) {
    case 'csv':
      return readCsv(src, opts);
    case 'ndjson':
      return readNdjson(src, opts);
    case 'json':
      return readJsonArray(src, opts);
    case 'arrow':
      return readArrowIpc(src, opts);
    case 'parquet':
      return readParquet(src, opts);
    default:
      return refuse(format);
  }
}

/** Plain-JS callers can pass any string; say which formats exist, as the readers would fail: lazily. */
// biome-ignore lint/correctness/useYield: it only throws, lazily, as the format readers fail
async function* refuse(format: never): AsyncGenerator<arrow.RecordBatch> {
  throw new NCFError('INPUT', `ncf: unknown input format ${JSON.stringify(format)}; expected one of ${FORMATS.join(', ')}`);
}
