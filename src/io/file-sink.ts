// Local file sink: writes to a temporary name beside the target, then fsync → rename → fsync(dir),
// so a crash never leaves a half-written file under the real name.

import { randomBytes } from 'node:crypto';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { ByteSink } from '../format/io.js';

export class FileSink implements ByteSink {
  readonly path: string;
  readonly tempPath: string;
  private handle: FileHandle | null = null;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;

  private constructor(path: string) {
    this.path = path;
    this.tempPath = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  }

  static async create(path: string): Promise<FileSink> {
    const sink = new FileSink(path);
    sink.handle = await open(sink.tempPath, 'wx');
    return sink;
  }

  async write(bytes: Uint8Array): Promise<void> {
    // Small writes (headers, tails) are batched; large chunks go straight through.
    this.pending.push(bytes.slice());
    this.pendingBytes += bytes.length;
    if (this.pendingBytes >= 1 << 20) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const parts = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    await this.handle!.writev(parts);
  }

  async finish(): Promise<void> {
    await this.flush();
    await this.handle!.sync();
    await this.handle!.close();
    this.handle = null;
    await rename(this.tempPath, this.path);
    await syncDir(dirname(this.path));
  }

  async abort(): Promise<void> {
    this.pending = [];
    if (this.handle) {
      await this.handle.close().catch(() => {});
      this.handle = null;
    }
    await unlink(this.tempPath).catch(() => {});
  }
}

/** fsync a directory so a rename in it survives power loss. */
export async function syncDir(dir: string): Promise<void> {
  const h = await open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}
