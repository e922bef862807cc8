// One text form per value (issue #14 item 4) through a real server process and real curl: a table of
// a date and timestamps in s, ms, us and ns, zoned and zone-less, read as rows (JSON, NDJSON, CSV),
// described, as /stats, as histograms and distinct values — every answer writes a value as the same
// text, exact to the unit, with Z only for zoned columns. Expected texts come from value-text-data.ts,
// built from the values' parts, not from the formatter. Also /stats keys (item 5): camelCase, with
// the deprecated snake_case keys alongside.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, startServer, type Server } from '../support/server.js';
import { COLUMNS, textRange, valueTextTable } from './value-text-data.js';

let server: Server;
let dir = '';
const { ipc, expected } = valueTextTable();

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ncf-e2e-value-text-'));
  server = await startServer();
  const file = join(dir, 'times.arrows');
  await writeFile(file, ipc);
  const r = await api(server, 'POST', '/v1/tables/times', [
    '--data-binary',
    `@${file}`,
    '-H',
    'Content-Type: application/vnd.apache.arrow.stream',
  ]);
  assert.equal(r.status, 201, r.text);
});

after(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function get(path: string) {
  const r = await api(server, 'GET', path);
  assert.equal(r.status, 200, `${path}: ${r.text}`);
  return r;
}

describe('one text form per value (item 4)', () => {
  test('the columns keep their units and zones', async () => {
    const cols = (await get('/v1/tables/times')).json().columns;
    assert.deepEqual(
      cols.map((c: any) => [c.name, c.type, c.unit ?? null, c.timezone ?? null]),
      COLUMNS.map((n) => {
        if (n === 'd') return [n, 'date', null, null];
        const [unit, zone] = n.split('_');
        return [n, 'timestamp', unit, zone === 'utc' ? 'UTC' : null];
      }),
    );
  });

  test('rows as JSON, NDJSON and CSV: the same text, exact to the unit, Z only when zoned', async () => {
    const json = (await get('/v1/tables/times/rows')).json().rows;
    const ndjson = (await get('/v1/tables/times/rows?format=ndjson')).text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l));
    const csv = (await get('/v1/tables/times/rows?format=csv')).text.split(/\r\n/).filter((l) => l !== '');
    assert.deepEqual(csv[0]!.split(','), COLUMNS);
    for (const c of COLUMNS) {
      assert.deepEqual(
        json.map((r: any) => r[c]),
        expected[c],
        `JSON ${c}`,
      );
      assert.deepEqual(
        ndjson.map((r: any) => r[c]),
        expected[c],
        `NDJSON ${c}`,
      );
      const k = COLUMNS.indexOf(c);
      assert.deepEqual(
        csv.slice(1).map((l) => l.split(',')[k]),
        expected[c]!.map((v) => v ?? ''),
        `CSV ${c}`,
      );
    }
    // The example, spelled out: one instant, eight texts.
    assert.deepEqual(
      COLUMNS.slice(1).map((c) => json[0][c]),
      [
        '2001-01-01T00:01:00Z',
        '2001-01-01T00:01:00',
        '2001-01-01T00:01:00.000Z',
        '2001-01-01T00:01:00.000',
        '2001-01-01T00:01:00.000000Z',
        '2001-01-01T00:01:00.000000',
        '2001-01-01T00:01:00.000000000Z',
        '2001-01-01T00:01:00.000000000',
      ],
    );
  });

  test('describe and /stats write min and max as the rows do; describe always has distinctCount', async () => {
    const described = (await get('/v1/tables/times')).json().columns;
    const stats = (await get('/v1/tables/times/stats')).json();
    for (const c of COLUMNS) {
      const [min, max] = textRange(expected[c]!);
      const d = described.find((x: any) => x.name === c);
      assert.deepEqual([d.stats.min, d.stats.max], [min, max], `describe ${c}`);
      assert.ok('distinctCount' in d.stats, `describe ${c} has distinctCount`);
      const s = stats.columns.find((x: any) => x.name === c);
      assert.deepEqual([s.minValue.value, s.maxValue.value], [min, max], `/stats ${c}`);
      const g = stats.rowGroups[0].columns.find((x: any) => x.name === c);
      assert.deepEqual([g.minValue.value, g.maxValue.value], [min, max], `/stats row group ${c}`);
    }
  });

  test('histograms and distinct values write the same text', async () => {
    for (const c of COLUMNS) {
      const [min, max] = textRange(expected[c]!);
      const h = (await get(`/v1/tables/times/columns/${c}/histogram?bins=1`)).json();
      assert.deepEqual([h.min, h.max, h.bins[0].lower], [min, max, min], `histogram ${c}`);
      const values = (await get(`/v1/tables/times/columns/${c}/distinct`)).json().values.map((v: any) => v.value);
      assert.deepEqual(new Set(values), new Set(expected[c]), `distinct ${c}`);
    }
  });
});

describe('one naming convention (item 5)', () => {
  test('/stats keys are camelCase; the old snake_case keys come alongside, equal, for one release', async () => {
    const s = (await get('/v1/tables/times/stats')).json();
    const snake = (o: object) => Object.keys(o).filter((k) => k.includes('_'));
    const camel = (k: string) => k.replace(/_([a-z])/g, (_, x: string) => x.toUpperCase());
    const objects = [s, s.table, ...s.columns, ...s.rowGroups, ...s.rowGroups.flatMap((g: any) => g.columns)];
    for (const o of objects) for (const k of snake(o)) assert.deepEqual(o[k], o[camel(k)], `${k} mirrors ${camel(k)}`);
    assert.deepEqual(snake(s.table).sort(), ['file_count', 'row_count', 'row_group_count']);
    assert.deepEqual(
      Object.keys(s.table).filter((k) => !k.includes('_')),
      ['rowCount', 'bytes', 'fileCount', 'rowGroupCount'],
    );
    // Describe was camelCase already: no snake_case key anywhere in it.
    const d = (await get('/v1/tables/times')).json();
    const keys = JSON.stringify(d).match(/"[a-zA-Z_]+":/g) ?? [];
    assert.deepEqual(
      keys.filter((k) => k.includes('_')),
      [],
    );
  });
});
