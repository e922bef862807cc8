// A sliding byte window over a ByteSource for the CSV tokenizer: keeps the unconsumed tail of the
// previous chunk in front of the next one, strips the UTF-8 BOM, reads the header record, and checks
// that the bytes are UTF-8. The window only grows past one chunk for a single record longer than a
// chunk, so memory stays bounded whatever the file size.

import { isUtf8 } from 'node:buffer';
import { NCFError } from '../format/errors.js';
import type { ByteSource } from './source.js';
import { type CsvTokens, findRecordEnd, sniffDelimiter, splitRecord, tokenize, type LineState } from './csv-tokenize.js';

const LF = 0x0a;
const CR = 0x0d;

export interface CsvHeader {
  /** Column names, made unique and non-empty. */
  names: string[];
  delimiter: number;
}

export class CsvScanner {
  private readonly it: AsyncIterator<Uint8Array>;
  private work = new Uint8Array(0);
  private len = 0;
  private pos = 0;
  /** Bytes before this offset in `work` have passed the UTF-8 check. */
  private checked = 0;
  private final = false;
  private started = false;
  readonly state: LineState = { line: 1 };
  private readonly checkUtf8: boolean;
  private readonly maxRecord: number;
  /** Bytes of the source dropped before work[0] (so `offset` is absolute within the source). */
  private dropped = 0;
  /** The source is a range of the input that ends before the input does (csv-parallel.ts): a
   *  record cut by its end is left (see `leftover`) rather than taken as the input's last. */
  private readonly interior: boolean;

  /** `maxRecordBytes`: the longest record (in bytes) the window may grow to hold (LIMIT beyond).
   *  `range`: the source is a range starting at a record boundary past the header (no BOM there),
   *  either `inner` (more input follows) or the `tail` of the input. */
  constructor(src: ByteSource, checkUtf8: boolean, maxRecordBytes = Number.MAX_SAFE_INTEGER, range: 'whole' | 'inner' | 'tail' = 'whole') {
    this.it = src()[Symbol.asyncIterator]();
    this.checkUtf8 = checkUtf8;
    this.maxRecord = maxRecordBytes;
    this.interior = range === 'inner';
    this.started = range !== 'whole';
  }

  /** Offset in the source of the next record (after the header and the records taken). */
  get offset(): number {
    return this.dropped + this.pos;
  }

  /** Bytes after the last record taken; with an interior range at its end, 0 when the range ended
   *  exactly on a record boundary. */
  get leftover(): number {
    return this.len - this.pos;
  }

  /** Stops reading the source early (closes a file stream). */
  async close(): Promise<void> {
    await this.it.return?.();
  }

  private async fill(): Promise<void> {
    const r = await this.it.next();
    const rest = this.len - this.pos;
    if (r.done) {
      this.final = true;
      this.verify(this.len);
      return;
    }
    const chunk = r.value;
    if (rest > this.maxRecord) {
      throw new NCFError(
        'LIMIT',
        `ncf: CSV line ${this.state.line}: a record longer than ${this.maxRecord} bytes (NCF_MAX_BATCH_BYTES); is a quote left open?`,
        { line: this.state.line, limit: 'NCF_MAX_BATCH_BYTES', maxBytes: this.maxRecord },
      );
    }
    const need = rest + chunk.length;
    if (need > this.work.length) {
      const grown = new Uint8Array(Math.max(need, this.work.length * 2, 1 << 16));
      grown.set(this.work.subarray(this.pos, this.len));
      this.work = grown;
    } else {
      this.work.copyWithin(0, this.pos, this.len);
    }
    this.dropped += this.pos;
    this.checked = Math.max(0, this.checked - this.pos);
    this.work.set(chunk, rest);
    this.len = need;
    this.pos = 0;
    if (!this.started && this.len >= 3) {
      this.started = true;
      if (this.work[0] === 0xef && this.work[1] === 0xbb && this.work[2] === 0xbf) this.pos = 3;
    }
    // The last character may be cut by the chunk end: check up to its lead byte, the rest next time.
    // (The tokenizer never takes those bytes before then: they belong to an unfinished record.)
    let safe = this.len;
    if (safe > 0 && this.work[safe - 1]! >= 0x80) {
      let q = safe - 1;
      while (q > this.checked && q > safe - 4 && (this.work[q]! & 0xc0) === 0x80) q--;
      safe = q;
    }
    this.verify(safe);
  }

  private verify(upTo: number): void {
    if (!this.checkUtf8 || upTo <= this.checked) return;
    const from = Math.max(this.checked, this.pos);
    if (!isUtf8(this.work.subarray(from, upTo))) {
      const bad = firstInvalidUtf8(this.work, from, upTo);
      let line = this.state.line;
      for (let p = this.pos; p < bad; p++) if (this.work[p] === LF) line++;
      throw new NCFError('INPUT', `ncf: CSV line ${line}: the input is not valid UTF-8 (byte 0x${this.work[bad]!.toString(16)})`, { line });
    }
    this.checked = upTo;
  }

  /** Reads the header record; `delimiter` (a byte) overrides sniffing. */
  async header(delimiter: number | undefined): Promise<CsvHeader> {
    let end = -1;
    for (;;) {
      end = findRecordEnd(this.view(), this.pos);
      if (end >= 0 || this.final) break;
      await this.fill();
    }
    if (end < 0) end = this.len;
    if (end === this.pos && this.final && end === this.len) {
      throw new NCFError('INPUT', 'ncf: CSV input is empty; a header row with the column names is required', { line: 1 });
    }
    const buf = this.work;
    const delim = delimiter ?? sniffDelimiter(buf, this.pos, end);
    const raw = splitRecord(buf, this.pos, end, delim, 1);
    const decoder = new TextDecoder('utf-8', { fatal: true });
    let names: string[];
    try {
      names = raw.map((b) => decoder.decode(b));
    } catch {
      throw new NCFError('INPUT', 'ncf: CSV line 1: the header is not valid UTF-8', { line: 1 });
    }
    for (let p = this.pos; p < end; p++) if (buf[p] === LF) this.state.line++;
    // Step over the terminator (CRLF, LF or CR); may need one more byte to see a CRLF's LF.
    if (end < this.len && buf[end] === CR && end + 1 >= this.len && !this.final) {
      this.pos = end;
      await this.fill();
      end = this.pos;
    }
    const b = this.work;
    if (end < this.len) {
      end += b[end] === CR && b[end + 1] === LF && end + 1 < this.len ? 2 : 1;
      this.state.line++;
    }
    this.pos = end;
    return { names: uniqueNames(names), delimiter: delim };
  }

  private view(): Uint8Array {
    return this.work.subarray(0, this.len);
  }

  /** Fills `t` with the next records (at most `limit`, fewer at chunk ends); 0 at the end of the input. */
  async next(t: CsvTokens, delimiter: number, limit: number = t.cap): Promise<number> {
    for (;;) {
      if (this.pos < this.len || this.final) {
        const p = tokenize(this.view(), this.pos, this.final && !this.interior, delimiter, t, this.state, limit);
        this.pos = p;
        if (t.count > 0 || this.final) return t.count;
      }
      await this.fill();
    }
  }

  /** The window the last `next` tokenized; field offsets index into it. */
  get buffer(): Uint8Array {
    return this.work;
  }
}

/** Names kept verbatim; an empty one becomes column_<i> (1-based); repeats get _2, _3, ... */
export function uniqueNames(raw: readonly string[]): string[] {
  const named = raw.map((n, i) => (n === '' ? `column_${i + 1}` : n));
  const used = new Set(named);
  const seen = new Set<string>();
  return named.map((n) => {
    if (!seen.has(n)) {
      seen.add(n);
      return n;
    }
    let k = 2;
    while (used.has(`${n}_${k}`)) k++;
    const name = `${n}_${k}`;
    used.add(name);
    seen.add(name);
    return name;
  });
}

/** Offset of the first byte where UTF-8 decoding fails in buf[s, e) (slow path, errors only). */
function firstInvalidUtf8(buf: Uint8Array, s: number, e: number): number {
  let p = s;
  while (p < e) {
    const c = buf[p]!;
    const n = c < 0x80 ? 0 : c >= 0xc2 && c < 0xe0 ? 1 : c >= 0xe0 && c < 0xf0 ? 2 : c >= 0xf0 && c < 0xf5 ? 3 : -1;
    if (n < 0 || p + n >= e) return p;
    for (let k = 1; k <= n; k++) if ((buf[p + k]! & 0xc0) !== 0x80) return p;
    p += n + 1;
  }
  return s;
}
