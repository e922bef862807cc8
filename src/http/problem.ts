// The one error handler: every error, whoever raised it (our routes, the engine, storage, Fastify,
// the multipart parser), leaves as application/problem+json (RFC 9457) from the catalogue in
// errors.ts. Client mistakes keep their 4xx status; anything unexpected is a 500 whose body says
// nothing about the cause (no message, no stack), while the log keeps the details under the
// request id. Logs never include the Authorization header or request bodies.

import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorProblem, HttpProblem, internalError, notFound, serviceUnavailable } from './errors.js';
import { unavailableCode } from '../../storage/guard.js';

/** Problems by status for errors that carry only a status (Fastify's, the multipart parser's): slug and title. */
export const TITLES: Readonly<Record<number, [string, string]>> = {
  400: ['bad-request', 'Bad request'],
  401: ['unauthorized', 'Unauthorized'],
  403: ['forbidden', 'Forbidden'],
  404: ['not-found', 'Not found'],
  405: ['method-not-allowed', 'Method not allowed'],
  406: ['not-acceptable', 'Not acceptable'],
  408: ['request-timeout', 'Request timeout'],
  409: ['conflict', 'Conflict'],
  411: ['length-required', 'Length required'],
  413: ['payload-too-large', 'Payload too large'],
  415: ['unsupported-media-type', 'Unsupported media type'],
  422: ['unprocessable-upload', 'Unprocessable upload'],
  429: ['too-many-requests', 'Too many requests'],
  503: ['unavailable', 'Service unavailable'],
  504: ['timeout', 'Query timed out'],
};

function generic(status: number, detail: string, extra: Record<string, unknown> = {}): HttpProblem {
  const [slug, title] = TITLES[status] ?? ['client-error', 'Client error'];
  return new HttpProblem(status, slug, title, detail, extra);
}

/** Fastify's and @fastify/multipart's own errors, by code: what the client did wrong, in words. */
function fastifyProblem(e: FastifyError): HttpProblem | null {
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return generic(413, 'the request body is larger than this endpoint accepts');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return generic(415, `${e.message}; this endpoint takes application/json`);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return generic(400, 'the Content-Length header does not match the body');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return generic(400, 'the body is empty but Content-Type says application/json');
    // secure-json-parse refuses "__proto__" and "constructor": {"prototype": …} keys with the same error.
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return generic(
        400,
        'the body is not valid JSON, or it holds a "__proto__" or "constructor.prototype" key, which this server refuses',
      );
    case 'FST_REQ_FILE_TOO_LARGE':
    case 'FST_PARTS_LIMIT':
    case 'FST_FILES_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return generic(413, `the multipart body is over a limit (${e.message})`);
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return generic(415, 'the request is not multipart/form-data');
    case 'FST_PROTO_VIOLATION':
      return generic(400, 'a multipart field name is not allowed');
    case 'FST_INVALID_JSON_FIELD_ERROR':
      return generic(400, 'a multipart field declared as application/json is not valid JSON');
    case 'FST_MP_PREMATURE_CLOSE':
      return generic(400, 'the request ended before the multipart body was complete');
    default:
      break;
  }
  if (e.validation) return generic(400, e.message, { parameter: e.validationContext });
  // JSON.parse errors from the JSON body parser carry statusCode 400.
  if (e instanceof SyntaxError && e.statusCode === 400) return generic(400, `the body is not valid JSON (${e.message})`);
  return null;
}

/** Maps anything thrown while handling a request to the problem the client sees. */
export function toProblem(e: unknown): HttpProblem {
  if (e instanceof HttpProblem) return e;
  // Engine and storage errors no route mapped (the route knew no better origin than the query).
  const mapped = errorProblem(e, 'query');
  if (mapped !== null) return mapped;
  const err = e as Partial<FastifyError> & { name?: string };
  // A disk or socket failure outside the storage guard (the upload spool under <dataDir>/tmp filling
  // the disk): the server cannot take the request now, which is no bug and no client mistake.
  const unavailable = unavailableCode(e);
  if (unavailable !== null) {
    return serviceUnavailable(`the server cannot store or read data right now (${unavailable}); retry later`);
  }
  if (typeof err.code === 'string' && err.code.startsWith('FST_')) {
    const p = fastifyProblem(err as FastifyError);
    if (p) return p;
  }
  if (err.validation) return generic(400, String(err.message));
  // An aborted request (client gone, timeout) that surfaces as a plain error: nobody reads the answer.
  const status = err.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return generic(status, String(err.message));
  return internalError();
}

export function sendProblem(req: FastifyRequest, reply: FastifyReply, p: HttpProblem): FastifyReply {
  // A body left unread (413, 415, auth failures on uploads) would otherwise be drained on this
  // connection: close it instead.
  if (!req.raw.readableEnded && req.method !== 'GET' && req.method !== 'HEAD') reply.header('connection', 'close');
  for (const [k, v] of Object.entries(p.headers)) reply.header(k, v);
  return reply.code(p.status).type('application/problem+json; charset=utf-8').send(p.body());
}

/** Fastify's `frameworkErrors`: failures before routing — a path parameter longer than the router's
 *  maxParamLength (512), a malformed percent-encoding — leave as 400 problem+json like every other
 *  refusal, without echoing the (possibly huge) path. */
export function frameworkProblem(e: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  let p: HttpProblem;
  if (e.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    p = generic(
      400,
      'a path segment is longer than the 512 characters this server accepts; table names are at most 128 characters ([A-Za-z_][A-Za-z0-9_]{0,127})',
      { code: e.code },
    );
  } else if (e.code === 'FST_ERR_BAD_URL') {
    p = generic(400, 'the URL path is not valid percent-encoded UTF-8', { code: e.code });
  } else {
    req.log.error({ err: e }, 'request failed before routing');
    p = internalError();
  }
  if (p.status < 500) req.log.info({ status: p.status, problem: p.slug, code: e.code }, 'request refused');
  // No onRequest hook ran for this request: the header security-headers.ts gives every answer.
  reply.header('x-content-type-options', 'nosniff');
  void sendProblem(req, reply, p);
}

const ABANDONED_ANSWER_HEADERS = ['content-encoding', 'content-disposition', 'content-length', 'etag', 'last-modified', 'cache-control'];

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, req, reply) => {
    const p = toProblem(error);
    if (p.status >= 500) {
      // A problem made from an engine or storage error (errorProblem) logs that error, not itself.
      const cause = error instanceof HttpProblem && error.cause !== undefined ? error.cause : error;
      req.log.error({ err: cause, status: p.status }, 'request failed');
    } else {
      // Client errors are logged by type only: their details can quote uploaded values.
      req.log.info({ status: p.status, problem: p.slug, code: p.extra.code as string | undefined }, 'request refused');
    }
    if (reply.sent || reply.raw.headersSent) {
      // A streamed answer failed half way: the status is gone, so cut the connection to signal it.
      reply.raw.destroy();
      return;
    }
    // An answer that failed before its first byte (a query timing out) leaves the headers it set on
    // the reply: those describing its body would misdescribe the problem (a gzip Content-Encoding on
    // plain JSON, an attachment name, a length).
    for (const h of ABANDONED_ANSWER_HEADERS) reply.removeHeader(h);
    return sendProblem(req, reply, p);
  });
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?', 1)[0]!;
    return sendProblem(
      req,
      reply,
      notFound(`no endpoint ${req.method} ${path}; see /openapi.json or /docs for the API`, { method: req.method, path }),
    );
  });
}
