// Micro-benchmark of the entropy coder for code streams (src/format/entropy, issue #15 item 1): for
// the real flights-3m origin and destination columns (vega-datasets, as dictionary codes) and
// synthetic Zipf codes, in chunks of 2^20 codes, prints the size against order-0 entropy, bit packing,
// and bit packing + zstd level 3 (the writer's codec today), and encode/decode speed in million codes
// per second of CPU time (process.cpuUsage: the bench machine is shared, wall time is not the engine's).
// Not a test; run with `node --import tsx bench/engine/entropy.ts`.

import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { packedLength, pack32, unpack32 } from '../../src/format/bitpack.js';
import { compressBody, decompressBody } from '../../src/format/compression.js';
import { type Codes, decodeCodes, encodeCodes, entropyBits, estimateCodes, histogram } from '../../src/format/entropy/index.js';
import { zipfCodes } from '../../test/support/code-streams.js';
import { Prng } from '../../test/support/prng.js';

const CHUNK = 1 << 20;
const require = createRequire(import.meta.url);

/** Best CPU milliseconds of `repeats` runs after two warm-ups. */
function cpuTime<T>(repeats: number, step: () => T): { ms: number; result: T } {
  let result = step();
  result = step();
  let ms = Infinity;
  for (let i = 0; i < repeats; i++) {
    const t = process.cpuUsage();
    result = step();
    const d = process.cpuUsage(t);
    ms = Math.min(ms, (d.user + d.system) / 1000);
  }
  return { ms, result };
}

/** Dictionary codes of a string column, in order of first appearance (as the dict encoder numbers them). */
function dictCodes(values: string[]): Uint16Array {
  const ids = new Map<string, number>();
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    let id = ids.get(values[i]!);
    if (id === undefined) ids.set(values[i]!, (id = ids.size));
    out[i] = id;
  }
  return out;
}

async function flights(): Promise<[string, Codes][]> {
  const path = fileURLToPath(new URL('../../node_modules/vega-datasets/data/flights-3m.parquet', import.meta.url));
  const instance = await DuckDBInstance.create(':memory:');
  const con = await instance.connect();
  const rows = (await con.runAndReadAll(`SELECT origin, destination, delay, distance FROM read_parquet('${path}')`)).getRows();
  // Integer columns as the `for` encoding stores them: value − minimum, bit-packed.
  const offsets = (k: number): Uint32Array => {
    const v = rows.map((r) => Number(r[k]));
    const min = v.reduce((a, b) => Math.min(a, b));
    return Uint32Array.from(v, (x) => x - min);
  };
  return [
    ['flights-3m origin (dict)', dictCodes(rows.map((r) => String(r[0])))],
    ['flights-3m destination (dict)', dictCodes(rows.map((r) => String(r[1])))],
    ['flights-3m delay (for)', offsets(2)],
    ['flights-3m distance (for)', offsets(3)],
  ];
}

function synthetic(): [string, Codes][] {
  const rng = new Prng(7);
  return [
    ['Zipf 1.1 / 256 codes', Uint8Array.from(zipfCodes(4 << 20, 256, 1.1, 1))],
    ['Zipf 1.2 / 4096 codes', Uint16Array.from(zipfCodes(4 << 20, 4096, 1.2, 2))],
    ['Zipf 0.8 / 30000 codes', Uint16Array.from(zipfCodes(4 << 20, 30000, 0.8, 3))],
    ['uniform / 200 codes', Uint8Array.from({ length: 4 << 20 }, () => rng.u32() % 200)],
  ];
}

function chunks(codes: Codes): Codes[] {
  const out: Codes[] = [];
  for (let i = 0; i < codes.length; i += CHUNK) out.push(codes.subarray(i, i + CHUNK));
  return out;
}

function row(name: string, codes: Codes): string[] {
  const n = codes.length;
  const parts = chunks(codes);
  const h = histogram(codes)!;
  const entropy = entropyBits(h.counts, h.alphabet) / 8;
  const width = Math.ceil(Math.log2(h.alphabet));
  // Bit packing and zstd-3 over it, per chunk, as the writer stores codes today.
  const asInt = parts.map((p) => Int32Array.from(p));
  const packed = asInt.map((p) => {
    const dst = new Uint8Array(packedLength(p.length, width));
    pack32(p, 0, p.length, width, dst);
    return dst;
  });
  const zstd = packed.map((p) => compressBody(p, 3));
  const zstdBytes = zstd.reduce((a, z) => a + z.bytes.length, 0);
  const unpackOut = new Int32Array(CHUNK);
  const tUnpack = cpuTime(5, () => {
    for (let k = 0; k < packed.length; k++) {
      const raw = decompressBody(zstd[k]!.codec, zstd[k]!.bytes, packed[k]!.length, 'bench');
      unpack32(raw, asInt[k]!.length, width, unpackOut);
    }
  });
  const tEst = cpuTime(3, () => parts.map((p) => estimateCodes(p)));
  const tEnc = cpuTime(3, () => parts.map((p) => encodeCodes(p)!));
  const encoded = tEnc.result;
  const ransBytes = encoded.reduce((a, e) => a + e.length, 0);
  const outs = parts.map((p) => new (p.constructor as Uint8ArrayConstructor)(p.length) as Codes);
  const tDec = cpuTime(7, () => encoded.map((e, k) => decodeCodes(e, { out: outs[k] })));
  for (let k = 0; k < parts.length; k++)
    for (let i = 0; i < parts[k]!.length; i++) if (outs[k]![i] !== parts[k]![i]) throw new Error(`${name}: mismatch`);
  const estBytes = tEst.result.reduce((a, e) => a + e.codedBytes, 0);
  const pays = tEst.result.every((e) => e.pays);
  const mcps = (ms: number): string => (n / ms / 1000).toFixed(0);
  return [
    name,
    `${(n / 1e6).toFixed(1)}M`,
    String(h.alphabet),
    (entropy / 1e6).toFixed(3),
    `${(ransBytes / 1e6).toFixed(3)} (${((ransBytes / entropy - 1) * 100).toFixed(2)}%)`,
    (estBytes / 1e6).toFixed(3),
    pays ? 'yes' : 'no',
    (packed.reduce((a, p) => a + p.length, 0) / 1e6).toFixed(3),
    (zstdBytes / 1e6).toFixed(3),
    (ransBytes / zstdBytes).toFixed(3),
    mcps(tEst.ms),
    mcps(tEnc.ms),
    mcps(tDec.ms),
    mcps(tUnpack.ms),
  ];
}

const header = [
  'stream',
  'codes',
  'alphabet',
  'entropy MB',
  'rANS MB (vs entropy)',
  'estimate MB',
  'pays',
  'packed MB',
  'packed+zstd3 MB',
  'rANS / zstd',
  'estimate Mc/s',
  'encode Mc/s',
  'decode Mc/s',
  'zstd+unpack Mc/s',
];
const rows = [...(await flights()), ...synthetic()].map(([name, codes]) => row(name, codes));
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map(() => '---').join('|')}|`);
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
console.log(
  `\n(${CHUNK} codes per chunk, one table each; speeds in million codes per CPU-second, node ${process.version}; zstd-napi ${require('zstd-napi/package.json').version})`,
);
