// The engine's typed errors. Every failure the engine raises is an NCFError with a stable `code`,
// so callers (CLI, service) can map it to an exit status or an HTTP status without parsing text.

export type NCFErrorCode =
  | 'CORRUPT_FILE' // bytes do not form a valid NCF file (bad magic, truncation, bad offsets, hash mismatch)
  | 'CHECKSUM_MISMATCH' // the SHA-256 or a chunk hash does not match
  | 'UNSUPPORTED' // a newer major version, an unknown encoding or codec, a type we cannot convert
  | 'SCHEMA' // a schema is invalid or data does not fit it
  | 'FILTER' // a filter expression is malformed or does not fit the schema
  | 'UNKNOWN_COLUMN' // a projection or filter names a column the table does not have
  | 'INPUT' // an input file (CSV, JSON, ...) cannot be parsed
  | 'LIMIT' // a size limit was exceeded
  | 'STATE'; // the API was used out of order (write after close, ...)

export class NCFError extends Error {
  readonly code: NCFErrorCode;
  /** Extra machine-readable facts (column name, offset, line, ...) for error renderers. */
  readonly details: Record<string, unknown>;

  constructor(code: NCFErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'NCFError';
    this.code = code;
    this.details = details;
  }
}

export function corrupt(message: string, details: Record<string, unknown> = {}): NCFError {
  return new NCFError('CORRUPT_FILE', `ncf: corrupt file: ${message}`, details);
}

export function unsupported(message: string, details: Record<string, unknown> = {}): NCFError {
  return new NCFError('UNSUPPORTED', `ncf: unsupported: ${message}`, details);
}

/** Throws a CORRUPT_FILE error unless `ok`; used to check every length and offset read from a file. */
export function check(ok: boolean, message: string, details?: Record<string, unknown>): asserts ok {
  if (!ok) throw corrupt(message, details);
}
