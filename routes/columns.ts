// Column summaries for dashboards: GET /v1/tables/{name}/columns/{column}/histogram?bins=N and
// /distinct?limit=N, both with ?version=N and PostgREST filters in the query string. Declaration
// only; src/query/serve/columns.ts answers them. Contract in docs/QUERY.md.

import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../src/context.js';
import { JSON_ONLY } from '../src/query/negotiate.js';
import { serveDistinct, serveHistogram } from '../src/query/serve/columns.js';

export interface ColumnRoutesOptions {
  ctx: ServiceContext;
}

/** Both answer JSON only; their statuses for the contract test. */
const COLUMN_ROUTE = { statuses: [200, 304, 400, 404, 406, 504], produces: JSON_ONLY };

export async function columnRoutes(app: FastifyInstance, opts: ColumnRoutesOptions): Promise<void> {
  const { ctx } = opts;
  app.get('/v1/tables/:name/columns/:column/histogram', { config: COLUMN_ROUTE }, (req, reply) => serveHistogram(ctx, req, reply));
  app.get('/v1/tables/:name/columns/:column/distinct', { config: COLUMN_ROUTE }, (req, reply) => serveDistinct(ctx, req, reply));
}

export default columnRoutes;
