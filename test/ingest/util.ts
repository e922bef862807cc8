// Helpers for the ingest tests: read an input fully, pull column values out in comparable form,
// and assert NCFError codes and messages.

import assert from 'node:assert/strict';
import * as arrow from 'apache-arrow';
import { NCFError } from '../../src/format/errors.js';
import { bufferSource, readInput, type ByteSource, type Format, type IngestOptions } from '../../src/ingest/index.js';

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A source that yields the bytes in chunks of the given sizes (cycled), to hit every boundary. */
export function chunkedSource(bytes: Uint8Array, sizes: number[]): ByteSource {
  return async function* () {
    let i = 0;
    for (let at = 0; at < bytes.length; i++) {
      const n = Math.max(1, sizes[i % sizes.length]!);
      yield bytes.slice(at, at + n);
      at += n;
    }
  };
}

export interface ReadResult {
  schema: arrow.Schema;
  batches: arrow.RecordBatch[];
  /** Column name → values (int64 as bigint, timestamps as raw bigint in their unit, dates as days). */
  cols: Record<string, unknown[]>;
  types: Record<string, string>;
}

export async function read(format: Format, input: string | Uint8Array | ByteSource, opts?: IngestOptions): Promise<ReadResult> {
  const src = typeof input === 'function' ? input : bufferSource(typeof input === 'string' ? utf8(input) : input);
  const batches: arrow.RecordBatch[] = [];
  for await (const b of readInput(format, src, opts)) batches.push(b);
  assert.ok(batches.length > 0, 'at least one batch');
  const schema = batches[0]!.schema;
  for (const b of batches) {
    assert.deepEqual(
      b.schema.fields.map((f) => String(f.type)),
      schema.fields.map((f) => String(f.type)),
      'batches share one schema',
    );
  }
  const cols: Record<string, unknown[]> = {};
  const types: Record<string, string> = {};
  schema.fields.forEach((f, i) => {
    types[f.name] = String(f.type);
    cols[f.name] = batches.flatMap((b) => columnValues(b.getChildAt(i)!));
  });
  return { schema, batches, cols, types };
}

/** Values of a vector; raw storage for temporal types so tests compare exact integers. */
export function columnValues(v: arrow.Vector): unknown[] {
  const out: unknown[] = [];
  for (const d of v.data) {
    const vec = arrow.makeVector(d);
    for (let i = 0; i < d.length; i++) {
      if (!d.getValid(i)) {
        out.push(null);
        continue;
      }
      if (arrow.DataType.isTimestamp(d.type)) out.push((d.values as BigInt64Array)[d.offset + i]);
      else if (arrow.DataType.isDate(d.type) && d.type.unit === arrow.DateUnit.DAY) out.push((d.values as Int32Array)[d.offset + i]);
      else out.push(vec.get(i));
    }
  }
  return out;
}

export async function rejectsWith(p: Promise<unknown>, code: string, pattern?: RegExp): Promise<NCFError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof NCFError, `expected an NCFError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return e;
  }
  assert.fail(`expected ${code} error`);
}

/** Independent timestamp expectation: microseconds since the epoch from Date.UTC plus fraction. */
export function micros(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, us = 0, offsetMinutes = 0): bigint {
  return BigInt(Date.UTC(y, mo - 1, d, h, mi, s)) * 1000n + BigInt(us) - BigInt(offsetMinutes) * 60_000_000n;
}

export function days(y: number, mo: number, d: number): number {
  return Date.UTC(y, mo - 1, d) / 86_400_000;
}
