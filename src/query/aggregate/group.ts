// Group keys → dense group ids. Each key column gets a Coder that maps a batch's values to dense codes
// (0 for null, 1 + the value's id in a hash table otherwise); one key's codes are the group ids (via a
// first-seen remap), several keys are combined pairwise through WordTables. Group ids are assigned in
// order of first appearance; for each group the codes of its keys are kept, so the key columns of the
// answer are rebuilt from the hash tables without holding any row.

import { allocFixed, bitmapBytes, type ColumnData, type Values } from '../../format/column.js';
import { words64, TWO_32 } from '../../format/int64.js';
import { physicalOf, type ColumnSchema } from '../../format/schema.js';
import { BytesTable, WordTable } from './hash.js';
import { bucketsOf, bucketStart, type TruncUnit } from './trunc.js';

const NAN_BITS = (() => {
  const w = new Int32Array(new Float64Array([NaN]).buffer);
  return [w[0]!, w[1]!] as const;
})();

/** Dense codes for one column's values: 0 is null, 1 + id for values. */
export interface Coder {
  /** Number of codes handed out so far, null's included (so the next code is `size`). */
  readonly size: number;
  /** Writes the code of each of the first data.length rows. */
  encode(data: ColumnData, out: Int32Array): void;
  /** The values of the given codes as a column of the coder's output type. */
  materialize(codes: Int32Array): ColumnData;
}

function isNullAt(validity: Uint8Array | null, i: number): boolean {
  return validity !== null && (validity[i >>> 3]! & (1 << (i & 7))) === 0;
}

function withNulls(col: ColumnSchema, codes: Int32Array, values: Values): ColumnData {
  const n = codes.length;
  let nullCount = 0;
  let validity: Uint8Array | null = null;
  for (let g = 0; g < n; g++) {
    if (codes[g] !== 0) continue;
    validity ??= new Uint8Array(bitmapBytes(n)).fill(0xff);
    validity[g >>> 3]! &= ~(1 << (g & 7));
    nullCount++;
  }
  return { type: col.type, length: n, nullCount, validity, values };
}

/** ≤ 32-bit integers, floats, dates: hashed as float64 bits (-0 as 0, every NaN as one NaN). */
class NumberCoder implements Coder {
  private table = new WordTable();
  private readonly float: boolean;
  private readonly scratch = new Float64Array(1);
  private readonly scratchWords = new Int32Array(this.scratch.buffer);
  constructor(private readonly col: ColumnSchema) {
    this.float = physicalOf(col.type) === 'float';
  }
  get size(): number {
    return this.table.size + 1;
  }

  encode(data: ColumnData, out: Int32Array): void {
    const d = (data.values as { data: ArrayLike<number> }).data;
    const validity = data.nullCount > 0 ? data.validity : null;
    const t = this.table,
      n = data.length;
    if (!this.float) {
      let last = 0,
        lastCode = -1;
      for (let i = 0; i < n; i++) {
        if (isNullAt(validity, i)) {
          out[i] = 0;
          continue;
        }
        const x = d[i]! | 0;
        if (lastCode < 0 || x !== last) {
          last = x;
          lastCode = t.insert(x, 0) + 1;
        }
        out[i] = lastCode;
      }
      return;
    }
    const f = this.scratch,
      w = this.scratchWords;
    for (let i = 0; i < n; i++) {
      if (isNullAt(validity, i)) {
        out[i] = 0;
        continue;
      }
      const x = d[i]!;
      if (x !== x) {
        out[i] = t.insert(NAN_BITS[0], NAN_BITS[1]) + 1;
        continue;
      }
      f[0] = x === 0 ? 0 : x;
      out[i] = t.insert(w[0]!, w[1]!) + 1;
    }
  }

  materialize(codes: Int32Array): ColumnData {
    const data = allocFixed(this.col.type, codes.length) as Exclude<ReturnType<typeof allocFixed>, BigInt64Array | BigUint64Array>;
    const f = this.scratch,
      w = this.scratchWords;
    for (let g = 0; g < codes.length; g++) {
      const c = codes[g]!;
      if (c === 0) continue;
      const a = this.table.a[c - 1]!;
      if (this.float) {
        w[0] = a;
        w[1] = this.table.b[c - 1]!;
        data[g] = f[0]!;
      } else data[g] = a;
    }
    return withNulls(this.col, codes, { kind: 'fixed', data });
  }
}

/** int64, uint64, timestamp: hashed by their two words. */
class WideCoder implements Coder {
  private table = new WordTable();
  constructor(private readonly col: ColumnSchema) {}
  get size(): number {
    return this.table.size + 1;
  }

  encode(data: ColumnData, out: Int32Array): void {
    const w = words64((data.values as { data: BigInt64Array }).data);
    const validity = data.nullCount > 0 ? data.validity : null;
    const t = this.table,
      n = data.length;
    // Runs of one value (sorted or clustered columns) reuse the previous row's code.
    let lastLo = 0,
      lastHi = 0,
      lastCode = -1;
    for (let i = 0; i < n; i++) {
      if (isNullAt(validity, i)) {
        out[i] = 0;
        continue;
      }
      const lo = w[2 * i]!,
        hi = w[2 * i + 1]!;
      if (lastCode < 0 || lo !== lastLo || hi !== lastHi) {
        lastLo = lo;
        lastHi = hi;
        lastCode = t.insert(lo, hi) + 1;
      }
      out[i] = lastCode;
    }
  }

  materialize(codes: Int32Array): ColumnData {
    const data = allocFixed(this.col.type, codes.length) as BigInt64Array;
    const w = words64(data);
    for (let g = 0; g < codes.length; g++) {
      const c = codes[g]!;
      if (c === 0) continue;
      w[2 * g] = this.table.a[c - 1]!;
      w[2 * g + 1] = this.table.b[c - 1]!;
    }
    return withNulls(this.col, codes, { kind: 'fixed', data });
  }
}

class BoolCoder implements Coder {
  readonly size = 3;
  constructor(private readonly col: ColumnSchema) {}

  encode(data: ColumnData, out: Int32Array): void {
    const bits = (data.values as { data: Uint8Array }).data;
    const validity = data.nullCount > 0 ? data.validity : null;
    for (let i = 0; i < data.length; i++) out[i] = isNullAt(validity, i) ? 0 : 1 + ((bits[i >>> 3]! >>> (i & 7)) & 1);
  }

  materialize(codes: Int32Array): ColumnData {
    const bits = new Uint8Array(bitmapBytes(codes.length));
    for (let g = 0; g < codes.length; g++) if (codes[g] === 2) bits[g >>> 3]! |= 1 << (g & 7);
    return withNulls(this.col, codes, { kind: 'bool', data: bits });
  }
}

/** Strings and binary. Values of at most 4 bytes (codes, flags, short names: the common group keys)
 *  are looked up by their bytes packed into one int in a small open-addressing table of their own
 *  (multiplicative hash, no byte loop), which hands out the byte table's codes. */
class BytesCoder implements Coder {
  private entryCodes = new Int32Array(0);

  private table = new BytesTable();
  /** Short-key slots: packed bytes, length + 1 (0 = empty), code. */
  private sKeys = new Int32Array(1024);
  private sLens = new Uint8Array(1024);
  private sCodes = new Int32Array(1024);
  private sShift = 22;
  private sCount = 0;
  constructor(private readonly col: ColumnSchema) {}
  get size(): number {
    return this.table.size + 1;
  }

  /** A chunk kept as codes: its entries are hashed once (into the same table, so codes of every
   *  chunk agree), then each row's code is remapped. */
  private encodeDictionary(data: ColumnData, out: Int32Array): void {
    const { codes, dict } = data.dictionary!;
    const count = dict.offsets.length - 1;
    if (this.entryCodes.length < count) this.entryCodes = new Int32Array(Math.max(count, 2 * this.entryCodes.length));
    const map = this.entryCodes;
    this.encode({ type: data.type, length: count, nullCount: 0, validity: null, values: dict }, map);
    const validity = data.nullCount > 0 ? data.validity : null;
    const n = data.length;
    if (validity === null) for (let i = 0; i < n; i++) out[i] = map[codes[i]!]!;
    else for (let i = 0; i < n; i++) out[i] = isNullAt(validity, i) ? 0 : map[codes[i]!]!;
  }

  encode(data: ColumnData, out: Int32Array): void {
    if (data.dictionary !== undefined) {
      this.encodeDictionary(data, out);
      return;
    }
    const v = data.values as { offsets: Int32Array; data: Uint8Array };
    const validity = data.nullCount > 0 ? data.validity : null;
    const t = this.table,
      offsets = v.offsets,
      bytes = v.data,
      n = data.length;
    let keys = this.sKeys,
      lens = this.sLens,
      codes = this.sCodes,
      shift = this.sShift,
      mask = keys.length - 1;
    for (let i = 0; i < n; i++) {
      if (isNullAt(validity, i)) {
        out[i] = 0;
        continue;
      }
      const s = offsets[i]!,
        e = offsets[i + 1]!,
        len = e - s;
      if (len > 4) {
        out[i] = t.insert(bytes, s, e) + 1;
        continue;
      }
      let packed = 0;
      for (let p = e - 1; p >= s; p--) packed = (packed << 8) | bytes[p]!;
      let h = Math.imul(packed ^ len, 0x9e3779b1) >>> shift;
      for (;;) {
        const l = lens[h]!;
        if (l === 0) {
          const code = t.insert(bytes, s, e) + 1;
          keys[h] = packed;
          lens[h] = len + 1;
          codes[h] = code;
          out[i] = code;
          if (++this.sCount * 2 > keys.length) {
            this.growShort();
            keys = this.sKeys;
            lens = this.sLens;
            codes = this.sCodes;
            shift = this.sShift;
            mask = keys.length - 1;
          }
          break;
        }
        if (l === len + 1 && keys[h] === packed) {
          out[i] = codes[h]!;
          break;
        }
        h = (h + 1) & mask;
      }
    }
  }

  private growShort(): void {
    const oldKeys = this.sKeys,
      oldLens = this.sLens,
      oldCodes = this.sCodes;
    const cap = oldKeys.length * 2;
    this.sKeys = new Int32Array(cap);
    this.sLens = new Uint8Array(cap);
    this.sCodes = new Int32Array(cap);
    this.sShift--;
    const mask = cap - 1;
    for (let k = 0; k < oldKeys.length; k++) {
      if (oldLens[k] === 0) continue;
      let h = Math.imul(oldKeys[k]! ^ (oldLens[k]! - 1), 0x9e3779b1) >>> this.sShift;
      while (this.sLens[h] !== 0) h = (h + 1) & mask;
      this.sKeys[h] = oldKeys[k]!;
      this.sLens[h] = oldLens[k]!;
      this.sCodes[h] = oldCodes[k]!;
    }
  }

  materialize(codes: Int32Array): ColumnData {
    const n = codes.length,
      t = this.table;
    const offsets = new Int32Array(n + 1);
    for (let g = 0; g < n; g++) {
      const c = codes[g]!;
      offsets[g + 1] = offsets[g]! + (c === 0 ? 0 : t.offsets[c]! - t.offsets[c - 1]!);
    }
    const data = new Uint8Array(offsets[n]!);
    for (let g = 0; g < n; g++) {
      const c = codes[g]!;
      if (c !== 0) data.set(t.arena.subarray(t.offsets[c - 1]!, t.offsets[c]!), offsets[g]!);
    }
    return withNulls(this.col, codes, { kind: 'bytes', offsets, data });
  }
}

/** Date/timestamp buckets: hashed by bucket number (an integer below 2^53, as two words). */
class TruncCoder implements Coder {
  private table = new WordTable();
  private buckets = new Float64Array(0);
  constructor(
    private readonly col: ColumnSchema,
    private readonly unit: TruncUnit,
  ) {}
  get size(): number {
    return this.table.size + 1;
  }

  encode(data: ColumnData, out: Int32Array): void {
    const n = data.length;
    if (this.buckets.length < n) this.buckets = new Float64Array(n);
    const q = this.buckets;
    bucketsOf(this.col, data, this.unit, q);
    const validity = data.nullCount > 0 ? data.validity : null;
    const t = this.table;
    // Time series are mostly sorted: a row in the previous row's bucket reuses its code.
    let lastQ = NaN,
      lastCode = 0;
    for (let i = 0; i < n; i++) {
      if (isNullAt(validity, i)) {
        out[i] = 0;
        continue;
      }
      const x = q[i]!;
      if (x !== lastQ) {
        lastQ = x;
        lastCode = t.insert(x | 0, Math.floor(x / TWO_32)) + 1;
      }
      out[i] = lastCode;
    }
  }

  materialize(codes: Int32Array): ColumnData {
    const data = allocFixed(this.col.type, codes.length);
    for (let g = 0; g < codes.length; g++) {
      const c = codes[g]!;
      if (c === 0) continue;
      const q = this.table.b[c - 1]! * TWO_32 + (this.table.a[c - 1]! >>> 0);
      (data as unknown as Array<number | bigint>)[g] = bucketStart(this.col, this.unit, q);
    }
    return withNulls(this.col, codes, { kind: 'fixed', data });
  }
}

/** A coder for a column's values, or its date/timestamp buckets when `unit` is given. The output
 *  column (`out`) carries the answer's name with the source column's type. */
export function coderFor(out: ColumnSchema, unit?: TruncUnit): Coder {
  if (unit !== undefined) return new TruncCoder(out, unit);
  switch (physicalOf(out.type)) {
    case 'bool':
      return new BoolCoder(out);
    case 'bytes':
      return new BytesCoder(out);
    default:
      return out.type === 'int64' || out.type === 'uint64' || out.type === 'timestamp' ? new WideCoder(out) : new NumberCoder(out);
  }
}

function grown(a: Int32Array<ArrayBuffer>, n: number): Int32Array<ArrayBuffer> {
  if (n <= a.length) return a;
  const b = new Int32Array(Math.max(n, a.length * 2));
  b.set(a);
  return b;
}

/** Assigns group ids to rows from the key columns' codes. */
export class Grouper {
  /** Groups seen so far (1 when there are no keys: the whole input is one group). */
  size: number;
  private readonly codes: Int32Array[];
  /** Per key, per group: the key's code. */
  private groupCodes: Array<Int32Array<ArrayBuffer>>;
  /** One key: group id of each code (-1 unseen), valid up to remapFilled. */
  private remap = new Int32Array(0);
  private remapFilled = 0;
  private readonly levels: WordTable[] = [];

  constructor(readonly coders: readonly Coder[]) {
    this.size = coders.length === 0 ? 1 : 0;
    this.codes = coders.map(() => new Int32Array(0));
    this.groupCodes = coders.map(() => new Int32Array(64));
    for (let k = 1; k < coders.length; k++) this.levels.push(new WordTable());
  }

  /** Writes the group id of each of the n rows; `keys` are the key columns' data in coder order. */
  assign(keys: readonly ColumnData[], n: number, gids: Int32Array): void {
    const K = this.coders.length;
    if (K === 0) {
      gids.fill(0, 0, n);
      return;
    }
    for (let k = 0; k < K; k++) {
      if (this.codes[k]!.length < n) this.codes[k] = new Int32Array(n);
      this.coders[k]!.encode(keys[k]!, this.codes[k]!);
    }
    if (K === 1) {
      const c0 = this.codes[0]!;
      this.remap = grown(this.remap, this.coders[0]!.size);
      const remap = this.remap;
      for (let i = this.remapFilled; i < this.coders[0]!.size; i++) remap[i] = -1;
      this.remapFilled = this.coders[0]!.size;
      for (let r = 0; r < n; r++) {
        const c = c0[r]!;
        let g = remap[c]!;
        if (g < 0) {
          g = this.size++;
          remap[c] = g;
          this.groupCodes[0] = grown(this.groupCodes[0]!, this.size);
          this.groupCodes[0][g] = c;
        }
        gids[r] = g;
      }
      return;
    }
    const last = this.levels[K - 2]!;
    for (let r = 0; r < n; r++) {
      let id = this.codes[0]![r]!;
      for (let k = 1; k < K - 1; k++) id = this.levels[k - 1]!.insert(id, this.codes[k]![r]!);
      const g = last.insert(id, this.codes[K - 1]![r]!);
      if (g === this.size) {
        this.size++;
        for (let k = 0; k < K; k++) {
          this.groupCodes[k] = grown(this.groupCodes[k]!, this.size);
          this.groupCodes[k]![g] = this.codes[k]![r]!;
        }
      }
      gids[r] = g;
    }
  }

  /** The key columns of the groups, in group id order. */
  keyColumns(): ColumnData[] {
    return this.coders.map((c, k) => c.materialize(this.groupCodes[k]!.subarray(0, this.size)));
  }
}
