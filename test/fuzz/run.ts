// The fuzz runner: each target gets an equal share of the time in its own worker thread, watched from
// here — a worker that stops beating for longer than the per-input bound is killed (a hang), one that
// runs out of heap dies (memory), and the process's rss is sampled against a bound. Crashers are saved
// as test/corpus/<target>/<sha256 prefix>.bin with a .txt note, one per distinct failure.
//
//   npm run fuzz -- --seconds 120 [--seed 1] [--targets csv,json] [--corpus dir]

import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { WorkerInput, WorkerMessage } from './worker.js';

const HERE = dirname(fileURLToPath(import.meta.url));
export const CORPUS_DIR = resolve(HERE, '../corpus');
export const TARGET_NAMES = [
  'ncf-reader',
  'ncf-reader-repaired',
  'chunk',
  'footer',
  'csv',
  'ndjson',
  'json',
  'query-string',
  'query-body',
  'upload-body',
] as const;

/** The bounds an input must stay within; the same figures are stated in docs/RELIABILITY.md. */
export const BOUNDS = {
  /** An input not answered in this time is a hang. */
  perInputMs: 2000,
  /** ArrayBuffer memory one input may leave behind (a lying length must not allocate what it claims). */
  maxArrayBufferBytes: 256 << 20,
  /** Heap of a target's worker thread; exhausting it is a crasher. */
  workerHeapMb: 512,
  /** Resident memory of the whole fuzzing process. */
  maxRssBytes: 1536 << 20,
};

export interface FuzzOptions {
  seconds: number;
  seed: number;
  targets?: readonly string[];
  /** Per target; 0 means until the time share runs out. */
  maxInputs?: number;
  /** Overrides BOUNDS.perInputMs (the bounded run in npm test allows more on a loaded machine). */
  perInputMs?: number;
  corpusDir?: string;
  log?: (line: string) => void;
}

export interface Crasher {
  target: string;
  reason: string;
  message: string;
  file: string;
}

export interface TargetResult {
  target: string;
  inputs: number;
  accepted: number;
  refused: number;
  crashers: Crasher[];
  /** Duplicates of a crasher already saved in this run. */
  repeats: number;
  seconds: number;
  peakArrayBuffers: number;
  peakHeap: number;
  restarts: number;
}

export interface FuzzResult {
  targets: TargetResult[];
  peakRss: number;
  seconds: number;
  seed: number;
}

function spawnWorker(data: WorkerInput): Worker {
  const self = import.meta.url;
  const options = { workerData: data, resourceLimits: { maxOldGenerationSizeMb: BOUNDS.workerHeapMb } };
  if (self.endsWith('.ts')) {
    // Under tsx (tests, npm run fuzz) the worker is TypeScript: register tsx inside it first.
    const target = new URL('./worker.ts', self).href;
    const tsx = import.meta.resolve('tsx/esm/api');
    return new Worker(`import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); })`, {
      ...options,
      eval: true,
    });
  }
  return new Worker(new URL('./worker.js', self), options);
}

/** The part of a failure that names the bug: message without numbers, plus the first stack frame. */
function signature(reason: string, message: string): string {
  const lines = message.split('\n');
  const frame = lines.find((l) => /^\s+at /.test(l)) ?? '';
  return `${reason}|${lines[0]!.replace(/\d+/g, 'N').slice(0, 200)}|${frame.trim().replace(/:\d+:\d+\)?$/, '')}`;
}

function saveCrasher(dir: string, target: string, reason: string, message: string, input: Uint8Array, seed: number): string {
  const hash = createHash('sha256').update(input).digest('hex').slice(0, 16);
  const folder = join(dir, target);
  mkdirSync(folder, { recursive: true });
  const file = join(folder, `${hash}.bin`);
  writeFileSync(file, input);
  writeFileSync(
    join(folder, `${hash}.txt`),
    `target: ${target}\nreason: ${reason}\nseed: ${seed}\nfound: ${new Date().toISOString()}\n\n${message}\n`,
  );
  return file;
}

async function fuzzOne(name: string, seconds: number, opts: FuzzOptions, rss: { peak: number }): Promise<TargetResult> {
  const started = Date.now();
  let remainingMs = seconds * 1000;
  const dir = opts.corpusDir ?? CORPUS_DIR;
  const result: TargetResult = {
    target: name,
    inputs: 0,
    accepted: 0,
    refused: 0,
    crashers: [],
    repeats: 0,
    seconds: 0,
    peakArrayBuffers: 0,
    peakHeap: 0,
    restarts: 0,
  };
  const seen = new Set<string>();
  const record = (reason: string, message: string, input: Uint8Array, seed: number): void => {
    const sig = signature(reason, message);
    if (seen.has(sig)) {
      result.repeats++;
      return;
    }
    seen.add(sig);
    const file = saveCrasher(dir, name, reason, message, input, seed);
    result.crashers.push({ target: name, reason, message: message.split('\n')[0]!, file });
    opts.log?.(`  ${name}: ${reason}: ${message.split('\n')[0]} → ${file}`);
  };
  // A target name hashed into the seed, so targets do not walk in step.
  const base = (opts.seed ^ Number.parseInt(createHash('sha256').update(name).digest('hex').slice(0, 8), 16)) >>> 0;
  let remainingInputs = opts.maxInputs ?? 0;
  const perInputMs = opts.perInputMs ?? BOUNDS.perInputMs;
  for (let attempt = 0; remainingMs > 0; attempt++) {
    const attemptStarted = Date.now();
    const shared = new SharedArrayBuffer(16 + (1 << 20));
    const header = new Int32Array(shared, 0, 4);
    const seed = (base + attempt * 0x9e3779b9) >>> 0;
    const worker = spawnWorker({
      target: name,
      seed,
      ms: remainingMs,
      maxInputs: remainingInputs,
      perInputMs,
      maxArrayBufferBytes: BOUNDS.maxArrayBufferBytes,
      shared,
    });
    const current = (): Uint8Array => new Uint8Array(shared, 16, Atomics.load(header, 1)).slice();
    const finished = await new Promise<boolean>((res) => {
      let beat = Atomics.load(header, 0);
      let beatAt = Date.now();
      let settled = false;
      const end = (done: boolean): void => {
        if (settled) return;
        settled = true;
        clearInterval(watch);
        void worker.terminate();
        res(done);
      };
      const watch = setInterval(() => {
        const now = Date.now();
        const b = Atomics.load(header, 0);
        if (b !== beat) {
          beat = b;
          beatAt = now;
        }
        const r = process.memoryUsage.rss();
        rss.peak = Math.max(rss.peak, r);
        if (r > BOUNDS.maxRssBytes) {
          record('memory', `process rss ${r} bytes is above the bound of ${BOUNDS.maxRssBytes}`, current(), seed);
          end(false);
        } else if (now - beatAt > perInputMs + 3000) {
          // Setup (seed files, tsx) happens before the first beat; allow it more time.
          if (b === 0 && now - beatAt < 30_000) return;
          record('hang', `the event loop did not come back within ${now - beatAt} ms (a synchronous loop)`, current(), seed);
          end(false);
        }
      }, 100);
      worker.on('message', (m: WorkerMessage) => {
        if (m.kind === 'crash') record(m.reason, m.message, m.input, seed);
        else {
          result.inputs += m.inputs;
          result.accepted += m.accepted;
          result.refused += m.refused;
          result.peakArrayBuffers = Math.max(result.peakArrayBuffers, m.peakArrayBuffers);
          result.peakHeap = Math.max(result.peakHeap, m.peakHeap);
          end(true);
        }
      });
      worker.on('error', (e: Error & { code?: string }) => {
        const reason = e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'memory' : 'exception';
        record(reason, `worker died: ${e.code ?? e.name}: ${e.message}`, current(), seed);
        end(false);
      });
      worker.on('exit', (code) => {
        // Exiting without "done" means the event loop drained: a promise that never settles, with
        // nothing left to settle it (or process.exit from inside a parser).
        if (!settled) record('hang', `the worker exited (code ${code}) without finishing: a promise that never settles`, current(), seed);
        end(false);
      });
    });
    if (finished) break;
    // Killed mid-run: the inputs it tried count, then carry on with a fresh worker and a new seed.
    const tried = Atomics.load(header, 0);
    result.inputs += tried;
    result.accepted += Atomics.load(header, 2);
    result.refused += Atomics.load(header, 3);
    result.restarts++;
    remainingMs -= Date.now() - attemptStarted;
    if (remainingInputs > 0) {
      remainingInputs -= tried;
      if (remainingInputs <= 0) break;
    }
  }
  result.seconds = (Date.now() - started) / 1000;
  return result;
}

export async function runFuzz(opts: FuzzOptions): Promise<FuzzResult> {
  const names = opts.targets ?? TARGET_NAMES;
  for (const n of names)
    if (!(TARGET_NAMES as readonly string[]).includes(n) && n !== 'harness-check')
      throw new Error(`unknown fuzz target ${n}; the targets are ${TARGET_NAMES.join(', ')}`);
  const started = Date.now();
  const rss = { peak: process.memoryUsage.rss() };
  const share = opts.seconds / names.length;
  const targets: TargetResult[] = [];
  for (const name of names) {
    const r = await fuzzOne(name, share, opts, rss);
    targets.push(r);
    opts.log?.(formatRow(r));
  }
  return { targets, peakRss: rss.peak, seconds: (Date.now() - started) / 1000, seed: opts.seed };
}

const MiB = (n: number): string => `${(n / (1 << 20)).toFixed(0)} MiB`;

export function formatRow(r: TargetResult): string {
  return (
    `${r.target.padEnd(20)} ${String(r.inputs).padStart(9)} inputs ${String(r.accepted).padStart(8)} accepted ${String(r.refused).padStart(8)} refused ` +
    `${String(r.crashers.length).padStart(3)} crashers${r.repeats ? ` (+${r.repeats} repeats)` : ''}  ${r.seconds.toFixed(1)} s  ` +
    `peak heap ${MiB(r.peakHeap)}, array buffers ${MiB(r.peakArrayBuffers)}`
  );
}

function parseArgs(argv: string[]): FuzzOptions {
  const opts: FuzzOptions = { seconds: 60, seed: 1 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--seconds') opts.seconds = Number(value());
    else if (a === '--seed') opts.seed = Number(value());
    else if (a === '--targets')
      opts.targets = value()
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else if (a === '--corpus') opts.corpusDir = resolve(value());
    else throw new Error(`unknown argument ${a}; usage: npm run fuzz -- [--seconds 60] [--seed 1] [--targets a,b] [--corpus dir]`);
  }
  if (!(opts.seconds > 0)) throw new Error('--seconds must be a positive number');
  if (!Number.isInteger(opts.seed)) throw new Error('--seed must be an integer');
  return opts;
}

async function main(): Promise<void> {
  let opts: FuzzOptions;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `fuzzing ${(opts.targets ?? TARGET_NAMES).length} targets for ${opts.seconds} s, seed ${opts.seed} (${availableParallelism()} × ${cpu}, Node ${process.versions.node})`,
  );
  console.log(
    `bounds: ${BOUNDS.perInputMs} ms per input, ${MiB(BOUNDS.maxArrayBufferBytes)} ArrayBuffer growth per input, ${BOUNDS.workerHeapMb} MiB worker heap, ${MiB(BOUNDS.maxRssBytes)} rss`,
  );
  const result = await runFuzz({ ...opts, log: (l) => console.log(l) });
  const total = result.targets.reduce((s, t) => s + t.inputs, 0);
  const crashers = result.targets.reduce((s, t) => s + t.crashers.length, 0);
  console.log(`total ${total} inputs in ${result.seconds.toFixed(1)} s, ${crashers} crashers, peak rss ${MiB(result.peakRss)}`);
  process.exit(crashers > 0 ? 1 : 0);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
