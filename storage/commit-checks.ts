// The rules a commit must pass, independent of where the catalog lives: the request's own shape
// (checked before any lock is taken) and its fit with the table as it stands under the writer's lock.
// Every Catalog implementation (sqlite/, postgres/) applies these, so they refuse the same commits with
// the same errors.

import { NCFError } from '../src/format/errors.js';
import type { ColumnSchema } from '../src/format/schema.js';
import { validateSchema } from '../src/format/schema.js';
import { CatalogConflict, TableExists, TableNotFound, invalidRequest } from './errors.js';
import { isId } from './keys.js';
import { describeDifferences, diffColumns } from './schema-diff.js';
import type { CommitRequest, Operation } from './types.js';

export const OPERATIONS: readonly Operation[] = ['create', 'append', 'replace', 'compact'];

/** Rejects malformed requests before touching the catalog; returns the columns normalised. */
export function checkCommitRequest(req: CommitRequest): ColumnSchema[] {
  const bad = (why: string) => invalidRequest(`invalid commit for table ${JSON.stringify(req.table)}: ${why}`);
  if (typeof req.table !== 'string' || req.table.length === 0) throw bad('the table name must be a non-empty string');
  if (!OPERATIONS.includes(req.operation)) {
    throw bad(`operation must be ${OPERATIONS.join(', ')}, got ${JSON.stringify(req.operation)}`);
  }
  const f = req.file;
  if (f === null || typeof f !== 'object' || typeof f.key !== 'string' || f.key.length === 0)
    throw bad('file.key must be a non-empty string');
  for (const field of ['rows', 'bytes'] as const) {
    if (!Number.isSafeInteger(f[field]) || f[field] < 0) throw bad(`file.${field} must be a non-negative integer, got ${String(f[field])}`);
  }
  const ev = req.expectVersion;
  if (ev !== undefined && ev !== null && !(Number.isSafeInteger(ev) && ev >= 1))
    throw bad(`expectVersion must be null or a version >= 1, got ${String(ev)}`);
  if (req.tableId !== undefined && !isId(req.tableId)) throw bad(`tableId ${JSON.stringify(req.tableId)} is not an internal id`);
  if (!Array.isArray(req.columns)) throw bad('columns must be an array');
  try {
    return validateSchema({ columns: req.columns }).columns;
  } catch (e) {
    if (e instanceof NCFError) throw bad(e.message);
    throw e;
  }
}

/** The table a commit lands on, read under the writer's lock. */
export interface CommitTarget {
  tableId: string;
  version: number;
  columns: ColumnSchema[];
  rowCount: number;
}

/** What else the catalog holds that a commit may collide with. */
export interface CommitCollisions {
  /** The table already holding the file's key, described (`table "x"`), or null. */
  keyOwner: string | null;
  /** For a new table: the table already holding its id, described, or null. */
  idOwner: string | null;
  /** The id a new table would get. */
  newTableId: string;
}

/** Throws the error `req` must fail with given the table as it is now (null: absent); checks run
 *  in a fixed order so every catalog reports the same error for the same situation. */
export function checkCommit(req: CommitRequest, columns: ColumnSchema[], current: CommitTarget | null, c: CommitCollisions): void {
  const { table, operation, file } = req;
  if (operation === 'create' && current !== null) throw new TableExists(table, current.version);
  if ((operation === 'append' || operation === 'compact') && current === null) throw new TableNotFound(table);
  const version = current?.version ?? null;
  if (req.expectVersion !== undefined && req.expectVersion !== version) {
    throw new CatalogConflict(
      table,
      `table "${table}" is ${version === null ? 'absent' : `at version ${version}`}, but the ${operation} expected ${req.expectVersion === null ? 'no table' : `version ${req.expectVersion}`}; another write won the race`,
      { expectedVersion: req.expectVersion, currentVersion: version },
    );
  }
  if (current !== null && req.tableId !== undefined && req.tableId !== current.tableId) {
    throw new CatalogConflict(
      table,
      `table "${table}" was dropped and re-created (id ${current.tableId}) after this ${operation} began (id ${req.tableId})`,
      { expectedTableId: req.tableId, currentTableId: current.tableId },
    );
  }
  if (c.keyOwner !== null) {
    throw new CatalogConflict(table, `file "${file.key}" is already part of ${c.keyOwner}; every commit needs a new file`, {
      key: file.key,
    });
  }
  if (current === null && c.idOwner !== null) {
    throw new CatalogConflict(table, `table id ${c.newTableId} already belongs to ${c.idOwner}; create the table with a new id`, {
      tableId: c.newTableId,
    });
  }
  if (operation === 'append' || operation === 'compact') {
    const differences = diffColumns(current!.columns, columns);
    if (differences.length > 0) {
      throw new CatalogConflict(
        table,
        `cannot ${operation === 'append' ? 'append to' : 'compact'} table "${table}": the file's columns differ: ${describeDifferences(differences)}`,
        { differences },
      );
    }
  }
  if (operation === 'compact' && file.rows !== current!.rowCount) {
    throw new CatalogConflict(
      table,
      `cannot compact table "${table}": the compacted file holds ${file.rows} rows, the table ${current!.rowCount} at version ${current!.version}`,
      { expectedRows: current!.rowCount, actualRows: file.rows },
    );
  }
}

/** Retention counts are whole numbers >= 1: the current version is always kept. */
export function checkKeep(keep: number): void {
  if (!Number.isSafeInteger(keep) || keep < 1)
    throw invalidRequest(`expire: keep must be a whole number >= 1 (the current version is always kept), got ${String(keep)}`);
}
