// The service's error catalogue: every error a client can get, one class per HTTP status, rendered as
// application/problem+json (RFC 9457) by one handler. Engine and storage errors are mapped here, in
// one place, so a client's mistake is never a 500.

import { NCFError } from '../format/errors.js';
import { StorageError } from '../../storage/errors.js';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  [extra: string]: unknown;
}

/** RFC 9457 §3.1: members whose meaning the RFC fixes. */
export const STANDARD_MEMBERS: ReadonlySet<string> = new Set(['type', 'title', 'status', 'detail', 'instance']);

export class HttpProblem extends Error {
  readonly status: number;
  readonly title: string;
  readonly slug: string;
  readonly extra: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    slug: string,
    title: string,
    detail: string,
    extra: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ) {
    super(detail);
    this.status = status;
    this.slug = slug;
    this.title = title;
    this.extra = extra;
    this.headers = headers;
  }

  /** The RFC 9457 body. The standard members always come from the catalogue: an extension member
   *  with a standard name (a column's `type`, say) never overwrites them; it is left out, and callers
   *  name such members otherwise (`columnType`). */
  body(): ProblemBody {
    const out: ProblemBody = {
      type: `https://ncf.dev/problems/${this.slug}`,
      title: this.title,
      status: this.status,
      detail: this.message,
    };
    for (const [k, v] of Object.entries(this.extra)) if (!STANDARD_MEMBERS.has(k)) out[k] = v;
    return out;
  }
}

export const badRequest = (detail: string, extra?: Record<string, unknown>) =>
  new HttpProblem(400, 'bad-request', 'Bad request', detail, extra);
export const badQuery = (detail: string, extra?: Record<string, unknown>) => new HttpProblem(400, 'bad-query', 'Bad query', detail, extra);
export const unauthorized = (detail: string) =>
  new HttpProblem(401, 'unauthorized', 'Unauthorized', detail, {}, { 'WWW-Authenticate': 'Bearer realm="ncf"' });
export const forbidden = (detail: string) => new HttpProblem(403, 'forbidden', 'Forbidden', detail);
export const notFound = (detail: string, extra?: Record<string, unknown>) => new HttpProblem(404, 'not-found', 'Not found', detail, extra);
export const notAcceptable = (detail: string, extra?: Record<string, unknown>) =>
  new HttpProblem(406, 'not-acceptable', 'Not acceptable', detail, extra);
export const requestTimeout = (detail: string) => new HttpProblem(408, 'request-timeout', 'Request timeout', detail);
export const conflict = (detail: string, extra?: Record<string, unknown>) => new HttpProblem(409, 'conflict', 'Conflict', detail, extra);
/** A conflict that resolves itself (a request with the same Idempotency-Key still running): retry after `retryAfter` s. */
export const conflictRetryLater = (detail: string, retryAfter: number, extra?: Record<string, unknown>) =>
  new HttpProblem(409, 'conflict', 'Conflict', detail, extra, { 'Retry-After': String(retryAfter) });
export const payloadTooLarge = (detail: string, extra?: Record<string, unknown>) =>
  new HttpProblem(413, 'payload-too-large', 'Payload too large', detail, extra);
export const unsupportedMediaType = (detail: string, extra?: Record<string, unknown>) =>
  new HttpProblem(415, 'unsupported-media-type', 'Unsupported media type', detail, extra);
export const unprocessable = (detail: string, extra?: Record<string, unknown>) =>
  new HttpProblem(422, 'unprocessable-upload', 'Unprocessable upload', detail, extra);
export const headersTooLarge = (detail: string) => new HttpProblem(431, 'headers-too-large', 'Request header fields too large', detail);
export const tooManyRequests = (detail: string, retryAfter: number) =>
  new HttpProblem(429, 'too-many-requests', 'Too many requests', detail, {}, { 'Retry-After': String(retryAfter) });
export const serviceUnavailable = (detail: string, retryAfter = 1) =>
  new HttpProblem(503, 'unavailable', 'Service unavailable', detail, {}, { 'Retry-After': String(retryAfter) });
export const gatewayTimeout = (detail: string) => new HttpProblem(504, 'timeout', 'Query timed out', detail);
/** `cause`, when given, is what the log records in place of the problem (the client never sees it). */
export const internalError = (cause?: unknown) => {
  const p = new HttpProblem(500, 'internal', 'Internal server error', 'The server failed to handle this request; it has been logged.');
  if (cause !== undefined) p.cause = cause;
  return p;
};

/** Where the bytes or text an engine error is about came from, which decides whose fault it is:
 *  `query` the client's query (its filter, select, order), `upload` the client's upload (bad bytes
 *  are theirs: 422), `stored` our own files (bad bytes are ours: 500; a filter the client sent that
 *  does not fit the table is still theirs: 400). */
export type ErrorOrigin = 'query' | 'upload' | 'stored';

/** The one map from engine errors (src/format/errors.ts) and storage errors (storage/errors.ts) to
 *  problems; every status the service gives them is decided here. Returns null for anything else
 *  (already a problem, or a bug: the caller rethrows it as it is). A 400 about a query drops the
 *  engine's "ncf: " prefix and names the parameter (`parameter` when given, which also prefixes the
 *  message, else the filter's column). */
export function errorProblem(e: unknown, origin: ErrorOrigin, parameter?: string): HttpProblem | null {
  if (e instanceof StorageError) return storageProblem(e);
  if (!(e instanceof NCFError)) return null;
  const extra = { code: e.code, ...e.details };
  switch (e.code) {
    case 'FILTER':
    case 'UNKNOWN_COLUMN':
      return queryMistake(e, extra, parameter);
    case 'INPUT':
      return unprocessable(e.message, extra);
    case 'SCHEMA':
      return origin === 'query' ? queryMistake(e, extra, parameter) : unprocessable(e.message, extra);
    case 'UNSUPPORTED':
      return origin === 'stored' ? internalError(e) : unprocessable(e.message, extra);
    case 'LIMIT':
      return origin === 'stored' ? internalError(e) : payloadTooLarge(e.message, extra);
    case 'CORRUPT_FILE':
    case 'CHECKSUM_MISMATCH':
      return origin === 'upload' ? unprocessable(e.message, extra) : internalError(e);
    default:
      return internalError(e);
  }
}

function queryMistake(e: NCFError, extra: Record<string, unknown>, parameter: string | undefined): HttpProblem {
  const text = e.message.replace(/^ncf: /, '');
  if (parameter !== undefined) return badQuery(`${parameter}: ${text}`, { ...extra, parameter });
  const named = e.details.parameter ?? e.details.column;
  return badQuery(text, { ...extra, ...(named !== undefined ? { parameter: named } : {}) });
}

/** Storage errors carry their status: 404 unknown table, 409 conflicts, 503 busy or unreachable (retry
 *  in a second); anything else is ours, and its details stay in the log. */
function storageProblem(e: StorageError): HttpProblem {
  const extra = { code: e.code, ...e.details };
  switch (e.httpStatus) {
    case 404:
      return notFound(e.message, extra);
    case 409:
      return conflict(e.message, extra);
    case 503:
      return new HttpProblem(503, 'unavailable', 'Service unavailable', e.message, extra, { 'Retry-After': '1' });
    default:
      return internalError(e);
  }
}
