// The configuration is declared once (src/config/vars.ts): the README's table is what that list
// produces (`npm run docs:config` rewrites it), every default the table states as a value is the
// value an unset variable gets, and every variable the service reads from the environment is listed.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { z } from 'zod';
import { configTable, readmeTable, withConfigTable } from '../src/config/readme.js';
import { CONFIG_VARS } from '../src/config/vars.js';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

test('the README configuration table is the one src/config/vars.ts produces (npm run docs:config)', () => {
  const table = readmeTable(README);
  assert.ok(table !== null, 'README.md has the config:begin and config:end markers');
  assert.equal(table, configTable(), 'run `npm run docs:config` after changing src/config/vars.ts');
  assert.equal(withConfigTable(README), README);
  // One row per variable, each named once.
  const names = CONFIG_VARS.map((v) => v.env);
  assert.equal(new Set(names).size, names.length);
  for (const name of names) assert.equal(table.split('\n').filter((l) => l.startsWith(`| \`${name}\` |`)).length, 1, name);
});

test('a default stated as one value parses to what an unset variable gets', () => {
  let checked = 0;
  for (const v of CONFIG_VARS) {
    const m = /^`([^`]*)`$/.exec(v.default);
    if (m === null) continue;
    const parser = (v.parse as (env: string) => z.ZodType)(v.env);
    const unset = parser.parse(undefined);
    assert.deepEqual(parser.parse(m[1]), unset, `${v.env}: the README says ${v.default}, unset gives ${JSON.stringify(unset)}`);
    checked++;
  }
  assert.ok(checked >= 20, `only ${checked} defaults checked`);
});

test('every NCF_ variable the service reads is declared', () => {
  const declared = new Set<string>(CONFIG_VARS.map((v) => v.env));
  // Read only inside other variables' documentation (the S3 URL's options), or by tests and tools.
  const documentedWithin = CONFIG_VARS.flatMap((v) => [...v.doc.matchAll(/`(NCF_[A-Z0-9_]+)`/g)].map((m) => m[1]!));
  const files = ['src/config.ts', 'src/config/vars.ts', 'src/format/parallel/pool.ts', 'storage/s3/url.ts', 'src/server.ts', 'src/app.ts'];
  for (const file of files) {
    const text = readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');
    for (const m of text.matchAll(/env\.(NCF_[A-Z0-9_]+)|env: '(NCF_[A-Z0-9_]+)'/g)) {
      const name = m[1] ?? m[2]!;
      assert.ok(declared.has(name) || documentedWithin.includes(name), `${file} reads ${name}, which src/config/vars.ts does not declare`);
    }
  }
});
