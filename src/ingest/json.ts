// JSON (a top-level array of objects) → Arrow record batches without holding the whole text: a
// small state machine tracks strings, escapes and nesting depth to cut out each top-level element,
// which is then JSON.parse'd on its own. Typing as for NDJSON (json-rows.ts).

import type * as arrow from 'apache-arrow';
import { NCFError } from '../format/errors.js';
import { readRows, type RowChunk } from './json-rows.js';
import { checkBatchRows } from './options.js';
import { mayReorderKeys, parseJson } from './json-exact.js';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from './limits.js';
import type { SchemaOverride } from './schema-override.js';
import type { ByteSource } from './source.js';

const enum Phase {
  /** Before the opening '['. */
  Start,
  /** After '[': an element or ']'. */
  First,
  /** After an element: ',' or ']'. */
  AfterElement,
  /** After ',': an element. */
  AfterComma,
  /** Inside an element (depth > 0). */
  Element,
  /** After the closing ']': only whitespace. */
  Done,
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

function inputError(line: number, message: string): NCFError {
  return new NCFError('INPUT', `ncf: JSON line ${line}: ${message}`, { line });
}

/** What a value starting with character code c is, for messages. */
function startKind(c: number): string {
  if (c === 91) return 'an array';
  if (c === 123) return 'an object';
  if (c === 34) return 'a string';
  if (c === 116 || c === 102) return 'a boolean';
  if (c === 110) return 'null';
  if (c === 45 || (c >= 48 && c <= 57)) return 'a number';
  return `the character ${JSON.stringify(String.fromCharCode(c))}`;
}

export async function* jsonArrayRows(src: ByteSource, maxElement = Number.MAX_SAFE_INTEGER): AsyncGenerator<RowChunk> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let phase = Phase.Start;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let line = 1;
  let elemLine = 1;
  let elemCount = 0;
  let pending = ''; // the current element's text from earlier chunks
  const decode = (chunk?: Uint8Array): string => {
    try {
      return chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
    } catch {
      throw inputError(line, 'the input is not valid UTF-8');
    }
  };
  const finishElement = (text: string, out: RowChunk): void => {
    let v: unknown;
    try {
      v = parseJson(text);
    } catch (e) {
      if (e instanceof NCFError)
        throw new NCFError(e.code, e.message.replace('ncf: ', `ncf: JSON line ${elemLine}: `), { ...e.details, line: elemLine });
      throw inputError(elemLine, `invalid JSON in array element ${elemCount} (${(e as Error).message})`);
    }
    out.rows.push(v as Record<string, unknown>);
    out.lines.push(elemLine);
    out.texts.push(mayReorderKeys(text) ? text : null);
  };

  const scan = (text: string): RowChunk => {
    const out: RowChunk = { rows: [], lines: [], texts: [] };
    let elemStart = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) line++;
      if (phase === Phase.Element) {
        if (inString) {
          if (escaped) escaped = false;
          else if (c === 92) escaped = true;
          else if (c === 34) inString = false;
        } else if (c === 34) inString = true;
        else if (c === 123 || c === 91) depth++;
        else if (c === 125 || c === 93) {
          if (--depth === 0) {
            finishElement(pending + text.slice(elemStart, i + 1), out);
            pending = '';
            phase = Phase.AfterElement;
          }
        }
        continue;
      }
      if (isSpace(c)) continue;
      switch (phase) {
        case Phase.Start:
          if (c !== 91) throw inputError(line, `expected a JSON array of objects but the input starts with ${startKind(c)}`);
          phase = Phase.First;
          break;
        case Phase.First:
        case Phase.AfterComma:
          if (c === 93 && phase === Phase.First) {
            phase = Phase.Done;
            break;
          }
          elemCount++;
          if (c !== 123) throw inputError(line, `array element ${elemCount} is ${startKind(c)}; expected an array of objects`);
          phase = Phase.Element;
          depth = 1;
          elemStart = i;
          elemLine = line;
          break;
        case Phase.AfterElement:
          if (c === 44) phase = Phase.AfterComma;
          else if (c === 93) phase = Phase.Done;
          else
            throw inputError(
              line,
              `expected ',' or ']' after array element ${elemCount} but found ${JSON.stringify(String.fromCharCode(c))}`,
            );
          break;
        case Phase.Done:
          throw inputError(line, `unexpected ${JSON.stringify(String.fromCharCode(c))} after the closing ']'`);
      }
    }
    if (phase === Phase.Element) {
      pending += text.slice(elemStart);
      if (pending.length > maxElement) {
        throw new NCFError(
          'LIMIT',
          `ncf: JSON line ${elemLine}: array element ${elemCount} is longer than ${maxElement} characters (NCF_MAX_BATCH_BYTES)`,
          { line: elemLine, limit: 'NCF_MAX_BATCH_BYTES', maxBytes: maxElement },
        );
      }
    }
    return out;
  };

  for await (const chunk of src()) {
    const out = scan(decode(chunk));
    if (out.rows.length > 0) yield out;
  }
  const out = scan(decode());
  if (out.rows.length > 0) yield out;
  if (phase === Phase.Start) throw inputError(line, 'the input is empty; expected a JSON array of objects');
  if (phase !== Phase.Done) throw inputError(line, "the input ends before the array's closing ']'");
}

export async function* readJsonArray(
  src: ByteSource,
  opts: { schema?: SchemaOverride; batchRows?: number; limits?: DecodeLimits } = {},
): AsyncGenerator<arrow.RecordBatch> {
  const batchRows = checkBatchRows(opts.batchRows);
  const limits = opts.limits ?? DEFAULT_DECODE_LIMITS;
  // One element must fit a batch.
  const maxElement = Math.max(limits.maxBatchBytes, limits.maxValueBytes);
  yield* readRows(() => jsonArrayRows(src, maxElement), { label: 'JSON', unit: 'line' }, { ...opts, batchRows });
}
