// The mutation engine of the fuzzer: a seeded PRNG (so a run is reproducible from its seed) and the
// byte-level mutations — bit and byte flips, interesting integers in every width and byte order and as
// msgpack ints, insertion of target tokens (once or thousands of times), insert/delete/duplicate ranges, splicing two seeds, and
// truncation. Mutations stack: one input gets 1 to 8 of them.

/** sfc32: small, fast, and good enough to spread mutations; 32-bit state words from one seed. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d = 1;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = seed >>> 0;
    for (let i = 0; i < 15; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : Math.floor((this.u32() / 0x1_0000_0000) * n);
  }

  chance(p: number): boolean {
    return this.u32() / 0x1_0000_0000 < p;
  }

  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)]!;
  }
}

/** The values that break length and offset arithmetic: −1, 0, the 31/32-bit edges, 2^53 + 1. */
export const INTERESTING: readonly bigint[] = [
  -1n,
  0n,
  1n,
  0x7fn,
  0x80n,
  0xffn,
  0x7fffn,
  0xffffn,
  2n ** 31n - 1n,
  2n ** 31n,
  2n ** 32n - 1n,
  2n ** 32n,
  2n ** 53n + 1n,
  -(2n ** 31n),
];

/** `v` as a `bytes`-wide two's-complement integer, little- or big-endian. */
export function intBytes(v: bigint, bytes: 1 | 2 | 4 | 8, littleEndian: boolean): Uint8Array {
  const out = new Uint8Array(bytes);
  let x = BigInt.asUintN(bytes * 8, v);
  for (let i = 0; i < bytes; i++) {
    out[littleEndian ? i : bytes - 1 - i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

/** `v` as each msgpack integer form that can hold it (fixint, u8..u64, i8..i64), plus float64. */
export function msgpackInts(v: bigint): Uint8Array[] {
  const out: Uint8Array[] = [];
  const tagged = (tag: number, bytes: 1 | 2 | 4 | 8): Uint8Array => Uint8Array.of(tag, ...intBytes(v, bytes, false));
  if (v >= 0n && v <= 0x7fn) out.push(Uint8Array.of(Number(v)));
  if (v < 0n && v >= -32n) out.push(Uint8Array.of(Number(v) & 0xff));
  // The unsigned forms also take the negative value's bit pattern: a decoder must not trust the tag.
  out.push(tagged(0xcc, 1), tagged(0xcd, 2), tagged(0xce, 4), tagged(0xcf, 8));
  out.push(tagged(0xd0, 1), tagged(0xd1, 2), tagged(0xd2, 4), tagged(0xd3, 8));
  const f = new Uint8Array(9);
  f[0] = 0xcb;
  new DataView(f.buffer).setFloat64(1, Number(v), false);
  out.push(f);
  return out;
}

const INTERESTING_FORMS: readonly Uint8Array[] = INTERESTING.flatMap((v) => [
  ...([1, 2, 4, 8] as const).flatMap((w) => [intBytes(v, w, true), intBytes(v, w, false)]),
  ...msgpackInts(v),
]);

export interface MutateOptions {
  /** Other seeds, for splicing. */
  seeds: readonly Uint8Array[];
  /** Tokens of the target's syntax (`in.(`, `"__proto__"`, `\r\n`, ...) to insert or overwrite with. */
  dictionary?: readonly Uint8Array[];
  /** Opening and closing tokens of nested structures (`[` `]`), for the nest mutation. */
  pairs?: readonly (readonly [Uint8Array, Uint8Array])[];
  /** Outputs are cut to this length. */
  maxLength: number;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

type Mutation = (b: Uint8Array, rng: Rng, o: MutateOptions) => Uint8Array;

/** A range length biased towards small ones. */
function span(rng: Rng, max: number): number {
  if (max <= 0) return 0;
  return 1 + rng.int(Math.min(max, rng.chance(0.8) ? 8 : 256));
}

const MUTATIONS: readonly [string, Mutation][] = [
  [
    'bit flip',
    (b, rng) => {
      if (b.length === 0) return b;
      const out = b.slice();
      out[rng.int(out.length)]! ^= 1 << rng.int(8);
      return out;
    },
  ],
  [
    'byte flip',
    (b, rng) => {
      if (b.length === 0) return b;
      const out = b.slice();
      out[rng.int(out.length)]! ^= 1 + rng.int(255);
      return out;
    },
  ],
  [
    'random byte',
    (b, rng) => {
      if (b.length === 0) return Uint8Array.of(rng.int(256));
      const out = b.slice();
      out[rng.int(out.length)] = rng.int(256);
      return out;
    },
  ],
  [
    'overwrite interesting int',
    (b, rng) => {
      const v = rng.pick(INTERESTING_FORMS);
      if (b.length < v.length) return concat(b, v);
      const out = b.slice();
      out.set(v, rng.int(b.length - v.length + 1));
      return out;
    },
  ],
  [
    'insert interesting int',
    (b, rng) => {
      const at = rng.int(b.length + 1);
      return concat(b.subarray(0, at), rng.pick(INTERESTING_FORMS), b.subarray(at));
    },
  ],
  [
    'insert token',
    (b, rng, o) => {
      if (!o.dictionary?.length) return b;
      const at = rng.int(b.length + 1);
      return concat(b.subarray(0, at), rng.pick(o.dictionary), b.subarray(at));
    },
  ],
  [
    'overwrite token',
    (b, rng, o) => {
      if (!o.dictionary?.length) return b;
      const t = rng.pick(o.dictionary);
      const at = rng.int(b.length + 1);
      return concat(b.subarray(0, at), t, b.subarray(Math.min(b.length, at + t.length)));
    },
  ],
  [
    'repeat token',
    (b, rng, o) => {
      // Deep nesting and long lists: one token ('[', '(or', '{"a":') hundreds to thousands of times.
      if (!o.dictionary?.length) return b;
      const t = rng.pick(o.dictionary);
      const copies = Math.min(rng.pick([16, 100, 1000, 5000, 20000]), Math.floor(o.maxLength / Math.max(1, t.length)));
      const at = rng.int(b.length + 1);
      return concat(b.subarray(0, at), ...Array.from({ length: copies }, () => t), b.subarray(at));
    },
  ],
  [
    'nest',
    (b, rng, o) => {
      // Wraps a short range in k opening and k closing tokens ('[' … ']', '{"not":' … '}'): deep nesting
      // that stays well-formed when the range happens to be a value.
      if (!o.pairs?.length) return b;
      const [open, close] = rng.pick(o.pairs);
      const k = Math.min(rng.pick([16, 100, 1000, 5000, 20000]), Math.floor(o.maxLength / (open.length + close.length)));
      const i = rng.int(b.length + 1);
      const j = Math.min(b.length, i + rng.int(12));
      return concat(
        b.subarray(0, i),
        ...Array.from({ length: k }, () => open),
        b.subarray(i, j),
        ...Array.from({ length: k }, () => close),
        b.subarray(j),
      );
    },
  ],
  [
    'insert random bytes',
    (b, rng) => {
      const at = rng.int(b.length + 1);
      const n = span(rng, 64);
      const ins = new Uint8Array(n);
      const fill = rng.chance(0.5) ? rng.int(256) : -1;
      for (let i = 0; i < n; i++) ins[i] = fill >= 0 ? fill : rng.int(256);
      return concat(b.subarray(0, at), ins, b.subarray(at));
    },
  ],
  [
    'delete range',
    (b, rng) => {
      if (b.length === 0) return b;
      const at = rng.int(b.length);
      const n = span(rng, b.length - at);
      return concat(b.subarray(0, at), b.subarray(at + n));
    },
  ],
  [
    'duplicate range',
    (b, rng) => {
      if (b.length === 0) return b;
      const at = rng.int(b.length);
      const n = span(rng, b.length - at);
      const to = rng.int(b.length + 1);
      const copies = rng.chance(0.1) ? 1 + rng.int(32) : 1;
      const piece = b.subarray(at, at + n);
      return concat(b.subarray(0, to), ...Array.from({ length: copies }, () => piece), b.subarray(to));
    },
  ],
  [
    'splice',
    (b, rng, o) => {
      const other = rng.pick(o.seeds);
      if (!other) return b;
      return concat(b.subarray(0, rng.int(b.length + 1)), other.subarray(rng.int(other.length + 1)));
    },
  ],
  ['truncate', (b, rng) => b.subarray(0, rng.int(b.length + 1))],
];

export const MUTATION_NAMES: readonly string[] = MUTATIONS.map(([n]) => n);

/** A mutated copy of `input`: 1 to 8 stacked mutations (most often 1 or 2), cut to maxLength. */
export function mutate(input: Uint8Array, rng: Rng, o: MutateOptions): Uint8Array {
  let out = input;
  const count = 1 + Math.min(7, Math.floor(-Math.log2(1 - rng.u32() / 0x1_0000_0000 + 1e-12)));
  for (let i = 0; i < count; i++) {
    const [, m] = MUTATIONS[rng.int(MUTATIONS.length)]!;
    out = m(out, rng, o);
    if (out.length > o.maxLength) out = out.subarray(0, o.maxLength);
  }
  return out === input ? input.slice() : out;
}
