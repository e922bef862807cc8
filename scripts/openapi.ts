// `npm run openapi`: rewrites the generated part of openapi.yaml (components.schemas between the
// markers) from the zod response schemas (src/http/schemas.ts). Everything else in the file is hand-written.

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withGeneratedComponents } from '../src/http/openapi-components.js';

const path = join(dirname(fileURLToPath(import.meta.url)), '..', 'openapi.yaml');
const before = readFileSync(path, 'utf8');
const after = withGeneratedComponents(before);
if (after !== before) writeFileSync(path, after);
console.log(after === before ? 'openapi.yaml: up to date' : 'openapi.yaml: generated schemas rewritten');
