// The CSV answer: a header line, then one line per row (rendering in text.ts).

import type { Renderer } from './render.js';
import { textChunks } from './render.js';
import { csvChunks, csvHeader } from './text.js';

export const renderCsv: Renderer = (batches, ctx) =>
  textChunks(batches, csvHeader(ctx.schema, ctx.csvSafe), (b) => csvChunks(b, ctx.csvSafe));
