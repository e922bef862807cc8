// Table routes: create (POST), create-or-replace (PUT), append (POST /rows) from an upload; delete;
// list; describe; statistics; version history. Uploads are spooled to a temp file, parsed and
// written as one new immutable NCF file, then committed in the catalog (src/upload/).

import { unlink } from 'node:fs/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import type { ServiceContext } from '../src/context.js';
import { conflict } from '../src/http/errors.js';
import { JSON_ONLY } from '../src/query/negotiate.js';
import type { TableDescription, TableList, TableStats, UploadResult, VersionList } from '../src/http/schemas.js';
import { describeCommitted, describeTable, summarize, tableStats, versionEntry } from '../src/tables/describe.js';
import { forgetReaders } from '../src/tables/reader-cache.js';
import { checkTableName, loadTable, tableNotFound, versionParam } from '../src/tables/table-ref.js';
import { ingestUpload } from '../src/upload/ingest.js';
import { IdempotentWrite, REPLAYED_HEADER, idempotencyKeyOf } from '../src/upload/idempotency.js';
import { multipartLimits, receiveUpload } from '../src/upload/receive.js';
import { IdempotencyKeyUsed } from '../storage/idempotency.js';
import type { IdempotencyRecord, Operation, TableVersion } from '../storage/types.js';

interface NameParams {
  name: string;
}

export default async function tableRoutes(app: FastifyInstance, opts: { ctx: ServiceContext }): Promise<void> {
  const { ctx } = opts;

  app.get('/v1/tables', { config: { statuses: [200, 406], produces: JSON_ONLY } }, async (): Promise<TableList> => {
    const tables = await ctx.catalog.listTables();
    return { tables: tables.map(summarize).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) };
  });

  app.get<{ Params: NameParams }>(
    '/v1/tables/:name',
    { config: { statuses: [200, 400, 404, 406], produces: JSON_ONLY } },
    async (req, reply): Promise<TableDescription> => {
      const t = await loadTable(ctx, checkTableName(req.params.name), versionParam(req));
      reply.header('ncf-table-version', String(t.version));
      return describeTable(ctx, t);
    },
  );

  app.get<{ Params: NameParams }>(
    '/v1/tables/:name/stats',
    { config: { statuses: [200, 400, 404, 406], produces: JSON_ONLY } },
    async (req, reply): Promise<TableStats> => {
      const t = await loadTable(ctx, checkTableName(req.params.name), versionParam(req));
      reply.header('ncf-table-version', String(t.version));
      return tableStats(ctx, t);
    },
  );

  app.get<{ Params: NameParams }>(
    '/v1/tables/:name/versions',
    { config: { statuses: [200, 400, 404, 406], produces: JSON_ONLY } },
    async (req): Promise<VersionList> => {
      const name = checkTableName(req.params.name);
      const upTo = versionParam(req);
      if (upTo !== undefined) await loadTable(ctx, name, upTo);
      const versions = await ctx.catalog.versions(name);
      if (versions === null) throw tableNotFound(name);
      return { name, versions: versions.filter((v) => upTo === undefined || v.version <= upTo).map(versionEntry) };
    },
  );

  app.delete<{ Params: NameParams }>('/v1/tables/:name', { config: { statuses: [204, 400, 404] } }, async (req, reply) => {
    const name = checkTableName(req.params.name);
    const keys = await fileKeys(ctx, name);
    if (!(await ctx.catalog.drop(name))) throw tableNotFound(name);
    // The files are unreferenced now. Scans already running keep their open handles (POSIX), so the
    // files can go at once; cached readers close after a grace period.
    forgetReaders(ctx, keys);
    void Promise.all(
      [...keys].map((k) =>
        ctx.blobs.delete(k).catch((e: unknown) => req.log.warn({ err: e, key: k }, 'could not delete a file of a dropped table')),
      ),
    );
    return reply.code(204).send();
  });

  // Upload routes take any body: multipart (a part named `file`) or raw bytes, streamed by the
  // handler rather than parsed by Fastify. Their own context keeps these parsers away from the JSON routes.
  await app.register(async (uploads) => {
    uploads.removeAllContentTypeParsers();
    await uploads.register(multipart, { limits: multipartLimits(ctx.config.maxUploadBytes) });
    uploads.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

    const upload =
      (operation: Exclude<Operation, 'compact'>) => async (req: FastifyRequest<{ Params: NameParams }>, reply: FastifyReply) => {
        const name = checkTableName(req.params.name);
        const key = idempotencyKeyOf(req);
        // A keyed request is the only one with this key in flight here until it answers.
        const keyed = key === null ? null : await IdempotentWrite.begin(ctx, name, key, operation);
        let format = 'unknown';
        let bytes = 0;
        try {
          const current = await ctx.catalog.getTable(name);
          // Refuse before reading the body when the answer is already known (not for a retry of a
          // create that landed: that one answers as it did).
          if (operation === 'create' && current !== null && keyed?.earlier == null) {
            throw conflict(
              `table "${name}" already exists (version ${current.version}); use PUT to replace it or POST /v1/tables/${name}/rows to append`,
              { table: name, currentVersion: current.version },
            );
          }
          if (operation === 'append' && current === null) throw tableNotFound(name);
          const received = await receiveUpload(req, ctx.config.dataDir, ctx.config.maxUploadBytes);
          format = received.format;
          bytes = received.bytes;
          let result: { version: TableVersion; rows: number };
          try {
            const ingest: Parameters<typeof ingestUpload>[1] = {
              table: name,
              operation,
              path: received.path,
              format: received.format,
              current,
            };
            if (received.schema) ingest.schema = received.schema;
            if (keyed !== null) {
              ingest.idempotency = await keyed.claim(received);
              if (keyed.earlier !== null) {
                keyed.checkSame(keyed.earlier);
                return await replay(ctx, req, reply, name, operation, keyed.earlier);
              }
            }
            try {
              result = await ingestUpload(ctx, ingest);
            } catch (e) {
              // A twin with the same key committed first (here or on another replica): answer its result.
              if (!(e instanceof IdempotencyKeyUsed) || keyed === null) throw e;
              keyed.checkSame(e.record);
              return await replay(ctx, req, reply, name, operation, e.record);
            }
          } finally {
            await unlink(received.path).catch(() => {});
          }
          ctx.metrics.upload(operation, format, 'ok', bytes, result.rows);
          return await answer(ctx, req, reply, operation, result.version);
        } catch (e) {
          ctx.metrics.upload(operation, format, 'error', bytes, 0);
          throw e;
        } finally {
          keyed?.release();
        }
      };

    uploads.post<{ Params: NameParams }>(
      '/v1/tables/:name',
      { config: { statuses: [201, 400, 406, 409, 413, 415, 422], produces: JSON_ONLY } },
      upload('create'),
    );
    uploads.put<{ Params: NameParams }>(
      '/v1/tables/:name',
      { config: { statuses: [200, 201, 400, 406, 409, 413, 415, 422], produces: JSON_ONLY } },
      upload('replace'),
    );
    uploads.post<{ Params: NameParams }>(
      '/v1/tables/:name/rows',
      { config: { statuses: [200, 400, 404, 406, 409, 413, 415, 422], produces: JSON_ONLY } },
      upload('append'),
    );
  });
}

/** The answer of an upload that made version `v`: the version's description and what it did. */
async function answer(
  ctx: ServiceContext,
  req: FastifyRequest,
  reply: FastifyReply,
  operation: Operation,
  v: TableVersion,
): Promise<UploadResult> {
  const created = operation === 'create' || v.version === 1 || v.operation === 'create';
  reply.code(operation === 'append' ? 200 : created ? 201 : 200);
  reply.header('ncf-table-version', String(v.version));
  if (created) reply.header('location', `/v1/tables/${v.table}`);
  // The rows are committed: a failure to read footers now must not answer 5xx (describeCommitted).
  const description = await describeCommitted(ctx, v, (e) =>
    req.log.warn({ err: e, table: v.table, version: v.version }, 'committed, but the description failed'),
  );
  return { ...description, operation: v.operation, rowsAdded: v.rowsAdded };
}

/** The first answer again, for a retry with the same Idempotency-Key: rebuilt from the version that
 *  request made. When vacuum's retention has forgotten that version, its description is gone: the
 *  answer keeps the status and says what the request did. */
async function replay(
  ctx: ServiceContext,
  req: FastifyRequest,
  reply: FastifyReply,
  name: string,
  operation: Operation,
  rec: IdempotencyRecord,
): Promise<UploadResult> {
  reply.header(REPLAYED_HEADER, 'true');
  const v = await ctx.catalog.getTable(name, rec.version);
  if (v !== null && v.tableId === rec.tableId) return answer(ctx, req, reply, operation, v);
  const created = rec.version === 1;
  reply.code(operation === 'append' ? 200 : created ? 201 : 200);
  reply.header('ncf-table-version', String(rec.version));
  if (created) reply.header('location', `/v1/tables/${name}`);
  return { name, version: rec.version, operation: created ? 'create' : rec.operation, rowsAdded: rec.rowsAdded };
}

/** Every file of every version of a table (to delete them with it). */
async function fileKeys(ctx: ServiceContext, name: string): Promise<Set<string>> {
  const keys = new Set<string>();
  const versions = await ctx.catalog.versions(name);
  if (versions === null) return keys;
  for (const v of versions) {
    const t = await ctx.catalog.getTable(name, v.version);
    for (const f of t?.files ?? []) keys.add(f.key);
  }
  return keys;
}
