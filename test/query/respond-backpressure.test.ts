// How far an answer reads ahead of a client that stopped reading (issue #10, case 12), measured
// exactly: the answer's rows come from a counting generator, the body goes to a sink that takes 4 KB
// and then never asks for more, and once the producer settles the rows it pulled are counted. The
// body may run ahead by a bounded amount (a batch or two for text and Arrow; the Parquet writer's row
// groups), never by megabytes of encoded answer (the original 4 MiB body buffer held some 20 text
// batches, or a million Parquet rows; brotli took in ~2 MB more before writing a byte).

import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import * as arrow from 'apache-arrow';
import { answerQuery } from '../../src/query/respond.js';
import type { ContentCoding, Format } from '../../src/query/negotiate.js';
import type { QuerySpec } from '../../src/query/params.js';
import type { QueryPlan } from '../../src/query/plan.js';
import { PARQUET_ROW_GROUP_ROWS } from '../../src/query/output/parquet.js';

const BATCH_ROWS = 10_000;
const schema = new arrow.Schema([
  new arrow.Field('id', new arrow.Int32(), false),
  new arrow.Field('x', new arrow.Float64(), false),
  new arrow.Field('s', new arrow.Utf8(), false),
]);

function batch(k: number): arrow.RecordBatch {
  const ids = Int32Array.from({ length: BATCH_ROWS }, (_, i) => k * BATCH_ROWS + i);
  return new arrow.RecordBatch({
    id: arrow.makeVector(ids).data[0]!,
    x: arrow.makeVector(Float64Array.from(ids, (i) => i * 1.37)).data[0]!,
    s: arrow.vectorFromArray(
      Array.from(ids, (i) => `row ${i} ${(i * 2654435761) % 1000003}`),
      new arrow.Utf8(),
    ).data[0]!,
  });
}
const BATCHES = Array.from({ length: 8 }, (_, k) => batch(k));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Batches pulled by the answer once a client that read 4 KB stops reading. */
async function pulledWhileStalled(format: Format, coding: ContentCoding): Promise<number> {
  let pulled = 0;
  async function* rows(): AsyncGenerator<arrow.RecordBatch> {
    for (let k = 0; k < 400; k++) {
      pulled++;
      yield BATCHES[k % BATCHES.length]!;
    }
  }
  const ac = new AbortController();
  const answer = await answerQuery({
    plan: { schema } as unknown as QueryPlan,
    spec: { limit: null, offset: 0 } as unknown as QuerySpec,
    format,
    csvSafe: false,
    coding,
    maxResponseRows: 1e9,
    signal: ac.signal,
    batches: () => rows(),
    nextLink: () => '',
  });
  let got = 0;
  const client = new Writable({
    highWaterMark: 16 * 1024,
    write(chunk: Buffer, _enc, done) {
      got += chunk.length;
      if (got < 4096) done();
    },
  });
  answer.body.pipe(client);
  // Wait until the producer stops moving (generous, for a loaded machine).
  let last = -1;
  for (let still = 0; still < 6; ) {
    await sleep(150);
    if (pulled === last) still++;
    else {
      still = 0;
      last = pulled;
    }
  }
  ac.abort();
  answer.body.destroy();
  return pulled;
}

const TEXT_LIMIT = 3;
for (const [format, coding, limit] of [
  ['ndjson', 'identity', TEXT_LIMIT],
  ['csv', 'identity', TEXT_LIMIT],
  ['json', 'identity', TEXT_LIMIT],
  ['arrow', 'identity', TEXT_LIMIT],
  ['csv', 'br', 6],
  ['ndjson', 'gzip', TEXT_LIMIT],
  ['json', 'br', 6],
  ['arrow', 'gzip', TEXT_LIMIT],
  ['arrow', 'zstd', TEXT_LIMIT],
  ['ndjson', 'zstd', TEXT_LIMIT],
  // Parquet moves a row group at a time: one with the client, one in the body's buffer, one queued
  // by the writer and one being filled (measured: 50 batches; the original pulled 87).
  ['parquet', 'identity', Math.ceil((4.5 * PARQUET_ROW_GROUP_ROWS) / BATCH_ROWS) + 2],
] as Array<[Format, ContentCoding, number]>) {
  test(`a stalled ${format} answer (${coding}) pulls at most ${limit} batches of ${BATCH_ROWS} rows`, async () => {
    const pulled = await pulledWhileStalled(format, coding);
    assert.ok(pulled >= 1);
    assert.ok(
      pulled <= limit,
      `${format}/${coding}: the answer pulled ${pulled} batches (${pulled * BATCH_ROWS} rows) for a client that read 4 KB`,
    );
  });
}
