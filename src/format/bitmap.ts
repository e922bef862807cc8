// LSB-first bitmaps (validity and bool values, FORMAT.md §3, §4) at arbitrary bit offsets: the
// copies, fills and counts the Arrow bridge and the column builder need when a slice does not start
// on a byte boundary. Whole bytes are moved 8 bits at a time; only the ragged ends go bit by bit.

/** Copies bits [srcBit, srcBit+n) of `src` to [dstBit, dstBit+n) of `dst`; other bits of `dst` are kept. */
export function copyBits(src: Uint8Array, srcBit: number, dst: Uint8Array, dstBit: number, n: number): void {
  let i = 0;
  // Head: bit by bit until the destination is byte aligned.
  while (i < n && ((dstBit + i) & 7) !== 0) {
    setBit(dst, dstBit + i, (src[(srcBit + i) >>> 3]! >>> ((srcBit + i) & 7)) & 1);
    i++;
  }
  const whole = (n - i) >>> 3;
  if (whole > 0) {
    const s = (srcBit + i) >>> 3;
    const d = (dstBit + i) >>> 3;
    const shift = (srcBit + i) & 7;
    if (shift === 0) {
      dst.set(src.subarray(s, s + whole), d);
    } else {
      // Each destination byte takes the high bits of one source byte and the low bits of the next;
      // the next byte exists because its bits lie inside the copied range.
      const back = 8 - shift;
      for (let k = 0; k < whole; k++) dst[d + k] = ((src[s + k]! >>> shift) | (src[s + k + 1]! << back)) & 0xff;
    }
    i += whole << 3;
  }
  while (i < n) {
    setBit(dst, dstBit + i, (src[(srcBit + i) >>> 3]! >>> ((srcBit + i) & 7)) & 1);
    i++;
  }
}

function setBit(bits: Uint8Array, i: number, v: number): void {
  const m = 1 << (i & 7);
  bits[i >>> 3] = v !== 0 ? bits[i >>> 3]! | m : bits[i >>> 3]! & ~m;
}

/** Sets bits [start, start+n) to 1. */
export function setBitsOn(bits: Uint8Array, start: number, n: number): void {
  let i = start;
  const end = start + n;
  while (i < end && (i & 7) !== 0) {
    bits[i >>> 3]! |= 1 << (i & 7);
    i++;
  }
  const wholeEnd = end & ~7;
  if (i < wholeEnd) {
    bits.fill(0xff, i >>> 3, wholeEnd >>> 3);
    i = wholeEnd;
  }
  while (i < end) {
    bits[i >>> 3]! |= 1 << (i & 7);
    i++;
  }
}

/** Counts the set bits in [start, start+n). */
export function countBits(bits: Uint8Array, start: number, n: number): number {
  let count = 0;
  let i = start;
  const end = start + n;
  while (i < end && (i & 7) !== 0) {
    count += (bits[i >>> 3]! >>> (i & 7)) & 1;
    i++;
  }
  const wholeEnd = end & ~7;
  for (let b = i >>> 3, e = wholeEnd >>> 3; b < e; b++) {
    let v = bits[b]!;
    v = v - ((v >>> 1) & 0x55);
    v = (v & 0x33) + ((v >>> 2) & 0x33);
    count += (v + (v >>> 4)) & 0x0f;
  }
  if (i < wholeEnd) i = wholeEnd;
  while (i < end) {
    count += (bits[i >>> 3]! >>> (i & 7)) & 1;
    i++;
  }
  return count;
}

/** Bits [start, start+n) as a bitmap starting at bit 0: a view when `start` is byte aligned (bits
 *  after n in the last byte are then unspecified), else a fresh copy. */
export function sliceBits(bits: Uint8Array, start: number, n: number): Uint8Array {
  const bytes = (n + 7) >>> 3;
  if ((start & 7) === 0) return bits.subarray(start >>> 3, (start >>> 3) + bytes);
  const out = new Uint8Array(bytes);
  copyBits(bits, start, out, 0, n);
  return out;
}

/** Clears the bits after n in the last byte, so a bitmap handed on has no stray set bits. */
export function clearTail(bits: Uint8Array, n: number): void {
  if ((n & 7) !== 0) bits[n >>> 3]! &= (1 << (n & 7)) - 1;
}

/** Index of the first 0 bit in [0, n), or -1. */
export function firstClear(bits: Uint8Array, n: number): number {
  for (let b = 0, e = (n + 7) >>> 3; b < e; b++) {
    const v = bits[b]!;
    if (v === 0xff) continue;
    for (let k = 0; k < 8; k++) {
      const i = (b << 3) + k;
      if (i >= n) return -1;
      if (((v >>> k) & 1) === 0) return i;
    }
  }
  return -1;
}
