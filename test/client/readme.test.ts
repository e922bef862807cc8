// The README's client example (the ```ts client block) runs as it is written, as an ES module from
// the repository root (so `ncf/client` resolves by package name), against a real server started with
// the key the example uses; what it prints is checked.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, startServer } from '../support/server.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

test('the README client example runs and prints what its comments say', async () => {
  const blocks = [...README.matchAll(/```ts client\n([\s\S]*?)```/g)].map((m) => m[1]!);
  assert.equal(blocks.length, 1, 'the README has one ```ts client block');
  const code = blocks[0]!;
  const key = /apiKey: '([^']+)'/.exec(code)?.[1];
  assert.ok(key && code.includes("baseUrl: 'http://127.0.0.1:8080'"), 'the example names the default address and a key');
  const server = await startServer({ env: { NCF_API_KEYS: `${key}:write` } });
  try {
    const stdout = await new Promise<string>((res, rej) => {
      execFile(
        process.execPath,
        ['--input-type=module', '-e', code.replaceAll('http://127.0.0.1:8080', server.url)],
        { cwd: ROOT, timeout: 60_000 },
        (err, out, stderr) => (err ? rej(new Error(`the example failed: ${err.message}\n${stderr}\n${out}`)) : res(out)),
      );
    });
    const lines = stdout.trim().split('\n');
    assert.equal(lines[0], "[ { origin: 'JFK', delay: 130 }, { origin: 'SFO', delay: 75 } ]");
    assert.equal(lines[1], '2', 'one batch holding SFO and LAX');
    assert.equal(lines[2], 'attachment; filename="trips-v1.parquet"');
    assert.equal(lines[3], '404 table "nope" does not exist { table: \'nope\' }');
    assert.equal(lines.length, 4, stdout);
    // The example's comments show the same values.
    for (const i of [0, 2, 3]) assert.ok(code.includes(lines[i]!), `the example's comments show ${lines[i]}`);
  } finally {
    await server.stop();
  }
});
