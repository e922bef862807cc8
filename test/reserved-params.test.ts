// The query parameters that are not filters are declared by the server (src/query/params.ts RESERVED);
// the page (web/query.js, a plain ES module with no build step) and the client (src/client/query.ts)
// keep a copy each, held equal to the server's here so a new parameter cannot be missed in one.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { RESERVED } from '../src/query/params.js';
// @ts-expect-error: a browser module in plain JavaScript, without type declarations
import { RESERVED as PAGE_RESERVED } from '../web/query.js';

const sorted = (s: Iterable<string>) => [...s].sort();

test("the page's reserved parameters are the server's", () => {
  assert.ok(RESERVED.size > 0);
  assert.deepEqual(sorted(PAGE_RESERVED as Set<string>), sorted(RESERVED));
});

test("the client's reserved parameters are the server's", () => {
  // Not exported by the client module (it is library surface): read from its one declaration.
  const text = readFileSync(new URL('../src/client/query.ts', import.meta.url), 'utf8');
  const m = /const RESERVED = new Set\(\[([^\]]*)\]\)/.exec(text);
  assert.ok(m, 'src/client/query.ts declares RESERVED as a Set literal');
  const names = [...m[1]!.matchAll(/'([^']*)'/g)].map((x) => x[1]!);
  assert.deepEqual(sorted(names), sorted(RESERVED));
});
