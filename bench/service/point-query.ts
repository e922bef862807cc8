// Point-query benchmark on its own (the fast path for sorted columns, FORMAT.md §7 `sorted`):
//   engine:  in process, a 1M-row flights table with an `id` column (sorted) written by NCFWriter,
//            read through one NCFReader with a chunk cache, as the service reads it: plan() prunes,
//            scan() of the planned row groups; ms per query over a fixed list of ids, after a warm-up;
//            once with the footer's `sorted` flags dropped (the scan path) and once with them.
//   service: the built server (dist/src/server.js), the 3M-row table uploaded as Arrow, then the same
//            autocannon load as section 3 of the service bench (100 connections, 16 fixed URLs, 2 s
//            untimed then 10 s timed, answered as JSON and then as Arrow).
// Usage: node --import tsx bench/service/point-query.ts [engine|service] [--rows N] [--rounds R] [--seconds S] [--cpu-prof dir]

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NCFReader, NCFWriter } from '../../src/index.js';
import { ChunkCache } from '../../src/format/chunk-cache.js';
import { Prng } from '../../test/support/prng.js';
import { makeFlightsWithId, writeArrowStream } from './data.js';
import { ARROW_STREAM, curlUpload } from './client.js';
import { runLoad } from '../../test/support/autocannon.js';
import { startService } from '../../test/support/service-process.js';

const SELECT = ['id', 'ts', 'carrier', 'origin', 'dest', 'delay', 'price'];
const IDS = 16;

function arg(name: string, dflt: number): number {
  const k = process.argv.indexOf(name);
  return k < 0 ? dflt : Number(process.argv[k + 1]);
}

async function engine(dir: string): Promise<void> {
  const rows = arg('--rows', 1_000_000);
  const data = makeFlightsWithId(rows);
  const path = join(dir, 'flights.ncf');
  const w = await NCFWriter.open(path);
  await w.write(data.table);
  await w.close();
  const flagged = await NCFReader.open(path, { chunkCache: new ChunkCache() });
  // The same file as an older writer's: the `sorted` flags dropped from the decoded footer, so the
  // filter scans the row group (the path every query took before the flag existed).
  const unflagged = await NCFReader.open(path, { chunkCache: new ChunkCache() });
  for (const rg of unflagged.meta.rowGroups) for (const c of rg.chunks) delete c.sorted;
  const rng = new Prng(7);
  const ids = Array.from({ length: IDS }, () => rng.int(rows));
  const rounds = arg('--rounds', 200);
  for (const [label, reader] of [
    ['without the flag (scan)', unflagged],
    ['with the flag (binary search)', flagged],
  ] as const) {
    const ms = await timeQueries(reader, ids, rounds);
    console.log(
      `engine: ${rows.toLocaleString('en')} rows, ${reader.meta.rowGroups.length} row groups, ${label}: ` +
        `${rounds * IDS} point queries (id=eq.N, select ${SELECT.length} columns, chunks cached): ${ms.toFixed(4)} ms/query`,
    );
    await reader.close();
  }
}

/** ms per query over `rounds` passes through `ids`, after a cache-filling pass and a warm-up. */
async function timeQueries(reader: NCFReader, ids: number[], rounds: number): Promise<number> {
  const query = async (id: number): Promise<number> => {
    const where = `id=eq.${id}`;
    const { rowGroups } = reader.plan(where);
    let n = 0;
    for await (const b of reader.scan({ columns: SELECT, where, rowGroups })) {
      n += b.numRows;
      if (b.getChild('id')!.get(0) !== id) throw new Error(`bench: id=eq.${id} returned the wrong row`);
    }
    if (n !== 1) throw new Error(`bench: id=eq.${id} returned ${n} rows`);
    return n;
  };
  for (const id of ids) await query(id); // fills the chunk cache, compiles the hot paths
  for (let r = 0; r < rounds / 4; r++) for (const id of ids) await query(id);
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) for (const id of ids) await query(id);
  return (performance.now() - t0) / (rounds * ids.length);
}

async function service(dir: string): Promise<void> {
  const rows = arg('--rows', 3_000_000);
  const seconds = arg('--seconds', 10);
  const dataDir = await mkdtemp(join(dir, 'data-'));
  const k = process.argv.indexOf('--cpu-prof');
  const svc = await startService({
    dataDir,
    logFile: join(dir, 'server.log'),
    ...(k >= 0 ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${process.argv[k + 1]}`] } : {}),
  });
  try {
    const file = join(dir, 'flights.arrows');
    await writeArrowStream(makeFlightsWithId(rows).table, file);
    const up = await curlUpload('POST', `${svc.url}/v1/tables/flights`, file, ARROW_STREAM);
    if (up.status !== 201) throw new Error(`bench: upload: ${up.status} ${up.body.slice(0, 300)}`);
    await rm(file);
    const rng = new Prng(7);
    const ids = Array.from({ length: IDS }, () => rng.int(rows));
    const paths = ids.map((id) => `/v1/tables/flights/rows?id=eq.${id}&select=${SELECT.join(',')}`);
    for (let i = 0; i < paths.length; i++) {
      const res = await fetch(svc.url + paths[i]!);
      const body = (await res.json()) as { rows?: { id: number }[] };
      if (res.status !== 200 || body.rows?.length !== 1 || body.rows[0]!.id !== ids[i])
        throw new Error(`bench: ${paths[i]}: ${res.status}`);
    }
    for (const [answer, headers] of [
      ['JSON', undefined],
      ['Arrow', { accept: ARROW_STREAM }],
    ] as const) {
      const base = { url: svc.url, paths, connections: 100, ...(headers ? { headers } : {}) };
      await runLoad({ ...base, seconds: 2 }); // untimed: compiles the hot paths
      const r = await runLoad({ ...base, seconds });
      const f = (x: number): string => x.toFixed(1);
      console.log(
        `service: ${rows.toLocaleString('en')} rows, ${answer}, 100 connections, ${seconds} s: ${Math.round(r.reqPerSec)} req/s, ` +
          `p50 ${f(r.p50)} ms, p97.5 ${f(r.p975)} ms, p99 ${f(r.p99)} ms, max ${f(r.max)} ms; without each connection's 1st: ` +
          `p50 ${f(r.warm.p50)}, p99 ${f(r.warm.p99)}, max ${f(r.warm.max)} ms; errors ${r.errors}, timeouts ${r.timeouts}, non-2xx ${r.non2xx}`,
      );
    }
  } finally {
    await svc.stop();
  }
}

const dir = await mkdtemp(join(tmpdir(), 'ncf-point-'));
try {
  if (process.argv[2] === 'service') await service(dir);
  else await engine(dir);
} finally {
  await rm(dir, { recursive: true, force: true });
}
