// What SQLite's result codes mean for the catalog: a lock held past the busy timeout is CatalogBusy;
// a full, failing, read-only or vanished disk is "unavailable now" (CatalogUnavailable, 503 + Retry-After),
// and, while committing, says whether the commit may have landed. Other codes are bugs (500).

import Database from 'better-sqlite3';
import { unavailableCode } from '../unavailable.js';

/** SQLite result codes that say "the disk cannot take this now" (full, failing, read-only, gone),
 *  not "a bug": the documented 503 with Retry-After. */
const UNAVAILABLE = /^SQLITE_(FULL|IOERR|CANTOPEN|READONLY|NOMEM)/;

function sqliteCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return e instanceof Database.SqliteError && typeof code === 'string' ? code : undefined;
}

/** Another connection held the lock for longer than the busy timeout. */
export function isBusy(e: unknown): boolean {
  const code = sqliteCode(e);
  return code !== undefined && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/** The SQLite code (or errno code) when `e` means the catalog's disk cannot take the call now, else null. */
export function sqliteUnavailable(e: unknown): string | null {
  const code = sqliteCode(e);
  if (code !== undefined && UNAVAILABLE.test(code)) return code;
  return unavailableCode(e);
}

/** For a commit that failed with `code`: a full disk aborts the transaction whole (SQLite rolls it
 *  back), so nothing was committed; an I/O error while committing may have left the WAL frames
 *  written, so the outcome is unknown. */
export function commitOutcome(code: string): 'not applied' | 'unknown' {
  return code.startsWith('SQLITE_FULL') ? 'not applied' : 'unknown';
}
