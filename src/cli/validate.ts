// `ncf validate`: header, tail, footer, SHA-256, and a decode of every chunk.

import { NCFError } from '../format/errors.js';
import { NCFReader } from '../format/reader.js';
import { parseArgs } from 'node:util';
import { expectPositionals, usage } from './args.js';

export async function runValidate(args: string[]): Promise<number> {
  const { positionals } = usage(() => parseArgs({ args, allowPositionals: true, options: {} as const }));
  expectPositionals(positionals, 1);
  const path = positionals[0]!;
  let reader: NCFReader | null = null;
  try {
    reader = await NCFReader.open(path);
    await reader.validateChecksum();
    // Decoding every chunk checks every CRC-32 and every length inside the chunks.
    for await (const batch of reader.scan()) void batch;
    process.stdout.write(
      `${path}: ok (${reader.rowCount} rows, ${reader.meta.rowGroups.length} row groups, ${reader.columns.length} columns, ${reader.size} bytes)\n`,
    );
    return 0;
  } catch (e) {
    if (!(e instanceof NCFError)) throw e;
    process.stderr.write(`${path}: INVALID: ${e.message}\n`);
    return 1;
  } finally {
    await reader?.close();
  }
}
