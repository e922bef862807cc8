// Stalled readers hold little (issue #10, case 12): a client that reads a few KB of a large answer and
// then stops reading must cost the server a bounded amount of memory, in every answer format, with and
// without response compression. Against the real server process: N clients stall on a table of half a
// million rows (BACKPRESSURE_ROWS; the figures in docs/RELIABILITY.md were taken with more); the
// server's resident memory (/proc/<pid>/status VmRSS) may grow by at most PER_READER_BYTES per
// stalled reader. Then one reader resumes and its answer must be complete and right (compared with
// the generating formula), and the others hang up. BACKPRESSURE_CASES=csv/br,... runs some cases.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import * as zlib from 'node:zlib';
import * as arrow from 'apache-arrow';
import { parquetWasm } from '../../src/formats/parquet-wasm.js';
import { startServer, type Server } from '../support/server.js';

const ROWS = Number(process.env.BACKPRESSURE_ROWS ?? 500_000);
const READERS = Number(process.env.BACKPRESSURE_READERS ?? 8);
/** Generous: the fixed parts (the piece being encoded, the compressor's window, stream buffers) are
 *  a few MB; read-ahead of the answer is what this catches. A Parquet answer also holds the writer's
 *  row group being encoded and one finished (2 × 122,880 rows; parquet.ts). The scan's row groups
 *  are shared between these readers through the chunk cache, so they are not counted here. */
const PER_READER_BYTES: Record<string, number> = { parquet: 16 * 2 ** 20, default: 8 * 2 ** 20 };

/** Row i of the table: id i, x = i / 2, s = "r<i>". */
function bigTable(n: number): Uint8Array {
  const batches: arrow.RecordBatch[] = [];
  const step = 262_144;
  const schema = new arrow.Schema([
    new arrow.Field('id', new arrow.Int32(), false),
    new arrow.Field('x', new arrow.Float64(), false),
    new arrow.Field('s', new arrow.Utf8(), false),
  ]);
  for (let from = 0; from < n; from += step) {
    const len = Math.min(step, n - from);
    const ids = new Int32Array(len),
      xs = new Float64Array(len),
      offsets = new Int32Array(len + 1);
    const text = Buffer.allocUnsafe(len * 9);
    let pos = 0;
    for (let k = 0; k < len; k++) {
      const i = from + k;
      ids[k] = i;
      xs[k] = i / 2;
      pos += text.write(`r${i}`, pos, 'latin1');
      offsets[k + 1] = pos;
    }
    const children = [
      arrow.makeData({ type: new arrow.Int32(), length: len, nullCount: 0, data: ids }),
      arrow.makeData({ type: new arrow.Float64(), length: len, nullCount: 0, data: xs }),
      arrow.makeData({ type: new arrow.Utf8(), length: len, nullCount: 0, valueOffsets: offsets, data: text.subarray(0, pos) }),
    ];
    batches.push(
      new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: len, nullCount: 0, children })),
    );
  }
  return arrow.tableToIPC(new arrow.Table(schema, batches), 'stream');
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) * 1024;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Reader {
  /** Resolves when the reader has a few KB and stopped reading. */
  stalled: Promise<void>;
  /** Reads on; resolves with the whole (decoded) body. */
  resume(): Promise<Buffer>;
  close(): void;
}

/** A client that reads `stallAfter` bytes of the answer, then stops reading (the socket stays open). */
function stallingReader(url: string, headers: Record<string, string>, stallAfter = 4096): Reader {
  let res: http.IncomingMessage | null = null;
  const chunks: Buffer[] = [];
  let received = 0;
  let stopped = false;
  let ended: (() => void) | null = null;
  let failed: ((e: unknown) => void) | null = null;
  const done = new Promise<void>((resolve, reject) => {
    ended = resolve;
    failed = reject;
  });
  done.catch(() => {});
  const request = http.get(url, { headers, agent: false });
  const stalled = new Promise<void>((resolve, reject) => {
    request.on('error', reject);
    request.on('response', (r) => {
      res = r;
      if (r.statusCode !== 200) {
        reject(new Error(`status ${r.statusCode}`));
        return;
      }
      r.on('data', (c: Buffer) => {
        chunks.push(c);
        received += c.length;
        if (received >= stallAfter && !stopped) {
          stopped = true;
          r.pause();
          resolve();
        }
      });
      r.on('end', () => {
        resolve();
        ended?.();
      });
      r.on('error', (e) => {
        reject(e);
        failed?.(e);
      });
      r.on('aborted', () => failed?.(new Error('aborted')));
    });
  });
  return {
    stalled,
    async resume() {
      res!.resume();
      await done;
      const body = Buffer.concat(chunks);
      const enc = res!.headers['content-encoding'];
      return enc === 'br' ? zlib.brotliDecompressSync(body) : enc === 'gzip' ? zlib.gunzipSync(body) : body;
    },
    close() {
      request.destroy();
    },
  };
}

/** Checks a whole answer against the generating formula. */
async function checkAnswer(format: string, body: Buffer): Promise<void> {
  if (format === 'csv' || format === 'ndjson') {
    const lines = body.toString('utf8').split(format === 'csv' ? '\r\n' : '\n');
    assert.equal(lines.pop(), '', 'the answer ends with a line break');
    if (format === 'csv') assert.equal(lines.shift(), 'id,x,s');
    assert.equal(lines.length, ROWS);
    for (let i = 0; i < ROWS; i++) {
      const want: string = format === 'csv' ? `${i},${i / 2},r${i}` : `{"id":${i},"x":${i / 2},"s":"r${i}"}`;
      if (lines[i] !== want) assert.fail(`${format} line ${i}: ${lines[i]} instead of ${want}`);
    }
    return;
  }
  if (format === 'json') {
    const doc = JSON.parse(body.toString('utf8')) as { rows: Array<{ id: number; x: number; s: string }>; rowCount: number; next: unknown };
    assert.equal(doc.rowCount, ROWS);
    assert.equal(doc.next, null);
    doc.rows.forEach((r, i) => {
      if (r.id !== i || r.x !== i / 2 || r.s !== `r${i}`) assert.fail(`json row ${i}: ${JSON.stringify(r)}`);
    });
    return;
  }
  let table: arrow.Table;
  if (format === 'parquet') {
    const pw = await parquetWasm();
    table = arrow.tableFromIPC(pw.readParquet(body).intoIPCStream());
  } else {
    table = arrow.tableFromIPC(body);
  }
  assert.equal(table.numRows, ROWS);
  const id = table.getChild('id')!,
    x = table.getChild('x')!,
    s = table.getChild('s')!;
  for (let i = 0; i < ROWS; i += 997) {
    assert.equal(Number(id.get(i)), i);
    assert.equal(x.get(i), i / 2);
    assert.equal(s.get(i), `r${i}`);
  }
  const ids = id.toArray() as Int32Array;
  for (let i = 0; i < ROWS; i++) if (ids[i] !== i) assert.fail(`${format} row ${i}: id ${ids[i]}`);
}

const ONLY = process.env.BACKPRESSURE_CASES?.split(',');
const CASES: Array<{ format: string; encoding: string }> = [
  { format: 'arrow', encoding: 'identity' },
  { format: 'parquet', encoding: 'identity' },
  { format: 'ndjson', encoding: 'identity' },
  { format: 'csv', encoding: 'br' },
  { format: 'json', encoding: 'gzip' },
];

describe('stalled readers hold a bounded amount of memory (issue #10, 12)', { timeout: 300_000 }, () => {
  let server: Server;
  const figures: string[] = [];

  before(async () => {
    // The JSON page streams the whole table here, like the other formats.
    server = await startServer({ env: { NCF_MAX_RESPONSE_ROWS: String(ROWS), NCF_QUERY_TIMEOUT_MS: '300000' } });
    const r = await fetch(`${server.url}/v1/tables/big?format=arrow`, {
      method: 'POST',
      body: bigTable(ROWS),
      headers: { 'content-type': 'application/vnd.apache.arrow.stream' },
    });
    assert.equal(r.status, 201, await r.text());
  });
  after(async () => {
    if (figures.length > 0) console.log(`stalled reader growth per reader (${READERS} readers, ${ROWS} rows):\n${figures.join('\n')}`);
    await server?.stop();
  });

  for (const { format, encoding } of CASES.filter((c) => ONLY === undefined || ONLY.includes(`${c.format}/${c.encoding}`))) {
    it(`${format}, Content-Encoding ${encoding}`, async () => {
      const url = `${server.url}/v1/tables/big/rows?format=${format}`;
      const headers = { 'accept-encoding': encoding };
      const pid = server.proc.pid!;
      // Warm up (first use of the Parquet writer's WebAssembly memory, compiled code), then measure.
      const warm = stallingReader(url, headers);
      await warm.stalled;
      warm.close();
      await sleep(500);
      const base = rssBytes(pid);
      const bound = PER_READER_BYTES[format] ?? PER_READER_BYTES.default!;
      const readers: Reader[] = [];
      try {
        // One after the other: a loaded machine answers each in turn, well within the headers timeout.
        for (let k = 0; k < READERS; k++) {
          readers.push(stallingReader(url, headers));
          await readers[k]!.stalled;
        }
        // Let the server run as far ahead as it will, then take the median of a few samples (garbage
        // not yet collected comes and goes; what the stalled answers hold stays).
        const samples: number[] = [];
        for (let k = 0; k < 9; k++) {
          await sleep(400);
          samples.push(rssBytes(pid));
        }
        const level = samples.sort((a, b) => a - b)[4]!;
        const perReader = (level - base) / READERS;
        figures.push(`  ${format}/${encoding}: ${(perReader / 2 ** 20).toFixed(1)} MiB`);
        assert.ok(
          perReader < bound,
          `${format} (${encoding}): the server grew by ${((level - base) / 2 ** 20).toFixed(1)} MiB for ${READERS} stalled readers, ${(perReader / 2 ** 20).toFixed(1)} MiB each (bound ${bound / 2 ** 20} MiB)`,
        );
        // One reader reads on (the others hang up): its answer is whole and right.
        for (const r of readers.slice(1)) r.close();
        await checkAnswer(format, await readers[0]!.resume());
      } finally {
        for (const r of readers) r.close();
      }
    });
  }
});
