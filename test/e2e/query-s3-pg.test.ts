// The end-to-end query suite (query-suite.ts), unchanged, on the scaled-out setup: the server started
// with NCF_STORAGE_URL on an S3 emulator (s3rver, in this process) and NCF_CATALOG_URL on a real
// PostgreSQL (a temp cluster from the local binaries, or NCF_TEST_PG_URL). Missing PostgreSQL or
// s3rver fails every test with the reason; nothing is skipped.

import { scaledOut } from './backends.js';
import { querySuite } from './query-suite.js';

querySuite(scaledOut());
