// The SQLite catalog's classification of its result codes (storage/sqlite/errors.ts), on errors
// better-sqlite3 really raises: a read-only database is "unavailable now", a lock held past the busy
// timeout is busy (not unavailable), a constraint violation is a bug; and what a failed commit left.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { commitOutcome, isBusy, sqliteUnavailable } from '../../storage/sqlite/errors.js';
import { withTempDir } from '../helpers.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  assert.fail('expected a failure');
}

test('read-only is unavailable, a held lock is busy, a constraint violation is neither', async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, 'c.sqlite');
    const db = new Database(file);
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
    db.prepare('INSERT INTO t VALUES (1)').run();

    const readonly = new Database(file, { readonly: true });
    const ro = thrown(() => readonly.prepare('INSERT INTO t VALUES (2)').run());
    assert.equal(sqliteUnavailable(ro), 'SQLITE_READONLY');
    assert.equal(isBusy(ro), false);
    readonly.close();

    const other = new Database(file, { timeout: 0 });
    db.exec('BEGIN IMMEDIATE');
    const busy = thrown(() => other.exec('BEGIN IMMEDIATE'));
    db.exec('ROLLBACK');
    assert.ok(isBusy(busy), String(busy));
    assert.equal(sqliteUnavailable(busy), null, 'a busy catalog is CatalogBusy, not unavailable');
    other.close();

    const dup = thrown(() => db.prepare('INSERT INTO t VALUES (1)').run());
    assert.equal(sqliteUnavailable(dup), null);
    assert.equal(isBusy(dup), false);
    db.close();
  });
});

test('full and failing disks are unavailable; a full disk left no commit, an I/O error may have', () => {
  const full = new Database.SqliteError('database or disk is full', 'SQLITE_FULL');
  const io = new Database.SqliteError('disk I/O error', 'SQLITE_IOERR_WRITE');
  assert.equal(sqliteUnavailable(full), 'SQLITE_FULL');
  assert.equal(sqliteUnavailable(io), 'SQLITE_IOERR_WRITE');
  assert.equal(commitOutcome('SQLITE_FULL'), 'not applied');
  assert.equal(commitOutcome('SQLITE_IOERR_WRITE'), 'unknown');
  // errno codes (the file system under the catalog) count too; a code on a non-SQLite error does not.
  assert.equal(sqliteUnavailable(Object.assign(new Error('EIO'), { code: 'EIO' })), 'EIO');
  assert.equal(sqliteUnavailable(Object.assign(new Error('x'), { code: 'SQLITE_FULL' })), null);
  assert.equal(sqliteUnavailable(new TypeError('a bug')), null);
});
