// The packed package works where users install it (issue #14 item 7): the project as a fresh clone
// has it (tracked and new files, no dist/) is packed with `npm pack` (its `prepare` builds dist/),
// the tarball is installed into a new project offline from the npm cache, and the README's library,
// client and `ncf` command examples run there by the package name, the client against a real server.
// Installing takes ~20-25 s here. Native addons (zstd-napi, better-sqlite3) take minutes to compile,
// so the install skips install scripts and the repository's own builds of the same versions are
// copied in: what is under test is the package's contents and resolution, not node-gyp.

import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { ROOT, startServer } from './support/server.js';

const run = promisify(execFile);
const README = await readFile(join(ROOT, 'README.md'), 'utf8');
const NPM_ENV = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };

function block(tag: string): string {
  const m = new RegExp('```' + tag + '\\n([\\s\\S]*?)```').exec(README);
  assert.ok(m, `README has a \`\`\`${tag} block`);
  return m[1]!;
}

async function nativeVersion(root: string, name: string): Promise<string> {
  return (JSON.parse(await readFile(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

test("npm pack → npm install in a new project → the README's library, client and CLI examples run", { timeout: 600_000 }, async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'ncf-package-'));
  const server = await startServer({ env: { NCF_API_KEYS: `${/apiKey: '([^']+)'/.exec(block('ts client'))![1]}:write` } });
  try {
    // A fresh clone: the files git would hold (without tests, benchmarks and docs), no dist/.
    const clone = join(tmp, 'clone');
    const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
      .split('\0')
      .filter((f) => f !== '' && !/^(test|bench|docs|docker)\//.test(f));
    for (const f of files) {
      await mkdir(dirname(join(clone, f)), { recursive: true });
      await cp(join(ROOT, f), join(clone, f)).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
      });
    }
    await symlink(join(ROOT, 'node_modules'), join(clone, 'node_modules'));

    const packed = await run('npm', ['pack', '--json', '--pack-destination', tmp], {
      cwd: clone,
      env: NPM_ENV,
      timeout: 180_000,
      maxBuffer: 64 << 20,
    });
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{
      filename: string;
      files: Array<{ path: string }>;
    }>;
    const shipped = new Set(info!.files.map((f) => f.path));
    for (const f of [
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/src/client/index.js',
      'dist/src/client/index.d.ts',
      'dist/src/cli/main.js',
      'bin/ncf.js',
      'dist/src/server.js',
      'openapi.yaml',
      'web/index.html',
    ]) {
      assert.ok(shipped.has(f), `the tarball holds ${f}`);
    }
    for (const f of shipped)
      assert.ok(!/\.map$|^(src|test|routes|storage)\/|\.ts$(?<!\.d\.ts)/.test(f), `the tarball holds no sources, tests or maps: ${f}`);

    // A new project installs the tarball; dependencies from the npm cache (offline), else the registry for what is missing.
    const app = join(tmp, 'app');
    await mkdir(app);
    await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', type: 'module', private: true }));
    const tgz = join(tmp, info!.filename);
    const args = ['install', '--ignore-scripts', '--no-audit', '--no-fund', tgz];
    const started = Date.now();
    try {
      await run('npm', [...args, '--offline'], { cwd: app, env: NPM_ENV, timeout: 300_000 });
    } catch {
      await run('npm', [...args, '--prefer-offline'], { cwd: app, env: NPM_ENV, timeout: 300_000 });
    }
    process.stdout.write(`# installed the tarball in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    for (const name of ['zstd-napi', 'better-sqlite3']) {
      assert.equal(await nativeVersion(app, name), await nativeVersion(ROOT, name), `${name}: the same version as the repository's`);
      await cp(join(ROOT, 'node_modules', name, 'build'), join(app, 'node_modules', name, 'build'), { recursive: true });
    }

    // The library example, importing 'ncf'.
    await writeFile(join(app, 'lib.mjs'), block('ts lib') + '\nconsole.log(JSON.stringify(table.toArray().map((r) => r.toJSON())));\n');
    const lib = await run(process.execPath, ['lib.mjs'], { cwd: app, timeout: 60_000 });
    assert.deepEqual(JSON.parse(lib.stdout), [{ origin: 'SFO' }]);

    // The client example, importing 'ncf/client', against the real server.
    const code = block('ts client');
    await writeFile(join(app, 'client.mjs'), code.replaceAll('http://127.0.0.1:8080', server.url));
    const client = await run(process.execPath, ['client.mjs'], { cwd: app, timeout: 60_000 });
    const lines = client.stdout.trim().split('\n');
    assert.equal(lines.length, 4, client.stdout);
    for (const i of [0, 2, 3]) assert.ok(code.includes(lines[i]!), `the example's comments show ${lines[i]}`);

    // The CLI: `npx ncf --help`, then the README's `sh cli` block as written (npx finds the installed bin).
    const help = await run('npx', ['--offline', 'ncf', '--help'], { cwd: app, env: NPM_ENV, timeout: 60_000 });
    assert.match(help.stdout, /convert/);
    assert.match(help.stdout, /inspect/);
    const makeCsv = /^printf .*> flights\.csv$/m.exec(block('sh test'))![0];
    const cli = await run('bash', ['-c', `set -euo pipefail\nexport npm_config_offline=true\n${makeCsv}\n${block('sh cli')}`], {
      cwd: app,
      env: NPM_ENV,
      timeout: 120_000,
    });
    assert.match(cli.stdout, /rows +4 in 1 row group/);
    assert.deepEqual(
      cli.stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l)),
      [
        { origin: 'SFO', delay: 75 },
        { origin: 'JFK', delay: 130 },
      ],
    );
    assert.match(cli.stdout, /flights\.ncf: ok \(4 rows/);
  } finally {
    await server.stop();
    await rm(tmp, { recursive: true, force: true });
  }
});
