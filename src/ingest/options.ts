// Options shared by the readers, with their defaults and checks.

import { NCFError } from '../format/errors.js';

/** Rows per emitted batch unless IngestOptions.batchRows says otherwise. */
export const DEFAULT_BATCH_ROWS = 65536;
const MAX_BATCH_ROWS = 1 << 24;

export function checkBatchRows(n: number | undefined): number {
  const rows = n ?? DEFAULT_BATCH_ROWS;
  if (!Number.isInteger(rows) || rows < 1 || rows > MAX_BATCH_ROWS) {
    throw new NCFError('INPUT', `ncf: batchRows must be an integer from 1 to ${MAX_BATCH_ROWS}, got ${rows}`);
  }
  return rows;
}
