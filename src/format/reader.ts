// NCFReader: opens a file with one range read from the end (FORMAT.md §1), prunes row groups with
// chunk statistics, fetches only the chunks a projection and filter need (adjacent ranges coalesced),
// and yields Arrow record batches.

import * as arrow from 'apache-arrow';
import { columnsToRecordBatch, schemaToArrow } from './arrow.js';
import { DictionaryUnifier } from './arrow-dictionary.js';
import type { ColumnData } from './column.js';
import {
  FOOTER_PREFETCH,
  FORMAT_MAJOR,
  HEADER_LENGTH,
  MAGIC,
  MAX_CHUNK_BYTES,
  MAX_FOOTER_LENGTH,
  MAX_ROW_GROUP_ROWS,
  TAIL_LENGTH,
} from './constants.js';
import { check, corrupt, NCFError, unsupported } from './errors.js';
import {
  bindFilter,
  canSkip,
  evaluate,
  filterColumnIndexes,
  parseFilterJson,
  parseWhereArg,
  type BoundFilter,
  type Filter,
} from './filter/index.js';
import { decodeFooter, type ChunkMeta, type FileMeta } from './footer.js';
import { chunkHash, fileHasher } from './integrity.js';
import type { RandomAccessSource } from './io.js';
import { BufferSource } from './io.js';
import { physicalOf, type ColumnSchema, type Schema } from './schema.js';
import { mergeChunkStats, statsFromFooter, type ChunkStats, type StatValue } from './stats.js';
import { takeRows } from './take.js';
import type { ChunkCache } from './chunk-cache.js';
import { decodeParallel } from './parallel/pool.js';

export interface ReaderOptions {
  /** Largest chunk body this reader will allocate (default 1 GiB). */
  maxChunkBytes?: number;
  /** Keeps decoded chunks for later scans; share one among readers of immutable files. */
  chunkCache?: ChunkCache;
}

let nextReaderId = 1;

export interface ReadOptions {
  /** Column names to return, in this order (default: all, in schema order). */
  columns?: string[];
  /** A filter tree, or PostgREST strings like 'delay=gt.60' (several are ANDed). */
  where?: Filter | string | string[] | null;
  /** Rows to skip after filtering. */
  offset?: number;
  /** Most rows to return. */
  limit?: number;
  /** Stop when this signal aborts (the scan throws the signal's reason). */
  signal?: AbortSignal;
  /** Only these row groups; default all. Pruned again with the filter, when there is one. */
  rowGroups?: readonly number[];
  /** What plan() or prune() returned: the scan reads exactly these row groups with this bound filter,
   *  without binding `where` again or re-checking statistics (`where` and `rowGroups` are then unused). */
  plan?: Pick<FilePruning, 'rowGroups' | 'bound'>;
  /** Row groups loaded and decoded ahead of the consumer (default 3, at least 1). Each is held in
   *  memory until consumed: a consumer that may stall (an answer streamed to a slow client) asks
   *  for 1, so that it holds the group being sent and the next one only. */
  readAhead?: number;
  /** Return string and binary columns stored with the `dict` encoding in every row group as Arrow
   *  Dictionary<Int32, Utf8|Binary> vectors: the codes and each row group's own dictionary, with no
   *  per-row strings (default false: plain Utf8/Binary, as `arrowSchema` says). The row groups'
   *  dictionaries are folded into one per scan that only grows (arrow-dictionary.ts), so an IPC
   *  stream of the batches holds delta dictionary batches only (docs/FORMAT.md §"Dictionaries in Arrow"). */
  dictionaries?: boolean;
}

/** A filter bound to this file's columns and the row groups its statistics cannot rule out. */
export interface FilePruning {
  rowGroups: number[];
  total: number;
  bound: BoundFilter | null;
}

export interface ScanInfo {
  rowGroupsScanned: number;
  rowGroupsTotal: number;
  bytesRead: number;
}

export interface ColumnStats extends ChunkStats {
  name: string;
  type: ColumnSchema['type'];
}

export interface TableStats {
  rows: number;
  columns: ColumnStats[];
  rowGroups: { rows: number; columns: ColumnStats[] }[];
}

// Chunks closer than this are fetched in one read: cheaper than a second request on object storage.
const COALESCE_GAP = 64 * 1024;
const PREFETCH = 3;

export class NCFReader {
  readonly meta: FileMeta;
  readonly schema: Schema;
  readonly arrowSchema: arrow.Schema;
  readonly size: number;
  /** What the last read() or scan() touched: pruning and projection made visible. */
  lastScan: ScanInfo = { rowGroupsScanned: 0, rowGroupsTotal: 0, bytesRead: 0 };
  private readonly id = nextReaderId++;
  private readonly cache: ChunkCache | null;
  private readonly statsMemo: ChunkStats[][] = [];
  /** Per column: its Arrow dictionary type when every chunk is a `dict` string/binary chunk, else null. */
  private dictTypes: (arrow.Dictionary | null)[] | null = null;

  private constructor(
    private readonly source: RandomAccessSource,
    meta: FileMeta,
    private readonly owned: boolean,
    cache?: ChunkCache,
  ) {
    this.cache = cache ?? null;
    this.meta = meta;
    this.size = source.size;
    this.schema = meta.table === undefined ? { columns: meta.columns } : { tableName: meta.table, columns: meta.columns };
    this.arrowSchema = schemaToArrow(meta.columns, meta.table);
  }

  /** Opens a local path, an in-memory file, or any random-access source (object storage, ...). */
  static async open(target: string | Uint8Array | RandomAccessSource, opts: ReaderOptions = {}): Promise<NCFReader> {
    let source: RandomAccessSource;
    let owned = false;
    if (typeof target === 'string') {
      const { FileSource } = await import('../io/file-source.js');
      source = await FileSource.open(target);
      owned = true;
    } else if (target instanceof Uint8Array) {
      source = new BufferSource(target);
    } else {
      source = target;
    }
    try {
      const meta = await readFooter(source, opts.maxChunkBytes ?? MAX_CHUNK_BYTES);
      return new NCFReader(source, meta, owned, opts.chunkCache);
    } catch (e) {
      if (owned) await source.close?.();
      throw e;
    }
  }

  get rowCount(): number {
    return this.meta.rows;
  }

  get columns(): ColumnSchema[] {
    return this.meta.columns;
  }

  /** Statistics per column (merged over row groups) and per row group. */
  stats(): TableStats {
    const cols = this.meta.columns;
    const rowGroups = this.meta.rowGroups.map((rg, g) => ({
      rows: rg.rows,
      columns: rg.chunks.map((_c, i) => ({ name: cols[i]!.name, type: cols[i]!.type, ...this.chunkStats(g, i) })),
    }));
    const columns = cols.map((col, i) =>
      mergeStats(
        col,
        rowGroups.map((rg) => rg.columns[i]!),
      ),
    );
    return { rows: this.meta.rows, columns, rowGroups };
  }

  /** Decoded once per chunk: every query's pruning reads them, and the footer never changes.
   *  Shared between callers, so treated as read-only. */
  private chunkStats(g: number, i: number): ChunkStats {
    const row = (this.statsMemo[g] ??= []);
    let s = row[i];
    if (s === undefined) {
      const col = this.meta.columns[i]!;
      s = row[i] = statsFromFooter(col.type, this.meta.rowGroups[g]!.chunks[i]!, `row group ${g}, column "${col.name}"`);
    }
    return s;
  }

  /** Reads matching rows into one Arrow Table. */
  async read(opts: ReadOptions = {}): Promise<arrow.Table> {
    const batches: arrow.RecordBatch[] = [];
    for await (const batch of this.scan(opts)) {
      batches.push(batch);
    }
    if (batches.length === 0) return new arrow.Table(this.projectedSchema(opts.columns, opts.dictionaries));
    return new arrow.Table(batches);
  }

  /** The Arrow schema a read with this projection returns (with `dictionaries`, as ReadOptions says). */
  projectedSchema(columns?: string[], dictionaries = false): arrow.Schema {
    const idx = this.resolveColumns(columns);
    return new arrow.Schema(
      idx.map((i) => {
        const f = this.arrowSchema.fields[i]!;
        const type = dictionaries ? this.dictionaryType(i) : null;
        return type === null ? f : new arrow.Field(f.name, type, f.nullable, f.metadata);
      }),
      this.arrowSchema.metadata,
    );
  }

  /** Column i's Arrow dictionary type, or null when some chunk is not a `dict` string/binary chunk:
   *  one type (and dictionary id) per column, so every batch of every scan agrees. */
  private dictionaryType(i: number): arrow.Dictionary | null {
    if (this.dictTypes === null) {
      this.dictTypes = this.meta.columns.map((col, c) => {
        const groups = this.meta.rowGroups;
        if (physicalOf(col.type) !== 'bytes' || groups.length === 0 || !groups.every((rg) => rg.chunks[c]!.encoding === 'dict'))
          return null;
        const entries = this.arrowSchema.fields[c]!.type as arrow.Utf8 | arrow.Binary;
        return new arrow.Dictionary(entries, new arrow.Int32());
      });
    }
    return this.dictTypes[i]!;
  }

  /** The row groups a scan with this filter would read: those the statistics cannot rule out.
   *  Costs no I/O beyond the footer, so a server can report pruning before streaming. */
  plan(where?: ReadOptions['where']): FilePruning {
    return this.prune(this.bindWhere(where));
  }

  /** plan() for a filter already bound to columns laid out as this file's (every file of a table
   *  version is: same names, order and types), so a query over many files binds its filter once. */
  prune(bound: BoundFilter | null): FilePruning {
    const rowGroups: number[] = [];
    this.meta.rowGroups.forEach((rg, g) => {
      if (bound === null || !canSkip(bound, (i) => this.chunkStats(g, i), rg.rows)) rowGroups.push(g);
    });
    return { rowGroups, total: this.meta.rowGroups.length, bound };
  }

  /** Streams matching rows as Arrow record batches, one per row group that has matches. */
  async *scan(opts: ReadOptions = {}): AsyncGenerator<arrow.RecordBatch> {
    const projection = this.resolveColumns(opts.columns);
    // A plan from plan()/prune() is trusted: its filter is bound and its row groups already pruned.
    const planned = opts.plan;
    const bound = planned !== undefined ? planned.bound : this.bindWhere(opts.where);
    const filterCols = bound === null ? [] : filterColumnIndexes(bound);
    let toSkip = checkCount(opts.offset, 'offset') ?? 0;
    let remaining = checkCount(opts.limit, 'limit') ?? Infinity;
    const outSchema = this.projectedSchema(opts.columns, opts.dictionaries);
    const outCols = projection.map((i) => this.meta.columns[i]!);
    // Each scan counts its own bytes: a shared reader may run several scans at once.
    const info: ScanInfo = { rowGroupsScanned: 0, rowGroupsTotal: this.meta.rowGroups.length, bytesRead: 0 };
    this.lastScan = info;
    const needed = [...new Set([...filterCols, ...projection])].sort((a, b) => a - b);
    // One dictionary per dictionary column for the whole scan, growing batch by batch.
    const unifiers = outSchema.fields.map((f) => (arrow.DataType.isDictionary(f.type) ? new DictionaryUnifier(f.type) : null));

    // Which row groups to read is known up front: statistics prune with a filter; without one,
    // offset and limit select whole groups. That lets the next group load while this one is used.
    const groups: number[] = [];
    let skipRows = toSkip,
      wantRows = remaining;
    for (const g of planned?.rowGroups ?? opts.rowGroups ?? this.meta.rowGroups.map((_, i) => i)) {
      if (!Number.isInteger(g) || g < 0 || g >= this.meta.rowGroups.length) {
        throw new NCFError('STATE', `ncf: row group ${g} does not exist (the file has ${this.meta.rowGroups.length})`);
      }
      const rows = this.meta.rowGroups[g]!.rows;
      if (bound !== null) {
        if (planned !== undefined || !canSkip(bound, (i) => this.chunkStats(g, i), rows)) groups.push(g);
        continue;
      }
      if (wantRows <= 0) break;
      if (skipRows >= rows) {
        skipRows -= rows;
        toSkip -= rows;
        continue;
      }
      groups.push(g);
      wantRows -= rows - skipRows;
      skipRows = 0;
    }

    const firstCols = bound === null ? needed : filterCols;
    // Loads run PREFETCH groups ahead, so the worker pool always has chunks to decode; memory stays
    // bounded by that many decoded row groups.
    const ahead: Promise<Map<number, ColumnData>>[] = [];
    const readAhead = Math.max(1, Math.floor(opts.readAhead ?? PREFETCH));
    let queued = 0;
    const fill = (): void => {
      while (queued < groups.length && ahead.length < readAhead) {
        const p = this.load(groups[queued++]!, firstCols, info);
        p.catch(() => {});
        ahead.push(p);
      }
    };
    fill();
    try {
      for (let k = 0; k < groups.length && remaining > 0; k++) {
        const g = groups[k]!;
        const rg = this.meta.rowGroups[g]!;
        opts.signal?.throwIfAborted();
        const decoded = await ahead.shift()!;
        fill();
        info.rowGroupsScanned++;
        let selection: Uint32Array | null = null;
        let n = rg.rows;
        if (bound !== null) {
          // Chunks the footer marks sorted let comparisons binary-search (FORMAT.md §7).
          selection = evaluate(
            bound,
            (i) => decoded.get(i)!,
            rg.rows,
            (i) => rg.chunks[i]!.sorted === true,
          );
          n = selection.length;
          if (n === 0 || n <= toSkip) {
            toSkip -= n;
            continue;
          }
          const rest = needed.filter((i) => !decoded.has(i));
          for (const [i, data] of await this.load(g, rest, info)) decoded.set(i, data);
        }
        // Apply offset/limit to the selection before gathering, so skipped rows are never copied.
        let from = 0,
          to = n;
        if (toSkip > 0) {
          from = toSkip;
          toSkip = 0;
        }
        if (to - from > remaining) to = from + remaining;
        remaining -= to - from;
        if (selection !== null) {
          const sel = from === 0 && to === n ? selection : selection.subarray(from, to);
          const columns = projection.map((i) => (sel.length === rg.rows ? decoded.get(i)! : takeRows(decoded.get(i)!, sel)));
          yield columnsToRecordBatch(outSchema, outCols, columns, sel.length, unifiers);
        } else {
          const columns = projection.map((i) => decoded.get(i)!);
          const batch = columnsToRecordBatch(outSchema, outCols, columns, rg.rows, unifiers);
          yield from === 0 && to === rg.rows ? batch : batch.slice(from, to);
        }
      }
    } finally {
      // A consumer that stops early leaves loads in flight; they finish quietly (errors already caught).
      ahead.length = 0;
    }
  }

  /** Fetches and decodes some chunks of one row group (decoding on the worker pool), through the
   *  chunk cache when there is one. */
  private async load(g: number, cols: number[], info: ScanInfo): Promise<Map<number, ColumnData>> {
    const rg = this.meta.rowGroups[g]!;
    const out = new Map<number, ColumnData>();
    const missing: number[] = [];
    for (const i of cols) {
      const hit = this.cache?.get(`${this.id}/${g}/${i}`);
      if (hit !== undefined) out.set(i, hit);
      else missing.push(i);
    }
    const stored = await this.fetchChunks(g, missing, info);
    await Promise.all(
      [...stored].map(async ([i, bytes]) => {
        const col = this.meta.columns[i]!;
        const data = await decodeParallel({
          col,
          meta: rg.chunks[i]!,
          stored: bytes,
          n: rg.rows,
          what: `row group ${g}, column "${col.name}"`,
          // Dictionary chunks stay codes until something needs their rows (dict-column.ts).
          codes: true,
        });
        this.cache?.set(`${this.id}/${g}/${i}`, data);
        out.set(i, data);
      }),
    );
    return out;
  }

  /** Reads the stored bytes of the given chunks of one row group, coalescing nearby ranges. */
  private async fetchChunks(g: number, cols: number[], info: ScanInfo): Promise<Map<number, Uint8Array>> {
    const out = new Map<number, Uint8Array>();
    if (cols.length === 0) return out;
    const chunks = this.meta.rowGroups[g]!.chunks;
    const order = [...cols].sort((a, b) => chunks[a]!.offset - chunks[b]!.offset);
    let runStart = 0;
    while (runStart < order.length) {
      let runEnd = runStart + 1;
      let end = chunkEnd(chunks[order[runStart]!]!);
      while (runEnd < order.length && chunks[order[runEnd]!]!.offset - end <= COALESCE_GAP) {
        end = Math.max(end, chunkEnd(chunks[order[runEnd]!]!));
        runEnd++;
      }
      const begin = chunks[order[runStart]!]!.offset;
      const bytes = await this.source.read(begin, end - begin);
      info.bytesRead += end - begin;
      for (let k = runStart; k < runEnd; k++) {
        const c = chunks[order[k]!]!;
        out.set(order[k]!, bytes.subarray(c.offset - begin, c.offset - begin + c.length));
      }
      runStart = runEnd;
    }
    return out;
  }

  private resolveColumns(columns?: string[]): number[] {
    if (columns === undefined) return this.meta.columns.map((_, i) => i);
    const byName = new Map(this.meta.columns.map((c, i) => [c.name, i]));
    return columns.map((name) => {
      const i = byName.get(name);
      if (i === undefined) {
        throw new NCFError(
          'UNKNOWN_COLUMN',
          `ncf: unknown column "${name}"; the table has ${this.meta.columns.map((c) => `"${c.name}"`).join(', ')}`,
          { column: name },
        );
      }
      return i;
    });
  }

  private bindWhere(where: ReadOptions['where']): BoundFilter | null {
    if (where === undefined || where === null) return null;
    let filter: Filter;
    if (typeof where === 'string') filter = parseWhereArg(where);
    else if (Array.isArray(where)) {
      if (where.length === 0) return null;
      filter = where.length === 1 ? parseWhereArg(where[0]!) : { and: where.map((w) => parseWhereArg(w)) };
    } else filter = parseFilterJson(where);
    return bindFilter(filter, this.meta.columns);
  }

  /** Checks the SHA-256 trailer over the whole file and the header; throws CHECKSUM_MISMATCH or CORRUPT_FILE. */
  async validateChecksum(): Promise<void> {
    const hash = fileHasher();
    const end = this.size - 32;
    const step = 4 << 20;
    for (let p = 0; p < end; p += step) {
      const bytes = await this.source.read(p, Math.min(step, end - p));
      if (p === 0) checkHeader(bytes);
      hash.update(bytes);
    }
    const expected = await this.source.read(end, 32);
    const actual = new Uint8Array(hash.digest());
    for (let k = 0; k < 32; k++) {
      if (actual[k] !== expected[k]) {
        throw new NCFError(
          'CHECKSUM_MISMATCH',
          `ncf: SHA-256 of the file is ${hex(actual)}, trailer says ${hex(expected)}: the file is corrupt`,
        );
      }
    }
  }

  async close(): Promise<void> {
    if (this.owned) await this.source.close?.();
  }
}

function chunkEnd(c: ChunkMeta): number {
  return c.offset + c.length;
}

function checkCount(v: number | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isSafeInteger(v) || v < 0) throw new NCFError('FILTER', `ncf: ${name} must be a non-negative integer, got ${v}`);
  return v;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

function checkHeader(bytes: Uint8Array): void {
  check(bytes.length >= HEADER_LENGTH, 'file is shorter than its header');
  for (let k = 0; k < 4; k++) check(bytes[k] === MAGIC[k], 'header magic is not "NCF1": this is not an NCF file');
  const major = bytes[4]! | (bytes[5]! << 8);
  const minor = bytes[6]! | (bytes[7]! << 8);
  if (major > FORMAT_MAJOR) throw unsupported(`file format version ${major}.${minor} is newer than this reader (${FORMAT_MAJOR}.x)`);
}

async function readFooter(source: RandomAccessSource, maxChunkBytes: number): Promise<FileMeta> {
  const size = source.size;
  if (size < HEADER_LENGTH + TAIL_LENGTH) {
    throw corrupt(`file is ${size} bytes, shorter than the smallest NCF file (${HEADER_LENGTH + TAIL_LENGTH})`);
  }
  const prefetch = Math.min(size, FOOTER_PREFETCH);
  let tailBytes = await source.read(size - prefetch, prefetch);
  if (prefetch === size) checkHeader(tailBytes);
  const t = tailBytes.length - TAIL_LENGTH;
  const view = new DataView(tailBytes.buffer, tailBytes.byteOffset, tailBytes.byteLength);
  for (let k = 0; k < 4; k++) {
    check(tailBytes[t + 12 + k] === MAGIC[k], 'tail magic is not "NCF1": not an NCF file, or truncated');
  }
  const footerLength = view.getUint32(t, true);
  const footerCrc = view.getUint32(t + 4, true);
  const major = view.getUint16(t + 8, true);
  const minor = view.getUint16(t + 10, true);
  if (major > FORMAT_MAJOR) throw unsupported(`file format version ${major}.${minor} is newer than this reader (${FORMAT_MAJOR}.x)`);
  if (prefetch === size) {
    check(
      tailBytes[4]! + (tailBytes[5]! << 8) === major && tailBytes[6]! + (tailBytes[7]! << 8) === minor,
      `header version ${tailBytes[4]! + (tailBytes[5]! << 8)}.${tailBytes[6]! + (tailBytes[7]! << 8)} differs from tail version ${major}.${minor}`,
    );
  }
  const footerOffset = size - TAIL_LENGTH - footerLength;
  check(
    footerLength <= MAX_FOOTER_LENGTH && footerOffset >= HEADER_LENGTH,
    `footer length ${footerLength} does not fit a ${size}-byte file`,
  );
  let footer: Uint8Array;
  if (footerLength <= t) {
    footer = tailBytes.subarray(t - footerLength, t);
  } else {
    footer = await source.read(footerOffset, footerLength);
  }
  const actualCrc = chunkHash(footer);
  if (actualCrc !== footerCrc) {
    throw new NCFError(
      'CHECKSUM_MISMATCH',
      `ncf: footer CRC-32 is ${actualCrc.toString(16)}, tail says ${footerCrc.toString(16)}: the file is corrupt`,
    );
  }
  tailBytes = new Uint8Array(0);
  return decodeFooter(footer, footerOffset, { maxChunkBytes, maxRowGroupRows: MAX_ROW_GROUP_ROWS });
}

/** File-level statistics of a column, merged from its chunks; `distinct` only when exact (one chunk). */
function mergeStats(col: ColumnSchema, chunks: ColumnStats[]): ColumnStats {
  const { distinct, distinctExact, ...merged } = mergeChunkStats(col.type, chunks);
  const out: ColumnStats = { name: col.name, type: col.type, ...merged };
  if (distinctExact && distinct !== undefined) out.distinct = distinct;
  return out;
}

export type { StatValue };
