// 64-bit integer helpers over 32-bit halves. Hot loops view BigInt64Array / BigUint64Array memory as
// an Int32Array of little-endian (lo, hi) pairs and do 64-bit arithmetic with 32-bit ops and carries,
// so no BigInt is ever created per value.
//
// Every half is kept as a signed int32 (`| 0`, Int32Array loads), never as a uint32 (`>>> 0`,
// Uint32Array loads): V8 then keeps loop variables unboxed, where a mix of small integers and values
// ≥ 2^31 makes it box them and run several times slower. Unsigned order uses the sign-flip trick.

if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) {
  // Every typed-array view in the format code assumes the file's little-endian byte order.
  throw new Error('ncf: a little-endian platform is required');
}

export const TWO_32 = 4294967296;
const SIGN = -0x80000000;

/** The (lo, hi) pairs view of a 64-bit typed array's memory. */
export function words64(a: BigInt64Array | BigUint64Array | Float64Array): Int32Array {
  return new Int32Array(a.buffer, a.byteOffset, a.length * 2);
}

/** a < b comparing two halves as unsigned 32-bit values. */
export function ltU32(a: number, b: number): boolean {
  return (a ^ SIGN) < (b ^ SIGN);
}

/** a < b as signed 64-bit values. */
export function lt64s(aLo: number, aHi: number, bLo: number, bHi: number): boolean {
  return aHi < bHi || (aHi === bHi && (aLo ^ SIGN) < (bLo ^ SIGN));
}

/** a < b as unsigned 64-bit values. */
export function lt64u(aLo: number, aHi: number, bLo: number, bHi: number): boolean {
  return (aHi ^ SIGN) < (bHi ^ SIGN) || (aHi === bHi && (aLo ^ SIGN) < (bLo ^ SIGN));
}

/** Number of bits needed for an unsigned 32-bit value (0 for 0). */
export function bitLength32(x: number): number {
  return 32 - Math.clz32(x);
}

/** Number of bits needed for an unsigned 64-bit value given as halves (0 for 0). */
export function bitLength64(lo: number, hi: number): number {
  return hi !== 0 ? 64 - Math.clz32(hi) : 32 - Math.clz32(lo);
}

/** Low half of a − b (mod 2^64). */
export function subLo(aLo: number, bLo: number): number {
  return (aLo - bLo) | 0;
}

/** High half of a − b (mod 2^64). */
export function subHi(aLo: number, aHi: number, bLo: number, bHi: number): number {
  return (aHi - bHi - ((aLo ^ SIGN) < (bLo ^ SIGN) ? 1 : 0)) | 0;
}

/** Low half of the 64-bit two's-complement form of an integer-valued number |x| < 2^53. */
export function loOf(x: number): number {
  return x | 0;
}

/** High half of the 64-bit two's-complement form of an integer-valued number |x| < 2^53. */
export function hiOf(x: number): number {
  return Math.floor(x / TWO_32) | 0;
}

/** The number a signed 64-bit value holds, exact when |value| ≤ 2^53. */
export function toNumberSigned(lo: number, hi: number): number {
  return hi * TWO_32 + (lo >>> 0);
}
