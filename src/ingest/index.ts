// Public surface of the ingest layer: input parsers that turn CSV, NDJSON, JSON, Arrow IPC and
// Parquet into Arrow record batches for the NCF writer (used by `ncf convert` and the upload route).

import type * as arrow from 'apache-arrow';
import { readArrowIpc } from './arrow.js';
import { readCsv } from './csv.js';
import { FORMATS, type Format } from './detect.js';
import { FORMATS_BY_NAME } from '../formats/table.js';
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

/** What a parser gets: the ingest options with the decode limits settled. */
export type ParserOptions = IngestOptions & { limits: DecodeLimits };

/** An upload parser: the whole input as Arrow record batches sharing one schema. */
export type Parser = (src: ByteSource, opts: ParserOptions) => AsyncGenerator<arrow.RecordBatch>;

/** The upload parser of each format (the format table, src/formats/table.ts, says which take uploads). */
const PARSERS: Record<Format, Parser> = {
  csv: readCsv,
  ndjson: readNdjson,
  json: readJsonArray,
  arrow: readArrowIpc,
  parquet: readParquet,
};

/** Reads the whole input as Arrow record batches sharing one arrow.Schema, each checked against
 *  the decode limits (limits.ts) before it is handed on. */
export function readInput(format: Format, src: ByteSource, opts: IngestOptions = {}): AsyncGenerator<arrow.RecordBatch> {
  const limits = opts.limits ?? DEFAULT_DECODE_LIMITS;
  // Plain-JS callers can pass any string: an own-property check, so "constructor" is no parser.
  const parse = Object.hasOwn(PARSERS, format) ? PARSERS[format] : undefined;
  if (parse === undefined) return refuse(format);
  return guardBatches(parse(src, { ...opts, limits }), limits, FORMATS_BY_NAME[format]?.label ?? String(format));
}

/** Say which formats exist, as the readers would fail: lazily. */
// biome-ignore lint/correctness/useYield: it only throws, lazily, as the format readers fail
async function* refuse(format: string): AsyncGenerator<arrow.RecordBatch> {
  throw new NCFError('INPUT', `ncf: unknown input format ${JSON.stringify(format)}; expected one of ${FORMATS.join(', ')}`);
}
