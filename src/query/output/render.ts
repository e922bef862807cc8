// What an answer renderer is: the batches of a query's answer in, the body's bytes out. One file per
// format in this folder; the registry (index.ts) maps each answer format to its renderer.

import type * as arrow from 'apache-arrow';

export interface RenderContext {
  /** The answer's schema (known before the first batch). */
  schema: arrow.Schema;
  /** CSV: neutralise cells a spreadsheet would run as formulas. */
  csvSafe: boolean;
  /** JSON: rows per page. */
  maxResponseRows: number;
  /** JSON: the limit the query asked for (null: none), to tell whether a page is the last. */
  limit: number | null;
  /** JSON: the `next` link after a page that showed `shown` rows. */
  nextLink(shown: number): string;
}

/** Renders a stream of batches as the body's chunks, pulling batches only as fast as chunks are taken. */
export type Renderer = (batches: AsyncGenerator<arrow.RecordBatch>, ctx: RenderContext) => AsyncGenerator<Buffer>;

/** Text formats: an optional head, then each batch's chunks. */
export async function* textChunks(
  batches: AsyncIterable<arrow.RecordBatch>,
  head: string,
  render: (b: arrow.RecordBatch) => Iterable<Buffer>,
): AsyncGenerator<Buffer> {
  if (head) yield Buffer.from(head);
  for await (const batch of batches) yield* render(batch);
}
