// Aggregate planning: checks an aggregate select (parse.ts) against the table's columns and types,
// derives the answer's columns and Arrow schema, checks `order` names output columns, and plans the
// scan of the input columns with the ordinary planner (so filters bind and prune row groups exactly
// as for row queries).

import type * as arrow from 'apache-arrow';
import type { TableVersion } from '../../../storage/types.js';
import { badQuery } from '../../http/errors.js';
import { schemaToArrow } from '../../format/arrow.js';
import type { ColumnSchema } from '../../format/schema.js';
import { unknownColumn, type OrderKey, type QuerySpec } from '../params.js';
import { planQuery, type OpenReader, type QueryPlan } from '../plan.js';
import { aggregateNamed } from './functions.js';
import type { AggItem, AggregateSpec } from './parse.js';
import { truncUnitsFor } from './trunc.js';

export interface AggregatePlan {
  /** The scan of the input columns (with the filter and pruning); its columns are `inputs`. */
  scan: QueryPlan;
  items: AggItem[];
  /** Per item: the index of its source column in scan.columns (-1 for count()). */
  inputOf: number[];
  /** The answer's columns, one per item, in select order. */
  columns: ColumnSchema[];
  schema: arrow.Schema;
  /** Output order: the given order, else the group keys ascending. */
  order: OrderKey[];
  limit: number | null;
  offset: number;
}

function selectError(message: string, extra: Record<string, unknown> = {}) {
  return badQuery(`select: ${message}`, { parameter: 'select', ...extra });
}

function describeItem(item: AggItem): string {
  switch (item.kind) {
    case 'key':
      return item.column;
    case 'trunc':
      return `${item.column}.trunc(${item.unit})`;
    case 'agg':
      return item.column === null ? 'count()' : `${item.column}.${item.fn}()`;
  }
}

/** A plain item `alias:col` (PostgREST's column alias) when the table has `col` but no column named
 *  like the whole item; otherwise the item as it is. */
function resolveKeyAlias(item: AggItem, byName: ReadonlyMap<string, ColumnSchema>): AggItem {
  if (item.kind !== 'key' || byName.has(item.column)) return item;
  const m = /^([^:()"]+):(.+)$/.exec(item.column);
  if (m === null || !byName.has(m[2]!.trim())) return item;
  return { kind: 'key', column: m[2]!.trim(), name: m[1]!.trim() };
}

/** The answer column of one item, checking the source column's type. */
function outputColumn(item: AggItem, source: ColumnSchema | null): ColumnSchema {
  const like = (s: ColumnSchema): ColumnSchema => {
    const c: ColumnSchema = { name: item.name, type: s.type, nullable: true };
    if (s.unit !== undefined) c.unit = s.unit;
    if (s.timezone !== undefined) c.timezone = s.timezone;
    if (s.semanticType !== undefined) c.semanticType = s.semanticType;
    return c;
  };
  if (item.kind === 'key') return like(source!);
  if (item.kind === 'trunc') {
    const units = truncUnitsFor(source!);
    if (units.length === 0) {
      throw selectError(
        `${describeItem(item)}: trunc() needs a date or timestamp column; ${JSON.stringify(item.column)} is ${source!.type}`,
        { column: item.column },
      );
    }
    if (!units.includes(item.unit)) {
      throw selectError(`${describeItem(item)}: ${JSON.stringify(item.column)} is a date; a date truncates to ${units.join(', ')}`, {
        column: item.column,
        unit: item.unit,
      });
    }
    return like(source!);
  }
  if (item.column === null) return { name: item.name, type: 'int64', nullable: false };
  return aggregateNamed(item.fn)!.output(source!, {
    name: item.name,
    like: like(source!),
    reject: (message, extra = {}) => {
      throw selectError(`${describeItem(item)}: ${message}`, { column: item.column, ...extra });
    },
  });
}

/** Checks the items and order against the table's columns: the answer's columns and the inputs. */
export function checkAggregate(
  agg: AggregateSpec,
  spec: Pick<QuerySpec, 'order'>,
  table: readonly ColumnSchema[],
): { items: AggItem[]; columns: ColumnSchema[]; inputs: ColumnSchema[]; inputOf: number[]; order: OrderKey[] } {
  const byName = new Map(table.map((c) => [c.name, c]));
  const items = agg.items.map((item) => resolveKeyAlias(item, byName));
  const inputs: ColumnSchema[] = [];
  const inputOf = items.map((item) => {
    if (item.kind === 'agg' && item.column === null) return -1;
    const name = item.column!;
    const col = byName.get(name);
    if (col === undefined) throw unknownColumn('select', name, table);
    let k = inputs.indexOf(col);
    if (k < 0) {
      k = inputs.length;
      inputs.push(col);
    }
    return k;
  });
  const columns = items.map((item, k) => outputColumn(item, inputOf[k]! < 0 ? null : inputs[inputOf[k]!]!));
  const names = columns.map((c) => c.name);
  names.forEach((name, k) => {
    const j = names.indexOf(name);
    if (j < k) {
      throw selectError(
        `${JSON.stringify(describeItem(items[j]!))} and ${JSON.stringify(describeItem(items[k]!))} both output a column named ${JSON.stringify(name)}; give one an alias, e.g. ${name}_2:${describeItem(items[k]!)}`,
        { column: name },
      );
    }
  });
  const seen = new Set<string>();
  for (const o of spec.order) {
    if (!names.includes(o.column)) {
      throw badQuery(
        `order: unknown output column ${JSON.stringify(o.column)}; an aggregate query is ordered by its output columns: ${names.map((n) => JSON.stringify(n)).join(', ')}`,
        { parameter: 'order', column: o.column, columns: names },
      );
    }
    if (seen.has(o.column))
      throw badQuery(`order: column ${JSON.stringify(o.column)} is listed twice`, { parameter: 'order', column: o.column });
    seen.add(o.column);
  }
  const order =
    spec.order.length > 0
      ? [...spec.order]
      : items.filter((i) => i.kind !== 'agg').map((i): OrderKey => ({ column: i.name, desc: false, nulls: 'last' }));
  return { items, columns, inputs, inputOf, order };
}

export async function planAggregate(version: TableVersion, spec: QuerySpec, agg: AggregateSpec, open: OpenReader): Promise<AggregatePlan> {
  const { items, columns, inputs, inputOf, order } = checkAggregate(agg, spec, version.columns);
  const scan = await planQuery(
    version,
    {
      select: inputs.map((c) => c.name),
      where: spec.where,
      order: [],
      limit: null,
      offset: 0,
      version: version.version,
    },
    open,
  );
  return {
    scan,
    items,
    inputOf,
    columns,
    schema: schemaToArrow(columns, version.table),
    order,
    limit: spec.limit,
    offset: spec.offset,
  };
}
