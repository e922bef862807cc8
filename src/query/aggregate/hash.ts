// Open-addressing hash tables that give each distinct key a dense id 0, 1, 2, … in order of first
// appearance: WordTable for keys of two int32 words (numbers as float64 bits, 64-bit integers as
// their halves, pairs of ids), BytesTable for byte strings (kept in one growing arena). Keys live in
// typed arrays, so inserting a row's key allocates nothing.

const EMPTY = -1;

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** FNV-1a over the bytes, finished with mix (short keys, like codes and names, are the common case). */
export function hashBytes(data: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5 ^ (end - start);
  for (let p = start; p < end; p++) h = Math.imul(h ^ data[p]!, 0x01000193);
  return mix(h);
}

function grownInt32(a: Int32Array, n: number): Int32Array {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}

/** Keys of two int32 words. */
/** Open-addressing slots for `capacity` keys: a power of two, at most half full. */
function slotCount(capacity: number): number {
  let cap = 16;
  while (cap < capacity * 2) cap *= 2;
  return cap;
}

/** Slots twice as many as now (mask + 1), holding ids 0..size-1 placed by their hashes (linear probing). */
function grownSlots(size: number, mask: number, hashOf: (id: number) => number): Int32Array {
  const cap = (mask + 1) * 2;
  const slots = new Int32Array(cap).fill(EMPTY);
  const m = cap - 1;
  for (let id = 0; id < size; id++) {
    let h = hashOf(id) & m;
    while (slots[h] !== EMPTY) h = (h + 1) & m;
    slots[h] = id;
  }
  return slots;
}

/** Hash of a two-word key (insert and rehash must agree). */
function wordHash(x: number, y: number): number {
  return mix(Math.imul(x, 0x9e3779b1) ^ mix(y + 0x632be5ab));
}

export class WordTable {
  size = 0;
  /** Key words of id i: a[i], b[i]. */
  a: Int32Array;
  b: Int32Array;
  private slots: Int32Array;
  private mask: number;

  constructor(capacity = 256) {
    const cap = slotCount(capacity);
    this.slots = new Int32Array(cap).fill(EMPTY);
    this.mask = cap - 1;
    this.a = new Int32Array(cap >>> 1);
    this.b = new Int32Array(cap >>> 1);
  }

  /** The id of key (x, y), added when new. */
  insert(x: number, y: number): number {
    const slots = this.slots,
      mask = this.mask;
    let h = wordHash(x, y) & mask;
    for (;;) {
      const id = slots[h]!;
      if (id === EMPTY) break;
      if (this.a[id] === x && this.b[id] === y) return id;
      h = (h + 1) & mask;
    }
    const id = this.size++;
    if (id >= this.a.length) {
      this.a = grownInt32(this.a, this.a.length * 2);
      this.b = grownInt32(this.b, this.b.length * 2);
    }
    this.a[id] = x;
    this.b[id] = y;
    slots[h] = id;
    if (this.size * 2 > mask) this.rehash();
    return id;
  }

  private rehash(): void {
    const { a, b } = this;
    this.slots = grownSlots(this.size, this.mask, (id) => wordHash(a[id]!, b[id]!));
    this.mask = this.slots.length - 1;
  }
}

/** Byte-string keys. */
export class BytesTable {
  size = 0;
  /** Bytes of id i: arena[offsets[i] .. offsets[i + 1]). */
  arena: Uint8Array;
  offsets: Int32Array;
  private hashes: Int32Array;
  private slots: Int32Array;
  private mask: number;

  constructor(capacity = 256) {
    const cap = slotCount(capacity);
    this.slots = new Int32Array(cap).fill(EMPTY);
    this.mask = cap - 1;
    this.offsets = new Int32Array((cap >>> 1) + 1);
    this.hashes = new Int32Array(cap >>> 1);
    this.arena = new Uint8Array(4096);
  }

  /** The id of bytes data[start, end), added when new. */
  insert(data: Uint8Array, start: number, end: number): number {
    const h = hashBytes(data, start, end);
    const slots = this.slots,
      mask = this.mask,
      arena = this.arena,
      offsets = this.offsets,
      hashes = this.hashes;
    const len = end - start;
    let s = h & mask;
    for (;;) {
      const id = slots[s]!;
      if (id === EMPTY) break;
      if (hashes[id] === h) {
        const o = offsets[id]!;
        if (offsets[id + 1]! - o === len) {
          let q = 0;
          while (q < len && arena[o + q] === data[start + q]) q++;
          if (q === len) return id;
        }
      }
      s = (s + 1) & mask;
    }
    return this.add(data, start, end, h, s);
  }

  private add(data: Uint8Array, start: number, end: number, h: number, s: number): number {
    const len = end - start;
    const slots = this.slots;
    const id = this.size++;
    if (id + 1 >= this.offsets.length) {
      this.offsets = grownInt32(this.offsets, this.offsets.length * 2);
      this.hashes = grownInt32(this.hashes, this.offsets.length);
    }
    const o = this.offsets[id]!;
    if (o + len > this.arena.length) {
      const bigger = new Uint8Array(Math.max(this.arena.length * 2, o + len));
      bigger.set(this.arena.subarray(0, o));
      this.arena = bigger;
    }
    this.arena.set(data.subarray(start, end), o);
    this.offsets[id + 1] = o + len;
    this.hashes[id] = h;
    slots[s] = id;
    if (this.size * 2 > this.mask) this.rehash();
    return id;
  }

  private rehash(): void {
    const hashes = this.hashes;
    this.slots = grownSlots(this.size, this.mask, (id) => hashes[id]!);
    this.mask = this.slots.length - 1;
  }
}
