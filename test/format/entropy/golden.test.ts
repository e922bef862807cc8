// Golden streams of the entropy coder (FORMAT.md, "Entropy-coded codes"): small streams written out
// by hand from the layout, and encoded streams committed as files, each decoded to codes computed
// here. The encoder must also reproduce the files byte for byte, so a change of layout or of table
// normalisation shows up as a diff. Regenerate the files with NCF_REGEN_GOLDEN=1 (after a deliberate
// format change only).

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import { decodeCodes, encodeCodes } from '../../../src/format/entropy/index.js';
import { zipfCodes } from '../../support/code-streams.js';

const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
const sealed = (bytes: number[]): Uint8Array => Uint8Array.from([...bytes, ...le32(crc32(Uint8Array.from(bytes)) >>> 0)]);

describe('entropy-coded streams written by hand', () => {
  const cases: [string, number[], number[]][] = [
    ['empty', [], [...le32(0), ...le32(0), 0]],
    // five 3s: alphabet 4, scale 0, table = a run of 3 absent codes (0, 2) then frequency 1
    ['one code', [3, 3, 3, 3, 3], [...le32(5), ...le32(4), 0, 0, 2, 1]],
    // codes 0, 1 at scale 1 (each frequency 1 of 2); lane 1 encodes 1 from 2^15: 2^15·2 + 0 + cum 1 =
    // 65537, lane 0 encodes 0: 65536; lanes 2, 3 stay at 2^15; no words
    ['two codes', [0, 1], [...le32(2), ...le32(2), 1, 1, 1, ...le32(65536), ...le32(65537), ...le32(32768), ...le32(32768), ...le32(0)]],
  ];
  for (const [name, codes, bytes] of cases) {
    it(name, () => {
      const stream = sealed(bytes);
      assert.deepEqual(Array.from(decodeCodes(stream)), codes);
      assert.deepEqual(Array.from(encodeCodes(Uint8Array.from(codes))!), Array.from(stream));
    });
  }

  it('a stream long enough to flush words', () => {
    // Header 9 + table ≤ 6 + states 16 + word count 4 + CRC 4 = 39 bytes at most without words.
    const codes = Uint8Array.from({ length: 800 }, (_, i) => (i % 8 === 4 ? 1 : 0));
    const bytes = encodeCodes(codes)!;
    assert.ok(bytes.length > 39, `${bytes.length} bytes`);
    assert.deepEqual(Array.from(decodeCodes(bytes)), Array.from(codes));
  });
});

describe('entropy-coded golden files', () => {
  const files: [string, () => Uint8Array | Uint16Array][] = [
    ['zipf-u8.bin', () => Uint8Array.from(zipfCodes(600, 40, 1.1, 11))],
    ['zipf-u16.bin', () => Uint16Array.from(zipfCodes(700, 3000, 1.3, 12), (c) => (c * 7) % 60_000)],
    ['runs-u8.bin', () => Uint8Array.from({ length: 333 }, (_, i) => (i < 200 ? 0 : i % 3))],
  ];
  for (const [file, make] of files) {
    it(file, () => {
      const path = new URL(`golden/${file}`, import.meta.url);
      const codes = make();
      if (process.env.NCF_REGEN_GOLDEN === '1') writeFileSync(path, encodeCodes(codes)!);
      const stored = new Uint8Array(readFileSync(path));
      assert.deepEqual(Array.from(decodeCodes(stored)), Array.from(codes));
      assert.deepEqual(Array.from(encodeCodes(codes)!), Array.from(stored), 'the encoder still writes the same bytes');
    });
  }
});
