// The JSON form of a filter (`POST /query {"where": …}`, `read({ where })`):
//   {"and":[{"column":"delay","op":"gt","value":60},{"or":[…]},{"not":{…}}]}
// Each node is validated with zod against the shape its keys announce, so an error names the exact
// path and what was expected there. The walk stops at the depth and node limits before recursing
// further, so hostile nesting cannot exhaust the stack.

import { z } from 'zod';
import {
  COMPARE_OPS,
  type Filter,
  FILTER_OPS,
  MAX_FILTER_DEPTH,
  MAX_FILTER_NODES,
  MAX_IN_ITEMS,
  describe,
  filterError,
  quote,
} from './ast.js';

const column = z.string({ error: 'expected the column name as a string' }).min(1, { error: 'expected a non-empty column name' });
const scalar = z.union([z.string(), z.number(), z.boolean()], {
  error: (issue) => `expected a string, number or boolean${issue.input === null ? ' (test for null with op "is")' : ''}`,
});
const compareLeaf = z.strictObject({ column, op: z.enum(COMPARE_OPS), value: scalar });
const likeLeaf = z.strictObject({
  column,
  op: z.enum(['like', 'ilike']),
  value: z.string({ error: 'expected the pattern as a string' }),
});
const inLeaf = z.strictObject({
  column,
  op: z.literal('in'),
  value: z
    .array(z.union([z.string(), z.number(), z.boolean(), z.null()], { error: 'expected a string, number, boolean or null' }), {
      error: 'expected an array of values',
    })
    .max(MAX_IN_ITEMS, { error: `expected at most ${MAX_IN_ITEMS} items` }),
});
const isLeaf = z.strictObject({
  column,
  op: z.literal('is'),
  value: z.union([z.null(), z.literal('not_null'), z.boolean()], { error: 'expected null, "not_null", true or false' }),
});
const groups = {
  and: z.strictObject({
    and: z.array(z.unknown(), { error: 'expected an array of filters' }).min(1, { error: 'expected at least one filter' }),
  }),
  or: z.strictObject({
    or: z.array(z.unknown(), { error: 'expected an array of filters' }).min(1, { error: 'expected at least one filter' }),
  }),
  not: z.strictObject({ not: z.unknown() }),
};

/** Validates the JSON tree form and returns it as a Filter (fresh objects, unknown keys rejected). */
export function parseFilterJson(json: unknown): Filter {
  let nodes = 0;
  const walk = (node: unknown, path: string, depth: number): Filter => {
    if (depth > MAX_FILTER_DEPTH) fail(path, `filter nests deeper than ${MAX_FILTER_DEPTH} levels`);
    if (++nodes > MAX_FILTER_NODES) fail(path, `filter has more than ${MAX_FILTER_NODES} conditions`);
    if (typeof node !== 'object' || node === null || Array.isArray(node)) {
      fail(path, `expected a filter object ({"column","op","value"}, {"and":[…]}, {"or":[…]} or {"not":…}), not ${describe(node)}`);
    }
    const obj = node as Record<string, unknown>;
    for (const key of ['and', 'or'] as const) {
      if (!Object.hasOwn(obj, key)) continue;
      const g = check(groups[key], obj, path) as Record<typeof key, unknown[]>;
      const children = g[key].map((c, i) => walk(c, `${path}.${key}[${i}]`, depth + 1));
      return key === 'and' ? { and: children } : { or: children };
    }
    if (Object.hasOwn(obj, 'not')) {
      check(groups.not, obj, path);
      return { not: walk(obj.not, `${path}.not`, depth + 1) };
    }
    if (!Object.hasOwn(obj, 'column')) fail(path, 'expected "column" (a condition) or "and", "or", "not" (a group)');
    const op = obj.op;
    if (typeof op !== 'string' || !(FILTER_OPS as readonly string[]).includes(op)) {
      fail(
        `${path}.op`,
        `${op === undefined ? 'missing operator' : `unknown operator ${typeof op === 'string' ? quote(op, 20) : describe(op)}`}; expected one of ${FILTER_OPS.join(', ')}`,
      );
    }
    const schema = op === 'in' ? inLeaf : op === 'is' ? isLeaf : op === 'like' || op === 'ilike' ? likeLeaf : compareLeaf;
    return { ...(check(schema, obj, path) as Filter) };
  };
  return walk(json, '$', 1);
}

function check(schema: z.ZodType, value: unknown, path: string): unknown {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const at = issue.path.reduce<string>((p, k) => (typeof k === 'number' ? `${p}[${k}]` : `${p}.${String(k)}`), path);
  const message =
    issue.code === 'unrecognized_keys'
      ? `unexpected key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => quote(k, 40)).join(', ')}`
      : issue.message;
  return fail(at, message);
}

function fail(path: string, message: string): never {
  throw filterError(`filter JSON at ${path}: ${message}`, { path });
}
