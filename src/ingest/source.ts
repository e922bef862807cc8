// Re-openable byte sources: the one input abstraction every parser reads from. CSV, NDJSON and JSON
// read a source twice (infer, then parse), so a source is a function that restarts the input.
// Sources made here remember where their bytes live, so the Arrow file and Parquet readers can use
// random access (a file handle, a Blob) instead of streaming the whole input into memory.

import { createReadStream } from 'node:fs';

/** Re-openable byte source: each call yields the input from the start. */
export type ByteSource = () => AsyncIterable<Uint8Array>;

/** Where a source's bytes live, when known. */
export interface SourceOrigin {
  path?: string;
  bytes?: Uint8Array;
}

const origins = new WeakMap<ByteSource, SourceOrigin>();

/** Read size for files: large enough that per-chunk overhead vanishes, small enough to stay in cache. */
const FILE_CHUNK_BYTES = 1 << 20;

export function fileSource(path: string): ByteSource {
  const src: ByteSource = () => createReadStream(path, { highWaterMark: FILE_CHUNK_BYTES });
  origins.set(src, { path });
  return src;
}

export function bufferSource(bytes: Uint8Array): ByteSource {
  const src: ByteSource = async function* () {
    // Hand out bounded slices so parsers see the same chunking as with files.
    for (let i = 0; i < bytes.length; i += FILE_CHUNK_BYTES) yield bytes.subarray(i, i + FILE_CHUNK_BYTES);
  };
  origins.set(src, { bytes });
  return src;
}

/** The file path or buffer behind a source made by fileSource/bufferSource; {} for any other source. */
export function sourceOrigin(src: ByteSource): SourceOrigin {
  return origins.get(src) ?? {};
}

/** Reads a whole source into one buffer (only for readers that cannot stream; see arrow.ts, parquet.ts). */
export async function readAllBytes(src: ByteSource): Promise<Uint8Array> {
  const known = sourceOrigin(src).bytes;
  if (known) return known;
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of src()) {
    parts.push(chunk);
    total += chunk.length;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
