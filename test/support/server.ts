// End-to-end test helpers: start the built service (`node dist/src/server.js`, built by `npm test`)
// as a child process on a free port with a temporary data directory (the launcher is
// service-process.ts, shared with the benches), talk to it with real `curl` and with fetch, and check
// every status a response carries against openapi.yaml.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import * as errors from '../../src/http/errors.js';
import { TITLES } from '../../src/http/problem.js';
import { ROOT, SERVER_JS, serviceEnv, startService, type Service } from './service-process.js';

export { ROOT, SERVER_JS } from './service-process.js';

export interface Server extends Service {
  dataDir: string;
  /** SIGTERM (unless it already exited), wait for the exit; returns the exit code. Removes the data directory unless `keep`. */
  stop(opts?: { keep?: boolean }): Promise<number | null>;
}

export interface StartOptions {
  env?: Record<string, string>;
  /** Reuse a data directory (restart tests); default a new temp one. */
  dataDir?: string;
}

/** Starts the server (test/support/service-process.ts) on a new or given data directory, its output kept in memory. */
export async function startServer(opts: StartOptions = {}): Promise<Server> {
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'ncf-e2e-')));
  let svc: Service;
  try {
    svc = await startService({ dataDir, env: opts.env });
  } catch (e) {
    if (opts.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
    throw e;
  }
  let stopped: Promise<number | null> | null = null;
  return {
    ...svc,
    dataDir,
    stop(o = {}) {
      stopped ??= (async () => {
        const code = await svc.stop();
        if (!o.keep && opts.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
        return code;
      })();
      return stopped;
    },
  };
}

/** Runs the server with this environment and expects it to exit (bad configuration). */
export async function runServerExpectExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((res) => {
    execFile(process.execPath, [SERVER_JS], { env: serviceEnv(env), timeout: 15_000 }, (err, stdout, stderr) =>
      res({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, output: stdout + stderr }),
    );
  });
}

export interface CurlResult {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  text: string;
  json(): any;
}

/** Runs real curl; `args` are curl's, the URL included. Headers are lower-cased. */
export async function curl(args: string[], opts: { timeoutMs?: number } = {}): Promise<CurlResult> {
  const dir = await mkdtemp(join(tmpdir(), 'ncf-curl-'));
  const headerFile = join(dir, 'headers');
  const bodyFile = join(dir, 'body');
  try {
    const status = await new Promise<number>((res, rej) => {
      execFile(
        'curl',
        ['-sS', '-D', headerFile, '-o', bodyFile, '-w', '%{http_code}', ...args],
        { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 1 << 20 },
        (err, stdout, stderr) => {
          if (err) rej(new Error(`curl ${args.join(' ')} failed: ${stderr || err.message}`));
          else res(Number(stdout.trim()));
        },
      );
    });
    const headers: Record<string, string> = {};
    // With a 100 Continue first, only the last header block counts.
    const blocks = (await readFile(headerFile, 'utf8')).split(/\r?\n\r?\n/).filter((b) => b.trim() !== '');
    for (const line of (blocks.at(-1) ?? '').split(/\r?\n/).slice(1)) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    const body = existsSync(bodyFile) ? await readFile(bodyFile) : Buffer.alloc(0);
    const text = body.toString('utf8');
    return { status, headers, body, text, json: () => JSON.parse(text) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// --- openapi.yaml ---------------------------------------------------------------------------------

export const openapi = parseYaml(readFileSync(join(ROOT, 'openapi.yaml'), 'utf8')) as {
  paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
};

const templates = Object.keys(openapi.paths).map((p) => ({
  template: p,
  re: new RegExp(`^${p.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
  literal: !p.includes('{'),
}));

/** The openapi path template a concrete path falls under (literal paths win), or null. */
export function templateOf(path: string): string | null {
  const p = path.split('?', 1)[0]!;
  const hits = templates.filter((t) => t.re.test(p));
  return (hits.find((t) => t.literal) ?? hits[0])?.template ?? null;
}

/** Asserts that openapi.yaml documents `status` for this request (paths it does not know are skipped: 404s of unknown routes). */
export function assertDocumented(method: string, path: string, status: number): void {
  const t = templateOf(path);
  if (t === null) return;
  const op = openapi.paths[t]![method.toLowerCase()];
  if (op === undefined) return;
  assert.ok(
    Object.hasOwn(op.responses, String(status)),
    `${method} ${t} answered ${status}, which openapi.yaml does not document (it lists ${Object.keys(op.responses).join(', ')})`,
  );
}

/** Checks a response is problem+json with the RFC 9457 members and the given status. */
export function assertProblem(r: { status: number; headers: Record<string, string> | Headers }, status: number, body: any): void {
  const type = r.headers instanceof Headers ? r.headers.get('content-type') : r.headers['content-type'];
  assert.equal(r.status, status, `expected ${status}, got ${r.status}: ${JSON.stringify(body)}`);
  assert.match(type ?? '', /^application\/problem\+json/);
  assert.equal(body.status, status);
  assert.equal(typeof body.type, 'string');
  assert.equal(typeof body.title, 'string');
  assert.equal(typeof body.detail, 'string');
  assert.ok(!/\bat .+\.(js|ts):\d+/.test(JSON.stringify(body)), 'problem bodies never carry stack traces');
}

/** The problem catalogue, type URI → [status, title]: every problem src/http/errors.ts builds, and the
 *  ones src/http/problem.ts maps bare statuses to. */
export const PROBLEM_CATALOGUE: ReadonlyMap<string, [number, string]> = (() => {
  const out = new Map<string, [number, string]>();
  for (const make of Object.values(errors)) {
    if (typeof make !== 'function' || make === errors.errorProblem || make === errors.HttpProblem) continue;
    const p = (make as (d: string, x: number) => unknown)('x', 1);
    if (p instanceof errors.HttpProblem) out.set(p.body().type, [p.status, p.title]);
  }
  for (const [status, [slug, title]] of Object.entries(TITLES)) out.set(`https://ncf.dev/problems/${slug}`, [Number(status), title]);
  out.set('https://ncf.dev/problems/client-error', [0, 'Client error']);
  return out;
})();

/** Every error answer is problem+json whose standard members are well-formed and whose type, title
 *  and status are the catalogue's (no extension member overwrote them). */
export function assertProblemBody(method: string, path: string, status: number, contentType: string | null, text: string): void {
  if (status < 400 || method === 'HEAD') return;
  const where = `${method} ${path} → ${status}`;
  assert.match(contentType ?? '', /^application\/problem\+json/, `${where}: Content-Type ${contentType}`);
  const body = JSON.parse(text) as Record<string, unknown>;
  assert.equal(body.status, status, `${where}: status member ${String(body.status)}`);
  assert.equal(typeof body.detail, 'string', `${where}: detail`);
  const known = PROBLEM_CATALOGUE.get(String(body.type));
  assert.ok(known !== undefined, `${where}: type ${JSON.stringify(body.type)} is not in the catalogue`);
  assert.equal(body.title, known[1], `${where}: title`);
  if (known[0] !== 0) assert.equal(known[0], status, `${where}: ${String(body.type)} is a ${known[0]}`);
  if ('instance' in body) assert.equal(typeof body.instance, 'string', `${where}: instance`);
}

/** curl against the server, checking the status is documented for the route (and error bodies). */
export async function api(server: Server, method: string, path: string, args: string[] = []): Promise<CurlResult> {
  const r = await curl(['-X', method, ...args, `${server.url}${path}`]);
  assertDocumented(method, path, r.status);
  assertProblemBody(method, path, r.status, r.headers['content-type'] ?? null, r.text);
  return r;
}

/** fetch against the server, checking the status is documented for the route (and error bodies). */
export async function req(server: Server, method: string, path: string, init: RequestInit = {}): Promise<Response> {
  const r = await fetch(`${server.url}${path}`, { ...init, method });
  assertDocumented(method, path, r.status);
  if (r.status >= 400) assertProblemBody(method, path, r.status, r.headers.get('content-type'), await r.clone().text());
  return r;
}

/** Files left in the server's upload temp folder. */
export async function tempFiles(server: Server): Promise<string[]> {
  try {
    return await readdir(join(server.dataDir, 'tmp'));
  } catch {
    return [];
  }
}

/** Every table file under the data directory (temp names included). */
export async function storedFiles(dataDir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory()) await walk(join(d, e.name));
      else out.push(join(d, e.name).slice(dataDir.length + 1));
    }
  };
  await walk(join(dataDir, 'files'));
  return out;
}
