// The end-to-end column-summary suite (query-columns-suite.ts) on the embedded default: a local
// folder for the table files and the SQLite catalog.

import { embedded } from './backends.js';
import { queryColumnsSuite } from './query-columns-suite.js';

queryColumnsSuite(embedded);
