// A bounded reader of Thrift compact-protocol structs, enough to read a Parquet footer and page
// headers ourselves (parquet-wasm does not expose the page offsets and sizes we plan batches from).
// Structs are read generically into field id → value maps; unknown fields are read the same way and
// ignored by the caller. Every length is checked against the bytes left and nesting is bounded, so
// garbage or a truncated buffer ends in a ThriftError, never a long loop or a large allocation.

export type ThriftValue = boolean | number | bigint | Uint8Array | ThriftStruct | ThriftValue[] | Map<ThriftValue, ThriftValue>;
export type ThriftStruct = Map<number, ThriftValue>;

export class ThriftError extends Error {
  /** True when the bytes ended before the struct did (more bytes may complete it). */
  readonly truncated: boolean;
  constructor(message: string, truncated: boolean) {
    super(message);
    this.truncated = truncated;
  }
}

const MAX_DEPTH = 32;

// Compact-protocol type ids.
const T_STOP = 0,
  T_TRUE = 1,
  T_FALSE = 2,
  T_BYTE = 3,
  T_I16 = 4,
  T_I32 = 5,
  T_I64 = 6,
  T_DOUBLE = 7,
  T_BINARY = 8,
  T_LIST = 9,
  T_SET = 10,
  T_MAP = 11,
  T_STRUCT = 12;

class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start: number,
  ) {
    this.pos = start;
  }

  need(n: number): void {
    if (n > this.buf.length - this.pos) throw new ThriftError(`truncated at byte ${this.pos} (needs ${n} more)`, true);
  }

  byte(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  /** An unsigned varint of at most `maxBytes` bytes, as a bigint. */
  varint(maxBytes: number): bigint {
    let v = 0n;
    for (let i = 0; i < maxBytes; i++) {
      const b = this.byte();
      v |= BigInt(b & 0x7f) << BigInt(7 * i);
      if ((b & 0x80) === 0) return v;
    }
    throw new ThriftError(`varint longer than ${maxBytes} bytes at byte ${this.pos}`, false);
  }

  zigzag(maxBytes: number): bigint {
    const u = this.varint(maxBytes);
    return (u >> 1n) ^ -(u & 1n);
  }

  /** A length or count: a varint that must fit in the bytes left (each item takes at least one). */
  count(what: string, minItemBytes: number): number {
    const n = this.varint(5);
    if (n > 0x7fffffffn) throw new ThriftError(`${what} ${n} is out of range`, false);
    this.need(Number(n) * minItemBytes);
    return Number(n);
  }

  value(type: number, depth: number): ThriftValue {
    switch (type) {
      case T_TRUE:
        return true;
      case T_FALSE:
        return false;
      case T_BYTE: {
        const b = this.byte();
        return b > 127 ? b - 256 : b;
      }
      case T_I16:
        return Number(this.zigzag(3));
      case T_I32:
        return Number(this.zigzag(5));
      case T_I64:
        return this.zigzag(10);
      case T_DOUBLE: {
        this.need(8);
        const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getFloat64(0, true);
        this.pos += 8;
        return v;
      }
      case T_BINARY: {
        const n = this.count('binary length', 1);
        const v = this.buf.subarray(this.pos, this.pos + n);
        this.pos += n;
        return v;
      }
      case T_LIST:
      case T_SET:
        return this.list(depth);
      case T_MAP:
        return this.map(depth);
      case T_STRUCT:
        return this.struct(depth);
      default:
        throw new ThriftError(`unknown type ${type} at byte ${this.pos}`, false);
    }
  }

  list(depth: number): ThriftValue[] {
    if (depth >= MAX_DEPTH) throw new ThriftError('nested too deeply', false);
    const h = this.byte();
    const elem = h & 0x0f;
    const n = h >> 4 === 15 ? this.count('list size', 1) : h >> 4;
    this.need(n); // every element takes at least one byte (booleans in lists are one byte each)
    const out: ThriftValue[] = [];
    for (let i = 0; i < n; i++) out.push(elem === T_TRUE || elem === T_FALSE ? this.byte() === T_TRUE : this.value(elem, depth + 1));
    return out;
  }

  map(depth: number): Map<ThriftValue, ThriftValue> {
    if (depth >= MAX_DEPTH) throw new ThriftError('nested too deeply', false);
    const n = this.count('map size', 2);
    const out = new Map<ThriftValue, ThriftValue>();
    if (n === 0) return out;
    const kv = this.byte();
    for (let i = 0; i < n; i++) {
      const k = this.mapItem(kv >> 4, depth);
      out.set(k, this.mapItem(kv & 0x0f, depth));
    }
    return out;
  }

  private mapItem(type: number, depth: number): ThriftValue {
    return type === T_TRUE || type === T_FALSE ? this.byte() === T_TRUE : this.value(type, depth + 1);
  }

  struct(depth: number): ThriftStruct {
    if (depth >= MAX_DEPTH) throw new ThriftError('nested too deeply', false);
    const out: ThriftStruct = new Map();
    let id = 0;
    for (;;) {
      const h = this.byte();
      const type = h & 0x0f;
      if (type === T_STOP) return out;
      const delta = h >> 4;
      id = delta === 0 ? Number(this.zigzag(3)) : id + delta;
      out.set(id, this.value(type, depth + 1));
    }
  }
}

/** Reads one struct starting at `start`; returns it and the offset just past it. */
export function readStruct(buf: Uint8Array, start = 0): { value: ThriftStruct; end: number } {
  const r = new Reader(buf, start);
  const value = r.struct(0);
  return { value, end: r.pos };
}

/** A field as a number (i16/i32/i64), or undefined when absent or of another type. */
export function num(s: ThriftStruct, id: number): number | undefined {
  const v = s.get(id);
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return undefined;
}

export function struct(s: ThriftStruct, id: number): ThriftStruct | undefined {
  const v = s.get(id);
  return v instanceof Map && !(v instanceof Uint8Array) ? (v as ThriftStruct) : undefined;
}

export function list(s: ThriftStruct, id: number): ThriftValue[] {
  const v = s.get(id);
  return Array.isArray(v) ? v : [];
}
