// The end-to-end query suite (query-suite.ts) on the embedded default: a local folder for the table
// files and the SQLite catalog, both under the server's data directory.

import { embedded } from './backends.js';
import { querySuite } from './query-suite.js';

querySuite(embedded);
