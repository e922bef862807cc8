// Micro-benchmark of the value encodings (FORMAT.md §5): for 1M values of a few typical shapes,
// prints the chosen encoding, its size before and after zstd (level 3, as the writer's chunks), and
// encode (selection included) and decode speed in MB/s of in-memory column data. Not a test; run with
// `node --import tsx bench/engine/encodings.ts [rows]`.

import type { Values } from '../../src/format/column.js';
import { compressBody } from '../../src/format/compression.js';
import { ByteReader } from '../../src/format/cursor.js';
import { decodeValues, encodeValues } from '../../src/format/encodings/index.js';
import type { DataType } from '../../src/format/schema.js';
import { Prng } from '../../test/support/prng.js';

/** Best time in ms of `repeats` runs after `warmups` untimed ones (warm-ups let V8 finish optimising). */
function time<T>(plan: { warmups: number; repeats: number }, step: () => T): { best: number; result: T } {
  let result = step();
  for (let i = 1; i < plan.warmups; i++) result = step();
  let best = Infinity;
  for (let i = 0; i < plan.repeats; i++) {
    const t0 = performance.now();
    result = step();
    best = Math.min(best, performance.now() - t0);
  }
  return { best, result };
}

interface Shape {
  name: string;
  type: DataType;
  values: Values;
  rawBytes: number;
}

function strings(n: number, make: (i: number) => string): { values: Values; rawBytes: number } {
  const enc = new TextEncoder();
  const offsets = new Int32Array(n + 1);
  const parts: Uint8Array[] = [];
  let total = 0;
  for (let i = 0; i < n; i++) {
    const b = enc.encode(make(i));
    parts.push(b);
    total += b.length;
    offsets[i + 1] = total;
  }
  const data = new Uint8Array(total);
  for (let i = 0; i < n; i++) data.set(parts[i]!, offsets[i]!);
  return { values: { kind: 'bytes', offsets, data }, rawBytes: total + 4 * (n + 1) };
}

function shapes(n: number): Shape[] {
  const rng = new Prng(42);
  const fixed = (name: string, type: DataType, data: Values['data'] & ArrayBufferView): Shape => ({
    name,
    type,
    values: { kind: 'fixed', data } as Values,
    rawBytes: data.byteLength,
  });
  const ids = new BigInt64Array(n);
  const idWords = new Int32Array(ids.buffer);
  for (let i = 0; i < n; i++) idWords[2 * i] = i;
  const randomI64 = new BigInt64Array(n);
  const rw = new Int32Array(randomI64.buffer);
  for (let i = 0; i < 2 * n; i++) rw[i] = rng.u32();
  const small = new Int32Array(n);
  for (let i = 0; i < n; i++) small[i] = 1000 + rng.int(1000);
  const sorted = new Int32Array(n);
  for (let i = 0; i < n; i++) sorted[i] = Math.floor(i / 5000);
  const doubles = new Float64Array(n);
  for (let i = 0; i < n; i++) doubles[i] = rng.float();
  const prices = new Float64Array(n);
  for (let i = 0; i < n; i++) prices[i] = rng.int(100_000) / 100;
  const cats = ['WN', 'DL', 'AA', 'UA', 'B6', 'AS', 'NK', 'F9', 'G4', 'HA'];
  const names = strings(n, (i) => `user_${i}`);
  const categories = strings(n, () => cats[rng.int(cats.length)]!);
  // Free text like the flights comments (bench/data/datasets.ts): 3-12 words from a small vocabulary.
  const words = (
    'the flight was delayed due to weather crew late aircraft gate change boarding smooth on time ' +
    'early arrival missed connection bags lost found seat upgrade meal served wifi not working friendly staff long ' +
    'queue at security pilot announced turbulence landing rough taxi runway congestion snow storm'
  ).split(' ');
  const sentences = strings(n, () => {
    const k = 3 + rng.int(10);
    let s = words[rng.int(words.length)]!;
    for (let w = 1; w < k; w++) s += ' ' + words[rng.int(words.length)]!;
    return s + '.';
  });
  return [
    fixed('int64 sequential ids', 'int64', ids),
    fixed('int64 random', 'int64', randomI64),
    fixed('int32 small range', 'int32', small),
    fixed('int32 sorted runs', 'int32', sorted),
    fixed('float64 uniform [0,1)', 'float64', doubles),
    fixed('float64 2-decimal prices', 'float64', prices),
    { name: 'string user_<i>', type: 'string', ...names },
    { name: 'string 10 categories', type: 'string', ...categories },
    { name: 'string sentences (fsst)', type: 'string', ...sentences },
  ];
}

function main(): void {
  const n = Number(process.argv[2] ?? 1_000_000);
  const plan = { warmups: 10, repeats: 10 };
  console.log(`encodings: ${n} values per shape; MB/s of in-memory column bytes (best of ${plan.repeats})`);
  console.log(
    [
      'shape'.padEnd(26),
      'encoding'.padEnd(8),
      'bytes'.padStart(10),
      'zstd'.padStart(10),
      'enc ms'.padStart(8),
      'enc MB/s'.padStart(9),
      'dec ms'.padStart(8),
      'dec MB/s'.padStart(9),
    ].join(' '),
  );
  for (const s of shapes(n)) {
    const enc = time(plan, () => encodeValues(s.type, s.values, n, null));
    const e = enc.result;
    const dec = time(plan, () => decodeValues(s.type, e.encoding, new ByteReader(e.bytes), n));
    const mbps = (ms: number): string => (s.rawBytes / 1e6 / (ms / 1000)).toFixed(0);
    console.log(
      [
        s.name.padEnd(26),
        e.encoding.padEnd(8),
        String(e.bytes.length).padStart(10),
        String(compressBody(e.bytes, 3).bytes.length).padStart(10),
        enc.best.toFixed(2).padStart(8),
        mbps(enc.best).padStart(9),
        dec.best.toFixed(2).padStart(8),
        mbps(dec.best).padStart(9),
      ].join(' '),
    );
  }
}

main();
