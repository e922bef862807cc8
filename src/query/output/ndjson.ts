// The NDJSON answer: one JSON object per row and line (rendering in text.ts).

import type { Renderer } from './render.js';
import { textChunks } from './render.js';
import { ndjsonChunks } from './text.js';

export const renderNdjson: Renderer = (batches) => textChunks(batches, '', (b) => ndjsonChunks(b));
