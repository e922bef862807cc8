import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { chunkedSource, read, rejectsWith, utf8 } from './util.js';

test('JSON array: same typing as NDJSON', async () => {
  const text = ' \n[ {"a": 1, "b": "x", "c": {"d": "]}\\""}},\n {"a": 3000000000, "c": [1, {"e": "["}], "b": null},\n{"a":2,"b":"}" } ]\n ';
  const r = await read('json', text);
  assert.deepEqual(r.types, { a: 'Int64', b: 'Utf8', c: 'Utf8' });
  assert.deepEqual(r.cols.a, [1n, 3000000000n, 2n]);
  assert.deepEqual(r.cols.b, ['x', null, '}']);
  assert.deepEqual(r.cols.c, ['{"d":"]}\\""}', '[1,{"e":"["}]', null]);
});

test('JSON: anything but an array of objects is refused', async () => {
  await rejectsWith(read('json', '{"a":1}'), 'INPUT', /expected a JSON array of objects but the input starts with an object/);
  await rejectsWith(read('json', '42'), 'INPUT', /starts with a number/);
  await rejectsWith(read('json', '"x"'), 'INPUT', /starts with a string/);
  await rejectsWith(read('json', '[{"a":1}, 2]'), 'INPUT', /array element 2 is a number; expected an array of objects/);
  await rejectsWith(read('json', '[[1]]'), 'INPUT', /array element 1 is an array/);
  await rejectsWith(read('json', ''), 'INPUT', /empty/);
  await rejectsWith(read('json', '[{"a":1}'), 'INPUT', /ends before the array's closing/);
  await rejectsWith(read('json', '[{"a":1}{"a":2}]'), 'INPUT', /expected ',' or '\]' after array element 1/);
  await rejectsWith(read('json', '[{"a":1},]'), 'INPUT', /array element 2 is the character "\]"/);
  await rejectsWith(read('json', '[{"a":1}] x'), 'INPUT', /after the closing/);
  await rejectsWith(read('json', '[\n{"a":1},\n{"a":tru}\n]'), 'INPUT', /JSON line 3: invalid JSON in array element 2/);
});

test('JSON: an empty array has no columns; a BOM is skipped', async () => {
  await rejectsWith(read('json', '[]'), 'INPUT', /JSON input has no keys/);
  const r = await read('json', '\uFEFF[{"a":true}]');
  assert.deepEqual(r.cols, { a: [true] });
});

test('JSON property: random arrays of flat objects survive any chunking', async () => {
  const value = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.string({ unit: 'grapheme', maxLength: 8 }));
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.dictionary(fc.constantFrom('a', 'b', 'c d', ']', '"'), value, { maxKeys: 4 }), { minLength: 1, maxLength: 20 }),
      fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 4 }),
      async (rows, sizes) => {
        fc.pre(rows.some((x) => Object.keys(x).length > 0));
        const text = JSON.stringify(rows, null, 1);
        const r = await read('json', chunkedSource(utf8(text), sizes));
        const nd = await read('ndjson', rows.map((x) => JSON.stringify(x)).join('\n'));
        assert.deepEqual(r.cols, nd.cols);
        assert.deepEqual(r.types, nd.types);
        for (const [k, vals] of Object.entries(r.cols)) {
          const want = rows.map((row) => (Object.hasOwn(row, k) ? row[k] : null));
          const type = r.types[k];
          const norm = want.map((v) =>
            v === null || v === undefined ? null : type === 'Utf8' && typeof v !== 'string' ? JSON.stringify(v) : v,
          );
          assert.deepEqual(vals, norm, k);
        }
      },
    ),
    { numRuns: 150 },
  );
});
