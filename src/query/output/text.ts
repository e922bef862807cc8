// Text answer formats, streamed batch by batch: NDJSON, CSV and the JSON document
// {"columns":[{name,type}],"rows":[...],"rowCount":n,"next":url|null}.

import type * as arrow from 'apache-arrow';
import { fromArrowType } from '../../format/arrow-types.js';
import { csvRenderer, jsonRenderer, type Render } from './values.js';

function fieldKeys(schema: arrow.Schema): string[] {
  return schema.fields.map((f) => JSON.stringify(f.name));
}

/** One string per batch, one JSON object per line. */
export function ndjsonBatch(batch: arrow.RecordBatch): string {
  const keys = fieldKeys(batch.schema);
  const renders = batch.data.children.map((d) => jsonRenderer(d));
  return rowsAsObjects(batch.numRows, keys, renders, '\n', '\n');
}

function rowsAsObjects(n: number, keys: string[], renders: Render[], sep: string, end: string): string {
  if (n === 0) return '';
  // Each column's text before its value, `{"a":` then `,"b":`; one growing string (a rope V8
  // flattens once) is cheaper than per-row strings joined.
  const prefixes = keys.map((k, c) => (c === 0 ? '{' : ',') + k + ':');
  const m = keys.length;
  let out = '';
  for (let i = 0; i < n; i++) {
    if (i > 0) out += sep;
    for (let c = 0; c < m; c++) out += prefixes[c]! + renders[c]!(i);
    out += m === 0 ? '{}' : '}';
  }
  return out + end;
}

export function csvHeader(schema: arrow.Schema): string {
  return schema.fields.map((f) => (/[",\r\n]/.test(f.name) || f.name.trim() !== f.name ? `"${f.name.replace(/"/g, '""')}"` : f.name)).join(',') + '\r\n';
}

export function csvBatch(batch: arrow.RecordBatch, safe = false): string {
  const renders = batch.data.children.map((d) => csvRenderer(d, safe));
  const m = renders.length;
  let out = '';
  for (let i = 0; i < batch.numRows; i++) {
    for (let c = 0; c < m; c++) out += c === 0 ? renders[c]!(i) : ',' + renders[c]!(i);
    out += '\r\n';
  }
  return out;
}

/** The JSON document's opening, up to and including `"rows":[`. */
export function jsonOpen(schema: arrow.Schema): string {
  const columns = schema.fields.map((f) => {
    let type: string;
    try { type = fromArrowType(f.type, f.name).type; } catch { type = String(f.type); }
    return { name: f.name, type };
  });
  return `{"columns":${JSON.stringify(columns)},"rows":[`;
}

/** A batch's rows as JSON objects; `first` says whether a row was already written. */
export function jsonRows(batch: arrow.RecordBatch, first: boolean): string {
  const keys = fieldKeys(batch.schema);
  const renders = batch.data.children.map((d) => jsonRenderer(d));
  const body = rowsAsObjects(batch.numRows, keys, renders, ',', '');
  return body === '' ? '' : (first ? '' : ',') + body;
}

export function jsonClose(rowCount: number, next: string | null): string {
  return `],"rowCount":${rowCount},"next":${JSON.stringify(next)}}`;
}
