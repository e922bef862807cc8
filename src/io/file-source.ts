// Local file source: positional reads on one open handle.

import { open, type FileHandle } from 'node:fs/promises';
import type { RandomAccessSource } from '../format/io.js';

export class FileSource implements RandomAccessSource {
  private constructor(
    private handle: FileHandle | null,
    readonly size: number,
    readonly path: string,
  ) {}

  static async open(path: string): Promise<FileSource> {
    const handle = await open(path, 'r');
    const { size } = await handle.stat();
    return new FileSource(handle, size, path);
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    if (this.handle === null) throw new Error(`read after close of ${this.path}`);
    if (offset < 0 || length < 0 || offset + length > this.size) {
      throw new RangeError(`read [${offset}, ${offset + length}) outside ${this.path} (${this.size} bytes)`);
    }
    // allocUnsafeSlow: not from the shared pool, so the bytes start at offset 0 of their own buffer.
    const out = Buffer.allocUnsafeSlow(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(out, done, length - done, offset + done);
      if (bytesRead === 0) throw new Error(`${this.path} ended at ${offset + done}, expected ${this.size} bytes`);
      done += bytesRead;
    }
    return new Uint8Array(out.buffer, out.byteOffset, length);
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = null;
    await h?.close();
  }
}
