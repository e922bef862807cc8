// Query routes: GET /v1/tables/{name}/rows (PostgREST query string) and POST /v1/tables/{name}/query
// (the same as a JSON body). Declaration only; src/query/serve/rows.ts answers them. The contract is
// written down in docs/QUERY.md.

import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../src/context.js';
import { serveQuery, serveRows } from '../src/query/serve/rows.js';

export interface QueryRoutesOptions {
  ctx: ServiceContext;
}

export async function queryRoutes(app: FastifyInstance, opts: QueryRoutesOptions): Promise<void> {
  const { ctx } = opts;
  app.get('/v1/tables/:name/rows', { config: { statuses: [200, 304, 400, 404, 406, 504] } }, (req, reply) => serveRows(ctx, req, reply));
  app.post('/v1/tables/:name/query', { config: { statuses: [200, 304, 400, 404, 406, 413, 415, 504] } }, (req, reply) =>
    serveQuery(ctx, req, reply),
  );
}

export default queryRoutes;
