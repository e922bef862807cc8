// Renders the service benchmark as fixed-width tables in the engine report's style (report.ts):
// upload rows/s against DuckDB, the full-table Arrow stream with the server's memory, the point query
// under load, then the service targets met or missed.

import type { Machine, Target } from '../common/results.js';
import { fmtMB, fmtMs, fmtRate, fmtRatio, table } from '../common/report.js';
import { rowsPerSecond } from '../common/measure.js';
import type { LoadResult } from '../../test/support/autocannon.js';
import type { ServiceResult } from './results.js';
import { label } from '../data/datasets.js';

const mib = (n: number | null | undefined): string => (n === null || n === undefined ? '-' : `${(n / 2 ** 20).toFixed(0)} MiB`);

/** The targets of the performance section that concern the service. */
export function checkServiceTargets(r: Omit<ServiceResult, 'targets' | 'totalSeconds' | 'notes'>): Target[] {
  const out: Target[] = [];
  const curl = r.stream.entries.find((e) => e.key === 'curl');
  if (curl) {
    const rate = rowsPerSecond(curl.rows, curl.timing.median);
    out.push({
      dataset: `flights-${label(r.stream.rows)}`,
      what: 'Arrow stream rows/s (curl, median)',
      goal: '>= 10M',
      actual: fmtRate(rate),
      met: rate >= 10e6,
    });
  }
  for (const [name, l] of [
    ['JSON', r.point.json],
    ['Arrow', r.point.arrow],
  ] as const) {
    out.push({
      dataset: 'point query',
      what: `${name}: p99 latency, ${l.connections} connections`,
      goal: '< 20 ms',
      actual: `${fmtMs(l.p99)} ms`,
      met: l.p99 < 20,
    });
    const bad = l.errors + l.non2xx;
    out.push({ dataset: 'point query', what: `${name}: errors + non-2xx`, goal: '0', actual: String(bad), met: bad === 0 });
  }
  return out;
}

function loadRows(name: string, l: LoadResult): string[][] {
  const counts = [String(l.errors), String(l.timeouts), String(l.non2xx), l.bytesPerResponse.toFixed(0)];
  return [
    [
      `${name}, ${l.connections} conns, ${l.seconds.toFixed(0)} s`,
      l.requests.toLocaleString('en-US'),
      l.reqPerSec.toFixed(0),
      fmtMs(l.p50),
      fmtMs(l.p975),
      fmtMs(l.p99),
      fmtMs(l.max),
      ...counts,
    ],
    [
      "  without each connection's 1st",
      '',
      '',
      fmtMs(l.warm.p50),
      fmtMs(l.warm.p975),
      fmtMs(l.warm.p99),
      fmtMs(l.warm.max),
      '',
      '',
      '',
      '',
    ],
  ];
}

export function renderServiceReport(
  r: ServiceResult,
  opts: { machine?: Machine; mode: string; plan: { warmups: number; repeats: number } },
): string {
  const lines: string[] = [];
  const m = opts.machine;
  lines.push(
    `== service: ${opts.mode} run; the built server (dist/src/server.js) as a child process on 127.0.0.1, LOG_LEVEL=info; ` +
      `clients in the bench process; median of ${opts.plan.repeats} timed run(s) after ${opts.plan.warmups} warm-up(s) ==`,
  );
  if (m) {
    lines.push(
      `machine: ${m.cpu}, ${m.cores} cores, ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB, ${m.os}; load average ${m.loadAverage.toFixed(2)} at start`,
    );
    lines.push(`software: node ${m.node}, DuckDB ${m.duckdb} (${m.duckdbThreads} threads), apache-arrow ${m.apacheArrow}`);
  }
  for (const n of r.notes) lines.push(`note: ${n}`);
  lines.push('');

  const u = r.upload;
  const svc = u.entries.find((e) => e.key === 'service');
  lines.push(`  upload: the same ${fmtMB(u.csvBytes)} CSV file of ${u.rows.toLocaleString('en-US')} flights rows (11 columns)`);
  lines.push(
    table(
      ['upload', 'median ms', 'best ms', 'rows/s', 'MB/s', 'service speed/this'],
      u.entries.map((e) => [
        e.label,
        fmtMs(e.timing.median),
        fmtMs(e.timing.best),
        fmtRate(rowsPerSecond(e.rows, e.timing.median)),
        (u.csvBytes / 1e6 / (e.timing.median / 1000)).toFixed(1),
        svc && e.key !== 'service' ? fmtRatio(e.timing.median / svc.timing.median) : '',
      ]),
      ['l', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  lines.push(`  types read by the service: ${u.serviceTypes}`);
  lines.push(`  types read by DuckDB:      ${u.duckdbTypes}`, '');

  const s = r.stream;
  lines.push(
    `  Arrow stream: GET /v1/tables/flights/rows (all ${s.columns} columns, ${s.rows.toLocaleString('en-US')} rows; stored ${fmtMB(s.storedBytes)} in ${s.rowGroups} row groups), ` +
      `Accept: application/vnd.apache.arrow.stream, no Content-Encoding`,
  );
  lines.push(
    `  (loaded before by a curl upload of a ${fmtMB(s.load.inputBytes)} Arrow IPC stream file, timed once for information: ${fmtMs(s.load.ms)} ms, ${fmtRate(rowsPerSecond(s.rows, s.load.ms))} rows/s)`,
  );
  lines.push(
    table(
      ['client, request to last byte', 'median ms', 'best ms', 'rows/s', 'MB/s', 'body bytes'],
      s.entries.map((e) => [
        e.label,
        fmtMs(e.timing.median),
        fmtMs(e.timing.best),
        fmtRate(rowsPerSecond(e.rows, e.timing.median)),
        (e.bytes / 1e6 / (e.timing.median / 1000)).toFixed(0),
        e.bytes.toLocaleString('en-US'),
      ]),
      ['l', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  lines.push(
    `  server RSS: ${mib(s.rss.before?.rss)} before the first stream, peak ${mib(s.rss.peak)} during the streams (${s.rss.peakSource}), ${mib(s.rss.after?.rss)} after`,
    '',
  );

  const p = r.point;
  lines.push(`  point query: ${p.paths.length} fixed URLs cycled by every connection, e.g. ${p.paths[0]}`);
  lines.push(
    `  table of ${p.tableRows.toLocaleString('en-US')} rows sorted by id; every URL matches 1 row; NCF-Row-Groups: ${p.rowGroupsHeader}; latencies in ms,`,
  );
  lines.push("  first over every response (targets), then without each connection's first response, which includes its TCP connect");
  lines.push(
    table(
      ['answer', 'requests', 'req/s', 'p50 ms', 'p97.5 ms', 'p99 ms', 'max ms', 'errors', 'timeouts', 'non-2xx', 'bytes/resp'],
      [...loadRows('JSON', p.json), ...loadRows('Arrow', p.arrow)],
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
  );

  const a = r.aggregate;
  lines.push(
    `  aggregates: the same ${a.rows.toLocaleString('en-US')} flights rows; the service's table (above) vs DuckDB over a Parquet zstd copy (${fmtMB(a.parquetBytes)}), read_parquet every run;`,
  );
  lines.push('  the service reads its footers and chunks through its reader and decoded-chunk caches, as it does for every request');
  lines.push(
    '  and the engine alone in the bench process over an NCF file of the same rows, opened and decoded every run (no chunk cache); medians',
  );
  lines.push(
    table(
      ['aggregate', 'groups', 'answered from', 'service ms', 'engine ms', 'DuckDB ms', 'service/DuckDB', 'engine/DuckDB'],
      a.queries.map((q) => {
        const ms = (key: string): number => q.entries.find((e) => e.key === key)?.timing.median ?? NaN;
        return [
          q.path.replace('/v1/tables/flights/rows?', ''),
          String(q.groups),
          `${q.answeredFrom} (${q.rowGroups})`,
          fmtMs(ms('service')),
          fmtMs(ms('engine')),
          fmtMs(ms('duckdb')),
          fmtRatio(ms('service') / ms('duckdb')),
          fmtRatio(ms('engine') / ms('duckdb')),
        ];
      }),
      ['l', 'r', 'l', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  for (const q of a.queries) lines.push(`  DuckDB: ${q.sql}`);
  lines.push('');

  lines.push('== service targets (from the issue) ==');
  lines.push(
    table(
      ['what', 'target', 'goal', 'actual', ''],
      r.targets.map((t) => [t.dataset, t.what, t.goal, t.actual, t.met ? 'met' : 'MISSED']),
      ['l', 'l', 'l', 'r', 'l'],
    ),
  );
  lines.push('', `service part: ${r.totalSeconds.toFixed(0)} s`);
  return lines.join('\n');
}
