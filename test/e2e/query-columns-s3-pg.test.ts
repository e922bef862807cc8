// The end-to-end column-summary suite (query-columns-suite.ts), unchanged, on object storage (s3rver,
// in this process) + PostgreSQL (a temp cluster, or NCF_TEST_PG_URL), as NCF_STORAGE_URL and
// NCF_CATALOG_URL. Missing PostgreSQL or s3rver fails every test with the reason; nothing is skipped.

import { queryColumnsSuite } from './query-columns-suite.js';
import { scaledOut } from './backends.js';

queryColumnsSuite(scaledOut());
