// The `upload-body` fuzz target: whole upload requests — multipart or raw, plain or compressed —
// through the service itself (buildApp, the upload route, @fastify/multipart, the spool, the
// decoder, ingest and commit), by Fastify's inject. An input is a header block and a body:
//   "Content-Type: multipart/form-data; boundary=B\nContent-Encoding: gzip\n\n<body bytes>"
// so mutations reach the headers (a boundary cut or changed, an unknown coding) as well as the body
// (cut at any length, delimiters moved or duplicated, a corrupt gzip stream). The oracle: an answer
// (the harness's per-input timer catches an upload never answered), a 2xx or a 4xx problem (a 4xx
// counts as the typed refusal, a 5xx is a crasher), and no temp file left in <dataDir>/tmp.

import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { HttpProblem } from '../../src/http/errors.js';
import type { Target } from './target.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const B = 'fuzzB0undary';

function part(name: string, content: string, extra = ''): string {
  return `--${B}\r\nContent-Disposition: form-data; name="${name}"${extra}\r\n\r\n${content}\r\n`;
}
const CSV = `id,name,delay\n${Array.from({ length: 60 }, (_, i) => `${i},"name ${i}",${i * 3 - 40}`).join('\n')}\n`;
const NDJSON = `${Array.from({ length: 40 }, (_, i) => JSON.stringify({ id: i, s: `v${i}`, x: i / 4 })).join('\n')}\n`;
const MULTIPART = `multipart/form-data; boundary=${B}`;

function request(headers: Record<string, string>, body: string | Buffer): Uint8Array {
  const head = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\n`)
    .join('');
  return new Uint8Array(Buffer.concat([Buffer.from(`${head}\n`), Buffer.from(body)]));
}

const SEEDS = [
  request({ 'Content-Type': MULTIPART }, `${part('file', CSV, '; filename="a.csv"\r\nContent-Type: text/csv')}--${B}--\r\n`),
  request({ 'Content-Type': MULTIPART }, `${part('schema', '{"id":"int64"}')}${part('format', 'csv')}${part('file', CSV)}--${B}--\r\n`),
  request({ 'Content-Type': MULTIPART }, `preamble\r\n${part('file', NDJSON, '; filename="b.ndjson"')}--${B}--\r\nepilogue`),
  request({ 'Content-Type': 'text/csv' }, CSV),
  request({ 'Content-Type': 'text/csv', 'Content-Encoding': 'gzip' }, gzipSync(CSV)),
  request({ 'Content-Type': MULTIPART, 'Content-Encoding': 'gzip' }, gzipSync(`${part('file', CSV, '; filename="c.csv"')}--${B}--\r\n`)),
];
const TOKENS = [
  `--${B}`,
  `\r\n--${B}`,
  `--${B}--`,
  '\r\n',
  '\r\n\r\n',
  'Content-Disposition: form-data; name="file"',
  '; filename="x.csv"',
  'name="schema"',
  'Content-Type: ',
  'boundary=',
  'gzip',
  'br',
  'zstd',
  'identity',
  '"',
  ';',
].map(text);

interface Service {
  app: FastifyInstance;
  dataDir: string;
}
let service: Promise<Service> | null = null;

const PREFIX = 'ncf-fuzz-upload-';

/** Data folders of fuzz processes that are gone (a worker stopped by the harness never runs its
 *  exit handlers): named after their process id. */
function removeStale(parent: string): void {
  for (const name of readdirSync(parent)) {
    const pid = Number(name.slice(PREFIX.length).split('-', 1)[0]);
    if (!name.startsWith(PREFIX) || !Number.isInteger(pid) || pid <= 0) continue;
    try {
      process.kill(pid, 0);
    } catch (e) {
      if ((e as { code?: unknown }).code === 'ESRCH') rmSync(join(parent, name), { recursive: true, force: true });
    }
  }
}

async function start(): Promise<Service> {
  // On a memory filesystem where there is one: the fsyncs of every upload and commit are the cost.
  const parent = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  removeStale(parent);
  const dataDir = mkdtempSync(join(parent, `${PREFIX}${process.pid}-`));
  process.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  const config = loadConfig({ NCF_DATA_DIR: dataDir, NCF_API_KEYS: '', NCF_AUTH: '', NCF_MAX_UPLOAD_BYTES: '256K' });
  const app = await buildApp(config, { logger: false });
  await app.ready();
  return { app, dataDir };
}

/** Splits an input into its headers (printable ASCII only: anything else could not be sent) and body. */
function parse(input: Uint8Array): { headers: Record<string, string>; body: Buffer } {
  const buf = Buffer.from(input.buffer, input.byteOffset, input.length);
  const end = buf.indexOf('\n\n');
  const headers: Record<string, string> = {};
  if (end < 0) return { headers: { 'content-type': MULTIPART }, body: buf };
  for (const line of buf.subarray(0, end).toString('latin1').split('\n')) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    if (name !== 'content-type' && name !== 'content-encoding') continue;
    headers[name] = line
      .slice(i + 1)
      .replace(/[^\x20-\x7e]/g, '')
      .trim();
  }
  return { headers, body: buf.subarray(end + 2) };
}

async function send(input: Uint8Array): Promise<void> {
  const { app, dataDir } = await (service ??= start());
  const { headers, body } = parse(input);
  const res = await app.inject({ method: 'PUT', url: '/v1/tables/fuzz', headers, payload: body });
  let left: string[] = [];
  try {
    left = readdirSync(join(dataDir, 'tmp'));
  } catch {
    /* no upload got that far */
  }
  if (left.length > 0) throw new Error(`${res.statusCode} left temp files behind: ${left.join(', ')}`);
  if (res.statusCode >= 500) throw new Error(`answered ${res.statusCode}: ${res.body.slice(0, 300)}`);
  if (res.statusCode >= 400) {
    if (!/^application\/problem\+json/.test(String(res.headers['content-type']))) throw new Error(`${res.statusCode} is not problem+json`);
    throw new HttpProblem(res.statusCode, 'fuzz', 'refused', res.body.slice(0, 300));
  }
  const del = await app.inject({ method: 'DELETE', url: '/v1/tables/fuzz' });
  if (del.statusCode !== 204) throw new Error(`DELETE after an accepted upload answered ${del.statusCode}`);
}

export function uploadBodyTarget(): Target {
  return {
    name: 'upload-body',
    about:
      'PUT /v1/tables/fuzz through the service (inject): multipart or raw, plain or gzip, headers and body mutated; 2xx or a 4xx problem, no temp file left',
    seeds: SEEDS,
    dictionary: TOKENS,
    maxLength: 24 << 10,
    run: send,
    expected: (e) => e instanceof HttpProblem && e.status >= 400 && e.status < 500,
  };
}
