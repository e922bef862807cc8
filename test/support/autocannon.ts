// Load generation for the point query: autocannon with a fixed list of requests that every connection
// cycles through, for a fixed duration. Latencies are also recorded here from autocannon's "response"
// events with sub-millisecond precision (its own histogram keeps whole milliseconds), both over every
// response and without each connection's first one: that one includes the TCP connect, and a server
// whose event loop is saturated drains its accept queue slowly, so the last of 100 connections opened
// at once can wait seconds before its first request is even read.

import autocannon from 'autocannon';

/** Most latencies kept for percentiles; enough for 10 s at 100k req/s. Later ones are not recorded. */
const MAX_SAMPLES = 1_000_000;

export interface LoadOptions {
  url: string;
  /** Paths (with query strings) each connection requests in turn. */
  paths: string[];
  headers?: Record<string, string>;
  connections: number;
  seconds: number;
}

export interface LoadResult {
  connections: number;
  seconds: number;
  requests: number;
  /** Completed requests per second over the run. */
  reqPerSec: number;
  /** Latency percentiles in ms over every response (autocannon's clock: from the request's write,
   *  which for a connection's first request is before the connection is accepted, to the response's end). */
  p50: number;
  p975: number;
  p99: number;
  max: number;
  /** The same without each connection's first response (the connection already accepted). */
  warm: { p50: number; p975: number; p99: number; max: number };
  /** Connection errors (timeouts included), timeouts alone, and answers with a status other than 2xx. */
  errors: number;
  timeouts: number;
  non2xx: number;
  /** Mean response size in bytes. */
  bytesPerResponse: number;
}

/** The p-quantile (0..1) of sorted values, nearest-rank. */
export function quantile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[rank]!;
}

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const latencies = new Float64Array(MAX_SAMPLES);
  const warmLatencies = new Float64Array(MAX_SAMPLES);
  const seen = new WeakSet<object>();
  let count = 0;
  let warmCount = 0;
  let bytes = 0;
  let settle!: (r: autocannon.Result) => void;
  let reject!: (e: unknown) => void;
  const done = new Promise<autocannon.Result>((res, rej) => {
    settle = res;
    reject = rej;
  });
  const instance = autocannon(
    {
      url: opts.url,
      connections: opts.connections,
      duration: opts.seconds,
      requests: opts.paths.map((path) => ({ method: 'GET' as const, path, ...(opts.headers ? { headers: opts.headers } : {}) })),
    },
    (err: unknown, r: autocannon.Result) => (err ? reject(err) : settle(r)),
  );
  instance.on('response', (client, _status, resBytes, responseTime) => {
    if (count < MAX_SAMPLES) latencies[count++] = responseTime;
    if (!seen.has(client)) seen.add(client);
    else if (warmCount < MAX_SAMPLES) warmLatencies[warmCount++] = responseTime;
    bytes += resBytes;
  });
  // autocannon ends by itself after `seconds`; the guard only matters if it ever does not.
  const guard = setTimeout(() => instance.stop(), (opts.seconds + 30) * 1000);
  let result: autocannon.Result;
  try {
    result = await done;
  } finally {
    clearTimeout(guard);
  }
  const sorted = latencies.subarray(0, count).sort();
  const warm = warmLatencies.subarray(0, warmCount).sort();
  const requests = result.requests.total;
  return {
    connections: opts.connections,
    seconds: result.duration,
    requests,
    reqPerSec: requests / result.duration,
    p50: quantile(sorted, 0.5),
    p975: quantile(sorted, 0.975),
    p99: quantile(sorted, 0.99),
    max: count > 0 ? sorted[count - 1]! : NaN,
    warm: {
      p50: quantile(warm, 0.5),
      p975: quantile(warm, 0.975),
      p99: quantile(warm, 0.99),
      max: warmCount > 0 ? warm[warmCount - 1]! : NaN,
    },
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    bytesPerResponse: count > 0 ? bytes / count : 0,
  };
}
