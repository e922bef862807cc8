// The browser pages, open without a key: the browse app at / (tables, schema and statistics, a query
// grid, uploads), the dashboard example at /examples/dashboard, their scripts and styles from web/
// under /web/{file}, and two browser bundles straight from node_modules under /vendor/{file}
// (apache-arrow's UMD build, Chart.js). Files go out through @fastify/static's reply.sendFile, which
// answers with ETag/Last-Modified and 304s. The pages call the /v1 API themselves, with the key the
// user typed in.

import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { notFound } from '../src/http/errors.js';
import { PAGE_CSP, setPageHeaders } from '../src/http/security-headers.js';

/** web/ lives at the repository root: two levels above the built file, one above the source. */
export function webRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const p = join(dir, 'web');
    if (existsSync(join(p, 'index.html'))) return p;
    dir = dirname(dir);
  }
  throw new Error('web/index.html not found above routes/');
}

/** Browser bundles served from production dependencies, by the name the pages use. Both are UMD
 *  files: loaded with a classic <script>, they set the globals `Arrow` and `Chart`. */
const VENDOR: Record<string, { pkg: string; file: string }> = {
  'apache-arrow.js': { pkg: 'apache-arrow', file: 'Arrow.es2015.min.js' },
  'chart.js': { pkg: 'chart.js', file: 'dist/chart.umd.min.js' },
};

/** The folder of an installed package (neither package exports its package.json or these files). */
function packageDir(pkg: string): string {
  const paths = createRequire(import.meta.url).resolve.paths(pkg) ?? [];
  for (const p of paths) if (existsSync(join(p, pkg, 'package.json'))) return join(p, pkg);
  throw new Error(`package ${pkg} is not installed (looked in ${paths.join(', ')})`);
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

function typeOf(file: string): string {
  const ext = file.slice(file.lastIndexOf('.'));
  return TYPES[ext] ?? 'application/octet-stream';
}

/** Pages and their scripts are revalidated on every load (a 304 when unchanged), so a new version of
 *  the service shows at once; vendor bundles change only with a dependency upgrade. */
const REVALIDATE = 'no-cache';
const VENDOR_CACHE = 'public, max-age=86400';

// 412 comes from @fastify/send when an If-Match / If-Unmodified-Since precondition fails.
const FILE_STATUSES = [200, 304, 412];

export default async function webRoutes(app: FastifyInstance): Promise<void> {
  const root = webRoot();
  // The servable files are fixed at start-up: a request can only name one of these.
  const assets = new Set(readdirSync(root).filter((f) => /^[a-z0-9][a-z0-9.-]*\.(js|css|svg)$/.test(f)));
  const vendor = new Map(
    Object.entries(VENDOR).map(([name, v]) => {
      const dir = packageDir(v.pkg);
      if (!existsSync(join(dir, v.file))) throw new Error(`${v.pkg} has no ${v.file}: the /vendor/${name} bundle is missing`);
      return [name, { dir, file: v.file }] as const;
    }),
  );

  await app.register(fastifyStatic, { root, serve: false });

  const send = (reply: FastifyReply, file: string, dir: string, cache: string, type: string) => {
    reply.header('cache-control', cache).header('content-type', type).header('x-content-type-options', 'nosniff');
    return reply.sendFile(file, dir, { cacheControl: false, contentType: false, acceptRanges: false, dotfiles: 'deny' });
  };

  app.get('/', { config: { public: true, statuses: FILE_STATUSES } }, (_req, reply) =>
    send(setPageHeaders(reply, PAGE_CSP), 'index.html', root, REVALIDATE, TYPES['.html']!),
  );

  app.get('/examples/dashboard', { config: { public: true, statuses: FILE_STATUSES } }, (_req, reply) =>
    send(setPageHeaders(reply, PAGE_CSP), 'dashboard.html', root, REVALIDATE, TYPES['.html']!),
  );

  app.get<{ Params: { file: string } }>(
    '/web/:file',
    { config: { public: true, statuses: [...FILE_STATUSES, 404] } },
    async (req, reply) => {
      const file = req.params.file;
      if (!assets.has(file)) throw notFound(`no web asset "${file}"`);
      return send(reply, file, root, REVALIDATE, typeOf(file));
    },
  );

  app.get<{ Params: { file: string } }>(
    '/vendor/:file',
    { config: { public: true, statuses: [...FILE_STATUSES, 404] } },
    async (req, reply) => {
      const v = vendor.get(req.params.file);
      if (v === undefined) throw notFound(`no vendor bundle "${req.params.file}"; there are ${[...vendor.keys()].join(', ')}`);
      return send(reply, v.file, v.dir, VENDOR_CACHE, TYPES['.js']!);
    },
  );
}
