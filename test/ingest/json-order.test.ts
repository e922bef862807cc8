// JSON and NDJSON columns follow the order in which keys first appear in the text, also when keys
// look like integers (a JavaScript object would list "2020" before "name").

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { mayReorderKeys, parseJson, topLevelKeys } from '../../src/ingest/json-exact.js';
import { chunkedSource, read, utf8 } from './util.js';

const names = (r: { schema: { fields: { name: string }[] } }): string[] => r.schema.fields.map((f) => f.name);

test('JSON array: integer-like keys keep their place (issue #14 item 1)', async () => {
  const r = await read('json', '[{"name":"a","2020":1,"2021":2},{"name":"b","2021":4,"2020":3,"x":true}]');
  assert.deepEqual(names(r), ['name', '2020', '2021', 'x']);
  assert.deepEqual(r.cols['2020'], [1, 3]);
  assert.deepEqual(r.cols['2021'], [2, 4]);
  assert.deepEqual(r.cols.name, ['a', 'b']);
});

test('NDJSON: integer-like keys keep their place, with escapes, long integers and duplicate keys', async () => {
  // "\u0032" is the key "2"; 9007199254740993 takes the exact parser; "b" repeated keeps its first place.
  const text = '{"z":1,"10":2,"\\u0032":3,"b":9007199254740993,"b":9007199254740995,"01":"x"}\n{"3":1,"z":2}\n';
  const r = await read('ndjson', text);
  assert.deepEqual(names(r), ['z', '10', '2', 'b', '01', '3']);
  assert.deepEqual(r.cols.b, [9007199254740995n, null]);
  assert.deepEqual(r.cols['3'], [null, 1]);
});

test('a nested object does not add its keys to the top-level order', async () => {
  const r = await read('ndjson', '{"k":{"1":0,"a":[{"2":1}]},"7":"x","s":"a,\\"9\\":b"}\n');
  assert.deepEqual(names(r), ['k', '7', 's']);
  assert.deepEqual(r.cols.s, ['a,"9":b']);
});

test('key order survives any chunking of the input', async () => {
  const text = utf8('[{"name":"a","2020":1},\n{"name":"b","2019":0,"2020":2}]');
  for (const sizes of [[1], [2, 3], [7]]) {
    const r = await read('json', chunkedSource(text, sizes));
    assert.deepEqual(names(r), ['name', '2020', '2019']);
  }
});

test('source order equals the order of first appearance for random objects (property)', () => {
  const key = fc.oneof(fc.nat(3000).map(String), fc.string({ maxLength: 4 }), fc.constantFrom('01', '-1', '1.5', '4294967295'));
  fc.assert(
    fc.property(fc.array(fc.tuple(key, fc.jsonValue({ maxDepth: 2 })), { maxLength: 12 }), (pairs) => {
      // Written by hand so the text keeps the pairs' order (and repeats).
      const text = `{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
      const v = parseJson(text) as object;
      const expected = [...new Set(pairs.map(([k]) => k))];
      // The text's order is read whenever JS's may differ; otherwise JS's is already the text's.
      assert.deepEqual(mayReorderKeys(text) ? topLevelKeys(text) : Object.keys(v), expected);
    }),
    { numRuns: 300 },
  );
});
