// The two I/O interfaces the engine is written against, so the same writer and reader serve local
// files, memory and object storage; plus the in-memory implementations.

/** Where a writer streams its bytes. `finish` makes the file visible under its final name (atomically
 *  where the storage allows it); `abort` leaves no trace. */
export interface ByteSink {
  write(bytes: Uint8Array): Promise<void>;
  finish(): Promise<void>;
  abort(): Promise<void>;
}

/** Random access to an immutable file: a reader fetches the footer from the end, then only the
 *  chunk ranges it needs. */
export interface RandomAccessSource {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
  close?(): Promise<void>;
}

export class BufferSource implements RandomAccessSource {
  readonly size: number;
  constructor(private readonly bytes: Uint8Array) {
    this.size = bytes.length;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    if (offset < 0 || length < 0 || offset + length > this.size) {
      throw new RangeError(`read [${offset}, ${offset + length}) outside a ${this.size}-byte buffer`);
    }
    return this.bytes.subarray(offset, offset + length);
  }
}

/** Collects a written file in memory (tests, small exports). */
export class BufferSink implements ByteSink {
  private parts: Uint8Array[] = [];
  private length = 0;
  result: Uint8Array | null = null;
  async write(bytes: Uint8Array): Promise<void> {
    // Writers may reuse their buffers after write() resolves, so keep a copy.
    this.parts.push(bytes.slice());
    this.length += bytes.length;
  }
  async finish(): Promise<void> {
    const out = new Uint8Array(this.length);
    let p = 0;
    for (const part of this.parts) {
      out.set(part, p);
      p += part.length;
    }
    this.parts = [];
    this.result = out;
  }
  async abort(): Promise<void> {
    this.parts = [];
  }
}
