// Regression replay: every input under test/corpus/<target>/*.bin (crashers the fuzzer found, kept
// after the fix, and hand-made hostile inputs) runs through its target again and must be accepted or
// refused with the target's typed error, within the per-input time bound, leaving Object.prototype
// clean.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CORPUS_DIR, TARGET_NAMES } from './run.js';
import { makeTargets } from './targets.js';

const dirs = existsSync(CORPUS_DIR)
  ? readdirSync(CORPUS_DIR, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
  : [];

test('corpus folders are named after fuzz targets and hold a note per input', () => {
  for (const d of dirs) {
    assert.ok((TARGET_NAMES as readonly string[]).includes(d), `test/corpus/${d} is not a fuzz target (${TARGET_NAMES.join(', ')})`);
    for (const f of readdirSync(join(CORPUS_DIR, d)).filter((f) => f.endsWith('.bin'))) {
      assert.ok(existsSync(join(CORPUS_DIR, d, f.replace(/\.bin$/, '.txt'))), `test/corpus/${d}/${f} has no .txt note`);
    }
  }
  assert.ok(dirs.length > 0, 'test/corpus holds regression inputs');
});

test('every corpus input is accepted or refused with the typed error', { timeout: 300_000 }, async () => {
  const targets = new Map((await makeTargets()).map((t) => [t.name, t]));
  const before = Object.getOwnPropertyNames(Object.prototype).length;
  let replayed = 0;
  for (const d of dirs) {
    const target = targets.get(d)!;
    for (const f of readdirSync(join(CORPUS_DIR, d))
      .filter((f) => f.endsWith('.bin'))
      .sort()) {
      const input = new Uint8Array(readFileSync(join(CORPUS_DIR, d, f)));
      const started = Date.now();
      try {
        await target.run(input);
      } catch (e) {
        assert.ok(target.expected(e), `${d}/${f}: ${(e as Error).stack ?? String(e)}`);
      }
      assert.ok(Date.now() - started < 5000, `${d}/${f} took ${Date.now() - started} ms (bound: 2 s idle, 5 s on a loaded machine)`);
      assert.equal(Object.getOwnPropertyNames(Object.prototype).length, before, `${d}/${f} polluted Object.prototype`);
      replayed++;
    }
  }
  assert.ok(replayed > 0, 'replayed no input');
});
