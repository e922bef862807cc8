// The NCF library's public surface.

export { NCFWriter, type WriterOptions, type WriteSummary } from './format/writer.js';
export {
  NCFReader,
  type ReaderOptions,
  type ReadOptions,
  type ScanInfo,
  type TableStats,
  type ColumnStats,
} from './format/reader.js';
export type { ByteSink, RandomAccessSource } from './format/io.js';
export { BufferSink, BufferSource } from './format/io.js';
export { FileSink } from './io/file-sink.js';
export { FileSource } from './io/file-source.js';
export { NCFError, type NCFErrorCode } from './format/errors.js';
export {
  DATA_TYPES,
  TIME_UNITS,
  validateSchema,
  type ColumnSchema,
  type DataType,
  type Schema,
  type TimeUnit,
} from './format/schema.js';
export { SEMANTIC_TYPES, CODECS, FORMAT_MAJOR, FORMAT_MINOR } from './format/constants.js';
export { ENCODINGS } from './format/encodings/index.js';
export type { ChunkStats, StatValue } from './format/stats.js';
export type { FileMeta, RowGroupMeta, ChunkMeta } from './format/footer.js';
export {
  parseQueryFilters,
  parseWhereArg,
  parseFilterJson,
  bindFilter,
  type Filter,
  type BoundFilter,
} from './format/filter/index.js';
export { schemaToArrow, schemaFromArrow } from './format/arrow.js';
export type { WriteInput } from './format/input.js';
