// `npm start`: builds (tsc) only when a compiled input changed since the last build, then starts the
// service from dist/. After `npm ci` (whose `prepare` builds and stamps dist/) the first start is
// immediate; after an edit, or on a tree without dist/, it builds first. Set NCF_START_BUILD=always
// to force a build.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inputsHash, isCurrent, ROOT, writeStamp } from './build-stamp.mjs';

// Hashed before building: an edit made while tsc runs leaves the stamp stale, so the next start rebuilds.
const hash = inputsHash();
if (process.env.NCF_START_BUILD === 'always' || !isCurrent(ROOT, hash)) {
  process.stderr.write('ncf: sources changed since the last build (or no build yet): building with tsc\n');
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.json')], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`ncf: the build failed (${r.error?.message ?? `tsc exited with ${r.status ?? r.signal}`}); not starting\n`);
    process.exit(1);
  }
  writeStamp(ROOT, hash);
} else {
  process.stderr.write('ncf: dist/ is current: starting without a build\n');
}
await import(pathToFileURL(join(ROOT, 'dist/src/server.js')).href);
