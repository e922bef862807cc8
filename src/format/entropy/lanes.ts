// The rANS decoder's hot loop (FORMAT.md, "Entropy-coded codes"), one copy per output array type:
// V8 specialises a loop to the array types it has seen, and a loop that has seen two runs several
// times slower, so each type gets its own identical copy (generated text; edit all three alike).
// Each step: slot = x mod 2^scale; x = freq·(x >> scale) + (slot − cum); then, without a branch, when
// x < LOW, x = x << 16 | next word. Four interleaved states let the CPU overlap their dependency chains.
// A corrupt stream that reads past the words loads undefined, which `&` turns into 0, so it cannot
// loop or fault; the caller's word count and final state checks catch it.

import type { Codes } from './table.js';

/** States live in [LOW, 2^31), so all decoder math stays in int32; a state below LOW takes one 16-bit
 *  word. Encoders start every state at LOW. */
export const LOW = 1 << 15;

/** The final states of the last decode (a module scratch, so decoding allocates nothing per call). */
export const finalStates = new Int32Array(4);

/** Decodes n codes into `out` (sym: slot → code; slots: slot → freq << 16 | (slot − cum)); returns the
 *  number of words read and leaves the final states in finalStates. */
export function decodeLanes(
  out: Codes,
  n: number,
  sym: Codes,
  slots: Uint32Array,
  stream: Uint16Array,
  scale: number,
  x0: number,
  x1: number,
  x2: number,
  x3: number,
): number {
  if (out instanceof Uint8Array) return decode8(out, n, sym as Uint8Array, slots, stream, scale, x0, x1, x2, x3);
  if (out instanceof Uint16Array) return decode16(out, n, sym as Uint16Array, slots, stream, scale, x0, x1, x2, x3);
  return decode32(out, n, sym as Uint32Array, slots, stream, scale, x0, x1, x2, x3);
}

function decode8(
  out: Uint8Array,
  n: number,
  sym: Uint8Array,
  slots: Uint32Array,
  stream: Uint16Array,
  scale: number,
  x0: number,
  x1: number,
  x2: number,
  x3: number,
): number {
  const mask = (1 << scale) - 1;
  let p = 0;
  let k = 0;
  let e = 0;
  let need = 0;
  const n4 = n - (n & 3);
  for (let i = 0; i < n4; i += 4) {
    k = x0 & mask;
    e = slots[k]!;
    out[i] = sym[k]!;
    x0 = Math.imul(e >>> 16, x0 >>> scale) + (e & 0xffff);
    need = (x0 - LOW) >>> 31;
    x0 = (x0 << (need << 4)) | (stream[p]! & -need);
    p += need;
    k = x1 & mask;
    e = slots[k]!;
    out[i + 1] = sym[k]!;
    x1 = Math.imul(e >>> 16, x1 >>> scale) + (e & 0xffff);
    need = (x1 - LOW) >>> 31;
    x1 = (x1 << (need << 4)) | (stream[p]! & -need);
    p += need;
    k = x2 & mask;
    e = slots[k]!;
    out[i + 2] = sym[k]!;
    x2 = Math.imul(e >>> 16, x2 >>> scale) + (e & 0xffff);
    need = (x2 - LOW) >>> 31;
    x2 = (x2 << (need << 4)) | (stream[p]! & -need);
    p += need;
    k = x3 & mask;
    e = slots[k]!;
    out[i + 3] = sym[k]!;
    x3 = Math.imul(e >>> 16, x3 >>> scale) + (e & 0xffff);
    need = (x3 - LOW) >>> 31;
    x3 = (x3 << (need << 4)) | (stream[p]! & -need);
    p += need;
  }
  return finish(out, n4, n, sym, slots, stream, scale, p, x0, x1, x2, x3);
}

function decode16(
  out: Uint16Array,
  n: number,
  sym: Uint16Array,
  slots: Uint32Array,
  stream: Uint16Array,
  scale: number,
  x0: number,
  x1: number,
  x2: number,
  x3: number,
): number {
  const mask = (1 << scale) - 1;
  let p = 0;
  let k = 0;
  let e = 0;
  let need = 0;
  const n4 = n - (n & 3);
  for (let i = 0; i < n4; i += 4) {
    k = x0 & mask;
    e = slots[k]!;
    out[i] = sym[k]!;
    x0 = Math.imul(e >>> 16, x0 >>> scale) + (e & 0xffff);
    need = (x0 - LOW) >>> 31;
    x0 = (x0 << (need << 4)) | (stream[p]! & -need);
    p += need;
    k = x1 & mask;
    e = slots[k]!;
    out[i + 1] = sym[k]!;
    x1 = Math.imul(e >>> 16, x1 >>> scale) + (e & 0xffff);
    need = (x1 - LOW) >>> 31;
    x1 = (x1 << (need << 4)) | (stream[p]! & -need);
    p += need;
    k = x2 & mask;
    e = slots[k]!;
    out[i + 2] = sym[k]!;
    x2 = Math.imul(e >>> 16, x2 >>> scale) + (e & 0xffff);
    need = (x2 - LOW) >>> 31;
    x2 = (x2 << (need << 4)) | (stream[p]! & -need);
    p += need;
    k = x3 & mask;
    e = slots[k]!;
    out[i + 3] = sym[k]!;
    x3 = Math.imul(e >>> 16, x3 >>> scale) + (e & 0xffff);
    need = (x3 - LOW) >>> 31;
    x3 = (x3 << (need << 4)) | (stream[p]! & -need);
    p += need;
  }
  return finish(out, n4, n, sym, slots, stream, scale, p, x0, x1, x2, x3);
}

function decode32(
  out: Uint32Array,
  n: number,
  sym: Uint32Array,
  slots: Uint32Array,
  stream: Uint16Array,
  scale: number,
  x0: number,
  x1: number,
  x2: number,
  x3: number,
): number {
  const mask = (1 << scale) - 1;
  let p = 0;
  let k = 0;
  let e = 0;
  let need = 0;
  const n4 = n - (n & 3);
  for (let i = 0; i < n4; i += 4) {
    k = x0 & mask;
    e = slots[k]!;
    out[i] = sym[k]!;
    x0 = Math.imul(e >>> 16, x0 >>> scale) + (e & 0xffff);
    need = (x0 - LOW) >>> 31;
    x0 = (x0 << (need << 4)) | (stream[p]! & -need);
    p += need;
    k = x1 & mask;
    e = slots[k]!;
    out[i + 1] = sym[k]!;
    x1 = Math.imul(e >>> 16, x1 >>> scale) + (e & 0xffff);
    need = (x1 - LOW) >>> 31;
    x1 = (x1 << (need << 4)) | (stream[p]! & -need);
    p += need;
    k = x2 & mask;
    e = slots[k]!;
    out[i + 2] = sym[k]!;
    x2 = Math.imul(e >>> 16, x2 >>> scale) + (e & 0xffff);
    need = (x2 - LOW) >>> 31;
    x2 = (x2 << (need << 4)) | (stream[p]! & -need);
    p += need;
    k = x3 & mask;
    e = slots[k]!;
    out[i + 3] = sym[k]!;
    x3 = Math.imul(e >>> 16, x3 >>> scale) + (e & 0xffff);
    need = (x3 - LOW) >>> 31;
    x3 = (x3 << (need << 4)) | (stream[p]! & -need);
    p += need;
  }
  return finish(out, n4, n, sym, slots, stream, scale, p, x0, x1, x2, x3);
}

/** The last n mod 4 codes, kept out of the hot loops so their compiled code never meets them. */
function finish(
  out: Codes,
  from: number,
  n: number,
  sym: Codes,
  slots: Uint32Array,
  stream: Uint16Array,
  scale: number,
  p: number,
  x0: number,
  x1: number,
  x2: number,
  x3: number,
): number {
  const lanes = finalStates;
  lanes[0] = x0;
  lanes[1] = x1;
  lanes[2] = x2;
  lanes[3] = x3;
  const mask = (1 << scale) - 1;
  for (let i = from; i < n; i++) {
    let x = lanes[i & 3]!;
    const k = x & mask;
    const e = slots[k]!;
    out[i] = sym[k]!;
    x = Math.imul(e >>> 16, x >>> scale) + (e & 0xffff);
    const need = (x - LOW) >>> 31;
    lanes[i & 3] = (x << (need << 4)) | (stream[p]! & -need);
    p += need;
  }
  return p;
}
