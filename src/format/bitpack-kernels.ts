// Width-specialised, fully unrolled bit-packing kernels (FORMAT.md §5.1) for blocks of 32 values:
// 32 values of w bits fill exactly w 32-bit words, so inside a block every shift is a constant and
// no bit position is carried from value to value. V8 runs these 4–6× faster than the generic loop in
// bitpack.ts. Each kernel is generated once per width, on first use, from numbers only.

/** out[o + i] = (value i) + add, for blocks·32 values read from words[0 ..). */
export type UnpackKernel = (words: Int32Array, out: Int32Array, blocks: number, o: number, add: number) => void;
/** Packs (src[j + i·stride] − sub) for blocks·32 values into words[0 ..). */
export type PackKernel = (src: Int32Array, j: number, stride: number, sub: number, words: Int32Array, blocks: number) => void;

const unpackers: (UnpackKernel | undefined)[] = [];
const packers: (PackKernel | undefined)[] = [];

function checkWidth(w: number): void {
  if (!Number.isInteger(w) || w < 1 || w > 32) throw new RangeError(`bitpack kernel width ${w} is not in 1..32`);
}

/** The unpacking kernel for width w (1 ≤ w ≤ 32). */
export function unpackKernel(w: number): UnpackKernel {
  checkWidth(w);
  let k = unpackers[w];
  if (k === undefined) k = unpackers[w] = makeUnpack(w);
  return k;
}

/** The packing kernel for width w (1 ≤ w ≤ 32). */
export function packKernel(w: number): PackKernel {
  checkWidth(w);
  let k = packers[w];
  if (k === undefined) k = packers[w] = makePack(w);
  return k;
}

function makeUnpack(w: number): UnpackKernel {
  const mask = (-1 >>> (32 - w)) | 0;
  const lines: string[] = [];
  for (let k = 0; k < w; k++) lines.push(`const w${k} = words[wi + ${k}];`);
  for (let j = 0; j < 32; j++) {
    const bit = j * w;
    const k = bit >>> 5;
    const sh = bit & 31;
    let e = sh === 0 ? `w${k}` : `(w${k} >>> ${sh})`;
    if (sh + w > 32) e = `(${e} | (w${k + 1} << ${32 - sh}))`;
    if (sh + w !== 32) e = `(${e} & ${mask})`;
    lines.push(`out[o + ${j}] = ${e} + add;`);
  }
  const body = `for (let b = 0, wi = 0; b < blocks; b++, wi += ${w}, o += 32) {\n${lines.join('\n')}\n}`;
  return new Function('words', 'out', 'blocks', 'o', 'add', body) as UnpackKernel;
}

function makePack(w: number): PackKernel {
  const lines: string[] = [];
  for (let j = 0; j < 32; j++) lines.push(`const v${j} = (src[j + ${j} * stride] - sub) | 0;`);
  for (let k = 0; k < w; k++) {
    const terms: string[] = [];
    for (let j = 0; j < 32; j++) {
      const start = j * w;
      const end = start + w;
      if (end <= 32 * k || start >= 32 * (k + 1)) continue;
      terms.push(start >= 32 * k ? (start === 32 * k ? `v${j}` : `(v${j} << ${start - 32 * k})`) : `(v${j} >>> ${32 * k - start})`);
    }
    lines.push(`words[wi + ${k}] = ${terms.join(' | ')};`);
  }
  const body = `for (let b = 0, wi = 0; b < blocks; b++, wi += ${w}, j += 32 * stride) {\n${lines.join('\n')}\n}`;
  return new Function('src', 'j', 'stride', 'sub', 'words', 'blocks', body) as PackKernel;
}
