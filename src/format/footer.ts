// The footer (FORMAT.md §8): its in-memory shape, msgpack encoding, and the validation a reader runs
// before trusting any number in it (FORMAT.md §9 items 2–4).

import { decode, encode } from '@msgpack/msgpack';
import { z } from 'zod';
import { HEADER_LENGTH, MAX_COLUMNS } from './constants.js';
import { check, corrupt, NCFError, unsupported } from './errors.js';
import { DATA_TYPES, TIME_UNITS, type ColumnSchema } from './schema.js';
import type { FooterStats } from './stats.js';

export interface ChunkMeta extends FooterStats {
  offset: number;
  length: number;
  rawLength: number;
  encoding: string;
  codec: string;
  hash: number;
}

export interface RowGroupMeta {
  rows: number;
  chunks: ChunkMeta[];
}

export interface FileMeta {
  table?: string;
  columns: ColumnSchema[];
  rows: number;
  rowGroups: RowGroupMeta[];
  created: string;
  writer: string;
  metadata?: Record<string, string>;
}

export function encodeFooter(meta: FileMeta): Uint8Array {
  return encode(meta, { ignoreUndefined: true });
}

const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const bytes = z.instanceof(Uint8Array);

const chunkSchema = z.object({
  offset: count,
  length: count,
  rawLength: count,
  encoding: z.string(),
  codec: z.string(),
  hash: z.number().int().min(0).max(0xffffffff),
  nulls: count,
  min: bytes.optional(),
  max: bytes.optional(),
  minExact: z.boolean().optional(),
  maxExact: z.boolean().optional(),
  distinct: count.optional(),
  nans: count.optional(),
  sorted: z.boolean().optional(),
});

const columnSchema = z.object({
  name: z.string().min(1),
  type: z.string(),
  nullable: z.boolean(),
  semanticType: z.string().optional(),
  description: z.string().optional(),
  unit: z.string().optional(),
  timezone: z.string().optional(),
});

const footerSchema = z.object({
  table: z.string().optional(),
  columns: z.array(columnSchema).min(1),
  rows: count,
  rowGroups: z.array(z.object({ rows: count, chunks: z.array(chunkSchema) })),
  created: z.string(),
  writer: z.string(),
  metadata: z.record(z.string(), z.string()).optional(),
});

export interface FooterLimits {
  /** Largest chunk body a reader will allocate. */
  maxChunkBytes: number;
  /** Most rows a row group may claim: decoders allocate arrays of that many values. */
  maxRowGroupRows: number;
}

/** Decodes and validates a footer. `dataEnd` is the footer's offset: chunks must lie before it. */
export function decodeFooter(buf: Uint8Array, dataEnd: number, limits: FooterLimits): FileMeta {
  let raw: unknown;
  try {
    raw = decode(buf, {
      maxStrLength: 1 << 20,
      maxBinLength: 1 << 20,
      maxArrayLength: 1 << 24,
      maxMapLength: 1 << 16,
      maxExtLength: 0,
    });
  } catch (e) {
    throw corrupt(`footer is not valid msgpack (${(e as Error).message})`);
  }
  const parsed = footerSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw corrupt(`footer field ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const f = parsed.data;
  if (f.columns.length > MAX_COLUMNS) {
    throw new NCFError('LIMIT', `ncf: the footer lists ${f.columns.length} columns, more than the reader limit of ${MAX_COLUMNS}`);
  }
  const columns: ColumnSchema[] = f.columns.map((c) => {
    if (!(DATA_TYPES as readonly string[]).includes(c.type)) {
      throw unsupported(`column "${c.name}" has type "${c.type}", which this reader does not know`, { column: c.name, columnType: c.type });
    }
    const col: ColumnSchema = { name: c.name, type: c.type as ColumnSchema['type'], nullable: c.nullable };
    if (c.semanticType !== undefined) col.semanticType = c.semanticType;
    if (c.description !== undefined) col.description = c.description;
    if (c.type === 'timestamp') {
      const unit = c.unit ?? 'us';
      if (!(TIME_UNITS as readonly string[]).includes(unit)) throw unsupported(`column "${c.name}" has time unit "${unit}"`);
      col.unit = unit as ColumnSchema['unit'];
      if (c.timezone !== undefined) col.timezone = c.timezone;
    }
    return col;
  });
  const names = new Set(columns.map((c) => c.name));
  check(names.size === columns.length, 'footer lists a column name twice');
  let total = 0;
  f.rowGroups.forEach((rg, g) => {
    total += rg.rows;
    if (rg.rows > limits.maxRowGroupRows) {
      throw new NCFError('LIMIT', `ncf: row group ${g} claims ${rg.rows} rows, more than the reader limit of ${limits.maxRowGroupRows}`);
    }
    check(
      rg.chunks.length === columns.length,
      `row group ${g} has ${rg.chunks.length} chunks, expected one per column (${columns.length})`,
    );
    rg.chunks.forEach((c, i) => {
      const what = `row group ${g}, column "${columns[i]!.name}"`;
      check(
        c.offset >= HEADER_LENGTH && c.offset + c.length <= dataEnd,
        `${what}: chunk [${c.offset}, ${c.offset + c.length}) lies outside the data section [${HEADER_LENGTH}, ${dataEnd})`,
      );
      check(c.nulls <= rg.rows, `${what}: ${c.nulls} nulls in a row group of ${rg.rows} rows`);
      // Statistics are shown to clients (/stats) and drive pruning: a count beyond the rows is a lie.
      check(c.nans === undefined || c.nans <= rg.rows - c.nulls, `${what}: ${c.nans} NaNs among ${rg.rows - c.nulls} non-null values`);
      check(c.distinct === undefined || c.distinct <= rg.rows, `${what}: ${c.distinct} distinct values in a row group of ${rg.rows} rows`);
      // A sorted chunk has no NaN (FORMAT.md §7); the order itself is checked when a filter relies on it.
      check(c.sorted !== true || !(c.nans! > 0), `${what}: marked sorted but holds ${c.nans} NaNs`);
      if (c.rawLength > limits.maxChunkBytes) {
        throw new NCFError('LIMIT', `ncf: ${what}: chunk body of ${c.rawLength} bytes exceeds the reader limit of ${limits.maxChunkBytes}`);
      }
    });
  });
  check(total === f.rows, `row groups hold ${total} rows, footer says ${f.rows}`);
  const meta: FileMeta = { columns, rows: f.rows, rowGroups: f.rowGroups, created: f.created, writer: f.writer };
  if (f.table !== undefined) meta.table = f.table;
  if (f.metadata !== undefined) meta.metadata = f.metadata;
  return meta;
}
