import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bufferSource, detectFormat, readInput, type Format } from '../../src/ingest/index.js';
import { rejectsWith } from './util.js';

test('detectFormat: explicit name, then Content-Type, then extension', () => {
  const table: [Parameters<typeof detectFormat>[0], string | null][] = [
    [{ format: 'csv' }, 'csv'],
    [{ format: 'NDJSON' }, 'ndjson'],
    [{ format: 'jsonl' }, 'ndjson'],
    [{ format: 'parquet', contentType: 'text/csv' }, 'parquet'],
    [{ format: 'xml', filename: 'a.csv' }, null], // an unknown explicit name is not overridden
    [{ contentType: 'text/csv' }, 'csv'],
    [{ contentType: 'text/csv; charset=utf-8' }, 'csv'],
    [{ contentType: 'Application/X-NDJSON' }, 'ndjson'],
    [{ contentType: 'application/json;charset=UTF-8', filename: 'x.csv' }, 'json'],
    [{ contentType: 'application/vnd.apache.arrow.stream' }, 'arrow'],
    [{ contentType: 'application/vnd.apache.arrow.file' }, 'arrow'],
    [{ contentType: 'application/vnd.apache.parquet' }, 'parquet'],
    [{ contentType: 'application/octet-stream', filename: 'data.parquet' }, 'parquet'],
    [{ filename: 'flights.csv' }, 'csv'],
    [{ filename: 'FLIGHTS.TSV' }, 'csv'],
    [{ filename: 'a.b.ndjson' }, 'ndjson'],
    [{ filename: 'x.jsonl' }, 'ndjson'],
    [{ filename: 'x.json' }, 'json'],
    [{ filename: '/tmp/t.arrow' }, 'arrow'],
    [{ filename: 't.arrows' }, 'arrow'],
    [{ filename: 't.ipc' }, 'arrow'],
    [{ filename: 't.feather' }, 'arrow'],
    [{ filename: 'README' }, null],
    [{ filename: 'x.xlsx' }, null],
    [{ filename: 'x.constructor' }, null],
    [{ contentType: 'text/plain' }, null],
    [{}, null],
  ];
  for (const [hint, expected] of table) assert.equal(detectFormat(hint), expected, JSON.stringify(hint));
});

test('readInput refuses an unknown format name from plain JS callers', async () => {
  const it = readInput('xml' as Format, bufferSource(new Uint8Array(0)));
  await rejectsWith(it.next(), 'INPUT', /unknown input format "xml"; expected one of csv, ndjson, json, arrow, parquet/);
});
