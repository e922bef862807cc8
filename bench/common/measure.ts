// Timing: runs steps after warm-ups a fixed number of times, collecting garbage before each run so
// one step's garbage is not billed to the next, and reports the median and best in ms. Competing steps
// run interleaved (round-robin), so a burst of load from elsewhere on a shared machine hits every
// competitor of a comparison alike instead of one of them.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** V8's gc(), exposed at run time because `npm run bench` does not pass --expose-gc. */
const gc: () => void = (() => {
  setFlagsFromString('--expose-gc');
  const fn = runInNewContext('gc') as unknown;
  return typeof fn === 'function' ? (fn as () => void) : () => {};
})();

export interface Timing {
  /** Median of the timed runs, ms. */
  median: number;
  /** Fastest timed run, ms. */
  best: number;
  samples: number[];
}

export interface RunPlan {
  warmups: number;
  repeats: number;
}

export interface Step<T = unknown> {
  key: string;
  /** Runs before each run of the step, untimed (delete the last output, set a thread count, ...). */
  prepare?: () => Promise<void> | void;
  run: () => Promise<T> | T;
}

/** Times competing steps round-robin: `warmups` rounds untimed, then `repeats` timed rounds, each
 *  round running every step once in order. Returns each step's timing and last result, by key. */
export async function measureInterleaved(plan: RunPlan, steps: Step[]): Promise<Map<string, { timing: Timing; result: unknown }>> {
  const samples = steps.map((): number[] => []);
  const results: unknown[] = steps.map(() => undefined);
  for (let round = 0; round < plan.warmups + plan.repeats; round++) {
    for (let k = 0; k < steps.length; k++) {
      const step = steps[k]!;
      if (step.prepare) await step.prepare();
      results[k] = undefined;
      gc();
      const t0 = performance.now();
      results[k] = await step.run();
      const ms = performance.now() - t0;
      if (round >= plan.warmups) samples[k]!.push(ms);
    }
  }
  return new Map(steps.map((s, k) => [s.key, { timing: summarize(samples[k]!), result: results[k] }]));
}

/** Times one step alone (warm-ups, then `repeats` runs); `prepare` runs untimed before each run.
 *  The step's last result is returned for checking. */
export async function measure<T>(
  plan: RunPlan,
  step: () => Promise<T> | T,
  prepare?: () => Promise<void> | void,
): Promise<{ timing: Timing; result: T }> {
  const m = await measureInterleaved(plan, [{ key: 'step', run: step, ...(prepare ? { prepare } : {}) }]);
  const { timing, result } = m.get('step')!;
  return { timing, result: result as T };
}

export function summarize(samples: number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, best: sorted[0]!, samples };
}

/** Rows per second for `rows` rows in `ms` milliseconds. */
export function rowsPerSecond(rows: number, ms: number): number {
  return ms > 0 ? (rows * 1000) / ms : Infinity;
}

export { gc };
