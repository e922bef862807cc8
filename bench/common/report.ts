// Renders a run's figures as fixed-width text tables: sizes, write and read speeds with NCF's ratio
// to each competitor, projection and pruning, then the targets met or missed.

import type { DatasetResult, Entry, RunResult, SizeEntry, Target } from './results.js';
import { rowsPerSecond } from './measure.js';

type Align = 'l' | 'r';

/** Lays out rows of cells under a header, each column as wide as its widest cell. */
export function table(header: string[], rows: string[][], align: Align[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, c) => (align[c] === 'r' ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].map((l) => `  ${l}`).join('\n');
}

export function fmtBytes(n: number): string {
  return n.toLocaleString('en-US');
}

export function fmtMB(n: number): string {
  return `${(n / 1e6).toFixed(2)} MB`;
}

export function fmtRate(rowsPerSec: number): string {
  if (!Number.isFinite(rowsPerSec)) return 'inf';
  if (rowsPerSec >= 1e6) return `${(rowsPerSec / 1e6).toFixed(2)}M`;
  if (rowsPerSec >= 1e3) return `${(rowsPerSec / 1e3).toFixed(1)}k`;
  return rowsPerSec.toFixed(0);
}

export function fmtMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

export function fmtRatio(r: number): string {
  return Number.isFinite(r) ? r.toFixed(2) : '-';
}

export function fmtPct(f: number): string {
  return `${(f * 100).toFixed(1)}%`;
}

function sizeSection(sizes: SizeEntry[]): string {
  const ncf = sizes.find((s) => s.key === 'ncf')!.bytes;
  const rows = sizes.map((s) => [s.label, fmtBytes(s.bytes), fmtMB(s.bytes), s.key === 'ncf' ? '' : fmtRatio(ncf / s.bytes)]);
  return table(['file size', 'bytes', '', 'NCF/this'], rows, ['l', 'r', 'r', 'r']);
}

/** Speed rows: median time, rows/s, and NCF's speed divided by this one's (> 1: NCF is faster). */
function speedSection(title: string, entries: Entry[]): string {
  const ncf = entries.find((e) => e.key === 'ncf');
  const rows = entries.map((e) => {
    const ratio = ncf && e.key !== 'ncf' ? e.timing.median / ncf.timing.median : NaN;
    return [e.label, fmtMs(e.timing.median), fmtMs(e.timing.best), fmtRate(rowsPerSecond(e.rows, e.timing.median)), fmtRatio(ratio)];
  });
  return table([title, 'median ms', 'best ms', 'rows/s', 'NCF speed/this'], rows, ['l', 'r', 'r', 'r', 'r']);
}

function datasetSection(d: DatasetResult): string {
  const out: string[] = [];
  const made = d.source ? 'loaded through NCF ingest' : 'generated';
  out.push(`== ${d.name}: ${d.description} (${d.columns} columns; ${made} in ${fmtMs(d.generateMs)} ms, not timed) ==`);
  if (d.source) out.push(`  real: ${d.source.file} (vega-datasets): ${d.source.traits}`);
  if (d.sizes.length > 0) out.push(sizeSection(d.sizes), '');
  if (d.write.length > 0) out.push(speedSection('write', d.write), '');
  if (d.read.length > 0) out.push(speedSection('read', d.read), '');
  if (d.projection) {
    const p = d.projection;
    const withParquet = p.columns.some((c) => c.parquetFraction !== undefined);
    out.push(`  projection: each column read alone; NCF share = lastScan.bytesRead / NCF file size (${fmtBytes(p.ncfFileBytes)} bytes)`);
    out.push(
      table(
        ['column', 'NCF bytes read', 'NCF share', ...(withParquet ? ['its share of the DuckDB zstd Parquet file'] : [])],
        p.columns.map((c) => [
          c.column,
          fmtBytes(c.ncfBytesRead),
          fmtPct(c.ncfFraction),
          ...(withParquet ? [c.parquetFraction === undefined ? '-' : fmtPct(c.parquetFraction)] : []),
        ]),
        ['l', 'r', 'r', 'r'],
      ),
    );
    if (p.timedColumn !== undefined) out.push('', speedSection(`read "${p.timedColumn}" only`, p.timed));
    out.push('');
  }
  if (d.pruning) {
    const p = d.pruning;
    out.push(
      `  pruning: ${p.column} in [${p.from}, ${p.to}) on files of ${p.ncf.rowGroupsTotal} row groups of ${fmtBytes(p.rowGroupRows)} rows; ${fmtBytes(p.matchingRows)} rows match`,
    );
    out.push(
      `  NCF scanned ${p.ncf.rowGroupsScanned}/${p.ncf.rowGroupsTotal} row groups (${fmtPct(p.ncf.rowGroupsScanned / p.ncf.rowGroupsTotal)}), ` +
        `read ${fmtBytes(p.ncf.bytesRead)} of ${fmtBytes(p.ncf.fileBytes)} bytes (${fmtPct(p.ncf.bytesRead / p.ncf.fileBytes)}); DuckDB's file has ${p.duckdbRowGroups} row groups`,
    );
    out.push(speedSection('filtered read (rows/s = matching rows)', p.timed), '');
  }
  if (d.groupBy) {
    const g = d.groupBy;
    out.push(`  group-by: ${g.select} (${g.groups} groups); DuckDB: ${g.sql}`);
    out.push(speedSection('group by a string (rows/s = input rows)', g.timed), '');
  }
  return out.join('\n').trimEnd();
}

const PARQUET_KEYS = ['duckdb-zstd', 'duckdb-snappy', 'parquet-wasm-zstd', 'source-parquet'];

/** One line per data set: size against the best Parquet, and NCF's speed ratios (> 1: NCF faster;
 *  the group-by column is NCF's time over DuckDB's, < 1: NCF faster). */
function summarySection(datasets: DatasetResult[]): string {
  const ratio = (entries: Entry[] | undefined, key: string): string => {
    const ncf = entries?.find((e) => e.key === 'ncf');
    const other = entries?.find((e) => e.key === key);
    return ncf && other ? fmtRatio(other.timing.median / ncf.timing.median) : '-';
  };
  const rows = datasets
    .filter((d) => d.sizes.length > 0)
    .map((d) => {
      const ncf = d.sizes.find((s) => s.key === 'ncf')!.bytes;
      const best = d.sizes.filter((s) => PARQUET_KEYS.includes(s.key)).reduce((a, b) => (b.bytes < a.bytes ? b : a));
      const g = d.groupBy?.timed;
      const gNcf = g?.find((e) => e.key === 'ncf');
      const gDuck = g?.find((e) => e.key === 'duckdb');
      return [
        d.name,
        fmtBytes(d.rows),
        fmtMB(ncf),
        `${fmtMB(best.bytes)} (${best.key})`,
        fmtRatio(ncf / best.bytes),
        ratio(d.write, 'duckdb-zstd'),
        ratio(d.read, 'duckdb-scan'),
        ratio(d.read, 'duckdb-scan-1t'),
        ratio(d.pruning?.timed, 'duckdb-scan'),
        gNcf && gDuck ? fmtRatio(gNcf.timing.median / gDuck.timing.median) : '-',
      ];
    });
  return table(['data set', 'rows', 'NCF', 'best Parquet', 'size', 'write', 'read', 'read 1t', 'filtered', 'group-by time'], rows, [
    'l',
    'r',
    'r',
    'l',
    'r',
    'r',
    'r',
    'r',
    'r',
    'r',
  ]);
}

function targetSection(targets: Target[]): string {
  return table(
    ['data set', 'target', 'goal', 'actual', ''],
    targets.map((t) => [t.dataset, t.what, t.goal, t.actual, t.met ? 'met' : 'MISSED']),
    ['l', 'l', 'l', 'r', 'l'],
  );
}

export function renderReport(r: RunResult): string {
  const m = r.machine;
  const lines: string[] = [];
  lines.push(
    `NCF benchmark, ${r.mode} run started ${r.startedAt}: median of ${r.repeats} timed run(s) after ${r.warmups} warm-up(s), one process`,
  );
  lines.push(
    `machine: ${m.cpu}, ${m.cores} cores, ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB, ${m.os}; load average ${m.loadAverage.toFixed(2)} at start`,
  );
  lines.push(
    `software: node ${m.node}, DuckDB ${m.duckdb} (@duckdb/node-api ${m.duckdbNodeApi}, ${m.duckdbThreads} threads), ` +
      `apache-arrow ${m.apacheArrow}, parquet-wasm ${m.parquetWasm}; NCF zstd level 3, ` +
      (m.ncfWorkers === undefined ? 'NCF single-threaded' : `NCF main thread + ${m.ncfWorkers} chunk workers`),
  );
  lines.push('ratios: size "NCF/this" < 1 means NCF is smaller; speed "NCF speed/this" > 1 means NCF is faster', '');
  for (const d of r.datasets) lines.push(datasetSection(d), '');
  lines.push(
    '== summary: size = NCF / best Parquet; write, read, filtered = NCF speed / DuckDB (read 1t: DuckDB on 1 thread); group-by time = NCF / DuckDB ==',
    summarySection(r.datasets),
    '',
  );
  lines.push('== targets (from the issues) ==', targetSection(r.targets), '');
  lines.push(`total ${r.totalSeconds.toFixed(0)} s`);
  return lines.join('\n');
}
