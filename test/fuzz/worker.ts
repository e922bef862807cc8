// One fuzz target's loop, run in a worker thread so the parent can stop it when an input hangs the
// event loop or exhausts its heap. Before each input the worker copies it into shared memory and bumps
// a heartbeat; the parent reads the input from there when it has to kill the worker.

import { parentPort, workerData } from 'node:worker_threads';
import { mutate, Rng } from './mutate.js';
import { harnessCheckTarget, makeTargets } from './targets.js';

export interface WorkerInput {
  target: string;
  seed: number;
  /** How long to fuzz, counted from when the target is set up (seed files written, seeds accepted). */
  ms: number;
  /** Stop after this many inputs (the bounded run in npm test); 0: only the deadline. */
  maxInputs: number;
  /** An input whose promise has not settled after this long is a hang. */
  perInputMs: number;
  /** Growth of this worker's ArrayBuffer memory during one input above this is a crasher. */
  maxArrayBufferBytes: number;
  /** Int32 [0] heartbeat (inputs started), [1] input length, [2] accepted, [3] refused; the input
   *  bytes from byte 16. */
  shared: SharedArrayBuffer;
}

export type WorkerMessage =
  | { kind: 'crash'; reason: 'exception' | 'hang' | 'memory' | 'pollution'; message: string; input: Uint8Array }
  | { kind: 'done'; inputs: number; accepted: number; refused: number; peakArrayBuffers: number; peakHeap: number };

const data = workerData as WorkerInput;
const port = parentPort!;
const header = new Int32Array(data.shared, 0, 4);
const slot = new Uint8Array(data.shared, 16);

const PROTOTYPES = [
  ['Object', Object.prototype],
  ['Array', Array.prototype],
] as const;
const CLEAN = PROTOTYPES.map(([, p]) => new Set(Reflect.ownKeys(p)));

/** What an input added to Object.prototype or Array.prototype (removed again, so the run goes on), or null. */
function polluted(): string | null {
  const found: string[] = [];
  PROTOTYPES.forEach(([name, proto], i) => {
    for (const key of Reflect.ownKeys(proto)) {
      if (CLEAN[i]!.has(key)) continue;
      found.push(`${name}.prototype.${String(key)}`);
      delete (proto as Record<PropertyKey, unknown>)[key];
    }
  });
  return found.length > 0 ? `the input added ${found.join(', ')}` : null;
}

function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}\n${(e.stack ?? '').split('\n').slice(1, 8).join('\n')}`;
  return `non-Error thrown: ${String(e)}`;
}

const HANG = Symbol('hang');

async function main(): Promise<void> {
  const target = data.target === 'harness-check' ? harnessCheckTarget() : (await makeTargets()).find((t) => t.name === data.target);
  if (!target) throw new Error(`no fuzz target ${data.target}`);
  const rng = new Rng(data.seed);
  const opts = {
    seeds: target.seeds,
    maxLength: target.maxLength,
    ...(target.dictionary ? { dictionary: target.dictionary } : {}),
    ...(target.pairs ? { pairs: target.pairs } : {}),
  };
  let inputs = 0,
    accepted = 0,
    refused = 0,
    peakArrayBuffers = 0,
    peakHeap = 0;
  // The seeds themselves must be accepted: a refused seed means the target is broken, not the input.
  for (const s of target.seeds) {
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<never>((_, rej) => {
      timer = setTimeout(() => rej(new Error(`a seed got no answer within ${data.perInputMs} ms`)), data.perInputMs);
    });
    await Promise.race([target.run(s), hung]).finally(() => clearTimeout(timer));
  }
  const deadline = Date.now() + data.ms;
  while ((data.maxInputs === 0 || inputs < data.maxInputs) && Date.now() < deadline) {
    const input = mutate(rng.pick(target.seeds), rng, opts);
    slot.set(input.subarray(0, slot.length));
    Atomics.store(header, 1, Math.min(input.length, slot.length));
    Atomics.add(header, 0, 1);
    inputs++;
    const before = process.memoryUsage().arrayBuffers;
    let timer: NodeJS.Timeout | undefined;
    try {
      const outcome = await Promise.race([
        target.run(input),
        new Promise<typeof HANG>((res) => {
          timer = setTimeout(() => res(HANG), data.perInputMs);
        }),
      ]);
      if (outcome === HANG) {
        port.postMessage({
          kind: 'crash',
          reason: 'hang',
          message: `no answer within ${data.perInputMs} ms`,
          input,
        } satisfies WorkerMessage);
      } else {
        accepted++;
        Atomics.add(header, 2, 1);
      }
    } catch (e) {
      if (target.expected(e)) {
        refused++;
        Atomics.add(header, 3, 1);
      } else port.postMessage({ kind: 'crash', reason: 'exception', message: describeError(e), input } satisfies WorkerMessage);
    } finally {
      clearTimeout(timer);
    }
    const mem = process.memoryUsage();
    const grew = mem.arrayBuffers - before;
    if (grew > data.maxArrayBufferBytes) {
      port.postMessage({
        kind: 'crash',
        reason: 'memory',
        message: `ArrayBuffer memory grew by ${grew} bytes on one input (bound ${data.maxArrayBufferBytes})`,
        input,
      } satisfies WorkerMessage);
    }
    peakArrayBuffers = Math.max(peakArrayBuffers, mem.arrayBuffers);
    peakHeap = Math.max(peakHeap, mem.heapUsed);
    const p = polluted();
    if (p !== null) port.postMessage({ kind: 'crash', reason: 'pollution', message: p, input } satisfies WorkerMessage);
  }
  port.postMessage({ kind: 'done', inputs, accepted, refused, peakArrayBuffers, peakHeap } satisfies WorkerMessage);
}

main().catch((e) => {
  // Setting up the target failed (a seed refused): report it as a crash of an empty input.
  port.postMessage({
    kind: 'crash',
    reason: 'exception',
    message: `target setup failed: ${describeError(e)}`,
    input: new Uint8Array(0),
  } satisfies WorkerMessage);
  port.postMessage({ kind: 'done', inputs: 0, accepted: 0, refused: 0, peakArrayBuffers: 0, peakHeap: 0 } satisfies WorkerMessage);
});
