// `ncf convert`: any supported input file → NCF, streamed batch by batch.

import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { NCFWriter } from '../format/writer.js';
import { detectFormat, fileSource, parseSchemaOverride, readInput, type Format } from '../ingest/index.js';
import { parseArgs } from 'node:util';
import { expectPositionals, intOption, usage, UsageError } from './args.js';

export async function runConvert(args: string[]): Promise<number> {
  const { values, positionals } = usage(() =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        format: { type: 'string' },
        schema: { type: 'string' },
        delimiter: { type: 'string' },
        'table-name': { type: 'string' },
        'row-group-rows': { type: 'string' },
        'compression-level': { type: 'string' },
      },
    }),
  );
  expectPositionals(positionals, 2);
  const [input, output] = positionals as [string, string];
  const format: Format | null = detectFormat({ format: values.format, filename: input });
  if (format === null) {
    throw new UsageError(
      values.format
        ? `unknown --format "${values.format}"; expected csv, ndjson, json, arrow or parquet`
        : `cannot tell the format of "${input}" from its extension; pass --format csv|ndjson|json|arrow|parquet`,
    );
  }
  let schema;
  if (values.schema !== undefined) {
    const text = values.schema.startsWith('@') ? await readFile(values.schema.slice(1), 'utf8') : values.schema;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new UsageError(`--schema is not valid JSON (${(e as Error).message})`);
    }
    schema = parseSchemaOverride(json);
  }
  const opts: Parameters<typeof NCFWriter.open>[1] = {
    tableName: values['table-name'] ?? basename(input, extname(input)),
  };
  const rg = intOption(values['row-group-rows'], 'row-group-rows', 1);
  if (rg !== undefined) opts.rowGroupRows = rg;
  const level = intOption(values['compression-level'], 'compression-level', -7);
  if (level !== undefined) opts.compressionLevel = level;
  const writer = await NCFWriter.open(output, opts);
  try {
    const ingestOpts: Parameters<typeof readInput>[2] = {};
    if (schema) ingestOpts.schema = schema;
    if (values.delimiter !== undefined) ingestOpts.delimiter = values.delimiter === '\\t' ? '\t' : values.delimiter;
    let first = true;
    for await (const batch of readInput(format, fileSource(input), ingestOpts)) {
      if (first) {
        first = false;
      }
      await writer.write(batch);
    }
    const summary = await writer.close();
    process.stderr.write(`wrote ${output}: ${summary.rows} rows, ${summary.rowGroups} row groups, ${summary.bytes} bytes\n`);
    return 0;
  } catch (e) {
    await writer.abort();
    throw e;
  }
}
