// A real PostgreSQL server for tests. Either a throwaway cluster made in a temp dir from the local
// binaries (initdb + pg_ctl; as the `postgres` OS user when running as root, since PostgreSQL refuses
// to run as root), or the existing server named by NCF_TEST_PG_URL. Each caller gets fresh databases,
// so test files never see each other's tables. When PostgreSQL cannot be had this throws with the
// reason: the PostgreSQL tests must fail, never skip, because CI relies on them.
//
// The temp cluster trades durability for start-up time: fsync, synchronous_commit and
// full_page_writes are off (a crash loses the cluster, which is deleted anyway), initdb runs with
// --no-sync. It listens on 127.0.0.1 on a free port with its unix socket inside the temp dir, and
// trusts local connections. Start-up is ~1 s here.

import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, readdirSync, rmSync } from 'node:fs';
import { chown, mkdtemp, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';

export interface PgTestDatabase {
  /** postgres:// URL of an empty database of its own. */
  url: string;
  /** Drops the database (ending its connections first). */
  drop(): Promise<void>;
}

export interface PgTestServer {
  /** Where the server came from, for test diagnostics. */
  source: 'temp cluster' | 'NCF_TEST_PG_URL';
  /** Time taken to make the server usable, in ms. */
  startupMs: number;
  /** URL of the server's maintenance database (for admin work in tests). */
  adminUrl: string;
  /** Creates a fresh, empty database. */
  createDatabase(): Promise<PgTestDatabase>;
  /** Drops every database created here, then stops and deletes a temp cluster. Idempotent. */
  stop(): Promise<void>;
}

/** Starts (or connects to) a PostgreSQL server; see the module comment. */
export async function startPgServer(): Promise<PgTestServer> {
  const started = performance.now();
  const external = process.env.NCF_TEST_PG_URL;
  if (external) {
    await adminQuery(external, 'SELECT 1').catch((e: unknown) => {
      throw new Error(`NCF_TEST_PG_URL=${redact(external)} is not reachable: ${String((e as Error).message ?? e)}`);
    });
    return serverAt(external, 'NCF_TEST_PG_URL', started, async () => {});
  }
  const cluster = await startTempCluster();
  return serverAt(cluster.url, 'temp cluster', started, cluster.stop);
}

function serverAt(adminUrl: string, source: PgTestServer['source'], started: number, stopServer: () => Promise<void>): PgTestServer {
  const live = new Set<string>();
  let stopped = false;
  const dropDb = async (name: string) => {
    if (!live.delete(name)) return;
    await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  };
  return {
    source,
    adminUrl,
    startupMs: performance.now() - started,
    async createDatabase() {
      if (stopped) throw new Error('the test PostgreSQL server was stopped');
      const name = `ncf_test_${randomBytes(6).toString('hex')}`;
      await adminQuery(adminUrl, `CREATE DATABASE ${quoteIdent(name)}`);
      live.add(name);
      return { url: withDatabase(adminUrl, name), drop: () => dropDb(name) };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        for (const name of [...live]) await dropDb(name);
      } finally {
        await stopServer();
      }
    },
  };
}

interface TempCluster {
  url: string;
  stop(): Promise<void>;
}

async function startTempCluster(): Promise<TempCluster> {
  const bin = findBinaries();
  const root = process.getuid?.() === 0;
  // PostgreSQL will not run as root: its files must belong to the user it runs as.
  const asUser = root ? 'postgres' : null;
  if (asUser !== null && spawnSync('id', ['-u', asUser]).status !== 0) {
    throw new Error('running as root, but there is no "postgres" OS user to run PostgreSQL as (create one, or set NCF_TEST_PG_URL)');
  }
  const dir = await mkdtemp(join(tmpdir(), 'ncf-pg-'));
  const data = join(dir, 'data');
  const log = join(dir, 'postgres.log');
  let stopped = false;
  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    if (existsSync(join(data, 'postmaster.pid'))) {
      spawnSync(...command(asUser, bin.pg_ctl, ['stop', '-D', data, '-m', 'immediate', '-w', '-s']), { stdio: 'ignore' });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // A test process that exits without calling stop() must not leave a server running.
  process.once('exit', stopSync);
  try {
    if (asUser !== null) await chown(dir, uidOf(asUser), gidOf(asUser));
    const init = await run(asUser, bin.initdb, [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
      '--no-instructions',
    ]);
    if (init.code !== 0) throw new Error(`initdb failed (exit ${init.code}): ${init.stderr.trim() || init.stdout.trim()}`);
    let lastError = '';
    // The free port can be taken between probing it and binding it: try a few.
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      const options = [
        '-c listen_addresses=127.0.0.1',
        `-p ${port}`,
        `-k ${dir}`,
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
        '-c max_connections=200',
        '-c shared_buffers=32MB',
      ].join(' ');
      const start = await run(asUser, bin.pg_ctl, ['start', '-D', data, '-w', '-t', '30', '-s', '-l', log, '-o', options]);
      if (start.code === 0) {
        const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
        return {
          url,
          stop: async () => {
            process.removeListener('exit', stopSync);
            stopSync();
          },
        };
      }
      const logText = await readFile(log, 'utf8').catch(() => '');
      lastError = `pg_ctl start failed (exit ${start.code}): ${start.stderr.trim()}\n${logText.split('\n').slice(-15).join('\n')}`;
      if (!/could not bind|Address already in use/i.test(logText)) break;
    }
    throw new Error(lastError);
  } catch (e) {
    process.removeListener('exit', stopSync);
    stopSync();
    throw new Error(`could not start a PostgreSQL test cluster in ${dir}: ${(e as Error).message}`);
  }
}

interface Binaries {
  initdb: string;
  pg_ctl: string;
}

/** initdb and pg_ctl from PATH, else from the newest /usr/lib/postgresql/<major>/bin. */
function findBinaries(): Binaries {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  const lib = '/usr/lib/postgresql';
  if (existsSync(lib)) {
    const majors = readdirSync(lib)
      .filter((d) => /^\d+$/.test(d))
      .sort((a, b) => Number(b) - Number(a));
    dirs.push(...majors.map((m) => join(lib, m, 'bin')));
  }
  for (const d of dirs) {
    const initdb = join(d, 'initdb');
    const pgCtl = join(d, 'pg_ctl');
    if (isExecutable(initdb) && isExecutable(pgCtl)) return { initdb, pg_ctl: pgCtl };
  }
  throw new Error(
    `PostgreSQL binaries (initdb, pg_ctl) not found on PATH or in ${lib}/*/bin: install PostgreSQL 15 (apt-get install postgresql-15) or set NCF_TEST_PG_URL`,
  );
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function command(asUser: string | null, file: string, args: string[]): [string, string[]] {
  return asUser === null ? [file, args] : ['runuser', ['-u', asUser, '--', file, ...args]];
}

function run(asUser: string | null, file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const [cmd, argv] = command(asUser, file, args);
  return new Promise((resolve) => {
    execFile(cmd, argv, { timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, stdout, stderr: stderr || (err?.message ?? '') });
    });
  });
}

function idOf(user: string, flag: '-u' | '-g'): number {
  const r = spawnSync('id', [flag, user], { encoding: 'utf8' });
  const n = Number(r.stdout.trim());
  if (r.status !== 0 || !Number.isInteger(n)) throw new Error(`cannot find the ${flag === '-u' ? 'uid' : 'gid'} of OS user "${user}"`);
  return n;
}
const uidOf = (user: string) => idOf(user, '-u');
const gidOf = (user: string) => idOf(user, '-g');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr !== null && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end().catch(() => {});
  }
}

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
