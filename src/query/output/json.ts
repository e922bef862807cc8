// The JSON answer: one page {"columns","rows","rowCount","next"} of at most maxResponseRows rows, with
// a `next` link when more rows exist (rendering in text.ts).

import type * as arrow from 'apache-arrow';
import type { RenderContext } from './render.js';
import { jsonClose, jsonOpen, jsonRowChunks } from './text.js';

export async function* renderJson(batches: AsyncGenerator<arrow.RecordBatch>, ctx: RenderContext): AsyncGenerator<Buffer> {
  const page = ctx.maxResponseRows;
  // More rows than the page exist when the page is smaller than the asked limit and a row beyond it came.
  const capped = ctx.limit === null || ctx.limit > page;
  let shown = 0,
    more = false;
  yield Buffer.from(jsonOpen(ctx.schema));
  for await (let batch of batches) {
    if (capped && shown + batch.numRows > page) {
      more = true;
      batch = batch.slice(0, page - shown);
    }
    yield* jsonRowChunks(batch, shown === 0);
    shown += batch.numRows;
    if (more) break;
  }
  yield Buffer.from(jsonClose(shown, more ? ctx.nextLink(shown) : null));
}
