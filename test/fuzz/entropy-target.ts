// The `entropy-codes` fuzz target (not yet in TARGET_NAMES: registering it is the name in run.ts and
// `entropyTarget(),` in makeTargets): entropy-coded code streams (src/format/entropy) with their CRC
// recomputed after the mutation, so the decoder's own checks (header, table sum, states, word count,
// the count bound) face every mutated byte. The oracle: a CORRUPT_FILE refusal, or codes no more than
// the expected count, each below the stream's alphabet.

import { crc32 } from 'node:zlib';
import { decodeCodes, encodeCodes } from '../../src/format/entropy/index.js';
import { NCFError } from '../../src/format/errors.js';
import { zipfCodes } from '../support/code-streams.js';
import type { Target } from './targets.js';

const MAX_COUNT = 1 << 16;

function reseal(input: Uint8Array): Uint8Array {
  const m = input.slice();
  if (m.length >= 4) new DataView(m.buffer).setUint32(m.length - 4, crc32(m.subarray(0, m.length - 4)) >>> 0, true);
  return m;
}

export function entropyTarget(): Target {
  const seeds = [
    encodeCodes(Uint8Array.from(zipfCodes(400, 30, 1.1, 1)))!,
    encodeCodes(Uint16Array.from(zipfCodes(300, 2000, 1.3, 2)))!,
    encodeCodes(Uint8Array.from({ length: 50 }, (_, i) => (i % 5 === 0 ? 1 : 0)))!,
    encodeCodes(new Uint8Array(20).fill(4))!,
    encodeCodes(new Uint8Array(0))!,
  ];
  return {
    name: 'entropy-codes',
    about: 'decodeCodes on mutated rANS streams, CRC recomputed so the header, table and state checks see the mutation',
    seeds,
    maxLength: 8 << 10,
    run: async (input) => {
      const bytes = reseal(input);
      const alphabet = bytes.length >= 8 ? new DataView(bytes.buffer).getUint32(4, true) : 0;
      const out = decodeCodes(bytes, { maxCount: MAX_COUNT });
      if (out.length > MAX_COUNT) throw new Error(`decoded ${out.length} codes, more than ${MAX_COUNT}`);
      for (let i = 0; i < out.length; i++)
        if (out[i]! >= alphabet) throw new Error(`code ${out[i]} at ${i} is not below the alphabet ${alphabet}`);
    },
    expected: (e) => e instanceof NCFError && e.code === 'CORRUPT_FILE',
  };
}
