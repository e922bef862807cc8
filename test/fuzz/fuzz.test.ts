// The bounded fuzz run inside npm test: every target, a fixed seed and a fixed number of inputs (so
// the run is the same every time; about 10-15 s on an idle 2-core machine, capped at 8 s a target),
// under the bounds of run.ts (256 MiB ArrayBuffer growth per input, 512 MiB worker heap, 1.5 GiB
// rss; 5 s per input here, 2 s in npm run fuzz). A crasher fails the test and is saved under test/corpus/<target>/ for replay.
// Plus the mutation engine's own properties: reproducible from the seed, the interesting integers
// encoded as specified.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { decode } from '@msgpack/msgpack';
import { INTERESTING, intBytes, msgpackInts, mutate, Rng } from './mutate.js';
import { BOUNDS, runFuzz, TARGET_NAMES } from './run.js';

describe('mutation engine', () => {
  test('the same seed gives the same inputs; another seed other ones', () => {
    const seeds = [new TextEncoder().encode('id,name\n1,a\n2,b\n'), new TextEncoder().encode('[{"a":1}]')];
    const run = (seed: number): string[] => {
      const rng = new Rng(seed);
      return Array.from({ length: 200 }, () => Buffer.from(mutate(rng.pick(seeds), rng, { seeds, maxLength: 256 })).toString('hex'));
    };
    assert.deepEqual(run(7), run(7));
    assert.notDeepEqual(run(7), run(8));
    assert.ok(new Set(run(7)).size > 150, 'mutations are varied');
    assert.ok(
      run(7).every((h) => h.length <= 512),
      'outputs respect maxLength',
    );
  });

  test('interesting integers: −1, 2^31−1, 2^32, 2^53+1 in every width, both byte orders and as msgpack', () => {
    for (const v of [-1n, 2n ** 31n - 1n, 2n ** 32n, 2n ** 53n + 1n]) assert.ok(INTERESTING.includes(v), String(v));
    assert.deepEqual([...intBytes(-1n, 4, true)], [0xff, 0xff, 0xff, 0xff]);
    assert.deepEqual([...intBytes(2n ** 31n - 1n, 4, false)], [0x7f, 0xff, 0xff, 0xff]);
    assert.deepEqual([...intBytes(2n ** 32n, 8, true)], [0, 0, 0, 0, 1, 0, 0, 0]);
    assert.deepEqual([...intBytes(2n ** 53n + 1n, 8, false)], [0, 0x20, 0, 0, 0, 0, 0, 1]);
    // The signed msgpack forms decode back to the value where it fits the width.
    assert.equal(decode(msgpackInts(-1n).find((b) => b[0] === 0xd3)!), -1);
    assert.equal(decode(msgpackInts(2n ** 32n).find((b) => b[0] === 0xcf)!), 2 ** 32);
    assert.equal(decode(msgpackInts(2n ** 31n - 1n).find((b) => b[0] === 0xce)!), 2 ** 31 - 1);
  });
});

test('the harness reports a planted exception, blocked event loop, unsettled promise and prototype pollution, and saves each', {
  timeout: 120_000,
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ncf-fuzz-check-'));
  try {
    const result = await runFuzz({ seconds: 30, maxInputs: 20_000, seed: 1, perInputMs: 300, targets: ['harness-check'], corpusDir: dir });
    const [r] = result.targets;
    const reasons = r!.crashers.map((c) => `${c.reason}: ${c.message}`);
    for (const want of [
      /^exception: TypeError: planted TypeError/,
      /^hang: the event loop did not come back/,
      /^hang: no answer within 300 ms/,
      /^pollution: the input added Object\.prototype\.plantedPollution/,
    ]) {
      assert.ok(
        reasons.some((x) => want.test(x)),
        `${want} not among ${JSON.stringify(reasons)}`,
      );
    }
    assert.ok(r!.restarts >= 1, 'a blocked worker was replaced');
    assert.ok(r!.refused > 0 && r!.accepted > 0, `${r!.accepted} accepted, ${r!.refused} refused`);
    for (const c of r!.crashers) {
      assert.ok(existsSync(c.file) && existsSync(c.file.replace(/\.bin$/, '.txt')), `${c.file} and its note are saved`);
      const input = readFileSync(c.file);
      const planted = c.reason === 'exception' ? 0x01 : c.reason === 'pollution' ? 0x04 : /event loop/.test(c.message) ? 0x02 : 0x03;
      assert.ok(input.includes(Buffer.of(planted, planted)), `${c.reason} saved the input that caused it`);
    }
    assert.equal(({} as Record<string, unknown>).plantedPollution, undefined, 'the pollution stayed in the worker');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('bounded fuzz run: every target, fixed seed, no crashers', { timeout: 180_000 }, async (t) => {
  const lines: string[] = [];
  // 5 s per input instead of 2: npm test may share the machine; a real hang never answers at all.
  const result = await runFuzz({
    seconds: 8 * TARGET_NAMES.length,
    maxInputs: 400,
    perInputMs: 5000,
    seed: 20261126,
    log: (l) => {
      lines.push(l);
      t.diagnostic(l);
    },
  });
  assert.deepEqual(
    result.targets.map((t) => t.target),
    [...TARGET_NAMES],
  );
  const crashers = result.targets.flatMap((t) => t.crashers);
  assert.deepEqual(
    crashers.map((c) => `${c.target} ${c.reason}: ${c.message} (${c.file})`),
    [],
    lines.join('\n'),
  );
  for (const t of result.targets) {
    // A target that barely runs, or refuses everything, is a broken harness rather than a clean bill.
    assert.ok(t.inputs >= 100, `${t.target} tried only ${t.inputs} inputs:\n${lines.join('\n')}`);
    assert.ok(t.accepted > 0 && t.refused > 0, `${t.target}: ${t.accepted} accepted, ${t.refused} refused`);
  }
  assert.ok(result.peakRss < BOUNDS.maxRssBytes, `peak rss ${result.peakRss}`);
});
