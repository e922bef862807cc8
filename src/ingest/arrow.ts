// Arrow IPC (stream or file format, told apart by the ARROW1 magic) → record batches, through
// apache-arrow's RecordBatchReader. A file on disk is read with random access (footer, then one
// batch at a time); a stream is read as it arrives. Only the file format from a source that is not
// a file is read whole into memory first (apache-arrow needs random access for it).
// Types pass through to the writer, which converts them (see arrow-batches.ts).

import { open, type FileHandle } from 'node:fs/promises';
import * as arrow from 'apache-arrow';
import { NCFError } from '../format/errors.js';
import { conformer, emptyBatch } from './arrow-batches.js';
import type { SchemaOverride } from './schema-override.js';
import { sourceOrigin, type ByteSource } from './source.js';

function inputError(e: unknown): NCFError {
  if (e instanceof NCFError) return e;
  return new NCFError('INPUT', `ncf: the input is not a valid Arrow IPC stream or file (${(e as Error).message ?? String(e)})`);
}

export async function* readArrowIpc(src: ByteSource, opts: { schema?: SchemaOverride } = {}): AsyncGenerator<arrow.RecordBatch> {
  const { path, bytes } = sourceOrigin(src);
  let handle: FileHandle | undefined;
  try {
    let reader: arrow.RecordBatchReader;
    try {
      if (path !== undefined) {
        handle = await open(path, 'r');
        reader = await arrow.RecordBatchReader.from(handle);
      } else if (bytes !== undefined) {
        reader = arrow.RecordBatchReader.from(bytes);
      } else {
        reader = await arrow.RecordBatchReader.from(src());
      }
      reader = await reader.open();
    } catch (e) {
      throw inputError(e);
    }
    if (!reader.schema) throw new NCFError('INPUT', 'ncf: the Arrow input is empty (no schema message)');
    const conform = conformer(reader.schema, opts.schema, { label: 'Arrow', unit: 'row' });
    let rows = 0;
    let any = false;
    const it = reader[Symbol.asyncIterator]();
    const next = async (): Promise<IteratorResult<arrow.RecordBatch>> => {
      try {
        return await it.next();
      } catch (e) {
        throw inputError(e);
      }
    };
    for (let r = await next(); !r.done; r = await next()) {
      const out = conform.convert(r.value, rows);
      rows += r.value.numRows;
      any = true;
      yield out;
    }
    if (!any) yield emptyBatch(conform.schema);
  } finally {
    await handle?.close();
  }
}
