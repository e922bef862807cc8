// The built service (`dist/src/server.js`) as a child process: the one launcher tests and benches share
// (test/support/server.ts builds the e2e helpers on it). It listens on 127.0.0.1 with PORT=0 and the
// data directory it is given, prints its URL, and is ready when /healthz answers. Its output is kept
// in memory, or written to a log file, so a bench process busy driving load never back-pressures the
// server's logger. Also reads the child's resident memory from /proc/<pid>/status.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SERVER_JS = join(ROOT, 'dist/src/server.js');

const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 15_000;

/** The environment every launch starts from: no API keys or auth from the caller's shell, info logs. */
export function serviceEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, PORT: '0', LOG_LEVEL: 'info', NCF_API_KEYS: '', NCF_API_KEYS_FILE: '', NCF_AUTH: '', ...env };
}

export interface Service {
  url: string;
  pid: number;
  proc: ChildProcess;
  /** What the server wrote so far (its pino log), stdout and stderr together. */
  output(): string;
  /** Resolves with the exit code (null when a signal ended it) when the process exits. */
  exited: Promise<number | null>;
  /** SIGTERM (unless it already exited), SIGKILL if it has not exited within 15 s; resolves with the
   *  exit code. Idempotent. */
  stop(): Promise<number | null>;
}

export interface ServiceOptions {
  dataDir: string;
  /** Write the output to this file instead of keeping it in memory (benches: no pipe to drain). */
  logFile?: string;
  /** The child's working directory; default the caller's. */
  cwd?: string;
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

/** Starts the server and waits until it prints its URL and /healthz answers; a server that exits or
 *  is not ready within 20 s is stopped and the error carries its output. */
export async function startService(opts: ServiceOptions): Promise<Service> {
  if (!existsSync(SERVER_JS)) throw new Error(`${SERVER_JS} is missing: run \`npm run build\` (npm test builds first)`);
  const env = serviceEnv({ HOST: '127.0.0.1', NCF_DATA_DIR: opts.dataDir, ...opts.env });
  const args = [...(opts.nodeArgs ?? []), SERVER_JS];
  let proc: ChildProcess;
  let output: () => string;
  if (opts.logFile !== undefined) {
    const logFile = opts.logFile;
    const fd = openSync(logFile, 'w');
    try {
      proc = spawn(process.execPath, args, { cwd: opts.cwd, env, stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd); // the child holds its own copy
    }
    output = () => readFileSync(logFile, 'utf8');
  } else {
    proc = spawn(process.execPath, args, { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const keep = (s: string): void => {
      out += s;
    };
    proc.stdout!.setEncoding('utf8').on('data', keep);
    proc.stderr!.setEncoding('utf8').on('data', keep);
    output = () => out;
  }
  const exited = new Promise<number | null>((res) => proc.once('exit', (code) => res(code)));
  // If the parent exits without stop() (process.exit on Ctrl-C, a crash), take the server along.
  const killOnExit = (): void => {
    proc.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
  let stopped: Promise<number | null> | null = null;
  const stop = (): Promise<number | null> => {
    stopped ??= (async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
      const code = await exited;
      clearTimeout(timer);
      return code;
    })();
    return stopped;
  };
  try {
    const deadline = Date.now() + START_TIMEOUT_MS;
    let url: string | null = null;
    while (url === null) {
      if (proc.exitCode !== null || proc.signalCode !== null)
        throw new Error(`the server exited with ${proc.exitCode ?? proc.signalCode} before listening:\n${output()}`);
      if (Date.now() > deadline) throw new Error(`the server did not print its URL within ${START_TIMEOUT_MS / 1000} s:\n${output()}`);
      url = /listening on (http:\/\/[^\s"]+)/.exec(output())?.[1] ?? null;
      if (url === null) await sleep(20);
    }
    for (;;) {
      const ok = await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`the server at ${url} never answered /healthz:\n${output()}`);
      await sleep(50);
    }
    return { url, pid: proc.pid!, proc, output, exited, stop };
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
