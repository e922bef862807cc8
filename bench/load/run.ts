// `npm run load` and `npm run soak` (issue 5): start the built server on loopback, create the tables
// (a 1M-row base table, a 1 MiB `events` table), run the mixed load of load-run.ts, print req/s,
// latency p50/p97.5/p99/max (overall and per kind), errors, non-2xx, the server's RSS before, peak and
// after, and the consistency check; exit 1 when anything failed.
//   npm run load [-- --seconds 30 --connections 100 --rows 1000000 --json out.json]
//   npm run soak [-- --seconds 600]   (RSS sampled every 10 s, flatness checked, longer cycles)
// The soak's memory verdict: the median of RSS minus the decoded-chunk cache's bytes (read from the
// server's /metrics at each sample: the cache fills toward its fixed 256 MiB bound for many minutes,
// by design) over the last third of the run may exceed that of the middle third by at most
// SOAK_GROWTH_LIMIT, and the cache must stay within its bound.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createBaseTable, KINDS, runMixedLoad, writeBaseCsv, type MixResult } from '../../test/support/load-run.js';
import { checkBuild, readRss, startService } from '../../test/support/service-process.js';

/** The server's decoded-chunk cache bound (src/tables/reader-cache.ts). */
const CHUNK_CACHE_BOUND = 256 * 2 ** 20;
/** Largest tolerated growth of the memory outside the chunk cache over a soak, middle third → last third (medians). */
const SOAK_GROWTH_LIMIT = 0.05;

const { values: args } = parseArgs({
  options: {
    soak: { type: 'boolean', default: false },
    seconds: { type: 'string' },
    connections: { type: 'string', default: '100' },
    rows: { type: 'string', default: '1000000' },
    json: { type: 'string' },
  },
});

const soak = args.soak!;
const seconds = Number(args.seconds ?? (soak ? 600 : 30));
const connections = Number(args.connections);
const rows = Number(args.rows);
for (const [name, v] of [
  ['seconds', seconds],
  ['connections', connections],
  ['rows', rows],
] as const) {
  if (!Number.isInteger(v) || v < 1) throw new Error(`load: --${name} must be a positive integer`);
}

const mib = (b: number): string => (b / 2 ** 20).toFixed(0);
const ms = (x: number): string => (Number.isFinite(x) ? (x < 10 ? x.toFixed(2) : x.toFixed(0)) : '-');
const log = (s: string): void => {
  process.stdout.write(`${s}\n`);
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)]!;
}

function report(r: MixResult): string[] {
  const out: string[] = [];
  out.push(
    `requests ${r.requests} in ${r.seconds.toFixed(1)} s: ${r.reqPerSec.toFixed(0)} req/s, ${(r.bytesPerSec / 2 ** 20).toFixed(1)} MiB/s read`,
  );
  out.push(`errors ${r.errors} (timeouts ${r.timeouts}), non-2xx ${r.non2xx}`);
  out.push('latency ms        count     p50   p97.5     p99     max   non-2xx');
  const row = (name: string, l: MixResult['latency'], non2xx: number | string) =>
    `  ${name.padEnd(12)}${String(l.count).padStart(9)}${ms(l.p50).padStart(8)}${ms(l.p975).padStart(8)}${ms(l.p99).padStart(8)}${ms(l.max).padStart(8)}${String(non2xx).padStart(10)}`;
  out.push(row('all', r.latency, r.non2xx));
  for (const k of KINDS) out.push(row(k, r.byKind[k], r.byKind[k].non2xx));
  out.push(`server RSS MiB: before ${mib(r.rss.before)}, peak ${mib(r.rss.peak)}, after ${mib(r.rss.after)}`);
  const c = r.consistency;
  out.push(
    `consistency: ${c.reads} reads of the appended tables, ${c.versionsSeen} distinct versions over ${c.tables} tables, ${c.mismatches.length} mismatches, ${c.unknownVersions} of versions answered after the stop, ${c.cut} cut short by the server`,
  );
  for (const m of c.mismatches.slice(0, 10)) out.push(`  MISMATCH ${m}`);
  const m = r.maintenance;
  out.push(`maintenance: ${m.rotations} new events tables, ${m.drops} dropped, ${m.unexpected.length} unexpected answers`);
  for (const u of m.unexpected.slice(0, 10)) out.push(`  UNEXPECTED ${u}`);
  return out;
}

async function main(): Promise<number> {
  const stale = checkBuild();
  if (stale) log(`warning: ${stale}`);
  const dir = await mkdtemp(join(os.tmpdir(), 'ncf-load-'));
  let svc;
  try {
    svc = await startService({
      dataDir: dir,
      logFile: join(dir, 'server.log'),
      // Request logs on, as in production (to a file).
      env: { LOG_LEVEL: 'info' },
    });
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  let failed = false;
  try {
    const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
    log(`${soak ? 'soak' : 'load'}: ${connections} connections for ${seconds} s against ${svc.url} (pid ${svc.pid})`);
    log(
      `machine: ${cpu}, ${os.availableParallelism()} cores, ${mib(os.totalmem())} MiB, load average ${os.loadavg()[0]!.toFixed(2)}, Node ${process.version}`,
    );
    const csv = join(dir, 'base.csv');
    const t0 = performance.now();
    await writeBaseCsv(csv, rows);
    const created = await createBaseTable(svc.url, csv);
    await rm(csv);
    log(
      `base table t: ${created.rowCount} rows, written and uploaded in ${((performance.now() - t0) / 1000).toFixed(1)} s; server RSS ${mib(readRss(svc.pid)?.rss ?? NaN)} MiB`,
    );
    log(
      'mix per connection: 18 pruned point queries (JSON), 1 Arrow stream of 100,000 rows, 1 CSV append of 1 MiB (4096 rows); appends move to a new table every 64',
    );
    const r = await runMixedLoad({
      url: svc.url,
      pid: svc.pid,
      connections,
      seconds,
      maxRequests: seconds * 50_000,
      baseRows: rows,
      pointsPerCycle: 18,
      resetAfterAppends: 64,
      checkEveryMs: soak ? 500 : 100,
      rssEveryMs: soak ? 10_000 : 1000,
      log,
    });
    await new Promise((res) => setTimeout(res, 2000));
    const settled = readRss(svc.pid)?.rss ?? NaN;
    for (const l of report(r)) log(l);
    log(`server RSS 2 s after the load: ${mib(settled)} MiB`);
    log(`server memory by kind (/metrics): ${await memoryBreakdown(svc.url)}`);
    failed = r.errors > 0 || r.non2xx > 0 || r.consistency.mismatches.length > 0 || r.maintenance.unexpected.length > 0;
    let soakVerdict: Record<string, number> | null = null;
    if (soak) {
      // The verdict is on the memory outside the decoded-chunk cache, which fills toward its fixed
      // bound over the first many minutes by design; the cache itself must stay within that bound.
      const s = r.rss.samples.filter((p) => Number.isFinite(p.cache));
      for (const p of s)
        log(
          `  t=${p.t.toFixed(0).padStart(4)} s  RSS ${mib(p.rss).padStart(5)} MiB  chunk cache ${mib(p.cache).padStart(4)} MiB  outside it ${mib(p.rss - p.cache).padStart(5)} MiB`,
        );
      const third = Math.floor(s.length / 3);
      const mid = median(s.slice(third, 2 * third).map((p) => p.rss - p.cache));
      const last = median(s.slice(2 * third).map((p) => p.rss - p.cache));
      const growth = (last - mid) / mid;
      const cacheMax = Math.max(...s.map((p) => p.cache));
      soakVerdict = {
        middleThirdMedianRssOutsideCache: mid,
        lastThirdMedianRssOutsideCache: last,
        growth,
        chunkCacheMax: cacheMax,
        samples: s.length,
      };
      const flat = s.length >= 9 && Number.isFinite(growth) && growth <= SOAK_GROWTH_LIMIT;
      const bounded = cacheMax <= CHUNK_CACHE_BOUND;
      log(
        `memory outside the chunk cache: median ${mib(mid)} MiB (middle third) → ${mib(last)} MiB (last third), ${(growth * 100).toFixed(1)}%: ${flat ? 'flat' : `GROWING (limit ${SOAK_GROWTH_LIMIT * 100}%)`}`,
      );
      log(`chunk cache: at most ${mib(cacheMax)} MiB (bound ${mib(CHUNK_CACHE_BOUND)} MiB)${bounded ? '' : ': OVER ITS BOUND'}`);
      if (!flat || !bounded) failed = true;
    }
    if (args.json)
      await writeFile(
        args.json,
        JSON.stringify(
          {
            soak,
            connections,
            rows,
            seconds,
            machine: { cpu, cores: os.availableParallelism(), node: process.version },
            result: r,
            settledRss: settled,
            soakVerdict,
          },
          null,
          2,
        ),
      );
    log(failed ? 'FAILED' : 'ok');
  } finally {
    await svc.stop();
    await rm(dir, { recursive: true, force: true });
  }
  return failed ? 1 : 0;
}

/** The server's own account of its memory (heap, buffers outside it, chunk cache, open files), to
 *  tell a growing RSS's cause: V8's lazy collection, the caches, or native memory. */
async function memoryBreakdown(url: string): Promise<string> {
  try {
    const text = await (await fetch(`${url}/metrics`)).text();
    const pick = (re: RegExp) => {
      const m = re.exec(text);
      return m ? Number(m[1]) : NaN;
    };
    const kinds = ['rss', 'heap_used', 'heap_total', 'external', 'array_buffers'].map(
      (k) => `${k} ${mib(pick(new RegExp(`^ncf_process_memory_bytes\\{kind="${k}"\\} (\\d+)$`, 'm')))} MiB`,
    );
    return `${kinds.join(', ')}; chunk cache ${mib(pick(/^ncf_chunk_cache_bytes (\d+)$/m))} MiB; ${pick(/^ncf_open_table_files (\d+)$/m)} table files open`;
  } catch (e) {
    return `unavailable (${(e as Error).message})`;
  }
}

process.exitCode = await main();
