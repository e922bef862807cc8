// RFC 4180 tokenizing over raw bytes: finds record and field boundaries without making strings.
// Fields are reported as [start, end) offsets into the caller's buffer (inside the quotes for quoted
// fields) plus a flag saying whether "" escapes need undoing. Only complete records are taken, so
// a record cut by a chunk boundary is left for the next call with more bytes.

import { NCFError } from '../format/errors.js';

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/** Field flags. */
export const UNQUOTED = 0;
export const QUOTED = 1;
/** Quoted and containing "" escapes: the bytes need unescaping. */
export const ESCAPED = 2;

/** Field positions of up to `cap` records of `cols` fields, reused across calls. */
export class CsvTokens {
  readonly cols: number;
  readonly cap: number;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly flags: Uint8Array;
  /** 1-based line on which each record starts. */
  readonly lines: Float64Array;
  count = 0;

  constructor(cols: number, cap: number) {
    this.cols = cols;
    this.cap = cap;
    this.starts = new Int32Array(cols * cap);
    this.ends = new Int32Array(cols * cap);
    this.flags = new Uint8Array(cols * cap);
    this.lines = new Float64Array(cap);
  }
}

/** Line counter carried between calls (the line at the tokenizer's current position). */
export interface LineState {
  line: number;
}

function inputError(line: number, message: string, details: Record<string, unknown> = {}): NCFError {
  return new NCFError('INPUT', `ncf: CSV line ${line}: ${message}`, { line, ...details });
}

/**
 * Takes complete records from buf[pos, buf.length) into `t` (at most `limit` <= t.cap) and returns the offset
 * after the last one taken. Unless `final`, a record that may continue past the buffer is left
 * alone. Blank lines are skipped. A record whose field count differs from t.cols is an INPUT error.
 */
export function tokenize(
  buf: Uint8Array,
  pos: number,
  final: boolean,
  delim: number,
  t: CsvTokens,
  st: LineState,
  limit: number = t.cap,
): number {
  const end = buf.length;
  const cols = t.cols;
  const starts = t.starts,
    ends = t.ends,
    flags = t.flags;
  let line = st.line;
  let n = 0;
  let p = pos;
  records: while (n < limit && p < end) {
    const recStart = p;
    const recLine = line;
    let c = buf[p]!;
    if (c === LF || c === CR) {
      // blank line
      if (c === CR) {
        if (p + 1 < end) p += buf[p + 1] === LF ? 2 : 1;
        else if (final) p++;
        else break;
      } else p++;
      line++;
      continue;
    }
    const base = n * cols;
    let f = 0;
    for (;;) {
      let fs: number, fe: number, fl: number;
      if (p < end && buf[p] === QUOTE) {
        fs = p + 1;
        fl = QUOTED;
        let q = fs;
        for (;;) {
          const k = buf.indexOf(QUOTE, q);
          if (k < 0) {
            if (final) throw inputError(recLine, 'a quoted field is not closed before the end of the input');
            p = recStart;
            line = recLine;
            break records;
          }
          if (k + 1 < end) {
            if (buf[k + 1] === QUOTE) {
              fl = ESCAPED;
              q = k + 2;
              continue;
            }
          } else if (!final) {
            p = recStart;
            line = recLine;
            break records;
          }
          fe = k;
          p = k + 1;
          break;
        }
        for (let i = fs; i < fe; i++) if (buf[i] === LF) line++;
        if (p < end) {
          c = buf[p]!;
          if (c !== delim && c !== LF && c !== CR) {
            throw inputError(
              line,
              `unexpected character ${JSON.stringify(String.fromCharCode(c))} after a closing quote (field ${f + 1}); quotes inside a quoted field must be doubled`,
              { field: f + 1 },
            );
          }
        }
      } else {
        fs = p;
        while (p < end) {
          c = buf[p]!;
          if (c === delim || c === LF || c === CR) break;
          p++;
        }
        fe = p;
        fl = UNQUOTED;
        if (p === end && !final) {
          p = recStart;
          line = recLine;
          break records;
        }
      }
      if (f < cols) {
        starts[base + f] = fs;
        ends[base + f] = fe;
        flags[base + f] = fl;
      }
      f++;
      if (p === end) break;
      c = buf[p]!;
      if (c === delim) {
        p++;
        continue;
      }
      if (c === LF) p++;
      else if (p + 1 < end) p += buf[p + 1] === LF ? 2 : 1;
      else if (final) p++;
      else {
        p = recStart;
        line = recLine;
        break records;
      }
      line++;
      break;
    }
    if (f !== cols) {
      throw inputError(recLine, `expected ${cols} fields (as in the header) but found ${f}`, { expected: cols, actual: f });
    }
    t.lines[n] = recLine;
    n++;
  }
  t.count = n;
  st.line = line;
  return p;
}

/** Offset of the end of the first record (its terminator), honouring quotes; -1 if not in buf. */
export function findRecordEnd(buf: Uint8Array, pos: number): number {
  let inQuotes = false;
  for (let p = pos; p < buf.length; p++) {
    const c = buf[p];
    if (c === QUOTE) inQuotes = !inQuotes;
    else if (!inQuotes && (c === LF || c === CR)) return p;
  }
  return -1;
}

/** Delimiters sniffed from the header, in tie-break order. */
const CANDIDATES = [0x2c, 0x09, 0x3b, 0x7c]; // , \t ; |

/** The candidate delimiter occurring most often outside quotes in the header; ',' when none does. */
export function sniffDelimiter(buf: Uint8Array, s: number, e: number): number {
  const counts = [0, 0, 0, 0];
  let inQuotes = false;
  for (let p = s; p < e; p++) {
    const c = buf[p];
    if (c === QUOTE) inQuotes = !inQuotes;
    else if (!inQuotes) {
      const i = CANDIDATES.indexOf(c!);
      if (i >= 0) counts[i]!++;
    }
  }
  let best = 0;
  for (let i = 1; i < 4; i++) if (counts[i]! > counts[best]!) best = i;
  return CANDIDATES[best]!;
}

/** Splits one record buf[s, e) into field byte ranges (unescaped copies); for the header only. */
export function splitRecord(buf: Uint8Array, s: number, e: number, delim: number, line: number): Uint8Array[] {
  const fields: Uint8Array[] = [];
  let p = s;
  for (;;) {
    if (p < e && buf[p] === QUOTE) {
      const bytes: number[] = [];
      p++;
      for (;;) {
        if (p >= e) throw inputError(line, 'a quoted header field is not closed');
        const c = buf[p]!;
        if (c === QUOTE) {
          if (buf[p + 1] === QUOTE && p + 1 < e) {
            bytes.push(QUOTE);
            p += 2;
            continue;
          }
          p++;
          break;
        }
        bytes.push(c);
        p++;
      }
      if (p < e && buf[p] !== delim) throw inputError(line, 'unexpected character after a closing quote in the header');
      fields.push(Uint8Array.from(bytes));
    } else {
      const fs = p;
      while (p < e && buf[p] !== delim) p++;
      fields.push(buf.slice(fs, p));
    }
    if (p >= e) return fields;
    p++; // delimiter
  }
}

/** Copies a quoted field's bytes into dst at `at`, turning each "" into "; returns the new end. */
export function unescapeInto(buf: Uint8Array, s: number, e: number, dst: Uint8Array, at: number): number {
  for (let p = s; p < e; p++) {
    const c = buf[p]!;
    dst[at++] = c;
    if (c === QUOTE) p++;
  }
  return at;
}

/** Length of a quoted field after unescaping. */
export function unescapedLength(buf: Uint8Array, s: number, e: number): number {
  let n = e - s;
  for (let p = s; p < e; p++)
    if (buf[p] === QUOTE) {
      n--;
      p++;
    }
  return n;
}
