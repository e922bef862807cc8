// NDJSON (one JSON object per line; blank lines skipped) → Arrow record batches, in two passes
// over the source (see json-rows.ts for the typing rules).

import type * as arrow from 'apache-arrow';
import { NCFError } from '../format/errors.js';
import { checkBatchRows } from './options.js';
import { mayReorderKeys, parseJson } from './json-exact.js';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from './limits.js';
import { readRows, type RowChunk } from './json-rows.js';
import type { SchemaOverride } from './schema-override.js';
import type { ByteSource } from './source.js';

export function describeJson(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

/** Parses one line's text, pushing the object to `out`; errors name the line. */
function parseLine(text: string, line: number, out: RowChunk): void {
  let v: unknown;
  try {
    v = parseJson(text);
  } catch (e) {
    if (e instanceof NCFError) throw new NCFError(e.code, e.message.replace('ncf: ', `ncf: NDJSON line ${line}: `), { ...e.details, line });
    throw new NCFError('INPUT', `ncf: NDJSON line ${line}: invalid JSON (${(e as Error).message})`, { line });
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new NCFError('INPUT', `ncf: NDJSON line ${line}: expected a JSON object but found ${describeJson(v)}`, { line });
  }
  out.rows.push(v as Record<string, unknown>);
  out.lines.push(line);
  out.texts.push(mayReorderKeys(text) ? text : null);
}

/** Whether a line has only JSON whitespace (blank lines are skipped). */
function isBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

/** Parsed rows, one chunk per chunk of input. JSON strings cannot hold a raw newline, so every
 *  '\n' ends a line. */
export async function* ndjsonRows(src: ByteSource, maxLine = Number.MAX_SAFE_INTEGER): AsyncGenerator<RowChunk> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let rest = '';
  let line = 1;
  const decode = (chunk?: Uint8Array): string => {
    try {
      return chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
    } catch {
      throw new NCFError('INPUT', `ncf: NDJSON line ${line}: the input is not valid UTF-8`, { line });
    }
  };
  for await (const chunk of src()) {
    const text = rest + decode(chunk);
    const out: RowChunk = { rows: [], lines: [], texts: [] };
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      const s = text.slice(start, nl);
      if (!isBlank(s)) parseLine(s, line, out);
      line++;
      start = nl + 1;
    }
    rest = text.slice(start);
    if (rest.length > maxLine) {
      throw new NCFError('LIMIT', `ncf: NDJSON line ${line}: longer than ${maxLine} characters (NCF_MAX_BATCH_BYTES)`, {
        line,
        limit: 'NCF_MAX_BATCH_BYTES',
        maxBytes: maxLine,
      });
    }
    if (out.rows.length > 0) yield out;
  }
  const out: RowChunk = { rows: [], lines: [], texts: [] };
  const last = rest + decode();
  if (!isBlank(last)) parseLine(last, line, out);
  if (out.rows.length > 0) yield out;
}

export async function* readNdjson(
  src: ByteSource,
  opts: { schema?: SchemaOverride; batchRows?: number; limits?: DecodeLimits } = {},
): AsyncGenerator<arrow.RecordBatch> {
  const batchRows = checkBatchRows(opts.batchRows);
  const limits = opts.limits ?? DEFAULT_DECODE_LIMITS;
  // One line must fit a batch.
  const maxLine = Math.max(limits.maxBatchBytes, limits.maxValueBytes);
  yield* readRows(() => ndjsonRows(src, maxLine), { label: 'NDJSON', unit: 'line' }, { ...opts, batchRows });
}
