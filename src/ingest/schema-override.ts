// User schema overrides (`--schema` / the upload's schema parameter): parsing them, checking them
// against the input's columns, and turning a column's final type into the Arrow field the writer
// ingests (types from toArrowType, semantic type and description in field metadata).

import * as arrow from 'apache-arrow';
import { z } from 'zod';
import { META_DESCRIPTION, META_SEMANTIC } from '../format/arrow.js';
import { toArrowType } from '../format/arrow-types.js';
import { NCFError } from '../format/errors.js';
import { DATA_TYPES, TIME_UNITS, isDataType, type DataType, type TimeUnit } from '../format/schema.js';
import type { ValueZone } from './infer.js';

export interface ColumnOverride {
  type?: DataType;
  semanticType?: string;
  nullable?: boolean;
  /** timestamp only; default 'us'. */
  unit?: TimeUnit;
  /** timestamp only; zone-less values are taken as UTC when a timezone is given. Absent: the values'
   *  zone decides (planColumn). null (not accepted from users; appends to a zone-less table):
   *  zone-less whatever the values carry, zoned values taken at their UTC instant. */
  timezone?: string | null;
  description?: string;
}

/** Per-column overrides, e.g. {"zip":"string","amount":{"type":"float64","semanticType":"numerical"}}. Columns not named are inferred. */
export type SchemaOverride = Record<string, DataType | ColumnOverride>;

/** Field-metadata keys the writer reads back into the NCF column schema: declared once, by the
 *  writer's Arrow bridge (src/format/arrow.ts). */
export { META_DESCRIPTION, META_SEMANTIC as META_SEMANTIC_TYPE };

const columnOverrideSchema = z
  .object({
    type: z.enum(DATA_TYPES).optional(),
    semanticType: z.string().min(1).optional(),
    nullable: z.boolean().optional(),
    unit: z.enum(TIME_UNITS).optional(),
    timezone: z.string().min(1).optional(),
    description: z.string().optional(),
  })
  .strict();

function schemaError(message: string, details: Record<string, unknown> = {}): NCFError {
  return new NCFError('SCHEMA', `ncf: schema override: ${message}`, details);
}

function show(x: unknown): string {
  const s = JSON.stringify(x);
  return s === undefined ? String(x) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Validates an override (an object, or its JSON text); errors name the bad key and value. */
export function parseSchemaOverride(json: unknown): SchemaOverride {
  if (typeof json === 'string') {
    try {
      json = JSON.parse(json);
    } catch (e) {
      throw schemaError(`not valid JSON (${(e as Error).message})`);
    }
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw schemaError(`expected an object mapping column names to types, found ${show(json)}`);
  }
  // A null prototype so a column named "__proto__" is an ordinary key.
  const out = Object.create(null) as SchemaOverride;
  for (const [key, value] of Object.entries(json)) {
    if (typeof value === 'string') {
      if (!isDataType(value)) {
        throw schemaError(`column "${key}": unknown type ${show(value)}; expected one of ${DATA_TYPES.join(', ')}`, { column: key });
      }
      out[key] = value;
      continue;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw schemaError(
        `column "${key}": expected a type name or an object like {"type":"int64","semanticType":"id_key"}, found ${show(value)}`,
        { column: key },
      );
    }
    const parsed = columnOverrideSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue.path.join('.');
      const bad =
        issue.code === 'unrecognized_keys'
          ? 'unknown key'
          : `invalid value ${show((value as Record<string, unknown>)[String(issue.path[0])])}`;
      const hint =
        field === 'type'
          ? `; expected one of ${DATA_TYPES.join(', ')}`
          : field === 'unit'
            ? `; expected one of ${TIME_UNITS.join(', ')}`
            : issue.code === 'unrecognized_keys'
              ? '; allowed: type, semanticType, nullable, unit, timezone, description'
              : '';
      throw schemaError(`column "${key}": ${bad} "${field}"${hint}`, { column: key });
    }
    const o = parsed.data as ColumnOverride;
    if ((o.unit !== undefined || o.timezone !== undefined) && o.type !== undefined && o.type !== 'timestamp') {
      throw schemaError(`column "${key}": unit and timezone apply to timestamp columns, not ${o.type}`, { column: key });
    }
    out[key] = o;
  }
  return out;
}

/** The override for each input column (object form, undefined when not named); SCHEMA error when
 *  the override names a column the input does not have. */
export function resolveOverrides(override: SchemaOverride | undefined, names: readonly string[]): (ColumnOverride | undefined)[] {
  const result: (ColumnOverride | undefined)[] = names.map(() => undefined);
  if (!override) return result;
  const index = new Map<string, number>();
  names.forEach((n, i) => index.set(n, i));
  for (const [key, value] of Object.entries(override)) {
    const i = index.get(key);
    if (i === undefined) {
      const list =
        names.length > 20
          ? `${names
              .slice(0, 20)
              .map((n) => `"${n}"`)
              .join(', ')}, ...`
          : names.map((n) => `"${n}"`).join(', ');
      throw schemaError(`names column "${key}", which the input does not have; its columns are ${list}`, { column: key });
    }
    result[i] = typeof value === 'string' ? { type: value } : value;
  }
  return result;
}

/** One output column: its final NCF type and what the Arrow field carries. */
export interface ColumnPlan {
  name: string;
  type: DataType;
  unit?: TimeUnit;
  timezone?: string;
  nullable: boolean;
  /** The type came from the user's override (changes error wording: the input broke a promise). */
  typeFromOverride: boolean;
  semanticType?: string;
  description?: string;
}

/** Combines an inferred (or source) type with the column's override. `inferred.zone` (text inputs)
 *  tells what the column's timestamp values said about their zone. */
export function planColumn(
  name: string,
  inferred: { type: DataType; unit?: TimeUnit; timezone?: string; zone?: ValueZone },
  ov: ColumnOverride | undefined,
): ColumnPlan {
  const type = ov?.type ?? inferred.type;
  const plan: ColumnPlan = { name, type, nullable: ov?.nullable !== false, typeFromOverride: ov?.type !== undefined };
  if (type === 'timestamp') {
    // An explicit timestamp override takes its unit as given (default us) and its zone as given,
    // else from the values, as inference does: UTC when they carry Z or an offset, none when they
    // do not; a mix cannot be stored as one timestamp column without inventing a zone, so it is
    // refused (inference makes such a column string instead); a typed source's own zone stays.
    // Without an explicit type the
    // inferred zone and unit stay unless overridden.
    const explicit = ov?.type === 'timestamp';
    plan.unit = ov?.unit ?? (explicit ? 'us' : (inferred.unit ?? 'us'));
    let tz = ov?.timezone === null ? undefined : (ov?.timezone ?? (explicit ? undefined : inferred.timezone));
    if (explicit && ov?.timezone === undefined) {
      if (inferred.zone === 'mixed') {
        throw new NCFError(
          'INPUT',
          `ncf: column "${name}": some timestamps carry a zone (Z or an offset) and some do not, so the column cannot be one timestamp type; give the override a "timezone" (zone-less values are then read as UTC) or declare the column string`,
          { column: name },
        );
      }
      if (inferred.zone === 'zoned') tz = 'UTC';
      // A typed source (Arrow, Parquet) says its zone itself: a zoned column keeps it.
      if (inferred.zone === undefined && inferred.type === 'timestamp') tz = inferred.timezone;
    }
    if (tz !== undefined) plan.timezone = tz;
  } else if (ov?.unit !== undefined || (ov?.timezone !== undefined && ov.timezone !== null)) {
    throw schemaError(`column "${name}": unit and timezone apply to timestamp columns, but the column is ${type}`, { column: name });
  }
  if (ov?.semanticType !== undefined) plan.semanticType = ov.semanticType;
  if (ov?.description !== undefined) plan.description = ov.description;
  return plan;
}

/** The Arrow field for a planned column: toArrowType's exact type plus NCF metadata. */
export function arrowField(plan: ColumnPlan): arrow.Field {
  const meta = new Map<string, string>();
  if (plan.semanticType !== undefined) meta.set(META_SEMANTIC, plan.semanticType);
  if (plan.description !== undefined) meta.set(META_DESCRIPTION, plan.description);
  return new arrow.Field(plan.name, toArrowType(plan), plan.nullable, meta);
}

export function arrowSchema(plans: readonly ColumnPlan[]): arrow.Schema {
  return new arrow.Schema(plans.map(arrowField));
}
