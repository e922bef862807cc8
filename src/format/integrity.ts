// Integrity checks (FORMAT.md §2): CRC-32 per chunk, SHA-256 over the whole file.

import { createHash, type Hash } from 'node:crypto';
import { crc32 } from 'node:zlib';

/** CRC-32 (IEEE, zlib's) of a chunk's stored bytes. */
export function chunkHash(bytes: Uint8Array): number {
  return crc32(bytes) >>> 0;
}

/** Incremental SHA-256 for the file trailer. */
export function fileHasher(): Hash {
  return createHash('sha256');
}
