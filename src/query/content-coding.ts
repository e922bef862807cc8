// HTTP content codings of query answers (RFC 9110 §8.4: Content-Encoding), one row each, and the
// rule that picks one. ("Encoding" elsewhere in NCF means a value encoding of the engine.)
//
// The cost rule (docs/PERFORMANCE.md, "Compression that pays"):
//  - NCF_COMPRESSION=off: never compress.
//  - Formats compact already (Parquet: zstd pages; the format table's `compact`) are never compressed.
//  - Bodies under MIN_COMPRESS_BYTES go as they are: framing would eat the saving.
//  - Otherwise the client's highest-q coding, ties going to zstd (at a low level, NCF_COMPRESSION_LEVEL,
//    default 1: several hundred MB/s on one core), then brotli, never at an expensive level (quality 4,
//    a small window; brotli's default 11 is far too slow to stream), then gzip (level 5). Browsers send
//    `gzip, deflate, br, zstd`: they get zstd; brotli is for clients that do not take zstd.

import { createRequire } from 'node:module';
import { pipeline, type Readable, type Transform } from 'node:stream';
import * as zlib from 'node:zlib';

type Zstd = typeof import('zstd-napi');
let zstdModule: Zstd | undefined;
/** zstd-napi, loaded on first use (its native binding is not needed to read the configuration). */
function zstd(): Zstd {
  zstdModule ??= createRequire(import.meta.url)('zstd-napi') as Zstd;
  return zstdModule;
}

export type ContentCoding = 'identity' | 'zstd' | 'gzip' | 'br';

/** NCF_COMPRESSION and NCF_COMPRESSION_LEVEL. */
export interface CompressionSettings {
  mode: 'auto' | 'off';
  /** zstd level (1–19): 1 streams fastest; higher levels cost CPU per byte for a few percent. */
  zstdLevel: number;
}

export const DEFAULT_COMPRESSION: CompressionSettings = { mode: 'auto', zstdLevel: 1 };

/** Bodies smaller than this are sent as they are. */
export const MIN_COMPRESS_BYTES = 1024;

interface CodingRow {
  name: Exclude<ContentCoding, 'identity'>;
  /** Other names clients send for it. */
  aliases: readonly string[];
  create(settings: CompressionSettings): Transform;
}

/** Server preference on equal q: first wins. */
export const CODINGS: readonly CodingRow[] = [
  // On the event loop, a 64 KiB chunk per call (about 0.5 ms at level 1): zstd-napi has no async API,
  // and its worker-thread mode (nbWorkers) holds whole jobs of input past a stalled reader's
  // backpressure (measured: 12 Arrow batches of 10k rows against 3 without), so it is not used.
  { name: 'zstd', aliases: [], create: (s) => new (zstd().CompressStream)({ compressionLevel: s.zstdLevel }) },
  {
    name: 'br',
    aliases: [],
    // Quality 4 is near gzip's ratio at its speed. The default window (4 MiB) lets the encoder take in
    // about 2 MB and hold some 10 MB before it emits a byte, past the socket's backpressure: a 256 KiB
    // window holds about 4 MB and compresses text answers as well.
    create: () =>
      zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4, [zlib.constants.BROTLI_PARAM_LGWIN]: 18 } }),
  },
  { name: 'gzip', aliases: ['x-gzip'], create: () => zlib.createGzip({ level: 5 }) },
];

/** The client's q for each coding name from an Accept-Encoding header (aliases folded; `*` under "*"). */
function acceptedQ(acceptEncoding: string): Map<string, number> {
  const q = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [name, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    if (!name) continue;
    let v = 1;
    for (const p of params) {
      const m = /^q\s*=\s*([0-9.]+)$/.exec(p);
      if (m) v = Number(m[1]);
    }
    if (!Number.isFinite(v)) v = 0;
    const row = CODINGS.find((c) => c.aliases.includes(name));
    q.set(row?.name ?? name, v);
  }
  return q;
}

/** The coding the client prefers among those offered: its highest q, server preference on ties;
 *  identity when it takes none (identity is always acceptable to us: RFC 9110 lets a server send it
 *  rather than refuse). */
export function negotiateContentCoding(acceptEncoding: string | undefined): ContentCoding {
  if (!acceptEncoding) return 'identity';
  const q = acceptedQ(acceptEncoding);
  const star = q.get('*') ?? 0;
  let best: ContentCoding = 'identity',
    bestQ = 0;
  for (const c of CODINGS) {
    const v = q.get(c.name) ?? star;
    if (v > bestQ) {
      best = c.name;
      bestQ = v;
    }
  }
  return best;
}

/** The coding an answer in a format gets, before its size is known: identity when compression is off
 *  or the format is compact already. */
export function codingFor(accepted: ContentCoding, compact: boolean, settings: CompressionSettings): ContentCoding {
  if (settings.mode === 'off' || compact) return 'identity';
  return accepted;
}

/** `source` compressed with `coding`. */
export function compress(source: Readable, coding: ContentCoding, settings: CompressionSettings = DEFAULT_COMPRESSION): Readable {
  if (coding === 'identity') return source;
  const row = CODINGS.find((c) => c.name === coding);
  if (row === undefined) throw new Error(`no content coding ${coding}`);
  return pipeline(source, row.create(settings), () => {});
}
