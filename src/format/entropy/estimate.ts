// The writer's size estimate for entropy-coded codes: one histogram pass, the order-0 entropy, the
// table's cost, and the bit-packed size it competes with, so the writer keeps a plain encoding when
// entropy coding does not pay (near-uniform codes, tiny streams, huge alphabets).

import { encodedBytes } from './rans.js';
import { type Codes, cheapestTable, entropyBits, histogram } from './table.js';

export interface CodesEstimate {
  count: number;
  /** Largest code + 1 (0 when empty). */
  alphabet: number;
  distinct: number;
  /** Order-0 entropy of the codes, in bytes (the bound no order-0 coder beats). */
  entropyBytes: number;
  /** Bytes encodeCodes would write (header and table included); Infinity when it cannot encode. */
  codedBytes: number;
  /** Bytes of the codes bit-packed at ceil(log2(alphabet)) bits each. */
  packedBytes: number;
  /** Whether coding saves at least `minGain` of the baseline (by default the packed size). */
  pays: boolean;
}

export interface EstimateOptions {
  /** The fraction of the packed size coding must save to pay; default 0.05 (decoding costs more than unpacking). */
  minGain?: number;
  /** What coding must beat, when the writer knows better than the packed size: zstd's entropy stage
   *  already reaches near order-0 on byte-aligned codes (≤ 256 codes in bytes), so a writer passes the
   *  compressed size of its plain choice there (bench/engine/entropy.ts shows both). */
  baselineBytes?: number;
}

/** Estimates, in one pass over the codes plus O(alphabet), what entropy coding them would cost. */
export function estimateCodes(codes: Codes, options: EstimateOptions = {}): CodesEstimate {
  const minGain = options.minGain ?? 0.05;
  const n = codes.length;
  const h = histogram(codes);
  if (h === null) {
    let max = 0;
    for (let i = 0; i < n; i++) if (codes[i]! > max) max = codes[i]!;
    const packedBytes = Math.ceil((n * Math.ceil(Math.log2(max + 1))) / 8);
    return { count: n, alphabet: max + 1, distinct: NaN, entropyBytes: NaN, codedBytes: Infinity, packedBytes, pays: false };
  }
  const { counts, alphabet } = h;
  let distinct = 0;
  for (let s = 0; s < alphabet; s++) if (counts[s] !== 0) distinct++;
  const width = alphabet <= 1 ? 0 : Math.ceil(Math.log2(alphabet));
  const packedBytes = Math.ceil((n * width) / 8);
  const entropyBytes = entropyBits(counts, alphabet) / 8;
  let codedBytes = Infinity;
  if (distinct <= 1) codedBytes = 13 + (alphabet > 0 ? 3 + Math.ceil(Math.log2(alphabet + 1) / 7) : 0);
  else {
    const table = cheapestTable(counts, alphabet, n); // the table encodeCodes would write
    if (table !== null) codedBytes = encodedBytes(counts, table.freqs, alphabet, table.scale);
  }
  const baseline = options.baselineBytes ?? packedBytes;
  return { count: n, alphabet, distinct, entropyBytes, codedBytes, packedBytes, pays: codedBytes <= baseline * (1 - minGain) };
}
