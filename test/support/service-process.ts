// The service under test as a child process, started the way test/support/server.ts starts it: the built
// `dist/src/server.js` on 127.0.0.1 with PORT=0 and a temporary data directory. Its output goes to a
// log file rather than a pipe, so a bench process busy driving load never back-pressures the server's
// logger. Also reads the child's resident memory from /proc/<pid>/status.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SERVER_JS = join(ROOT, 'dist/src/server.js');

const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 15_000;

export interface Service {
  url: string;
  pid: number;
  /** What the server wrote so far (its pino log). */
  output(): string;
  /** SIGTERM, then SIGKILL if it has not exited within 15 s. Idempotent. */
  stop(): Promise<void>;
}

export interface ServiceOptions {
  dataDir: string;
  logFile: string;
  /** Extra node flags for the server (e.g. --cpu-prof). */
  nodeArgs?: string[];
  env?: Record<string, string>;
}

/** Throws unless the build exists; warns (returns a note) when a source file is newer than it. */
export function checkBuild(): string | null {
  if (!existsSync(SERVER_JS)) throw new Error(`bench: ${SERVER_JS} is missing: run \`npm run build\` first`);
  const built = statSync(SERVER_JS).mtimeMs;
  const newer = (dir: string): string | null => {
    for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })) {
      if (!e.isFile() || !e.name.endsWith('.ts')) continue;
      const p = join(e.parentPath, e.name);
      if (statSync(p).mtimeMs > built) return p.slice(ROOT.length + 1);
    }
    return null;
  };
  const stale = newer('src') ?? newer('routes') ?? newer('storage');
  return stale === null ? null : `${stale} is newer than dist/: the service measured may be out of date (npm run build)`;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts the server and waits until it prints its URL and /healthz answers. */
export async function startService(opts: ServiceOptions): Promise<Service> {
  const fd = openSync(opts.logFile, 'w');
  let proc: ChildProcess;
  try {
    proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), SERVER_JS], {
      cwd: opts.dataDir,
      env: {
        ...process.env,
        PORT: '0',
        HOST: '127.0.0.1',
        NCF_DATA_DIR: opts.dataDir,
        LOG_LEVEL: 'info',
        NCF_API_KEYS: '',
        NCF_API_KEYS_FILE: '',
        NCF_AUTH: '',
        ...opts.env,
      },
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd); // the child holds its own copy
  }
  const output = (): string => readFileSync(opts.logFile, 'utf8');
  const exited = new Promise<void>((res) => proc.once('exit', () => res()));
  // If the bench process exits without stop() (process.exit on Ctrl-C, a crash), take the server along.
  const killOnExit = (): void => {
    proc.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
  let stopped: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    })();
    return stopped;
  };
  try {
    const deadline = Date.now() + START_TIMEOUT_MS;
    let url: string | null = null;
    while (url === null) {
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`bench: the server exited before listening:\n${output()}`);
      if (Date.now() > deadline)
        throw new Error(`bench: the server did not print its URL within ${START_TIMEOUT_MS / 1000} s:\n${output()}`);
      url = /listening on (http:\/\/[^\s"]+)/.exec(output())?.[1] ?? null;
      if (url === null) await sleep(50);
    }
    for (;;) {
      const ok = await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`bench: the server at ${url} never answered /healthz:\n${output()}`);
      await sleep(50);
    }
    return { url, pid: proc.pid!, output, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

export interface Rss {
  /** Resident set size now, bytes. */
  rss: number;
  /** Peak resident set size since start or since the last resetPeakRss, bytes. */
  peak: number;
}

/** VmRSS and VmHWM of a process (Linux); null elsewhere or when it is gone. */
export function readRss(pid: number): Rss | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    const rss = kb('VmRSS');
    return Number.isFinite(rss) ? { rss, peak: kb('VmHWM') } : null;
  } catch {
    return null;
  }
}

/** Resets the peak RSS (VmHWM) to the current RSS (Linux ≥ 4.0: "5" to clear_refs). False if not allowed. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}
