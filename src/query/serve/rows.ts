// Answers a row query, GET /v1/tables/{name}/rows (PostgREST query string) and POST
// /v1/tables/{name}/query (the same as a JSON body), from parse to the streamed answer: parse
// (params.ts), check the caps (limits.ts), negotiate, plan (plan.ts, or aggregate/ for a select with
// functions: the filter is bound there once), count (count.ts), then stream (respond.ts, execute.ts).
// Engine and storage errors become problems through errorProblem (src/http/errors.ts).

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServiceContext } from '../../context.js';
import { errorProblem } from '../../http/errors.js';
import { leaseFor } from '../../tables/reader-cache.js';
import { checkTableName, loadTable } from '../../tables/table-ref.js';
import { aggregateOf, prepareAggregate, type AggregateAnswer } from '../aggregate/answer.js';
import { cacheControlFor } from '../cache-control.js';
import { contentRange, countPreference, countRows, unfilteredTotal } from '../count.js';
import { checkQueryLimits } from '../limits.js';
import { negotiateContentCoding, negotiateFormat } from '../negotiate.js';
import { parseQueryBody, parseRowsQuery, rawSearch, type QueryRequest } from '../params.js';
import { planQuery, type QueryPlan } from '../plan.js';
import { abortProblem, answerQuery, matchesETag, planLimit, queryETag, queryHeaders, requestSignal } from '../respond.js';

type Paging = 'get' | 'post';

/** GET /v1/tables/{name}/rows. */
export async function serveRows(ctx: ServiceContext, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const name = checkTableName((req.params as { name?: unknown }).name);
  return answerRows(ctx, req, reply, name, parseRowsQuery(rawSearch(req.url)), 'get');
}

/** POST /v1/tables/{name}/query. */
export async function serveQuery(ctx: ServiceContext, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const name = checkTableName((req.params as { name?: unknown }).name);
  return answerRows(ctx, req, reply, name, parseQueryBody(req.body, rawSearch(req.url)), 'post');
}

/** Errors met while planning or scanning stored files: a client's filter mistake stays a 400,
 *  anything about the stored bytes is ours (500). */
function mapError(e: unknown): unknown {
  return errorProblem(e, 'stored') ?? e;
}

/** Builds the `next` link of a JSON page: same query, offset moved past the rows shown, limit reduced
 *  by them, and the snapshot's version pinned so paging is stable while the table changes. */
function nextLinkFor(path: string, search: string, q: QueryRequest, version: number, paging: Paging) {
  return (shown: number): string => {
    const params = new URLSearchParams(search);
    params.delete('offset');
    params.delete('limit');
    params.delete('version');
    if (paging === 'post') for (const k of [...params.keys()]) if (k !== 'format' && k !== 'csvSafe') params.delete(k);
    params.set('offset', String(q.spec.offset + shown));
    if (q.spec.limit !== null) params.set('limit', String(q.spec.limit - shown));
    params.set('version', String(version));
    return `${path}?${params.toString()}`;
  };
}

async function answerRows(
  ctx: ServiceContext,
  req: FastifyRequest,
  reply: FastifyReply,
  name: string,
  q: QueryRequest,
  paging: Paging,
): Promise<FastifyReply> {
  checkQueryLimits(q.spec, paging === 'post' ? 'where' : 'filter');
  const format = negotiateFormat(req.headers.accept, q.format);
  const coding = negotiateContentCoding(req.headers['accept-encoding']);
  const version = await loadTable(ctx, name, q.spec.version ?? undefined);
  const agg = aggregateOf(q.spec, version.columns);
  const max = ctx.config.maxResponseRows;
  let plan: QueryPlan,
    aggregate: AggregateAnswer | null = null;
  // The files stay open while this answer streams, even if the reader cache evicts them meanwhile.
  const lease = leaseFor(ctx, reply.raw);
  try {
    if (agg !== null) plan = (aggregate = await prepareAggregate(version, q.spec, agg, (key) => lease.get(key))).plan;
    else plan = await planQuery(version, { ...q.spec, limit: planLimit(q.spec, format, max) }, (key) => lease.get(key));
  } catch (e) {
    throw mapError(e);
  }
  const etag = queryETag(plan, q.spec, format, q.csvSafe, max);
  const headers = queryHeaders(plan, etag, cacheControlFor(ctx.config, q.spec.version !== null));
  if (aggregate !== null) headers['NCF-Answered-From'] = aggregate.source;
  // Table names are [A-Za-z0-9_]: safe in a quoted file name as they are.
  if (format === 'parquet') headers['Content-Disposition'] = `attachment; filename="${name}-v${version.version}.parquet"`;
  if (matchesETag(req.headers['if-none-match'], etag)) return reply.code(304).headers(headers).send();

  const signal = requestSignal(reply.raw, ctx.config.queryTimeoutMs);
  // PostgREST's Prefer: count=… and Content-Range (count.ts); aggregate answers carry none, their
  // number of groups being known only once the scan ends.
  if (aggregate === null) {
    const mode = countPreference(req.headers.prefer);
    let known = unfilteredTotal(plan),
      total: number | null = null;
    if (mode !== null) {
      try {
        const count = await countRows(version, q.spec.where, (key) => lease.get(key), mode, {
          signal,
          metrics: ctx.metrics,
          maxResponseRows: max,
        });
        known = total = count.total;
      } catch (e) {
        throw mapError(abortProblem(signal, e));
      }
      headers['Preference-Applied'] = `count=${mode}`;
    }
    const cap = format === 'json' ? Math.min(q.spec.limit ?? Infinity, max) : q.spec.limit;
    const range = contentRange(q.spec.offset, cap, known, total);
    if (range !== null) headers['Content-Range'] = range;
  }
  ctx.metrics.rowGroups(plan.rowGroupsScanned, plan.rowGroupsTotal);
  const path = paging === 'get' ? `/v1/tables/${name}/rows` : `/v1/tables/${name}/query`;
  let answer;
  try {
    answer = await answerQuery({
      plan,
      spec: q.spec,
      format,
      csvSafe: q.csvSafe,
      coding,
      compression: ctx.config.compression,
      maxResponseRows: max,
      signal,
      metrics: ctx.metrics,
      nextLink: nextLinkFor(path, rawSearch(req.url), q, version.version, paging),
      batches: aggregate?.batches,
      log: req.log,
    });
  } catch (e) {
    throw mapError(abortProblem(signal, e));
  }
  return reply
    .code(200)
    .headers({ ...headers, ...answer.headers })
    .send(answer.body);
}
