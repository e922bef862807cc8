// Whether dist/ is the build of the sources as they are now: a SHA-256 over every compiled input
// (src/, routes/, storage/, tsconfig.json) and the TypeScript version, kept in dist/.build-stamp by
// each successful build (`npm run build`'s postbuild runs this file). Content, not mtimes: a
// checkout or a `touch` that changes nothing is no reason to rebuild, and an edit within the same
// second still is. `npm start` (scripts/start.mjs) builds only when the stamp differs.

import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const INPUT_DIRS = ['src', 'routes', 'storage'];
const INPUT_FILES = ['tsconfig.json', 'node_modules/typescript/package.json'];

function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? e.path, e.name));
}

/** The hash of the build's inputs under `root`. */
export function inputsHash(root = ROOT) {
  const files = [
    ...INPUT_DIRS.flatMap((d) => filesUnder(join(root, d))),
    ...INPUT_FILES.map((f) => join(root, f)).filter((f) => existsSync(f)),
  ]
    .map((f) => relative(root, f).split('\\').join('/'))
    .sort();
  const h = createHash('sha256');
  for (const f of files)
    h.update(f)
      .update('\0')
      .update(readFileSync(join(root, f)))
      .update('\0');
  return h.digest('hex');
}

const stampPath = (root) => join(root, 'dist', '.build-stamp');

/** True when dist/ holds the server and was built from exactly these inputs. */
export function isCurrent(root = ROOT, hash = inputsHash(root)) {
  if (!existsSync(join(root, 'dist/src/server.js')) || !existsSync(stampPath(root))) return false;
  return readFileSync(stampPath(root), 'utf8').trim() === hash;
}

export function writeStamp(root = ROOT, hash = inputsHash(root)) {
  writeFileSync(stampPath(root), `${hash}\n`);
}

// `node scripts/build-stamp.mjs`: record that dist/ matches the sources (after a successful build).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) writeStamp();
