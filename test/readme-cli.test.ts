// The README's `ncf` command and library examples, run as written: the `sh cli` block in bash (npx ncf
// → the built bin/ncf.js) and the `ts lib` block as an ES module importing the package by its name.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const run = promisify(execFile);

function block(tag: string): string {
  const m = new RegExp('```' + tag + '\\n([\\s\\S]*?)```').exec(README);
  assert.ok(m, `README has a \`\`\`${tag} block`);
  return m[1]!;
}

test("the README's ncf command examples run and print what they promise", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ncf-readme-cli-'));
  try {
    const makeCsv = /^printf .*> flights\.csv$/m.exec(block('sh test'))![0];
    const script = `set -euo pipefail\n${makeCsv}\n${block('sh cli').replaceAll('npx ncf', `node ${join(ROOT, 'bin/ncf.js')}`)}`;
    const { stdout, stderr } = await run('bash', ['-c', script], { cwd: dir, timeout: 60_000 });
    assert.match(stderr, /wrote flights\.ncf: 4 rows, 1 row group/);
    assert.match(stdout, /rows +4 in 1 row group/);
    const catLines = stdout.split('\n').filter((l) => l.startsWith('{'));
    assert.deepEqual(
      catLines.map((l) => JSON.parse(l)),
      [
        { origin: 'SFO', delay: 75 },
        { origin: 'JFK', delay: 130 },
      ],
    );
    assert.match(stdout, /flights\.ncf: ok \(4 rows/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("the README's library example runs as an ES module", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ncf-readme-lib-'));
  // Inside the package, `import … from 'ncf'` resolves to this package itself (its "exports").
  const file = join(ROOT, 'dist', `.readme-example-${process.pid}.mjs`);
  try {
    await writeFile(file, block('ts lib') + `\nconsole.log(JSON.stringify(table.toArray().map((r) => r.toJSON())));\n`);
    const { stdout } = await run(process.execPath, [file], { cwd: dir, timeout: 60_000 });
    assert.deepEqual(JSON.parse(stdout), [{ origin: 'SFO' }]);
  } finally {
    await rm(file, { force: true });
    await rm(dir, { recursive: true, force: true });
  }
});
