// Spools an upload body to a temporary file under <dataDir>/tmp, counting bytes against the upload
// limit. Memory stays bounded by one chunk: the source is paused while each chunk is written.
// On the limit, an error or a client that disconnects, the temp file is deleted before the promise
// rejects, so a failed upload leaves nothing on disk. The source is left paused, not destroyed, so
// the server can still answer (413) on the same connection.

import { randomBytes } from 'node:crypto';
import { mkdir, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { badRequest, payloadTooLarge } from '../errors.js';

export const TMP_DIR = 'tmp';

export interface Spooled {
  path: string;
  bytes: number;
}

/** A fresh temp path under <dataDir>/tmp (created on demand). */
export async function tempPath(dataDir: string, label: string): Promise<string> {
  const dir = join(dataDir, TMP_DIR);
  await mkdir(dir, { recursive: true });
  return join(dir, `${label}-${Date.now()}-${randomBytes(8).toString('hex')}.part`);
}

export function tooLarge(limit: number): Error {
  return payloadTooLarge(`the upload is larger than the limit of ${limit} bytes (NCF_MAX_UPLOAD_BYTES)`, { limit });
}

/** Copies `src` to `path` (created exclusively); rejects with 413 past `limit` bytes, or 400 when
 *  the client went away before the end. */
export async function spool(src: Readable, path: string, limit: number, signal?: AbortSignal): Promise<Spooled> {
  const fh = await open(path, 'wx');
  let bytes = 0;
  let failed = false;
  try {
    await new Promise<void>((resolve, reject) => {
      let ended = false;
      const fail = (e: unknown) => {
        if (failed) return;
        failed = true;
        cleanup();
        src.pause();
        reject(e);
      };
      const onData = (chunk: Buffer) => {
        if (failed) return;
        bytes += chunk.length;
        if (bytes > limit) { fail(tooLarge(limit)); return; }
        src.pause();
        fh.write(chunk).then(() => { if (!failed) src.resume(); }, fail);
      };
      const onEnd = () => {
        ended = true;
        // 'end' comes after the last 'data', whose write resumed the stream: all writes are done.
        cleanup();
        if (!failed) resolve();
      };
      const onError = (e: unknown) => fail(clientGone(e));
      const onClose = () => { if (!ended) fail(clientGone(null)); };
      const onAbort = () => fail(signal!.reason);
      const cleanup = () => {
        src.off('data', onData);
        src.off('end', onEnd);
        src.off('error', onError);
        src.off('close', onClose);
        signal?.removeEventListener('abort', onAbort);
      };
      src.on('data', onData);
      src.on('end', onEnd);
      src.on('error', onError);
      src.on('close', onClose);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted) onAbort();
      src.resume();
    });
    await fh.close();
    return { path, bytes };
  } catch (e) {
    await fh.close().catch(() => {});
    await unlink(path).catch(() => {});
    throw e;
  }
}

function clientGone(e: unknown): Error {
  // A stream error here is the client's doing (disconnect, malformed multipart): never a 500.
  if (e instanceof Error && 'status' in e) return e;
  const status = (e as { statusCode?: number } | null)?.statusCode;
  if (status === 413) return e as Error;
  return badRequest(`the upload ended before its end (${e instanceof Error ? e.message : 'connection closed'})`, { reason: 'incomplete-body' });
}
