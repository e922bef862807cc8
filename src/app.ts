// The NCF service as a Fastify application: one error handler (problem+json), API-key auth, request
// ids and request logs, metrics, and the route plugins (operations, tables, queries, columns,
// maintenance, browser pages).
// buildApp takes a ready ServiceContext (tests, embedding) or a Config (it then opens the storage and
// closes it with the app).

import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { installAuth } from './http/auth.js';
import { clientErrorHandler } from './http/client-error.js';
import type { Config } from './config.js';
import { createContext, type ServiceContext } from './context.js';
import { installCors } from './http/cors.js';
import { closeReaders } from './tables/reader-cache.js';
import { stdoutLogSink } from './http/log-sink.js';
import { frameworkProblem, installErrorHandling } from './http/problem.js';
import { installRateLimit } from './http/rate-limit.js';
import { installSecurityHeaders } from './http/security-headers.js';
import { installAcceptCheck } from './query/negotiate.js';
import { installIdleTimeout, serverTimeoutOptions } from './http/timeouts.js';
import { openStorage } from '../storage/open.js';
import opsRoutes from '../routes/ops.js';
import tableRoutes from '../routes/tables.js';
import queryRoutes from '../routes/rows.js';
import columnRoutes from '../routes/columns.js';
import maintenanceRoutes from '../routes/maintenance.js';
import webRoutes from '../routes/web.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Response statuses this route can answer with, besides the ones every route shares (see
     *  SHARED_STATUSES); the contract test checks them against openapi.yaml. */
    statuses?: number[];
  }
}

/** Statuses any route can answer with: 500 (a bug), 503 (shutting down, catalog busy); routes that
 *  are not `config.public` also 401 and 403 (API keys) and 429 (NCF_RATE_LIMIT). */
export function sharedStatuses(open: boolean): number[] {
  return open ? [500, 503] : [401, 403, 429, 500, 503];
}

export interface RouteInfo {
  method: string;
  /** Fastify's pattern, e.g. /v1/tables/:name */
  url: string;
  statuses: number[];
  /** Open without a key, never rate-limited (`config.public`). */
  public: boolean;
}

const routeTables = new WeakMap<FastifyInstance, RouteInfo[]>();

/** Every route the app registered, with the statuses it can answer (for the contract test). */
export function routesOf(app: FastifyInstance): RouteInfo[] {
  return routeTables.get(app) ?? [];
}

export interface AppOptions {
  /** Fastify/pino logger options; default: pino at the config's level. `false` silences it. */
  logger?: FastifyServerOptions['logger'];
}

/** Request ids: the caller's X-Request-Id when it is short and plain, else a new UUID. */
function requestId(req: { headers: Record<string, string | string[] | undefined> }): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? given : randomUUID();
}

export function loggerOptions(level: Config['logLevel']): FastifyServerOptions['logger'] {
  return {
    level,
    // Lines written once per event-loop turn, not one write(2) each (http/log-sink.ts).
    stream: stdoutLogSink(),
    // Fastify's request serializer logs method, url and addresses only; these paths are belt and braces.
    // Plugins log request headers under their own keys too: @fastify/multipart logs its busboy
    // options, every header included, at trace level — a key sent in any header must not land there.
    redact: {
      // rawPacket: the bytes of a request Node's parser refused (headers included) on its error;
      // client-error.ts never logs that error, and no other logged error may carry it either.
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'headers.authorization',
        'headers.cookie',
        '*.headers.authorization',
        '*.headers.cookie',
        'busboyOptions.headers',
        'rawPacket',
        '*.rawPacket',
      ],
      censor: '[redacted]',
    },
    serializers: {
      // Query strings can carry filter values (user data): log the path only.
      req: (req: { method: string; url: string; id: string }) => ({ method: req.method, path: req.url.split('?', 1)[0], id: req.id }),
    },
  };
}

function isContext(x: ServiceContext | Config): x is ServiceContext {
  return 'config' in x; // a Config has no `config` (it has `catalog` and `blobs`: specs, not stores)
}

export async function buildApp(ctxOrConfig: ServiceContext | Config, opts: AppOptions = {}): Promise<FastifyInstance> {
  let ctx: ServiceContext;
  let ownStorage: { close(): Promise<void> } | null = null;
  if (isContext(ctxOrConfig)) {
    ctx = ctxOrConfig;
  } else {
    const storage = await openStorage({
      dataDir: ctxOrConfig.dataDir,
      blobs: ctxOrConfig.blobs,
      catalog: ctxOrConfig.catalog,
    });
    ownStorage = storage;
    ctx = createContext(ctxOrConfig, storage);
  }
  const app = Fastify({
    logger: opts.logger ?? loggerOptions(ctx.config.logLevel),
    genReqId: requestId,
    // One log line per request, written by the onResponse hook below (Fastify's own are two).
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'reqId' }),
    exposeHeadRoutes: false,
    return503OnClosing: true,
    frameworkErrors: frameworkProblem,
    // Requests the HTTP parser refuses (400, 408, 431): problem+json, and never their raw bytes in a log.
    clientErrorHandler,
    ...serverTimeoutOptions(ctx.config),
    bodyLimit: 1 << 20,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 512 },
  });

  const routes: RouteInfo[] = [];
  routeTables.set(app, routes);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const declared = route.config?.statuses ?? [];
    const open = route.config?.public === true;
    const statuses = [...new Set([...declared, ...sharedStatuses(open)])].sort((a, b) => a - b);
    route.config = { ...route.config, statuses };
    for (const method of methods) routes.push({ method, url: route.url, statuses, public: open });
  });

  installErrorHandling(app);
  installSecurityHeaders(app);
  // First of the onRequest hooks, so refusals by CORS, auth and rate limits carry the id too.
  // Hooks on every request take a callback, not a promise: one microtask less each.
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    done();
  });
  // CORS first: preflights are answered before authentication and rate limits see them.
  await installCors(app, ctx.config.corsOrigins);
  installAuth(app, ctx.config.apiKeys);
  installIdleTimeout(app, ctx.config.idleTimeoutMs);
  await installRateLimit(app, ctx.config);
  installAcceptCheck(app);

  app.addHook('onResponse', (req, reply, done) => {
    try {
      const route = req.routeOptions.url ?? 'unmatched';
      const elapsed = reply.elapsedTime;
      ctx.metrics.request(req.method, route, reply.statusCode, elapsed / 1000);
      // contentEncoding: the coding the answer was compressed with (src/query/content-coding.ts), if any.
      req.log.info(
        { req, route, status: reply.statusCode, ms: Math.round(elapsed * 10) / 10, contentEncoding: reply.getHeader('content-encoding') },
        'request',
      );
    } finally {
      done();
    }
  });

  await app.register(opsRoutes, { ctx });
  await app.register(tableRoutes, { ctx });
  await app.register(queryRoutes, { ctx });
  await app.register(columnRoutes, { ctx });
  await app.register(maintenanceRoutes, { ctx });
  await app.register(webRoutes);

  app.addHook('onClose', async () => {
    await closeReaders(ctx);
    if (ownStorage) await ownStorage.close();
  });
  return app;
}
