// Compression of a big Arrow answer (issue #13, "compression that pays"): the bench's 3M-row flights
// table (data.ts) read whole as Arrow by curl with a browser's Accept-Encoding and with identity,
// cold (the first read after the server started) and warm (median of the repeats), against one or
// more server builds in the same run (e.g. main's and this branch's), so before/after share a machine
// state. curl stores the bytes as sent (no --compressed): this times the server, not a decoder.
//
//   node --import tsx bench/service/compression.ts [--rows 3000000] [--repeats 3] label=path/to/dist/src/server.js …
//
// Default build: this checkout's dist/src/server.js (npm run build first).

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ARROW_STREAM, curlDiscard, curlUpload } from './client.js';
import { makeFlightsWithId, writeArrowStream } from './data.js';

const BROWSER = 'gzip, deflate, br, zstd';

interface Running {
  url: string;
  stop(): Promise<void>;
}

// NCF_QUERY_TIMEOUT_MS is raised: main's brotli answer of this table runs past the default 30 s on a
// busy machine, and the cut answer would be no measurement.
async function start(serverJs: string, dataDir: string, env: Record<string, string>): Promise<Running> {
  const proc = spawn(process.execPath, [serverJs], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', NCF_DATA_DIR: dataDir, LOG_LEVEL: 'info', NCF_QUERY_TIMEOUT_MS: '600000', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  proc.stderr.setEncoding('utf8').on('data', (s: string) => (out += s));
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`no URL from ${serverJs}:\n${out}`)), 30_000);
    const check = (): void => {
      const m = /listening on (http:\/\/[^\s"]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        res(m[1]!);
      }
    };
    proc.stdout.on('data', check);
    proc.stderr.on('data', check);
  });
  return {
    url,
    stop: async () => {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    },
  };
}

async function read(url: string, acceptEncoding: string): Promise<{ seconds: number; bytes: number }> {
  const t0 = performance.now();
  const r = await curlDiscard(url, { Accept: ARROW_STREAM, 'Accept-Encoding': acceptEncoding });
  if (r.status !== 200) throw new Error(`GET ${url}: ${r.status}`);
  return { seconds: (performance.now() - t0) / 1000, bytes: r.bytes };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { rows: { type: 'string', default: '3000000' }, repeats: { type: 'string', default: '3' } },
  });
  const rows = Number(values.rows);
  const repeats = Number(values.repeats);
  const builds = (positionals.length > 0 ? positionals : [`this=${resolve('dist/src/server.js')}`]).map((p) => {
    const [label, path] = p.includes('=') ? (p.split('=', 2) as [string, string]) : [p, p];
    return { label, path: resolve(path) };
  });
  const work = await mkdtemp(join(tmpdir(), 'ncf-bench-compression-'));
  try {
    const file = join(work, 'flights.arrows');
    const data = makeFlightsWithId(rows);
    const inputBytes = await writeArrowStream(data.table, file);
    console.log(`flights: ${rows} rows, ${data.table.numCols} columns, ${(inputBytes / 1e6).toFixed(0)} MB of Arrow IPC (not timed)`);
    for (const build of builds) {
      const dataDir = join(work, `data-${build.label}`);
      // Load the table, then restart: the first read is cold (no open readers, no page cache of ours).
      let svc = await start(build.path, dataDir, {});
      const up = await curlUpload('POST', `${svc.url}/v1/tables/flights`, file, ARROW_STREAM);
      if (up.status !== 201) throw new Error(`upload: ${up.status} ${up.body.slice(0, 300)}`);
      await svc.stop();
      for (const [name, header] of [
        ['browser', BROWSER],
        ['identity', 'identity'],
      ] as const) {
        svc = await start(build.path, dataDir, {});
        const url = `${svc.url}/v1/tables/flights/rows`;
        const cold = await read(url, header);
        const warm: { seconds: number; bytes: number }[] = [];
        for (let i = 0; i < repeats; i++) warm.push(await read(url, header));
        await svc.stop();
        const w = median(warm.map((x) => x.seconds));
        const mrows = (s: number) => (rows / s / 1e6).toFixed(2);
        console.log(
          `${build.label.padEnd(8)} ${name.padEnd(8)} ${(cold.bytes / 1e6).toFixed(1).padStart(7)} MB  cold ${cold.seconds.toFixed(2)} s = ${mrows(cold.seconds)}M rows/s  warm ${w.toFixed(2)} s = ${mrows(w)}M rows/s (${warm.map((x) => x.seconds.toFixed(2)).join(', ')})`,
        );
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
