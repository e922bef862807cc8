// Table routes: create (POST), create-or-replace (PUT), append (POST /rows) from an upload; delete;
// list; describe; statistics; version history. Uploads are spooled to a temp file, parsed and
// written as one new immutable NCF file, then committed in the catalog (src/upload/).

import { unlink } from 'node:fs/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import type { ServiceContext } from '../src/context.js';
import { conflict } from '../src/errors.js';
import { JSON_ONLY } from '../src/query/negotiate.js';
import { describeTable, summarize, tableStats, versionEntry } from '../src/describe.js';
import { forgetReaders } from '../src/footer-cache.js';
import { checkTableName, loadTable, tableNotFound, versionParam } from '../src/table-ref.js';
import { ingestUpload } from '../src/upload/ingest.js';
import { multipartLimits, receiveUpload } from '../src/upload/receive.js';
import type { Operation, TableVersion } from '../storage/types.js';

interface NameParams { name: string }

export default async function tableRoutes(app: FastifyInstance, opts: { ctx: ServiceContext }): Promise<void> {
  const { ctx } = opts;

  app.get('/v1/tables', { config: { statuses: [200, 406], produces: JSON_ONLY } }, async () => {
    const tables = await ctx.catalog.listTables();
    return { tables: tables.map(summarize).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) };
  });

  app.get<{ Params: NameParams }>('/v1/tables/:name', { config: { statuses: [200, 400, 404, 406], produces: JSON_ONLY } }, async (req, reply) => {
    const t = await loadTable(ctx, checkTableName(req.params.name), versionParam(req));
    reply.header('ncf-table-version', String(t.version));
    return describeTable(ctx, t);
  });

  app.get<{ Params: NameParams }>('/v1/tables/:name/stats', { config: { statuses: [200, 400, 404, 406], produces: JSON_ONLY } }, async (req, reply) => {
    const t = await loadTable(ctx, checkTableName(req.params.name), versionParam(req));
    reply.header('ncf-table-version', String(t.version));
    return tableStats(ctx, t);
  });

  app.get<{ Params: NameParams }>('/v1/tables/:name/versions', { config: { statuses: [200, 400, 404, 406], produces: JSON_ONLY } }, async (req) => {
    const name = checkTableName(req.params.name);
    const upTo = versionParam(req);
    if (upTo !== undefined) await loadTable(ctx, name, upTo);
    const versions = await ctx.catalog.versions(name);
    if (versions === null) throw tableNotFound(name);
    return { name, versions: versions.filter((v) => upTo === undefined || v.version <= upTo).map(versionEntry) };
  });

  app.delete<{ Params: NameParams }>('/v1/tables/:name', { config: { statuses: [204, 400, 404] } }, async (req, reply) => {
    const name = checkTableName(req.params.name);
    const keys = await fileKeys(ctx, name);
    if (!(await ctx.catalog.drop(name))) throw tableNotFound(name);
    // The files are unreferenced now. Scans already running keep their open handles (POSIX), so the
    // files can go at once; cached readers close after a grace period.
    forgetReaders(ctx, keys);
    void Promise.all([...keys].map((k) => ctx.blobs.delete(k).catch((e: unknown) => req.log.warn({ err: e, key: k }, 'could not delete a file of a dropped table'))));
    return reply.code(204).send();
  });

  // Upload routes take any body: multipart (a part named `file`) or raw bytes, streamed by the
  // handler rather than parsed by Fastify. Their own context keeps these parsers away from the JSON routes.
  await app.register(async (uploads) => {
    uploads.removeAllContentTypeParsers();
    await uploads.register(multipart, { limits: multipartLimits(ctx.config.maxUploadBytes) });
    uploads.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

    const upload = (operation: Exclude<Operation, 'compact'>) => async (req: FastifyRequest<{ Params: NameParams }>, reply: FastifyReply) => {
      const name = checkTableName(req.params.name);
      const current = await ctx.catalog.getTable(name);
      // Refuse before reading the body when the answer is already known.
      if (operation === 'create' && current !== null) {
        throw conflict(`table "${name}" already exists (version ${current.version}); use PUT to replace it or POST /v1/tables/${name}/rows to append`, { table: name, currentVersion: current.version });
      }
      if (operation === 'append' && current === null) throw tableNotFound(name);
      let format = 'unknown';
      let bytes = 0;
      try {
        const received = await receiveUpload(req, ctx.config.dataDir, ctx.config.maxUploadBytes);
        format = received.format;
        bytes = received.bytes;
        let result: { version: TableVersion; rows: number };
        try {
          const ingest: Parameters<typeof ingestUpload>[1] = { table: name, operation, path: received.path, format: received.format, current };
          if (received.schema) ingest.schema = received.schema;
          result = await ingestUpload(ctx, ingest);
        } finally {
          await unlink(received.path).catch(() => {});
        }
        ctx.metrics.upload(operation, format, 'ok', bytes, result.rows);
        const v = result.version;
        const created = operation === 'create' || v.version === 1 || v.operation === 'create';
        reply.code(operation === 'append' ? 200 : created ? 201 : 200);
        reply.header('ncf-table-version', String(v.version));
        if (created) reply.header('location', `/v1/tables/${name}`);
        const description = await describeTable(ctx, v);
        return { ...description, operation: v.operation, rowsAdded: v.rowsAdded };
      } catch (e) {
        ctx.metrics.upload(operation, format, 'error', bytes, 0);
        throw e;
      }
    };

    uploads.post<{ Params: NameParams }>('/v1/tables/:name', { config: { statuses: [201, 400, 406, 409, 413, 415, 422], produces: JSON_ONLY } }, upload('create'));
    uploads.put<{ Params: NameParams }>('/v1/tables/:name', { config: { statuses: [200, 201, 400, 406, 409, 413, 415, 422], produces: JSON_ONLY } }, upload('replace'));
    uploads.post<{ Params: NameParams }>('/v1/tables/:name/rows', { config: { statuses: [200, 400, 404, 406, 409, 413, 415, 422], produces: JSON_ONLY } }, upload('append'));
  });
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

