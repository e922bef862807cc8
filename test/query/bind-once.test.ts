// A query binds its filter once (issue #11): planQuery binds it against the table's columns, every
// file is pruned with that binding, and the scan takes the pruned row groups as given instead of
// binding again and re-checking statistics. Counted with bindCount() over three files, for row,
// ordered, aggregate and histogram queries; the answers are checked against a plain JS filter.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as arrow from 'apache-arrow';
import type { ColumnSchema } from '../../src/index.js';
import { bindCount } from '../../src/format/filter/bind.js';
import { parseWhereArg } from '../../src/format/filter/index.js';
import { executePlan } from '../../src/query/execute.js';
import { computeHistogram } from '../../src/query/histogram.js';
import { aggregateOf, prepareAggregate } from '../../src/query/aggregate/answer.js';
import { parseRowsQuery } from '../../src/query/params.js';
import { planColumn, planQuery } from '../../src/query/plan.js';
import { writeTable, type TestTable } from './tables.js';

const COLUMNS: ColumnSchema[] = [
  { name: 'id', type: 'int32', nullable: false },
  { name: 'val', type: 'float64', nullable: true },
];
const IDS = Array.from({ length: 90 }, (_, i) => i);
const val = (i: number): number | null => (i % 7 === 0 ? null : (i * 31) % 17);
// id 20..69 with val > 5: rows in all three files, and row groups on both sides pruned.
const QUERY = 'id=gte.20&id=lt.70&val=gt.5';
const expected = IDS.filter((i) => i >= 20 && i < 70 && val(i) !== null && val(i)! > 5);

let dir: string;
let table: TestTable;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ncf-bind-once-'));
  const part = (a: number, b: number) => ({ id: IDS.slice(a, b), val: IDS.slice(a, b).map(val) });
  table = await writeTable(dir, COLUMNS, [part(0, 30), part(30, 60), part(60, 90)], 10);
});

after(async () => {
  await table.close();
  await rm(dir, { recursive: true, force: true });
});

async function ids(batches: AsyncIterable<arrow.RecordBatch>): Promise<number[]> {
  const out: number[] = [];
  for await (const b of batches) for (const v of b.getChild('id')!) out.push(Number(v));
  return out;
}

/** bindFilter calls made while `run` plans and answers one query. */
async function binds<T>(run: () => Promise<T>): Promise<{ n: number; result: T }> {
  const before = bindCount();
  const result = await run();
  return { n: bindCount() - before, result };
}

test('a row query over three files binds its filter once and scans only the pruned row groups', async () => {
  const { n, result } = await binds(async () => {
    const plan = await planQuery(table.version, parseRowsQuery(QUERY).spec, table.open);
    return { plan, got: await ids(executePlan(plan)) };
  });
  assert.equal(n, 1);
  assert.deepEqual(result.got, expected);
  // 9 row groups of 10 ids; id 20..69 leaves groups 2..6.
  assert.equal(result.plan.rowGroupsTotal, 9);
  assert.equal(result.plan.rowGroupsScanned, 5);
});

test('an ordered query binds once', async () => {
  const { n, result } = await binds(async () =>
    ids(executePlan(await planQuery(table.version, parseRowsQuery(`${QUERY}&order=id.desc`).spec, table.open))),
  );
  assert.equal(n, 1);
  assert.deepEqual(result, [...expected].reverse());
});

test('an aggregate (statistics or rows) binds once', async () => {
  for (const [where, want] of [
    ['id=lt.30', 30],
    [QUERY, expected.length],
  ] as const) {
    const spec = parseRowsQuery(`select=count()&${where}`).spec;
    const { n, result } = await binds(async () => {
      const a = await prepareAggregate(table.version, spec, aggregateOf(spec, COLUMNS)!, table.open);
      const out: number[] = [];
      for await (const b of a.batches({ limit: null })) for (const v of b.getChildAt(0)!) out.push(Number(v));
      return out;
    });
    assert.equal(n, 1, where);
    assert.deepEqual(result, [want]);
  }
});

test('a histogram binds once', async () => {
  const { n, result } = await binds(async () => {
    const plan = await planColumn(table.version, 'val', parseWhereArg('id=gte.20'), table.open);
    return computeHistogram(plan, { bins: 4 });
  });
  assert.equal(n, 1);
  assert.equal(result.count, IDS.filter((i) => i >= 20 && val(i) !== null).length);
});

test('the reader trusts a given plan, and still prunes when scan() is called without one', async () => {
  const reader = await table.open(table.version.files[0]!.key);
  const pruned = reader.plan('id=gte.20');
  assert.deepEqual(pruned.rowGroups, [2]);
  // A plan naming every group is read as given: no statistics check drops groups 0 and 1.
  const all = { rowGroups: [0, 1, 2], bound: pruned.bound };
  assert.deepEqual(await ids(reader.scan({ plan: all })), IDS.slice(20, 30));
  assert.equal(reader.lastScan.rowGroupsScanned, 3);
  // The public API without a plan: binds `where` and prunes with statistics, as before.
  assert.deepEqual(await ids(reader.scan({ where: 'id=gte.20', rowGroups: [0, 1, 2] })), IDS.slice(20, 30));
  assert.equal(reader.lastScan.rowGroupsScanned, 1);
});
