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
  const parts: string[] = [];
  const m = keys.length;
  for (let i = 0; i < n; i++) {
    let line = '{';
    for (let c = 0; c < m; c++) {
      if (c > 0) line += ',';
      line += keys[c]! + ':' + renders[c]!(i);
    }
    parts.push(line + '}');
  }
  return parts.length === 0 ? '' : parts.join(sep) + end;
}

export function csvHeader(schema: arrow.Schema): string {
  return schema.fields.map((f) => (/[",\r\n]/.test(f.name) || f.name.trim() !== f.name ? `"${f.name.replace(/"/g, '""')}"` : f.name)).join(',') + '\r\n';
}

export function csvBatch(batch: arrow.RecordBatch, safe = false): string {
  const renders = batch.data.children.map((d) => csvRenderer(d, safe));
  const m = renders.length;
  const parts: string[] = [];
  for (let i = 0; i < batch.numRows; i++) {
    let line = '';
    for (let c = 0; c < m; c++) {
      if (c > 0) line += ',';
      line += renders[c]!(i);
    }
    parts.push(line);
  }
  return parts.length === 0 ? '' : parts.join('\r\n') + '\r\n';
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
