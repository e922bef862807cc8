// Bit packing (FORMAT.md §5.1): `count` values of `w` bits, LSB first, in ceil(count·w/8) bytes.
// Values come from and go to Int32Arrays (bits as two's complement, see int64.ts): plain 32-bit
// values (stride 1) or the (lo, hi) pairs of 64-bit values (stride 2). A 64-bit value of width w > 32
// is its low 32 bits followed by its high w − 32 bits, which is exactly LSB-first packing of the whole
// value.
//
// Packed bits are handled as 32-bit words in a reused, aligned scratch buffer (one memcpy in or out).
// Whole blocks of 32 values go through unrolled per-width kernels (bitpack-kernels.ts), the tail
// through a generic loop; widths 0, 8, 16, 32 and 64 need no shifting and have their own paths.

import { packKernel, unpackKernel } from './bitpack-kernels.js';
import { check } from './errors.js';

export function packedLength(count: number, w: number): number {
  return Math.ceil((count * w) / 8);
}

let scratch = new Int32Array(1024);

function scratchWords(bytes: number): Int32Array {
  const words = (bytes >>> 2) + 2;
  if (scratch.length < words) scratch = new Int32Array(Math.max(words, scratch.length * 2));
  return scratch;
}

function maskOf(w: number): number {
  return w === 0 ? 0 : (-1 >>> (32 - w)) | 0;
}

/**
 * Packs (src[start·stride + i·stride] − sub) mod 2^32 (i < count), each < 2^w with w ≤ 32, into dst,
 * which must hold exactly packedLength(count, w) bytes. `sub` lets frame-of-reference encoding pack
 * straight from the column's memory.
 */
export function pack32(src: Int32Array, start: number, count: number, w: number, dst: Uint8Array, stride = 1, sub = 0): void {
  const s0 = start * stride;
  if (w === 0 || count === 0) return;
  if (w === 8) {
    for (let i = 0, j = s0; i < count; i++, j += stride) dst[i] = src[j]! - sub;
    return;
  }
  if (w === 16) {
    for (let i = 0, j = s0; i < count; i++, j += stride) {
      const v = src[j]! - sub;
      dst[2 * i] = v;
      dst[2 * i + 1] = v >>> 8;
    }
    return;
  }
  if (w === 32 && stride === 1 && sub === 0) {
    dst.set(new Uint8Array(src.buffer, src.byteOffset + s0 * 4, count * 4));
    return;
  }
  const words = scratchWords(dst.length);
  const blocks = count >>> 5;
  if (blocks > 0) packKernel(w)(src, s0, stride, sub, words, blocks);
  let acc = 0;
  let sh = 0;
  let wi = blocks * w;
  for (let i = blocks * 32, j = s0 + i * stride; i < count; i++, j += stride) {
    const v = (src[j]! - sub) | 0;
    acc |= v << sh;
    sh += w;
    if (sh >= 32) {
      words[wi++] = acc;
      sh -= 32;
      acc = sh === 0 ? 0 : v >>> (w - sh);
    }
  }
  if (sh > 0) words[wi] = acc;
  dst.set(new Uint8Array(words.buffer, 0, dst.length));
}

/**
 * Packs the 64-bit values given as (lo, hi) pairs src[2(start+i)], src[2(start+i)+1] (i < count),
 * each < 2^w with w ≤ 64, into dst of exactly packedLength(count, w) bytes.
 */
export function pack64(src: Int32Array, start: number, count: number, w: number, dst: Uint8Array): void {
  if (w <= 32) return pack32(src, start, count, w, dst, 2);
  if (w === 64) {
    dst.set(new Uint8Array(src.buffer, src.byteOffset + start * 8, count * 8));
    return;
  }
  const words = scratchWords(dst.length);
  const hw = w - 32;
  let acc = 0;
  let sh = 0;
  let wi = 0;
  for (let i = 0, j = start * 2; i < count; i++, j += 2) {
    const lo = src[j]!;
    // 32 low bits: always completes the current word.
    words[wi++] = acc | (lo << sh);
    acc = sh === 0 ? 0 : lo >>> (32 - sh);
    const hi = src[j + 1]!;
    acc |= hi << sh;
    sh += hw;
    if (sh >= 32) {
      words[wi++] = acc;
      sh -= 32;
      acc = sh === 0 ? 0 : hi >>> (hw - sh);
    }
  }
  if (sh > 0) words[wi] = acc;
  dst.set(new Uint8Array(words.buffer, 0, dst.length));
}

function loadWords(src: Uint8Array): Int32Array {
  const words = scratchWords(src.length);
  new Uint8Array(words.buffer, 0, src.length).set(src);
  return words;
}

/**
 * Unpacks count values of w bits (w ≤ 64) from src (exactly packedLength(count, w) bytes) and writes
 * (low 32 bits of value i) + add, mod 2^32, to out[(outStart + i)·stride]. Widths above 32 only occur
 * for 64-bit arithmetic that the caller truncates to 32 bits anyway (delta of 32-bit types); `add`
 * lets frame-of-reference decoding finish in the same pass.
 */
export function unpack32(src: Uint8Array, count: number, w: number, out: Int32Array, outStart = 0, stride = 1, add = 0): void {
  check(w >= 0 && w <= 64, `bit width ${w} is not in 0..64`);
  check(
    src.length === packedLength(count, w),
    `packed run of ${count} values × ${w} bits needs ${packedLength(count, w)} bytes, got ${src.length}`,
  );
  const o0 = outStart * stride;
  if (count === 0) return;
  if (w === 0) {
    if (stride === 1) out.fill(add, o0, o0 + count);
    else for (let i = 0, o = o0; i < count; i++, o += stride) out[o] = add;
    return;
  }
  if (w === 8) {
    for (let i = 0, o = o0; i < count; i++, o += stride) out[o] = src[i]! + add;
    return;
  }
  if (w === 16) {
    for (let i = 0, o = o0; i < count; i++, o += stride) out[o] = (src[2 * i]! | (src[2 * i + 1]! << 8)) + add;
    return;
  }
  if (w === 32) {
    if (stride === 1) {
      new Uint8Array(out.buffer, out.byteOffset + o0 * 4, count * 4).set(src);
      if (add !== 0) for (let o = o0; o < o0 + count; o++) out[o] = out[o]! + add;
    } else {
      for (let i = 0, o = o0, k = 0; i < count; i++, o += stride, k += 4) {
        out[o] = (src[k]! | (src[k + 1]! << 8) | (src[k + 2]! << 16) | (src[k + 3]! << 24)) + add;
      }
    }
    return;
  }
  const words = loadWords(src);
  let wi = 0;
  let sh = 0;
  if (w < 32) {
    const mask = maskOf(w);
    let i = 0;
    if (stride === 1) {
      const blocks = count >>> 5;
      if (blocks > 0) unpackKernel(w)(words, out, blocks, o0, add);
      i = blocks * 32;
      wi = blocks * w;
    }
    for (let o = o0 + i * stride; i < count; i++, o += stride) {
      let v = words[wi]! >>> sh;
      if (sh + w > 32) v |= words[wi + 1]! << (32 - sh);
      out[o] = (v & mask) + add;
      sh += w;
      if (sh >= 32) {
        sh -= 32;
        wi++;
      }
    }
    return;
  }
  const skip = w - 32;
  for (let i = 0, o = o0; i < count; i++, o += stride) {
    out[o] = (sh === 0 ? words[wi]! : (words[wi]! >>> sh) | (words[wi + 1]! << (32 - sh))) + add;
    wi++;
    sh += skip;
    if (sh >= 32) {
      sh -= 32;
      wi++;
    }
  }
}

/**
 * Unpacks count values of w bits (w ≤ 64) from src into (lo, hi) pairs out[2(outStart+i)],
 * out[2(outStart+i)+1].
 */
export function unpack64(src: Uint8Array, count: number, w: number, out: Int32Array, outStart = 0): void {
  if (w <= 32) {
    unpack32(src, count, w, out, outStart, 2);
    for (let i = 0, o = outStart * 2 + 1; i < count; i++, o += 2) out[o] = 0;
    return;
  }
  check(w <= 64, `bit width ${w} is not in 0..64`);
  check(
    src.length === packedLength(count, w),
    `packed run of ${count} values × ${w} bits needs ${packedLength(count, w)} bytes, got ${src.length}`,
  );
  if (w === 64) {
    new Uint8Array(out.buffer, out.byteOffset + outStart * 8, count * 8).set(src);
    return;
  }
  const words = loadWords(src);
  const hw = w - 32;
  const mask = maskOf(hw);
  let wi = 0;
  let sh = 0;
  for (let i = 0, o = outStart * 2; i < count; i++, o += 2) {
    out[o] = sh === 0 ? words[wi]! : (words[wi]! >>> sh) | (words[wi + 1]! << (32 - sh));
    wi++;
    let v = words[wi]! >>> sh;
    if (sh + hw > 32) v |= words[wi + 1]! << (32 - sh);
    out[o + 1] = v & mask;
    sh += hw;
    if (sh >= 32) {
      sh -= 32;
      wi++;
    }
  }
}
