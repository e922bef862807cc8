// Planning and execution over several real NCF files: pruning counts known before the scan, offset
// and limit across file boundaries, paging without a row lost or duplicated, ordered queries across
// files, projection, metrics, cancellation.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as arrow from 'apache-arrow';
import fc from 'fast-check';
import { HttpProblem } from '../../src/http/errors.js';
import type { ColumnSchema } from '../../src/index.js';
import { executePlan, type ScanMetrics } from '../../src/query/execute.js';
import { parseRowsQuery, type QuerySpec } from '../../src/query/params.js';
import { planQuery } from '../../src/query/plan.js';
import { writeTable, type TestTable } from './tables.js';

const COLUMNS: ColumnSchema[] = [
  { name: 'id', type: 'int32', nullable: false },
  { name: 'grp', type: 'string', nullable: true },
  { name: 'val', type: 'float64', nullable: true },
];

interface Row {
  id: number;
  grp: string | null;
  val: number | null;
}

// Three files of 100, 50 and 150 rows (row groups of 10, 7 and 25 rows): ids ascend through the
// files, so id ranges prune by statistics.
const SIZES = [100, 50, 150];
const ROW_GROUP_ROWS = [10, 7, 25];
const ROWS: Row[] = [];
for (let i = 0; i < 300; i++)
  ROWS.push({ id: i, grp: i % 11 === 0 ? null : `g${i % 4}`, val: i % 13 === 0 ? null : ((i * 7919) % 101) - 50 });

let dir: string;
let table: TestTable;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ncf-query-'));
  const parts: Array<Record<string, unknown[]>> = [];
  let p = 0;
  for (const n of SIZES) {
    const slice = ROWS.slice(p, p + n);
    p += n;
    parts.push({ id: slice.map((r) => r.id), grp: slice.map((r) => r.grp), val: slice.map((r) => r.val) });
  }
  table = await writeTable(dir, COLUMNS, parts, ROW_GROUP_ROWS);
});

after(async () => {
  await table.close();
  await rm(dir, { recursive: true, force: true });
});

function spec(query: string): QuerySpec {
  return parseRowsQuery(query).spec;
}

async function collect(it: AsyncIterable<arrow.RecordBatch>): Promise<Array<Record<string, unknown>>> {
  const rows: Array<Record<string, unknown>> = [];
  for await (const b of it) {
    for (let i = 0; i < b.numRows; i++) {
      const r: Record<string, unknown> = {};
      b.schema.fields.forEach((f, c) => {
        r[f.name] = b.getChildAt(c)!.get(i);
      });
      rows.push(r);
    }
  }
  return rows;
}

async function run(query: string, metrics?: ScanMetrics) {
  const plan = await planQuery(table.version, spec(query), table.open);
  return { plan, rows: await collect(executePlan(plan, { metrics })) };
}

/** Row groups (over all files) whose id range meets [lo, hi]. */
function groupsMeeting(lo: number, hi: number): number {
  let count = 0,
    base = 0;
  SIZES.forEach((n, f) => {
    for (let s = 0; s < n; s += ROW_GROUP_ROWS[f]!) {
      const a = base + s,
        b = base + Math.min(n, s + ROW_GROUP_ROWS[f]!) - 1;
      if (b >= lo && a <= hi) count++;
    }
    base += n;
  });
  return count;
}
const TOTAL_GROUPS = 10 + 8 + 6;

test('a full scan returns every row in file order', async () => {
  const { plan, rows } = await run('');
  assert.equal(plan.rowGroupsTotal, TOTAL_GROUPS);
  assert.equal(plan.rowGroupsScanned, TOTAL_GROUPS);
  assert.deepEqual(rows, ROWS);
});

test('pruning: scanned/total known before the scan', async () => {
  for (const [lo, hi] of [
    [120, 134],
    [0, 0],
    [99, 100],
    [149, 150],
    [299, 299],
    [0, 299],
    [55, 260],
  ] as const) {
    const { plan, rows } = await run(`id=gte.${lo}&id=lte.${hi}`);
    assert.equal(plan.rowGroupsTotal, TOTAL_GROUPS);
    assert.equal(plan.rowGroupsScanned, groupsMeeting(lo, hi), `[${lo}, ${hi}]`);
    assert.deepEqual(
      rows,
      ROWS.filter((r) => r.id >= lo && r.id <= hi),
    );
  }
  const none = await run('id=gt.1000');
  assert.equal(none.plan.rowGroupsScanned, 0);
  assert.deepEqual(none.rows, []);
});

test('without a filter, offset/limit plan only the row groups they touch', async () => {
  const { plan, rows } = await run('offset=95&limit=10');
  assert.equal(plan.rowGroupsScanned, groupsMeeting(95, 104));
  assert.deepEqual(rows, ROWS.slice(95, 105));
  const zero = await run('limit=0');
  assert.equal(zero.plan.rowGroupsScanned, 0);
  assert.deepEqual(zero.rows, []);
  const past = await run('offset=300');
  assert.equal(past.plan.rowGroupsScanned, 0);
  assert.deepEqual(past.rows, []);
});

test('offset and limit across file boundaries, with and without a filter', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: 320 }),
      fc.option(fc.integer({ min: 0, max: 320 })),
      fc.option(fc.constantFrom('grp=eq.g1', 'val=gt.0', 'grp=is.null', 'or=(id.lt.20,id.gt.140)', 'val=not.is.null')),
      async (offset, limit, filter) => {
        const q = [filter, `offset=${offset}`, limit === null ? null : `limit=${limit}`].filter((x) => x !== null).join('&');
        const base = ROWS.filter((r) => {
          switch (filter) {
            case 'grp=eq.g1':
              return r.grp === 'g1';
            case 'val=gt.0':
              return r.val !== null && r.val > 0;
            case 'grp=is.null':
              return r.grp === null;
            case 'or=(id.lt.20,id.gt.140)':
              return r.id < 20 || r.id > 140;
            case 'val=not.is.null':
              return r.val !== null;
            default:
              return true;
          }
        });
        const { rows } = await run(q);
        assert.deepEqual(rows, base.slice(offset, limit === null ? undefined : offset + limit), q);
      },
    ),
    { numRuns: 150 },
  );
});

test('paging by offset: no row lost or duplicated', async () => {
  for (const pageSize of [1, 7, 10, 33, 100]) {
    for (const filter of ['', 'grp=neq.g2&']) {
      const seen: unknown[] = [];
      for (let offset = 0; ; offset += pageSize) {
        const { rows } = await run(`${filter}select=id&offset=${offset}&limit=${pageSize}`);
        seen.push(...rows.map((r) => r.id));
        if (rows.length < pageSize) break;
      }
      // SQL: neq is unknown for a null, so null rows are not returned.
      const expected = ROWS.filter((r) => filter === '' || (r.grp !== null && r.grp !== 'g2')).map((r) => r.id);
      assert.deepEqual(seen, expected, `page ${pageSize} ${filter}`);
    }
  }
});

test('projection in the asked order', async () => {
  const { plan, rows } = await run('select=val,id&id=lt.3');
  assert.deepEqual(
    plan.schema.fields.map((f) => f.name),
    ['val', 'id'],
  );
  assert.deepEqual(
    rows,
    ROWS.slice(0, 3).map((r) => ({ val: r.val, id: r.id })),
  );
});

test('order across files, with a key outside the projection, top-K and full sort', async () => {
  const cmp = (a: Row, b: Row) => {
    // val desc nulls first, then id asc (PostgreSQL default for desc).
    if (a.val === null || b.val === null) return a.val === b.val ? a.id - b.id : a.val === null ? -1 : 1;
    return b.val - a.val || a.id - b.id;
  };
  const sorted = [...ROWS].sort(cmp);
  const full = await run('select=id&order=val.desc,id');
  assert.deepEqual(
    full.rows,
    sorted.map((r) => ({ id: r.id })),
  );
  assert.deepEqual(
    full.plan.schema.fields.map((f) => f.name),
    ['id'],
  );
  const top = await run('select=id,val&order=val.desc,id&limit=15&offset=5');
  assert.deepEqual(
    top.rows,
    sorted.slice(5, 20).map((r) => ({ id: r.id, val: r.val })),
  );
  const filtered = await run('select=id&grp=eq.g3&order=val.desc,id&limit=4');
  assert.deepEqual(
    filtered.rows,
    sorted
      .filter((r) => r.grp === 'g3')
      .slice(0, 4)
      .map((r) => ({ id: r.id })),
  );
});

test('every yielded batch carries the plan schema', async () => {
  const plan = await planQuery(table.version, spec('select=grp,id&val=gt.10'), table.open);
  for await (const b of executePlan(plan)) {
    assert.deepEqual(
      b.schema.fields.map((f) => [f.name, String(f.type)]),
      plan.schema.fields.map((f) => [f.name, String(f.type)]),
    );
  }
});

test('metrics: rows of the scanned row groups, bytes read', async () => {
  let rows = 0,
    bytes = 0;
  const metrics: ScanMetrics = {
    rowsScanned: (n) => {
      rows += n;
    },
    bytesScanned: (n) => {
      bytes += n;
    },
  };
  await run('id=gte.120&id=lte.134', metrics);
  // Row groups of file 1 (7 rows each, starting at 100) that meet [120, 134]: 119–125, 126–132, 133–139.
  assert.equal(rows, 21);
  assert.ok(bytes > 0);
  rows = 0;
  await run('', metrics);
  assert.equal(rows, 300);
});

test('unknown columns and bad filters are 400s naming them and listing the columns', async () => {
  await assert.rejects(planQuery(table.version, spec('nope=eq.1'), table.open), (e: unknown) => {
    assert.ok(e instanceof HttpProblem);
    assert.equal(e.status, 400);
    assert.equal(e.message, 'filter: unknown column "nope"; the table has "id", "grp", "val"');
    assert.equal(e.extra.parameter, 'nope');
    assert.deepEqual(e.extra.columns, ['id', 'grp', 'val']);
    return true;
  });
  await assert.rejects(
    planQuery(table.version, spec('vall=gt.1'), table.open),
    /filter: unknown column "vall"; did you mean "val"\? The table has "id", "grp", "val"/,
  );
  await assert.rejects(
    planQuery(table.version, spec('select=id,bad'), table.open),
    /select: unknown column "bad"; the table has "id", "grp", "val"/,
  );
  await assert.rejects(planQuery(table.version, spec('order=bad'), table.open), /order: unknown column "bad"/);
  await assert.rejects(planQuery(table.version, spec('id=gt.abc'), table.open), (e: unknown) => {
    assert.ok(e instanceof HttpProblem);
    assert.equal(e.status, 400);
    assert.match(e.message, /column "id" is int32/);
    return true;
  });
});

test('an aborted signal stops the scan with its reason', async () => {
  const plan = await planQuery(table.version, spec(''), table.open);
  const ac = new AbortController();
  const it = executePlan(plan, { signal: ac.signal });
  assert.equal((await it.next()).done, false);
  ac.abort(new Error('client left'));
  await assert.rejects(it.next(), /client left/);
});

test('a table version with no files yields nothing', async () => {
  const plan = await planQuery({ ...table.version, files: [], rowCount: 0 }, spec('id=gt.1'), table.open);
  assert.equal(plan.rowGroupsTotal, 0);
  assert.deepEqual(await collect(executePlan(plan)), []);
});
