// Real public tables for the bench (issue 12 item 5, issue 15 item 4): files that the vega-datasets
// npm package ships (a devDependency), loaded as Arrow Tables the way a user's upload arrives: through
// NCF's own ingest (src/ingest: readInput with the format of the file), so the types are what NCF's
// inference gives users, not hand-picked ones. The catalogue says what makes each table real.

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as arrow from 'apache-arrow';
import { fileSource, readInput, type Format } from '../../src/ingest/index.js';
import type { Dataset } from './datasets.js';

export interface RealTable {
  /** Name used on the command line (`--tables`) and in the report. */
  name: string;
  /** File under vega-datasets/data/. */
  file: string;
  format: Format;
  /** Rows in the file (checked at load). */
  rows: number;
  /** What makes it real: nulls, dates as text, correlated columns, skew... */
  traits: string;
  /** Columns that are functions of others (issue 15's ≤ 0.70× size target applies). */
  correlated: boolean;
  /** A timestamp or date column for the filtered-read measurement, if the table is large enough. */
  rangeColumn?: string;
  /** A string column and two numeric ones for the group-by measurement: key, count(), avg(a), max(b). */
  groupBy?: { key: string; avg: string; max: string };
}

export const REAL_TABLES: readonly RealTable[] = [
  {
    name: 'flights-3m',
    file: 'flights-3m.parquet',
    format: 'parquet',
    rows: 3_000_000,
    traits: 'US flights 2001 (timestamp, delay, distance, ~230-value origin/destination); distance is a function of the airport pair',
    correlated: true,
    rangeColumn: 'date',
    groupBy: { key: 'origin', avg: 'delay', max: 'distance' },
  },
  {
    name: 'flights-200k',
    file: 'flights-200k.arrow',
    format: 'arrow',
    rows: 200_000,
    traits: 'flights as Arrow IPC: int16 delay and distance, float32 time of day (many rows, narrow types)',
    correlated: false,
  },
  {
    name: 'zipcodes',
    file: 'zipcodes.csv',
    format: 'csv',
    rows: 42_049,
    traits: 'US zip codes: leading-zero zips (text), city/state/county determined by the zip, lat/long near-duplicated',
    correlated: true,
  },
  {
    name: 'seattle-weather',
    file: 'seattle-weather.csv',
    format: 'csv',
    rows: 1_461,
    traits: 'daily weather: dates as text, one-decimal measures, a 5-value weather string',
    correlated: false,
  },
  {
    name: 'movies',
    file: 'movies.json',
    format: 'json',
    rows: 3_201,
    traits: 'JSON records with many nulls, dates as "Jun 12 1998" text, numbers mixed int/float, free-text titles',
    correlated: false,
  },
  {
    name: 'birdstrikes',
    file: 'birdstrikes.csv',
    format: 'csv',
    rows: 10_000,
    traits: 'FAA bird strikes: text dates, low-cardinality categories (phase, size, time of day), skewed costs (mostly 0)',
    correlated: false,
  },
];

/** The directory of vega-datasets' data files (the package exports no files to resolve through). */
export function vegaDataDir(): string {
  return fileURLToPath(new URL('../../node_modules/vega-datasets/data/', import.meta.url));
}

export function realTable(name: string): RealTable {
  const t = REAL_TABLES.find((r) => r.name === name);
  if (!t) throw new Error(`bench: no real table "${name}"; known: ${REAL_TABLES.map((r) => r.name).join(', ')}`);
  return t;
}

/** The path of a real table's source file. */
export function realPath(t: RealTable): string {
  return join(vegaDataDir(), t.file);
}

/** A real table read through NCF's ingest as one Arrow Table (batches as the upload route gets them). */
export async function loadReal(t: RealTable): Promise<Dataset> {
  const sourcePath = realPath(t);
  // The default decode limits (no upload budget), as `ncf convert` uses them.
  const batches: arrow.RecordBatch[] = [];
  for await (const b of readInput(t.format, fileSource(sourcePath))) batches.push(b);
  const table = new arrow.Table(batches);
  if (table.numRows !== t.rows) throw new Error(`bench: ${t.file} ingested to ${table.numRows} rows, the catalogue says ${t.rows}`);
  const types = table.schema.fields.map((f) => `${f.name}: ${String(f.type)}`).join(', ');
  return {
    name: t.name,
    description: `${t.file} via NCF ingest (${types})`,
    table,
    rows: table.numRows,
    source: { file: t.file, traits: t.traits },
    ...(t.format === 'parquet' ? { sourceParquet: sourcePath } : {}),
    ...(t.rangeColumn ? { rangeColumn: t.rangeColumn } : {}),
    ...(t.groupBy ? { groupBy: t.groupBy } : {}),
    ...(t.correlated ? { correlated: true } : {}),
  };
}
