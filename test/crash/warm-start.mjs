// The service, pre-warmed: loads its modules (the slow part of a start, ~0.5 s), then waits for a
// line on stdin before running dist/src/server.js, which reads the environment and opens the data
// directory only then. The crash harness starts the next process this way while the current one
// still runs, and lets it go the moment the current one is killed: what each restart does to the
// data directory is exactly what `node dist/src/server.js` does.

import { pathToFileURL } from 'node:url';

// The build to run: argv[2] (a folder holding src/server.js), default the repository's dist/.
const dist = process.argv[2] ? pathToFileURL(`${process.argv[2]}/`) : new URL('../../dist/', import.meta.url);
await import(new URL('src/app.js', dist).href);
let started = false;
process.stdin.on('data', () => {
  if (started) return;
  started = true;
  void import(new URL('src/server.js', dist).href);
});
// The harness went away before using this spare.
process.stdin.on('end', () => {
  if (!started) process.exit(0);
});
process.stdout.write('warm\n');
