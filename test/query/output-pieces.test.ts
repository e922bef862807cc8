// Text answers come in bounded pieces (issue #10, case 9): a value larger than LARGE_VALUE_BYTES is
// rendered piecewise, and the pieces must join to exactly what the whole-value rules give (JSON
// escaping, CSV quoting and doubled quotes, the csvSafe guard, base64 of binary). The oracle renders
// each value whole with JSON.stringify and a separate CSV rule; no chunk may be much larger than
// TEXT_CHUNK_CHARS (plus one ordinary value).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as arrow from 'apache-arrow';
import fc from 'fast-check';
import { csvChunks, jsonRowChunks, ndjsonChunks, TEXT_CHUNK_CHARS } from '../../src/query/output/text.js';
import { LARGE_VALUE_BYTES } from '../../src/query/output/values.js';

function batchOf(strings: Array<string | null>, bins: Array<Uint8Array | null>): arrow.RecordBatch {
  return new arrow.RecordBatch({
    s: arrow.vectorFromArray(strings, new arrow.Utf8()).data[0]!,
    b: arrow.vectorFromArray(bins, new arrow.Binary()).data[0]!,
  });
}

/** The oracle's CSV field: RFC 4180 quoting; with `safe`, OWASP's formula guard first. */
function csvOracle(s: string | null, safe: boolean): string {
  if (s === null) return '';
  let v = s;
  if (safe && (/^[\t\r]/.test(v) || /^[\s\x00-\x1f\x7f]*[=+\-@\uff1d\uff0b\uff0d\uff20]/.test(v))) v = `'${v}`;
  return v === '' || /[",\r\n]/.test(v) || /^\s/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

const base64 = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString('base64'));

/** Strings made large by repeating a random piece (so quotes, commas, blanks and multi-byte
 *  characters fall across the piece boundaries), and some small ones. */
const bigString = fc
  .tuple(
    fc.string({
      unit: fc.constantFrom('a', '"', ',', '\n', '\r', ' ', '\t', 'é', '😀', '\u0001', '=', '\u00a0', 'x'),
      minLength: 1,
      maxLength: 9,
    }),
    fc.integer({ min: 0, max: 3 }),
    fc.constantFrom('', ' ', '\t', '\u00a0', '  \n'),
    fc.constantFrom('', '=', '+', '-', '@', '\uff1d', 'a'),
  )
  .map(([unit, big, blank, lead]) => blank + lead + unit.repeat(big === 0 ? 2 : Math.ceil((LARGE_VALUE_BYTES * big + 17) / unit.length)));
const bigBinary = fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 7 }), fc.integer({ min: 0, max: 2 })).map(([u, big]) => {
  const n = big === 0 ? u.length : LARGE_VALUE_BYTES * big + (u[0]! % 5);
  return Uint8Array.from({ length: n }, (_, i) => u[i % u.length]!);
});

function joined(chunks: Iterable<Buffer>): string {
  let s = '';
  for (const c of chunks) {
    assert.ok(c.length <= 3 * (TEXT_CHUNK_CHARS + LARGE_VALUE_BYTES * 6 + 64), `a chunk of ${c.length} bytes`);
    s += c.toString('utf8');
  }
  return s;
}

test('large values render piecewise exactly as whole values would, in NDJSON, JSON and CSV', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.option(bigString, { freq: 5 }), fc.option(bigBinary, { freq: 5 })), { minLength: 1, maxLength: 5 }),
      fc.boolean(),
      (rows, safe) => {
        const strings = rows.map((r) => r[0]),
          bins = rows.map((r) => r[1]);
        const b = batchOf(strings, bins);
        const objects = rows.map((_, i) => JSON.stringify({ s: strings[i], b: base64(bins[i]!) }));
        assert.equal(joined(ndjsonChunks(b)), objects.map((o) => `${o}\n`).join(''));
        assert.equal(joined(jsonRowChunks(b, true)), objects.join(','));
        assert.equal(joined(jsonRowChunks(b, false)), ',' + objects.join(','));
        const csv = rows.map((_, i) => `${csvOracle(strings[i]!, safe)},${csvOracle(base64(bins[i]!), safe)}\r\n`).join('');
        assert.equal(joined(csvChunks(b, safe)), csv);
      },
    ),
    { numRuns: 60 },
  );
});

test('many small rows come out in pieces of about TEXT_CHUNK_CHARS, not one string per batch', () => {
  const n = 20_000;
  const b = batchOf(
    Array.from({ length: n }, (_, i) => `row ${i}`),
    Array.from({ length: n }, () => null),
  );
  const chunks = [...ndjsonChunks(b)];
  assert.ok(chunks.length > 5, `${chunks.length} chunks`);
  for (const c of chunks) assert.ok(c.length < TEXT_CHUNK_CHARS + 200, `a chunk of ${c.length} bytes`);
  assert.equal(Buffer.concat(chunks).toString().split('\n').length, n + 1);
});
