// The catalog's current table → version → files mapping, kept in memory so a read of a table's
// current version (every query) costs no catalog query while nothing changed. Each catalog decides
// what "changed" means with a token it can read cheaply and that moves whenever a commit, drop or
// expire could have changed an answer:
//   SQLite      PRAGMA data_version (moves on commits by other connections and processes) plus a
//               counter of this connection's own writes, checked on every call (storage/sqlite/catalog.ts);
//   PostgreSQL  the table's row (table_id, current_version, xmin) read per call: one index lookup,
//               a fresh snapshot each time, so a write another replica acknowledged is always seen
//               (storage/postgres/catalog.ts).
// An entry is filled after its token was read, so a write racing the fill stores newer data under an
// older token, and the next call (seeing the token move) reads again: never older than the token.
// Entries are shared by every request and frozen: nobody may change them.

import type { TableVersion } from './types.js';

/** Tables whose current version is kept (beyond it, the least recently used is dropped). */
const DEFAULT_CAPACITY = 1024;

interface Entry<T> {
  token: T;
  value: TableVersion | null;
}

export class TableSnapshots<T> {
  private readonly entries = new Map<string, Entry<T>>();
  hits = 0;
  misses = 0;

  constructor(
    private readonly same: (a: T, b: T) => boolean = Object.is,
    private readonly capacity = DEFAULT_CAPACITY,
  ) {}

  /** The table's current version cached under `token` (null: known absent), or undefined when the
   *  cache holds nothing for that token. */
  get(name: string, token: T): TableVersion | null | undefined {
    const e = this.entries.get(name);
    if (e === undefined || !this.same(e.token, token)) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    return e.value;
  }

  /** Keeps `value` (read after `token` was) as the table's current version; returns it frozen. */
  set(name: string, token: T, value: TableVersion | null): TableVersion | null {
    if (value !== null) freezeVersion(value);
    // Re-inserting keeps Map order = recency of fills, enough to bound the size.
    this.entries.delete(name);
    this.entries.set(name, { token, value });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    return value;
  }

  /** The token the table's entry was filled under, or null when none is held. */
  stamp(name: string): T | null {
    return this.entries.get(name)?.token ?? null;
  }

  delete(name: string): void {
    this.entries.delete(name);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

/** A shared answer must not be changed by one request under another's feet. */
function freezeVersion(v: TableVersion): void {
  for (const f of v.files) Object.freeze(f);
  Object.freeze(v.files);
  for (const c of v.columns) Object.freeze(c);
  Object.freeze(v.columns);
  Object.freeze(v);
}
