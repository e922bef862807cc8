// Text answer formats, streamed in bounded pieces: NDJSON, CSV and the JSON document
// {"columns":[{name,type}],"rows":[...],"rowCount":n,"next":url|null}. Rows are rendered into a
// buffer handed out every TEXT_CHUNK_CHARS characters, and a value too large to hold as one string
// (a multi-megabyte text cell, which JSON escaping can grow sixfold) is rendered piece by piece, so
// no string ever holds a whole batch or a whole large value: any stored table renders, whatever its
// batch and value sizes (V8 strings end at 2^29 − 24 characters).

import type * as arrow from 'apache-arrow';
import { fromArrowType } from '../../format/arrow-types.js';
import { csvCells, csvSafeText, jsonCells, type Cells } from './values.js';

/** Characters of text collected before they are handed out as one Buffer. */
export const TEXT_CHUNK_CHARS = 64 * 1024;

/** Collects text; `take` hands it out as a Buffer. */
class Chunker {
  private acc = '';
  add(s: string): void {
    this.acc += s;
  }
  get full(): boolean {
    return this.acc.length >= TEXT_CHUNK_CHARS;
  }
  get empty(): boolean {
    return this.acc.length === 0;
  }
  take(): Buffer {
    const b = Buffer.from(this.acc);
    this.acc = '';
    return b;
  }
}

/** How one format lays out a row: the text before each column's value, after the row, between rows. */
interface RowLayout {
  before: string[];
  /** Text of a row without columns (JSON `{}`). */
  emptyRow: string;
  after: string;
  between: string;
}

function objectLayout(schema: arrow.Schema, between: string, after: string): RowLayout {
  // Each column's text before its value: `{"a":` then `,"b":`.
  const before = schema.fields.map((f, c) => (c === 0 ? '{' : ',') + JSON.stringify(f.name) + ':');
  return { before, emptyRow: '{}', after: before.length === 0 ? after : '}' + after, between };
}

/** Rows [0, n) of `cells` laid out by `layout`, as Buffers of about TEXT_CHUNK_CHARS; `first` says
 *  whether no row was written before (else the first row is preceded by `between`). The last,
 *  partial piece is flushed too. */
function* renderRows(n: number, cells: Cells[], layout: RowLayout, first: boolean): Generator<Buffer> {
  const out = new Chunker();
  const { before, after, between } = layout;
  const m = cells.length;
  for (let i = 0; i < n; i++) {
    if (i > 0 || !first) out.add(between);
    if (m === 0) out.add(layout.emptyRow);
    for (let c = 0; c < m; c++) {
      out.add(before[c]!);
      const cell = cells[c]!;
      const pieces = cell.pieces(i);
      if (pieces === null) {
        out.add(cell.render(i));
      } else {
        for (const p of pieces) {
          out.add(p);
          if (out.full) yield out.take();
        }
      }
    }
    out.add(after);
    if (out.full) yield out.take();
  }
  if (!out.empty) yield out.take();
}

const NDJSON_LAYOUT = (schema: arrow.Schema): RowLayout => objectLayout(schema, '', '\n');
const JSON_LAYOUT = (schema: arrow.Schema): RowLayout => objectLayout(schema, ',', '');

/** A batch as NDJSON lines (one JSON object and "\n" per row), in bounded pieces. */
export function ndjsonChunks(batch: arrow.RecordBatch): Generator<Buffer> {
  return renderRows(batch.numRows, batch.data.children.map(jsonCells), NDJSON_LAYOUT(batch.schema), true);
}

/** A batch as CSV records, in bounded pieces; `safe` guards text cells against formula injection. */
export function csvChunks(batch: arrow.RecordBatch, safe = false): Generator<Buffer> {
  const before = batch.schema.fields.map((_, c) => (c === 0 ? '' : ','));
  const layout: RowLayout = { before, emptyRow: '', after: '\r\n', between: '' };
  return renderRows(
    batch.numRows,
    batch.data.children.map((d) => csvCells(d, safe)),
    layout,
    true,
  );
}

/** A batch's rows as the members of the JSON document's "rows" array, in bounded pieces; `first` says
 *  whether no row was written before. */
export function jsonRowChunks(batch: arrow.RecordBatch, first: boolean): Generator<Buffer> {
  return renderRows(batch.numRows, batch.data.children.map(jsonCells), JSON_LAYOUT(batch.schema), first);
}

function joined(chunks: Iterable<Buffer>): string {
  let s = '';
  for (const c of chunks) s += c.toString('utf8');
  return s;
}

/** One string per batch, one JSON object per line (for small batches: the CLI, tests). */
export function ndjsonBatch(batch: arrow.RecordBatch): string {
  return joined(ndjsonChunks(batch));
}

export function csvBatch(batch: arrow.RecordBatch, safe = false): string {
  return joined(csvChunks(batch, safe));
}

/** A batch's rows as JSON objects; `first` says whether a row was already written. */
export function jsonRows(batch: arrow.RecordBatch, first: boolean): string {
  return joined(jsonRowChunks(batch, first));
}

/** The CSV header line; with `safe`, names a spreadsheet would run as formulas are guarded too (column
 *  names are uploaded text like any cell). */
export function csvHeader(schema: arrow.Schema, safe = false): string {
  return (
    schema.fields
      .map((f) => {
        const name = safe ? csvSafeText(f.name) : f.name;
        return /[",\r\n]/.test(name) || name.trim() !== name ? `"${name.replace(/"/g, '""')}"` : name;
      })
      .join(',') + '\r\n'
  );
}

/** The JSON document's opening, up to and including `"rows":[`. */
export function jsonOpen(schema: arrow.Schema): string {
  const columns = schema.fields.map((f) => {
    let type: string;
    try {
      type = fromArrowType(f.type, f.name).type;
    } catch {
      type = String(f.type);
    }
    return { name: f.name, type };
  });
  return `{"columns":${JSON.stringify(columns)},"rows":[`;
}

export function jsonClose(rowCount: number, next: string | null): string {
  return `],"rowCount":${rowCount},"next":${JSON.stringify(next)}}`;
}
