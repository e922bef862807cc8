// LIKE / ILIKE patterns (PostgREST `like.` / `ilike.`), compiled once per filter and matched against
// UTF-8 rows in place. `*` and `%` match any sequence, `_` one character, a backslash makes the next
// character literal; the pattern is anchored at both ends, as in PostgreSQL. Case-sensitive patterns
// without `_` are matched as byte segments (a literal never starts on a UTF-8 continuation byte, so
// byte matches land on character boundaries); the others walk code points, folding case for ILIKE with
// simple (one code point to one code point) lowercase mapping.

const ANY = -1;
const ONE = -2;
const encoder = new TextEncoder();

export interface LikePattern {
  caseInsensitive: boolean;
  /** Byte segments between `%` runs (case-sensitive patterns without `_`), else null. */
  segments: Uint8Array[] | null;
  anchoredStart: boolean;
  anchoredEnd: boolean;
  /** Code points (folded for ILIKE), ANY (-1) for `%`/`*`, ONE (-2) for `_`. */
  tokens: Int32Array;
  /** UTF-8 of the literal text before the first wildcard; only set for case-sensitive patterns. */
  prefix: Uint8Array;
}

/** Compiles a pattern; returns an error message instead when it ends in an escaping backslash. */
export function compileLike(pattern: string, caseInsensitive: boolean): LikePattern | string {
  const tokens: number[] = [];
  let escaped = false;
  for (const ch of pattern) {
    let cp = ch.codePointAt(0)!;
    // A lone surrogate is stored as U+FFFD by the UTF-8 encoder, so match it as that.
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    if (escaped) {
      tokens.push(caseInsensitive ? foldCodePoint(cp) : cp);
      escaped = false;
      continue;
    }
    if (ch === '\\') {
      escaped = true;
      continue;
    }
    if (ch === '*' || ch === '%') {
      if (tokens[tokens.length - 1] !== ANY) tokens.push(ANY);
      continue;
    }
    if (ch === '_') {
      tokens.push(ONE);
      continue;
    }
    tokens.push(caseInsensitive ? foldCodePoint(cp) : cp);
  }
  if (escaped) return 'a like pattern must not end with an escaping backslash';
  let prefixEnd = 0;
  while (prefixEnd < tokens.length && tokens[prefixEnd]! >= 0) prefixEnd++;
  const prefix = caseInsensitive ? new Uint8Array(0) : encodeCodePoints(tokens.slice(0, prefixEnd));
  let segments: Uint8Array[] | null = null;
  if (!caseInsensitive && !tokens.includes(ONE)) {
    segments = [];
    let run: number[] = [];
    for (const t of tokens) {
      if (t === ANY) {
        if (run.length > 0) segments.push(encodeCodePoints(run));
        run = [];
      } else run.push(t);
    }
    if (run.length > 0 || tokens.length === 0) segments.push(encodeCodePoints(run));
  }
  return {
    caseInsensitive,
    segments,
    prefix,
    anchoredStart: tokens[0] !== ANY,
    anchoredEnd: tokens.length === 0 || tokens[tokens.length - 1] !== ANY,
    tokens: Int32Array.from(tokens),
  };
}

/** Whether the UTF-8 text data[start, end) matches the pattern. */
export function likeMatch(p: LikePattern, data: Uint8Array, start: number, end: number): boolean {
  return p.segments !== null
    ? matchSegments(p.segments, p.anchoredStart, p.anchoredEnd, data, start, end)
    : matchTokens(p.tokens, p.caseInsensitive, data, start, end);
}

function matchSegments(
  segs: Uint8Array[],
  anchoredStart: boolean,
  anchoredEnd: boolean,
  data: Uint8Array,
  start: number,
  end: number,
): boolean {
  let first = 0;
  let last = segs.length - 1;
  let pos = start;
  let limit = end;
  if (anchoredStart && anchoredEnd && last === 0) {
    const s = segs[0]!;
    return end - start === s.length && occursAt(data, start, s);
  }
  if (anchoredStart) {
    const s = segs[0]!;
    if (limit - pos < s.length || !occursAt(data, pos, s)) return false;
    pos += s.length;
    first = 1;
  }
  if (anchoredEnd) {
    const s = segs[last]!;
    if (limit - pos < s.length || !occursAt(data, limit - s.length, s)) return false;
    limit -= s.length;
    last--;
  }
  // Between the anchors, the leftmost occurrence of each segment leaves the most room for the rest.
  for (let k = first; k <= last; k++) {
    const s = segs[k]!;
    let at = pos;
    const stop = limit - s.length;
    while (at <= stop && !occursAt(data, at, s)) at++;
    if (at > stop) return false;
    pos = at + s.length;
  }
  return true;
}

function occursAt(data: Uint8Array, at: number, s: Uint8Array): boolean {
  for (let j = 0; j < s.length; j++) if (data[at + j] !== s[j]) return false;
  return true;
}

/** Wildcard matching over code points with backtracking to the last `%` only (linear space). */
function matchTokens(tokens: Int32Array, fold: boolean, data: Uint8Array, start: number, end: number): boolean {
  const m = tokens.length;
  let p = 0;
  let s = start;
  let starP = -1;
  let starS = start;
  while (s < end) {
    const len = charLength(data, s, end);
    if (p < m) {
      const t = tokens[p]!;
      if (t === ANY) {
        starP = ++p;
        starS = s;
        continue;
      }
      if (t === ONE || t === (fold ? foldCodePoint(codePointAt(data, s, len)) : codePointAt(data, s, len))) {
        p++;
        s += len;
        continue;
      }
    }
    if (starP < 0) return false;
    // Let the last `%` swallow one more character and retry from there.
    p = starP;
    starS += charLength(data, starS, end);
    s = starS;
  }
  while (p < m && tokens[p] === ANY) p++;
  return p === m;
}

/** Bytes in the UTF-8 sequence at s (1 for a stray continuation byte), clamped to end. */
function charLength(data: Uint8Array, s: number, end: number): number {
  const b = data[s]!;
  const len = b < 0xc0 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
  return s + len <= end ? len : end - s;
}

function codePointAt(data: Uint8Array, s: number, len: number): number {
  const b = data[s]!;
  switch (len) {
    case 1:
      return b < 0x80 ? b : -3; // a stray byte matches only `_` and `%`
    case 2:
      return ((b & 0x1f) << 6) | (data[s + 1]! & 0x3f);
    case 3:
      return ((b & 0x0f) << 12) | ((data[s + 1]! & 0x3f) << 6) | (data[s + 2]! & 0x3f);
    default:
      return ((b & 0x07) << 18) | ((data[s + 1]! & 0x3f) << 12) | ((data[s + 2]! & 0x3f) << 6) | (data[s + 3]! & 0x3f);
  }
}

const foldCache = new Map<number, number>();

/** Simple lowercase of one code point: the full mapping when it is a single code point, else itself. */
export function foldCodePoint(cp: number): number {
  if (cp < 0x80) return cp >= 0x41 && cp <= 0x5a ? cp + 32 : cp;
  if (cp > 0x10ffff) return cp;
  let f = foldCache.get(cp);
  if (f === undefined) {
    const lower = String.fromCodePoint(cp).toLowerCase();
    const l = lower.codePointAt(0)!;
    f = lower.length === (l > 0xffff ? 2 : 1) ? l : cp;
    foldCache.set(cp, f);
  }
  return f;
}

function encodeCodePoints(cps: number[]): Uint8Array {
  let s = '';
  for (const cp of cps) s += String.fromCodePoint(cp);
  return encoder.encode(s);
}
