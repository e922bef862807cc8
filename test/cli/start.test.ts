// `npm start` (scripts/start.mjs) builds only when the sources changed since the last build (issue
// #14 item 10): on a copy of the project without dist/ (a fresh clone) it builds and starts; started
// again unchanged it does not run tsc (no output file is rewritten); a `touch` alone changes nothing;
// an edit to a source rebuilds, and the server then runs the edited code. Each start is a real
// server process answering /healthz.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, stat, symlink, utimes, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../support/server.js';

/** Runs `npm start`'s script in `dir` until the service answers /healthz, then stops it; returns its stderr+stdout. */
async function startOnce(dir: string, dataDir: string): Promise<string> {
  const proc = spawn(process.execPath, [join(dir, 'scripts/start.mjs')], {
    cwd: dir,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      NCF_DATA_DIR: dataDir,
      NCF_API_KEYS: '',
      NCF_API_KEYS_FILE: '',
      NCF_AUTH: '',
      NCF_START_BUILD: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.setEncoding('utf8').on('data', (s: string) => {
    out += s;
  });
  proc.stderr.setEncoding('utf8').on('data', (s: string) => {
    out += s;
  });
  const exited = new Promise<number | null>((res) => proc.once('exit', (code) => res(code)));
  try {
    const url = await new Promise<string>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`no "listening on" within 90 s:\n${out}`)), 90_000);
      const check = () => {
        const m = /listening on (http:\/\/[^\s"]+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          res(m[1]!);
        }
      };
      proc.stdout.on('data', check);
      void exited.then((code) => {
        clearTimeout(timer);
        rej(new Error(`exited with ${code} before listening:\n${out}`));
      });
    });
    const r = await fetch(`${url}/healthz`);
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { status: 'ok' });
  } finally {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    await exited;
  }
  return out;
}

const BUILDING = /building with tsc/;
const CURRENT = /dist\/ is current: starting without a build/;

test('npm start builds when no build or a changed source, and only then', { timeout: 300_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ncf-start-'));
  const dataDir = join(dir, 'data');
  try {
    for (const d of ['src', 'routes', 'storage', 'scripts', 'web']) await cp(join(ROOT, d), join(dir, d), { recursive: true });
    for (const f of ['package.json', 'tsconfig.json', 'openapi.yaml']) await cp(join(ROOT, f), join(dir, f));
    await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    const built = join(dir, 'dist/src/config.js');

    // A fresh tree: builds, stamps, starts.
    let out = await startOnce(dir, dataDir);
    assert.match(out, BUILDING, out);
    const first = (await stat(built)).mtimeMs;

    // Unchanged: no tsc (the output file is not rewritten).
    out = await startOnce(dir, dataDir);
    assert.match(out, CURRENT, out);
    assert.doesNotMatch(out, BUILDING);
    assert.equal((await stat(built)).mtimeMs, first, 'dist was rewritten although nothing changed');

    // A touch with the same content: still current.
    const future = new Date(Date.now() + 60_000);
    await utimes(join(dir, 'src/config.ts'), future, future);
    out = await startOnce(dir, dataDir);
    assert.match(out, CURRENT, out);

    // An edit: rebuilt, and the output holds the edit (tsc keeps comments).
    const marker = `// edited by start.test ${process.pid}-${Date.now()}`;
    await appendFile(join(dir, 'src/config.ts'), `\n${marker}\n`);
    out = await startOnce(dir, dataDir);
    assert.match(out, BUILDING, out);
    assert.ok((await readFile(built, 'utf8')).includes(marker), 'the rebuilt output holds the edit');

    // A new file under routes/ counts as a change too.
    await cp(join(dir, 'src/tables/table-name.ts'), join(dir, 'routes/extra-input.ts'));
    out = await startOnce(dir, dataDir);
    assert.match(out, BUILDING, out);
    out = await startOnce(dir, dataDir);
    assert.match(out, CURRENT, out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
