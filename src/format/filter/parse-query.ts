// The PostgREST filter grammar of query strings (`delay=gt.60`, `or=(a.lt.0,b.is.null)`) and of the
// CLI's --where, parsed into the filter tree. It follows PostgREST's QueryParams parser: a top-level
// value runs to the end of its parameter; inside `in.(…)` lists and logic groups a value ends at the
// next `,` or `)` unless double-quoted (with backslash escapes); whitespace around group parentheses
// and commas is skipped. Errors name the parameter and the position (a UTF-16 index into the
// parameter's value) and say what was expected.

import {
  type CompareOp,
  type Filter,
  FILTER_OPS,
  type FilterOp,
  MAX_FILTER_DEPTH,
  MAX_FILTER_NODES,
  MAX_IN_ITEMS,
  checkLimits,
  filterError,
  isFilterOp,
  quote,
} from './ast.js';

const LOGIC_KEYS = new Set(['and', 'or', 'not.and', 'not.or']);
const EXPECTED_OPS = `expected one of ${FILTER_OPS.join(', ')}`;
const IS_VALUES: Record<string, null | 'not_null' | boolean> = {
  null: null,
  not_null: 'not_null',
  true: true,
  false: false,
  // PostgreSQL's IS UNKNOWN is IS NULL on a boolean.
  unknown: null,
};

/**
 * Parses PostgREST filters from query parameters in order; parameters whose key is in `reserved`
 * (e.g. select, order, limit) are ignored. Several parameters AND together. Returns null when there
 * are none. Keys `and`, `or`, `not.and`, `not.or` are logic groups; any other key is a column name,
 * taken verbatim (URL-decoded, so spaces and unicode are fine) unless it is wholly double-quoted.
 */
export function parseQueryFilters(params: Iterable<[string, string]>, reserved?: ReadonlySet<string>): Filter | null {
  const parts: Filter[] = [];
  const budget = { nodes: 0 };
  for (const [key, value] of params) {
    if (reserved?.has(key)) continue;
    parts.push(parseParam(key, value, budget));
  }
  if (parts.length === 0) return null;
  const filter = parts.length === 1 ? parts[0]! : { and: parts };
  checkLimits(filter);
  return filter;
}

/** Parses one `column=op.value` string (as the CLI's --where takes it); `"a=b"=eq.1` quotes a name. */
export function parseWhereArg(arg: string): Filter {
  let key: string, value: string;
  if (arg.startsWith('"')) {
    const s = new Scanner(arg, arg, 0);
    key = s.quoted();
    if (s.peek() !== '=') s.fail(`expected "=" after the quoted column name`);
    value = arg.slice(s.pos + 1);
  } else {
    const eq = arg.indexOf('=');
    if (eq < 0) {
      throw filterError(`filter ${quote(arg)}: expected "column=operator.value" (e.g. delay=gt.60)`, { parameter: arg, position: 0 });
    }
    key = arg.slice(0, eq);
    value = arg.slice(eq + 1);
  }
  const filter = parseParam(key, value, { nodes: 0 });
  checkLimits(filter);
  return filter;
}

function parseParam(rawKey: string, value: string, budget: { nodes: number }): Filter {
  const key = unquoteKey(rawKey);
  const s = new Scanner(value, `${rawKey}=${value}`, 0, rawKey, budget);
  if (key.length === 0) s.fail('expected a column name before "="');
  if (LOGIC_KEYS.has(rawKey)) {
    const negate = rawKey.startsWith('not.');
    const op = negate ? rawKey.slice(4) : rawKey;
    s.skipWs();
    if (s.peek() !== '(') s.fail(`expected "(" to open the "${rawKey}" group, e.g. ${rawKey}=(a.eq.1,b.gt.2)`);
    const group = s.group(op as 'and' | 'or', 1);
    s.skipWs();
    if (!s.eof()) s.fail(`unexpected ${quote(s.rest(), 20)} after the closing ")"`);
    return negate ? s.count({ not: group }) : group;
  }
  const leaf = s.opExpr(key, 'rest');
  if (!s.eof()) s.fail(`unexpected ${quote(s.rest(), 20)} after the value`);
  return leaf;
}

/** A wholly double-quoted key names a column that may contain "=", "." and the like. */
function unquoteKey(key: string): string {
  if (key.length < 2 || !key.startsWith('"') || !key.endsWith('"')) return key;
  const s = new Scanner(key, key, 0);
  try {
    const name = s.quoted();
    return s.eof() ? name : key;
  } catch {
    return key;
  }
}

/** A cursor over one parameter value; `shown` is the `key=value` text quoted in error messages. */
class Scanner {
  pos: number;

  constructor(
    readonly s: string,
    readonly shown: string,
    pos: number,
    readonly parameter = shown,
    readonly budget = { nodes: 0 },
  ) {
    this.pos = pos;
  }

  eof(): boolean {
    return this.pos >= this.s.length;
  }
  peek(): string {
    return this.s[this.pos] ?? '';
  }
  rest(): string {
    return this.s.slice(this.pos);
  }
  startsWith(t: string): boolean {
    return this.s.startsWith(t, this.pos);
  }

  skipWs(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
  }

  fail(message: string, at = this.pos): never {
    throw filterError(`filter ${quote(this.shown, 200)}: ${message} (position ${at})`, { parameter: this.parameter, position: at });
  }

  count<F extends Filter>(f: F): F {
    if (++this.budget.nodes > MAX_FILTER_NODES) this.fail(`filter has more than ${MAX_FILTER_NODES} conditions`);
    return f;
  }

  /** `"…"` with backslash escaping the next character; the cursor is on the opening quote. */
  quoted(): string {
    const start = this.pos++;
    let out = '';
    let from = this.pos;
    for (;;) {
      if (this.eof()) this.fail('unterminated double-quoted string (no closing ")', start);
      const c = this.s[this.pos]!;
      if (c === '"') break;
      if (c === '\\') {
        out += this.s.slice(from, this.pos);
        this.pos++;
        if (this.eof()) this.fail('unterminated double-quoted string (ends after a backslash)', start);
        from = this.pos;
      }
      this.pos++;
    }
    out += this.s.slice(from, this.pos);
    this.pos++;
    return out;
  }

  /** `and(…)` / `or(…)` body, the cursor on "(": conditions separated by commas. */
  group(op: 'and' | 'or', depth: number): Filter {
    if (depth > MAX_FILTER_DEPTH) this.fail(`filter nests deeper than ${MAX_FILTER_DEPTH} levels`);
    this.pos++; // "("
    const items: Filter[] = [];
    for (;;) {
      this.skipWs();
      if (this.peek() === ')' && items.length === 0) this.fail(`expected a condition in the "${op}" group, not an empty group`);
      items.push(this.item(depth + 1));
      this.skipWs();
      const c = this.peek();
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === ')') {
        this.pos++;
        break;
      }
      if (c === '') this.fail(`expected "," or ")" but the "${op}" group is not closed`);
      this.fail(`expected "," or ")" but found ${quote(c)}`);
    }
    return this.count(op === 'and' ? { and: items } : { or: items });
  }

  /** One condition inside a group: a nested `[not.]and(…)`/`[not.]or(…)` or `column.[not.]op.value`. */
  private item(depth: number): Filter {
    for (const [prefix, op, negate] of [
      ['and(', 'and', false],
      ['or(', 'or', false],
      ['not.and(', 'and', true],
      ['not.or(', 'or', true],
    ] as const) {
      if (!this.startsWith(prefix)) continue;
      this.pos += prefix.length - 1;
      if (negate) {
        if (depth + 1 > MAX_FILTER_DEPTH) this.fail(`filter nests deeper than ${MAX_FILTER_DEPTH} levels`);
        return this.count({ not: this.group(op, depth + 1) });
      }
      return this.group(op, depth);
    }
    const column = this.field();
    if (this.peek() !== '.') {
      this.fail(
        this.eof() || this.peek() === ',' || this.peek() === ')'
          ? `expected ".operator.value" after column ${quote(column)}`
          : `expected "." after column ${quote(column)} but found ${quote(this.peek())}`,
      );
    }
    this.pos++;
    return this.opExpr(column, 'logic');
  }

  /** A column name in a group: double-quoted, or the text up to "." with surrounding blanks trimmed. */
  private field(): string {
    this.skipWs();
    const start = this.pos;
    if (this.peek() === '"') {
      const name = this.quoted();
      this.skipWs();
      if (name.length === 0) this.fail('expected a column name, found ""', start);
      return name;
    }
    while (!this.eof() && !'.,()"'.includes(this.peek())) this.pos++;
    const name = this.s.slice(start, this.pos).trim();
    if (name.length === 0) {
      this.fail(
        this.eof() ? 'expected a condition "column.operator.value"' : `expected a column name but found ${quote(this.peek())}`,
        start,
      );
    }
    return name;
  }

  /** `[not.]op.value`; in 'rest' mode the value is the remainder of the parameter. */
  opExpr(column: string, mode: 'rest' | 'logic'): Filter {
    let negate = false;
    if (this.startsWith('not.')) {
      negate = true;
      this.pos += 4;
    }
    const opStart = this.pos;
    while (!this.eof() && this.peek() !== '.' && !(mode === 'logic' && (this.peek() === ',' || this.peek() === ')'))) this.pos++;
    const op = this.s.slice(opStart, this.pos);
    if (!isFilterOp(op)) {
      if (op.length === 0) this.fail(`expected an operator; ${EXPECTED_OPS}`, opStart);
      this.fail(`unknown operator ${quote(op, 20)}; ${EXPECTED_OPS}`, opStart);
    }
    if (this.peek() !== '.') this.fail(`expected "." and a value after operator "${op}"`);
    this.pos++;
    const leaf = this.count(this.operand(column, op, mode));
    return negate ? this.count({ not: leaf }) : leaf;
  }

  private operand(column: string, op: FilterOp, mode: 'rest' | 'logic'): Filter {
    if (op === 'in') return { column, op, value: this.list() };
    if (op === 'is') {
      const start = this.pos;
      while (/[A-Za-z_]/.test(this.peek())) this.pos++;
      const word = this.s.slice(start, this.pos).toLowerCase();
      const end = mode === 'rest' ? this.eof() : this.eof() || this.peek() === ',' || this.peek() === ')';
      if (!Object.hasOwn(IS_VALUES, word) || !end) {
        let stop = this.pos;
        while (stop < this.s.length && (mode === 'rest' || (this.s[stop] !== ',' && this.s[stop] !== ')'))) stop++;
        this.fail(`operator "is" takes null, not_null, true or false, not ${quote(this.s.slice(start, stop), 20)}`, start);
      }
      return { column, op, value: IS_VALUES[word]! };
    }
    const value = mode === 'rest' ? this.restValue() : this.logicValue();
    return { column, op: op as CompareOp | 'like' | 'ilike', value };
  }

  private restValue(): string {
    const v = this.rest();
    this.pos = this.s.length;
    return v;
  }

  /** A value inside a group: quoted when followed by "," or ")", else the text up to "," or ")". */
  private logicValue(): string {
    const start = this.pos;
    if (this.peek() === '"') {
      const v = this.quoted();
      if (this.eof() || this.peek() === ',' || this.peek() === ')') return v;
      this.pos = start; // PostgREST reads `"a"b` as the raw text
    }
    while (!this.eof() && this.peek() !== ',' && this.peek() !== ')') this.pos++;
    return this.s.slice(start, this.pos);
  }

  /** `(a,b,"c,d")`: blanks around the parentheses are skipped, items are kept verbatim. */
  private list(): string[] {
    this.skipWs();
    if (this.peek() !== '(') this.fail(`expected "(" to open the in list, e.g. in.(1,2,3)`);
    this.pos++;
    this.skipWs();
    const items: string[] = [];
    if (this.peek() === ')') {
      this.pos++;
      this.skipWs();
      return items;
    }
    for (;;) {
      items.push(this.logicValue());
      if (items.length > MAX_IN_ITEMS) this.fail(`the in list has more than ${MAX_IN_ITEMS} items`);
      if (this.peek() === ',') {
        this.pos++;
        continue;
      }
      if (this.peek() === ')') {
        this.pos++;
        break;
      }
      this.fail('expected "," or ")" but the in list is not closed');
    }
    this.skipWs();
    return items;
  }
}
