// The client's typed errors. Every failure a client call can end with is an NCFClientError:
// NCFRequestError when the server answered with an error status (its problem+json members carried
// over), NCFNetworkError when no answer came (connection refused or cut, DNS, TLS), NCFUsageError
// when the call's own arguments are wrong. An AbortSignal's abort passes through unchanged.

/** RFC 9457 problem members as the service sends them; extra members vary by error. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  [extra: string]: unknown;
}

export class NCFClientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NCFClientError';
  }
}

/** The server answered with an error status. */
export class NCFRequestError extends NCFClientError {
  readonly status: number;
  /** Problem type URI, e.g. https://ncf.dev/problems/not-found ("about:blank" for non-problem answers). */
  readonly type: string;
  readonly title: string;
  readonly detail: string;
  /** The problem's members other than type, title, status and detail (e.g. `parameter`, `line`, `offered`). */
  readonly extra: Readonly<Record<string, unknown>>;
  /** The server's X-Request-Id for this request (quote it when reporting a 500). */
  readonly requestId: string | null;
  /** The request, as `METHOD /path` (no query string: it may hold filter values). */
  readonly request: string;
  /** The Retry-After header (seconds) of a 503, 429 or 409 the server expects to clear, else null. */
  readonly retryAfter: string | null;

  constructor(request: string, problem: Problem, requestId: string | null, retryAfter: string | null = null) {
    super(`${request}: ${problem.status} ${problem.title}: ${problem.detail}`);
    this.name = 'NCFRequestError';
    const { type, title, status, detail, ...extra } = problem;
    this.status = status;
    this.type = type;
    this.title = title;
    this.detail = detail;
    this.extra = extra;
    this.requestId = requestId;
    this.request = request;
    this.retryAfter = retryAfter;
  }

  /** The whole problem document as received. */
  get problem(): Problem {
    return { type: this.type, title: this.title, status: this.status, detail: this.detail, ...this.extra };
  }
}

/** No answer: the server could not be reached or the connection broke mid-answer. */
export class NCFNetworkError extends NCFClientError {
  readonly request: string;
  constructor(request: string, cause: unknown) {
    const why = cause instanceof Error ? describeCause(cause) : String(cause);
    super(`${request}: ${why}`, { cause });
    this.name = 'NCFNetworkError';
    this.request = request;
  }
}

/** A call's arguments are wrong (found before any request is sent). */
export class NCFUsageError extends NCFClientError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NCFUsageError';
  }
}

/** fetch's "fetch failed" says little; its cause (ECONNREFUSED, "other side closed") says more. */
function describeCause(e: Error): string {
  const inner = (e as { cause?: unknown }).cause;
  if (inner instanceof Error && inner.message && inner.message !== e.message) {
    const code = (inner as { code?: unknown }).code;
    return `${e.message} (${typeof code === 'string' ? `${code}: ` : ''}${inner.message})`;
  }
  return e.message;
}

export function isAbort(e: unknown, signal?: AbortSignal | null): boolean {
  if (signal?.aborted) return true;
  return e instanceof Error && (e.name === 'AbortError' || e.name === 'TimeoutError');
}

/** The error for a response with an error status: its problem+json body, or a problem made from the
 *  status and the first part of whatever else it sent (a proxy's HTML page). */
export async function requestError(request: string, res: Response): Promise<NCFRequestError> {
  const requestId = res.headers.get('x-request-id');
  const retryAfter = res.headers.get('retry-after');
  let text = '';
  try {
    text = await res.text();
  } catch {
    /* the body broke off: status and title still say enough */
  }
  const type = res.headers.get('content-type') ?? '';
  if (/^application\/(problem\+)?json/i.test(type)) {
    try {
      const body = JSON.parse(text) as Record<string, unknown>;
      if (body !== null && typeof body === 'object' && typeof body.detail === 'string') {
        return new NCFRequestError(
          request,
          {
            ...body,
            type: typeof body.type === 'string' ? body.type : 'about:blank',
            title: typeof body.title === 'string' ? body.title : res.statusText,
            status: res.status,
            detail: body.detail,
          },
          requestId,
          retryAfter,
        );
      }
    } catch {
      /* not JSON after all: fall through */
    }
  }
  const detail = text.trim().slice(0, 200) || `the server answered ${res.status} without a body`;
  return new NCFRequestError(
    request,
    { type: 'about:blank', title: res.statusText || `HTTP ${res.status}`, status: res.status, detail },
    requestId,
    retryAfter,
  );
}
