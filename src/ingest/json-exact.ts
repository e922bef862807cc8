// JSON text → values with integers kept exact. JSON.parse turns every number into a double, so an
// integer beyond 2^53 (9007199254740993) is rounded before anyone sees it, and Node 20 has no access
// to the source text from a reviver. A JSON integer of up to 15 digits is always exact as a double,
// so text without a run of 16 digits takes JSON.parse (the fast path: one regex test); otherwise the
// text is checked by JSON.parse (same errors) and parsed again here, each integer lexeme of 16 or
// more digits becoming a JsonInteger that keeps its digits. Typing (json-rows.ts) and the column
// builders (value-columns.ts) read the digits: int64 when they fit, never a rounded float.

import { NCFError } from '../format/errors.js';

/** An integer lexeme (no fraction, no exponent) of 16 or more digits, as written. */
export class JsonInteger {
  constructor(readonly text: string) {}
  /** JSON text: the digits as written (see stringifyExact). */
  toString(): string {
    return this.text;
  }
}

const LONG_DIGITS = /\d{16}/;

/** Objects and arrays built by the exact parser: only these may hold a JsonInteger. */
const exactValues = new WeakSet<object>();

/** Whether v came from the exact parser (and so is written with stringifyExact). */
export function isExactValue(v: object): boolean {
  return exactValues.has(v);
}

/** Deepest nesting the exact parser follows (value-columns.ts refuses deeper values anyway). */
const MAX_DEPTH = 1000;

export function parseJson(text: string): unknown {
  const fast = JSON.parse(text) as unknown;
  if (!LONG_DIGITS.test(text)) return fast;
  return new ExactParser(text).value(0);
}

// Key order. A JavaScript object lists integer-like keys ("2020", "7") first, in numeric order,
// whatever order the text had, so {"name":"a","2020":1} would give columns 2020, name. Columns
// follow the order of first appearance (as CSV and DuckDB do), so the readers keep the text of a
// row whose keys may be integer-like (a quoted run of digits before a colon, or a \u0030-\u0039
// escape that could spell one), and the typer (json-rows.ts) reads its keys again from the text,
// in order, when the row brings a key not seen before. Other rows pay one regex test.
const INTEGER_KEY = /"\d+"\s*:|\\u003\d/;

/** Whether JavaScript's key order of the object parsed from `text` may differ from the text's. */
export function mayReorderKeys(text: string): boolean {
  return INTEGER_KEY.test(text);
}

/** The keys of the top-level object in `text` (which JSON.parse accepted), first appearance first. */
export function topLevelKeys(text: string): string[] {
  const keys = new Set<string>();
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // The closing quote: the next '"' not preceded by an odd run of backslashes.
      let j = text.indexOf('"', i + 1);
      for (;;) {
        let b = j - 1;
        while (text.charCodeAt(b) === 92) b--;
        if ((j - 1 - b) % 2 === 0) break;
        j = text.indexOf('"', j + 1);
      }
      if (depth === 1 && expectKey) {
        const raw = text.slice(i + 1, j);
        keys.add(raw.includes('\\') ? (JSON.parse(text.slice(i, j + 1)) as string) : raw);
        expectKey = false;
      }
      i = j;
    } else if (c === 123 || c === 91) {
      if (++depth === 1) expectKey = true;
    } else if (c === 125 || c === 93) depth--;
    else if (c === 44 && depth === 1) expectKey = true;
  }
  return [...keys];
}

/** A recursive-descent parser for text JSON.parse has accepted (so it checks nothing but depth). */
class ExactParser {
  private p = 0;
  constructor(private readonly s: string) {}

  private space(): void {
    const s = this.s;
    let c = s.charCodeAt(this.p);
    while (c === 32 || c === 10 || c === 13 || c === 9) c = s.charCodeAt(++this.p);
  }

  value(depth: number): unknown {
    this.space();
    const s = this.s;
    const c = s.charCodeAt(this.p);
    if (c === 123 || c === 91) {
      if (depth >= MAX_DEPTH) throw new NCFError('INPUT', `ncf: a JSON value nests more than ${MAX_DEPTH} levels deep`);
      return c === 123 ? this.object(depth + 1) : this.array(depth + 1);
    }
    if (c === 34) return this.string();
    if (c === 116) {
      this.p += 4;
      return true;
    }
    if (c === 102) {
      this.p += 5;
      return false;
    }
    if (c === 110) {
      this.p += 4;
      return null;
    }
    return this.number();
  }

  private object(depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    exactValues.add(out);
    this.p++;
    this.space();
    if (this.s.charCodeAt(this.p) === 125) {
      this.p++;
      return out;
    }
    for (;;) {
      this.space();
      const key = this.string();
      this.space();
      this.p++; // ':'
      const v = this.value(depth);
      // As JSON.parse: a repeated key keeps its last value; "__proto__" is an own property.
      Object.defineProperty(out, key, { value: v, writable: true, enumerable: true, configurable: true });
      this.space();
      if (this.s.charCodeAt(this.p++) === 125) return out;
    }
  }

  private array(depth: number): unknown[] {
    const out: unknown[] = [];
    exactValues.add(out);
    this.p++;
    this.space();
    if (this.s.charCodeAt(this.p) === 93) {
      this.p++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth));
      this.space();
      if (this.s.charCodeAt(this.p++) === 93) return out;
    }
  }

  private string(): string {
    const s = this.s;
    const start = this.p;
    let q = start + 1;
    let escaped = false;
    for (;;) {
      const c = s.charCodeAt(q++);
      if (c === 34) break;
      if (c === 92) {
        escaped = true;
        q++;
      }
    }
    this.p = q;
    return escaped ? (JSON.parse(s.slice(start, q)) as string) : s.slice(start + 1, q - 1);
  }

  private number(): number | JsonInteger {
    const s = this.s;
    const start = this.p;
    let q = start;
    let integer = true;
    for (;;) {
      const c = s.charCodeAt(q);
      if (c >= 48 && c <= 57) q++;
      else if (c === 45 || c === 43) q++;
      else if (c === 46 || c === 101 || c === 69) {
        integer = false;
        q++;
      } else break;
    }
    this.p = q;
    const text = s.slice(start, q);
    const digits = text.charCodeAt(0) === 45 ? q - start - 1 : q - start;
    return integer && digits >= 16 ? new JsonInteger(text) : Number(text);
  }
}

/** JSON.stringify that writes a JsonInteger's digits as they came (for nested values stored as text). */
export function stringifyExact(v: unknown): string {
  if (v instanceof JsonInteger) return v.text;
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : stringifyExact(x))).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const parts: string[] = [];
    for (const [k, x] of Object.entries(v)) if (x !== undefined) parts.push(`${JSON.stringify(k)}:${stringifyExact(x)}`);
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(v);
}
