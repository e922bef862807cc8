// openapi.yaml's `components.schemas` for response bodies is generated from the zod schemas
// (src/http/schemas.ts) by `npm run openapi`: the committed file must be exactly what they give now.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { componentSchemas, withGeneratedComponents } from '../../src/http/openapi-components.js';
import { ROOT } from '../support/server.js';

/** Every body the API answers with as JSON; a schema added to src/http/schemas.ts is added here. */
const RESPONSE_IDS = [
  'Problem',
  'DataType',
  'StatValue',
  'Health',
  'Ready',
  'TableSummary',
  'TableList',
  'ColumnDescription',
  'TableDescription',
  'UploadResult',
  'VersionEntry',
  'VersionList',
  'Statistic',
  'ColumnStatistics',
  'RowGroupStatistics',
  'TableStats',
  'CompactResult',
  'VacuumResult',
  'JsonAnswer',
  'Histogram',
  'Distinct',
];

const committed = readFileSync(join(ROOT, 'openapi.yaml'), 'utf8');

test('the committed openapi.yaml holds the schemas the zod declarations give (run `npm run openapi` after changing them)', () => {
  const regenerated = withGeneratedComponents(committed);
  if (regenerated !== committed) {
    const a = committed.split('\n');
    const b = regenerated.split('\n');
    const line = a.findIndex((l, i) => l !== b[i]);
    assert.fail(`openapi.yaml is stale from line ${line + 1}:\n  committed: ${a[line]}\n  generated: ${b[line]}\nrun npm run openapi`);
  }
});

test('the parsed document has every registered schema under its name, equal to its JSON Schema', () => {
  const doc = parseYaml(committed) as { components: { schemas: Record<string, unknown> } };
  const generated = componentSchemas();
  assert.deepEqual(Object.keys(generated).sort(), [...RESPONSE_IDS].sort());
  for (const [id, schema] of Object.entries(generated)) assert.deepEqual(doc.components.schemas[id], schema, id);
  // Hand-written schemas (request bodies) stay; no generated name is written twice.
  assert.ok(doc.components.schemas.Filter && doc.components.schemas.QueryBody);
  assert.equal(committed.split('\n').filter((l) => /^ {4}TableDescription:$/.test(l)).length, 1);
});

test('a hand edit inside the generated part is undone by the generator', () => {
  // Same document with one generated line dropped: the generator puts it back.
  const tampered = committed.replace('        columnCount: {type: integer, minimum: 0}\n', '');
  assert.notEqual(tampered, committed, 'the line to alter exists');
  assert.equal(withGeneratedComponents(tampered), committed);
});
