// Column summaries for dashboards: GET /v1/tables/{name}/columns/{column}/histogram?bins=N and
// /distinct?limit=N, both with ?version=N and PostgREST filters in the query string. Thin: parse,
// plan one column (plan.ts), compute (histogram.ts, distinct.ts). Contract in docs/QUERY.md.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServiceContext } from '../src/context.js';
import { badQuery, fromEngineError } from '../src/http/errors.js';
import { NCFError } from '../src/format/errors.js';
import { parseQueryFilters, type Filter } from '../src/format/filter/index.js';
import { leaseFor } from '../src/tables/reader-cache.js';
import { cacheControlFor } from '../src/query/cache-control.js';
import { computeDistinct, DEFAULT_DISTINCT_LIMIT, MAX_DISTINCT_LIMIT } from '../src/query/distinct.js';
import { checkHistogramColumn, computeHistogram, DEFAULT_BINS, MAX_BINS } from '../src/query/histogram.js';
import { checkQueryLimits } from '../src/query/limits.js';
import { parseVersion, queryProblem } from '../src/query/params.js';
import { planColumn, type QueryPlan } from '../src/query/plan.js';
import { JSON_ONLY } from '../src/query/negotiate.js';
import { abortProblem, etagOf, matchesETag, queryHeaders, requestSignal } from '../src/query/respond.js';
import { checkTableName, loadTable } from '../src/tables/table-ref.js';
import { rawSearch, type QueryRoutesOptions } from './rows.js';

interface ColumnRequest {
  name: string;
  column: string;
  version: number | undefined;
  where: Filter | null;
  /** bins or limit. */
  size: number;
}

function parseRequest(req: FastifyRequest, sizeParam: 'bins' | 'limit', def: number, max: number): ColumnRequest {
  const p = req.params as { name?: unknown; column?: unknown };
  const name = checkTableName(p.name);
  const column = typeof p.column === 'string' ? p.column : '';
  const params = new URLSearchParams(rawSearch(req.url));
  const one = (key: string): string | null => {
    const all = params.getAll(key);
    if (all.length > 1) throw badQuery(`${key}: given ${all.length} times; give it once`, { parameter: key });
    return all[0] ?? null;
  };
  const rawSize = one(sizeParam);
  let size = def;
  if (rawSize !== null) {
    size = /^\s*\d{1,6}\s*$/.test(rawSize) ? Number(rawSize) : NaN;
    if (!(size >= 1 && size <= max)) {
      throw badQuery(`${sizeParam}: must be an integer 1..${max}, got ${JSON.stringify(rawSize.slice(0, 60))}`, { parameter: sizeParam });
    }
  }
  const rawVersion = one('version');
  let where: Filter | null;
  try {
    where = parseQueryFilters(params, new Set([sizeParam, 'version']));
  } catch (e) {
    throw e instanceof NCFError ? queryProblem(e) : e;
  }
  checkQueryLimits({ select: null, where });
  return { name, column, version: rawVersion === null ? undefined : parseVersion(rawVersion), where, size };
}

async function plan(ctx: ServiceContext, r: ColumnRequest, reply: FastifyReply): Promise<QueryPlan> {
  const version = await loadTable(ctx, r.name, r.version);
  try {
    const lease = leaseFor(ctx, reply.raw);
    return await planColumn(version, r.column, r.where, (key) => lease.get(key));
  } catch (e) {
    throw e instanceof NCFError ? fromEngineError(e, 'stored') : e;
  }
}

/** Answers with JSON, honouring If-None-Match; `compute` runs only when the client lacks the answer. */
async function answer(
  ctx: ServiceContext,
  req: FastifyRequest,
  reply: FastifyReply,
  plan: QueryPlan,
  etagParts: string[],
  compute: (signal: AbortSignal) => Promise<unknown>,
): Promise<FastifyReply> {
  const etag = etagOf(plan, etagParts);
  const headers = queryHeaders(
    plan,
    etag,
    cacheControlFor(ctx.config, (req.query as { version?: unknown } | undefined)?.version !== undefined),
  );
  if (matchesETag(req.headers['if-none-match'], etag)) return reply.code(304).headers(headers).send();
  const signal = requestSignal(reply.raw, ctx.config.queryTimeoutMs);
  ctx.metrics.rowGroups(plan.rowGroupsScanned, plan.rowGroupsTotal);
  let body: unknown;
  try {
    body = await compute(signal);
  } catch (e) {
    const p = abortProblem(signal, e);
    throw p instanceof NCFError ? fromEngineError(p, 'stored') : p;
  }
  return reply
    .code(200)
    .headers({ ...headers, 'Content-Type': 'application/json; charset=utf-8' })
    .send(JSON.stringify(body));
}

/** Both answer JSON only; their statuses for the contract test. */
const COLUMN_ROUTE = { statuses: [200, 304, 400, 404, 406, 504], produces: JSON_ONLY };

export async function columnRoutes(app: FastifyInstance, opts: QueryRoutesOptions): Promise<void> {
  const { ctx } = opts;

  app.get('/v1/tables/:name/columns/:column/histogram', { config: COLUMN_ROUTE }, async (req, reply) => {
    const r = parseRequest(req, 'bins', DEFAULT_BINS, MAX_BINS);
    const p = await plan(ctx, r, reply);
    checkHistogramColumn(p.columns[0]!);
    return answer(ctx, req, reply, p, ['histogram', r.column, JSON.stringify(r.where), String(r.size)], (signal) =>
      computeHistogram(p, { bins: r.size, signal, metrics: ctx.metrics }),
    );
  });

  app.get('/v1/tables/:name/columns/:column/distinct', { config: COLUMN_ROUTE }, async (req, reply) => {
    const r = parseRequest(req, 'limit', DEFAULT_DISTINCT_LIMIT, MAX_DISTINCT_LIMIT);
    const p = await plan(ctx, r, reply);
    return answer(ctx, req, reply, p, ['distinct', r.column, JSON.stringify(r.where), String(r.size)], (signal) =>
      computeDistinct(p, { limit: r.size, signal, metrics: ctx.metrics }),
    );
  });
}

export default columnRoutes;
