// 64-bit integers without BigInt: parsers hand back a value as two 32-bit halves in `i64`, which
// callers store into an Int32Array view of the column's BigInt64Array (little-endian, as Arrow).
// Every step is exact double arithmetic, so no value is rounded and nothing is allocated.

/** Result registers: `lo` and `hi` are the low and high 32 bits (as int32 bit patterns). */
export const i64 = { lo: 0, hi: 0 };

const TWO32 = 4294967296;
const TWO52 = 4503599627370496;

/** Sets i64 to a safe integer v (|v| < 2^53). Floor division yields two's complement directly. */
export function setI64(v: number): void {
  const hi = Math.floor(v / TWO32);
  i64.hi = hi | 0;
  i64.lo = (v - hi * TWO32) | 0;
}

/** Sets i64 to the unsigned s*m + a (s < 2^42, m < 2^30, 0 <= a < 2^52); false when it reaches 2^64. */
function setMulAdd(s: number, m: number, a: number): boolean {
  const sHi = Math.floor(s / 2097152); // 2^21
  const sLo = s - sHi * 2097152;
  const p = sHi * m; // < 2^51, exact
  const q = sLo * m + a; // < 2^52, exact
  const pHi = Math.floor(p / 2048); // p * 2^21 = pHi * 2^32 + pLo * 2^21
  const pLo = p - pHi * 2048;
  const low = pLo * 2097152 + q; // < 2^53, exact
  const carry = Math.floor(low / TWO32);
  const hi = pHi + carry;
  if (hi >= TWO32) return false;
  i64.lo = (low - carry * TWO32) | 0;
  i64.hi = hi | 0;
  return true;
}

/** Two's-complement negation of the unsigned value in i64. */
function negateI64(): void {
  const lo = i64.lo >>> 0;
  const hi = i64.hi >>> 0;
  i64.lo = (TWO32 - lo) | 0;
  i64.hi = (TWO32 - hi - (lo !== 0 ? 1 : 0)) | 0;
}

/**
 * Sets i64 to the signed s*m + a where s is an integer, m a positive unit multiplier (<= 1e9) and
 * 0 <= a < m; false when the result does not fit int64. Used for timestamps (seconds * unit + fraction).
 */
export function setScaled(s: number, m: number, a: number): boolean {
  const prod = s * m;
  if (prod > -TWO52 && prod < TWO52) {
    setI64(prod + a);
    return true;
  }
  if (s >= 0) {
    if (!setMulAdd(s, m, a)) return false;
    return i64.hi >= 0; // the unsigned result must stay below 2^63
  }
  // s*m + a = -((-s - 1)*m + (m - a)), a magnitude in (0, 2^63]
  if (!setMulAdd(-s - 1, m, m - a)) return false;
  const hi = i64.hi >>> 0;
  if (hi > 0x80000000 || (hi === 0x80000000 && i64.lo !== 0)) return false;
  negateI64();
  return true;
}

/**
 * Sets i64 from decimal digits buf[s, e) (ASCII '0'-'9' only, at most 20 of them after the caller
 * stripped leading zeros), negated when `negative`. `unsigned` selects the uint64 range. False when
 * the value is out of range.
 */
export function setDigits(buf: Uint8Array, s: number, e: number, negative: boolean, unsigned: boolean): boolean {
  const n = e - s;
  if (n <= 15) {
    let v = 0;
    for (let p = s; p < e; p++) v = v * 10 + (buf[p]! - 48);
    if (unsigned && negative && v !== 0) return false;
    setI64(negative ? -v : v);
    return true;
  }
  if (n > 20) return false;
  let head = 0;
  for (let p = s; p < e - 9; p++) head = head * 10 + (buf[p]! - 48);
  let tail = 0;
  for (let p = e - 9; p < e; p++) tail = tail * 10 + (buf[p]! - 48);
  if (!setMulAdd(head, 1e9, tail)) return false; // >= 2^64
  if (unsigned) return !negative;
  const hi = i64.hi >>> 0;
  if (negative) {
    if (hi > 0x80000000 || (hi === 0x80000000 && i64.lo !== 0)) return false;
    negateI64();
    return true;
  }
  return hi < 0x80000000;
}
