// npm run docs:config: rewrites the README's configuration table from src/config/vars.ts.

import { readFileSync, writeFileSync } from 'node:fs';
import { withConfigTable } from '../src/config/readme.js';

const path = new URL('../README.md', import.meta.url);
const before = readFileSync(path, 'utf8');
const after = withConfigTable(before);
if (after === before) console.log('README.md: the configuration table is up to date');
else {
  writeFileSync(path, after);
  console.log('README.md: configuration table rewritten');
}
