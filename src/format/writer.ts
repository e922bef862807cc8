// NCFWriter: streams row groups to a sink (FORMAT.md §1). Memory is bounded by one row group: inputs
// are appended to column builders and every `rowGroupRows` rows the group is encoded and written.
// Up to MAX_INFLIGHT groups encode at once on the worker pool while the main thread buffers the next.
// Each chunk's encoding choice passes what it learned (ColumnHint, select.ts) to later chunks of its
// column: group 1 waits for group 0's, and group g ≥ 3 gets group g − 3's (the last one emitted), so
// the file does not depend on worker timing.

import * as arrow from 'apache-arrow';
import { ColumnBuilder } from './column-builder.js';
import type { ColumnData } from './column.js';
import type { EncodedChunk } from './chunk.js';
import type { ColumnHint } from './encodings/index.js';
import { encodeParallel } from './parallel/pool.js';
import {
  DEFAULT_COMPRESSION_LEVEL,
  DEFAULT_ROW_GROUP_ROWS,
  FORMAT_MAJOR,
  FORMAT_MINOR,
  HEADER_LENGTH,
  MAGIC,
  MAX_ROW_GROUP_ROWS,
  WRITER_VERSION,
} from './constants.js';
import { NCFError } from './errors.js';
import { encodeFooter, type ChunkMeta, type FileMeta, type RowGroupMeta } from './footer.js';
import { inferSchema, toColumns, type WriteInput } from './input.js';
import { chunkHash, fileHasher } from './integrity.js';
import type { ByteSink } from './io.js';
import { validateSchema, type ColumnSchema, type Schema } from './schema.js';

/** Row groups encoding at once (on the worker pool) before the writer waits. */
const MAX_INFLIGHT = 3;

export interface WriterOptions {
  /** Columns of the file; inferred from the first write when absent. */
  schema?: Schema | ColumnSchema[];
  /** Stored in the footer; defaults to the schema's tableName. */
  tableName?: string;
  /** Rows per row group (default 131072, at most 16777216). Smaller groups prune finer; larger ones compress better. */
  rowGroupRows?: number;
  /** zstd level, 1–19 (default 3); negative levels trade size for speed. */
  compressionLevel?: number;
  /** Free key/value pairs kept in the footer. */
  metadata?: Record<string, string>;
}

export interface WriteSummary {
  rows: number;
  bytes: number;
  rowGroups: number;
}

export class NCFWriter {
  private columns: ColumnSchema[] | null = null;
  private builders: ColumnBuilder[] = [];
  private readonly rowGroups: RowGroupMeta[] = [];
  private inflight: { rows: number; encoded: Promise<EncodedChunk[]> }[] = [];
  /** Per column, what the latest finished chunk learned (null until group 0 is encoded). */
  private hints: (ColumnHint | undefined)[] | null = null;
  private readonly hasher = fileHasher();
  private offset = 0;
  private rows = 0;
  private state: 'open' | 'closed' | 'failed' = 'open';
  private readonly rowGroupRows: number;
  private readonly level: number;
  private readonly tableName: string | undefined;

  private constructor(
    private readonly sink: ByteSink,
    private readonly opts: WriterOptions,
  ) {
    const rg = opts.rowGroupRows ?? DEFAULT_ROW_GROUP_ROWS;
    if (!Number.isInteger(rg) || rg < 1 || rg > MAX_ROW_GROUP_ROWS) {
      throw new NCFError('SCHEMA', `ncf: rowGroupRows must be an integer from 1 to ${MAX_ROW_GROUP_ROWS}, got ${rg}`);
    }
    const level = opts.compressionLevel ?? DEFAULT_COMPRESSION_LEVEL;
    if (!Number.isInteger(level) || level < -7 || level > 22) {
      throw new NCFError('SCHEMA', `ncf: compressionLevel must be an integer from -7 to 22, got ${level}`);
    }
    this.rowGroupRows = rg;
    this.level = level;
    const schema = opts.schema === undefined ? undefined : Array.isArray(opts.schema) ? { columns: opts.schema } : opts.schema;
    this.tableName = opts.tableName ?? schema?.tableName;
    if (schema) this.setColumns(validateSchema(schema).columns);
  }

  /** Opens a writer on a local path (written atomically via a temp file) or any ByteSink. */
  static async open(target: string | ByteSink, opts: WriterOptions = {}): Promise<NCFWriter> {
    let sink: ByteSink;
    if (typeof target === 'string') {
      const { FileSink } = await import('../io/file-sink.js');
      sink = await FileSink.create(target);
    } else {
      sink = target;
    }
    let writer: NCFWriter;
    try {
      writer = new NCFWriter(sink, opts);
    } catch (e) {
      await sink.abort();
      throw e;
    }
    const header = new Uint8Array(HEADER_LENGTH);
    header.set(MAGIC);
    new DataView(header.buffer).setUint16(4, FORMAT_MAJOR, true);
    new DataView(header.buffer).setUint16(6, FORMAT_MINOR, true);
    try {
      await writer.emit(header);
    } catch (e) {
      // The caller never gets the writer to abort: leave no temp file (or multipart upload) behind.
      await writer.fail();
      throw e;
    }
    return writer;
  }

  /** The file's columns (known after the first write when inferred). */
  get schema(): ColumnSchema[] | null {
    return this.columns;
  }

  private setColumns(columns: ColumnSchema[]): void {
    this.columns = columns;
    this.builders = columns.map((c) => new ColumnBuilder(c));
  }

  /** Appends rows: an Arrow Table or RecordBatch, a record of column arrays, or an array of row objects. */
  async write(input: WriteInput): Promise<void> {
    this.assertOpen();
    if (this.columns === null) this.setColumns(validateSchema({ columns: inferSchema(input) }).columns);
    const batches = input instanceof arrow.Table ? input.batches : [input];
    // Converting everything first means input that does not fit the schema is refused before any
    // row of it is buffered, and the writer stays usable. Arrow inputs convert without copying.
    const converted = batches.map((b) => toColumns(b, this.columns!));
    try {
      for (const { length, columns } of converted) await this.append(length, columns);
    } catch (e) {
      // Past this point a failure may leave a row group half written: abandon the file.
      await this.fail();
      throw e;
    }
  }

  private async append(length: number, columns: ColumnData[]): Promise<void> {
    let start = 0;
    while (start < length) {
      const room = this.rowGroupRows - this.builders[0]!.length;
      const end = Math.min(length, start + room);
      for (let i = 0; i < columns.length; i++) this.builders[i]!.append(columns[i]!, start, end);
      start = end;
      if (this.builders[0]!.length >= this.rowGroupRows) await this.flushRowGroup();
    }
  }

  private async flushRowGroup(): Promise<void> {
    const n = this.builders[0]!.length;
    if (n === 0) return;
    const columns = this.columns!;
    const data = this.builders.map((b) => b.finish());
    // Group 1 uses group 0's choices: wait for them (the buffered group is already converted).
    if (this.hints === null && this.inflight.length > 0) this.learn(await this.inflight[0]!.encoded);
    const hints = this.hints;
    const encoded = Promise.all(
      data.map((d, i) => {
        const hint = hints?.[i];
        return encodeParallel(
          hint === undefined ? { col: columns[i]!, data: d, level: this.level } : { col: columns[i]!, data: d, level: this.level, hint },
        );
      }),
    );
    // Marked handled now; the rejection is seen when the group is emitted.
    encoded.catch(() => {});
    this.inflight.push({ rows: n, encoded });
    // Up to MAX_INFLIGHT groups encode on the worker pool while the next one is buffered; memory
    // stays bounded by that many row groups.
    while (this.inflight.length >= MAX_INFLIGHT) await this.emitOldest();
  }

  private async emitOldest(): Promise<void> {
    const { rows, encoded } = this.inflight.shift()!;
    const chunks: ChunkMeta[] = [];
    const done = await encoded;
    this.learn(done);
    for (const chunk of done) {
      chunks.push({ offset: this.offset, ...chunk.meta });
      await this.emit(chunk.bytes);
    }
    this.rowGroups.push({ rows, chunks });
    this.rows += rows;
  }

  private learn(chunks: EncodedChunk[]): void {
    this.hints = chunks.map((c) => c.learned);
  }

  private async emit(bytes: Uint8Array): Promise<void> {
    this.hasher.update(bytes);
    await this.sink.write(bytes);
    this.offset += bytes.length;
  }

  /** Writes the last row group and the footer, and makes the file visible. */
  async close(): Promise<WriteSummary> {
    this.assertOpen();
    try {
      if (this.columns === null) {
        throw new NCFError('SCHEMA', 'ncf: cannot close a writer that has no schema: pass `schema` or write at least one input');
      }
      await this.flushRowGroup();
      while (this.inflight.length > 0) await this.emitOldest();
      const meta: FileMeta = {
        columns: this.columns,
        rows: this.rows,
        rowGroups: this.rowGroups,
        created: new Date().toISOString(),
        writer: WRITER_VERSION,
      };
      if (this.tableName !== undefined) meta.table = this.tableName;
      if (this.opts.metadata !== undefined) meta.metadata = this.opts.metadata;
      const footer = encodeFooter(meta);
      await this.emit(footer);
      const tail = new Uint8Array(16);
      const view = new DataView(tail.buffer);
      view.setUint32(0, footer.length, true);
      view.setUint32(4, chunkHash(footer), true);
      view.setUint16(8, FORMAT_MAJOR, true);
      view.setUint16(10, FORMAT_MINOR, true);
      tail.set(MAGIC, 12);
      await this.emit(tail);
      const digest = new Uint8Array(this.hasher.digest());
      await this.sink.write(digest);
      this.offset += digest.length;
      await this.sink.finish();
      this.state = 'closed';
      return { rows: this.rows, bytes: this.offset, rowGroups: this.rowGroups.length };
    } catch (e) {
      await this.fail();
      throw e;
    }
  }

  /** Abandons the file: nothing appears under the target name. */
  async abort(): Promise<void> {
    if (this.state !== 'open') return;
    await this.fail();
  }

  private async fail(): Promise<void> {
    this.state = 'failed';
    this.builders = [];
    this.inflight = [];
    await this.sink.abort().catch(() => {});
  }

  private assertOpen(): void {
    if (this.state !== 'open') {
      throw new NCFError('STATE', `ncf: writer is ${this.state}; open a new writer to write another file`);
    }
  }
}
