// Response headers that keep browsers from misreading answers (issue #10, case 3):
//   - X-Content-Type-Options: nosniff on every answer (API, pages, problems), so a browser never
//     sniffs a CSV or JSON answer holding uploaded text into HTML or script;
//   - a Content-Security-Policy on the HTML pages (/, /examples/dashboard, /docs): scripts, styles,
//     images and fetches from this origin only, no inline script or style (the Swagger UI page's one
//     inline script is allowed by its hash), no eval or `new Function` ('unsafe-eval' is absent: the
//     pages only read Arrow IPC, and apache-arrow's single `new Function`, in its builders'
//     null-value check, never runs for reading), no plugins, and no framing by other sites
//     (frame-ancestors 'none', with X-Frame-Options: DENY for older browsers).

import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** The CSP of a page; `inlineScripts` are the exact texts of inline <script> elements it may run. */
export function pageCsp(opts: { inlineScripts?: string[]; inlineStyles?: boolean } = {}): string {
  const hashes = (opts.inlineScripts ?? []).map((s) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`);
  return [
    "default-src 'self'",
    `script-src 'self'${hashes.map((h) => ` ${h}`).join('')}`,
    `style-src 'self'${opts.inlineStyles ? " 'unsafe-inline'" : ''}`,
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The policy of the browse page and the dashboard example. */
export const PAGE_CSP = pageCsp();

/** Sets a page's CSP and its legacy framing header. */
export function setPageHeaders(reply: FastifyReply, csp: string): FastifyReply {
  return reply.header('content-security-policy', csp).header('x-frame-options', 'DENY');
}

/** nosniff on every answer that goes through Fastify (a problem written on the raw socket sets its own). */
export function installSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', async (_req, reply) => {
    reply.header('x-content-type-options', 'nosniff');
  });
}
