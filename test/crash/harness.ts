// The crash harness: starts the built service (dist/src/server.js) as a child process on one data
// directory, with the SQLite catalog or a PostgreSQL one, fires a few concurrent writes at it (appends
// as CSV and as slowly streamed NDJSON, replaces, compactions) and vacuums racing them with
// NCF_ORPHAN_GRACE=0, kills it with SIGKILL after a random delay, checks the data directory and the
// catalog offline, restarts it on the same directory and checks what it serves — N times. At the end
// it vacuums once more and checks that only referenced files remain.
//
// Every uploaded row carries its request's id (`req`) and its position (`seq`), so each version's
// content can be explained: an append adds exactly one request's rows, complete; a replace holds
// exactly one request's rows; a compaction changes nothing. The checks after each restart:
//   - every write that got a 2xx is the version its answer named, with all its rows, exactly once;
//   - a write that got a definite non-2xx never landed; one that got no answer landed whole or not at all;
//   - versions are 1..current with no gap, and versions already seen did not change;
//   - every file of every new version validates (footer, SHA-256, every chunk decoded), read offline
//     from the catalog the killed process left, and every file any retained version references exists
//     (vacuum never deleted a file a commit then referenced);
//   - the table describes, its stats and current rows read (200), and no answer was a 500;
//   - the upload spool (<dataDir>/tmp) is empty after the restart.
// Everything random comes from one seeded PRNG; a failure names the seed and the iteration (timing
// still varies between runs, so a replay takes the same decisions, not the same interleavings).

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NCFReader } from '../../src/format/reader.js';
import { openPostgresCatalog } from '../../storage/postgres/catalog.js';
import { SqliteCatalog } from '../../storage/sqlite/catalog.js';
import type { Catalog } from '../../storage/types.js';
import { SERVER_JS } from '../support/server.js';

const WARM_START = fileURLToPath(new URL('./warm-start.mjs', import.meta.url));

/** A service process started through warm-start.mjs: spawned early, let go with go(). */
interface Spare {
  proc: ChildProcess;
  exited: Promise<void>;
  output(): string;
  /** Lets it open the data directory and listen; resolves with its URL. */
  go(): Promise<string>;
}

function spawnSpare(distDir: string, dataDir: string, env: Record<string, string> = {}): Spare {
  const proc = spawn(process.execPath, [WARM_START, distDir], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      NCF_DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      NCF_API_KEYS: '',
      NCF_API_KEYS_FILE: '',
      NCF_AUTH: '',
      ...env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.setEncoding('utf8').on('data', (t: string) => {
    out += t;
  });
  proc.stderr!.setEncoding('utf8').on('data', (t: string) => {
    out += t;
  });
  // A write to the stdin of a process that died is not our concern here; its exit is.
  proc.stdin!.on('error', () => {});
  const exited = new Promise<void>((res) => proc.once('exit', () => res()));
  return {
    proc,
    exited,
    output: () => out,
    go: () =>
      new Promise<string>((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`the service did not listen within 30 s:\n${out}`)), 30_000);
        const check = () => {
          const m = /listening on (http:\/\/[^\s"]+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            proc.stdout!.off('data', check);
            res(m[1]!);
          }
        };
        proc.stdout!.on('data', check);
        void exited.then(() => {
          clearTimeout(timer);
          rej(new Error(`the service exited before listening:\n${out}`));
        });
        proc.stdin!.write('go\n');
        check();
      }),
  };
}

async function kill(p: Spare): Promise<void> {
  if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGKILL');
  await p.exited;
}

export const TABLE = 'crash';

export interface CrashOptions {
  iterations: number;
  seed: number;
  /** An empty or new directory for the service's data. */
  dataDir: string;
  /** Longest delay between firing the writes and the kill (default 150 ms). */
  maxKillDelayMs?: number;
  /** The build to run (a folder holding src/server.js; default the repository's dist/). */
  distDir?: string;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  /** postgres:// URL of an empty database for the catalog (default: SQLite under dataDir). */
  catalogUrl?: string;
}

export interface CrashReport {
  seed: number;
  iterations: number;
  kills: number;
  requests: number;
  acknowledged: number;
  acknowledgedRows: number;
  /** Requests the kill cut off (no answer), and how many of those had landed anyway. */
  unanswered: number;
  unansweredLanded: number;
  /** Definite refusals (409 racing replace, 404 append before the table exists, 503...). */
  refused: number;
  versions: number;
  filesValidated: number;
  /** Most unreferenced finished files / temp files seen in the folder at once after a kill. */
  orphansSeen: number;
  tempFilesSeen: number;
  vacuum: { orphansRemoved: number; strayFilesRemoved: number; filesAfter: number; referenced: number };
  /** Vacuums sent during the rounds, racing the writes, and how many answered 200. */
  racingVacuums: number;
  racingVacuumsDone: number;
  /** Acknowledged rows missing at the end: the figure that must be 0. */
  lostRows: number;
  ms: number;
  /** Where the time went (ms): starting the service, online checks, the writes up to the kill, offline checks. */
  phases: { start: number; online: number; writes: number; offline: number };
}

export class CrashFailure extends Error {
  constructor(
    readonly seed: number,
    readonly iteration: number,
    cause: unknown,
  ) {
    super(
      `crash harness failed at iteration ${iteration} (seed ${seed}; rerun: npm run crashtest -- --seed ${seed} --iterations ${iteration + 1}): ${cause instanceof Error ? cause.message : String(cause)}`,
    );
    this.cause = cause;
  }
}

/** mulberry32: small, fast, good enough to pick delays and sizes. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Op = 'create' | 'append' | 'replace' | 'compact' | 'vacuum';

interface Request {
  id: number;
  op: Op;
  rows: number;
  /** HTTP status, or null when the process died before answering. */
  status: number | null;
  /** ncf-table-version of a 2xx answer. */
  version: number | null;
  iteration: number;
  /** A vacuum sent before the table was seen to exist (404 is then a fine answer). */
  beforeTable?: boolean;
}

/** What one version holds: rows per request id. */
type Content = Map<number, number>;

interface VersionFacts {
  operation: string;
  rowCount: number;
  rowsAdded: number;
  content: Content;
  owner: number | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function csvBody(id: number, rows: number): string {
  let s = 'req,seq,tag\n';
  for (let i = 0; i < rows; i++) s += `${id},${i},r${id}-${i}\n`;
  return s;
}

function ndjsonLines(id: number, rows: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < rows; i++) out.push(`${JSON.stringify({ req: id, seq: i, tag: `r${id}-${i}` })}\n`);
  return out;
}

/** A body that trickles out in a few chunks with pauses, so kills land mid-upload. */
function slowBody(lines: string[], rnd: () => number): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  const chunks = 2 + Math.floor(rnd() * 5);
  const per = Math.ceil(lines.length / chunks);
  let i = 0;
  const pauses = Array.from({ length: chunks }, () => 5 + Math.floor(rnd() * 30));
  let n = 0;
  return new ReadableStream({
    async pull(controller) {
      if (i >= lines.length) {
        controller.close();
        return;
      }
      await sleep(pauses[n++ % pauses.length]!);
      controller.enqueue(enc.encode(lines.slice(i, i + per).join('')));
      i += per;
    },
  });
}

async function send(url: string, r: Request, rnd: () => number): Promise<void> {
  const path = `/v1/tables/${TABLE}`;
  let init: RequestInit & { duplex?: 'half' };
  let target: string;
  if (r.op === 'compact' || r.op === 'vacuum') {
    target = `${url}${path}/${r.op}`;
    init = { method: 'POST' };
  } else {
    target = `${url}${path}${r.op === 'append' ? '/rows' : ''}`;
    const method = r.op === 'replace' ? 'PUT' : 'POST';
    if (rnd() < 0.4) {
      init = {
        method,
        headers: { 'content-type': 'application/x-ndjson' },
        body: slowBody(ndjsonLines(r.id, r.rows), rnd),
        duplex: 'half',
      };
    } else {
      init = { method, headers: { 'content-type': 'text/csv' }, body: csvBody(r.id, r.rows) };
    }
  }
  try {
    const res = await fetch(target, init);
    r.status = res.status;
    const v = res.headers.get('ncf-table-version');
    if (res.ok) r.version = v === null ? null : Number(v);
    // The answer counts once its status line arrived; the body may be cut by the kill.
    await res.arrayBuffer().catch(() => {});
  } catch {
    // Connection refused, reset or cut: the process died before answering.
  }
}

async function json(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url);
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : JSON.parse(text) };
}

/** The rows of one version, as rows per request id; checks each request's rows are seq 0..n-1 once. */
async function readVersion(url: string, version: number): Promise<Content> {
  const res = await fetch(`${url}/v1/tables/${TABLE}/rows?version=${version}&format=ndjson&select=req,seq`);
  assert.equal(res.status, 200, `GET rows of version ${version}: ${res.status} ${await res.clone().text()}`);
  const text = await res.text();
  const seqs = new Map<number, Set<number>>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const row = JSON.parse(line) as { req: number; seq: number };
    const req = Number(row.req);
    const seq = Number(row.seq);
    let s = seqs.get(req);
    if (s === undefined) seqs.set(req, (s = new Set()));
    assert.ok(!s.has(seq), `version ${version} holds row ${seq} of request ${req} twice`);
    s.add(seq);
  }
  const out: Content = new Map();
  for (const [req, s] of seqs) {
    for (let i = 0; i < s.size; i++)
      assert.ok(s.has(i), `version ${version} holds part of request ${req}: ${s.size} rows but not seq ${i}`);
    out.set(req, s.size);
  }
  return out;
}

function sameContent(a: Content, b: Content): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

function describe(c: Content): string {
  return `{${[...c].map(([k, v]) => `${k}:${v}`).join(', ')}}`;
}

/** Names of files under files/ (temp files included), relative to it. */
async function tableFiles(dataDir: string): Promise<{ finished: string[]; temp: string[] }> {
  const finished: string[] = [];
  const temp: string[] = [];
  const root = join(dataDir, 'files');
  for (const d of await readdir(root).catch(() => [] as string[])) {
    for (const f of await readdir(join(root, d)).catch(() => [] as string[])) {
      if (f.endsWith('.tmp')) temp.push(`${d}/${f}`);
      else if (f.endsWith('.ncf')) finished.push(`${d}/${f}`);
    }
  }
  return { finished, temp };
}

async function validateFile(dataDir: string, key: string): Promise<number> {
  const reader = await NCFReader.open(join(dataDir, 'files', key));
  try {
    await reader.validateChecksum();
    let rows = 0;
    for await (const batch of reader.scan()) rows += batch.numRows;
    assert.equal(rows, reader.rowCount, `${key}: scanned ${rows} rows, footer says ${reader.rowCount}`);
    return rows;
  } finally {
    await reader.close();
  }
}

export async function runCrash(opts: CrashOptions): Promise<CrashReport> {
  const started = performance.now();
  const rnd = prng(opts.seed);
  const log = opts.log ?? (() => {});
  const maxDelay = opts.maxKillDelayMs ?? 150;
  const requests: Request[] = [];
  const facts = new Map<number, VersionFacts>();
  const validated = new Set<string>();
  const report: CrashReport = {
    seed: opts.seed,
    iterations: opts.iterations,
    kills: 0,
    requests: 0,
    acknowledged: 0,
    acknowledgedRows: 0,
    unanswered: 0,
    unansweredLanded: 0,
    refused: 0,
    versions: 0,
    filesValidated: 0,
    orphansSeen: 0,
    tempFilesSeen: 0,
    vacuum: { orphansRemoved: 0, strayFilesRemoved: 0, filesAfter: 0, referenced: 0 },
    racingVacuums: 0,
    racingVacuumsDone: 0,
    lostRows: 0,
    ms: 0,
    phases: { start: 0, online: 0, writes: 0, offline: 0 },
  };
  const phase = async <T>(name: keyof CrashReport['phases'], fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      report.phases[name] += performance.now() - t0;
    }
  };
  let nextId = 1;
  const distDir = opts.distDir ?? dirname(dirname(SERVER_JS));
  assert.ok(existsSync(join(distDir, 'src/server.js')), `${join(distDir, 'src/server.js')} is missing: run npm run build first`);
  let server: Spare | null = null;
  /** Processes loading their modules ahead of time, in start order. Two ahead keep a warm one
   *  ready on a loaded 2-core machine. Every one vacuums with no grace period: only the catalog's
   *  pending-file rule keeps vacuum from deleting a file a commit is about to reference. */
  const spares: Spare[] = [];
  let spawned = 0;
  const env: Record<string, string> = { NCF_ORPHAN_GRACE: '0', ...(opts.catalogUrl ? { NCF_CATALOG_URL: opts.catalogUrl } : {}) };
  const fill = () => {
    while (spares.length < 2 && spawned <= opts.iterations) {
      spares.push(spawnSpare(distDir, opts.dataDir, env));
      spawned++;
    }
  };
  /** The catalog the service uses, opened from outside (while no service runs, or read-only use). */
  const openCatalog = async (): Promise<Catalog> =>
    opts.catalogUrl ? openPostgresCatalog(opts.catalogUrl, { maxConnections: 2 }) : new SqliteCatalog(join(opts.dataDir, 'catalog.sqlite'));
  /** The next process, let go right after the previous one died. */
  const restart = async (): Promise<string> => {
    fill();
    server = spares.shift()!;
    return server.go();
  };
  let iteration = 0;
  let offlineChecked = 0;

  /** Offline, between kill and restart: the catalog the dead process left, and its files. */
  const checkOffline = async () => {
    const catalog = await openCatalog();
    try {
      const current = await catalog.getTable(TABLE);
      const referenced = await catalog.referencedKeys();
      // Versions checked after an earlier kill are immutable; the online check compares their numbers.
      if (current !== null)
        assert.ok(current.version >= offlineChecked, `the catalog went back from version ${offlineChecked} to ${current.version}`);
      for (let v = offlineChecked + 1; current !== null && v <= current.version; v++) {
        const t = await catalog.getTable(TABLE, v);
        assert.ok(t !== null, `catalog: version ${v} of ${current.version} is missing`);
        let rows = 0;
        for (const f of t.files) {
          if (!validated.has(f.key)) {
            const n = await validateFile(opts.dataDir, f.key);
            assert.equal(n, f.rows, `${f.key}: ${n} rows, the catalog says ${f.rows}`);
            validated.add(f.key);
          }
          rows += f.rows;
        }
        assert.equal(rows, t.rowCount, `version ${v}: its files hold ${rows} rows, the catalog says ${t.rowCount}`);
        offlineChecked = v;
      }
      const { finished, temp } = await tableFiles(opts.dataDir);
      for (const key of referenced) assert.ok(finished.includes(key), `the catalog references ${key}, which is not on disk`);
      report.orphansSeen = Math.max(report.orphansSeen, finished.filter((k) => !referenced.has(k)).length);
      report.tempFilesSeen = Math.max(report.tempFilesSeen, temp.length);
    } finally {
      await catalog.close();
    }
  };

  /** Online, after a restart: what the service serves, against every answer it gave. */
  const checkOnline = async (url: string) => {
    assert.deepEqual(await readdir(join(opts.dataDir, 'tmp')).catch(() => []), [], 'the upload spool (tmp/) survived the restart');
    const r = await json(`${url}/v1/tables/${TABLE}/versions`);
    let listed: { version: number; operation: string; rowsAdded: number; rowCount: number }[] = [];
    if (r.status === 404) {
      assert.equal(facts.size, 0, 'the table vanished');
    } else {
      assert.equal(r.status, 200, `GET versions: ${r.status}`);
      listed = r.body.versions;
    }
    // Vacuum forgets all but the newest versions: the list starts later, but has no gap, and never
    // past a version this check has not seen yet.
    listed.forEach((v, i) =>
      assert.equal(v.version, listed[0]!.version + i, `versions are not gap-free: ${listed.map((x) => x.version).join(',')}`),
    );
    if (listed.length > 0)
      assert.ok(
        listed[0]!.version <= Math.max(0, ...facts.keys()) + 1,
        `vacuum forgot versions never seen: the list starts at ${listed[0]!.version}`,
      );
    if (listed.length > 0) {
      // Every read path of the table answers (a version referencing a deleted file made them 500).
      for (const path of ['', '/stats']) {
        const d = await fetch(`${url}/v1/tables/${TABLE}${path}`);
        assert.equal(d.status, 200, `GET /v1/tables/${TABLE}${path}: ${d.status} ${await d.clone().text()}`);
        await d.arrayBuffer();
      }
    }
    for (const v of listed) {
      const known = facts.get(v.version);
      if (known !== undefined) {
        assert.deepEqual(
          [v.operation, v.rowCount, v.rowsAdded],
          [known.operation, known.rowCount, known.rowsAdded],
          `version ${v.version} changed after it was seen`,
        );
        continue;
      }
      const content = await readVersion(url, v.version);
      let total = 0;
      for (const n of content.values()) total += n;
      assert.equal(total, v.rowCount, `version ${v.version}: ${total} rows read, rowCount ${v.rowCount}`);
      const prev = facts.get(v.version - 1)?.content ?? new Map<number, number>();
      let owner: number | null = null;
      if (v.operation === 'compact') {
        assert.ok(sameContent(prev, content), `compaction ${v.version} changed the rows: ${describe(prev)} → ${describe(content)}`);
      } else {
        const added = [...content.keys()].filter((k) => !prev.has(k));
        if (v.operation === 'append') {
          for (const [k, n] of prev) assert.equal(content.get(k), n, `append ${v.version} changed request ${k}'s rows`);
          assert.equal(
            added.length,
            1,
            `append ${v.version} added ${added.length} requests' rows: ${describe(content)} after ${describe(prev)}`,
          );
        } else {
          assert.equal(content.size, 1, `${v.operation} ${v.version} holds ${content.size} requests' rows: ${describe(content)}`);
          assert.equal(added.length, 1, `${v.operation} ${v.version} holds rows of an earlier request`);
        }
        owner = added[0]!;
        const req = requests[owner - 1];
        assert.ok(req !== undefined, `version ${v.version} holds rows of request ${owner}, which was never sent`);
        assert.equal(
          content.get(owner),
          req.rows,
          `version ${v.version} holds ${content.get(owner)} of request ${owner}'s ${req.rows} rows`,
        );
        const wantOp = req.op === 'append' ? 'append' : v.version === 1 ? 'create' : 'replace';
        assert.equal(v.operation, wantOp, `version ${v.version} is a ${v.operation}, request ${owner} was a ${req.op}`);
        for (const [n, f] of facts) assert.notEqual(f.owner, owner, `request ${owner} landed twice: versions ${n} and ${v.version}`);
      }
      facts.set(v.version, { operation: v.operation, rowCount: v.rowCount, rowsAdded: v.rowsAdded, content, owner });
    }
    // Every answer against what landed.
    const landed = new Map<number, number>();
    for (const [n, f] of facts) if (f.owner !== null) landed.set(f.owner, n);
    for (const req of requests) {
      assert.ok(req.status === null || req.status < 500 || req.status === 503, `request ${req.id} (${req.op}) answered ${req.status}`);
      if (req.op === 'vacuum') {
        assert.ok(
          req.status === null || req.status === 200 || (req.status === 404 && req.beforeTable === true),
          `vacuum request ${req.id} answered ${req.status}`,
        );
        continue;
      }
      if (req.status !== null && req.status >= 200 && req.status < 300) {
        if (req.op === 'compact') {
          const f = req.version === null ? undefined : facts.get(req.version);
          assert.ok(
            f !== undefined,
            `compaction request ${req.id} answered ${req.status} with version ${req.version}, which the table does not list`,
          );
          continue;
        }
        assert.equal(
          landed.get(req.id),
          req.version,
          `request ${req.id} (${req.op}, ${req.rows} rows) answered ${req.status} with version ${req.version}, but its rows are in version ${landed.get(req.id) ?? 'none'}`,
        );
      } else if (req.status !== null) {
        assert.ok(
          !landed.has(req.id),
          `request ${req.id} (${req.op}) answered ${req.status}, yet its rows landed in version ${landed.get(req.id)}`,
        );
      }
    }
  };

  try {
    for (iteration = 0; iteration < opts.iterations; iteration++) {
      const url = await phase('start', () => restart());
      await phase('online', () => checkOnline(url));
      // The next processes load their modules while this one works.
      fill();
      // Writes for this round: a create while the table does not exist, then appends, sometimes a
      // replace or a compaction, 2–4 at once.
      const exists = facts.size > 0;
      const k = 2 + Math.floor(rnd() * 3);
      const batch: Request[] = [];
      for (let j = 0; j < k; j++) {
        const p = rnd();
        const op: Op = !exists && j === 0 ? 'create' : p < 0.1 ? 'replace' : p < 0.16 ? 'compact' : 'append';
        const rows = op === 'compact' ? 0 : rnd() < 0.15 ? 200 + Math.floor(rnd() * 2000) : 1 + Math.floor(rnd() * 40);
        const req: Request = { id: nextId++, op, rows, status: null, version: null, iteration };
        requests.push(req);
        batch.push(req);
      }
      // A vacuum races the writes in most rounds, sent at a random point among them.
      if (rnd() < 0.8) {
        const v: Request = { id: nextId++, op: 'vacuum', rows: 0, status: null, version: null, iteration, beforeTable: !exists };
        requests.push(v);
        batch.splice(Math.floor(rnd() * (batch.length + 1)), 0, v);
      }
      const live: Spare = server!;
      await phase('writes', async () => {
        const inflight = Promise.all(batch.map((r) => send(url, r, rnd)));
        // Mostly mid-flight; sometimes after every answer (a kill while idle must lose nothing either).
        if (rnd() < 0.15) await inflight;
        else await sleep(Math.floor(rnd() * maxDelay));
        await kill(live);
        await inflight;
      });
      report.kills++;
      server = null;
      await phase('offline', checkOffline);
      if ((iteration + 1) % 25 === 0)
        log(
          `iteration ${iteration + 1}/${opts.iterations}: ${requests.length} requests, ${facts.size} versions, ${Math.round(performance.now() - started)} ms`,
        );
    }
    // Final round: restart, check, vacuum with no grace, check the folder holds exactly what the
    // catalog references (orphans and temp files of killed writes gone).
    const url = await restart();
    await checkOnline(url);
    const lastVersion = Math.max(0, ...facts.keys());
    if (lastVersion > 0) {
      const v = await fetch(`${url}/v1/tables/${TABLE}/vacuum`, { method: 'POST' });
      const body = (await v.json()) as { orphansRemoved: number; strayFilesRemoved?: number; filesAfter: number; oldestVersion: number };
      assert.equal(v.status, 200, `vacuum: ${v.status} ${JSON.stringify(body)}`);
      report.vacuum.orphansRemoved = body.orphansRemoved;
      report.vacuum.strayFilesRemoved = body.strayFilesRemoved ?? 0;
      report.vacuum.filesAfter = body.filesAfter;
      // Retention forgot old versions: the current one must read exactly as before.
      const now = await readVersion(url, lastVersion);
      assert.ok(sameContent(now, facts.get(lastVersion)!.content), `after vacuum, version ${lastVersion} reads ${describe(now)}`);
    }
    // SIGTERM: a clean stop must leave the same state.
    const last: Spare = server!;
    last.proc.kill('SIGTERM');
    await last.exited;
    server = null;
    const catalog = await openCatalog();
    let referenced: Set<string>;
    try {
      referenced = await catalog.referencedKeys();
    } finally {
      await catalog.close();
    }
    const { finished, temp } = await tableFiles(opts.dataDir);
    report.vacuum.referenced = referenced.size;
    assert.deepEqual(
      finished.filter((k) => !referenced.has(k)),
      [],
      'files no version references survived vacuum',
    );
    assert.deepEqual(temp, [], 'temp files of killed writes survived vacuum');
    for (const key of referenced) assert.ok(finished.includes(key), `the catalog references ${key}, which vacuum removed`);
  } catch (e) {
    for (const p of [server as Spare | null, ...spares]) if (p !== null) await kill(p);
    throw new CrashFailure(opts.seed, iteration, e);
  }

  const last = facts.get(Math.max(0, ...facts.keys()))?.content ?? new Map<number, number>();
  const landed = new Set<number>();
  for (const f of facts.values()) if (f.owner !== null) landed.add(f.owner);
  // A row is lost when its request was acknowledged and a later version should still hold it.
  const lastReplace = Math.max(0, ...[...facts].filter(([, f]) => f.operation !== 'append' && f.operation !== 'compact').map(([n]) => n));
  for (const req of requests) {
    if (req.op === 'vacuum') {
      report.racingVacuums++;
      if (req.status === 200) report.racingVacuumsDone++;
      continue;
    }
    report.requests++;
    const ok = req.status !== null && req.status >= 200 && req.status < 300;
    if (ok) {
      report.acknowledged++;
      report.acknowledgedRows += req.rows;
      if (req.op !== 'compact' && req.version !== null && req.version >= lastReplace && last.get(req.id) !== req.rows)
        report.lostRows += req.rows;
    } else if (req.status === null) {
      report.unanswered++;
      if (landed.has(req.id)) report.unansweredLanded++;
    } else {
      report.refused++;
    }
  }
  report.versions = facts.size;
  report.filesValidated = validated.size;
  report.ms = Math.round(performance.now() - started);
  for (const k of Object.keys(report.phases) as (keyof CrashReport['phases'])[]) report.phases[k] = Math.round(report.phases[k]);
  return report;
}
