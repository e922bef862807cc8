import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NCFError } from '../../src/format/errors.js';
import { parseSchemaOverride } from '../../src/ingest/index.js';
import { resolveOverrides } from '../../src/ingest/schema-override.js';

function schemaError(f: () => unknown, pattern: RegExp): void {
  assert.throws(f, (e: unknown) => e instanceof NCFError && e.code === 'SCHEMA' && pattern.test(e.message));
}

test('parseSchemaOverride accepts type names and objects, from JSON values or text', () => {
  const o = parseSchemaOverride({
    zip: 'string',
    amount: { type: 'float64', semanticType: 'numerical' },
    ts: { type: 'timestamp', unit: 'ms', timezone: 'UTC' },
    note: { description: 'free text', nullable: false },
  });
  assert.deepEqual(
    { ...o },
    {
      zip: 'string',
      amount: { type: 'float64', semanticType: 'numerical' },
      ts: { type: 'timestamp', unit: 'ms', timezone: 'UTC' },
      note: { description: 'free text', nullable: false },
    },
  );
  assert.deepEqual({ ...parseSchemaOverride('{"a":"int64"}') }, { a: 'int64' });
  const proto = parseSchemaOverride(JSON.parse('{"__proto__":"string"}'));
  assert.equal(Object.keys(proto)[0], '__proto__');
});

test('parseSchemaOverride names the bad key and value', () => {
  schemaError(() => parseSchemaOverride({ zip: 'strng' }), /column "zip": unknown type "strng"/);
  schemaError(() => parseSchemaOverride({ amount: { type: 'flaot64' } }), /column "amount".*"flaot64".*"type"/);
  schemaError(() => parseSchemaOverride({ a: { type: 'timestamp', unit: 'minutes' } }), /column "a".*"minutes".*"unit"/);
  schemaError(() => parseSchemaOverride({ a: { colour: 'red' } }), /column "a": unknown key "colour"/);
  schemaError(() => parseSchemaOverride({ a: { type: 'int32', unit: 'ms' } }), /column "a": unit and timezone apply to timestamp/);
  schemaError(() => parseSchemaOverride({ a: 5 }), /column "a": expected a type name/);
  schemaError(() => parseSchemaOverride({ a: { nullable: 'no' } }), /column "a".*"nullable"/);
  schemaError(() => parseSchemaOverride([1]), /expected an object/);
  schemaError(() => parseSchemaOverride('{not json'), /not valid JSON/);
});

test('resolveOverrides refuses a column the input does not have', () => {
  const o = parseSchemaOverride({ b: 'int64' });
  assert.deepEqual(resolveOverrides(o, ['a', 'b']), [undefined, { type: 'int64' }]);
  schemaError(
    () => resolveOverrides(parseSchemaOverride({ zipp: 'string' }), ['zip', 'city']),
    /column "zipp", which the input does not have; its columns are "zip", "city"/,
  );
});
