// How opening the storage fails: which dependency, where it is (never a password) and what to check,
// so the server can say so in one line and exit at start-up.

import { resolve } from 'node:path';

/** Which dependency could not be opened, where it is (no secrets) and what to check. */
export class StorageOpenError extends Error {
  constructor(
    readonly dependency: 'object storage' | 'PostgreSQL catalog' | 'data directory' | 'SQLite catalog',
    readonly where: string,
    readonly reason: string,
    readonly hint: string,
    options: { cause?: unknown } = {},
  ) {
    super(`the ${dependency} at ${where} cannot be opened: ${reason}. ${hint}`, options);
    this.name = 'StorageOpenError';
  }
}

/** The data directory (table files, the SQLite catalog, upload spools: needed in every setup) is unusable. */
export function dataDirError(dataDir: string, e: unknown): StorageOpenError {
  return new StorageOpenError(
    'data directory',
    `${resolve(dataDir)} (NCF_DATA_DIR)`,
    messageOf(e),
    'Point NCF_DATA_DIR at a folder this process may create and write (its parents must be folders).',
    { cause: e },
  );
}

export function messageOf(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\.\s*$/, '');
}

/** The URL with its password (in the userinfo or a `password` parameter) replaced by `***`. */
export function withoutPassword(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    if (u.searchParams.has('password')) u.searchParams.set('password', '***');
    return u.toString().replace(/%2A%2A%2A/g, '***');
  } catch {
    return '(an unparsable URL)';
  }
}
