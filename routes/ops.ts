// Operations endpoints, open without a key: liveness (/healthz), readiness (/readyz: catalog and
// storage reachable), Prometheus metrics (/metrics), the API contract (/openapi.json, served from
// openapi.yaml) and its Swagger UI (/docs, with assets from swagger-ui-dist).

import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { parse as parseYaml } from 'yaml';
import type { ServiceContext } from '../src/context.js';
import { notFound, serviceUnavailable } from '../src/http/errors.js';
import { pageCsp, setPageHeaders } from '../src/http/security-headers.js';
import { JSON_ONLY } from '../src/query/negotiate.js';
import type { Health, Ready } from '../src/http/schemas.js';

/** How long a readiness probe waits for each dependency. */
const PING_TIMEOUT_MS = 2000;

/** openapi.yaml lives at the repository root: two levels above the built file, one above the source. */
export function openapiPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const p = join(dir, 'openapi.yaml');
    if (existsSync(p)) return p;
    dir = dirname(dir);
  }
  throw new Error('openapi.yaml not found above routes/');
}

let spec: unknown = null;
export function openapiDocument(): unknown {
  spec ??= parseYaml(readFileSync(openapiPath(), 'utf8'));
  return spec;
}

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'index.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

/** The Swagger UI page's one inline script; the page's CSP allows exactly this text by its hash. */
const DOCS_SCRIPT = `
    window.ui = SwaggerUIBundle({
      url: '/openapi.json',
      dom_id: '#swagger-ui',
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: 'StandaloneLayout',
      deepLinking: true,
    });
  `;

const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>NCF service API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="stylesheet" href="/docs/index.css">
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/swagger-ui-standalone-preset.js"></script>
  <script>${DOCS_SCRIPT}</script>
</body>
</html>
`;

// Swagger UI adds <style> elements of its own: inline styles (never scripts) are allowed on this page.
const DOCS_CSP = pageCsp({ inlineScripts: [DOCS_SCRIPT], inlineStyles: true });

async function withTimeout(what: string, p: Promise<void>): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS);
      }),
    ]);
    return null;
  } catch (e) {
    return `${what}: ${e instanceof Error ? e.message : String(e)}`;
  } finally {
    clearTimeout(timer);
  }
}

export default async function opsRoutes(app: FastifyInstance, opts: { ctx: ServiceContext }): Promise<void> {
  const { ctx } = opts;
  const swaggerDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

  app.get(
    '/healthz',
    { config: { public: true, statuses: [200, 406], produces: JSON_ONLY } },
    async (): Promise<Health> => ({ status: 'ok' }),
  );

  app.get('/readyz', { config: { public: true, statuses: [200, 406, 503], produces: JSON_ONLY } }, async (req): Promise<Ready> => {
    const [catalog, storage] = await Promise.all([withTimeout('catalog', ctx.catalog.ping()), withTimeout('storage', ctx.blobs.ping())]);
    const failing = [catalog, storage].filter((x): x is string => x !== null);
    if (failing.length > 0) {
      req.log.warn({ failing }, 'not ready');
      const p = serviceUnavailable(`not ready: ${failing.join('; ')}`, 5);
      p.extra.failing = failing.map((f) => f.split(':', 1)[0]);
      throw p;
    }
    return { status: 'ready', checks: { catalog: 'ok', storage: 'ok' } };
  });

  app.get('/metrics', { config: { public: true, statuses: [200, 406], produces: ['text/plain'] } }, async (_req, reply) => {
    reply.type('text/plain; version=0.0.4; charset=utf-8');
    return ctx.metrics.render();
  });

  app.get('/openapi.json', { config: { public: true, statuses: [200, 406], produces: JSON_ONLY } }, async (_req, reply) => {
    reply.type('application/json; charset=utf-8');
    return openapiDocument();
  });

  app.get('/docs', { config: { public: true, statuses: [200] } }, async (_req, reply) => {
    setPageHeaders(reply, DOCS_CSP).type('text/html; charset=utf-8');
    return DOCS_HTML;
  });

  app.get<{ Params: { asset: string } }>('/docs/:asset', { config: { public: true, statuses: [200, 404] } }, async (req, reply) => {
    const type = Object.hasOwn(ASSETS, req.params.asset) ? ASSETS[req.params.asset] : undefined;
    if (type === undefined) throw notFound(`no documentation asset "${req.params.asset}"`);
    reply.type(type).header('cache-control', 'public, max-age=86400');
    return readFile(join(swaggerDir, req.params.asset));
  });
}
