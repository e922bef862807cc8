// BlobStore on a local folder: `<root>/<tableId>/<fileId>.ncf`. Writes reuse FileSink (temp name in
// the same folder → fsync → rename → fsync dir), so a key appears only once its file is complete;
// reads reuse FileSource's positional reads. Keys are checked before they touch a path.

import { constants } from 'node:fs';
import { access, mkdir, readdir, rmdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { ByteSink, RandomAccessSource } from '../../src/format/io.js';
import { FileSink, syncDir } from '../../src/io/file-sink.js';
import { FileSource } from '../../src/io/file-source.js';
import { BlobNotFound, blobExists, closed } from '../errors.js';
import { isId, parseKey } from '../keys.js';
import type { BlobStore } from '../types.js';

/** FileSink's temp names: `.<fileId>.ncf.<hex>.tmp`. */
const TEMP = /^\.[0-9A-Za-z_-]{1,64}\.ncf\.[0-9a-f]+\.tmp$/;
const FINISHED = /^[0-9A-Za-z_-]{1,64}\.ncf$/;

export class LocalBlobStore implements BlobStore {
  private open = true;

  /** `root` must exist (openStorage creates it). */
  constructor(readonly root: string) {}

  private pathOf(key: string): { dir: string; path: string } {
    if (!this.open) throw closed('blob store');
    const { tableId, fileId } = parseKey(key);
    const dir = join(this.root, tableId);
    return { dir, path: join(dir, `${fileId}.ncf`) };
  }

  async createSink(key: string): Promise<ByteSink> {
    const { dir, path } = this.pathOf(key);
    // A new table folder must itself survive power loss, or the files renamed into it go with it.
    if ((await mkdir(dir, { recursive: true })) !== undefined) await syncDir(this.root);
    // Keys are random, so an existing file means a reused key: refuse rather than replace data a
    // catalog version may reference.
    if (await exists(path)) throw blobExists(key);
    const sink = await FileSink.create(path);
    return {
      write: (bytes) => sink.write(bytes),
      finish: () => sink.finish(),
      // A failed first upload of a table would otherwise leave its empty folder behind. Tables
      // with files keep theirs: rmdir refuses a non-empty folder.
      abort: async () => {
        await sink.abort();
        await rmdir(dir).catch(() => {});
      },
    };
  }

  async openSource(key: string): Promise<RandomAccessSource> {
    const { path } = this.pathOf(key);
    try {
      return await FileSource.open(path);
    } catch (e) {
      if (isNoEntry(e)) throw new BlobNotFound(key);
      throw e;
    }
  }

  /** Deleting a missing key succeeds, so vacuum can be rerun after a crash. The table's folder goes
   *  with its last file. */
  async delete(key: string): Promise<void> {
    const { dir, path } = this.pathOf(key);
    await unlink(path).catch((e: unknown) => {
      if (!isNoEntry(e)) throw e;
    });
    await rmdir(dir).catch(() => {});
  }

  /** Finished files only; temp files of writes in progress (or of crashed ones) are skipped. A
   *  prefix that names a folder (`<tableId>/...`) reads only that folder. */
  async *list(prefix = ''): AsyncIterable<{ key: string; size: number; modified: Date }> {
    if (!this.open) throw closed('blob store');
    const slash = prefix.indexOf('/');
    const tableIds = slash >= 0 ? [prefix.slice(0, slash)] : (await readdir(this.root)).filter((d) => d.startsWith(prefix));
    for (const tableId of tableIds) {
      if (!isId(tableId)) continue;
      let names: string[];
      try {
        names = await readdir(join(this.root, tableId));
      } catch (e) {
        if (isNoEntry(e) || isNotDir(e)) continue;
        throw e;
      }
      for (const name of names) {
        const key = `${tableId}/${name}`;
        if (!FINISHED.test(name) || !key.startsWith(prefix)) continue;
        try {
          const s = await stat(join(this.root, tableId, name));
          if (s.isFile()) yield { key, size: s.size, modified: s.mtime };
        } catch (e) {
          // Deleted between readdir and stat (a concurrent vacuum): it is simply gone.
          if (!isNoEntry(e)) throw e;
        }
      }
    }
  }

  /** The table folders under the root (a folder goes with its last file, see delete). */
  async tableIds(): Promise<string[]> {
    if (!this.open) throw closed('blob store');
    const entries = await readdir(this.root, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && isId(e.name)).map((e) => e.name);
  }

  /** Removes temp files older than `olderThan` (and, when `mayDelete` is given, whose key it
   *  clears, asked after the file was seen): leftovers of processes that died mid-write. Returns how
   *  many were removed. */
  async sweepTempFiles(olderThan: Date, mayDelete?: (key: string) => Promise<boolean>): Promise<number> {
    if (!this.open) throw closed('blob store');
    let removed = 0;
    for (const tableId of await readdir(this.root)) {
      if (!isId(tableId)) continue;
      const dir = join(this.root, tableId);
      const names = await readdir(dir).catch((e: unknown) => {
        if (isNoEntry(e) || isNotDir(e)) return [] as string[];
        throw e;
      });
      for (const name of names) {
        if (!TEMP.test(name)) continue;
        const path = join(dir, name);
        const s = await stat(path).catch(() => null);
        if (s === null || s.mtime >= olderThan) continue;
        // `.<fileId>.ncf.<hex>.tmp` is the temp file of key `<tableId>/<fileId>.ncf`.
        if (mayDelete !== undefined && !(await mayDelete(`${tableId}/${name.slice(1, name.indexOf('.ncf.') + 4)}`))) continue;
        await unlink(path).then(
          () => removed++,
          () => {},
        );
      }
    }
    return removed;
  }

  async ping(): Promise<void> {
    if (!this.open) throw closed('blob store');
    await access(this.root, constants.R_OK | constants.W_OK | constants.X_OK);
  }

  async close(): Promise<void> {
    this.open = false;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch (e) {
    if (isNoEntry(e)) return false;
    throw e;
  }
}

function isNoEntry(e: unknown): boolean {
  return (e as NodeJS.ErrnoException)?.code === 'ENOENT';
}

function isNotDir(e: unknown): boolean {
  return (e as NodeJS.ErrnoException)?.code === 'ENOTDIR';
}
