// Chunk codecs (FORMAT.md §6): zstd with a reused native context, raw storage when compressing does
// not shrink the body, and decompression into a buffer of exactly the declared size.

import { createRequire } from 'node:module';
import type { Codec } from './constants.js';
import { corrupt, unsupported } from './errors.js';

// zstd-napi's low-level binding lets us supply the output buffer, which the high-level API does not:
// that is what bounds a lying frame to `rawLength` bytes.
const binding = createRequire(import.meta.url)('zstd-napi/binding') as typeof import('zstd-napi/binding.js');

let cctx: InstanceType<typeof binding.CCtx> | null = null;
let dctx: InstanceType<typeof binding.DCtx> | null = null;
let scratch = new Uint8Array(0);

export interface Compressed {
  codec: Codec;
  bytes: Uint8Array;
}

/** Compresses a chunk body; returns it raw when zstd does not make it smaller. The result may alias
 *  `body` (codec none); zstd output is a fresh buffer. */
export function compressBody(body: Uint8Array, level: number): Compressed {
  if (body.length < 64) return { codec: 'none', bytes: body };
  cctx ??= new binding.CCtx();
  const bound = binding.compressBound(body.length);
  if (scratch.length < bound) scratch = new Uint8Array(bound);
  const n = cctx.compress(scratch, body, level);
  if (n >= body.length) return { codec: 'none', bytes: body };
  return { codec: 'zstd', bytes: scratch.slice(0, n) };
}

/** Returns the chunk body: exactly `rawLength` bytes, or a CORRUPT_FILE error. */
export function decompressBody(codec: string, stored: Uint8Array, rawLength: number, what: string): Uint8Array {
  if (codec === 'none') {
    if (stored.length !== rawLength)
      throw corrupt(`${what}: stored length ${stored.length} does not match raw length ${rawLength} for codec none`);
    return stored;
  }
  if (codec !== 'zstd') throw unsupported(`${what}: unknown codec "${codec}"`, { codec });
  let declared: number | null;
  let frameLength: number;
  try {
    declared = binding.getFrameContentSize(stored);
    frameLength = binding.findFrameCompressedSize(stored);
  } catch (e) {
    throw corrupt(`${what}: invalid zstd frame (${(e as Error).message})`);
  }
  if (declared !== rawLength) throw corrupt(`${what}: zstd frame declares ${declared ?? 'no'} content size, footer says ${rawLength}`);
  if (frameLength !== stored.length) throw corrupt(`${what}: zstd frame is ${frameLength} bytes but the chunk is ${stored.length}`);
  const out = new Uint8Array(rawLength);
  dctx ??= new binding.DCtx();
  let n: number;
  try {
    n = dctx.decompress(out, stored);
  } catch (e) {
    // A failed decompression can leave the context mid-frame; start the next one clean.
    dctx = null;
    throw corrupt(`${what}: zstd decompression failed (${(e as Error).message})`);
  }
  if (n !== rawLength) throw corrupt(`${what}: zstd produced ${n} bytes, footer says ${rawLength}`);
  return out;
}
