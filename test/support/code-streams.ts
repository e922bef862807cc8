// Code streams for the entropy coder's tests and bench: seeded, so golden files and failures reproduce.

import { Prng } from './prng.js';

/** n codes drawn from a Zipf law of exponent s over k codes (code 0 the most frequent). */
export function zipfCodes(n: number, k: number, s: number, seed: number): Uint32Array {
  const rng = new Prng(seed);
  const cdf = new Float64Array(k);
  let total = 0;
  for (let i = 0; i < k; i++) total += 1 / (i + 1) ** s;
  for (let i = 0, c = 0; i < k; i++) {
    c += 1 / (i + 1) ** s / total;
    cdf[i] = c;
  }
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const u = rng.float();
    let lo = 0;
    let hi = k - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    out[i] = lo;
  }
  return out;
}

/** Order-0 entropy in bits, counted with a Map (independent of the module's histogram). */
export function entropyOf(codes: ArrayLike<number>): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < codes.length; i++) counts.set(codes[i]!, (counts.get(codes[i]!) ?? 0) + 1);
  let bits = 0;
  for (const c of counts.values()) bits -= c * Math.log2(c / codes.length);
  return bits;
}

export function typed(codes: ArrayLike<number>, max: number): Uint8Array | Uint16Array | Uint32Array {
  if (max < 0x100) return Uint8Array.from(codes);
  if (max < 0x10000) return Uint16Array.from(codes);
  return Uint32Array.from(codes);
}
