// Upload bodies that end badly, against a real server process (issue #10, items 7, 8, 10, 16):
//  - multipart bodies cut every 256 bytes from 0 to their full ~20 KB, and malformed ones (no or a
//    wrong boundary, a delimiter in the middle of the data, duplicated parts, a file part without a
//    filename): each gets a 4xx problem, or a 2xx when it is complete and valid, well within
//    NCF_REQUEST_TIMEOUT (5 s here); afterwards no temp file and no descriptor on one is left;
//  - Content-Encoding gzip, deflate, br and zstd bodies (raw through curl --data-binary, and a
//    gzipped multipart body) store the decoded rows; a corrupt one is a 400, an unknown coding a 415;
//  - decompression bombs (256 MiB of gzip, 1 GiB of br and of zstd, each under 300 KB on the wire)
//    with NCF_MAX_UPLOAD_BYTES=1M are a 413, promptly, while the server's peak RSS stays bounded.

import assert from 'node:assert/strict';
import { readdir, readFile, readlink, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { assertDocumented, assertProblem, curl, startServer, type Server } from '../support/server.js';

const zstd = createRequire(import.meta.url)('zstd-napi') as typeof import('zstd-napi');

const REQUEST_TIMEOUT_MS = 5000;
const LIMIT = 1 << 20;
const B = 'ncf-test-boundary-7f3a';

let server: Server;
let work = '';

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'ncf-bodies-'));
  server = await startServer({
    env: { NCF_REQUEST_TIMEOUT: `${REQUEST_TIMEOUT_MS}ms`, NCF_HEADERS_TIMEOUT: '2s', NCF_MAX_UPLOAD_BYTES: String(LIMIT) },
  });
});
after(async () => {
  await server?.stop();
  await rm(work, { recursive: true, force: true });
});

interface Answer {
  status: number;
  contentType: string;
  body: any;
  ms: number;
}

/** One request on its own connection (so that none stays open afterwards), bounded well past the
 *  request timeout: an upload that is never answered fails here instead of hanging the test. */
function send(path: string, body: Buffer, headers: Record<string, string>, method = 'POST'): Promise<Answer> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      `${server.url}${path}`,
      { method, agent: false, headers: { ...headers, 'content-length': String(body.length) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown = null;
          try {
            json = text === '' ? null : JSON.parse(text);
          } catch {
            json = text;
          }
          assertDocumented(method, path, res.statusCode!);
          resolve({
            status: res.statusCode!,
            contentType: String(res.headers['content-type'] ?? ''),
            body: json,
            ms: performance.now() - t0,
          });
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(REQUEST_TIMEOUT_MS + 15_000, () =>
      req.destroy(new Error(`no answer to POST ${path} within ${REQUEST_TIMEOUT_MS + 15_000} ms`)),
    );
    req.on('error', reject);
    req.end(body);
  });
}

function problem(r: Answer, status: number): void {
  assertProblem({ status: r.status, headers: { 'content-type': r.contentType } }, status, r.body);
}

/** A CSV whose ids are first..first+rows-1. */
function csv(rows: number, first = 1): string {
  const lines = ['id,label'];
  for (let i = 0; i < rows; i++) lines.push(`${first + i},label of row ${first + i}`);
  return `${lines.join('\n')}\n`;
}

function part(name: string, content: string, opts: { filename?: string; type?: string } = {}): string {
  const disposition = `form-data; name="${name}"${opts.filename === undefined ? '' : `; filename="${opts.filename}"`}`;
  return `--${B}\r\nContent-Disposition: ${disposition}\r\n${opts.type ? `Content-Type: ${opts.type}\r\n` : ''}\r\n${content}\r\n`;
}
const close = `--${B}--\r\n`;
const MP = { 'content-type': `multipart/form-data; boundary=${B}` };

async function idsOf(name: string): Promise<number[]> {
  const r = await fetch(`${server.url}/v1/tables/${name}/rows?select=id&format=ndjson`);
  assert.equal(r.status, 200);
  return (await r.text())
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => Number((JSON.parse(l) as { id: number }).id))
    .sort((a, b) => a - b);
}

const range = (first: number, n: number) => Array.from({ length: n }, (_, i) => first + i);

/** Temp files left in <dataDir>/tmp, and descriptors of the server that still point into it. */
async function leftovers(): Promise<{ files: string[]; fds: string[] }> {
  const tmp = join(server.dataDir, 'tmp');
  let files: string[] = [];
  try {
    files = await readdir(tmp);
  } catch {
    /* never created */
  }
  const fds: string[] = [];
  const dir = `/proc/${server.proc.pid}/fd`;
  for (const fd of await readdir(dir)) {
    const target = await readlink(join(dir, fd)).catch(() => '');
    if (target.startsWith(tmp)) fds.push(target);
  }
  return { files, fds };
}

describe('multipart bodies cut short or malformed', () => {
  test('a ~20 KB multipart body cut every 256 bytes: a 4xx problem each time (201 once complete), none past the request timeout', async () => {
    const rows = 950;
    const full = Buffer.from(
      `${part('schema', '{"id":"int64"}')}${part('file', csv(rows), { filename: 'data.csv', type: 'text/csv' })}${close}`,
    );
    assert.ok(full.length > 19_000 && full.length < 22_000, `body of ${full.length} bytes`);
    const cuts = [...range(0, Math.ceil(full.length / 256)).map((i) => i * 256), full.length - 2, full.length];
    const statuses = new Map<number, number>();
    let slowest = 0;
    for (const [i, cut] of cuts.entries()) {
      const r = await send(`/v1/tables/cut_${i}`, full.subarray(0, cut), MP);
      slowest = Math.max(slowest, r.ms);
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      if (cut === full.length) {
        assert.equal(r.status, 201, `the complete body: ${JSON.stringify(r.body)}`);
        assert.deepEqual(await idsOf(`cut_${i}`), range(1, rows));
        continue;
      }
      if (r.status === 201) {
        // Only a body cut inside the epilogue's CRLF is still complete.
        assert.equal(cut, full.length - 2, `a body cut at ${cut} of ${full.length} bytes was accepted`);
        assert.deepEqual(await idsOf(`cut_${i}`), range(1, rows));
        continue;
      }
      assert.ok(r.status >= 400 && r.status < 500, `cut at ${cut}: ${r.status} ${JSON.stringify(r.body)}`);
      problem(r, r.status);
      assert.ok(r.ms < REQUEST_TIMEOUT_MS, `cut at ${cut}: answered after ${Math.round(r.ms)} ms, past NCF_REQUEST_TIMEOUT`);
      // Cut inside the file part (after its headers): the problem names the missing closing boundary.
      if (cut > full.indexOf('text/csv') + 12) assert.match(r.body.detail, new RegExp(`closing boundary "--${B}--"`), `cut at ${cut}`);
    }
    assert.deepEqual(await leftovers(), { files: [], fds: [] });
    process.stdout.write(
      `# ${cuts.length} cuts of a ${full.length}-byte body: statuses ${JSON.stringify(Object.fromEntries(statuses))}, slowest answer ${Math.round(slowest)} ms\n`,
    );
  });

  test('a missing or wrong boundary is a 400 problem naming the boundary', async () => {
    const body = Buffer.from(`${part('file', csv(5), { filename: 'a.csv', type: 'text/csv' })}${close}`);
    for (const contentType of [
      'multipart/form-data',
      'multipart/form-data; boundary=',
      'multipart/form-data; boundary=not-the-one',
      `multipart/form-data; boundary=${B}x`,
    ]) {
      const r = await send('/v1/tables/boundary', body, { 'content-type': contentType });
      problem(r, 400);
      assert.match(r.body.detail, /boundary/, contentType);
      assert.equal(r.body.parameter, 'boundary');
    }
    assert.equal((await fetch(`${server.url}/v1/tables/boundary`)).status, 404);
    assert.deepEqual(await leftovers(), { files: [], fds: [] });
  });

  test('delimiters in the data, duplicated parts, broken part headers: 4xx or the right rows, never 5xx', async () => {
    const data = csv(3);
    // "--B" at the start of a line after LF only is data, not a delimiter (RFC 2046 wants CRLF).
    let r = await send(
      '/v1/tables/dashes',
      Buffer.from(`${part('file', `id,label\n1,--${B}\n2,x--${B}--\n`, { filename: 'a.csv', type: 'text/csv' })}${close}`),
      MP,
    );
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.rowCount, 2);
    const cases: Array<[string, string]> = [
      [
        'a delimiter in the middle of the file',
        `${part('file', `${data.slice(0, 10)}\r\n--${B}\r\n${data.slice(10)}`, { filename: 'a.csv', type: 'text/csv' })}${close}`,
      ],
      [
        'a closing delimiter in the middle of the file',
        `${part('file', `${data.slice(0, 10)}\r\n--${B}--\r\n${data.slice(10)}`, { filename: 'a.csv', type: 'text/csv' })}${close}`,
      ],
      [
        'two file parts',
        `${part('file', data, { filename: 'a.csv', type: 'text/csv' })}${part('file', data, { filename: 'b.csv', type: 'text/csv' })}${close}`,
      ],
      [
        'the schema field twice',
        `${part('schema', '{"id":"int64"}')}${part('schema', '{"id":"string"}')}${part('file', data, { filename: 'a.csv', type: 'text/csv' })}${close}`,
      ],
      ['a part without headers', `--${B}\r\n\r\n${data}\r\n${close}`],
      ['a header line without a colon', `--${B}\r\nContent-Disposition form-data name=file\r\n\r\n${data}\r\n${close}`],
      ['no part at all', close],
      ['only the preamble', 'just some text, no delimiter'],
      ['an empty body', ''],
    ];
    for (const [i, [what, body]] of cases.entries()) {
      r = await send(`/v1/tables/odd_${i}`, Buffer.from(body), MP);
      assert.ok(r.status < 500, `${what}: ${r.status} ${JSON.stringify(r.body)}`);
      if (r.status >= 400) problem(r, r.status);
      else assert.deepEqual(await idsOf(`odd_${i}`), range(1, 3), what);
    }
    // A second file part is over the parser's files limit (limits.test.ts).
    r = await send('/v1/tables/two', Buffer.from(cases[2]![1]), MP);
    problem(r, 413);
    assert.deepEqual(await leftovers(), { files: [], fds: [] });
  });

  test('a part named file without a filename is the file (format from its Content-Type or ?format=)', async () => {
    let r = await send('/v1/tables/nofilename', Buffer.from(`${part('file', csv(4), { type: 'text/csv' })}${close}`), MP);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual(await idsOf('nofilename'), range(1, 4));
    // No filename and no Content-Type (curl -F 'file=<data.csv'): the format is what is missing.
    const bare = Buffer.from(`${part('file', csv(4))}${close}`);
    r = await send('/v1/tables/bare', bare, MP);
    problem(r, 415);
    assert.match(r.body.detail, /format/);
    assert.doesNotMatch(r.body.detail, /no part named/);
    r = await send('/v1/tables/bare?format=csv', bare, MP);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual(await idsOf('bare'), range(1, 4));
  });
});

describe('Content-Encoding of upload bodies', () => {
  const rows = 2000;
  const plain = Buffer.from(csv(rows, 10));
  const encoded: Record<string, Buffer> = {
    gzip: zlib.gzipSync(plain),
    deflate: zlib.deflateSync(plain),
    br: zlib.brotliCompressSync(plain),
    zstd: zstd.compress(plain),
  };

  for (const [coding, bytes] of Object.entries(encoded)) {
    test(`${coding}: curl --data-binary with Content-Encoding: ${coding} stores the decoded rows`, async () => {
      const file = join(work, `t.csv.${coding}`);
      await writeFile(file, bytes);
      const r = await curl([
        '-X',
        'POST',
        '--data-binary',
        `@${file}`,
        '-H',
        'Content-Type: text/csv',
        '-H',
        `Content-Encoding: ${coding}`,
        `${server.url}/v1/tables/enc_${coding}`,
      ]);
      assert.equal(r.status, 201, r.text);
      assert.deepEqual(await idsOf(`enc_${coding}`), range(10, rows));
      // Cut in half, or with bytes flipped: the client's bad body, a 400 naming the coding.
      const cut = await send(`/v1/tables/enc_${coding}_cut`, bytes.subarray(0, bytes.length >> 1), {
        'content-type': 'text/csv',
        'content-encoding': coding,
      });
      problem(cut, 400);
      assert.match(cut.body.detail, new RegExp(coding));
      const garbled = Buffer.from(bytes);
      for (let i = 0; i < garbled.length; i += 7) garbled[i]! ^= 0x5a;
      const bad = await send(`/v1/tables/enc_${coding}_bad`, garbled, { 'content-type': 'text/csv', 'content-encoding': coding });
      problem(bad, 400);
    });
  }

  test('a gzipped multipart body is decoded before it is parsed; cut short, it is a 400', async () => {
    const body = zlib.gzipSync(Buffer.from(`${part('file', csv(50), { filename: 'a.csv', type: 'text/csv' })}${close}`));
    let r = await send('/v1/tables/mp_gzip', body, { ...MP, 'content-encoding': 'gzip' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual(await idsOf('mp_gzip'), range(1, 50));
    r = await send('/v1/tables/mp_gzip_cut', body.subarray(0, body.length - 20), { ...MP, 'content-encoding': 'gzip' });
    problem(r, 400);
    assert.deepEqual(await leftovers(), { files: [], fds: [] });
  });

  test('an unknown coding, or a list of codings, is a 415 naming those accepted', async () => {
    for (const coding of ['compress', 'gzip, br', 'exi']) {
      const r = await send('/v1/tables/unknown_coding', plain, { 'content-type': 'text/csv', 'content-encoding': coding });
      problem(r, 415);
      assert.deepEqual(r.body.acceptedEncodings, ['identity', 'gzip', 'deflate', 'br', 'zstd']);
    }
    const r = await send('/v1/tables/identity', plain, { 'content-type': 'text/csv', 'content-encoding': 'identity' });
    assert.equal(r.status, 201);
  });
});

describe('decompression bombs', () => {
  /** Peak resident set of the server process so far (VmHWM), in MiB. */
  async function peakRssMiB(): Promise<number> {
    const status = await readFile(`/proc/${server.proc.pid}/status`, 'utf8');
    return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
  }

  test('gzip, br and zstd bombs over NCF_MAX_UPLOAD_BYTES are a 413, promptly, with bounded memory', async () => {
    const zeros = Buffer.alloc(16 << 20, 0x31);
    // gzip and zstd streams may be concatenated members/frames: repeat one to reach the size.
    const gzMember = zlib.gzipSync(zeros, { level: 9 });
    const zstdFrame = zstd.compress(zeros, { compressionLevel: 19 });
    const brotli = await new Promise<Buffer>((resolve, reject) => {
      const br = zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1 } });
      const out: Buffer[] = [];
      br.on('data', (c: Buffer) => out.push(c))
        .on('end', () => resolve(Buffer.concat(out)))
        .on('error', reject);
      for (let i = 0; i < 64; i++) br.write(zeros);
      br.end();
    });
    const bombs: Record<string, { bytes: Buffer; decoded: number }> = {
      gzip: { bytes: Buffer.concat(Array(16).fill(gzMember)), decoded: 256 << 20 },
      br: { bytes: brotli, decoded: 1 << 30 },
      zstd: { bytes: Buffer.concat(Array(64).fill(zstdFrame)), decoded: 1 << 30 },
    };
    const before = await peakRssMiB();
    const figures: string[] = [];
    for (const [coding, { bytes, decoded }] of Object.entries(bombs)) {
      assert.ok(bytes.length < 300_000, `${coding} bomb of ${bytes.length} bytes`);
      const file = join(work, `bomb.${coding}`);
      await writeFile(file, bytes);
      const t0 = performance.now();
      const r = await curl([
        '-X',
        'POST',
        '--data-binary',
        `@${file}`,
        '-H',
        'Content-Type: text/csv',
        '-H',
        `Content-Encoding: ${coding}`,
        `${server.url}/v1/tables/bomb_${coding}`,
      ]);
      const ms = performance.now() - t0;
      assertProblem(r, 413, r.json());
      assert.equal(r.json().limit, LIMIT);
      assert.match(r.json().detail, /decoded/);
      assert.ok(ms < 10_000, `${coding}: 413 after ${Math.round(ms)} ms: decompression did not stop at the limit`);
      figures.push(`${coding} ${bytes.length} B → ${decoded >> 20} MiB: 413 in ${Math.round(ms)} ms`);
    }
    const peak = await peakRssMiB();
    assert.ok(peak < Math.max(before, 150) + 150, `server peak RSS ${peak.toFixed(0)} MiB (was ${before.toFixed(0)} MiB before the bombs)`);
    assert.equal((await fetch(`${server.url}/v1/tables`)).status, 200, 'the server still answers');
    for (const coding of Object.keys(bombs)) assert.equal((await fetch(`${server.url}/v1/tables/bomb_${coding}`)).status, 404);
    assert.deepEqual(await leftovers(), { files: [], fds: [] });
    process.stdout.write(`# ${figures.join('; ')}; server peak RSS ${before.toFixed(0)} → ${peak.toFixed(0)} MiB\n`);
  });
});
