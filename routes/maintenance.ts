// Maintenance routes (admin scope): compaction (POST /v1/tables/:name/compact) merges the current
// version's files into one with large row groups; vacuum (POST /v1/tables/:name/vacuum) applies the
// retention (NCF_RETAIN_VERSIONS) and removes unreferenced files (NCF_ORPHAN_GRACE). Both work the
// same on the embedded storage and on PostgreSQL + object storage. Logic lives in src/upload/.

import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../src/context.js';
import { checkTableName } from '../src/tables/table-ref.js';
import { JSON_ONLY } from '../src/query/negotiate.js';
import { compactTable } from '../src/maintenance/compact.js';
import { vacuumTable } from '../src/maintenance/vacuum.js';
import type { CompactResult, VacuumResult } from '../src/http/schemas.js';

interface NameParams {
  name: string;
}

export default async function maintenanceRoutes(app: FastifyInstance, opts: { ctx: ServiceContext }): Promise<void> {
  const { ctx } = opts;

  app.post<{ Params: NameParams }>(
    '/v1/tables/:name/compact',
    { config: { scope: 'admin', statuses: [200, 400, 404, 406, 409], produces: JSON_ONLY } },
    async (req, reply): Promise<CompactResult> => {
      const { result } = await compactTable(ctx, checkTableName(req.params.name));
      reply.header('ncf-table-version', String(result.version));
      req.log.info(
        { table: result.table, compacted: result.compacted, filesBefore: result.filesBefore, filesAfter: result.filesAfter },
        'compact',
      );
      return result;
    },
  );

  app.post<{ Params: NameParams }>(
    '/v1/tables/:name/vacuum',
    { config: { scope: 'admin', statuses: [200, 400, 404, 406], produces: JSON_ONLY } },
    async (req, reply): Promise<VacuumResult> => {
      const result = await vacuumTable(ctx, checkTableName(req.params.name), {
        retainVersions: ctx.config.retainVersions,
        orphanGraceMs: ctx.config.orphanGraceMs,
      });
      reply.header('ncf-table-version', String(result.version));
      req.log.info({ table: result.table, expiredVersions: result.expiredVersions, bytesRemoved: result.bytesRemoved }, 'vacuum');
      return result;
    },
  );
}
