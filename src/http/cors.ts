// Cross-origin access for dashboards served from other origins (@fastify/cors), off unless
// NCF_CORS_ORIGINS names the origins (or `*`). Preflights (OPTIONS with Origin and
// Access-Control-Request-Method) are answered 204 in the onRequest hook, before authentication: a
// browser never sends the Authorization header on a preflight. Actual requests get
// Access-Control-Allow-Origin when their Origin is allowed, on errors (401, 404, …) too, so a page can
// read the problem+json; the NCF headers a dashboard reads are exposed.

import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

/** `*` (any origin) or the exact origins allowed, normalized (`https://dash.example.com:8443`). */
export type CorsOrigins = '*' | string[];

/** Request headers a cross-origin page may send. */
export const CORS_ALLOWED_HEADERS = [
  'Authorization',
  'Content-Type',
  'Accept',
  'If-None-Match',
  'X-Request-Id',
  'Content-Disposition',
  'Idempotency-Key',
  'Prefer',
];
/** Methods a cross-origin page may use. */
export const CORS_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'];
/** Response headers a cross-origin page may read (besides the CORS-safelisted ones); any other
 *  `NCF-*` header a response carries is added to the list on that response. */
export const CORS_EXPOSED_HEADERS = [
  'ETag',
  'Link',
  'Location',
  'Content-Disposition',
  'Content-Encoding',
  'NCF-Table-Version',
  'NCF-Row-Groups',
  'NCF-Answered-From',
  'X-Request-Id',
  'Retry-After',
  'WWW-Authenticate',
  'Idempotent-Replayed',
  'Content-Range',
  'Preference-Applied',
];
const EXPOSED = new Set(CORS_EXPOSED_HEADERS.map((h) => h.toLowerCase()));
/** How long a browser may cache a preflight answer, in seconds. */
export const CORS_MAX_AGE = 600;

/** Parses NCF_CORS_ORIGINS: `*`, or comma-separated origins `scheme://host[:port]` (http or https,
 *  no path). Returns the problems found instead when any item is not an origin. */
export function parseCorsOrigins(text: string): { origins: CorsOrigins } | { problems: string[] } {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (items.length === 1 && items[0] === '*') return { origins: '*' };
  const problems: string[] = [];
  const origins: string[] = [];
  for (const item of items) {
    if (item === '*') {
      problems.push('NCF_CORS_ORIGINS: "*" allows every origin and cannot be combined with a list; give "*" alone or only origins');
      continue;
    }
    let u: URL | null = null;
    try {
      u = new URL(item);
    } catch {
      /* reported below */
    }
    if (
      u === null ||
      (u.protocol !== 'http:' && u.protocol !== 'https:') ||
      u.username !== '' ||
      u.password !== '' ||
      (u.pathname !== '/' && u.pathname !== '') ||
      u.search !== '' ||
      u.hash !== ''
    ) {
      problems.push(
        `NCF_CORS_ORIGINS: ${JSON.stringify(item)} is not an origin; expected scheme://host[:port] such as https://dash.example.com (http or https, no path), or "*"`,
      );
      continue;
    }
    if (!origins.includes(u.origin)) origins.push(u.origin);
  }
  if (items.length === 0) problems.push('NCF_CORS_ORIGINS: no origins given; unset it to turn CORS off');
  return problems.length > 0 ? { problems } : { origins };
}

/** Registers CORS when `origins` is set. Call before any other onRequest hook (auth, rate limits) so
 *  that preflights are answered before them. */
export async function installCors(app: FastifyInstance, origins: CorsOrigins | null): Promise<void> {
  if (origins === null) return;
  await app.register(cors, {
    origin: origins === '*' ? '*' : origins,
    methods: CORS_METHODS,
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: CORS_MAX_AGE,
    // An OPTIONS request that is not a preflight gets the same 204 instead of a text/plain 400.
    strictPreflight: false,
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    const extra = Object.keys(reply.getHeaders()).filter((h) => h.startsWith('ncf-') && !EXPOSED.has(h));
    if (extra.length > 0 && reply.hasHeader('access-control-allow-origin')) {
      reply.header('access-control-expose-headers', [...CORS_EXPOSED_HEADERS, ...extra].join(', '));
    }
    // With a list, the answer depends on Origin (allowed or not); routes that set their own Vary
    // (query answers: Accept, Accept-Encoding) replace the plugin's, so Origin is added back last.
    if (origins !== '*') {
      const vary = reply.getHeader('vary');
      const list = (Array.isArray(vary) ? vary.join(',') : String(vary ?? ''))
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      if (!list.some((v) => v.toLowerCase() === 'origin' || v === '*')) reply.header('vary', [...list, 'Origin'].join(', '));
    }
    return payload;
  });
}
