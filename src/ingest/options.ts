// Options shared by the readers, with their defaults and checks.

import { MAX_COLUMNS } from '../format/constants.js';
import { NCFError } from '../format/errors.js';

/** Rows per emitted batch unless IngestOptions.batchRows says otherwise. */
export const DEFAULT_BATCH_ROWS = 65536;
const MAX_BATCH_ROWS = 1 << 24;

/** Refuses an input wider than a table may be before any batch of it is built (see MAX_COLUMNS). */
export function checkColumnCount(columns: number, label: string): void {
  if (columns > MAX_COLUMNS) {
    throw new NCFError('LIMIT', `ncf: the ${label} input has ${columns} columns, more than the ${MAX_COLUMNS} a table may have`, {
      columns,
      limit: MAX_COLUMNS,
    });
  }
}

export function checkBatchRows(n: number | undefined): number {
  const rows = n ?? DEFAULT_BATCH_ROWS;
  if (!Number.isInteger(rows) || rows < 1 || rows > MAX_BATCH_ROWS) {
    throw new NCFError('INPUT', `ncf: batchRows must be an integer from 1 to ${MAX_BATCH_ROWS}, got ${rows}`);
  }
  return rows;
}
