// `ncf cat`: rows to stdout as NDJSON, JSON, CSV or an Arrow IPC stream.

import { NCFReader } from '../format/reader.js';
import { arrowChunks } from '../query/output/arrow.js';
import { csvBatch, csvHeader, jsonClose, jsonOpen, jsonRows, ndjsonBatch } from '../query/output/text.js';
import { parseArgs } from 'node:util';
import { expectPositionals, intOption, usage, UsageError } from './args.js';

const FORMATS = ['ndjson', 'json', 'csv', 'arrow'] as const;

function out(s: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    if (s.length === 0) return resolve();
    process.stdout.write(s, (err) => (err ? reject(err) : resolve()));
  });
}

export async function runCat(args: string[]): Promise<number> {
  const { values, positionals } = usage(() =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        columns: { type: 'string' },
        where: { type: 'string', multiple: true },
        limit: { type: 'string' },
        offset: { type: 'string' },
        format: { type: 'string' },
      },
    }),
  );
  expectPositionals(positionals, 1);
  const format = (values.format ?? 'ndjson') as (typeof FORMATS)[number];
  if (!FORMATS.includes(format)) throw new UsageError(`unknown --format "${values.format}"; expected ${FORMATS.join(', ')}`);
  const reader = await NCFReader.open(positionals[0]!);
  try {
    const opts: Parameters<NCFReader['scan']>[0] = {};
    if (values.columns !== undefined)
      opts.columns = values.columns
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
    if (values.where !== undefined) opts.where = values.where;
    const limit = intOption(values.limit, 'limit', 0);
    if (limit !== undefined) opts.limit = limit;
    const offset = intOption(values.offset, 'offset', 0);
    if (offset !== undefined) opts.offset = offset;
    const schema = reader.projectedSchema(opts.columns);
    const batches = reader.scan(opts);
    if (format === 'arrow') {
      for await (const bytes of arrowChunks(schema, batches)) await out(bytes);
    } else if (format === 'csv') {
      await out(csvHeader(schema));
      for await (const batch of batches) await out(csvBatch(batch));
    } else if (format === 'json') {
      await out(jsonOpen(schema));
      let count = 0;
      for await (const batch of batches) {
        await out(jsonRows(batch, count === 0));
        count += batch.numRows;
      }
      await out(jsonClose(count, null) + '\n');
    } else {
      for await (const batch of batches) await out(ndjsonBatch(batch));
    }
    return 0;
  } finally {
    await reader.close();
  }
}
