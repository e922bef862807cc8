// Resolving the table a request names: the name rule, the ?version= parameter, and the catalog
// lookup that turns a missing table or version into a 404. Shared by every /v1/tables route.

import type { FastifyRequest } from 'fastify';
import { badRequest, notFound } from '../http/errors.js';
import type { ServiceContext } from '../context.js';
import type { TableVersion } from '../../storage/types.js';
import { TABLE_NAME } from './table-name.js';

export { TABLE_NAME };

/** The table name, or 400 naming the rule. */
export function checkTableName(raw: unknown): string {
  const name = typeof raw === 'string' ? raw : '';
  if (!TABLE_NAME.test(name)) {
    const shown = name.length > 60 ? `${JSON.stringify(name.slice(0, 57))}...` : JSON.stringify(name);
    throw badRequest(
      `table name ${shown} is not valid: a name starts with a letter or underscore, continues with letters, digits or underscores, and is at most 128 characters ([A-Za-z_][A-Za-z0-9_]{0,127})`,
      { parameter: 'name', rule: '^[A-Za-z_][A-Za-z0-9_]{0,127}$' },
    );
  }
  return name;
}

/** ?version=N: a positive integer, or undefined when absent. */
export function versionParam(req: FastifyRequest): number | undefined {
  const raw = (req.query as Record<string, unknown> | undefined)?.version;
  if (raw === undefined) return undefined;
  const text = Array.isArray(raw) ? null : String(raw);
  if (text === null || !/^[1-9][0-9]{0,15}$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw badRequest(`query parameter "version" must be a positive whole number (a version from /versions), got ${JSON.stringify(raw)}`, {
      parameter: 'version',
    });
  }
  return Number(text);
}

export function tableNotFound(name: string): Error {
  return notFound(`table "${name}" does not exist`, { table: name });
}

/** The named table at its current version or at `version`; 404 when either does not exist. */
export async function loadTable(ctx: ServiceContext, name: string, version?: number): Promise<TableVersion> {
  const t = await ctx.catalog.getTable(name, version);
  if (t !== null) return t;
  if (version !== undefined) {
    const current = await ctx.catalog.getTable(name);
    if (current !== null) {
      throw notFound(`table "${name}" has no version ${version}; its versions are 1 to ${current.version}`, {
        table: name,
        version,
        currentVersion: current.version,
      });
    }
  }
  throw tableNotFound(name);
}
