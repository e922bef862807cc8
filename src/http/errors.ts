// The service's error catalogue: every error a client can get, one class per HTTP status, rendered as
// application/problem+json (RFC 9457) by one handler. Engine and storage errors are mapped here, in
// one place, so a client's mistake is never a 500.

import type { NCFError } from '../format/errors.js';

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
export const internalError = () =>
  new HttpProblem(500, 'internal', 'Internal server error', 'The server failed to handle this request; it has been logged.');

/** Maps an engine error raised while handling a client's request. `phase` says whether the data came
 *  from the client (an upload: bad bytes are the client's) or from our own storage (ours: 500). */
export function fromEngineError(e: NCFError, phase: 'upload' | 'query' | 'stored'): HttpProblem {
  const extra = { code: e.code, ...e.details };
  switch (e.code) {
    case 'FILTER':
      return badQuery(e.message, extra);
    case 'UNKNOWN_COLUMN':
      return badQuery(e.message, extra);
    case 'INPUT':
      return unprocessable(e.message, extra);
    case 'SCHEMA':
      return phase === 'query' ? badQuery(e.message, extra) : unprocessable(e.message, extra);
    case 'UNSUPPORTED':
      return phase === 'stored' ? internalError() : unprocessable(e.message, extra);
    case 'LIMIT':
      return phase === 'stored' ? internalError() : payloadTooLarge(e.message, extra);
    case 'CORRUPT_FILE':
    case 'CHECKSUM_MISMATCH':
      return phase === 'upload' ? unprocessable(e.message, extra) : internalError();
    default:
      return internalError();
  }
}
