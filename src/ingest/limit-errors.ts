// The LIMIT errors of the decode bounds (limits.ts), apart so that the Parquet worker thread can
// build them without loading apache-arrow (a third of a second of every worker's start).

import { NCFError } from '../format/errors.js';

const MiB = 1 << 20;

function mib(n: number): string {
  return n >= MiB ? `${+(n / MiB).toFixed(1)} MiB` : `${n} bytes`;
}

/** A value over NCF_MAX_VALUE_BYTES; `where` names the input and, when known, the position
 *  ({ label: 'CSV', unit: 'line', pos: 7 }). */
export function valueTooLarge(
  column: string,
  bytes: number,
  limit: number,
  where: { label: string; unit?: string; pos?: number },
): NCFError {
  const at = where.unit !== undefined && where.pos !== undefined ? `${where.label} ${where.unit} ${where.pos}` : `${where.label} input`;
  return new NCFError(
    'LIMIT',
    `ncf: ${at}, column "${column}": a value of ${mib(bytes)} is larger than the ${mib(limit)} one value may hold (NCF_MAX_VALUE_BYTES)`,
    {
      column,
      limit: 'NCF_MAX_VALUE_BYTES',
      maxBytes: limit,
      ...(where.unit !== undefined && where.pos !== undefined ? { [where.unit]: where.pos } : {}),
    },
  );
}

export function uploadTooLarge(column: string, decoded: number, limit: number): NCFError {
  return new NCFError(
    'LIMIT',
    `ncf: the upload decodes to more than ${mib(limit)} (NCF_MAX_DECODED_BYTES / NCF_MAX_DECODED_RATIO); column "${column}" crossed it at ${mib(decoded)}`,
    { column, limit: 'NCF_MAX_DECODED_BYTES', maxBytes: limit },
  );
}
