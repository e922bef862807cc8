// Answers the column summaries for dashboards, GET /v1/tables/{name}/columns/{column}/histogram?bins=N
// and /distinct?limit=N (both with ?version=N and PostgREST filters), from parse to the JSON answer:
// parse the query string, check the caps (limits.ts), plan one column (plan.ts: the filter is bound
// there once), then compute (histogram.ts, distinct.ts) unless the client's ETag still matches.
// Engine and storage errors become problems through errorProblem (src/http/errors.ts).

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServiceContext } from '../../context.js';
import { badQuery, errorProblem } from '../../http/errors.js';
import { parseQueryFilters, type Filter } from '../../format/filter/index.js';
import { leaseFor } from '../../tables/reader-cache.js';
import { checkTableName, loadTable } from '../../tables/table-ref.js';
import { cacheControlFor } from '../cache-control.js';
import { computeDistinct, DEFAULT_DISTINCT_LIMIT, MAX_DISTINCT_LIMIT } from '../distinct.js';
import { checkHistogramColumn, computeHistogram, DEFAULT_BINS, MAX_BINS } from '../histogram.js';
import { checkQueryLimits } from '../limits.js';
import { parseVersion, rawSearch, single } from '../params.js';
import { planColumn, type QueryPlan } from '../plan.js';
import { abortProblem, etagOf, matchesETag, queryHeaders, requestSignal } from '../respond.js';

interface ColumnRequest {
  name: string;
  column: string;
  version: number | undefined;
  where: Filter | null;
  /** bins or limit. */
  size: number;
}

/** GET /v1/tables/{name}/columns/{column}/histogram. */
export async function serveHistogram(ctx: ServiceContext, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const r = parseRequest(req, 'bins', DEFAULT_BINS, MAX_BINS);
  const p = await plan(ctx, r, reply);
  checkHistogramColumn(p.columns[0]!);
  return answer(ctx, req, reply, p, ['histogram', r.column, JSON.stringify(r.where), String(r.size)], (signal) =>
    computeHistogram(p, { bins: r.size, signal, metrics: ctx.metrics }),
  );
}

/** GET /v1/tables/{name}/columns/{column}/distinct. */
export async function serveDistinct(ctx: ServiceContext, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const r = parseRequest(req, 'limit', DEFAULT_DISTINCT_LIMIT, MAX_DISTINCT_LIMIT);
  const p = await plan(ctx, r, reply);
  return answer(ctx, req, reply, p, ['distinct', r.column, JSON.stringify(r.where), String(r.size)], (signal) =>
    computeDistinct(p, { limit: r.size, signal, metrics: ctx.metrics }),
  );
}

function parseRequest(req: FastifyRequest, sizeParam: 'bins' | 'limit', def: number, max: number): ColumnRequest {
  const p = req.params as { name?: unknown; column?: unknown };
  const name = checkTableName(p.name);
  const column = typeof p.column === 'string' ? p.column : '';
  const params = new URLSearchParams(rawSearch(req.url));
  const rawSize = single(params, sizeParam);
  let size = def;
  if (rawSize !== null) {
    size = /^\s*\d{1,6}\s*$/.test(rawSize) ? Number(rawSize) : NaN;
    if (!(size >= 1 && size <= max)) {
      throw badQuery(`${sizeParam}: must be an integer 1..${max}, got ${JSON.stringify(rawSize.slice(0, 60))}`, { parameter: sizeParam });
    }
  }
  const rawVersion = single(params, 'version');
  let where: Filter | null;
  try {
    where = parseQueryFilters(params, new Set([sizeParam, 'version']));
  } catch (e) {
    throw errorProblem(e, 'query') ?? e;
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
    throw errorProblem(e, 'stored') ?? e;
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
    throw errorProblem(p, 'stored') ?? p;
  }
  return reply
    .code(200)
    .headers({ ...headers, 'Content-Type': 'application/json; charset=utf-8' })
    .send(JSON.stringify(body));
}
