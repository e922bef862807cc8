// The encoding registry (src/format/encodings/registry.ts) against the spec: its rows are the table of
// docs/FORMAT.md §5 in the same order (a row's position is the on-disk index byte, so a reordered or
// inserted row would misread every existing file), and each row applies to exactly the types the
// table names.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ENCODINGS, VALUE_ENCODINGS } from '../../../src/format/encodings/index.js';
import { DATA_TYPES, physicalOf, type Physical } from '../../../src/format/schema.js';

const spec = readFileSync(new URL('../../../docs/FORMAT.md', import.meta.url), 'utf8');
const section = spec.slice(spec.indexOf('the index of an encoding in the table below'));
const rows = [...section.matchAll(/^\| (\d+) \| `([a-z]+)` \| ([^|]+) \|$/gm)]
  .map((m) => ({ index: Number(m[1]), name: m[2]!, applies: m[3]!.trim() }))
  // The first table after that sentence only: it ends where the indices stop counting up from 0.
  .filter((r, k) => r.index === k);

const FAMILIES: Record<string, Physical[]> = {
  all: ['int', 'float', 'bool', 'bytes'],
  integers: ['int'],
  floats: ['float'],
  float32: ['float'],
  float64: ['float'],
  string: ['bytes'],
  binary: ['bytes'],
};

test('the registry lists the encodings of FORMAT.md §5 in on-disk order', () => {
  assert.ok(rows.length >= 8, `parsed ${rows.length} rows of the FORMAT.md table`);
  assert.deepEqual(
    ENCODINGS,
    rows.map((r) => r.name),
  );
  assert.deepEqual(
    VALUE_ENCODINGS.map((e) => e.name),
    ENCODINGS,
  );
});

test('each encoding applies to exactly the types FORMAT.md §5 names', () => {
  for (const row of rows) {
    const kinds = new Set(row.applies.split(',').flatMap((f) => FAMILIES[f.trim()] ?? assert.fail(`unknown family ${f}`)));
    const encoding = VALUE_ENCODINGS[row.index]!;
    for (const type of DATA_TYPES) {
      assert.equal(encoding.applies(physicalOf(type)), kinds.has(physicalOf(type)), `${row.name} on ${type}`);
    }
  }
});
